-- Names: every identifier is quoted and every literal escaped (DESIGN §7,
-- issue 4).  Reserved words, quotes, spaces, unicode and names that look like
-- SQL injection work end to end as table, column and index names, comments,
-- ENUM values and defaults; a name past the dialect's limit is refused before
-- any SQL, never truncated; names modelsync generates (indexes, foreign keys,
-- PostgreSQL enum types) are shortened deterministically to fit.
local modelsync = require('modelsync')
local dialects = require('support.dialects')
local T = modelsync.DataTypes

local NAMES = {
  'order', 'select', 'group', 'user', 'from', 'table',
  'say "hi"', "it's", '"', "'", 'with space', ' lead and trail ',
  'café', '日本', 'MixedCase', '1st', 'semi;colon', 'back\\slash', 'per%cent?', '$1',
  'x"; DROP TABLE t; --', "'); DELETE FROM", "a'b\"c", '--', '/* c */',
}

-- The statements a call sends that change something.
local function changes(log) return dialects.changes(log.statements) end

-- The comment of a table / column on PostgreSQL (nil elsewhere).
local function pg_table_comment(ctx, db, name)
  local rows = db:query([[SELECT obj_description(c.oid, 'pg_class') AS c FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2]], { ctx.schema, name })
  return rows[1] and rows[1].c
end

-- Every name the database holds for this test (relations, constraints,
-- types; sqlite_master names on SQLite).
local function catalog_names(ctx, db)
  local out = {}
  local rows
  if ctx.name == 'sqlite' then
    rows = db:query("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
  else
    rows = db:query([[
      SELECT 'relation' AS kind, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1
      UNION ALL SELECT 'constraint', conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
       WHERE n.nspname = $1
      UNION ALL SELECT 'type', typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE n.nspname = $1 AND t.typtype = 'e']], { ctx.schema })
  end
  for _, r in ipairs(rows) do out[#out + 1] = { kind = r.kind or 'object', name = r.name } end
  table.sort(out, function(x, y) return x.kind .. ' ' .. x.name < y.kind .. ' ' .. y.name end)
  for i, o in ipairs(out) do out[i] = o.kind .. ' ' .. o.name end
  return out
end

-- The name of a catalog_names entry ("kind name").
local function name_of(entry) return (entry:gsub('^%S+ ', '')) end

dialects.describe('names are quoted and literals escaped #names', function(ctx)
  for _, name in ipairs(NAMES) do
    it(string.format('%q works as table, column, index, comment, ENUM value and default', name), function()
      local db = ctx.connect()
      local log = dialects.logger()
      local parent_table, child_table = name, 'child ' .. name
      local Parent = db:define(name, {
        [name] = { type = T.STRING(80), allowNull = false, defaultValue = name, comment = name, unique = true },
        kind = { type = T.ENUM(name, 'other'), defaultValue = name, comment = name },
        note = { type = T.TEXT, defaultValue = name },
      }, { tableName = parent_table, comment = name, timestamps = false,
           indexes = { { name = 'ix ' .. name, fields = { 'kind', { name = name, order = 'DESC' } } } } })
      local Child = db:define('child ' .. name, {
        [name] = { type = T.INTEGER, references = { model = name }, onDelete = 'CASCADE' },
      }, { tableName = child_table, timestamps = false, indexes = { { fields = { name } } } })
      db:sync{ logging = log.fn }
      assert.is_true(#changes(log) > 0)

      -- the database holds the names exactly
      assert.is_true(ctx.table_exists(db, parent_table), 'table ' .. parent_table)
      assert.is_true(ctx.table_exists(db, child_table), 'table ' .. child_table)
      local columns = ctx.columns(db, parent_table)
      assert.is_not_nil(columns[name], 'column ' .. name)
      assert.is_not_nil(ctx.indexes(db, parent_table)['ix ' .. name], 'index ix ' .. name)
      local fks = ctx.foreign_keys(db, child_table)
      assert.are.equal(1, #fks)
      assert.are.same({ name }, fks[1].columns)
      assert.are.equal(parent_table, fks[1].refTable)
      if ctx.name == 'postgres' then
        assert.are.equal(name, columns[name].comment)
        assert.are.equal(name, pg_table_comment(ctx, db, parent_table))
      end

      -- rows: defaults, explicit values, where, order, update, destroy
      local defaulted = Parent:create{}
      assert.are.equal(name, defaulted[name])
      assert.are.equal(name, defaulted.kind)
      assert.are.equal(name, defaulted.note)
      local other = Parent:create{ [name] = name .. '2', kind = 'other', note = "'" }
      Child:create{ [name] = other.id }
      local found = Parent:findAll{ where = { [name] = name, kind = name }, order = { { name, 'DESC' } } }
      assert.are.equal(1, #found)
      assert.are.equal(defaulted.id, found[1].id)
      assert.are.equal(2, Parent:count())
      assert.are.equal(1, Parent:update({ note = name }, { where = { [name] = name .. '2' } }))
      assert.are.equal(name, Parent:findOne{ where = { id = other.id } }.note)
      assert.are.equal(1, Child:count{ where = { [name] = other.id } })
      assert.are.equal(1, Parent:destroy{ where = { kind = 'other' } })
      assert.are.equal(0, Child:count(), 'ON DELETE CASCADE reached the child')

      -- nothing left to do, and a second sync sends no DDL
      local plan = db:plan{ alter = true }
      assert.are.same({}, plan.steps, dialects.describe_steps(plan.steps))
      log.clear()
      db:sync{ alter = true, logging = log.fn }
      assert.are.same({}, changes(log))
      -- the other tables of the database are still there
      local expected = { child_table, parent_table }
      table.sort(expected)
      local tables = ctx.tables(db)
      table.sort(tables)
      assert.are.same(expected, tables)
    end)
  end

  it('renames a column whose old and new names need quoting (renamedFrom)', function()
    local db = ctx.connect()
    local old, new = 'x"; DROP TABLE t; --', "'); DELETE FROM"
    local M = db:define('R', { [old] = T.STRING }, { tableName = 'select', timestamps = false })
    db:sync()
    M:create{ [old] = 'kept' }
    M = db:define('R', { [new] = { type = T.STRING, renamedFrom = old } }, { tableName = 'select', timestamps = false })
    db:sync{ alter = true }
    assert.are.equal('kept', M:findOne()[new])
    assert.are.same({}, db:plan{ alter = true }.steps)
  end)

  it('changes a comment and a default that hold quotes in place (alter)', function()
    local db = ctx.connect()
    db:define('C', { v = { type = T.STRING, defaultValue = "it's", comment = 'say "hi"' } },
      { tableName = 'order', comment = "it's", timestamps = false })
    db:sync()
    local M = db:define('C', { v = { type = T.STRING, defaultValue = 'say "hi"', comment = "'); DELETE FROM" } },
      { tableName = 'order', comment = 'x"; DROP TABLE t; --', timestamps = false })
    db:sync{ alter = true }
    assert.are.same({}, db:plan{ alter = true }.steps)
    assert.are.equal('say "hi"', M:create{}.v)
    if ctx.name == 'postgres' then
      assert.are.equal('x"; DROP TABLE t; --', pg_table_comment(ctx, db, 'order'))
      assert.are.equal("'); DELETE FROM", ctx.columns(db, 'order').v.comment)
    end
  end)

  it('adds an ENUM value that holds quotes to an existing column', function()
    local db = ctx.connect()
    db:define('E', { kind = T.ENUM('a') }, { tableName = 'group', timestamps = false })
    db:sync()
    local M = db:define('E', { kind = T.ENUM('a', "'); DELETE FROM", 'x"; DROP TABLE t; --') },
      { tableName = 'group', timestamps = false })
    db:sync{ alter = true }
    assert.are.same({}, db:plan{ alter = true }.steps)
    assert.are.equal("'); DELETE FROM", M:create{ kind = "'); DELETE FROM" }.kind)
    M:create{ kind = 'x"; DROP TABLE t; --' }
    assert.are.equal(1, M:count{ where = { kind = 'x"; DROP TABLE t; --' } })
  end)

  it('lives in a schema whose name needs quoting (postgres)', function()
    if ctx.name ~= 'postgres' then return end     -- SQLite has no schemas
    local db = ctx.connect()
    local schema = ctx:extra_schema() .. ' "x"; --'
    ctx.extra_schemas[#ctx.extra_schemas + 1] = schema
    local M = db:define('S', { [ 'user' ] = T.STRING }, { schema = schema, tableName = 'from', timestamps = false })
    db:sync()
    M:create{ user = "it's" }
    assert.are.equal("it's", M:findOne{ where = { user = "it's" } }.user)
    assert.are.same({}, db:plan{ alter = true }.steps)
  end)
end)

-- A name n bytes long: a prefix, then filler.
local function long(prefix, n, filler)
  filler = filler or 'x'
  local s = prefix
  while #s + #filler <= n do s = s .. filler end
  while #s < n do s = s .. 'x' end
  return s
end

dialects.describe('names past the dialect limit #names', function(ctx)
  local LIMIT = 63      -- PostgreSQL's NAMEDATALEN - 1

  it('conn:info() tells the limit', function()
    local db = ctx.connect()
    local info = db:getCore():info()
    assert.are.equal(ctx.name == 'postgres' and LIMIT or 0, info.maxIdentifierLength)
  end)

  -- Each: a define() whose name is too long for PostgreSQL; on SQLite (no
  -- limit) the same definition works end to end.
  local TOO_LONG = {
    { 'a table name of 64 bytes', function(db)
        return db:define('M', { v = T.STRING }, { tableName = long('t_', 64), timestamps = false })
      end, 'table name', long('t_', 64) },
    { 'a table name of 22 three-byte characters (66 bytes)', function(db)
        return db:define('M', { v = T.STRING }, { tableName = string.rep('日', 22), timestamps = false })
      end, 'table name', string.rep('日', 22) },
    { 'a model name of 64 bytes made a table name by freezeTableName', function(db)
        return db:define(long('M', 64), { v = T.STRING }, { freezeTableName = true, timestamps = false })
      end, 'table name', long('M', 64) },
    { 'a column name of 64 bytes', function(db)
        return db:define('M', { [long('c_', 64)] = T.STRING }, { timestamps = false })
      end, 'column name', long('c_', 64) },
    { 'a field of 64 bytes', function(db)
        return db:define('M', { v = { type = T.STRING, field = long('f_', 64) } }, { timestamps = false })
      end, 'column name', long('f_', 64) },
    { 'an underscored column that grows past 63 bytes', function(db)
        return db:define('M', { [long('aB', 60, 'aB')] = T.STRING }, { underscored = true, timestamps = false })
      end, 'column name', nil },
    { 'a timestamp column of 64 bytes', function(db)
        return db:define('M', { v = T.STRING }, { createdAt = long('made_', 64) })
      end, 'column name', long('made_', 64) },
    { 'an index name of 64 bytes', function(db)
        return db:define('M', { v = T.STRING }, { timestamps = false,
          indexes = { { name = long('ix_', 64), fields = { 'v' } } } })
      end, 'index name', long('ix_', 64) },
    { 'a unique name of 64 bytes', function(db)
        return db:define('M', { v = { type = T.STRING, unique = long('uq_', 64) } }, { timestamps = false })
      end, 'index name', long('uq_', 64) },
    { 'an ENUM value of 64 bytes', function(db)
        return db:define('M', { kind = T.ENUM('a', long('v_', 64)) }, { timestamps = false })
      end, 'ENUM value', long('v_', 64) },
  }
  if ctx.name == 'postgres' then
    TOO_LONG[#TOO_LONG + 1] = { 'a schema name of 64 bytes', function(db)
      return db:define('M', { v = T.STRING }, { schema = long('s_', 64), timestamps = false })
    end, 'schema name', long('s_', 64) }
  end

  for _, case in ipairs(TOO_LONG) do
    local title, define, what, name = case[1], case[2], case[3], case[4]
    if ctx.name == 'postgres' then
      it('refuses ' .. title .. ' at define(), before any SQL', function()
        local log = dialects.logger()
        local db = ctx.connect{ logging = log.fn }
        log.clear()
        local err = dialects.raises(function() define(db) end, 'E_DEFINITION',
          { what, 'bytes long', 'at most 63', 'never truncated', name })
        assert.are.equal('E_DEFINITION: ' .. err.message, tostring(err))
        assert.are.same({}, log.statements)
        assert.is_nil(db.models.M)
        assert.are.same({}, ctx.tables(db))
      end)
    else
      it('keeps ' .. title .. ' whole (no limit)', function()
        local db = ctx.connect()
        local M = define(db)
        db:sync()
        M:create{}
        assert.are.equal(1, M:count())
        assert.are.same({}, db:plan{ alter = true }.steps)
        if name and what == 'table name' then assert.is_true(ctx.table_exists(db, name)) end
      end)
    end
  end

  it('the core refuses a long name too when the Lua layer is bypassed (postgres)', function()
    if ctx.name ~= 'postgres' then return end
    local db = ctx.connect()
    local desired = { tables = { { name = long('t_', 64), columns = {
      { name = 'id', type = { key = 'INTEGER' }, allowNull = false, primaryKey = 1 } } } } }
    local log = dialects.logger()
    db:getCore():setLogger(log.fn)
    dialects.raises(function() db:getCore():plan(desired, {}) end, 'E_DEFINITION', { 'never truncated' })
    db:getCore():setLogger(nil)
    assert.are.same({}, log.statements)
  end)

  it('takes names of exactly 63 bytes, in bytes not characters (21 x 日)', function()
    local db = ctx.connect()
    local table_name, column, kanji = long('t_', 63), long('c_', 63), string.rep('日', 21)
    local M = db:define('M', {
      [column] = { type = T.STRING, unique = long('uq_', 63) },
      [kanji] = { type = T.ENUM(long('v_', 63), 'b') },
    }, { tableName = table_name, timestamps = false, indexes = { { name = long('ix_', 63), fields = { kanji } } } })
    db:sync()
    assert.is_true(ctx.table_exists(db, table_name))
    assert.is_not_nil(ctx.columns(db, table_name)[column])
    assert.is_not_nil(ctx.columns(db, table_name)[kanji])
    assert.is_not_nil(ctx.indexes(db, table_name)[long('ix_', 63)])
    local row = M:create{ [column] = 'x', [kanji] = long('v_', 63) }
    assert.are.equal(long('v_', 63), row[kanji])
    assert.are.same({}, db:plan{ alter = true }.steps)
  end)

  it('shortens generated names (unique, index, foreign key, enum type) deterministically', function()
    -- two 60-byte table names sharing their first 58 bytes, each with a
    -- 30-byte column: every generated name passes 63 bytes, and the two
    -- tables' generated names share the part a truncation would keep
    local a, b = long('gen_', 58) .. '_a', long('gen_', 58) .. '_b'
    local column = long('col_', 30)
    local function define(db)
      db:define('A', { [column] = { type = T.INTEGER, unique = true }, kind = T.ENUM('x', 'y') },
        { tableName = a, timestamps = false, indexes = { { fields = { 'kind', column } } } })
      db:define('B', { [column] = { type = T.INTEGER, references = { model = 'A', key = column } },
                       kind = T.ENUM('x', 'z') },
        { tableName = b, timestamps = false, indexes = { { fields = { 'kind', column } } } })
    end
    local db = ctx.connect()
    define(db)
    db:sync()
    local names = catalog_names(ctx, db)
    local seen = {}
    for _, entry in ipairs(names) do
      local n = name_of(entry)
      assert.is_true(#n <= LIMIT or ctx.name == 'sqlite', n .. ' is ' .. #n .. ' bytes')
      assert.is_nil(seen[entry], 'two objects named ' .. entry)
      seen[entry] = true
    end
    if ctx.name == 'postgres' then
      local shortened = 0
      for _, entry in ipairs(names) do
        local n = name_of(entry)
        -- PostgreSQL names primary keys (<table>_pkey) and identity
        -- sequences (<table>_<column>_seq) itself, cutting them to fit
        if n ~= a and n ~= b and #n == LIMIT and not n:find('_pkey%d*$') and not n:find('_seq%d*$') then
          assert.is_truthy(n:match('^' .. ('.'):rep(54) .. '_%x%x%x%x%x%x%x%x$'), n)
          shortened = shortened + 1
        end
      end
      -- A: unique, index, enum type; B: index, foreign key, enum type
      assert.is_true(shortened >= 6, 'shortened names: ' .. table.concat(names, ', '))
    end
    local row = db.models.A:create{ [column] = 7, kind = 'y' }
    db.models.B:create{ [column] = row[column], kind = 'z' }
    -- the same names again, from another connection: nothing to do
    local log = dialects.logger()
    local again = ctx.connect()
    define(again)
    assert.are.same({}, again:plan{ alter = true }.steps)
    again:sync{ alter = true, logging = log.fn }
    assert.are.same({}, dialects.changes(log.statements))
    assert.are.same(names, catalog_names(ctx, again))
  end)
end)
