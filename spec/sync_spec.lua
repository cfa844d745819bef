-- Model:sync / db:sync with force, alter, match; drop; dependency order and
-- cycles; hooks; logging (DESIGN §4).
local modelsync = require('modelsync')
local dialects = require('support.dialects')
local T = modelsync.DataTypes

local function index_of(list, value)
  for i, v in ipairs(list) do if v == value then return i end end
  return nil
end

-- Position of the first statement matching an upper-case pattern, or nil.
local function first(statements, pattern)
  for i, s in ipairs(statements) do if s:upper():find(pattern) then return i end end
  return nil
end

dialects.describe('sync', function(ctx)
  local db
  before_each(function() db = ctx.connect() end)

  describe('Model:sync()', function()
    it('creates the table when missing and returns the model', function()
      local M = db:define('User', { name = T.STRING })
      local r = M:sync()
      assert.are.equal(M, r)
      assert.is_true(ctx.table_exists(db, 'Users'))
    end)

    it('leaves an existing table and its rows alone, sending no DDL', function()
      local M = db:define('User', { name = T.STRING })
      M:sync()
      M:create{ name = 'a' }
      local log = dialects.logger()
      M:sync{ logging = log.fn }
      assert.are.same({}, dialects.changes(log))
      assert.is_true(#log.statements > 0, 'logging saw no statement (introspection is logged too)')
      assert.are.equal(1, M:count())
    end)

    it('adds a missing index without alter', function()
      db:define('User', { name = T.STRING, age = T.INTEGER })
      db:sync()
      local M = db:define('User', { name = T.STRING, age = T.INTEGER }, { indexes = { { fields = { 'age' } } } })
      M:sync()
      assert.is_not_nil(ctx.index_on(db, 'Users', { 'age' }))
    end)

    it('does not add or change columns without alter', function()
      db:define('User', { name = T.STRING })
      db:sync()
      local M = db:define('User', { name = T.STRING, extra = T.INTEGER })
      M:sync()
      assert.is_nil(ctx.columns(db, 'Users').extra)
    end)

    it('syncs only its own model', function()
      local A = db:define('Alpha', { x = T.INTEGER })
      db:define('Beta', { x = T.INTEGER })
      A:sync()
      assert.are.same({ 'Alphas' }, ctx.tables(db))
    end)
  end)

  describe('db:sync()', function()
    it('creates every model and returns the connection', function()
      db:define('Alpha', { x = T.INTEGER })
      db:define('Beta', { x = T.INTEGER })
      local r = db:sync()
      assert.are.equal(db, r)
      -- (Sequelize's inflection keeps words in -ta: Beta -> Beta, as data -> data)
      assert.are.same({ 'Alphas', 'Beta' }, ctx.tables(db))
    end)

    it('creates parents before children whatever the definition order', function()
      db:define('Comment', { postId = { type = T.INTEGER, references = { model = 'Post' } } })
      db:define('Post', { userId = { type = T.INTEGER, references = { model = 'User' } } })
      db:define('User', { name = T.STRING })
      local log = dialects.logger()
      db:sync{ logging = log.fn }
      local u = first(log.statements, '^%s*CREATE TABLE[^(]*"USERS"')
      local p = first(log.statements, '^%s*CREATE TABLE[^(]*"POSTS"')
      local c = first(log.statements, '^%s*CREATE TABLE[^(]*"COMMENTS"')
      assert.is_truthy(u and p and c, 'CREATE TABLE statements not all seen:\n' .. table.concat(log.statements, '\n'))
      assert.is_true(u < p and p < c, 'order: Users ' .. u .. ', Posts ' .. p .. ', Comments ' .. c)
    end)

    it('handles a foreign-key cycle (create, sync again, drop)', function()
      db:define('Egg', { chickenId = { type = T.INTEGER, references = { model = 'Chicken' } } })
      db:define('Chicken', { eggId = { type = T.INTEGER, references = { model = 'Egg' } } })
      db:sync{ force = true }
      assert.are.same({ 'Chickens', 'Eggs' }, ctx.tables(db))
      assert.are.equal('Chickens', ctx.foreign_keys(db, 'Eggs')[1].refTable)
      assert.are.equal('Eggs', ctx.foreign_keys(db, 'Chickens')[1].refTable)
      local plan = db:plan{ alter = true }
      assert.are.same({}, plan.steps, dialects.describe_steps(plan.steps))
      db:sync{ force = true }
      db:drop()
      assert.are.same({}, ctx.tables(db))
    end)

    it('a self-reference works', function()
      local Node = db:define('Node', { parentId = { type = T.INTEGER, references = { model = 'Node' }, onDelete = 'CASCADE' } })
      db:sync()
      local root = Node:create{}
      Node:create{ parentId = root.id }
      assert.are.equal(2, Node:count())
      Node:destroy{ where = { id = root.id } }
      assert.are.equal(0, Node:count())
    end)
  end)

  describe('force', function()
    it('drops and re-creates: rows are gone, the new definition is in place', function()
      local M = db:define('User', { name = T.STRING })
      M:sync()
      M:create{ name = 'a' }
      M = db:define('User', { email = T.STRING })
      M:sync{ force = true }
      assert.are.equal(0, M:count())
      local cols = ctx.columns(db, 'Users')
      assert.is_not_nil(cols.email)
      assert.is_nil(cols.name)
    end)

    it('re-creates a parent that child rows reference', function()
      local Team = db:define('Team', { name = T.STRING })
      local Player = db:define('Player', { teamId = { type = T.INTEGER, references = { model = 'Team' } } })
      db:sync()
      local t = Team:create{ name = 'x' }
      Player:create{ teamId = t.id }
      Team:sync{ force = true }
      assert.are.equal(0, Team:count())
      assert.is_true(ctx.table_exists(db, 'Players'))
      assert.are.equal(1, ctx.count_rows(db, 'Players'))   -- the child table itself is not dropped
    end)

    it('db:sync{ force = true } re-creates every table', function()
      local A = db:define('Alpha', { x = T.INTEGER })
      local B = db:define('Beta', { alphaId = { type = T.INTEGER, references = { model = 'Alpha' } } })
      db:sync()
      local a = A:create{ x = 1 }
      B:create{ alphaId = a.id }
      db:sync{ force = true }
      assert.are.equal(0, A:count())
      assert.are.equal(0, B:count())
    end)
  end)

  describe('alter', function()
    it('adds a column and keeps the rows', function()
      local M = db:define('User', { name = T.STRING })
      M:sync()
      M:create{ name = 'a' }
      M = db:define('User', { name = T.STRING, age = { type = T.INTEGER, defaultValue = 3 } })
      M:sync{ alter = true }
      local rows = M:findAll()
      assert.are.equal(1, #rows)
      assert.are.equal('a', rows[1].name)
      assert.are.equal(3, rows[1].age)
    end)

    it('never drops a column without drop = true; alter = { drop = true } does', function()
      local M = db:define('User', { name = T.STRING, old = T.STRING })
      M:sync()
      M:create{ name = 'a', old = 'keep me' }
      M = db:define('User', { name = T.STRING })
      M:sync{ alter = true }
      assert.is_not_nil(ctx.columns(db, 'Users').old)
      assert.are.equal('keep me', db:query('SELECT old FROM ' .. ctx.qt('Users'))[1].old)
      M:sync{ alter = { drop = true } }
      assert.is_nil(ctx.columns(db, 'Users').old)
      assert.are.equal('a', M:findOne().name)
    end)

    it('alter = { drop = false } behaves as alter = true', function()
      db:define('User', { name = T.STRING, old = T.STRING }):sync()
      db:define('User', { name = T.STRING }):sync{ alter = { drop = false } }
      assert.is_not_nil(ctx.columns(db, 'Users').old)
    end)

    it('applies NOT NULL when no row holds NULL', function()
      local M = db:define('User', { name = T.STRING })
      M:sync()
      M:create{ name = 'a' }
      M = db:define('User', { name = { type = T.STRING, allowNull = false } })
      M:sync{ alter = true }
      assert.is_true(ctx.columns(db, 'Users').name.notnull)
      assert.are.equal('a', M:findOne().name)
    end)

    it('drops NOT NULL', function()
      db:define('User', { name = { type = T.STRING, allowNull = false } }):sync()
      local M = db:define('User', { name = T.STRING })
      M:sync{ alter = true }
      assert.is_false(ctx.columns(db, 'Users').name.notnull)
      M:create{}
    end)

    it('widens a VARCHAR and changes a default', function()
      local M = db:define('User', { name = { type = T.STRING(10), defaultValue = 'x' } })
      M:sync()
      M:create{ name = 'abcdefghij' }
      M = db:define('User', { name = { type = T.STRING(50), defaultValue = 'y' } })
      M:sync{ alter = true }
      local col = ctx.columns(db, 'Users').name
      assert.are.equal(ctx.name == 'sqlite' and 'varchar(50)' or 'character varying(50)', col.type)
      assert.is_truthy(tostring(col.default):find('y', 1, true))
      assert.are.equal('abcdefghij', M:findOne().name)
    end)

    it('adds and removes uniques and indexes (removal only with drop)', function()
      db:define('User', { email = T.STRING, name = T.STRING }):sync()
      local M = db:define('User', { email = { type = T.STRING, unique = true }, name = T.STRING },
        { indexes = { { name = 'users_name', fields = { 'name' } } } })
      M:sync{ alter = true }
      assert.is_true(ctx.index_on(db, 'Users', { 'email' }).unique)
      assert.is_not_nil(ctx.indexes(db, 'Users').users_name)
      M = db:define('User', { email = T.STRING, name = T.STRING })
      M:sync{ alter = true }
      assert.is_not_nil(ctx.index_on(db, 'Users', { 'email' }))
      assert.is_not_nil(ctx.indexes(db, 'Users').users_name)
      M:sync{ alter = { drop = true } }
      assert.is_nil(ctx.index_on(db, 'Users', { 'email' }))
      assert.is_nil(ctx.indexes(db, 'Users').users_name)
    end)

    it('adds ENUM values in order and keeps the rows', function()
      local M = db:define('Ticket', { state = T.ENUM('open', 'closed') })
      M:sync()
      M:bulkCreate{ { state = 'open' }, { state = 'closed' } }
      M = db:define('Ticket', { state = T.ENUM('open', 'pending', 'closed', 'archived') })
      M:sync{ alter = true }
      M:create{ state = 'pending' }
      M:create{ state = 'archived' }
      assert.has_error(function() M:create{ state = 'bogus' } end)
      assert.are.equal(4, M:count())
      assert.are.same({}, db:plan{ alter = true }.steps)
    end)

    it('converts VARCHAR -> INTEGER keeping convertible values', function()
      local M = db:define('Item', { code = T.STRING })
      M:sync()
      M:bulkCreate{ { code = '12' }, { code = '-3' } }
      M = db:define('Item', { code = T.INTEGER })
      M:sync{ alter = true }
      local rows = M:findAll{ order = { { 'id', 'ASC' } } }
      assert.are.equal(12, rows[1].code)
      assert.are.equal(-3, rows[2].code)
      assert.are.equal('integer', math.type(rows[1].code))
      assert.are.equal('integer', ctx.columns(db, 'Items').code.type)
      assert.are.same({}, db:plan{ alter = true }.steps)
    end)

    it('changes a table comment and a column comment', function()
      db:define('Note', { body = { type = T.TEXT, comment = 'old' } }, { comment = 'old table' }):sync()
      db:define('Note', { body = { type = T.TEXT, comment = 'new' } }, { comment = 'new table' }):sync{ alter = true }
      if ctx.name == 'postgres' then
        assert.are.equal('new', ctx.columns(db, 'Notes').body.comment)
      end
      assert.are.same({}, db:plan{ alter = true }.steps)
    end)

    it('renamedFrom renames the column and keeps its values', function()
      local M = db:define('User', { nickname = T.STRING })
      M:sync()
      M:create{ nickname = 'zed' }
      M = db:define('User', { nick = { type = T.STRING, renamedFrom = 'nickname' } })
      local log = dialects.logger()
      M:sync{ alter = true, logging = log.fn }
      local cols = ctx.columns(db, 'Users')
      assert.is_nil(cols.nickname)
      assert.is_not_nil(cols.nick)
      assert.are.equal('zed', M:findOne().nick)
      assert.are.equal(1, #dialects.grep(log, 'RENAME COLUMN'), table.concat(log.statements, '\n'))
    end)

    it('renamedFrom takes a list and a field', function()
      db:define('User', { nick_v1 = T.STRING }):sync()
      db:define('User', { anything = T.STRING }):sync{ alter = true }   -- nick_v1 kept (no drop)
      local M = db:define('User', { nick = { type = T.STRING, field = 'nick_name', renamedFrom = { 'nick_v2', 'nick_v1' } },
                                    anything = T.STRING })
      M:sync{ alter = true }
      local cols = ctx.columns(db, 'Users')
      assert.is_not_nil(cols.nick_name)
      assert.is_nil(cols.nick_v1)
    end)

    it('replaces a foreign key whose actions changed, in a step alter = true applies', function()
      db:define('Team', { name = T.STRING })
      db:define('Player', { teamId = { type = T.INTEGER, references = { model = 'Team' }, onDelete = 'CASCADE' } })
      db:sync()
      db:define('Player', { teamId = { type = T.INTEGER, references = { model = 'Team' }, onDelete = 'SET NULL' } })
      db:sync{ alter = true }
      local fks = ctx.foreign_keys(db, 'Players')
      assert.are.equal(1, #fks)
      assert.are.equal('SET NULL', fks[1].onDelete)
      assert.are.same({}, db:plan{ alter = true }.steps)
    end)

    it('adds a foreign key to an existing column', function()
      db:define('Team', { name = T.STRING })
      db:define('Player', { teamId = T.INTEGER })
      db:sync()
      db:define('Player', { teamId = { type = T.INTEGER, references = { model = 'Team' } } })
      db:sync{ alter = true }
      assert.are.equal(1, #ctx.foreign_keys(db, 'Players'))
    end)

    it('never touches tables, views and triggers that no model declares', function()
      db:query('CREATE TABLE ' .. ctx.qt('legacy') .. ' (id INTEGER, note TEXT)')
      db:query('INSERT INTO ' .. ctx.qt('legacy') .. ' (id, note) VALUES (1, $1)', { 'kept' })
      db:query('CREATE VIEW ' .. ctx.qt('legacy_view') .. ' AS SELECT id FROM ' .. ctx.qt('legacy'))
      db:define('User', { name = T.STRING })
      db:sync{ alter = { drop = true } }
      db:sync{ force = true }
      db:drop()
      assert.are.same({ 'legacy' }, ctx.tables(db))
      assert.are.equal('kept', db:query('SELECT note FROM ' .. ctx.qt('legacy'))[1].note)
      assert.are.equal(1, #db:query('SELECT id FROM ' .. ctx.qt('legacy_view')))
    end)
  end)

  describe('match', function()
    it('syncs when the pattern matches the database name', function()
      local name = ctx.database_name
      local pattern = '^' .. name:gsub('%p', '%%%0') .. '$'
      db:define('User', { name = T.STRING })
      db:sync{ force = true, match = pattern }
      assert.is_true(ctx.table_exists(db, 'Users'))
      db:define('User', { name = T.STRING }):sync{ force = true, match = pattern }
    end)

    it('raises E_MATCH before any hook or SQL when it does not match', function()
      local M = db:define('User', { name = T.STRING })
      local called = {}
      db:beforeBulkSync(function() called[#called + 1] = 'beforeBulkSync' end)
      M:beforeSync(function() called[#called + 1] = 'beforeSync' end)
      local log = dialects.logger()
      dialects.raises(function() db:sync{ force = true, match = '^no_such_database_name$', logging = log.fn } end,
        'E_MATCH')
      dialects.raises(function() M:sync{ force = true, match = '^no_such_database_name$', logging = log.fn } end,
        'E_MATCH')
      dialects.raises(function() db:sync{ alter = true, match = '^no_such_database_name$', logging = log.fn } end,
        'E_MATCH')
      assert.are.same({}, called)
      assert.are.same({}, log.statements)
      assert.are.same({}, ctx.tables(db))
    end)

    it('is a Lua pattern, not a plain substring', function()
      db:define('User', { name = T.STRING })
      local name = ctx.database_name
      -- '.' matches any character: the first letter replaced by '.' still matches
      db:sync{ match = '^.' .. name:sub(2):gsub('%p', '%%%0') .. '$' }
      assert.is_true(ctx.table_exists(db, 'Users'))
    end)
  end)

  describe('drop', function()
    it('Model:drop() drops only its table', function()
      local A = db:define('Alpha', { x = T.INTEGER })
      db:define('Beta', { x = T.INTEGER })
      db:sync()
      A:drop()
      assert.are.same({ 'Beta' }, ctx.tables(db))
    end)

    it('db:drop() drops children before parents', function()
      db:define('User', { name = T.STRING })
      db:define('Post', { userId = { type = T.INTEGER, references = { model = 'User' } } })
      db:define('Comment', { postId = { type = T.INTEGER, references = { model = 'Post' } } })
      db:sync()
      local log = dialects.logger()
      db.options.logging = log.fn
      db:drop()
      db.options.logging = false
      local c = first(log.statements, '^%s*DROP TABLE.-"COMMENTS"')
      local p = first(log.statements, '^%s*DROP TABLE.-"POSTS"')
      local u = first(log.statements, '^%s*DROP TABLE.-"USERS"')
      assert.is_truthy(u and p and c, 'DROP TABLE statements not all seen:\n' .. table.concat(log.statements, '\n'))
      assert.is_true(c < p and p < u)
      assert.are.same({}, ctx.tables(db))
    end)

    it('db:drop() works with rows in place and when tables are missing', function()
      local U = db:define('User', { name = T.STRING })
      local P = db:define('Post', { userId = { type = T.INTEGER, references = { model = 'User' } } })
      db:sync()
      local u = U:create{ name = 'a' }
      P:create{ userId = u.id }
      db:drop()
      assert.are.same({}, ctx.tables(db))
      assert.has_no.errors(function() db:drop() end)
    end)
  end)

  describe('hooks', function()
    local events, log
    before_each(function()
      events = {}
      log = function(sql) events[#events + 1] = 'sql' end   -- luacheck: ignore sql
    end)
    local function mark(name) return function() events[#events + 1] = name end end

    it('db:sync runs beforeBulkSync, each beforeSync, the SQL, each afterSync, then afterBulkSync', function()
      local A = db:define('Alpha', { x = T.INTEGER })
      local B = db:define('Beta', { x = T.INTEGER })
      db:addHook('beforeBulkSync', mark('beforeBulkSync'))
      db:afterBulkSync(mark('afterBulkSync'))
      A:beforeSync(mark('beforeSync:A'))
      B:addHook('beforeSync', mark('beforeSync:B'))
      A:addHook('afterSync', mark('afterSync:A'))
      B:afterSync(mark('afterSync:B'))
      db:sync{ logging = log }
      assert.are.equal('beforeBulkSync', events[1])
      assert.are.equal('afterBulkSync', events[#events])
      local first_sql, last_sql = index_of(events, 'sql'), nil
      for i, e in ipairs(events) do if e == 'sql' then last_sql = i end end
      assert.is_truthy(first_sql, 'no SQL was logged')
      for _, name in ipairs({ 'beforeSync:A', 'beforeSync:B' }) do
        local i = index_of(events, name)
        assert.is_truthy(i, name .. ' did not run')
        assert.is_true(i < first_sql, name .. ' ran after SQL was sent')
      end
      for _, name in ipairs({ 'afterSync:A', 'afterSync:B' }) do
        local i = index_of(events, name)
        assert.is_truthy(i, name .. ' did not run')
        assert.is_true(i > last_sql, name .. ' ran before the last SQL')
      end
    end)

    it('db:beforeBulkSync works too, and hooks receive the options', function()
      local got
      db:define('Alpha', { x = T.INTEGER })
      db:beforeBulkSync(function(options) got = options end)
      db:sync{ alter = true }
      assert.is_table(got)
      assert.is_truthy(got.alter)
    end)

    it('Model:sync runs only its own hooks', function()
      local A = db:define('Alpha', { x = T.INTEGER })
      local B = db:define('Beta', { x = T.INTEGER })
      db:beforeBulkSync(mark('beforeBulkSync'))
      db:afterBulkSync(mark('afterBulkSync'))
      A:beforeSync(mark('beforeSync:A'))
      A:afterSync(mark('afterSync:A'))
      B:beforeSync(mark('beforeSync:B'))
      A:sync()
      assert.are.same({ 'beforeSync:A', 'afterSync:A' }, events)
    end)

    it('hooks = false skips them all', function()
      local A = db:define('Alpha', { x = T.INTEGER })
      db:beforeBulkSync(mark('beforeBulkSync'))
      A:beforeSync(mark('beforeSync:A'))
      A:afterSync(mark('afterSync:A'))
      db:afterBulkSync(mark('afterBulkSync'))
      db:sync{ hooks = false }
      A:sync{ hooks = false }
      assert.are.same({}, events)
      assert.is_true(ctx.table_exists(db, 'Alphas'))
    end)

    it('a raising before-hook stops the sync before any SQL, and the error propagates', function()
      local A = db:define('Alpha', { x = T.INTEGER })
      A:beforeSync(function() error('refused by hook') end)
      local sql = dialects.logger()
      local ok, err = pcall(db.sync, db, { logging = sql.fn })
      assert.is_false(ok)
      assert.is_truthy(dialects.message(err):find('refused by hook', 1, true))
      assert.are.same({}, sql.statements)
      assert.are.same({}, ctx.tables(db))
      ok = pcall(A.sync, A, { logging = sql.fn })
      assert.is_false(ok)
      assert.are.same({}, sql.statements)
    end)

    it('a raising beforeBulkSync stops everything too', function()
      local A = db:define('Alpha', { x = T.INTEGER })
      A:beforeSync(mark('beforeSync:A'))
      db:beforeBulkSync(function() error('bulk refused') end)
      assert.has_error(function() db:sync() end)
      assert.are.same({}, events)
      assert.are.same({}, ctx.tables(db))
    end)

    it('hooks may change the options they receive', function()
      local M = db:define('User', { name = T.STRING })
      M:sync()
      M:create{ name = 'a' }
      M = db:define('User', { name = T.STRING, age = T.INTEGER })
      M:beforeSync(function(options) options.alter = true end)
      M:sync()
      assert.is_not_nil(ctx.columns(db, 'Users').age)
      assert.are.equal(1, M:count())
    end)

    it('afterBulkSync fires after a sync that had nothing to do', function()
      db:define('Alpha', { x = T.INTEGER })
      db:sync()
      db:afterBulkSync(mark('afterBulkSync'))
      db:sync()
      assert.are.same({ 'afterBulkSync' }, events)
    end)

    it('after-hooks do not run when the sync fails', function()
      local M = db:define('User', { name = T.STRING })
      M:sync()
      M:create{}
      M = db:define('User', { name = { type = T.STRING, allowNull = false } })
      M:afterSync(mark('afterSync'))
      db:afterBulkSync(mark('afterBulkSync'))
      assert.has_error(function() db:sync{ alter = true } end)
      assert.are.same({}, events)
    end)

    it('define-time hooks and added hooks both run', function()
      local M = db:define('User', { name = T.STRING }, { hooks = { beforeSync = mark('define') } })
      M:beforeSync(mark('added'))
      M:sync()
      assert.is_truthy(index_of(events, 'define'))
      assert.is_truthy(index_of(events, 'added'))
    end)
  end)

  describe('logging', function()
    it('sees introspection and DDL; logging = false silences db.options.logging', function()
      local default = dialects.logger()
      db.options.logging = default.fn
      db:define('User', { name = T.STRING })
      db:sync()
      assert.is_true(#dialects.grep(default, '^%s*CREATE TABLE') >= 1, table.concat(default.statements, '\n'))
      local before = #default.statements
      db:define('Other', { name = T.STRING })
      db:sync{ logging = false }
      assert.are.equal(before, #default.statements)
      assert.is_true(ctx.table_exists(db, 'Others'))
    end)

    it('a per-call logging replaces the default for that call', function()
      local default, mine = dialects.logger(), dialects.logger()
      db.options.logging = default.fn
      db:define('User', { name = T.STRING })
      db:sync{ logging = mine.fn }
      assert.are.same({}, default.statements)
      assert.is_true(#mine.statements > 0)
    end)

    it('plan logging sees only reads', function()
      db:define('User', { name = T.STRING })
      local log = dialects.logger()
      db:plan{ alter = true, logging = log.fn }
      assert.is_true(#log.statements > 0, 'introspection was not logged')
      assert.are.same({}, dialects.changes(log))
      assert.are.same({}, ctx.tables(db))
    end)
  end)

  describe('options validation', function()
    -- options are validated before any SQL, with a message naming the bad key
    local function bad(fn, names)
      local log = dialects.logger()
      db.options.logging = log.fn
      local err = dialects.raises(fn, nil, names)
      db.options.logging = false
      assert.is_table(err)
      assert.is_truthy(tostring(err.code):match('^E_'), 'error code: ' .. tostring(err.code))
      assert.are.same({}, log.statements)
      return err
    end

    it('rejects bad sync options', function()
      local M = db:define('User', { name = T.STRING })
      bad(function() db:sync{ alter = 'yes' } end, { 'alter' })
      bad(function() db:sync{ alter = { drop = 'yes' } } end, { 'alter.drop' })
      bad(function() db:sync{ frce = true } end, { 'frce' })
      bad(function() M:sync{ force = 1 } end, { 'force' })
      bad(function() M:sync{ match = 42 } end, { 'match' })
      bad(function() db:sync{ logging = 'yes' } end, { 'logging' })
    end)

    it('rejects bad plan and drop options', function()
      local M = db:define('User', { name = T.STRING })
      bad(function() db:plan{ alter = 'yes' } end, { 'alter' })
      bad(function() db:plan{ altr = true } end, { 'altr' })
      bad(function() db:drop{ cascad = true } end, { 'cascad' })
      bad(function() M:drop{ cascad = true } end, { 'cascad' })
    end)
  end)

  if ctx.name == 'postgres' then
    describe('schema (postgres)', function()
      it("creates a model's schema that does not exist yet, in the same sync", function()
        local other = ctx.extra_schema()
        db:define('Elsewhere', { x = T.INTEGER }, { schema = other, freezeTableName = true })
        db:sync()
        local rows = db:query('SELECT 1 AS one FROM pg_tables WHERE schemaname = $1 AND tablename = $2',
          { other, 'Elsewhere' })
        assert.are.equal(1, #rows)
        assert.are.same({}, db:plan{ alter = true }.steps)
      end)
    end)
  end
end)

describe('sync match on SQLite names #sqlite', function()
  local files = {}
  after_each(function()
    for _, f in ipairs(files) do dialects.remove_sqlite(f) end
    files = {}
  end)
  local function tmpdir_file(name)
    local base = os.tmpname(); os.remove(base)
    local path = base .. '_' .. name
    files[#files + 1] = path
    return path
  end

  it("tests the storage file's name without folder and extension", function()
    local path = tmpdir_file('shop_test.sqlite')
    local db = modelsync.connect{ dialect = 'sqlite', storage = path }
    db:define('User', { name = T.STRING })
    db:sync{ force = true, match = '_test$' }        -- "..._shop_test" matches
    dialects.raises(function() db:sync{ force = true, match = 'sqlite$' } end, 'E_MATCH')
    dialects.raises(function() db:sync{ force = true, match = '/' } end, 'E_MATCH')
    db:close()
  end)

  it('refuses a production-looking file', function()
    local path = tmpdir_file('shop.sqlite')
    local db = modelsync.connect{ dialect = 'sqlite', storage = path }
    db:define('User', { name = T.STRING })
    dialects.raises(function() db:sync{ force = true, match = '_test$' } end, 'E_MATCH')
    assert.are.equal(0, #db:query("SELECT name FROM sqlite_master WHERE type = 'table'"))
    db:close()
  end)

  it('uses the database option when given', function()
    local path = tmpdir_file('prod.sqlite')
    local db = modelsync.connect{ dialect = 'sqlite', storage = path, database = 'app_test' }
    db:define('User', { name = T.STRING })
    db:sync{ match = '^app_test$' }
    db:close()
  end)

  it("names :memory: ':memory:'", function()
    local db = modelsync.connect('sqlite::memory:')
    db:define('User', { name = T.STRING })
    db:sync{ match = '^:memory:$' }
    dialects.raises(function() db:sync{ match = '_test$' } end, 'E_MATCH')
    db:close()
  end)
end)
