-- SQLite recognises its own tables (core/introspect_sqlite.c, recognition):
-- when every table holds, byte for byte, the CREATE TABLE and CREATE INDEX
-- statements a createTable step would send for its model, a sync or plan
-- reads sqlite_master once instead of three pragmas per table.  Anything else
-- reads the catalog as always.  Each case here compares the two ways
-- (connect option introspection = 'auto', the default, and 'full') on the
-- same file: they must give the same plan.
local modelsync = require('modelsync')
local dialects = require('support.dialects')
local T = modelsync.DataTypes

local function define_all(db, extra)
  db:define('Author', {
    name = { type = T.STRING(80), allowNull = false, unique = true },
    born = T.DATEONLY,
    mood = { type = T.ENUM('calm', "it's"), defaultValue = 'calm' },
  }, { tableName = 'authors' })
  db:define('Book', {
    title = { type = T.STRING, allowNull = false, defaultValue = 'untitled' },
    price = { type = T.DECIMAL(10, 2), defaultValue = 0 },
    authorId = { type = T.INTEGER, references = { model = 'Author', key = 'id' }, onDelete = 'CASCADE' },
    meta = T.JSON,
    extra = extra,
  }, { tableName = 'books', indexes = { { fields = { 'title' } }, { unique = true, fields = { 'authorId', 'title' } } } })
end

-- The plan of db (sync{alter = true}'s) and the statements it sent.
local function plan_of(db)
  local log = dialects.logger()
  local plan = db:plan{ alter = true, logging = log.fn }
  return plan, log.statements
end

local function pragma_reads(statements)
  return #dialects.grep({ statements = statements }, 'PRAGMA_TABLE_XINFO')
end

local function sqls(plan)
  local out = {}
  for _, step in ipairs(plan.steps) do out[#out + 1] = dialects.step_sql(step) end
  return out
end

describe('SQLite recognition of its own tables', function()
  local path, db, full
  before_each(function()
    path = dialects.tmpname('.sqlite')
    db = modelsync.connect{ dialect = 'sqlite', storage = path, introspection = 'auto' }
    define_all(db)
    db:sync()
    db:model('Author'):create{ name = 'Ann' }
    -- a second connection that always reads the whole catalog
    full = modelsync.connect{ dialect = 'sqlite', storage = path, introspection = 'full' }
    define_all(full)
  end)
  after_each(function()
    db:close()
    full:close()
    dialects.remove_sqlite(path)
  end)

  -- Both connections, fresh: the same plan; returns it and whether `auto` read the pragmas.
  local function compare()
    local auto_plan, auto_statements = plan_of(db)
    local full_plan, full_statements = plan_of(full)
    assert.are.same(sqls(full_plan), sqls(auto_plan))
    assert.is_true(pragma_reads(full_statements) > 0)
    return auto_plan, pragma_reads(auto_statements) > 0
  end

  it('a no-op reads sqlite_master once and no table, and sends no DDL', function()
    local plan, read = compare()
    assert.are.same({}, plan.steps)
    assert.is_false(read)
    local log = dialects.logger()
    db:sync{ alter = true, logging = log.fn }
    assert.are.same({}, dialects.changes(log))
    assert.are.equal(0, pragma_reads(log.statements))
    assert.are.equal(1, #dialects.grep(log, 'FROM SQLITE_MASTER'))
  end)

  it('a new connection recognises the tables too (what a restarted application meets)', function()
    local again = modelsync.connect{ dialect = 'sqlite', storage = path }
    define_all(again)
    local log = dialects.logger()
    again:sync{ alter = true, logging = log.fn }
    again:close()
    assert.are.same({}, dialects.changes(log))
    assert.are.equal(0, pragma_reads(log.statements))
  end)

  it('a changed model is read the full way and planned alike', function()
    define_all(db, T.INTEGER)
    define_all(full, T.INTEGER)
    local plan, read = compare()
    assert.is_true(read)
    assert.are.equal(1, #dialects.find_steps(plan, { op = 'addColumn', column = 'extra' }))
  end)

  it('a table no model names is read the full way', function()
    db:query('CREATE TABLE "notes" ("body" TEXT)')
    local plan, read = compare()
    assert.is_true(read)
    assert.are.same({}, plan.steps)
  end)

  it('an index added by hand is read the full way', function()
    db:query('CREATE INDEX "books_meta_by_hand" ON "books" ("meta")')
    local _, read = compare()
    assert.is_true(read)
  end)

  it('an index of a model dropped by hand is read the full way and made again', function()
    local index = db:query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'books' AND sql IS NOT NULL")[1].name
    db:query('DROP INDEX "' .. index .. '"')
    local plan, read = compare()
    assert.is_true(read)
    assert.are.equal(1, #dialects.find_steps(plan, { op = 'addIndex' }))
  end)

  it('a column added by hand (ALTER TABLE) is read the full way', function()
    db:query('ALTER TABLE "authors" ADD COLUMN "nickname" TEXT')
    local plan, read = compare()
    assert.is_true(read)
    local drops = dialects.find_steps(plan, { op = 'dropColumn', column = 'nickname' })
    assert.are.equal(1, #drops)
    assert.is_true(drops[1].skipped)
  end)

  it('a table rebuilt by hand with the same statement is recognised again', function()
    local sql = db:query("SELECT sql FROM sqlite_master WHERE name = 'books'")[1].sql
    db:query('PRAGMA foreign_keys = OFF')
    db:query('DROP TABLE "books"')
    db:query(sql)
    db:query('PRAGMA foreign_keys = ON')
    local plan, read = compare()
    assert.is_true(read)                     -- its indexes went with it
    assert.are.equal(2, #dialects.find_steps(plan, { op = 'addIndex' }))
    db:sync{ alter = true }
    plan, read = compare()
    assert.are.same({}, plan.steps)
    assert.is_false(read)
  end)

  it('a trigger and a view do not stop recognition, and survive a later rebuild', function()
    db:query('CREATE TRIGGER "authors_touch" AFTER UPDATE ON "authors" BEGIN SELECT 1; END')
    db:query('CREATE VIEW "author_names" AS SELECT "name" FROM "authors"')
    local plan, read = compare()
    assert.are.same({}, plan.steps)
    assert.is_false(read)
    -- a change that needs the 12-step rebuild reads everything, trigger included
    db:define('Author', {
      name = { type = T.STRING(80), allowNull = false, unique = true },
      born = T.DATEONLY,
      mood = { type = T.ENUM('calm', "it's"), allowNull = false, defaultValue = 'calm' },
    }, { tableName = 'authors' })
    local log = dialects.logger()
    db:sync{ alter = true, logging = log.fn }
    assert.are.equal(1, #dialects.grep(log, '^%s*INSERT%s+INTO%s+"?NEW_'))
    assert.are.equal(1, #db:query("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name = 'authors_touch'"))
    assert.are.equal(1, db:model('Author'):count())
  end)

  it('db:introspect() after a recognised sync reports the catalog, not the models', function()
    db:sync{ alter = true }
    local live = db._conn:introspect()
    local reference = full._conn:introspect()
    assert.is_true(#live.tables == 2)
    assert.are.same(reference, live)
  end)

  it('force and drop always read the catalog', function()
    local log = dialects.logger()
    db:model('Book'):drop{ logging = log.fn }
    assert.is_true(pragma_reads(log.statements) > 0)
    log.clear()
    db:sync{ force = true, logging = log.fn }
    assert.is_true(pragma_reads(log.statements) > 0)
  end)

  it('refuses an unknown introspection mode before connecting', function()
    local err = dialects.raises(function()
      modelsync.connect{ dialect = 'sqlite', storage = path, introspection = 'fast' }
    end, 'E_OPTION')
    assert.is_truthy(dialects.message(err):find("'introspection'", 1, true))
  end)
end)
