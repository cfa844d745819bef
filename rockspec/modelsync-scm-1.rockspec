-- LuaRocks package of modelsync (the C core modelsync.core + the Lua layer).
-- Install from a checkout:   luarocks --lua-version=5.4 make rockspec/modelsync-scm-1.rockspec
-- (`luarocks make` builds the sources in the current directory and never fetches source.url,
-- so it works offline.)  The rock installs the `modelsync` command (bin/modelsync) next to
-- the modules.  That command parses its arguments with argparse, which is deliberately not
-- a rock dependency: LuaRocks does not see Debian's lua-argparse as a rock and would try
-- to download it, breaking the offline install.  Install it with `apt-get install
-- lua-argparse` or `luarocks install argparse`; without it only the command line is missing,
-- and it says so in one line.
rockspec_format = "3.0"
package = "modelsync"
version = "scm-1"

source = {
  -- Placeholder: the project has no public home yet.
  url = "git+https://git.example.invalid/modelsync/modelsync.git",
  branch = "main",
}

description = {
  license = "MIT",
  summary = "Schema synchronisation for Lua: define models, sync SQLite and PostgreSQL",
  detailed = [[
modelsync keeps a relational database in step with models declared in Lua.
A C core introspects the live schema, diffs it against the models and emits
the SQL that closes the gap (SQLite and PostgreSQL), with a Sequelize-style
Lua API: define(), sync{force, alter, match}, drop(), plan(), hooks.
]],
}

dependencies = {
  "lua >= 5.4",
}

external_dependencies = {
  SQLITE3 = { header = "sqlite3.h" },
  -- libpq is optional: CMake builds the PostgreSQL dialect when it finds it.
}

build = {
  type = "cmake",
  variables = {
    CMAKE_BUILD_TYPE = "Release",
    CMAKE_INSTALL_PREFIX = "$(PREFIX)",
    LUA_INCDIR = "$(LUA_INCDIR)",
    LUA_LIBDIR = "$(LIBDIR)",      -- where the rock's C modules go (core.so)
    LUA_SHAREDIR = "$(LUADIR)",    -- where the rock's Lua modules go
  },
  -- The `modelsync` command: LuaRocks writes a wrapper with the right interpreter and paths.
  install = { bin = { modelsync = "bin/modelsync" } },
}

test = {
  -- Not type = "busted": that would try to install busted from the network.
  type = "command",
  command = "bash scripts/test",
}
