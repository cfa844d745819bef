-- SQLite: native ALTER where SQLite allows it, else the 12-step rebuild, once
-- per table, keeping rows, child rows, foreign indexes, triggers, views,
-- CHECKs, AUTOINCREMENT and the caller's PRAGMA foreign_keys (DESIGN §5).
local modelsync = require('modelsync')
local dialects = require('support.dialects')
local T = modelsync.DataTypes

local REBUILD = '^%s*CREATE%s+TABLE%s+"?NEW_'

local function rebuilds(log, table_name)
  local pattern = REBUILD .. (table_name and table_name:upper() or '')
  return dialects.grep(log, pattern)
end

local function position(log, pattern)
  for i, s in ipairs(log.statements) do if s:upper():find(pattern) then return i end end
  return nil
end

dialects.describe('SQLite table rebuild', function(ctx)
  local db
  before_each(function() db = ctx.connect() end)

  -- Parents with children under CASCADE (Kids) and SET NULL (Pets), and rows.
  local function family()
    local P = db:define('Parent', { name = T.STRING(20), note = T.STRING }, { timestamps = false })
    local K = db:define('Kid', { parentId = { type = T.INTEGER, references = { model = 'Parent' }, onDelete = 'CASCADE' },
                                 label = T.STRING }, { timestamps = false })
    local Pe = db:define('Pet', { parentId = { type = T.INTEGER, references = { model = 'Parent' }, onDelete = 'SET NULL' },
                                  label = T.STRING }, { timestamps = false })
    db:sync()
    P:bulkCreate{ { name = 'p1', note = 'n1' }, { name = 'p2', note = 'n2' } }
    K:bulkCreate{ { parentId = 1, label = 'k1' }, { parentId = 1, label = 'k2' }, { parentId = 2, label = 'k3' } }
    Pe:bulkCreate{ { parentId = 1, label = 'pet1' }, { parentId = 2, label = 'pet2' } }
    return P, K, Pe
  end

  local function dump(name)
    return db:query('SELECT * FROM ' .. ctx.q(name) .. ' ORDER BY id')
  end

  -- A change SQLite cannot make natively: NOT NULL on name.
  local function rebuild_parent(extra_options)
    db:define('Parent', { name = { type = T.STRING(20), allowNull = false }, note = T.STRING },
      extra_options or { timestamps = false })
    local log = dialects.logger()
    db:sync{ alter = true, logging = log.fn }
    assert.are.equal(1, #rebuilds(log, 'Parents'), 'expected one rebuild of Parents:\n' .. table.concat(log.statements, '\n'))
    return log
  end

  it('keeps every row and value of the rebuilt table', function()
    family()
    local before = dump('Parents')
    rebuild_parent()
    assert.are.same(before, dump('Parents'))
    assert.is_true(ctx.columns(db, 'Parents').name.notnull)
  end)

  it('keeps child rows under ON DELETE CASCADE and ON DELETE SET NULL', function()
    family()
    local kids, pets = dump('Kids'), dump('Pets')
    rebuild_parent()
    assert.are.same(kids, dump('Kids'))
    assert.are.same(pets, dump('Pets'))
    -- and the children's foreign keys still point at the rebuilt table, with their actions
    db:query('DELETE FROM "Parents" WHERE id = 1')
    assert.are.equal(1, ctx.count_rows(db, 'Kids'))
    assert.are.same({ { id = 1, parentId = nil }, { id = 2, parentId = 2 } },
      db:query('SELECT id, "parentId" FROM "Pets" ORDER BY id'))
    assert.has_error(function() db:query('INSERT INTO "Kids" ("parentId", label) VALUES (99, $1)', { 'orphan' }) end)
  end)

  it('keeps indexes and triggers the model does not know, and views over the table', function()
    family()
    db:query('CREATE INDEX "parents_note_extra" ON "Parents" (note)')
    db:query('CREATE TABLE audit (what TEXT)')
    db:query([[CREATE TRIGGER "parents_audit" AFTER INSERT ON "Parents"
               BEGIN INSERT INTO audit (what) VALUES (NEW.name); END]])
    db:query('CREATE VIEW "parent_names" AS SELECT name FROM "Parents"')
    rebuild_parent()
    local names = {}
    for _, r in ipairs(db:query('SELECT name FROM sqlite_master')) do names[r.name] = true end
    assert.is_true(names.parents_note_extra, 'the foreign index was lost')
    assert.is_true(names.parents_audit, 'the trigger was lost')
    assert.is_true(names.parent_names, 'the view was lost')
    db:query('INSERT INTO "Parents" (name) VALUES ($1)', { 'p3' })
    assert.are.same({ { what = 'p3' } }, db:query('SELECT what FROM audit'))
    assert.are.equal(3, #db:query('SELECT name FROM "parent_names"'))
    assert.are.same({ 'note' }, ctx.indexes(db, 'Parents').parents_note_extra.columns)
  end)

  it('keeps triggers of other tables that write to the rebuilt table', function()
    family()
    db:query([[CREATE TRIGGER "kids_touch_parent" AFTER INSERT ON "Kids"
               BEGIN UPDATE "Parents" SET note = 'touched' WHERE id = NEW."parentId"; END]])
    rebuild_parent()
    db:query('INSERT INTO "Kids" ("parentId", label) VALUES (2, $1)', { 'k4' })
    assert.are.equal('touched', db:query('SELECT note FROM "Parents" WHERE id = 2')[1].note)
  end)

  it('keeps a generated column the model does not declare', function()
    db:query([[CREATE TABLE "Parents" (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(20), note VARCHAR(255),
               shout TEXT GENERATED ALWAYS AS (upper(name)) VIRTUAL)]])
    db:query('INSERT INTO "Parents" (name) VALUES ($1)', { 'abc' })
    rebuild_parent()
    assert.are.equal('ABC', db:query('SELECT shout FROM "Parents"')[1].shout)
    db:query('INSERT INTO "Parents" (name) VALUES ($1)', { 'xy' })
    assert.are.equal('XY', db:query('SELECT shout FROM "Parents" WHERE id = 2')[1].shout)
  end)

  it("keeps the model's own indexes and uniques", function()
    db:define('Parent', { name = { type = T.STRING(20), unique = true }, note = T.STRING },
      { timestamps = false, indexes = { { name = 'parents_note', fields = { { name = 'note', order = 'DESC' } } } } })
    db:sync()
    db:define('Parent', { name = { type = T.STRING(20), unique = true, allowNull = false }, note = T.STRING },
      { timestamps = false, indexes = { { name = 'parents_note', fields = { { name = 'note', order = 'DESC' } } } } })
    local log = dialects.logger()
    db:sync{ alter = true, logging = log.fn }
    assert.are.equal(1, #rebuilds(log, 'Parents'))
    assert.is_true(ctx.index_on(db, 'Parents', { 'name' }).unique)
    assert.are.same({ true }, ctx.indexes(db, 'Parents').parents_note.descending)
    assert.are.same({}, db:plan{ alter = true }.steps)
  end)

  it('carries the AUTOINCREMENT sequence over', function()
    local P = family()
    P:create{ name = 'p3' }
    db:query('DELETE FROM "Kids"'); db:query('DELETE FROM "Pets"')
    db:query('DELETE FROM "Parents" WHERE id >= 2')
    rebuild_parent()
    assert.is_truthy(ctx.create_sql(db, 'Parents'):upper():find('AUTOINCREMENT', 1, true))
    local row = P:create{ name = 'p4' }
    assert.are.equal(4, row.id)   -- not 2: ids of deleted rows are never reused
  end)

  it('keeps CHECK constraints (ENUM) and ON DELETE actions of the rebuilt table itself', function()
    db:define('Parent', { name = T.STRING }, { timestamps = false })
    db:define('Kid', { parentId = { type = T.INTEGER, references = { model = 'Parent' }, onDelete = 'CASCADE' },
                       mood = T.ENUM('happy', 'sad') }, { timestamps = false })
    db:sync()
    db:query('INSERT INTO "Parents" (name) VALUES ($1)', { 'p' })
    db:query('INSERT INTO "Kids" ("parentId", mood) VALUES (1, $1)', { 'happy' })
    db:define('Kid', { parentId = { type = T.INTEGER, references = { model = 'Parent' }, onDelete = 'CASCADE' },
                       mood = { type = T.ENUM('happy', 'sad'), allowNull = false } }, { timestamps = false })
    local log = dialects.logger()
    db:sync{ alter = true, logging = log.fn }
    assert.are.equal(1, #rebuilds(log, 'Kids'))
    assert.has_error(function() db:query('INSERT INTO "Kids" ("parentId", mood) VALUES (1, $1)', { 'angry' }) end)
    assert.are.equal('CASCADE', ctx.foreign_keys(db, 'Kids')[1].onDelete)
    db:query('DELETE FROM "Parents"')
    assert.are.equal(0, ctx.count_rows(db, 'Kids'))
  end)

  it('keeps a CHECK constraint the model does not know', function()
    db:query([[CREATE TABLE "Parents" (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(20),
               CONSTRAINT short_name CHECK (length(name) < 10))]])
    db:query('INSERT INTO "Parents" (name) VALUES ($1)', { 'ok' })
    rebuild_parent()
    assert.has_error(function() db:query('INSERT INTO "Parents" (name) VALUES ($1)', { 'much too long' }) end)
    assert.are.equal(1, ctx.count_rows(db, 'Parents'))
  end)

  for _, initial in ipairs({ true, false }) do
    it('restores PRAGMA foreign_keys to the caller\'s value (' .. (initial and 'on' or 'off') .. ')', function()
      local conn = ctx.connect{ foreignKeys = initial }
      db = conn
      family()
      rebuild_parent()
      assert.are.equal(initial and 1 or 0, db:query('PRAGMA foreign_keys')[1].foreign_keys)
      -- and a no-op sync restores it too
      db:sync{ alter = true }
      assert.are.equal(initial and 1 or 0, db:query('PRAGMA foreign_keys')[1].foreign_keys)
    end)
  end

  it("restores foreign_keys switched off by the caller's own PRAGMA", function()
    family()
    db:query('PRAGMA foreign_keys = OFF')
    rebuild_parent()
    assert.are.equal(0, db:query('PRAGMA foreign_keys')[1].foreign_keys)
  end)

  it('restores foreign_keys after a failed rebuild', function()
    local P = family()
    P:create{}   -- a NULL name: NOT NULL will fail
    db:define('Parent', { name = { type = T.STRING(20), allowNull = false }, note = T.STRING }, { timestamps = false })
    dialects.raises(function() db:sync{ alter = true } end, 'E_DATA')
    assert.are.equal(1, db:query('PRAGMA foreign_keys')[1].foreign_keys)
    assert.are.equal(3, ctx.count_rows(db, 'Kids'))
    assert.is_false(ctx.columns(db, 'Parents').name.notnull)
  end)

  it('runs PRAGMA foreign_key_check after the rebuild and before COMMIT, foreign_keys off outside the transaction', function()
    family()
    local log = rebuild_parent()
    local create = position(log, REBUILD)
    -- PRAGMA foreign_key_check, or its table-valued form pragma_foreign_key_check(...)
    local check = position(log, 'FOREIGN_KEY_CHECK')
    local commit
    for i, s in ipairs(log.statements) do if s:upper():find('^%s*COMMIT') then commit = i end end
    local begin = position(log, '^%s*BEGIN')
    local off
    for i, s in ipairs(log.statements) do
      local value = s:upper():match('^%s*PRAGMA%s+FOREIGN_KEYS%s*=%s*(%w+)')
      if value == 'OFF' or value == '0' or value == 'FALSE' or value == 'NO' then off = off or i end
    end
    assert.is_truthy(check, 'no PRAGMA foreign_key_check:\n' .. table.concat(log.statements, '\n'))
    assert.is_truthy(commit and begin and create)
    assert.is_true(create < check and check < commit)
    assert.is_truthy(off, 'foreign_keys was not switched off:\n' .. table.concat(log.statements, '\n'))
    assert.is_true(off < begin, 'PRAGMA foreign_keys must be changed outside the transaction')
  end)

  it('rebuilds a table once whatever the number of changes', function()
    db:define('Parent', { a = T.STRING, b = T.STRING(20), c = { type = T.INTEGER, defaultValue = 1 }, d = T.INTEGER },
      { timestamps = false })
    db:sync()
    db:query('INSERT INTO "Parents" (a, b, c, d) VALUES ($1, $2, $3, $4)', { 'x', 'y', 5, 1 })
    db:define('Parent', {
      a = { type = T.STRING, allowNull = false },              -- NOT NULL
      b = T.STRING(40),                                        -- type
      c = { type = T.INTEGER, defaultValue = 2 },              -- default
      d = { type = T.INTEGER, references = { model = 'Parent' } }, -- a foreign key
      e = { type = T.DATE, defaultValue = T.NOW },             -- a non-constant default
    }, { timestamps = false })
    local log = dialects.logger()
    db:sync{ alter = true, logging = log.fn }
    assert.are.equal(1, #rebuilds(log), table.concat(log.statements, '\n'))
    assert.are.equal(1, #dialects.grep(log, '^%s*DROP%s+TABLE'))
    local row = db:query('SELECT * FROM "Parents"')[1]
    assert.are.equal('x', row.a); assert.are.equal('y', row.b); assert.are.equal(5, row.c)
    assert.are.equal(1, row.d)
    assert.is_not_nil(row.e)
    assert.are.same({}, db:plan{ alter = true }.steps)
  end)

  it('rebuilds a child to add a foreign key, keeping its rows', function()
    db:define('Parent', { name = T.STRING }, { timestamps = false })
    db:define('Kid', { parentId = T.INTEGER }, { timestamps = false })
    db:sync()
    db:query('INSERT INTO "Parents" (name) VALUES ($1)', { 'p' })
    db:query('INSERT INTO "Kids" ("parentId") VALUES (1)')
    db:define('Kid', { parentId = { type = T.INTEGER, references = { model = 'Parent' }, onDelete = 'CASCADE' } },
      { timestamps = false })
    db:sync{ alter = true }
    assert.are.equal(1, #ctx.foreign_keys(db, 'Kids'))
    assert.are.equal(1, ctx.count_rows(db, 'Kids'))
  end)
end, { only = 'sqlite' })

dialects.describe('SQLite native ALTER TABLE', function(ctx)
  local db
  before_each(function()
    db = ctx.connect()
    db:define('Parent', { name = T.STRING, note = T.STRING }, { timestamps = false })
    db:define('Kid', { parentId = { type = T.INTEGER, references = { model = 'Parent' }, onDelete = 'CASCADE' } },
      { timestamps = false })
    db:sync()
    db:query('INSERT INTO "Parents" (name, note) VALUES ($1, $2)', { 'p', 'n' })
    db:query('INSERT INTO "Kids" ("parentId") VALUES (1)')
  end)

  local function sync_logged(options)
    local log = dialects.logger()
    options = options or { alter = true }
    options.logging = log.fn
    db:sync(options)
    assert.are.same({}, rebuilds(log), 'rebuilt where a native ALTER was possible:\n' .. table.concat(log.statements, '\n'))
    return log
  end

  it('ADD COLUMN for a nullable column', function()
    db:define('Parent', { name = T.STRING, note = T.STRING, extra = T.INTEGER }, { timestamps = false })
    local log = sync_logged()
    assert.are.equal(1, #dialects.grep(log, 'ADD COLUMN'))
    assert.are.equal(1, ctx.count_rows(db, 'Kids'))
  end)

  it('ADD COLUMN for a NOT NULL column with a constant default', function()
    db:define('Parent', { name = T.STRING, note = T.STRING, level = { type = T.INTEGER, allowNull = false, defaultValue = 3 } },
      { timestamps = false })
    local log = sync_logged()
    assert.are.equal(1, #dialects.grep(log, 'ADD COLUMN'))
    assert.are.equal(3, db:query('SELECT level FROM "Parents"')[1].level)
    assert.is_true(ctx.columns(db, 'Parents').level.notnull)
  end)

  it('RENAME COLUMN for renamedFrom', function()
    db:define('Parent', { title = { type = T.STRING, renamedFrom = 'name' }, note = T.STRING }, { timestamps = false })
    local log = sync_logged()
    assert.are.equal(1, #dialects.grep(log, 'RENAME COLUMN'))
    assert.are.equal('p', db:query('SELECT title FROM "Parents"')[1].title)
  end)

  it('DROP COLUMN for a plain column (with drop = true)', function()
    db:define('Parent', { name = T.STRING }, { timestamps = false })
    local log = sync_logged{ alter = { drop = true } }
    assert.are.equal(1, #dialects.grep(log, 'DROP COLUMN'))
    assert.is_nil(ctx.columns(db, 'Parents').note)
    assert.are.equal(1, ctx.count_rows(db, 'Kids'))
  end)

  it('CREATE INDEX / DROP INDEX for indexes', function()
    db:define('Parent', { name = T.STRING, note = T.STRING }, { timestamps = false, indexes = { { name = 'pn', fields = { 'note' } } } })
    sync_logged()
    assert.is_not_nil(ctx.indexes(db, 'Parents').pn)
    db:define('Parent', { name = T.STRING, note = T.STRING }, { timestamps = false })
    sync_logged{ alter = { drop = true } }
    assert.is_nil(ctx.indexes(db, 'Parents').pn)
  end)
end, { only = 'sqlite' })
