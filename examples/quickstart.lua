-- quickstart.lua: connect, define two models, sync, write and read rows,
-- change a model and let sync{alter = true} follow it.
--
--   lua5.4 examples/quickstart.lua [path/to/file.sqlite]
--
-- Exits non-zero if anything is not as shown.
local here = (arg and arg[0] or ''):match('^(.*)/[^/]+$') or '.'
package.path = here .. '/../lua/?.lua;' .. here .. '/../lua/?/init.lua;' .. package.path
package.cpath = here .. '/../build/?.so;' .. package.cpath

local modelsync = require('modelsync')
local T = modelsync.DataTypes

local function check(ok, message) if not ok then error('quickstart: ' .. message, 2) end end

local path = arg[1]
local temporary = not path
if temporary then path = os.tmpname(); os.remove(path); path = path .. '.sqlite' end

local db <close> = modelsync.connect{ dialect = 'sqlite', storage = path }

local User = db:define('User', {
  id    = { type = T.INTEGER, primaryKey = true, autoIncrement = true },
  email = { type = T.STRING(120), allowNull = false, unique = true },
  name  = T.STRING,
})
local Post = db:define('Post', {
  title  = { type = T.STRING, allowNull = false },
  userId = { type = T.INTEGER, references = { model = 'User' }, onDelete = 'CASCADE' },
})

db:sync{ force = true }                         -- Users, then Posts (foreign-key order)

local ann = User:create{ email = 'ann@example.com', name = 'Ann' }
check(math.type(ann.id) == 'integer', 'create() returns the key as an integer')
check(type(ann.createdAt) == 'string', 'create() fills createdAt')
Post:bulkCreate{ { title = 'Hello', userId = ann.id }, { title = 'Again', userId = ann.id } }

local posts = Post:findAll{ where = { userId = ann.id }, order = { { 'title', 'ASC' } } }
check(#posts == 2 and posts[1].title == 'Again' and posts[2].title == 'Hello', 'findAll returns both posts, ordered')
check(Post:count() == 2, 'count() is 2')
print(('%s wrote %d posts: %s, %s'):format(ann.name, #posts, posts[1].title, posts[2].title))

-- The models and the database agree: nothing to do.
check(#db:plan{ alter = true }.steps == 0, 'the plan is empty right after sync')

-- A new attribute: plan it, then apply it with alter; the rows stay.
User = db:define('User', {
  id    = { type = T.INTEGER, primaryKey = true, autoIncrement = true },
  email = { type = T.STRING(120), allowNull = false, unique = true },
  name  = T.STRING,
  bio   = { type = T.TEXT, comment = 'free text' },
})
local plan = db:plan{ alter = true }
for _, step in ipairs(plan.steps) do print('plan:', step.op, step.table, step.column, step.risk) end
check(#plan.steps == 1 and plan.steps[1].op == 'addColumn' and plan.steps[1].column == 'bio',
  'the plan adds the column bio')
print(plan:sql())
db:sync{ alter = true }
local again = User:findOne{ where = { email = 'ann@example.com' } }
check(again and again.name == 'Ann' and again.bio == nil, 'the row survives alter; bio is nil')
check(#db:plan{ alter = true }.steps == 0, 'the plan is empty after alter')

-- Deleting the user deletes the posts (ON DELETE CASCADE).
User:destroy{ where = { id = ann.id } }
check(Post:count() == 0, 'posts are deleted with their user')

db:close()
if temporary then os.remove(path) end
print('quickstart: ok')
