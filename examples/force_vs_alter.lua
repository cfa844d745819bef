-- force_vs_alter.lua: sync{alter = true} changes a table and keeps its rows;
-- sync{force = true} drops and re-creates it, rows gone.
--
--   lua5.4 examples/force_vs_alter.lua [path/to/file.sqlite]
local here = (arg and arg[0] or ''):match('^(.*)/[^/]+$') or '.'
package.path = here .. '/../lua/?.lua;' .. here .. '/../lua/?/init.lua;' .. package.path
package.cpath = here .. '/../build/?.so;' .. package.cpath

local modelsync = require('modelsync')
local T = modelsync.DataTypes

local function check(ok, message) if not ok then error('force_vs_alter: ' .. message, 2) end end

local path = arg[1]
local temporary = not path
if temporary then path = os.tmpname(); os.remove(path); path = path .. '.sqlite' end

local db <close> = modelsync.connect{ dialect = 'sqlite', storage = path }

local Product = db:define('Product', { name = T.STRING, price = T.DECIMAL(10, 2) })
Product:sync{ force = true }
Product:bulkCreate{ { name = 'pen', price = '1.50' }, { name = 'ink', price = '3.25' } }

-- alter: a new column with a default, and NOT NULL on name; both rows stay.
Product = db:define('Product', {
  name = { type = T.STRING, allowNull = false },
  price = T.DECIMAL(10, 2),
  stock = { type = T.INTEGER, allowNull = false, defaultValue = 0 },
})
Product:sync{ alter = true }
local rows = Product:findAll{ order = { { 'name', 'ASC' } } }
print('after alter: ' .. #rows .. ' rows')
check(#rows == 2, 'alter keeps both rows')
check(rows[1].name == 'ink' and rows[1].stock == 0 and tonumber(rows[1].price) == 3.25, 'ink kept, stock 0')
check(rows[2].name == 'pen' and rows[2].stock == 0 and tonumber(rows[2].price) == 1.5, 'pen kept, stock 0')

-- alter never destroys: a removed attribute stays as a column, listed as skipped.
Product = db:define('Product', {
  name = { type = T.STRING, allowNull = false },
  stock = { type = T.INTEGER, allowNull = false, defaultValue = 0 },
})
local plan = db:plan{ alter = true }
local skipped
for _, s in ipairs(plan.steps) do
  print('plan:', s.op, s.column, s.risk, s.skipped and ('skipped: ' .. tostring(s.reason)) or '')
  if s.op == 'dropColumn' and s.column == 'price' then skipped = s end
end
check(skipped and skipped.skipped and skipped.risk == 'destructive', 'dropping price is destructive and skipped')
Product:sync{ alter = true }
check(#db:query('SELECT price FROM "Products"') == 2, 'price is still there with its values')

-- force: drop and re-create; the rows are gone.
Product:sync{ force = true }
print('after force: ' .. Product:count() .. ' rows')
check(Product:count() == 0, 'force empties the table')
local columns = {}
for _, c in ipairs(db:query('PRAGMA table_info("Products")')) do columns[c.name] = true end
check(columns.stock and not columns.price, 'force re-creates the table as the model says')

db:close()
if temporary then os.remove(path) end
print('force_vs_alter: ok')
