-- modelsync.discover: LoopBack's discovery API over the live schema, and
-- model definitions that round-trip (DESIGN §6).
--
--   db:discoverModelDefinitions{ schema = }   -> { { name, schema, type = 'table'|'view' } }
--   db:discoverModelProperties(t, opts)       -> { { columnName, dataType, dataLength,
--                                                   dataPrecision, dataScale, nullable, default } }
--   db:discoverPrimaryKeys(t, opts)           -> { { columnName, keySeq } }
--   db:discoverForeignKeys(t, opts)           -> { { fkName, fkColumnName, pkTableName,
--                                                   pkColumnName, onDelete, onUpdate, ... } }
--   db:discoverExportedForeignKeys(t, opts)   -> the same shape, for keys that point at t
--   db:discoverIndexes(t, opts)               -> { { name, unique, constraint, columns, fields, ... } }
--   db:discoverSchemas(t, { relations = true }) -> { [modelName] = { name, attributes, options, notes } }
--   modelsync.render(defs)                    -> Lua source: load(src)(db) defines them
--
-- Everything reads `conn:introspect(schemas)` (the core's own introspection,
-- the same one every sync diffs against), so what discovery says is exactly
-- what a plan compares: define(d.name, d.attributes, d.options) for every
-- discovered model gives an empty plan{ alter = true }.
--
-- Decisions (docs/internals.md has the longer story):
--   - a model is named after its table, unchanged, with tableName set,
--     freezeTableName = true and timestamps = false: the name depends on the
--     table's name only, and nothing is added to the table;
--   - attributes are the array of { name, spec } pairs (column order kept);
--     attribute name = column name, so no `field`;
--   - a type is the DataType its canonical form stands for (VARCHAR(n) ->
--     T.STRING(n), DECIMAL(p,s), TIMESTAMPTZ -> T.DATE, ENUM values, ...),
--     else T.SQL(native text);
--   - a default is a plain Lua value when the core proves that value gives
--     the same canonical default, T.NOW for the current timestamp, else
--     modelsync.literal(native SQL);
--   - a single-column foreign key is the attribute's `references`; a
--     composite one is an entry of the `foreignKeys` option (its live name
--     kept unless it is the name the core would give it anyway);
--   - a table without a primary key gets `primaryKey = false` (no `id`);
--   - what the model language cannot express (views, triggers, CHECK
--     constraints, expression indexes, generated columns, a second foreign
--     key on the same columns) is listed in `notes`, and left alone by every
--     sync.

local errors = require('modelsync.errors')
local options = require('modelsync.options')
local datatypes = require('modelsync.datatypes')

local T = datatypes.DataTypes

local discover = {}

local OPTIONS = {
  schema = 'non-empty string', owner = 'non-empty string', relations = 'boolean',
  associations = 'boolean', views = 'boolean', all = 'boolean', logging = 'function|boolean',
}

-- --------------------------------------------------------------- reading

-- The schemas to read for these options (nil: the connection's own).
local function schemas_of(db, o, where)
  local schema = o.schema or o.owner
  if schema == nil then return nil, db._defaultSchema end
  if db.dialect == 'sqlite' then
    if schema ~= 'main' then
      errors.raise('E_OPTION', string.format("bad option 'schema'%s: SQLite has one schema ('main'), got '%s'",
        where, schema), { option = 'schema' })
    end
    return nil, nil
  end
  return { schema }, schema
end

-- The live schema: { tables = {...}, views = {...}, schema = name | nil }.
local function read_live(db, o, where)
  db:_check()
  local schemas, schema = schemas_of(db, o, where)
  local live = db:_call(o.logging, function(conn) return conn:introspect(schemas) end)
  live.schema = schema
  live.views = live.views or {}
  live.byName = {}
  for _, t in ipairs(live.tables) do live.byName[t.name] = t end
  return live
end

local function validate(o, where)
  return options.validate(o, OPTIONS, where)
end

-- The live table named t (a name, or { name =|table =, schema =|owner = }).
local function table_argument(t, o, where)
  if type(t) == 'table' then
    local copy = options.copy(o)
    copy.schema = t.schema or t.owner or o.schema or o.owner
    copy.owner = nil
    t = t.name or t.table or t.tableName
    o = copy
  end
  if type(t) ~= 'string' or t == '' then
    errors.raise('E_OPTION', string.format('%s: expected a table name, got %s', where, type(t)))
  end
  return t, o
end

local function find_table(db, live, name, where)
  local t = live.byName[name]
  if t then return t end
  for _, v in ipairs(live.views) do
    if v.name == name then
      errors.raise('E_UNKNOWN_TABLE', string.format("%s: '%s' is a view, not a table: views are not models", where, name),
        { table = name })
    end
  end
  local names = {}
  for _, x in ipairs(live.tables) do names[#names + 1] = x.name end
  errors.raise('E_UNKNOWN_TABLE', string.format("%s: no table '%s'%s%s", where, name,
    live.schema and (" in schema '" .. live.schema .. "'") or '', errors.did_you_mean(name, names)),
    { table = name, schema = live.schema })
end

-- One call: options validated, live schema read, the table found.
local function one_table(db, t, o, where)
  o = validate(o, " in " .. where .. "()")
  local name
  name, o = table_argument(t, o, where .. '()')
  local live = read_live(db, o, " in " .. where .. "()")
  return find_table(db, live, name, where .. '()'), live
end

-- ---------------------------------------------------------------- types

-- LoopBack's type name for a canonical type.
local function loopback_type(canonical)
  local key = canonical:match('^(%u+)') or ''
  if key == 'INTEGER' or key == 'BIGINT' or key == 'SMALLINT' or key == 'REAL' or key == 'DOUBLE'
      or key == 'FLOAT' or key == 'DECIMAL' then
    return 'Number'
  elseif key == 'BOOLEAN' then return 'Boolean'
  elseif key == 'TIMESTAMPTZ' or key == 'TIMESTAMP' or key == 'DATE' then return 'Date'
  elseif key == 'BLOB' then return 'Buffer'
  elseif key == 'JSON' or key == 'JSONB' then return 'Object'
  end
  return 'String'
end

-- The DataType a live column's canonical type stands for, else T.SQL(native).
local SAME = {
  INTEGER = 'INTEGER', BIGINT = 'BIGINT', SMALLINT = 'SMALLINT', REAL = 'REAL', DOUBLE = 'DOUBLE',
  FLOAT = 'FLOAT', TEXT = 'TEXT', CITEXT = 'CITEXT', BOOLEAN = 'BOOLEAN', UUID = 'UUID', JSON = 'JSON',
  JSONB = 'JSONB', BLOB = 'BLOB', TIME = 'TIME', DATE = 'DATEONLY', TIMESTAMPTZ = 'DATE', DECIMAL = 'DECIMAL',
}

local function column_type(column)
  local canonical = column.type or ''
  if canonical == 'ENUM' and column.values and #column.values > 0 then return T.ENUM(column.values) end
  if canonical == 'INTEGER' then
    -- SQLite reads the whole integer family as one type: keep the declared word
    local word = (column.nativeType or ''):upper():match('^%s*(%a+)%s*$')
    if word == 'BIGINT' or word == 'SMALLINT' then return T[word] end
  end
  if SAME[canonical] then return T[SAME[canonical]] end
  local n = canonical:match('^VARCHAR%((%d+)%)$')
  if n then return T.STRING(math.tointeger(tonumber(n))) end
  n = canonical:match('^CHAR%((%d+)%)$')
  if n then return T.CHAR(math.tointeger(tonumber(n))) end
  local p, s = canonical:match('^DECIMAL%((%d+),%s*(%d+)%)$')
  if p then return T.DECIMAL(math.tointeger(tonumber(p)), math.tointeger(tonumber(s))) end
  return T.SQL(column.nativeType or canonical)
end
discover.columnType = column_type

-- ------------------------------------------------------------- defaults

local function core()
  return require('modelsync.core')
end

local NUMERIC = { INTEGER = true, BIGINT = true, SMALLINT = true, DECIMAL = true, REAL = true, DOUBLE = true,
                  FLOAT = true }

-- Candidate plain Lua values for a native default text (most likely first).
local function default_candidates(sql, canonical_type)
  local out = {}
  if canonical_type == 'BOOLEAN' then out[1], out[2] = true, false end
  local text = sql:gsub('^%s+', ''):gsub('%s+$', '')
  -- pg: 'x'::character varying, (-1)::integer, ...: drop the casts and parentheses
  for _ = 1, 4 do
    local before = text
    text = text:gsub('::[%w_ %."]+%b()$', ''):gsub('::[%w_ %."%[%]]+$', '')
    text = text:gsub('^%((.*)%)$', '%1'):gsub('^%s+', ''):gsub('%s+$', '')
    if text == before then break end
  end
  local numbers, strings = {}, {}
  local quoted = text:match("^'(.*)'$")
  if quoted and not quoted:gsub("''", ''):find("'", 1, true) then
    local value = quoted:gsub("''", "'")
    strings[#strings + 1] = value
    local number = tonumber(value)
    if number then numbers[#numbers + 1] = math.tointeger(number) or number end
  end
  local number = tonumber(text)
  if number and text:match('^[-+]?[%d.eE+-]+$') then numbers[#numbers + 1] = math.tointeger(number) or number end
  -- numbers first for numeric columns, strings first for the others
  local first, second = strings, numbers
  if NUMERIC[(canonical_type:match('^%u+'))] then first, second = numbers, strings end
  for _, v in ipairs(first) do out[#out + 1] = v end
  for _, v in ipairs(second) do out[#out + 1] = v end
  return out
end

-- The defaultValue that gives exactly the live default (nil: none), and a
-- note when even the literal does not compare equal.
local function column_default(dialect, column)
  if column.autoIncrement or column.defaultCanonical == nil then return nil end
  local c = core()
  local canonical = column.defaultCanonical
  local ctype = column.type or 'TEXT'
  for _, v in ipairs(default_candidates(column.default or '', ctype)) do
    if c.canonicalDefault(dialect, { kind = 'value', value = v }, ctype) == canonical then return v end
  end
  if c.canonicalDefault(dialect, { kind = 'now' }, ctype) == canonical then return T.NOW end
  local sql = column.default or canonical
  local note
  if c.canonicalDefault(dialect, sql, ctype) ~= canonical then
    note = string.format("column '%s': default %s may not compare equal to its model", column.name, sql)
  end
  return datatypes.literal(sql), note
end
discover.columnDefault = column_default

-- ------------------------------------------------------------ API helpers

local function copy_list(list)
  local c = {}
  for i, v in ipairs(list or {}) do c[i] = v end
  return c
end

local function key_columns(t)
  local keys = {}
  for _, col in ipairs(t.columns) do
    if col.primaryKey then keys[#keys + 1] = col end
  end
  table.sort(keys, function(a, b) return a.primaryKey < b.primaryKey end)
  return keys
end

-- Foreign keys as LoopBack rows (one per column pair).
local function fk_rows(t, fk, schema)
  local rows = {}
  for i, column in ipairs(fk.columns) do
    rows[#rows + 1] = {
      fkName = fk.name, fkOwner = t.schema or schema, fkTableName = t.name, fkColumnName = column,
      pkOwner = fk.refSchema or t.schema or schema, pkTableName = fk.refTable, pkColumnName = fk.refColumns[i],
      keySeq = i, onDelete = fk.onDelete or 'NO ACTION', onUpdate = fk.onUpdate or 'NO ACTION',
    }
  end
  return rows
end

-- ------------------------------------------------------------ definitions

-- A readable default name for a unique group whose live name is SQLite's
-- internal one (sqlite_autoindex_* names cannot be created by hand).
local function group_name(t, ix)
  if ix.name and not ix.name:find('^sqlite_') then return ix.name end
  local cols = {}
  for _, f in ipairs(ix.fields) do cols[#cols + 1] = f.name end
  return t.name .. '_' .. table.concat(cols, '_') .. '_key'
end

-- Whether the index's columns are, in order, a subsequence of the attributes
-- in column order (what an attribute `unique = 'name'` group produces), and
-- no column is in another group already.
local function fits_group(t, ix, grouped)
  local position = {}
  for i, col in ipairs(t.columns) do position[col.name] = i end
  local last = 0
  for _, f in ipairs(ix.fields) do
    local p = f.name and position[f.name]
    if not p or p <= last or f.order == 'DESC' or grouped[f.name] then return false end
    last = p
  end
  return true
end

-- One live table -> { name, attributes, options, notes }.
local function definition(db, live, t)
  local dialect = db.dialect
  local notes = {}
  local function note(s) notes[#notes + 1] = s end
  local specs, by_name = {}, {}
  local attributes = {}
  local keys = key_columns(t)
  local ordered_keys = true
  for i, col in ipairs(keys) do
    if col.primaryKey ~= i then ordered_keys = false end
  end
  do -- the key columns must come in key order among the columns
    local n = 0
    for _, col in ipairs(t.columns) do
      if col.primaryKey then
        n = n + 1
        if col.primaryKey ~= n then ordered_keys = false end
      end
    end
  end
  if #keys > 0 and not ordered_keys then
    note('the primary key lists its columns in another order than the table: not expressible')
  end
  for _, col in ipairs(t.columns) do
    local spec = { type = column_type(col) }
    if col.primaryKey then
      spec.primaryKey = true
      if col.allowNull then
        note(string.format("column '%s': a primary key column that allows NULL (SQLite) is not expressible", col.name))
      end
    elseif not col.allowNull then
      spec.allowNull = false
    end
    if col.autoIncrement then spec.autoIncrement = true end
    local default, default_note = column_default(dialect, col)
    if default ~= nil then spec.defaultValue = default end
    if default_note then note(default_note) end
    if col.comment ~= nil then spec.comment = col.comment end
    if col.generated then
      note(string.format("column '%s' is generated (%s): not expressible, left alone", col.name, col.generated))
    end
    specs[#specs + 1] = spec
    by_name[col.name] = spec
    attributes[#attributes + 1] = { col.name, spec }
  end

  -- Foreign keys: single-column ones become references, composite ones
  -- entries of the foreignKeys option; one per list of columns (the core
  -- matches foreign keys by their columns).
  local foreign_keys, taken = {}, {}
  for _, fk in ipairs(t.foreignKeys) do
    local spec = #fk.columns == 1 and by_name[fk.columns[1]] or nil
    local columns_key = table.concat(fk.columns, '\0')
    if taken[columns_key] then
      note(string.format("foreign key %s: a second foreign key on (%s) is not expressible",
        tostring(fk.name), table.concat(fk.columns, ', ')))
    elseif #fk.columns > 1 then
      taken[columns_key] = true
      local ref = { table = fk.refTable, keys = copy_list(fk.refColumns) }
      local own = t.schema or live.schema
      if fk.refSchema and fk.refSchema ~= own then ref.schema = fk.refSchema end
      local entry = { fields = copy_list(fk.columns), references = ref }
      if fk.name and fk.name ~= t.name .. '_' .. table.concat(fk.columns, '_') .. '_fkey' then entry.name = fk.name end
      if fk.onDelete and fk.onDelete ~= 'NO ACTION' then entry.onDelete = fk.onDelete end
      if fk.onUpdate and fk.onUpdate ~= 'NO ACTION' then entry.onUpdate = fk.onUpdate end
      foreign_keys[#foreign_keys + 1] = entry
    elseif spec and spec.references == nil then
      taken[columns_key] = true
      local ref = { table = fk.refTable, key = fk.refColumns[1] }
      local own = t.schema or live.schema
      if fk.refSchema and fk.refSchema ~= own then ref.schema = fk.refSchema end
      spec.references = ref
      if fk.onDelete and fk.onDelete ~= 'NO ACTION' then spec.onDelete = fk.onDelete end
      if fk.onUpdate and fk.onUpdate ~= 'NO ACTION' then spec.onUpdate = fk.onUpdate end
    else
      note(string.format("foreign key %s on (%s) is not expressible", tostring(fk.name), table.concat(fk.columns, ', ')))
    end
  end

  -- Uniques and indexes.
  local indexes = {}
  local grouped = {}
  for _, ix in ipairs(t.indexes) do
    if ix.unmanaged then
      note(string.format('index %s is kept as it is (an expression or a form models do not declare): %s',
        tostring(ix.name), tostring(ix.definition)))
    else
      local plain = ix.where == nil and (ix.using == nil or ix.using == 'BTREE')
      if ix.constraint and ix.unique and plain and #ix.fields == 1 and ix.fields[1].order ~= 'DESC'
          and by_name[ix.fields[1].name] and by_name[ix.fields[1].name].unique == nil then
        by_name[ix.fields[1].name].unique = true
        grouped[ix.fields[1].name] = true
      elseif ix.constraint and ix.unique and plain and fits_group(t, ix, grouped) then
        local name = group_name(t, ix)
        for _, f in ipairs(ix.fields) do
          by_name[f.name].unique = name
          grouped[f.name] = true
        end
      else
        local fields = {}
        for _, f in ipairs(ix.fields) do
          if f.order == 'DESC' then
            fields[#fields + 1] = { name = f.name, order = 'DESC' }
          else
            fields[#fields + 1] = f.name
          end
        end
        local index = { fields = fields }
        if ix.name and not ix.name:find('^sqlite_') then index.name = ix.name end
        if ix.unique then index.unique = true end
        if ix.where then index.where = ix.where end
        if ix.using and ix.using ~= 'BTREE' then index.using = ix.using end
        indexes[#indexes + 1] = index
      end
    end
  end
  for _, check in ipairs(t.checks or {}) do
    note('check constraint kept as it is: ' .. check)
  end
  for _, trigger in ipairs(t.triggers or {}) do
    note('trigger kept as it is: ' .. (trigger:match('^%s*(.-)%s*$'):gsub('%s+', ' ')))
  end

  local o = { tableName = t.name, freezeTableName = true, timestamps = false }
  if t.schema and t.schema ~= db._defaultSchema then o.schema = t.schema end
  if #keys == 0 then o.primaryKey = false end
  if t.comment ~= nil then o.comment = t.comment end
  if #indexes > 0 then o.indexes = indexes end
  if #foreign_keys > 0 then o.foreignKeys = foreign_keys end
  return { name = t.name, attributes = attributes, options = o, notes = notes }
end

-- --------------------------------------------------------------- methods

function discover.installConnection(DB)
  -- db:discoverModelDefinitions{ schema =, views = true } -> tables and views, by name.
  function DB:discoverModelDefinitions(o)
    o = validate(o, ' in discoverModelDefinitions()')
    local live = read_live(self, o, ' in discoverModelDefinitions()')
    local out = {}
    for _, t in ipairs(live.tables) do
      out[#out + 1] = { name = t.name, schema = t.schema or live.schema, owner = t.schema or live.schema, type = 'table' }
    end
    if o.views ~= false then
      for _, v in ipairs(live.views) do
        out[#out + 1] = { name = v.name, schema = v.schema or live.schema, owner = v.schema or live.schema, type = 'view' }
      end
    end
    table.sort(out, function(a, b)
      if a.name ~= b.name then return a.name < b.name end
      return a.type < b.type
    end)
    return out
  end

  -- db:discoverModelProperties(t) -> columns in table order.
  function DB:discoverModelProperties(t, o)
    local tbl, live = one_table(self, t, o, 'discoverModelProperties')
    local out = {}
    for _, col in ipairs(tbl.columns) do
      local canonical = col.type or ''
      local native = col.nativeType or canonical
      local p = {
        owner = tbl.schema or live.schema, schema = tbl.schema or live.schema, tableName = tbl.name,
        columnName = col.name, dataType = (native:gsub('%s*%b()', '')), nativeType = native,
        canonicalType = canonical, type = loopback_type(canonical), nullable = col.allowNull ~= false,
        default = col.default, comment = col.comment, primaryKey = col.primaryKey,
        autoIncrement = col.autoIncrement == true, generated = col.generated,
        values = col.values and copy_list(col.values) or nil,
      }
      local length = canonical:match('^VARCHAR%((%d+)%)$') or canonical:match('^CHAR%((%d+)%)$')
      if length then p.dataLength = math.tointeger(tonumber(length)) end
      local precision, scale = canonical:match('^DECIMAL%((%d+),%s*(%d+)%)$')
      if precision then
        p.dataPrecision, p.dataScale = math.tointeger(tonumber(precision)), math.tointeger(tonumber(scale))
      end
      out[#out + 1] = p
    end
    return out
  end

  -- db:discoverPrimaryKeys(t) -> { { columnName, keySeq } } in key order.
  function DB:discoverPrimaryKeys(t, o)
    local tbl, live = one_table(self, t, o, 'discoverPrimaryKeys')
    local out = {}
    for _, col in ipairs(key_columns(tbl)) do
      out[#out + 1] = { owner = tbl.schema or live.schema, tableName = tbl.name, columnName = col.name,
                        keySeq = col.primaryKey }
    end
    return out
  end

  -- db:discoverForeignKeys(t) -> the keys of t, one row per column.
  function DB:discoverForeignKeys(t, o)
    local tbl, live = one_table(self, t, o, 'discoverForeignKeys')
    local out = {}
    for _, fk in ipairs(tbl.foreignKeys) do
      for _, row in ipairs(fk_rows(tbl, fk, live.schema)) do out[#out + 1] = row end
    end
    return out
  end

  -- db:discoverExportedForeignKeys(t) -> the keys of other tables that point at t.
  function DB:discoverExportedForeignKeys(t, o)
    local tbl, live = one_table(self, t, o, 'discoverExportedForeignKeys')
    local own = tbl.schema or live.schema
    local out = {}
    for _, other in ipairs(live.tables) do
      for _, fk in ipairs(other.foreignKeys) do
        if fk.refTable == tbl.name and (fk.refSchema or other.schema) == own then
          for _, row in ipairs(fk_rows(other, fk, live.schema)) do out[#out + 1] = row end
        end
      end
    end
    table.sort(out, function(a, b)
      if a.fkTableName ~= b.fkTableName then return a.fkTableName < b.fkTableName end
      if tostring(a.fkName) ~= tostring(b.fkName) then return tostring(a.fkName) < tostring(b.fkName) end
      return a.keySeq < b.keySeq
    end)
    return out
  end

  -- db:discoverIndexes(t) -> uniques and indexes (the primary key's excluded).
  function DB:discoverIndexes(t, o)
    local tbl, live = one_table(self, t, o, 'discoverIndexes')
    local out = {}
    for _, ix in ipairs(tbl.indexes) do
      local columns, fields = {}, {}
      for i, f in ipairs(ix.fields) do
        fields[i] = { name = f.name, order = f.order, expression = f.expression }
        columns[i] = f.name or f.expression
      end
      out[#out + 1] = {
        owner = tbl.schema or live.schema, tableName = tbl.name, name = ix.name, unique = ix.unique == true,
        constraint = ix.constraint == true, columns = columns, fields = fields, where = ix.where,
        using = ix.using, definition = ix.definition, unmanaged = ix.unmanaged == true,
      }
    end
    return out
  end

  -- db:discoverSchemas(t, { relations = true }) -> { [modelName] = { name, attributes, options, notes } }.
  -- t: a table name, a list of names, or nil for every table of the schema.
  function DB:discoverSchemas(t, o)
    if type(t) == 'table' and t[1] == nil and o == nil and (t.relations ~= nil or t.schema ~= nil
        or t.owner ~= nil or t.views ~= nil or t.logging ~= nil) and t.name == nil and t.table == nil then
      t, o = nil, t                       -- discoverSchemas{ schema = ... }: every table
    end
    o = validate(o, ' in discoverSchemas()')
    local names
    if t == nil then
      names = nil
    elseif type(t) == 'table' and t[1] ~= nil then
      names = copy_list(t)
    else
      local name
      name, o = table_argument(t, o, 'discoverSchemas()')
      names = { name }
    end
    local live = read_live(self, o, ' in discoverSchemas()')
    local wanted, order = {}, {}
    local function want(name)
      if wanted[name] then return end
      local tbl = find_table(self, live, name, 'discoverSchemas()')
      wanted[name] = tbl
      order[#order + 1] = tbl
    end
    if names == nil then
      for _, tbl in ipairs(live.tables) do want(tbl.name) end
    else
      for _, name in ipairs(names) do want(name) end
      if o.relations or o.associations then
        local i = 1
        while i <= #order do
          local tbl = order[i]
          for _, fk in ipairs(tbl.foreignKeys) do
            local own = tbl.schema or live.schema
            if (fk.refSchema or own) == own and live.byName[fk.refTable] then want(fk.refTable) end
          end
          i = i + 1
        end
      end
    end
    local out = {}
    for _, tbl in ipairs(order) do out[tbl.name] = definition(self, live, tbl) end
    -- Views are not models: they are named in the second result, left alone.
    local others = {}
    for _, v in ipairs(live.views) do
      others[#others + 1] = string.format("view '%s' is not a model: it is left alone", v.name)
    end
    return out, others
  end

  -- db:defineDiscovered(defs) -> the models, defined on this connection.
  function DB:defineDiscovered(defs)
    local names = {}
    for name in pairs(defs) do names[#names + 1] = name end
    table.sort(names)
    local models = {}
    for _, name in ipairs(names) do
      local d = defs[name]
      models[name] = self:define(d.name, d.attributes, d.options)
    end
    return models
  end
end

function discover.installModule(modelsync)
  local render = require('modelsync.render')
  modelsync.render = render.render
end

return discover
