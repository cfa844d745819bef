-- hooks.lua: beforeBulkSync, beforeSync, afterSync, afterBulkSync; the order
-- they run in, a hook changing the options, a hook stopping the sync, and
-- hooks = false.
--
--   lua5.4 examples/hooks.lua [path/to/file.sqlite]
local here = (arg and arg[0] or ''):match('^(.*)/[^/]+$') or '.'
package.path = here .. '/../lua/?.lua;' .. here .. '/../lua/?/init.lua;' .. package.path
package.cpath = here .. '/../build/?.so;' .. package.cpath

local modelsync = require('modelsync')
local T = modelsync.DataTypes

local function check(ok, message) if not ok then error('hooks: ' .. message, 2) end end

local path = arg[1]
local temporary = not path
if temporary then path = os.tmpname(); os.remove(path); path = path .. '.sqlite' end

local db <close> = modelsync.connect{ dialect = 'sqlite', storage = path }
local events = {}
local function note(name) return function() events[#events + 1] = name end end
local function sql_logger(sql) if not sql:match('^%s*PRAGMA') and not sql:match('^%s*SELECT') then
  events[#events + 1] = 'sql' end end

local Team = db:define('Team', { name = T.STRING }, {
  hooks = { beforeSync = note('Team:beforeSync'), afterSync = note('Team:afterSync') },
})
local Player = db:define('Player', { teamId = { type = T.INTEGER, references = { model = 'Team' } } })
Player:beforeSync(note('Player:beforeSync'))
Player:addHook('afterSync', note('Player:afterSync'))
db:beforeBulkSync(note('beforeBulkSync'))
db:addHook('afterBulkSync', note('afterBulkSync'))

db:sync{ force = true, logging = sql_logger }
print('db:sync ran: ' .. table.concat(events, ', '))

-- beforeBulkSync, every beforeSync, the SQL, every afterSync, afterBulkSync
local function where(name) for i, e in ipairs(events) do if e == name then return i end end end
local first_sql, last_sql
for i, e in ipairs(events) do if e == 'sql' then first_sql = first_sql or i; last_sql = i end end
check(events[1] == 'beforeBulkSync' and events[#events] == 'afterBulkSync', 'bulk hooks come first and last')
check(first_sql, 'SQL ran')
check(where('Team:beforeSync') < first_sql and where('Player:beforeSync') < first_sql, 'beforeSync before the SQL')
check(where('Team:afterSync') > last_sql and where('Player:afterSync') > last_sql, 'afterSync after the SQL')

-- Model:sync runs only that model's hooks.
events = {}
Team:sync()
print('Team:sync ran: ' .. table.concat(events, ', '))
check(#events == 2 and events[1] == 'Team:beforeSync' and events[2] == 'Team:afterSync', 'only Team hooks ran')

-- A hook may change the options: this one turns a plain sync into an alter.
Player = db:define('Player', { teamId = { type = T.INTEGER, references = { model = 'Team' } }, nick = T.STRING })
Player:beforeSync(function(options) options.alter = true end)
Player:sync()
local has_nick = false
for _, c in ipairs(db:query('PRAGMA table_info("Players")')) do if c.name == 'nick' then has_nick = true end end
check(has_nick, 'the hook turned the sync into an alter: nick was added')
print('a beforeSync hook set alter = true: Players.nick added')

-- A before-hook that raises stops the sync before any SQL.
Team = db:define('Team', { name = T.STRING, city = T.STRING })
Team:beforeSync(function() error('not during business hours') end)
local sent = 0
local ok, err = pcall(Team.sync, Team, { alter = true, logging = function() sent = sent + 1 end })
check(not ok and tostring(type(err) == 'table' and err.message or err):find('business hours', 1, true),
  'the hook error stops the sync')
check(sent == 0, 'no SQL ran')
print('a raising beforeSync stopped the sync: ' .. tostring(type(err) == 'table' and err.message or err))

-- hooks = false skips them all (the raising one too).
events = {}
Team:sync{ alter = true, hooks = false }
check(#events == 0, 'no hook ran')
local has_city = false
for _, c in ipairs(db:query('PRAGMA table_info("Teams")')) do if c.name == 'city' then has_city = true end end
check(has_city, 'the sync itself ran')

db:close()
if temporary then os.remove(path) end
print('hooks: ok')
