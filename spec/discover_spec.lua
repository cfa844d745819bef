-- Discovery (DESIGN §6): LoopBack's discover* functions, and definitions that
-- round-trip: on a database built by plain SQL that modelsync never touched,
-- discover -> define -> plan is empty, and so is render -> load -> plan.
local modelsync = require('modelsync')
local dialects = require('support.dialects')
local T = modelsync.DataTypes

-- The hand-written schema, per dialect: composite key, foreign key with
-- actions, unique constraints (single, composite), unique partial index,
-- DESC index, expression index, defaults of every kind, enums, comments (pg),
-- a CHECK, a view and a trigger.
local FIXTURE = {
  sqlite = {
    [[CREATE TABLE "parent" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "code" VARCHAR(20) NOT NULL UNIQUE,
      "name" TEXT DEFAULT 'it''s', "score" NUMERIC(8,2) DEFAULT 1.5, "active" BOOLEAN NOT NULL DEFAULT 1,
      "created" DATETIME DEFAULT CURRENT_TIMESTAMP,
      "status" TEXT NOT NULL DEFAULT 'new' CHECK ("status" IN ('new', 'done')),
      "qty" INTEGER DEFAULT -1 CHECK (qty >= -1), "big" BIGINT DEFAULT (1 + 2), "stamp" TIMESTAMP,
      "tags" TEXT DEFAULT '[]')]],
    [[CREATE TABLE "pair" ("a" INTEGER NOT NULL, "b" VARCHAR(10) NOT NULL,
      "parentId" INTEGER REFERENCES "parent" ("id") ON DELETE CASCADE ON UPDATE SET NULL, "note" TEXT,
      PRIMARY KEY ("a", "b"), UNIQUE ("parentId", "note"))]],
    [[CREATE INDEX "pair_note_desc" ON "pair" ("note" DESC, "a")]],
    [[CREATE UNIQUE INDEX "pair_partial" ON "pair" ("b") WHERE "note" IS NOT NULL]],
    [[CREATE INDEX "pair_expr" ON "pair" (lower("note"))]],
    [[CREATE VIEW "parent_names" AS SELECT "name" FROM "parent"]],
    [[CREATE TRIGGER "parent_touch" AFTER INSERT ON "parent" BEGIN
      UPDATE "parent" SET "qty" = 7 WHERE "id" = NEW."id" AND "qty" = -1; END]],
  },
  postgres = {
    [[CREATE TYPE "mood" AS ENUM ('sad', 'ok', 'happy')]],
    [[CREATE TABLE "parent" ("id" INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      "code" VARCHAR(20) NOT NULL UNIQUE, "name" TEXT DEFAULT 'it''s', "score" NUMERIC(8,2) DEFAULT 1.5,
      "active" BOOLEAN NOT NULL DEFAULT true, "created" TIMESTAMPTZ DEFAULT now(),
      "feeling" "mood" NOT NULL DEFAULT 'ok', "qty" INTEGER DEFAULT -1 CHECK (qty >= -1),
      "big" BIGINT DEFAULT (1 + 2), "stamp" TIMESTAMP, "tags" TEXT[] DEFAULT '{}',
      "doc" JSONB DEFAULT '{"a": 1}', "uid" UUID, "day" DATE DEFAULT CURRENT_DATE, "at" TIME, "bin" BYTEA,
      "ratio" DOUBLE PRECISION DEFAULT 0.25, "small" SMALLINT, "ch" CHAR(2) DEFAULT 'ab', "vc" VARCHAR,
      "lower_code" TEXT DEFAULT lower('X'))]],
    [[COMMENT ON TABLE "parent" IS 'Parents: it''s "quoted" ]] .. ']]' .. [[ and \ back']],
    "COMMENT ON COLUMN \"parent\".\"name\" IS 'line one\nline two'",
    [[CREATE TABLE "serials" ("id" SERIAL PRIMARY KEY, "v" TEXT)]],
    [[CREATE TABLE "pair" ("a" INTEGER NOT NULL, "b" VARCHAR(10) NOT NULL,
      "parentId" INTEGER REFERENCES "parent" ("id") ON DELETE CASCADE ON UPDATE SET NULL, "note" TEXT,
      PRIMARY KEY ("a", "b"), CONSTRAINT "pair_parent_note" UNIQUE ("parentId", "note"))]],
    [[CREATE INDEX "pair_note_desc" ON "pair" ("note" DESC, "a")]],
    [[CREATE UNIQUE INDEX "pair_partial" ON "pair" ("b") WHERE "note" IS NOT NULL]],
    [[CREATE INDEX "pair_expr" ON "pair" (lower("note"))]],
    [[CREATE INDEX "pair_hash" ON "pair" USING hash ("note")]],
    [[CREATE VIEW "parent_names" AS SELECT "name" FROM "parent"]],
    [[CREATE FUNCTION "parent_touch_fn"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW."qty" = -1 THEN NEW."qty" := 7; END IF; RETURN NEW; END $$]],
    [[CREATE TRIGGER "parent_touch" BEFORE INSERT ON "parent" FOR EACH ROW EXECUTE FUNCTION "parent_touch_fn"()]],
  },
}

local function build(ctx, db)
  for _, sql in ipairs(FIXTURE[ctx.name]) do db:query(sql) end
end

local function define_all(db, defs)
  for _, d in pairs(defs) do db:define(d.name, d.attributes, d.options) end
end

local function assert_empty(plan, what)
  assert.are.equal(0, #plan.steps, (what or 'plan') .. ' is not empty:\n' .. dialects.describe_steps(plan.steps))
end

local function by(list, key)
  local out = {}
  for _, x in ipairs(list) do out[x[key]] = x end
  return out
end

local function notes_text(d)
  return table.concat(d.notes or {}, '\n')
end

dialects.describe('discovery', function(ctx)
  local db
  before_each(function()
    db = ctx.connect()
    build(ctx, db)
  end)

  describe('db:discoverModelDefinitions()', function()
    it('lists tables and views by name', function()
      local defs = db:discoverModelDefinitions()
      local found = by(defs, 'name')
      assert.are.equal('table', found.parent.type)
      assert.are.equal('table', found.pair.type)
      assert.are.equal('view', found.parent_names.type)
      if ctx.name == 'postgres' then
        assert.are.equal(ctx.schema, found.parent.schema)
        assert.are.equal(ctx.schema, found.parent_names.schema)
      end
      for i = 2, #defs do assert.is_true(defs[i - 1].name <= defs[i].name) end
      local tables_only = by(db:discoverModelDefinitions{ views = false }, 'name')
      assert.is_nil(tables_only.parent_names)
    end)

    it('reads another schema with schema = (postgres), refuses one on sqlite', function()
      if ctx.name == 'sqlite' then
        dialects.raises(function() db:discoverModelDefinitions{ schema = 'other' } end, 'E_OPTION', { 'schema' })
        assert.is_truthy(by(db:discoverModelDefinitions{ schema = 'main' }, 'name').parent)
        return
      end
      local other = ctx:extra_schema()
      db:query('CREATE SCHEMA "' .. other .. '"')
      db:query('CREATE TABLE "' .. other .. '"."elsewhere" ("id" INTEGER PRIMARY KEY)')
      local found = by(db:discoverModelDefinitions{ schema = other }, 'name')
      assert.are.same({ name = 'elsewhere', schema = other, owner = other, type = 'table' }, found.elsewhere)
      assert.is_nil(found.parent)
      local defs = db:discoverSchemas(nil, { schema = other })
      assert.are.equal(other, defs.elsewhere.options.schema)
      define_all(db, defs)
      assert_empty(db:plan{ alter = true })
    end)

    it('rejects unknown options', function()
      dialects.raises(function() db:discoverModelDefinitions{ shema = 'x' } end, 'E_OPTION', { 'shema', 'schema' })
    end)
  end)

  describe('db:discoverModelProperties()', function()
    it('gives the columns in table order with types, lengths, precision, nullability and defaults', function()
      local props = db:discoverModelProperties('parent')
      local names = {}
      for i, p in ipairs(props) do names[i] = p.columnName end
      assert.are.same({ 'id', 'code', 'name', 'score', 'active', 'created' },
        { table.unpack(names, 1, 6) })
      local p = by(props, 'columnName')
      assert.are.equal(20, p.code.dataLength)
      assert.is_false(p.code.nullable)
      assert.is_true(p.name.nullable)
      assert.are.equal('String', p.code.type)
      assert.are.equal(8, p.score.dataPrecision)
      assert.are.equal(2, p.score.dataScale)
      assert.are.equal('Number', p.score.type)
      assert.is_truthy(tostring(p.name.default):find("it''s", 1, true))
      assert.are.equal('parent', p.id.tableName)
      if ctx.name == 'postgres' then
        assert.are.equal('character varying', p.code.dataType)
        assert.are.equal('numeric', p.score.dataType)
        assert.are.same({ 'sad', 'ok', 'happy' }, p.feeling.values)
        assert.are.equal('line one\nline two', p.name.comment)
      else
        assert.are.equal('VARCHAR', p.code.dataType)
        assert.are.same({ 'new', 'done' }, p.status.values)
      end
    end)

    it('raises E_UNKNOWN_TABLE for a missing table or a view', function()
      dialects.raises(function() db:discoverModelProperties('parnet') end, 'E_UNKNOWN_TABLE', { 'parnet', 'parent' })
      dialects.raises(function() db:discoverModelProperties('parent_names') end, 'E_UNKNOWN_TABLE', { 'view' })
      dialects.raises(function() db:discoverSchemas('nope') end, 'E_UNKNOWN_TABLE', { 'nope' })
    end)
  end)

  describe('db:discoverPrimaryKeys() and foreign keys', function()
    it('gives the key columns with their position', function()
      assert.are.same({ { owner = ctx.schema, tableName = 'pair', columnName = 'a', keySeq = 1 },
                        { owner = ctx.schema, tableName = 'pair', columnName = 'b', keySeq = 2 } },
        db:discoverPrimaryKeys('pair'))
      assert.are.equal('id', db:discoverPrimaryKeys('parent')[1].columnName)
    end)

    it('gives foreign keys with their actions in define() words', function()
      local fks = db:discoverForeignKeys('pair')
      assert.are.equal(1, #fks)
      local fk = fks[1]
      assert.are.equal('parentId', fk.fkColumnName)
      assert.are.equal('parent', fk.pkTableName)
      assert.are.equal('id', fk.pkColumnName)
      assert.are.equal('CASCADE', fk.onDelete)
      assert.are.equal('SET NULL', fk.onUpdate)
      assert.is_string(fk.fkName)
      assert.are.same({}, db:discoverForeignKeys('parent'))
    end)

    it('gives the foreign keys other tables hold on a table', function()
      local exported = db:discoverExportedForeignKeys('parent')
      assert.are.equal(1, #exported)
      assert.are.equal('pair', exported[1].fkTableName)
      assert.are.equal('parentId', exported[1].fkColumnName)
      assert.are.equal('id', exported[1].pkColumnName)
      assert.are.same({}, db:discoverExportedForeignKeys('pair'))
    end)

    it('gives indexes with order, partial predicate and expressions', function()
      local ix = by(db:discoverIndexes('pair'), 'name')
      assert.are.same({ 'note', 'a' }, ix.pair_note_desc.columns)
      assert.are.equal('DESC', ix.pair_note_desc.fields[1].order)
      assert.is_true(ix.pair_partial.unique)
      assert.is_string(ix.pair_partial.where)
      assert.is_true(ix.pair_expr.unmanaged)
      local uniques = 0
      for _, x in ipairs(db:discoverIndexes('pair')) do
        if x.constraint and x.unique then uniques = uniques + 1 end
      end
      assert.are.equal(1, uniques)
    end)
  end)

  describe('db:discoverSchemas()', function()
    it('round-trips: discover, define, plan finds nothing to do', function()
      local defs, others = db:discoverSchemas()
      assert.is_truthy(defs.parent and defs.pair)
      assert.is_nil(defs.parent_names)
      assert.is_truthy(table.concat(others, '\n'):find('parent_names', 1, true))
      define_all(db, defs)
      assert_empty(db:plan{ alter = true })
      assert_empty(db:plan{ alter = { drop = true } }, 'plan with drop')
    end)

    it('makes models that match the table exactly', function()
      local defs = db:discoverSchemas()
      local d = defs.parent
      assert.are.equal('parent', d.name)
      assert.are.same({ tableName = 'parent', freezeTableName = true, timestamps = false,
                        comment = d.options.comment }, d.options)
      local a = {}
      for i, pair in ipairs(d.attributes) do a[pair[1]] = pair[2]; a[i] = pair[1] end
      assert.are.equal('id', a[1])
      assert.is_true(a.id.primaryKey)
      assert.is_true(a.id.autoIncrement)
      assert.are.equal('STRING', a.code.type.key)
      assert.are.equal(20, a.code.type.length)
      assert.is_true(a.code.unique)
      assert.is_false(a.code.allowNull)
      assert.are.equal("it's", a.name.defaultValue)
      assert.are.equal(1.5, a.score.defaultValue)
      assert.are.equal(true, a.active.defaultValue)
      assert.are.equal(-1, a.qty.defaultValue)
      assert.are.equal(T.NOW, a.created.defaultValue)
      assert.is_true(modelsync.datatypes.isLiteral(a.big.defaultValue))
      assert.are.equal('DATE', a.created.type.key)
      local pair = defs.pair
      local p = {}
      for _, x in ipairs(pair.attributes) do p[x[1]] = x[2] end
      assert.is_true(p.a.primaryKey and p.b.primaryKey)
      assert.are.same({ table = 'parent', key = 'id' }, p.parentId.references)
      assert.are.equal('CASCADE', p.parentId.onDelete)
      assert.are.equal('SET NULL', p.parentId.onUpdate)
      assert.is_string(p.parentId.unique)
      assert.are.equal(p.parentId.unique, p.note.unique)
      local ix = by(pair.options.indexes, 'name')
      assert.are.same({ { name = 'note', order = 'DESC' }, 'a' }, ix.pair_note_desc.fields)
      assert.is_true(ix.pair_partial.unique)
      assert.is_string(ix.pair_partial.where)
      assert.is_nil(ix.pair_expr)
      assert.is_truthy(notes_text(pair):find('pair_expr', 1, true))
      assert.is_truthy(notes_text(d):find('check', 1, true))
      if ctx.name == 'postgres' then
        assert.are.equal('Parents: it\'s "quoted" ]] and \\ back', d.options.comment)
        assert.are.equal('line one\nline two', a.name.comment)
        assert.are.equal('SQL', a.feeling.type.key)
        assert.are.equal('ok', a.feeling.defaultValue)
        assert.are.equal('HASH', ix.pair_hash.using)
      else
        assert.are.same({ 'new', 'done' }, a.status.type.values)
        assert.are.equal('BIGINT', a.big.type.key)
        assert.is_truthy(notes_text(d):find('parent_touch', 1, true))
      end
    end)

    it('discovers one table, and with relations the tables it references', function()
      local one = db:discoverSchemas('pair')
      assert.is_truthy(one.pair)
      assert.is_nil(one.parent)
      local both = db:discoverSchemas('pair', { relations = true })
      assert.is_truthy(both.pair and both.parent)
      -- a child alone round-trips too: its reference names the live table
      db:define(one.pair.name, one.pair.attributes, one.pair.options)
      assert_empty(db:plan{ alter = true })
      local list = db:discoverSchemas({ 'parent', 'pair' })
      assert.is_truthy(list.parent and list.pair)
    end)

    it('leaves the view and the trigger alone through an alter sync that rebuilds', function()
      local defs = db:discoverSchemas()
      define_all(db, defs)
      db:query('INSERT INTO ' .. ctx:qt('parent') .. ' (code) VALUES ($1)', { 'p1' })
      -- change the model: a new column and a NOT NULL that SQLite can only rebuild for
      local d = defs.parent
      local attributes = {}
      for i, pair in ipairs(d.attributes) do attributes[i] = { pair[1], pair[2] } end
      for _, pair in ipairs(attributes) do
        if pair[1] == 'name' then
          local spec = {}
          for k, v in pairs(pair[2]) do spec[k] = v end
          spec.allowNull = false
          pair[2] = spec
        end
      end
      attributes[#attributes + 1] = { 'extra', { type = T.STRING(10) } }
      db:define(d.name, attributes, d.options)
      db:sync{ alter = true }
      assert.is_truthy(ctx.columns(db, 'parent').extra)
      assert.is_true(ctx.columns(db, 'parent').name.notnull)
      -- the view still reads, the trigger still fires
      local rows = db:query('SELECT * FROM ' .. ctx:qt('parent_names'))
      assert.are.equal(1, #rows)
      db:query('INSERT INTO ' .. ctx:qt('parent') .. ' (code) VALUES ($1)', { 'p2' })
      local r = db:query('SELECT "qty" FROM ' .. ctx:qt('parent') .. ' WHERE "code" = $1', { 'p2' })
      assert.are.equal(7, tonumber(r[1].qty))
      assert_empty(db:plan{ alter = true })
      -- and discovery sees the change
      local again = db:discoverSchemas('parent')
      local last = again.parent.attributes[#again.parent.attributes]
      assert.are.equal('extra', last[1])
    end)

    it('expresses a composite foreign key and a table without a primary key: discover, define, plan is empty', function()
      db:query([[CREATE TABLE "multi" ("x" INTEGER NOT NULL, "y" VARCHAR(10) NOT NULL, "n" TEXT,
                 FOREIGN KEY ("x", "y") REFERENCES "pair" ("a", "b") ON DELETE CASCADE ON UPDATE RESTRICT)]])
      db:query('INSERT INTO ' .. ctx:qt('parent') .. ' (code) VALUES ($1)', { 'p1' })
      db:query('INSERT INTO ' .. ctx:qt('pair') .. ' (a, b) VALUES (1, $1)', { 'k' })
      db:query('INSERT INTO ' .. ctx:qt('multi') .. ' (x, y, n) VALUES (1, $1, $2)', { 'k', 'row' })
      local defs = db:discoverSchemas('multi', { relations = true })
      local d = defs.multi
      local text = notes_text(d)
      assert.is_nil(text:find('composite', 1, true), text)
      assert.is_nil(text:find('primary key', 1, true), text)
      assert.is_false(d.options.primaryKey)
      assert.are.same({ { fields = { 'x', 'y' }, references = { table = 'pair', keys = { 'a', 'b' } },
                          onDelete = 'CASCADE', onUpdate = 'RESTRICT' } }, d.options.foreignKeys)
      local names = {}
      for i, pair in ipairs(d.attributes) do names[i] = pair[1] end
      assert.are.same({ 'x', 'y', 'n' }, names, 'no id is added')
      define_all(db, defs)
      assert_empty(db:plan{ alter = true })
      assert_empty(db:plan{ alter = { drop = true } }, 'plan with drop')
      -- the rendered source round-trips too
      local other = ctx.connect()
      assert(load(modelsync.render(defs), '=models', 't'))(other)
      assert_empty(other:plan{ alter = { drop = true } }, 'plan of the rendered models')
      -- an alter sync that rebuilds (SQLite) keeps the key, its actions and the rows
      db:define('multi', { { 'x', { type = T.INTEGER, allowNull = false } },
                           { 'y', { type = T.STRING(10), allowNull = false } },
                           { 'n', { type = T.TEXT, allowNull = false, defaultValue = 'z' } } }, d.options)
      db:sync{ alter = true }
      assert_empty(db:plan{ alter = true })
      local fks = ctx.foreign_keys(db, 'multi')
      assert.are.equal(1, #fks)
      assert.are.same({ 'x', 'y' }, fks[1].columns)
      assert.are.same({ 'a', 'b' }, fks[1].refColumns)
      assert.are.equal('CASCADE', fks[1].onDelete)
      assert.are.equal(1, ctx.count_rows(db, 'multi'))
      db:query('DELETE FROM ' .. ctx:qt('pair') .. ' WHERE a = 1')
      assert.are.equal(0, ctx.count_rows(db, 'multi'), 'ON DELETE CASCADE still acts')
    end)

    it('keeps the name of a composite foreign key named by hand', function()
      db:query([[CREATE TABLE "named" ("id" INTEGER PRIMARY KEY, "x" INTEGER, "y" VARCHAR(10),
                 CONSTRAINT "named_to_pair" FOREIGN KEY ("x", "y") REFERENCES "pair" ("a", "b"))]])
      local defs = db:discoverSchemas('named')
      assert.are.equal('named_to_pair', defs.named.options.foreignKeys[1].name)
      assert.is_nil(defs.named.options.primaryKey)
      define_all(db, defs)
      assert_empty(db:plan{ alter = { drop = true } })
      assert.is_truthy(modelsync.render(defs):find('name = "named_to_pair"', 1, true))
    end)

    it('notes a second foreign key on the same column and never drops it', function()
      db:query([[CREATE TABLE "twice" ("id" INTEGER PRIMARY KEY, "p" INTEGER,
                 CONSTRAINT "twice_a" FOREIGN KEY ("p") REFERENCES "parent" ("id"),
                 CONSTRAINT "twice_b" FOREIGN KEY ("p") REFERENCES "parent" ("id") ON DELETE CASCADE)]])
      local defs = db:discoverSchemas('twice')
      local text = notes_text(defs.twice)
      assert.is_truthy(text:find('second foreign key', 1, true), text)
      db:define(defs.twice.name, defs.twice.attributes, defs.twice.options)
      db:sync{ alter = { drop = true } }
      assert.are.equal(2, #ctx.foreign_keys(db, 'twice'))
    end)
  end)

  describe('tables modelsync made', function()
    it('round-trip through discovery with every DataType', function()
      db:define('Team', { name = { type = T.STRING(40), unique = true } })
      db:define('Everything', {
        { 'id', { type = T.BIGINT, primaryKey = true, autoIncrement = true } },
        { 'i', { type = T.INTEGER, defaultValue = 0 } }, { 's', { type = T.SMALLINT } },
        { 'f', T.FLOAT }, { 'r', T.REAL }, { 'd', { type = T.DOUBLE, defaultValue = 2.5 } },
        { 'dec', { type = T.DECIMAL(12, 4), defaultValue = '1.2500' } }, { 'decp', T.DECIMAL },
        { 'str', { type = T.STRING(30), allowNull = false, defaultValue = 'x' } }, { 'ch', T.CHAR(4) },
        { 'txt', { type = T.TEXT, comment = 'free text' } }, { 'b', { type = T.BOOLEAN, defaultValue = false } },
        { 'at', { type = T.DATE, defaultValue = T.NOW } }, { 'day', T.DATEONLY }, { 'tm', T.TIME },
        { 'u', T.UUID }, { 'j', T.JSON }, { 'jb', T.JSONB }, { 'bl', T.BLOB },
        { 'e', { type = T.ENUM('a', 'b', 'c'), defaultValue = 'b' } },
        { 'teamId', { type = T.INTEGER, references = { model = 'Team' }, onDelete = 'SET NULL' } },
        { 'lit', { type = T.INTEGER, defaultValue = modelsync.literal('(40 + 2)') } },
      }, { timestamps = true, indexes = { { fields = { 'str', { name = 'i', order = 'DESC' } } },
                                          { unique = true, fields = { 'ch' }, where = 'ch IS NOT NULL' } } })
      db:sync()
      local other = ctx.connect()
      local defs = db:discoverSchemas()
      assert(load(modelsync.render(defs), '=models', 't'))(other)
      assert_empty(other:plan{ alter = true }, 'plan of the discovered models')
      local a = {}
      for _, pair in ipairs(defs.Everythings.attributes) do a[pair[1]] = pair[2].type end
      assert.are.equal('ENUM', a.e.key)
      assert.are.same({ 'a', 'b', 'c' }, a.e.values)
      assert.are.equal('DECIMAL', a.dec.key)
      assert.are.equal('STRING', a.str.key)
      assert.are.equal('DATE', a.at.key)
      assert.are.equal('DATE', a.createdAt.key)
    end)
  end)

  describe('modelsync.render()', function()
    it('writes a chunk that defines the same models: render, load, plan is empty', function()
      local defs = db:discoverSchemas()
      local src = modelsync.render(defs)
      assert.are.equal(src, modelsync.render(db:discoverSchemas()), 'render is deterministic')
      assert.is_truthy(src:find('db:define("parent"', 1, true))
      local other = ctx.connect()
      local chunk = assert(load(src, '=models', 't'))
      assert.are.equal(other, chunk(other))
      assert.is_truthy(other.models.parent and other.models.pair)
      assert_empty(other:plan{ alter = true }, 'plan of the rendered models')
      -- the rendered models hold the same definitions
      assert.are.same(defs.parent.options, other.models.parent.options)
    end)

    it('escapes every string: quotes, newlines, brackets, backslashes', function()
      local nasty = 'a "b" \'c\' ]] [[ \\ \n -- end'
      local src = modelsync.render({ { name = 'N]]x', notes = { 'two\nlines ]]' },
        attributes = { { 'col"1', { type = T.STRING(5), defaultValue = nasty, comment = nasty } } },
        options = { tableName = 'n"t', freezeTableName = true, timestamps = false, comment = nasty } } })
      local other = modelsync.connect('sqlite::memory:')
      assert(load(src, '=models', 't'))(other)
      local m = other.models['N]]x']
      assert.are.equal('n"t', m.tableName)
      assert.are.equal(nasty, m.rawAttributes['col"1'].defaultValue)
      assert.are.equal(nasty, m.options.comment)
      other:sync()
      assert_empty(other:plan{ alter = true })
      other:close()
    end)
  end)
end)
