-- spec/support/migrate_driver.lua: runs db:migrate{ dir = DIR } in its own
-- process, so that the migrate spec can start six of them at once.
--
--   lua5.4 spec/support/migrate_driver.lua TARGET DIR START_FILE
--
--   TARGET      a modelsync URL (sqlite:/path/file.sqlite or postgres://...?schema=...)
--   DIR         the migrations directory
--   START_FILE  the driver connects, then waits until this file exists, then
--               migrates (so that every process starts at the same moment)
--
-- Output, one line each: `applied <name>` for every file this process applied,
-- then `done` (exit 0), or `error <code> <message>` (exit 1).
-- Run from the repository root (it loads lua/ and build/ like busted does).
package.path = 'lua/?.lua;lua/?/init.lua;spec/?.lua;' .. package.path
package.cpath = 'build/?.so;' .. package.cpath

local target, dir, start = arg[1], arg[2], arg[3]
local modelsync = require('modelsync')

local ok, err = pcall(function()
  local db = modelsync.connect(target)
  local deadline = os.time() + 30
  while not io.open(start, 'r') do
    if os.time() > deadline then error('start file never appeared', 0) end
    os.execute('sleep 0.01')
  end
  local applied = db:migrate{ dir = dir }
  for _, name in ipairs(applied) do io.write('applied ', name, '\n') end
  db:close()
end)
if ok then
  io.write('done\n')
  os.exit(0)
end
io.write('error ', tostring(type(err) == 'table' and err.code or 'E_LUA'), ' ',
  (tostring(type(err) == 'table' and err.message or err):gsub('\n', ' ')), '\n')
os.exit(1)
