-- SQLite recognises its own tables (core/introspect_sqlite.c, recognition):
-- a table that holds, byte for byte, the CREATE TABLE and CREATE INDEX
-- statements a createTable step would send for its model is not read through
-- the pragmas (three per table); the others are, as always.  Each case here compares the two ways
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

-- The tables the pragma query read: 'none', 'all', or the sorted names of its IN list.
local function tables_read(statements)
  for _, sql in ipairs(statements) do
    if sql:find('pragma_table_xinfo', 1, true) then
      local list = sql:match(' AND m%.name IN %((.-)%) ORDER BY')
      if list == nil then return 'all' end
      local names = {}
      for name in list:gmatch("'(.-)'") do names[#names + 1] = name end
      table.sort(names)
      return table.concat(names, ',')
    end
  end
  return 'none'
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

  -- Both connections: the same plan.  Returns it, and the tables the `auto`
  -- connection read through the pragmas ('none', 'all', or their names).
  local function compare()
    local auto_plan, auto_statements = plan_of(db)
    local full_plan, full_statements = plan_of(full)
    assert.are.same(sqls(full_plan), sqls(auto_plan))
    -- the full read reads every table (or reuses what it read, while
    -- PRAGMA schema_version holds)
    local full_read = tables_read(full_statements)
    assert.is_true(full_read == 'all' or full_read == 'none', full_read)
    return auto_plan, tables_read(auto_statements)
  end

  it('a no-op reads sqlite_master once and no table, and sends no DDL', function()
    local plan, which = compare()
    assert.are.same({}, plan.steps)
    assert.are.equal('none', which)
    local log = dialects.logger()
    db:sync{ alter = true, logging = log.fn }
    assert.are.same({}, dialects.changes(log))
    assert.are.equal('none', tables_read(log.statements))
    assert.are.equal(1, #dialects.grep(log, 'FROM SQLITE_MASTER'))
  end)

  it('a new connection recognises the tables too (what a restarted application meets)', function()
    local again = modelsync.connect{ dialect = 'sqlite', storage = path }
    define_all(again)
    local log = dialects.logger()
    again:sync{ alter = true, logging = log.fn }
    again:close()
    assert.are.same({}, dialects.changes(log))
    assert.are.equal('none', tables_read(log.statements))
  end)

  it('a changed model: that table is read through the pragmas, the other recognised', function()
    define_all(db, T.INTEGER)
    define_all(full, T.INTEGER)
    local plan, which = compare()
    assert.are.equal('books', which)
    assert.are.equal(1, #dialects.find_steps(plan, { op = 'addColumn', column = 'extra' }))
    db:sync{ alter = true }
    -- ALTER TABLE ADD COLUMN rewrote the stored statement otherwise than a
    -- CREATE TABLE would write it: that table is read from now on
    plan, which = compare()
    assert.are.same({}, plan.steps)
    assert.are.equal('books', which)
  end)

  it('a table no model names is read, and only it', function()
    db:query('CREATE TABLE "notes" ("body" TEXT)')
    local plan, which = compare()
    assert.are.equal('notes', which)
    assert.are.same({}, plan.steps)
  end)

  it("a table no model names may reference a recognised one without naming its columns", function()
    db:query('CREATE TABLE "notes" ("body" TEXT, "bookId" INTEGER REFERENCES "books", '
      .. '"authorName" TEXT REFERENCES "authors" ("name"))')
    local plan, which = compare()
    assert.are.equal('notes', which)
    assert.are.same({}, plan.steps)
    -- a model of it, defined on both connections alike, plans alike too
    for _, c in ipairs({ db, full }) do
      c:define('Note', { body = T.TEXT, bookId = { type = T.INTEGER, references = { model = 'Book', key = 'id' } } },
        { tableName = 'notes', timestamps = false, primaryKey = false })
    end
    -- the key given without columns reads as the one the model declares
    -- (filled in from the recognised table): only the extra column shows
    plan = compare()
    assert.are.equal(0, #dialects.find_steps(plan, { column = 'bookId' }), dialects.describe_steps(plan.steps))
    local drops = dialects.find_steps(plan, { op = 'dropColumn', column = 'authorName' })
    assert.are.equal(1, #drops)
    assert.is_true(drops[1].skipped)
  end)

  it('an index added by hand is read through the pragmas', function()
    db:query('CREATE INDEX "books_meta_by_hand" ON "books" ("meta")')
    local _, which = compare()
    assert.are.equal('books', which)
  end)

  it('an index of a model dropped by hand is read through the pragmas and made again', function()
    local index = db:query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'books' AND sql IS NOT NULL")[1].name
    db:query('DROP INDEX "' .. index .. '"')
    local plan, which = compare()
    assert.are.equal('books', which)
    assert.are.equal(1, #dialects.find_steps(plan, { op = 'addIndex' }))
  end)

  it('a column added by hand (ALTER TABLE) is read through the pragmas', function()
    db:query('ALTER TABLE "authors" ADD COLUMN "nickname" TEXT')
    local plan, which = compare()
    assert.are.equal('authors', which)
    local drops = dialects.find_steps(plan, { op = 'dropColumn', column = 'nickname' })
    assert.are.equal(1, #drops)
    assert.is_true(drops[1].skipped)
  end)

  it('a table of the models missing is created, the others recognised', function()
    db:query('PRAGMA foreign_keys = OFF')
    db:query('DROP TABLE "books"')
    db:query('PRAGMA foreign_keys = ON')
    local plan, which = compare()
    assert.are.equal('none', which)
    assert.are.equal(1, #dialects.find_steps(plan, { op = 'createTable' }))
  end)

  it('a table rebuilt by hand with the same statement is recognised again', function()
    local sql = db:query("SELECT sql FROM sqlite_master WHERE name = 'books'")[1].sql
    db:query('PRAGMA foreign_keys = OFF')
    db:query('DROP TABLE "books"')
    db:query(sql)
    db:query('PRAGMA foreign_keys = ON')
    local plan, which = compare()
    assert.are.equal('books', which)         -- its indexes went with it
    assert.are.equal(2, #dialects.find_steps(plan, { op = 'addIndex' }))
    db:sync{ alter = true }
    plan, which = compare()
    assert.are.same({}, plan.steps)
    assert.are.equal('none', which)
  end)

  it('a trigger and a view do not stop recognition, and survive a later rebuild', function()
    db:query('CREATE TRIGGER "authors_touch" AFTER UPDATE ON "authors" BEGIN SELECT 1; END')
    db:query('CREATE VIEW "author_names" AS SELECT "name" FROM "authors"')
    local plan, which = compare()
    assert.are.same({}, plan.steps)
    assert.are.equal('none', which)
    -- a change that needs the 12-step rebuild reads that table, trigger included
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
    local live = db:getCore():introspect()
    local reference = full:getCore():introspect()
    assert.is_true(#live.tables == 2)
    assert.are.same(reference, live)
  end)

  it('force and drop always read the catalog', function()
    local log = dialects.logger()
    db:model('Book'):drop{ logging = log.fn }
    assert.are.equal('all', tables_read(log.statements))
    log.clear()
    db:sync{ force = true, logging = log.fn }
    assert.are.equal('all', tables_read(log.statements))
  end)

  it('refuses an unknown introspection mode before connecting', function()
    local err = dialects.raises(function()
      modelsync.connect{ dialect = 'sqlite', storage = path, introspection = 'fast' }
    end, 'E_OPTION')
    assert.is_truthy(dialects.message(err):find("'introspection'", 1, true))
  end)
end)
