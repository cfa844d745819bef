-- spec/support/pg_sync_driver.lua: the models of spec/postgres_spec.lua's
-- "six processes" test, and the program each of those processes runs.
--
-- As a module (require('support.pg_sync_driver')):
--
--   driver.models(db)                    -- defines the models every process syncs
--   driver.command(url, start_file)      -- the shell command that runs one process
--
-- As a program (run from the repository root or anywhere: paths are found
-- from this file's own location):
--
--   lua5.4 spec/support/pg_sync_driver.lua URL START_FILE
--
-- connects to URL (a postgres:// URL with ?schema=), defines the models, waits
-- until START_FILE exists (so that every process starts its sync at the same
-- moment), runs db:sync{ alter = true } and exits 0; on an error it prints
-- `error <code> <message>` to stdout and exits 1.
local M = {}

-- Teams, players with a foreign key, an ENUM with a default, unique
-- constraints (single and composite), a partial unique index and plain indexes.
function M.models(db)
  local T = require('modelsync').DataTypes
  db:define('Club', {
    name = { type = T.STRING(60), allowNull = false, unique = true },
    tier = { type = T.ENUM('gold', 'silver', 'bronze'), defaultValue = 'silver' },
    city = T.STRING(40),
  }, { comment = 'clubs', indexes = { { fields = { 'city' } },
                                      { name = 'clubs_city_tier', fields = { 'city', 'tier' } } } })
  db:define('Member', {
    nick = { type = T.STRING(40), allowNull = false },
    clubId = { type = T.INTEGER, references = { model = 'Club' }, onDelete = 'CASCADE' },
    shirt = { type = T.INTEGER, unique = 'club_shirt' },
    club = { type = T.INTEGER, unique = 'club_shirt' },
    status = { type = T.STRING(10), defaultValue = 'active', comment = 'a or b' },
  }, { indexes = { { unique = true, fields = { 'nick' }, where = "status IN ('active', 'idle')" },
                   { fields = { 'clubId' } } } })
  return db
end

-- The directory of this file (with a trailing slash).
local function here()
  local source = debug.getinfo(1, 'S').source:gsub('^@', '')
  return source:match('^(.*/)') or './'
end

-- A shell word.
local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

function M.command(url, start_file)
  return 'lua5.4 ' .. shell_quote(here() .. 'pg_sync_driver.lua') .. ' '
    .. shell_quote(url) .. ' ' .. shell_quote(start_file)
end

-- The program: only when run as a script, not when required.
local function main(url, start_file)
  local root = here() .. '../../'
  package.path = root .. 'lua/?.lua;' .. root .. 'lua/?/init.lua;' .. root .. 'spec/?.lua;' .. package.path
  package.cpath = root .. 'build/?.so;' .. package.cpath
  local modelsync = require('modelsync')
  local ok, err = pcall(function()
    local db = modelsync.connect(url)
    M.models(db)
    for _ = 1, 400 do                      -- at most ~20 s
      local f = io.open(start_file, 'r')
      if f then f:close(); break end
      os.execute('sleep 0.05')
    end
    db:sync{ alter = true }
    db:close()
  end)
  if ok then
    io.stdout:write('done\n')
    os.exit(0)
  end
  local code = type(err) == 'table' and tostring(err.code) or 'E_LUA'
  local message = type(err) == 'table' and tostring(err.message) or tostring(err)
  io.stdout:write('error ', code, ' ', (message:gsub('\n', ' ')), '\n')
  os.exit(1)
end

local loaded_as = ...        -- the module name when required, the first argument when run
if loaded_as ~= 'support.pg_sync_driver' and arg and arg[0] and arg[0]:match('pg_sync_driver%.lua$') then
  main(arg[1], arg[2])
end

return M
