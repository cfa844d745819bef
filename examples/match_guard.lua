-- match_guard.lua: `match` guards destructive syncs.  It is a Lua pattern on
-- the database's name and is checked first: a mismatch raises E_MATCH before
-- any hook or SQL runs.
--
--   lua5.4 examples/match_guard.lua [path/to/file.sqlite]
local here = (arg and arg[0] or ''):match('^(.*)/[^/]+$') or '.'
package.path = here .. '/../lua/?.lua;' .. here .. '/../lua/?/init.lua;' .. package.path
package.cpath = here .. '/../build/?.so;' .. package.cpath

local modelsync = require('modelsync')
local T = modelsync.DataTypes

local function check(ok, message) if not ok then error('match_guard: ' .. message, 2) end end

local path = arg[1]
local temporary = not path
if temporary then path = os.tmpname(); os.remove(path); path = path .. '.sqlite' end

-- The name `match` tests is the `database` option when given, else the file's
-- name without folder and extension.  Here the same file plays both roles.
local function open(name)
  local db = modelsync.connect{ dialect = 'sqlite', storage = path, database = name }
  db:define('Order', { total = T.INTEGER })
  return db
end

local prod = open('shop')
prod:sync{ force = true }
local Order = prod:define('Order', { total = T.INTEGER })
Order:bulkCreate{ { total = 10 }, { total = 20 } }

-- On 'shop', a guarded force sync refuses, before any hook or SQL.
local statements, hooks = 0, 0
prod:beforeBulkSync(function() hooks = hooks + 1 end)
local ok, err = pcall(prod.sync, prod, { force = true, match = '_test$',
                                         logging = function() statements = statements + 1 end })
check(not ok, 'force with match = "_test$" must fail on shop')
check(type(err) == 'table' and err.code == 'E_MATCH', 'the error code is E_MATCH, got ' .. tostring(type(err) == 'table' and err.code or err))
print('on shop: ' .. tostring(err.message or err))
check(statements == 0 and hooks == 0, 'no SQL and no hook ran')
check(Order:count() == 2, 'the rows are untouched')
prod:close()

-- On 'shop_test' it goes ahead.
local test = open('shop_test')
test:sync{ force = true, match = '_test$' }
local TestOrder = test:define('Order', { total = T.INTEGER })
check(TestOrder:count() == 0, 'force emptied the test database')
print('on shop_test: re-created, ' .. TestOrder:count() .. ' rows')
test:close()

if temporary then os.remove(path) end
print('match_guard: ok')
