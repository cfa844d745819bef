-- integer_names.lua: a model gains an attribute; sync{alter = true} adds the
-- column and keeps the rows.  Without alter, writing the new attribute fails
-- clearly, naming it.
--
--   lua5.4 examples/integer_names.lua [path/to/file.sqlite]
local here = (arg and arg[0] or ''):match('^(.*)/[^/]+$') or '.'
package.path = here .. '/../lua/?.lua;' .. here .. '/../lua/?/init.lua;' .. package.path
package.cpath = here .. '/../build/?.so;' .. package.cpath

local modelsync = require('modelsync')
local T = modelsync.DataTypes

local function check(ok, message) if not ok then error('integer_names: ' .. message, 2) end end

local path = arg[1]
local temporary = not path
if temporary then path = os.tmpname(); os.remove(path); path = path .. '.sqlite' end

local db = modelsync.connect{ dialect = 'sqlite', storage = path }

-- Version 1
local IntegerNames = db:define('IntegerNames', { value = T.INTEGER, name = T.STRING })
IntegerNames:sync{ force = true }
local tables = db:query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'IntegerNames'")
check(#tables == 1, "the table is named IntegerNames (already plural)")
IntegerNames:create{ value = 1, name = 'one' }
IntegerNames:create{ value = 2, name = 'two' }

-- Version 2: a Spanish name too
IntegerNames = db:define('IntegerNames', { value = T.INTEGER, name = T.STRING, nameEs = T.STRING })
IntegerNames:sync{ alter = true }
IntegerNames:create{ value = 3, name = 'three', nameEs = 'tres' }
IntegerNames:create{ value = 4, name = 'four', nameEs = 'cuatro' }

local rows = IntegerNames:findAll{ order = { { 'value', 'ASC' } } }
print('value  name   nameEs')
for _, r in ipairs(rows) do print(('%-6d %-6s %s'):format(r.value, r.name, tostring(r.nameEs))) end
check(#rows == 4, 'all four rows are there')
for i, want in ipairs({ { 1, 'one', nil }, { 2, 'two', nil }, { 3, 'three', 'tres' }, { 4, 'four', 'cuatro' } }) do
  check(rows[i].value == want[1] and rows[i].name == want[2] and rows[i].nameEs == want[3],
    'row ' .. i .. ' is ' .. want[2] .. ' / ' .. tostring(want[3]))
end
check(math.type(rows[1].value) == 'integer', 'value reads back as a Lua integer')
db:close()

-- The same without alter: sync() leaves the table as it is, and writing
-- nameEs fails with an error that names it.
os.remove(path)
db = modelsync.connect{ dialect = 'sqlite', storage = path }
IntegerNames = db:define('IntegerNames', { value = T.INTEGER, name = T.STRING })
IntegerNames:sync{ force = true }
IntegerNames:create{ value = 1, name = 'one' }
IntegerNames:create{ value = 2, name = 'two' }
IntegerNames = db:define('IntegerNames', { value = T.INTEGER, name = T.STRING, nameEs = T.STRING })
IntegerNames:sync()
local ok, err = pcall(IntegerNames.create, IntegerNames, { value = 3, name = 'three', nameEs = 'tres' })
check(not ok, 'writing nameEs without alter must fail')
local message = type(err) == 'table' and tostring(err.message or err) or tostring(err)
print('without alter: ' .. message)
check(message:find('nameEs', 1, true) ~= nil, 'the error names nameEs')
check(IntegerNames:count() == 2, 'nothing was written')
db:close()

if temporary then os.remove(path) end
print('integer_names: ok')
