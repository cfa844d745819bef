-- PostgreSQL specifics (DESIGN §4, §5): introspection in a fixed number of
-- catalog queries, type changes that keep values, ENUM values added in place,
-- foreign keys replaced under their stable names, constraints never
-- multiplied, one table name in two schemas, six processes syncing at once,
-- lock_timeout, and normalisation of types, defaults and predicates so that a
-- no-op sync sends no DDL.  Reported as pending when MODELSYNC_PG_URL is unset.
local modelsync = require('modelsync')
local dialects = require('support.dialects')
local driver = require('support.pg_sync_driver')
local T = modelsync.DataTypes
local literal = modelsync.literal

-- Counts of catalog rows of one table: constraints of a kind ('u', 'f', 'p'),
-- and indexes.
local function constraint_count(ctx, db, table_name, kind, schema)
  return tonumber(db:query([[
    SELECT count(*) AS n FROM pg_constraint con
    JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND c.relname = $2 AND con.contype = $3]],
    { schema or ctx.schema, table_name, kind })[1].n)
end

local function index_count(ctx, db, table_name, schema)
  return tonumber(db:query([[
    SELECT count(*) AS n FROM pg_index x
    JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND c.relname = $2]], { schema or ctx.schema, table_name })[1].n)
end

-- Every constraint and index of the test's schema: "table kind name" lines, sorted.
local function catalog_listing(ctx, db)
  local rows = db:query([[
    SELECT c.relname || ' ' || con.contype::text || ' ' || con.conname AS line
    FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1
    UNION ALL
    SELECT t.relname || ' i ' || i.relname FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = $1
    UNION ALL
    SELECT 'type ' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = $1 AND t.typtype = 'e'
    ORDER BY 1]], { ctx.schema })
  local out = {}
  for _, r in ipairs(rows) do out[#out + 1] = r.line end
  return out
end

local function assert_plan_empty(db, what)
  local plan = db:plan{ alter = true }
  assert.are.equal(0, #plan.steps, (what or 'plan') .. ' is not empty:\n' .. dialects.describe_steps(plan.steps))
end

-- A no-op sync{alter=true}: no statement that changes anything.
local function assert_no_ddl(db, what)
  local log = dialects.logger()
  db:sync{ alter = true, logging = log.fn }
  local changes = dialects.changes(log)
  assert.are.equal(0, #changes, (what or 'no-op sync') .. ' sent DDL:\n' .. table.concat(changes, '\n'))
end

-- Defines n models: a ring of parents and children with FKs, indexes, enums.
local function define_many(db, n)
  for i = 1, n do
    local attributes = {
      name = { type = T.STRING(40), allowNull = false, unique = true },
      kind = { type = T.ENUM('a', 'b', 'c'), defaultValue = 'a' },
      score = { type = T.DECIMAL(10, 2), defaultValue = 0 },
      note = { type = T.TEXT, comment = 'note ' .. i },
    }
    if i > 1 then
      attributes.parentId = { type = T.INTEGER, references = { model = 'M' .. (i - 1) }, onDelete = 'CASCADE' }
    end
    db:define('M' .. i, attributes, { comment = 'model ' .. i,
      indexes = { { fields = { 'kind', 'score' } }, { fields = { 'note' }, where = 'score > 0' } } })
  end
end

dialects.describe('PostgreSQL', function(ctx)
  local db
  before_each(function() db = ctx.connect() end)

  ------------------------------------------------------------ introspection

  describe('introspection', function()
    it('reads the schema in the same number of statements for 5 models and for 40', function()
      local counts = {}
      for _, n in ipairs({ 5, 40 }) do
        local conn = ctx.connect()
        define_many(conn, n)
        conn:sync{ force = true }
        local log = dialects.logger()
        local plan = conn:plan{ alter = true, logging = log.fn }
        assert.are.equal(0, #plan.steps, n .. ' models: ' .. dialects.describe_steps(plan.steps))
        assert.are.same({}, dialects.changes(log))
        counts[#counts + 1] = #log.statements
        conn:drop()
      end
      assert.is_true(counts[1] > 0, 'the plan logged no statement')
      assert.are.equal(counts[1], counts[2], 'statements for 5 models vs 40 models')
    end)

    -- Plain indexes have their definition written by the catalog query, not
    -- by pg_get_indexdef: it must be the same text, byte for byte.
    it("gives every index pg_get_indexdef's definition", function()
      local q = function(sql) db:query(sql) end
      q([[CREATE TABLE "Odd Table" ("order" varchar(10), "User" text, x int, y text COLLATE "C",
          z varchar, w numeric, d timestamptz, b boolean, u uuid, e int4range, arr int[], c char(3), n name)]])
      q([[CREATE INDEX "Odd Idx" ON "Odd Table" ("order", "User" DESC, x NULLS FIRST)]])
      q([[CREATE UNIQUE INDEX odd_desc ON "Odd Table" (x DESC NULLS LAST, y)]])
      q([[CREATE INDEX odd_collate ON "Odd Table" (y COLLATE "POSIX")]])
      q([[CREATE INDEX odd_same_collate ON "Odd Table" ("User" COLLATE "default")]])
      q([[CREATE INDEX odd_pattern ON "Odd Table" (z varchar_pattern_ops)]])
      q([[CREATE INDEX odd_text_ops ON "Odd Table" (z text_pattern_ops)]])
      q([[CREATE INDEX odd_types ON "Odd Table" (w, d, b, u, c, n)]])
      q([[CREATE INDEX odd_range ON "Odd Table" (e)]])
      q([[CREATE INDEX odd_array ON "Odd Table" (arr)]])
      q([[CREATE INDEX odd_hash ON "Odd Table" USING hash ("order")]])
      q([[CREATE INDEX odd_gin ON "Odd Table" USING gin (arr)]])
      q([[CREATE INDEX odd_fill ON "Odd Table" (x) WITH (fillfactor = 70)]])
      q([[CREATE INDEX odd_include ON "Odd Table" (x) INCLUDE (y)]])
      q([[CREATE INDEX odd_partial ON "Odd Table" (x) WHERE x > 0]])
      q([[CREATE INDEX odd_expression ON "Odd Table" (lower("User"))]])
      q([[CREATE INDEX "select" ON "Odd Table" (x DESC)]])
      local expected = {}
      for _, r in ipairs(db:query([[
          SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
          FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
          JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relname = 'Odd Table']], { ctx.schema })) do
        expected[r.name] = r.definition
      end
      local got = {}
      for _, t in ipairs(db:getCore():introspect({ ctx.schema }).tables) do
        if t.name == 'Odd Table' then
          for _, ix in ipairs(t.indexes) do got[ix.name] = ix.definition end
        end
      end
      local n = 0
      for _ in pairs(expected) do n = n + 1 end
      assert.are.equal(16, n, 'indexes created')
      assert.are.same(expected, got)
    end)
  end)

  ------------------------------------------------------------ walk-through

  describe('the IntegerNames walk-through', function()
    local function define_v1()
      return db:define('IntegerNames', { value = { type = T.INTEGER, allowNull = false }, name = T.STRING })
    end
    local function define_v2()
      return db:define('IntegerNames', { value = { type = T.INTEGER, allowNull = false }, name = T.STRING,
                                         nameEs = T.STRING })
    end

    it('adds nameEs with alter and keeps the first rows', function()
      local IntegerNames = define_v1()
      IntegerNames:sync{ force = true }
      assert.is_true(ctx.table_exists(db, 'IntegerNames'))
      IntegerNames:create{ value = 2, name = 'two' }
      IntegerNames:create{ value = 3, name = 'three' }
      IntegerNames = define_v2()
      IntegerNames:sync{ alter = true }
      IntegerNames:create{ value = 1, name = 'one', nameEs = 'uno' }
      IntegerNames:create{ value = 4, name = 'four', nameEs = 'cuatro' }
      local rows = IntegerNames:findAll{ order = { { 'value', 'ASC' } } }
      assert.are.equal(4, #rows)
      local values, names, spanish = {}, {}, {}
      for i, r in ipairs(rows) do values[i] = r.value; names[i] = r.name; spanish[i] = r.nameEs or false end
      assert.are.same({ 1, 2, 3, 4 }, values)
      assert.are.same({ 'one', 'two', 'three', 'four' }, names)
      assert.are.same({ 'uno', false, false, 'cuatro' }, spanish)
      assert_plan_empty(db)
    end)

    it('without alter leaves the column out, and create with nameEs fails clearly', function()
      local IntegerNames = define_v1()
      IntegerNames:sync{ force = true }
      IntegerNames:create{ value = 2, name = 'two' }
      IntegerNames = define_v2()
      local log = dialects.logger()
      IntegerNames:sync{ logging = log.fn }
      assert.are.same({}, dialects.changes(log))
      assert.is_nil(ctx.columns(db, 'IntegerNames').nameEs)
      local err = dialects.raises(function() IntegerNames:create{ value = 1, name = 'one', nameEs = 'uno' } end)
      assert.is_truthy(dialects.message(err):find('nameEs', 1, true), dialects.message(err))
      assert.are.equal(1, ctx.count_rows(db, 'IntegerNames'))
    end)
  end)

  ------------------------------------------------------------ type changes

  describe('type changes', function()
    local function opts() return { freezeTableName = true, timestamps = false } end

    it('INTEGER -> BIGINT keeps every value', function()
      local M = db:define('Nums', { n = T.INTEGER }, opts())
      M:sync{ force = true }
      for _, v in ipairs({ 0, -5, 2147483647, -2147483648 }) do M:create{ n = v } end
      M = db:define('Nums', { n = T.BIGINT }, opts())
      local plan = db:plan{ alter = true }
      assert.are.equal('safe', plan.steps[1].risk, dialects.describe_steps(plan.steps))
      M:sync{ alter = true }
      assert.are.equal('bigint', ctx.columns(db, 'Nums').n.type)
      local got = {}
      for _, r in ipairs(db:query('SELECT n FROM ' .. ctx.qt('Nums') .. ' ORDER BY n')) do got[#got + 1] = r.n end
      assert.are.same({ -2147483648, -5, 0, 2147483647 }, got)
      M:create{ n = 9007199254740993 }
      assert.are.equal(1, M:count{ where = { n = 9007199254740993 } })
      assert_plan_empty(db)
    end)

    it('numeric text (VARCHAR) -> INTEGER keeps the values', function()
      local M = db:define('Texts', { v = T.STRING(20) }, opts())
      M:sync{ force = true }
      M:create{ v = '12' }; M:create{ v = '-7' }; M:create{ v = ' 3 ' }; M:create{}
      M = db:define('Texts', { v = T.INTEGER }, opts())
      M:sync{ alter = true }
      assert.are.equal('integer', ctx.columns(db, 'Texts').v.type)
      local got = {}
      for _, r in ipairs(db:query('SELECT v FROM ' .. ctx.qt('Texts') .. ' WHERE v IS NOT NULL ORDER BY v')) do
        got[#got + 1] = r.v
      end
      assert.are.same({ -7, 3, 12 }, got)
      assert.are.equal(4, ctx.count_rows(db, 'Texts'))
      assert_plan_empty(db)
    end)

    it('text that is not numeric fails with E_DATA naming table, column and rows, and rolls back', function()
      local M = db:define('Texts', { v = T.STRING(20), w = T.INTEGER }, opts())
      M:sync{ force = true }
      M:create{ v = '12' }; M:create{ v = 'abc' }; M:create{ v = '1.5' }
      M = db:define('Texts', { v = T.INTEGER, w = T.INTEGER, added = T.INTEGER }, opts())
      local err = dialects.raises(function() M:sync{ alter = true } end, 'E_DATA', { 'Texts', 'v', '2 row' })
      assert.are.equal(2, err.rows)
      local columns = ctx.columns(db, 'Texts')
      assert.are.equal('character varying(20)', columns.v.type)
      assert.is_nil(columns.added, 'the sync was not rolled back whole')
      assert.are.equal(3, ctx.count_rows(db, 'Texts'))
    end)

    it('DECIMAL(10,2) -> DECIMAL(12,2) is safe and keeps the values', function()
      local M = db:define('Money', { amount = T.DECIMAL(10, 2) }, opts())
      M:sync{ force = true }
      M:create{ amount = '12345678.91' }; M:create{ amount = '-0.05' }
      M = db:define('Money', { amount = T.DECIMAL(12, 2) }, opts())
      local plan = db:plan{ alter = true }
      assert.are.equal(1, #plan.steps, dialects.describe_steps(plan.steps))
      assert.are.equal('safe', plan.steps[1].risk)
      M:sync{ alter = true }
      assert.are.equal('numeric(12,2)', ctx.columns(db, 'Money').amount.type)
      local got = {}
      for _, r in ipairs(db:query('SELECT amount::text AS a FROM ' .. ctx.qt('Money') .. ' ORDER BY amount')) do
        got[#got + 1] = r.a
      end
      assert.are.same({ '-0.05', '12345678.91' }, got)
      assert_plan_empty(db)
    end)

    it('DECIMAL -> INTEGER is destructive and skipped under alter = true', function()
      local M = db:define('Money', { amount = T.DECIMAL(10, 2) }, opts())
      M:sync{ force = true }
      M:create{ amount = '2.75' }
      M = db:define('Money', { amount = T.INTEGER }, opts())
      local plan = db:plan{ alter = true }
      assert.are.equal(1, #plan.steps, dialects.describe_steps(plan.steps))
      assert.are.equal('destructive', plan.steps[1].risk)
      assert.is_true(plan.steps[1].skipped)
      local log = dialects.logger()
      M:sync{ alter = true, logging = log.fn }
      assert.are.same({}, dialects.changes(log))
      assert.are.equal('numeric(10,2)', ctx.columns(db, 'Money').amount.type)
      assert.are.equal('2.75', db:query('SELECT amount::text AS a FROM ' .. ctx.qt('Money'))[1].a)
    end)
  end)

  ------------------------------------------------------------ enums

  describe('ENUM', function()
    it('gains a value with ALTER TYPE ... ADD VALUE, keeps the rows, plan empty after', function()
      local M = db:define('Shirt', { size = T.ENUM('S', 'M') }, { timestamps = false })
      M:sync{ force = true }
      M:create{ size = 'S' }; M:create{ size = 'M' }
      local type_name = 'enum_Shirts_size'
      local qualified = ctx.q(ctx.schema) .. '.' .. ctx.q(type_name)
      assert.are.equal(ctx.schema .. '.' .. type_name, db:query([[
        SELECT n.nspname || '.' || t.typname AS name FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
        JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE cn.nspname = $1 AND c.relname = 'Shirts' AND a.attname = 'size']], { ctx.schema })[1].name)
      M = db:define('Shirt', { size = T.ENUM('XS', 'S', 'M', 'L') }, { timestamps = false })
      local log = dialects.logger()
      M:sync{ alter = true, logging = log.fn }
      local changes = dialects.changes(log)
      assert.are.equal(2, #changes, table.concat(changes, '\n'))
      for _, s in ipairs(changes) do
        assert.is_truthy(s:find('ALTER TYPE ' .. qualified .. ' ADD VALUE', 1, true), s)
      end
      local labels = {}
      for _, r in ipairs(db:query('SELECT unnest(enum_range(NULL::' .. qualified .. '))::text AS v')) do
        labels[#labels + 1] = r.v
      end
      assert.are.same({ 'XS', 'S', 'M', 'L' }, labels)
      assert.are.equal(2, M:count())
      M:create{ size = 'L' }
      assert_plan_empty(db)
      assert_no_ddl(db)
    end)
  end)

  ------------------------------------------------------------ foreign keys

  describe('foreign keys', function()
    local function define(on_delete)
      db:define('Owner', { name = T.STRING }, { timestamps = false })
      return db:define('Pet', { ownerId = { type = T.INTEGER, references = { model = 'Owner' }, onDelete = on_delete } },
                       { timestamps = false })
    end

    it('changing onDelete replaces the one foreign key under its stable name', function()
      define('CASCADE')
      db:sync{ force = true }
      db:model('Owner'):create{ name = 'o' }
      db:model('Pet'):create{ ownerId = 1 }
      define('SET NULL')
      local plan = db:plan{ alter = true }
      assert.are.equal(1, #plan.steps, dialects.describe_steps(plan.steps))
      assert.are.equal('replaceForeignKey', plan.steps[1].op)
      db:sync{ alter = true }
      assert.are.equal(1, constraint_count(ctx, db, 'Pets', 'f'))
      local rows = db:query([[
        SELECT con.conname, con.confdeltype::text AS del FROM pg_constraint con
        JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = ANY (con.conkey)
        WHERE n.nspname = $1 AND c.relname = 'Pets' AND con.contype = 'f' AND a.attname = 'ownerId']],
        { ctx.schema })
      assert.are.equal(1, #rows)
      assert.are.equal('Pets_ownerId_fkey', rows[1].conname)
      assert.are.equal('n', rows[1].del)
      assert.are.equal(1, ctx.count_rows(db, 'Pets'))
      assert_plan_empty(db)
      define('RESTRICT')
      db:sync{ alter = true }
      assert.are.equal(1, constraint_count(ctx, db, 'Pets', 'f'))
      assert.are.equal('RESTRICT', ctx.foreign_keys(db, 'Pets')[1].onDelete)
    end)
  end)

  ------------------------------------------------------------ uniques

  describe('unique constraints and indexes', function()
    it('are not multiplied by repeated alters', function()
      local function define()
        return db:define('Acct', {
          email = { type = T.STRING(80), unique = true },
          a = { type = T.INTEGER, unique = 'a_b' },
          b = { type = T.INTEGER, unique = 'a_b' },
          status = T.STRING(10),
          n = T.INTEGER,
        }, { timestamps = false, indexes = {
          { unique = true, fields = { 'n' }, where = "status IN ('on', 'off')" },
          { fields = { { name = 'status', order = 'DESC' } }, where = 'NOT (n = 1)' },
          { name = 'acct_n_cast', fields = { 'n' }, where = 'status::int > 0 AND n BETWEEN 1 AND 5' },
          { fields = { 'email', 'n' } },
        } })
      end
      define():sync{ force = true }
      local uniques, indexes, listing
      for i = 1, 5 do
        define()
        db:sync{ alter = true }
        if i == 1 then
          uniques = constraint_count(ctx, db, 'Accts', 'u')
          indexes = index_count(ctx, db, 'Accts')
          listing = catalog_listing(ctx, db)
        end
        assert.are.equal(uniques, constraint_count(ctx, db, 'Accts', 'u'), 'alter #' .. i)
        assert.are.equal(indexes, index_count(ctx, db, 'Accts'), 'alter #' .. i)
      end
      assert.are.equal(2, uniques)
      assert.are.equal(7, indexes)       -- pk, 2 unique constraints, 4 indexes
      assert.are.same(listing, catalog_listing(ctx, db))
      assert_plan_empty(db)
      assert_no_ddl(db)
    end)
  end)

  ------------------------------------------------------------ schemas

  describe('schemas', function()
    it('the same table name in two schemas are two tables', function()
      local s1, s2 = ctx.extra_schema(), ctx.extra_schema()
      local A = db:define('ItemA', { label = T.STRING, kind = T.ENUM('x', 'y') },
                          { tableName = 'items', schema = s1, timestamps = false })
      local B = db:define('ItemB', { label = T.STRING, weight = T.INTEGER },
                          { tableName = 'items', schema = s2, timestamps = false })
      db:sync()
      A:create{ label = 'in s1', kind = 'x' }
      B:create{ label = 'in s2', weight = 3 }
      B:create{ label = 'in s2 too', weight = 4 }
      assert.are.equal(1, tonumber(db:query('SELECT count(*) AS n FROM ' .. ctx.q(s1) .. '.items')[1].n))
      assert.are.equal(2, tonumber(db:query('SELECT count(*) AS n FROM ' .. ctx.q(s2) .. '.items')[1].n))
      assert.are.equal('in s1', A:findAll()[1].label)
      assert.are.equal(2, B:count())
      assert.are.equal(0, tonumber(db:query([[SELECT count(*) AS n FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'items' AND n.nspname = $1]],
        { ctx.schema })[1].n))
      assert_plan_empty(db)
      assert_no_ddl(db)
    end)
  end)

  ------------------------------------------------------------ concurrency

  describe('six processes', function()
    it('syncing the same models at once all succeed and leave one clean schema', function()
      local start = ctx.tmpfile('.start')
      local outputs, script = {}, {}
      for i = 1, 6 do
        outputs[i] = ctx.tmpfile('.out' .. i)
        script[#script + 1] = '( ' .. driver.command(ctx.url(), start) .. ' > ' .. outputs[i]
          .. ' 2>&1; echo "exit $?" >> ' .. outputs[i] .. ' ) &'
      end
      script[#script + 1] = 'sleep 1; touch ' .. start .. '; wait'
      assert.is_true(os.execute(table.concat(script, '\n')) == true)
      for i = 1, 6 do
        local f = assert(io.open(outputs[i]))
        local text = f:read('a')
        f:close()
        assert.is_truthy(text:find('exit 0', 1, true), 'process ' .. i .. ': ' .. text)
        assert.is_truthy(text:find('done', 1, true), 'process ' .. i .. ': ' .. text)
      end
      driver.models(db)
      assert_plan_empty(db, 'plan after six syncs')
      assert.are.equal(1, constraint_count(ctx, db, 'Clubs', 'p'))
      assert.are.equal(1, constraint_count(ctx, db, 'Clubs', 'u'))
      assert.are.equal(4, index_count(ctx, db, 'Clubs'))     -- pk, name, city, city+tier
      assert.are.equal(1, constraint_count(ctx, db, 'Members', 'f'))
      assert.are.equal(1, constraint_count(ctx, db, 'Members', 'u'))
      assert.are.equal(4, index_count(ctx, db, 'Members'))   -- pk, shirt+club, nick (partial), clubId
      local types = db:query([[SELECT count(*) AS n FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = $1 AND t.typtype = 'e']], { ctx.schema })
      assert.are.equal(1, tonumber(types[1].n))
      local listing = catalog_listing(ctx, db)
      local seen = {}
      for _, line in ipairs(listing) do
        assert.is_nil(seen[line], 'twice: ' .. line)
        seen[line] = true
      end
    end)
  end)

  ------------------------------------------------------------ lock_timeout

  describe('lockTimeout', function()
    it('is applied with SET LOCAL and makes a blocked sync fail cleanly', function()
      local conn = ctx.connect{ lockTimeout = 300 }
      local M = conn:define('Locked', { a = T.INTEGER }, { timestamps = false, freezeTableName = true })
      local log = dialects.logger()
      M:sync{ logging = log.fn }
      assert.are.equal(1, #dialects.grep(log, "^SET LOCAL LOCK_TIMEOUT = '300MS'"),
        table.concat(log.statements, '\n'))
      local blocker = ctx.connect()
      blocker:query('BEGIN')
      blocker:query('LOCK TABLE ' .. ctx.qt('Locked') .. ' IN ACCESS EXCLUSIVE MODE')
      M = conn:define('Locked', { a = T.INTEGER, b = T.INTEGER }, { timestamps = false, freezeTableName = true })
      local started = os.time()
      local err = dialects.raises(function() M:sync{ alter = true } end, 'E_SQL', { 'lock timeout', '300 ms' })
      assert.is_true(os.time() - started <= 3, 'the sync waited longer than its lock timeout')
      assert.is_truthy(dialects.message(err))
      blocker:query('ROLLBACK')
      assert.is_nil(ctx.columns(db, 'Locked').b)
      -- the connection is usable after the failure, and the sync then works
      M:sync{ alter = true }
      assert.is_not_nil(ctx.columns(db, 'Locked').b)
    end)

    it('defaults to 10 s', function()
      local M = db:define('Locked', { a = T.INTEGER }, { timestamps = false, freezeTableName = true })
      local log = dialects.logger()
      M:sync{ logging = log.fn }
      assert.are.equal(1, #dialects.grep(log, "^SET LOCAL LOCK_TIMEOUT = '10000MS'"))
    end)
  end)

  ------------------------------------------------------------ normalisation

  describe('normalisation', function()
    local function opts(extra)
      local o = { freezeTableName = true, timestamps = false }
      for k, v in pairs(extra or {}) do o[k] = v end
      return o
    end

    it('expression defaults the server prints differently send no DDL', function()
      db:define('Defaults', {
        a = { type = T.STRING, defaultValue = 'a' },
        n = { type = T.INTEGER, defaultValue = 42 },
        f = { type = T.FLOAT, defaultValue = 1.5 },
        b = { type = T.BOOLEAN, defaultValue = true },
        d = { type = T.DATE, defaultValue = T.NOW },
        l = { type = T.TEXT, defaultValue = literal("lower('X')") },
        cast = { type = T.TEXT, defaultValue = literal("'x'::text") },
        now = { type = T.DATE, defaultValue = literal('now()') },
        neg = { type = T.INTEGER, defaultValue = literal('(-1)') },
        int_cast = { type = T.INTEGER, defaultValue = literal("'7'::int") },
        dec = { type = T.DECIMAL(10, 2), defaultValue = literal('1.50') },
        j = { type = T.JSON, defaultValue = '{"b": 1, "a": [1, 2]}' },
        jb = { type = T.JSONB, defaultValue = '{"b":1,"a":[1,2]}' },
        jb_literal = { type = T.JSONB, defaultValue = literal([['{"b":1,"a":[1,2]}'::jsonb]]) },
        expr = { type = T.INTEGER, defaultValue = literal('(2 + 3) * 4') },
        coalesce = { type = T.TEXT, defaultValue = literal("COALESCE(NULL, 'x')") },
        arr = { type = T.SQL('text[]'), defaultValue = literal("ARRAY['a', 'b']") },
        empty_arr = { type = T.SQL('integer[]'), defaultValue = literal("'{}'") },
      }, opts())
      db:sync{ force = true }
      assert_plan_empty(db, 'plan after force')
      assert_no_ddl(db)
    end)

    it('partial index predicates the server rewrites are not re-created', function()
      local predicates = {
        "status IN ('a', 'b')",
        'n IN (1, 2, 3)',
        "status NOT IN ('x', 'y')",
        "status NOT IN ('x')",
        'n IN (7)',
        'NOT (n = 1)',
        'NOT (n = 1 AND m = 2)',
        '(n = 1) OR (m = 2 AND n > 0)',
        '(n > 0 OR m > 0) AND status IS NOT NULL',
        'code::int > 0',
        'code::integer > 0 AND code::varchar(3) <> \'x\'',
        'n BETWEEN 1 AND 5',
        "lower(status) LIKE 'a%'",
        'n + m * 2 > (n - 1) * 3',
        "status = ANY (ARRAY['a', 'b'])",
        'NOT flag',
        'flag IS TRUE AND NOT (n IS NULL)',
      }
      local indexes = {}
      for i, p in ipairs(predicates) do
        indexes[#indexes + 1] = { name = 'pred_' .. i, fields = { 'n' }, where = p }
      end
      db:define('Preds', { n = T.INTEGER, m = T.INTEGER, status = T.STRING(10), code = T.TEXT, flag = T.BOOLEAN },
                opts({ indexes = indexes }))
      db:sync{ force = true }
      assert.are.equal(#predicates + 1, index_count(ctx, db, 'Preds'))
      assert_plan_empty(db, 'plan after force')
      assert_no_ddl(db)
      -- the same, reached by alter on an existing table
      db:define('Preds', { n = T.INTEGER, m = T.INTEGER, status = T.STRING(10), code = T.TEXT, flag = T.BOOLEAN },
                opts())
      db:sync{ alter = { drop = true } }
      assert.are.equal(1, index_count(ctx, db, 'Preds'))
      db:define('Preds', { n = T.INTEGER, m = T.INTEGER, status = T.STRING(10), code = T.TEXT, flag = T.BOOLEAN },
                opts({ indexes = indexes }))
      db:sync{ alter = true }
      assert_plan_empty(db, 'plan after alter')
      assert_no_ddl(db)
    end)

    it('SET/DROP NOT NULL, SET/DROP DEFAULT and COMMENT ON appear exactly when needed', function()
      local function define(o)
        return db:define('Knobs', {
          v = { type = T.INTEGER, allowNull = o.allowNull, defaultValue = o.default, comment = o.columnComment },
          other = { type = T.STRING, comment = 'other' },
        }, opts({ comment = o.tableComment }))
      end
      define{ allowNull = true }
      db:sync{ force = true }
      -- each change on its own: exactly its statement, then nothing
      local cases = {
        { { allowNull = false, default = 0 }, { 'SET DEFAULT', 'SET NOT NULL' } },
        { { allowNull = false, default = 5 }, { 'SET DEFAULT' } },
        { { allowNull = true, default = 5 }, { 'DROP NOT NULL' } },
        { { allowNull = true }, { 'DROP DEFAULT' } },
        { { allowNull = true, tableComment = 'knobs' }, { 'COMMENT ON TABLE' } },
        { { allowNull = true, tableComment = 'knobs', columnComment = "v's" }, { 'COMMENT ON COLUMN' } },
        { { allowNull = true, tableComment = 'knobs 2', columnComment = "v's" }, { 'COMMENT ON TABLE' } },
        { { allowNull = true, columnComment = "v's" }, { 'COMMENT ON TABLE' } },
        { { allowNull = true }, { 'COMMENT ON COLUMN' } },
      }
      for i, case in ipairs(cases) do
        define(case[1])
        local log = dialects.logger()
        db:sync{ alter = true, logging = log.fn }
        local changes = dialects.changes(log)
        local expected = case[2]
        assert.are.equal(#expected, #changes, 'case ' .. i .. ':\n' .. table.concat(changes, '\n'))
        for k, what in ipairs(expected) do
          assert.is_truthy(changes[k]:upper():find(what, 1, true), 'case ' .. i .. ': ' .. changes[k])
        end
        assert_no_ddl(db, 'case ' .. i .. ' again')
      end
      local columns = ctx.columns(db, 'Knobs')
      assert.is_false(columns.v.notnull)
      assert.is_nil(columns.v.default)
      assert.is_nil(columns.v.comment)
      assert.are.equal('other', columns.other.comment)
    end)
  end)
end, { only = 'postgres' })
