-- Idempotence (DESIGN §4): right after any successful sync, db:plan{alter=true}
-- is empty and a further sync{alter=true} sends no DDL.  Proved on a GENERATED
-- matrix: every DataType x allowNull x default kind x column option, reached
-- three ways (force; alter adding the columns; alter changing older columns),
-- plus matrices of model options, indexes and foreign-key actions.
local modelsync = require('modelsync')
local dialects = require('support.dialects')
local T = modelsync.DataTypes
local literal = modelsync.literal

-- Every type, with a typical default (and a second one where a type has two
-- kinds of values worth checking), a literal SQL default where one is
-- portable, whether T.NOW fits, and a sample value for rows.
local TYPES = {
  { name = 'INTEGER', type = T.INTEGER, defaults = { 7, -1, 0 }, literal = '42', sample = 5 },
  { name = 'BIGINT', type = T.BIGINT, defaults = { 9007199254740993 }, literal = '42', sample = 5 },
  { name = 'SMALLINT', type = T.SMALLINT, defaults = { 3 }, literal = '1', sample = 5 },
  { name = 'FLOAT', type = T.FLOAT, defaults = { 1.5, 0.1 }, literal = '1.5', sample = 2.5 },
  { name = 'REAL', type = T.REAL, defaults = { 2.5 }, literal = '2.5', sample = 2.5 },
  { name = 'DOUBLE', type = T.DOUBLE, defaults = { 0.1, -3.75 }, literal = '0.25', sample = 2.5 },
  { name = 'DECIMAL(10,2)', type = T.DECIMAL(10, 2), defaults = { 12.5, '0.10' }, literal = '0', sample = '3.14' },
  { name = 'STRING', type = T.STRING, defaults = { 'hello', "it's", '' }, literal = "'lit'", sample = 's' },
  { name = 'STRING(40)', type = T.STRING(40), defaults = { 'x' }, literal = "'x'", sample = 's' },
  { name = 'CHAR(3)', type = T.CHAR(3), defaults = { 'abc' }, literal = "'abc'", sample = 'xyz' },
  { name = 'TEXT', type = T.TEXT, defaults = { 'long text' }, literal = "lower('ABC')", sample = 't' },
  { name = 'CITEXT', type = T.CITEXT, defaults = { 'Hi' }, literal = "'x'", sample = 'c' },
  { name = 'BOOLEAN', type = T.BOOLEAN, defaults = { true, false },
    literal = { sqlite = '1', postgres = 'true' }, sample = true },
  { name = 'DATE', type = T.DATE, defaults = { '2024-01-01 00:00:00.000 +00:00' }, now = true,
    literal = 'CURRENT_TIMESTAMP', sample = '2024-05-06 07:08:09.000 +00:00' },
  { name = 'DATEONLY', type = T.DATEONLY, defaults = { '2024-01-01' }, now = true,
    literal = 'CURRENT_DATE', sample = '2024-05-06' },
  { name = 'TIME', type = T.TIME, defaults = { '12:00:00' }, literal = 'CURRENT_TIME', sample = '10:11:12' },
  { name = 'UUID', type = T.UUID, defaults = { '00000000-0000-0000-0000-000000000000' },
    sample = '6f1c1b58-0f0e-4c2a-9d1e-3a2b1c0d9e8f' },
  { name = 'JSON', type = T.JSON, defaults = { '{"a":1}' }, literal = "'{}'", sample = '[1,2]', no_btree = true },
  { name = 'JSONB', type = T.JSONB, defaults = { '{"a":1}' }, literal = "'{}'", sample = '[1,2]' },
  { name = 'BLOB', type = T.BLOB, defaults = {}, sample = 'bytes\0\1' },
  { name = 'ENUM', type = T.ENUM('a', 'b', "c'd"), defaults = { 'b', "c'd" }, literal = "'a'", sample = 'a' },
  { name = "SQL('timestamp without time zone')", type = T.SQL('timestamp without time zone'),
    defaults = { '2024-01-01 00:00:00' }, now = true, literal = 'CURRENT_TIMESTAMP', sample = '2024-05-06 07:08:09' },
}

-- Column options crossed with every type.
local EXTRAS = { 'plain', 'unique', 'index', 'comment', 'field', 'underscored' }

local function snake(s)
  return (s:gsub('(%l)(%u)', '%1_%2'):gsub('(%d)(%u)', '%1_%2'):lower())
end

-- The default kinds of a type on a dialect: { label, defaultValue|nil }.
local function default_kinds(t, dialect)
  local kinds = { { 'none', nil } }
  for i, v in ipairs(t.defaults) do kinds[#kinds + 1] = { 'value' .. i, v } end
  if t.now then kinds[#kinds + 1] = { 'now', T.NOW } end
  local lit = t.literal
  if type(lit) == 'table' then lit = lit[dialect] end
  if lit then kinds[#kinds + 1] = { 'literal', literal(lit) } end
  return kinds
end

-- The columns of the matrix model for (type, extra): attribute name, column
-- name and spec, for every allowNull x default kind.
local function matrix_columns(t, extra, dialect, opts)
  opts = opts or {}
  local columns = {}
  for _, allow in ipairs({ true, false }) do
    for _, kind in ipairs(default_kinds(t, dialect)) do
      local tag = (allow and 'null' or 'notnull') .. '_' .. kind[1]
      local skip = opts.rows and not allow and kind[2] == nil   -- NOT NULL without default over rows
      if not skip then
        local spec = { type = t.type, allowNull = allow }
        if kind[2] ~= nil then spec.defaultValue = kind[2] end
        local attribute, column = 'v_' .. tag, 'v_' .. tag
        if extra == 'unique' then spec.unique = true end
        if extra == 'comment' then spec.comment = "comment on " .. tag .. ", it's here" end
        if extra == 'field' then
          attribute = 'v' .. tag:gsub('_(%l)', string.upper):gsub('^%l', string.upper)
          column = 'col_' .. tag
          spec.field = column
        end
        if extra == 'underscored' then
          attribute = 'v' .. tag:gsub('_(%l)', string.upper):gsub('^%l', string.upper)
          column = snake(attribute)
        end
        columns[#columns + 1] = { attribute = attribute, column = column, spec = spec, allow = allow, kind = kind[1] }
      end
    end
  end
  return columns
end

local function model_options(columns, extra)
  local options = { freezeTableName = true }
  if extra == 'underscored' then options.underscored = true end
  if extra == 'index' then
    options.indexes = {}
    for _, c in ipairs(columns) do options.indexes[#options.indexes + 1] = { fields = { c.attribute } } end
  end
  return options
end

local function attributes_of(columns)
  local attributes = {}
  for _, c in ipairs(columns) do attributes[c.attribute] = c.spec end
  return attributes
end

-- The heart of it: the plan is empty and a second sync sends no DDL.
local function assert_idempotent(db, what)
  local plan = db:plan{ alter = true }
  assert.are.equal(0, #plan.steps, what .. ': plan{alter=true} is not empty after sync:\n'
    .. dialects.describe_steps(plan.steps))
  -- SQLite may recognise its tables by their CREATE statements (connect option
  -- introspection = 'auto'): the full read of the catalog must agree.
  local previous = db:getCore():setFullIntrospection(true)
  plan = db:plan{ alter = true }
  db:getCore():setFullIntrospection(previous)
  assert.are.equal(0, #plan.steps, what .. ': plan{alter=true} (full introspection) is not empty after sync:\n'
    .. dialects.describe_steps(plan.steps))
  local log = dialects.logger()
  db:sync{ alter = true, logging = log.fn }
  local changes = dialects.changes(log)
  assert.are.equal(0, #changes, what .. ': a second sync{alter=true} sent DDL:\n' .. table.concat(changes, '\n'))
  -- statements prove the sync ran and introspected
  assert.is_true(#log.statements > 0, what .. ': the second sync logged nothing')
  local rebuild = dialects.grep(log, '^%s*INSERT%s+INTO%s+"?NEW_')
  assert.are.equal(0, #rebuild)
  -- a plain sync too
  log.clear()
  db:sync{ logging = log.fn }
  assert.are.same({}, dialects.changes(log), what .. ': a plain sync sent DDL')
end

dialects.describe('idempotence matrix', function(ctx)
  local db
  before_each(function() db = ctx.connect() end)

  for _, t in ipairs(TYPES) do
    for _, extra in ipairs(EXTRAS) do
      local impossible = t.no_btree and ctx.name == 'postgres' and (extra == 'unique' or extra == 'index')
      if not impossible then
        local what = t.name .. ' x ' .. extra

        it(what .. ': sync{force=true}, then nothing to do', function()
          local columns = matrix_columns(t, extra, ctx.name)
          db:define('Matrix', attributes_of(columns), model_options(columns, extra))
          db:sync{ force = true }
          local live = ctx.columns(db, 'Matrix')
          for _, c in ipairs(columns) do
            assert.is_not_nil(live[c.column], 'column ' .. c.column .. ' missing')
            assert.are.equal(not c.allow, live[c.column].notnull, c.column .. ' NOT NULL')
          end
          assert_idempotent(db, what .. ' (force)')
        end)

        it(what .. ': alter adding the columns to an empty table, then nothing to do', function()
          local columns = matrix_columns(t, extra, ctx.name)
          local options = model_options(columns, extra)
          db:define('Matrix', { keep = T.INTEGER }, { freezeTableName = true, underscored = options.underscored })
          db:sync{ force = true }
          db:define('Matrix', (function()
            local a = attributes_of(columns); a.keep = T.INTEGER; return a
          end)(), options)
          db:sync{ alter = true }
          assert_idempotent(db, what .. ' (alter, added, empty)')
        end)

        it(what .. ': alter adding the columns over existing rows, then nothing to do', function()
          local columns = matrix_columns(t, extra, ctx.name, { rows = true })
          local options = model_options(columns, extra)
          local Old = db:define('Matrix', { keep = T.INTEGER }, { freezeTableName = true, underscored = options.underscored })
          db:sync{ force = true }
          -- two rows; one when the columns are unique (a default would repeat)
          if extra == 'unique' then Old:create{ keep = 1 } else Old:bulkCreate{ { keep = 1 }, { keep = 2 } } end
          local attributes = attributes_of(columns)
          attributes.keep = T.INTEGER
          db:define('Matrix', attributes, options)
          db:sync{ alter = true }
          assert.are.equal(extra == 'unique' and 1 or 2, ctx.count_rows(db, 'Matrix'))
          assert_idempotent(db, what .. ' (alter, added, rows)')
        end)

        it(what .. ': alter from an older column (nullable, no default, no options), then nothing to do', function()
          local columns = matrix_columns(t, extra, ctx.name)
          local options = model_options(columns, extra)
          -- the older version: same column names, nullable, no default, no unique/index/comment
          local old_attributes, sample = {}, {}
          for _, c in ipairs(columns) do
            old_attributes[c.column] = { type = t.type }
            sample[c.column] = t.sample
          end
          local Old = db:define('Matrix', old_attributes, { freezeTableName = true, underscored = options.underscored })
          db:sync{ force = true }
          Old:create(sample)
          db:define('Matrix', attributes_of(columns), options)
          db:sync{ alter = true }
          assert.are.equal(1, ctx.count_rows(db, 'Matrix'))
          assert_idempotent(db, what .. ' (alter, changed)')
        end)
      end
    end
  end

  it('model options: timestamps x paranoid x underscored x freezeTableName x comment', function()
    local n = 0
    for _, timestamps in ipairs({ true, false }) do
      for _, paranoid in ipairs({ true, false }) do
        for _, underscored in ipairs({ true, false }) do
          for _, freeze in ipairs({ true, false }) do
            for _, comment in ipairs({ false, true }) do
              n = n + 1
              db:define('OptionModel' .. n, { someValue = T.STRING, otherValue = { type = T.INTEGER, allowNull = false } }, {
                timestamps = timestamps, paranoid = paranoid, underscored = underscored,
                freezeTableName = freeze, comment = comment and ('table ' .. n) or nil,
              })
            end
          end
        end
      end
    end
    db:sync{ force = true }
    assert.are.equal(n, #ctx.tables(db))
    assert_idempotent(db, 'model options')
  end)

  it('model options reached by alter from bare tables', function()
    local n = 0
    local defs = {}
    for _, timestamps in ipairs({ true, false }) do
      for _, paranoid in ipairs({ true, false }) do
        for _, underscored in ipairs({ true, false }) do
          n = n + 1
          defs[n] = { 'AlterOption' .. n, { timestamps = timestamps, paranoid = paranoid, underscored = underscored } }
          db:define('AlterOption' .. n, { x = T.INTEGER }, { timestamps = false, underscored = underscored })
        end
      end
    end
    db:sync{ force = true }
    for _, d in ipairs(defs) do db:define(d[1], { x = T.INTEGER }, d[2]) end
    db:sync{ alter = true }
    assert_idempotent(db, 'model options by alter')
  end)

  it('primary keys: explicit autoIncrement, STRING, BIGINT autoIncrement, UUID, composite', function()
    db:define('PkAuto', { id = { type = T.INTEGER, primaryKey = true, autoIncrement = true }, x = T.INTEGER })
    db:define('PkString', { code = { type = T.STRING(8), primaryKey = true }, x = T.INTEGER })
    db:define('PkBig', { id = { type = T.BIGINT, primaryKey = true, autoIncrement = true }, x = T.INTEGER })
    db:define('PkUuid', { id = { type = T.UUID, primaryKey = true }, x = T.INTEGER })
    db:define('PkPair', { a = { type = T.INTEGER, primaryKey = true }, b = { type = T.STRING, primaryKey = true } })
    db:sync{ force = true }
    assert_idempotent(db, 'primary keys')
  end)

  it('indexes: fields x unique x order x where x name', function()
    local n = 0
    for _, composite in ipairs({ false, true }) do
      for _, unique in ipairs({ false, true }) do
        for _, order in ipairs({ false, 'ASC', 'DESC' }) do
          for _, where in ipairs({ false, true }) do
            for _, named in ipairs({ false, true }) do
              n = n + 1
              local first = order and { name = 'a', order = order } or 'a'
              local index = { fields = composite and { first, 'b' } or { first }, unique = unique or nil }
              if where then index.where = 'b IS NOT NULL' end
              if named then index.name = 'ix_' .. n end
              db:define('Ix' .. n, { a = T.STRING, b = T.INTEGER }, { timestamps = false, freezeTableName = true,
                                                                       indexes = { index } })
            end
          end
        end
      end
    end
    db:define('IxMany', { a = T.STRING, b = T.INTEGER, c = T.TEXT }, { timestamps = false, freezeTableName = true,
      indexes = { { fields = { 'a' } }, { fields = { 'b' } }, { fields = { 'a', 'b' } }, { fields = { 'b', 'a' } },
                  { unique = true, fields = { 'c' } }, { fields = { { name = 'c', order = 'DESC' }, 'a' } } } })
    db:define('IxUniqueNames', { a = { type = T.INTEGER, unique = 'ab' }, b = { type = T.INTEGER, unique = 'ab' },
                                 c = { type = T.INTEGER, unique = true } }, { timestamps = false, freezeTableName = true })
    db:sync{ force = true }
    assert_idempotent(db, 'indexes')
  end)

  it('indexes added by alter', function()
    db:define('IxAlter', { a = T.STRING, b = T.INTEGER }, { timestamps = false, freezeTableName = true })
    db:sync{ force = true }
    db:define('IxAlter', { a = { type = T.STRING, unique = true }, b = T.INTEGER }, { timestamps = false, freezeTableName = true,
      indexes = { { fields = { 'b' } }, { name = 'ix_where', fields = { { name = 'a', order = 'DESC' } }, where = 'b > 0' } } })
    db:sync{ alter = true }
    assert_idempotent(db, 'indexes by alter')
  end)

  it('foreign keys: onDelete x onUpdate, by model and by table/key', function()
    local ACTIONS = { false, 'CASCADE', 'SET NULL', 'RESTRICT', 'NO ACTION', 'SET DEFAULT' }
    db:define('Target', { code = { type = T.STRING(10), unique = true } })
    local n = 0
    for _, on_delete in ipairs(ACTIONS) do
      for _, on_update in ipairs(ACTIONS) do
        n = n + 1
        db:define('Ref' .. n, {
          targetId = { type = T.INTEGER, references = { model = 'Target' },
                       onDelete = on_delete or nil, onUpdate = on_update or nil },
          targetCode = { type = T.STRING(10), references = { table = 'Targets', key = 'code' },
                         onDelete = on_delete or nil },
        })
      end
    end
    db:define('SelfRef', { parentId = { type = T.INTEGER, references = { model = 'SelfRef' }, onDelete = 'CASCADE' } })
    db:sync{ force = true }
    assert_idempotent(db, 'foreign keys')
  end)

  it('foreign keys added and changed by alter', function()
    db:define('Target', { x = T.INTEGER })
    db:define('Ref', { targetId = T.INTEGER, otherId = { type = T.INTEGER, references = { model = 'Target' } } })
    db:sync{ force = true }
    db:define('Ref', {
      targetId = { type = T.INTEGER, references = { model = 'Target' }, onDelete = 'SET NULL' },
      otherId = { type = T.INTEGER, references = { model = 'Target' }, onDelete = 'CASCADE', onUpdate = 'CASCADE' },
    })
    db:sync{ alter = true }
    assert_idempotent(db, 'foreign keys by alter')
  end)

  it('renamedFrom after the rename is done', function()
    db:define('Ren', { old = T.STRING })
    db:sync{ force = true }
    db:define('Ren', { new = { type = T.STRING, renamedFrom = 'old' } })
    db:sync{ alter = true }
    assert_idempotent(db, 'renamedFrom')
    -- and a renamedFrom naming a column that never existed is ignored
    db:define('Ren', { new = { type = T.STRING, renamedFrom = { 'old', 'older' } } })
    assert_idempotent(db, 'renamedFrom (stale)')
  end)

  it('ordered attributes (array form) and a model in a cycle', function()
    db:define('Ordered', { { 'z', T.INTEGER }, { 'a', { type = T.STRING, allowNull = false, defaultValue = 'q' } } })
    db:define('CycA', { bId = { type = T.INTEGER, references = { model = 'CycB' } } })
    db:define('CycB', { aId = { type = T.INTEGER, references = { model = 'CycA' }, onDelete = 'SET NULL' } })
    db:sync{ force = true }
    assert_idempotent(db, 'ordered + cycle')
  end)
end)
