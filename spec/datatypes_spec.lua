-- DataTypes (DESIGN §3; SQLite and PostgreSQL mappings: docs/internals.md).
-- For every type: the column's declared type, a value written and read back
-- through the model with the right Lua type, and the type on both dialects.
local modelsync = require('modelsync')
local dialects = require('support.dialects')
local T = modelsync.DataTypes

local function strip_spaces(s) return (tostring(s):gsub('%s', '')) end

local BLOB_BYTES = 'a\0b\1\2\255\254 z'

-- name, type, declared type on sqlite / postgres (lower case, format_type on
-- postgres), a value, and a check of what comes back.
local CASES = {
  { 'INTEGER', T.INTEGER, 'integer', 'integer', 42, function(v)
      assert.are.equal('integer', math.type(v)); assert.are.equal(42, v) end },
  { 'BIGINT', T.BIGINT, 'bigint', 'bigint', 9007199254740993, function(v)
      assert.are.equal('integer', math.type(v)); assert.are.equal(9007199254740993, v) end },
  { 'SMALLINT', T.SMALLINT, 'smallint', 'smallint', -7, function(v)
      assert.are.equal('integer', math.type(v)); assert.are.equal(-7, v) end },
  { 'FLOAT', T.FLOAT, 'float', 'double precision', 1.5, function(v)
      assert.are.equal('number', type(v)); assert.are.equal(1.5, v) end },
  { 'REAL', T.REAL, 'real', 'real', 2.5, function(v)
      assert.are.equal('number', type(v)); assert.are.equal(2.5, v) end },
  { 'DOUBLE', T.DOUBLE, 'double precision', 'double precision', 0.1, function(v)
      assert.are.equal('number', type(v)); assert.are.equal(0.1, v) end },
  { 'DECIMAL(10,2)', T.DECIMAL(10, 2), 'decimal(10,2)', 'numeric(10,2)', '12.34', function(v)
      -- the contract leaves the Lua type of DECIMAL open (number or string): the value must hold
      assert.are.equal(12.34, tonumber(v)) end },
  { 'STRING', T.STRING, 'varchar(255)', 'character varying(255)', 'hello', function(v)
      assert.are.equal('hello', v) end },
  { 'STRING(20)', T.STRING(20), 'varchar(20)', 'character varying(20)', "it's", function(v)
      assert.are.equal("it's", v) end },
  { 'CHAR(3)', T.CHAR(3), 'char(3)', 'character(3)', 'abc', function(v)
      assert.are.equal('abc', v) end },
  { 'TEXT', T.TEXT, 'text', 'text', ('ünïcødé ✓ '):rep(100), function(v)
      assert.are.equal(('ünïcødé ✓ '):rep(100), v) end },
  { 'CITEXT', T.CITEXT, 'text', 'citext', 'MixedCase', function(v)
      assert.are.equal('MixedCase', v) end },
  { 'BOOLEAN', T.BOOLEAN, 'tinyint(1)', 'boolean', true, function(v)
      assert.are.equal(true, v) end },
  { 'DATE', T.DATE, 'datetime', 'timestamp with time zone', '2024-03-05 12:34:56.789 +00:00', function(v)
      assert.are.equal('string', type(v)); assert.are.equal('2024-03-05', v:sub(1, 10)) end },
  { 'DATEONLY', T.DATEONLY, 'date', 'date', '2024-02-29', function(v)
      assert.are.equal('2024-02-29', v) end },
  { 'TIME', T.TIME, 'time', 'time without time zone', '13:45:30', function(v)
      assert.are.equal('13:45:30', tostring(v):sub(1, 8)) end },
  { 'UUID', T.UUID, 'uuid', 'uuid', '6f1c1b58-0f0e-4c2a-9d1e-3a2b1c0d9e8f', function(v)
      assert.are.equal('6f1c1b58-0f0e-4c2a-9d1e-3a2b1c0d9e8f', v) end },
  { 'JSON', T.JSON, 'json', 'json', '{"a":1,"b":[1,2]}', function(v)
      assert.are.equal('string', type(v)); assert.are.equal('{"a":1,"b":[1,2]}', strip_spaces(v)) end },
  { 'JSONB', T.JSONB, 'jsonb', 'jsonb', '{"a":1,"b":[1,2]}', function(v)
      assert.are.equal('string', type(v)); assert.are.equal('{"a":1,"b":[1,2]}', strip_spaces(v)) end },
  { 'BLOB', T.BLOB, 'blob', 'bytea', BLOB_BYTES, function(v)
      -- bytes in, the same bytes out (not a hex rendering)
      assert.are.equal(BLOB_BYTES, v) end },
  { 'ENUM', T.ENUM('draft', 'published'), 'text', nil, 'published', function(v)
      assert.are.equal('published', v) end },
  { "SQL('timestamp without time zone')", T.SQL('timestamp without time zone'),
    'timestamp without time zone', 'timestamp without time zone', '2024-01-02 10:11:12', function(v)
      assert.are.equal('2024-01-02 10:11:12', tostring(v):sub(1, 19)) end },
}

dialects.describe('DataTypes', function(ctx)
  local db
  before_each(function() db = ctx.connect() end)

  for _, case in ipairs(CASES) do
    local name, dtype, sqlite_type, pg_type, value, check = table.unpack(case, 1, 6)

    it(name .. ' has its documented column type and round-trips a value through the model', function()
      local M = db:define('Sample', { v = { type = dtype } }, { freezeTableName = true, timestamps = false })
      M:sync{ force = true }
      local col = ctx.columns(db, 'Sample').v
      assert.is_not_nil(col, 'column v was not created')
      local expected = ctx.name == 'sqlite' and sqlite_type or pg_type
      if expected then
        assert.are.equal(expected, col.type)
      else
        assert.is_truthy(col.type:find('enum_sample_v', 1, true), 'enum type name: ' .. col.type)
      end
      local created = M:create{ v = value }
      check(created.v)
      local row = M:findOne{ where = { id = created.id } }
      assert.is_not_nil(row)
      check(row.v)
      local all = M:findAll()
      assert.are.equal(1, #all)
      check(all[1].v)
    end)
  end

  it('T.STRING, T.STRING() and { type = T.STRING } are all VARCHAR(255)', function()
    local M = db:define('S', { a = T.STRING, b = T.STRING(), c = { type = T.STRING } },
      { freezeTableName = true, timestamps = false })
    M:sync{ force = true }
    local cols = ctx.columns(db, 'S')
    local want = ctx.name == 'sqlite' and 'varchar(255)' or 'character varying(255)'
    assert.are.equal(want, cols.a.type)
    assert.are.equal(want, cols.b.type)
    assert.are.equal(want, cols.c.type)
  end)

  it('BOOLEAN reads back false as false (not 0, not nil) and NULL as nil', function()
    local M = db:define('B', { flag = T.BOOLEAN }, { freezeTableName = true, timestamps = false })
    M:sync{ force = true }
    M:create{ flag = false }
    M:create{ flag = true }
    M:create{}
    local rows = M:findAll{ order = { { 'id', 'ASC' } } }
    assert.are.equal(3, #rows)
    assert.are.equal(false, rows[1].flag)
    assert.are.equal(true, rows[2].flag)
    assert.is_nil(rows[3].flag)
    assert.are.equal(1, M:count{ where = { flag = false } })
    assert.are.equal(1, M:count{ where = { flag = true } })
    if ctx.name == 'sqlite' then
      -- stored as 1/0 on SQLite
      local raw = db:query('SELECT flag FROM "B" ORDER BY id')
      assert.are.equal(0, raw[1].flag)
      assert.are.equal(1, raw[2].flag)
    end
  end)

  it('ENUM is enforced by the database (CHECK on SQLite, an enum type on PostgreSQL)', function()
    local M = db:define('E', { status = T.ENUM('draft', 'published', "it's") },
      { freezeTableName = true, timestamps = false })
    M:sync{ force = true }
    M:create{ status = 'draft' }
    M:create{ status = "it's" }
    assert.has_error(function() M:create{ status = 'bogus' } end)
    assert.has_error(function()
      db:query('INSERT INTO ' .. ctx.qt('E') .. ' (status) VALUES ($1)', { 'bogus' })
    end)
    assert.are.equal(2, ctx.count_rows(db, 'E'))
    if ctx.name == 'sqlite' then
      local sql = ctx.create_sql(db, 'E')
      assert.is_truthy(sql:upper():find('CHECK', 1, true), sql)
    else
      local rows = db:query([[
        SELECT e.enumlabel AS label FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
        JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = $1 AND t.typname = 'enum_E_status' ORDER BY e.enumsortorder]], { ctx.schema })
      local labels = {}
      for _, r in ipairs(rows) do labels[#labels + 1] = r.label end
      assert.are.same({ 'draft', 'published', "it's" }, labels)
    end
  end)

  it('CITEXT compares case-insensitively', function()
    local M = db:define('C', { tag = T.CITEXT }, { freezeTableName = true, timestamps = false })
    M:sync{ force = true }
    M:create{ tag = 'Lua' }
    assert.are.equal(1, M:count{ where = { tag = 'LUA' } })
    assert.are.equal('Lua', M:findOne{ where = { tag = 'lua' } }.tag)
  end)

  it('count() returns a Lua integer', function()
    local M = db:define('N', { x = T.INTEGER }, { freezeTableName = true, timestamps = false })
    M:sync{ force = true }
    M:bulkCreate{ { x = 1 }, { x = 2 } }
    local n = M:count()
    assert.are.equal('integer', math.type(n))
    assert.are.equal(2, n)
  end)

  it('DECIMAL keeps its precision and scale in the column type', function()
    local M = db:define('D', { price = T.DECIMAL(12, 4), plain = T.DECIMAL },
      { freezeTableName = true, timestamps = false })
    M:sync{ force = true }
    local cols = ctx.columns(db, 'D')
    assert.are.equal(ctx.name == 'sqlite' and 'decimal(12,4)' or 'numeric(12,4)', cols.price.type)
    assert.are.equal(ctx.name == 'sqlite' and 'decimal' or 'numeric', cols.plain.type)
  end)

  if ctx.name == 'postgres' then
    it('CITEXT works when the citext extension already lives in a schema off the search_path', function()
      -- as on servers where a DBA keeps extensions in their own schema (and as
      -- happened on the shared dev server): CREATE EXTENSION IF NOT EXISTS is
      -- then a no-op and the bare type name "citext" does not resolve
      local admin = ctx.admin()
      local installed = admin:query("SELECT 1 AS one FROM pg_extension WHERE extname = 'citext'")
      if #installed > 0 then
        -- shown as pending, never passed: the situation cannot be set up here
        pending('postgres: citext is already installed on this server; this spec needs it absent')
      end
      local elsewhere = ctx.extra_schema()
      admin:query('CREATE SCHEMA ' .. ctx.q(elsewhere))
      admin:query('CREATE EXTENSION citext SCHEMA ' .. ctx.q(elsewhere))
      local M = db:define('CX', { tag = T.CITEXT }, { freezeTableName = true, timestamps = false })
      M:sync()
      M:create{ tag = 'Lua' }
      assert.are.equal(1, M:count{ where = { tag = 'LUA' } })
      assert.are.same({}, db:plan{ alter = true }.steps)
    end)
  end

  if ctx.name == 'sqlite' then it('CITEXT on SQLite is TEXT COLLATE NOCASE', function()
    local M = db:define('CI', { tag = T.CITEXT }, { freezeTableName = true, timestamps = false })
    M:sync{ force = true }
    assert.is_truthy(ctx.create_sql(db, 'CI'):upper():find('COLLATE NOCASE', 1, true))
  end) end
end, { memory = true })
