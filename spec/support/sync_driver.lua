-- spec/support/sync_driver.lua: the models of the crash and concurrency specs,
-- and a small program that runs one sync in its own process (so that a spec
-- can kill it with SIGKILL, terminate its backend, or run six at once).
--
-- As a module (require('support.sync_driver')): the model definitions, so the
-- spec and the child process define exactly the same models.
--
--   driver.crash_models(db, version)   -- version 1 (as created) or 2 (the change)
--   driver.fleet_models(db)            -- the models six processes sync at once
--   driver.command(mode, target, ...)  -- the shell command that runs the driver
--
-- As a program:
--
--   lua5.4 spec/support/sync_driver.lua MODE TARGET [START_FILE] [OPTIONS]
--
--   TARGET  a modelsync URL (sqlite:/path/file.sqlite or postgres://...)
--   MODE    crash:  define crash_models(db, 2) and sync{ alter = true }
--           fleet:  wait until START_FILE exists, define fleet_models and sync{ alter = true }
--
-- It writes line by line, flushing each line (so a reader of the pipe sees
-- every line written before a SIGKILL):
--
--   pid <process id>              -- first line, before connecting
--   backend <pid>                 -- postgres only: the server process of the connection
--   ready                         -- fleet: connected and defined, waiting for START_FILE
--   started                       -- connected and defined: the sync starts now
--   sql <statement, first 60 characters on one line>   -- each statement sent
--   done                          -- the sync committed; exit status 0
--   error <code> <message>        -- the sync raised; exit status 1
local M = {}

local T   -- modelsync.DataTypes, once modelsync is loaded

-- The crash spec's models.  Version 1 is the schema the spec creates and fills;
-- version 2 makes the parent's name NOT NULL with a default, which SQLite can
-- only do by rebuilding the table (the rebuilt table also declares score
-- BIGINT; INTEGER -> BIGINT alone is no change on SQLite, one integer family),
-- and PostgreSQL does with ALTER COLUMN (SET NOT NULL, SET DEFAULT, TYPE);
-- then it adds a column to the children (a native ADD COLUMN on both).
function M.crash_models(db, version)
  T = T or require('modelsync').DataTypes
  local v2 = version == 2
  db:define('Parent', {
    { 'id', { type = T.INTEGER, primaryKey = true, autoIncrement = true } },
    { 'name', { type = T.STRING(40), allowNull = not v2, defaultValue = v2 and 'unnamed' or nil } },
    { 'score', v2 and T.BIGINT or T.INTEGER },
    { 'note', T.TEXT },
  }, { tableName = 'parents', timestamps = false, indexes = { { fields = { 'name' } } } })
  db:define('Child', {
    { 'id', { type = T.INTEGER, primaryKey = true, autoIncrement = true } },
    { 'parentId', { type = T.INTEGER, allowNull = false, references = { model = 'Parent', key = 'id' },
                    onDelete = 'CASCADE', onUpdate = 'CASCADE' } },
    { 'value', T.INTEGER },
    v2 and { 'tag', T.STRING(20) } or nil,
  }, { tableName = 'children', timestamps = false, indexes = { { fields = { 'parentId' } } } })
  db:define('Ward', {
    { 'id', { type = T.INTEGER, primaryKey = true, autoIncrement = true } },
    { 'parentId', { type = T.INTEGER, references = { model = 'Parent', key = 'id' },
                    onDelete = 'SET NULL' } },
  }, { tableName = 'wards', timestamps = false })
end

-- The concurrency spec's models: foreign keys, uniques (single and composite),
-- plain and partial indexes, an ENUM, defaults: everything a racing sync could
-- create twice.
function M.fleet_models(db)
  T = T or require('modelsync').DataTypes
  db:define('Team', {
    name = { type = T.STRING(60), allowNull = false, unique = true },
    league = { type = T.ENUM('north', 'south'), defaultValue = 'north' },
  }, { indexes = { { fields = { 'league' } } } })
  db:define('Player', {
    nick = { type = T.STRING(40), allowNull = false, unique = true },
    teamId = { type = T.INTEGER, references = { model = 'Team' }, onDelete = 'CASCADE' },
    shirt = { type = T.INTEGER, unique = 'team_shirt' },
    squad = { type = T.INTEGER, unique = 'team_shirt' },
    rating = { type = T.DECIMAL(6, 2), defaultValue = 0 },
  }, { indexes = { { fields = { 'rating' }, where = 'rating > 0' } } })
  db:define('Match', {
    homeId = { type = T.INTEGER, references = { model = 'Team' } },
    awayId = { type = T.INTEGER, references = { model = 'Team' } },
    playedOn = { type = T.DATEONLY, allowNull = false },
  }, { indexes = { { fields = { 'homeId', 'awayId', 'playedOn' }, unique = true } } })
end

-- This file's path, absolute (the program is started by its absolute path).
local function this_file()
  local source = debug.getinfo(1, 'S').source
  return (source:gsub('^@', ''))
end

-- A shell word.
local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
M.shell_quote = shell_quote

-- The shell command that runs the driver (`exec`, so the pid the shell starts
-- is the driver's own).  The driver loads modelsync from the caller's own
-- package.path and package.cpath (e.g. a sanitizer build), run from the
-- caller's current directory.
function M.command(mode, target, start_file)
  local path = this_file()
  if path:sub(1, 1) ~= '/' then
    local pwd = os.getenv('PWD') or io.popen('pwd'):read('l')
    path = pwd .. '/' .. path
  end
  return table.concat({ 'exec env', 'LUA_PATH_5_4=' .. shell_quote(package.path),
                        'LUA_CPATH_5_4=' .. shell_quote(package.cpath), 'lua5.4', shell_quote(path),
                        shell_quote(mode), shell_quote(target),
                        start_file and shell_quote(start_file) or '' }, ' ')
end

-- ------------------------------------------------------------------ program

local function main(mode, target, start_file)
  -- the caller's paths first (LUA_PATH_5_4 ...), then lua/ and build/ of this checkout
  local root = this_file():match('^(.*)/spec/support/[^/]*$') or '.'
  package.path = package.path .. ';' .. root .. '/lua/?.lua;' .. root .. '/lua/?/init.lua;' .. root .. '/spec/?.lua'
  package.cpath = package.cpath .. ';' .. root .. '/build/?.so'
  io.stdout:setvbuf('line')

  local stat = io.open('/proc/self/stat')
  io.stdout:write('pid ', stat and stat:read('n') or '?', '\n')
  if stat then stat:close() end

  local modelsync = require('modelsync')
  local ok, err = pcall(function()
    local db = modelsync.connect(target)
    if db:getDialect() == 'postgres' then
      io.stdout:write('backend ', tostring(db:query('SELECT pg_backend_pid() AS pid')[1].pid), '\n')
    end
    if mode == 'crash' then
      M.crash_models(db, 2)
    elseif mode == 'fleet' then
      M.fleet_models(db)
      io.stdout:write('ready\n')
      for _ = 1, 3000 do
        local f = io.open(start_file)
        if f then f:close(); break end
        os.execute('sleep 0.005')
      end
    else
      error('unknown mode ' .. tostring(mode))
    end
    io.stdout:write('started\n')
    db:sync{ alter = true, logging = function(sql)
      io.stdout:write('sql ', (sql:gsub('%s+', ' '):sub(1, 60)), '\n')
    end }
    db:close()
  end)
  if ok then
    io.stdout:write('done\n')
    os.exit(0, true)      -- closing the state: a leak checker sees a clean exit
  end
  local code = type(err) == 'table' and tostring(err.code) or 'none'
  local message = type(err) == 'table' and tostring(err.message) or tostring(err)
  io.stdout:write('error ', code, ' ', (message:gsub('\n', ' ')), '\n')
  os.exit(1, true)
end

-- Run as a program (lua5.4 .../sync_driver.lua MODE TARGET ...), not required.
if arg and arg[0] and arg[0]:find('sync_driver%.lua$') and select('#', ...) >= 2 then
  main(...)
end

return M
