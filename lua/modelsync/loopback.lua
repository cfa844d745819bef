-- modelsync.loopback: db:createModel(name, properties, options), LoopBack's
-- JSON model form, turned into a define() (freezeTableName = true,
-- timestamps = false).
--
-- Properties: { type = 'String'|'Number'|'Boolean'|'Date'|'Buffer'|'Object'|
-- 'Array'|'any'|{ ... }, id = true|n, required = bool, length, precision, scale,
-- index = true | { unique = true }, default = value, postgresql = { columnName,
-- dataType, dataLength, dataPrecision, dataScale, nullable } } or just a type
-- name.  Options: idInjection, indexes, foreignKeys (composite ones too:
-- foreignKey = 'a,b', entityKey = 'x,y'; they become define()'s foreignKeys
-- option, named by their `name` or their key), postgresql = { schema, table }.  `generated = true` on an integer id makes it autoIncrement (as
-- LoopBack's SQL connectors make it SERIAL).  Properties may also be an array
-- of { name, property } pairs, which keeps their order.  Settings for other
-- connectors and LoopBack keys without a meaning here (description, hidden,
-- ...) are ignored.
--
-- Types (without postgresql.dataType): String -> TEXT (STRING(length) when a
-- length is given), Number -> INTEGER (DECIMAL(precision, scale) when a
-- precision is given), Boolean -> BOOLEAN, Date -> DATE, Buffer -> BLOB,
-- Object/Array/JSON/any -> JSON.  postgresql.dataType maps to the matching
-- DataType where there is one (so the model works on SQLite too), else to
-- T.SQL('<dataType>(<length or precision, scale>)').

local errors = require('modelsync.errors')
local datatypes = require('modelsync.datatypes')

local T = datatypes.DataTypes

local loopback = {}

local function positive(v)
  local n = math.tointeger(tonumber(v))
  if n and n > 0 then return n end
  return nil
end

-- postgresql.dataType (+ length, precision, scale) -> DataType.
local function native_type(data_type, length, precision, scale)
  local t = data_type:lower():gsub('^%s+', ''):gsub('%s+$', ''):gsub('%s+', ' ')
  local inline_args = t:match('%((.-)%)')
  local base = t:gsub('%s*%(.-%)', '')
  if inline_args then
    local a, b = inline_args:match('^%s*(%d+)%s*,?%s*(%d*)%s*$')
    if a then
      if base == 'numeric' or base == 'decimal' then
        precision, scale = positive(a), math.tointeger(tonumber(b)) or 0
      else
        length = positive(a)
      end
    end
  end
  if base == 'character varying' or base == 'varchar' then
    return length and T.STRING(length) or T.SQL('varchar')
  elseif base == 'character' or base == 'char' or base == 'bpchar' then
    return T.CHAR(length or 1)
  elseif base == 'text' then return T.TEXT
  elseif base == 'citext' then return T.CITEXT
  elseif base == 'integer' or base == 'int' or base == 'int4' then return T.INTEGER
  elseif base == 'bigint' or base == 'int8' then return T.BIGINT
  elseif base == 'smallint' or base == 'int2' then return T.SMALLINT
  elseif base == 'real' or base == 'float4' then return T.REAL
  elseif base == 'double precision' or base == 'float8' then return T.DOUBLE
  elseif base == 'numeric' or base == 'decimal' then
    if precision then return T.DECIMAL(precision, scale or 0) end
    return T.DECIMAL
  elseif base == 'boolean' or base == 'bool' then return T.BOOLEAN
  elseif base == 'timestamp with time zone' or base == 'timestamptz' then return T.DATE
  elseif base == 'date' then return T.DATEONLY
  elseif base == 'time' or base == 'time without time zone' then return T.TIME
  elseif base == 'uuid' then return T.UUID
  elseif base == 'json' then return T.JSON
  elseif base == 'jsonb' then return T.JSONB
  elseif base == 'bytea' then return T.BLOB
  end
  local sql = data_type
  if not inline_args then
    if length then sql = sql .. '(' .. length .. ')'
    elseif precision and scale then sql = sql .. '(' .. precision .. ',' .. scale .. ')'
    elseif precision then sql = sql .. '(' .. precision .. ')' end
  end
  return T.SQL(sql)
end

-- A LoopBack type name (or list) -> DataType.
local function loopback_type(name, p, where)
  if type(name) == 'table' then
    if datatypes.is(name) then return name end
    return T.JSON                       -- [ 'string' ]: an array
  end
  if type(name) ~= 'string' then
    errors.raise('E_TYPE', string.format("createModel: property type%s must be a LoopBack type name, got %s", where,
      type(name)))
  end
  local n = name:lower()
  if n == 'string' or n == 'text' then
    local length = positive(p.length)
    return length and T.STRING(length) or T.TEXT
  elseif n == 'number' then
    local precision = positive(p.precision)
    if precision then return T.DECIMAL(precision, math.tointeger(tonumber(p.scale)) or 0) end
    return T.INTEGER
  elseif n == 'boolean' then return T.BOOLEAN
  elseif n == 'date' or n == 'timestamp' then return T.DATE
  elseif n == 'buffer' then return T.BLOB
  elseif n == 'object' or n == 'array' or n == 'json' or n == 'any' or n == 'geopoint' then return T.JSON
  elseif n == 'uuid' then return T.UUID
  end
  local known = { 'String', 'Number', 'Boolean', 'Date', 'Buffer', 'Object', 'Array', 'any' }
  errors.raise('E_TYPE', string.format("createModel: unknown LoopBack type '%s'%s%s", name, where,
    errors.did_you_mean(name, known)))
end

local function nullable(v)
  if v == nil then return nil end
  if type(v) == 'boolean' then return v end
  local s = tostring(v):upper()
  if s == 'N' or s == 'NO' or s == 'FALSE' or s == '0' then return false end
  if s == 'Y' or s == 'YES' or s == 'TRUE' or s == '1' then return true end
  return nil
end

-- One LoopBack property -> define() attribute spec (+ index to add).
local function property(name, p)
  local where = string.format(" of property '%s'", name)
  if type(p) == 'string' or datatypes.is(p) or (type(p) == 'table' and p.type == nil and p[1] ~= nil) then
    p = { type = p }
  end
  if type(p) ~= 'table' then
    errors.raise('E_DEFINITION', string.format("createModel: property '%s' must be a type name or a table, got %s",
      name, type(p)))
  end
  local pg = type(p.postgresql) == 'table' and p.postgresql or {}
  local spec = {}
  if pg.dataType then
    spec.type = native_type(pg.dataType, positive(pg.dataLength or p.length), positive(pg.dataPrecision or p.precision),
      math.tointeger(tonumber(pg.dataScale or p.scale)))
  else
    local lp = { length = pg.dataLength or p.length, precision = pg.dataPrecision or p.precision,
                 scale = pg.dataScale or p.scale }
    spec.type = loopback_type(p.type or 'String', lp, where)
  end
  if pg.columnName then spec.field = pg.columnName end
  if p.id then spec.primaryKey = true end
  -- generated = true on an integer id: the database numbers the rows (as
  -- LoopBack's SQL connectors make it SERIAL / AUTO_INCREMENT).
  if p.id and p.generated == true and datatypes.family(spec.type) == 'integer' then spec.autoIncrement = true end
  if p.required == true then spec.allowNull = false end
  local n = nullable(pg.nullable)
  if n ~= nil and not p.id then spec.allowNull = n end
  if p.default ~= nil then spec.defaultValue = p.default end
  local index
  if p.index == true then
    index = { fields = { name } }
  elseif type(p.index) == 'table' then
    index = { fields = { name }, unique = p.index.unique == true or nil }
  end
  local position = type(p.id) == 'number' and p.id or (p.id and 1 or nil)
  return spec, index, position
end

-- LoopBack indexes: { name = { keys = { col = 1|-1 }, options = { unique } } }
-- or { name = { columns = 'a,b', kind = 'unique' } } or { name = 'a,b' }.
local function indexes(spec, by_column)
  local list = {}
  if type(spec) ~= 'table' then return list end
  local names = {}
  for k in pairs(spec) do names[#names + 1] = k end
  table.sort(names, function(a, b) return tostring(a) < tostring(b) end)
  for _, index_name in ipairs(names) do
    local def = spec[index_name]
    local fields, unique = {}, false
    if type(def) == 'string' then def = { columns = def } end
    if type(def) == 'table' then
      if type(def.keys) == 'table' then
        local keys = {}
        for k in pairs(def.keys) do keys[#keys + 1] = k end
        table.sort(keys)
        for _, k in ipairs(keys) do
          fields[#fields + 1] = { name = by_column[k] or k, order = def.keys[k] == -1 and 'DESC' or nil }
        end
      elseif type(def.columns) == 'string' then
        for col in def.columns:gmatch('[^,%s]+') do fields[#fields + 1] = by_column[col] or col end
      end
      local o = type(def.options) == 'table' and def.options or {}
      unique = o.unique == true or def.unique == true or (type(def.kind) == 'string' and def.kind:upper() == 'UNIQUE')
    end
    if #fields > 0 then
      list[#list + 1] = { name = type(index_name) == 'string' and index_name or nil, unique = unique or nil,
                          fields = fields }
    end
  end
  return list
end

-- A LoopBack column list: 'a,b', { 'a', 'b' } or nil -> list.
local function column_list(v)
  if type(v) == 'string' then
    local list = {}
    for col in v:gmatch('[^,%s]+') do list[#list + 1] = col end
    return list
  end
  if type(v) == 'table' then return v end
  return nil
end

-- LoopBack's foreignKeys (a map by constraint name, or a list) -> define()'s
-- foreignKeys option, in name order; nil when there are none.
local function foreign_keys_option(model_name, spec, attributes, by_column)
  if type(spec) ~= 'table' then return nil end
  local keys = {}
  for k in pairs(spec) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    if math.type(a) == 'integer' and math.type(b) == 'integer' then return a < b end
    return tostring(a) < tostring(b)
  end)
  local list = {}
  for _, k in ipairs(keys) do
    local fk = spec[k]
    if type(fk) == 'table' and fk.foreignKey and fk.entity then
      local fields = {}
      for i, col in ipairs(column_list(fk.foreignKey) or {}) do
        local attr = by_column[col] or col
        if attributes[attr] == nil then
          errors.raise('E_DEFINITION', string.format("createModel('%s'): foreign key on '%s', which is not a property",
            tostring(model_name), tostring(col)), { model = model_name })
        end
        fields[i] = attr
      end
      local entity = fk.entity
      if type(entity) == 'table' and entity.name then entity = entity.name end
      local name = fk.name
      if name == nil and type(k) == 'string' then name = k end
      list[#list + 1] = {
        name = name, fields = fields, references = { model = entity, keys = column_list(fk.entityKey) },
        onDelete = fk.onDelete, onUpdate = fk.onUpdate,
      }
    end
  end
  if #list == 0 then return nil end
  return list
end

function loopback.installConnection(DB)
  -- db:createModel(name, properties, options) -> model (as define() makes).
  function DB:createModel(name, properties, options)
    properties = properties or {}
    options = options or {}
    if type(properties) ~= 'table' then
      errors.raise('E_DEFINITION', 'createModel: properties must be a table, got ' .. type(properties))
    end
    if type(options) ~= 'table' then
      errors.raise('E_OPTION', 'createModel: options must be a table, got ' .. type(options))
    end
    local attributes, extra_indexes, keys = {}, {}, {}
    local by_column = {}
    local names = {}
    -- Properties: a map (JSON's form; columns then follow define()'s map
    -- order) or an array of { name, property } pairs, which keeps its order.
    local given_order = properties[1] ~= nil
    local by_name = properties
    if given_order then
      by_name = {}
      for i, pair in ipairs(properties) do
        if type(pair) ~= 'table' or type(pair[1]) ~= 'string' or pair[2] == nil then
          errors.raise('E_DEFINITION', string.format("createModel('%s'): property %d must be a { name, property } pair",
            tostring(name), i), { model = name })
        end
        if by_name[pair[1]] ~= nil then
          errors.raise('E_DEFINITION', string.format("createModel('%s'): property '%s' is given twice", tostring(name),
            pair[1]), { model = name })
        end
        by_name[pair[1]] = pair[2]
        names[#names + 1] = pair[1]
      end
    else
      for k in pairs(properties) do names[#names + 1] = k end
      table.sort(names, function(a, b) return tostring(a) < tostring(b) end)
    end
    for _, prop_name in ipairs(names) do
      local spec, index, position = property(prop_name, by_name[prop_name])
      attributes[prop_name] = spec
      by_column[spec.field or prop_name] = prop_name
      if index then extra_indexes[#extra_indexes + 1] = index end
      if position then keys[#keys + 1] = { name = prop_name, position = position } end
    end
    -- Composite ids keep LoopBack's positions: an ordered attribute list.
    local ordered
    if given_order then
      ordered = {}
      for _, prop_name in ipairs(names) do ordered[#ordered + 1] = { prop_name, attributes[prop_name] } end
    elseif #keys > 1 then
      table.sort(keys, function(a, b) return a.position < b.position end)
      ordered = {}
      local is_key = {}
      for _, k in ipairs(keys) do
        ordered[#ordered + 1] = { k.name, attributes[k.name] }
        is_key[k.name] = true
      end
      for _, prop_name in ipairs(names) do
        if not is_key[prop_name] then ordered[#ordered + 1] = { prop_name, attributes[prop_name] } end
      end
    end
    -- idInjection (default true): an `id` key when no property is an id.
    if #keys == 0 and options.idInjection ~= false and attributes.id == nil then
      attributes.id = { type = T.INTEGER, primaryKey = true, autoIncrement = true }
      if ordered then table.insert(ordered, 1, { 'id', attributes.id }) end
    end
    -- foreignKeys: { fkName = { name =, entity =, entityKey =, foreignKey =, onDelete =, onUpdate = } }
    -- become define()'s foreignKeys option (one shared validation); foreignKey
    -- and entityKey may list several columns ('a,b' or { 'a', 'b' }).
    local foreign_keys = foreign_keys_option(name, options.foreignKeys, attributes, by_column)
    local pg = type(options.postgresql) == 'table' and options.postgresql or {}
    local define_options = {
      freezeTableName = true,
      timestamps = false,
      tableName = pg.table,
      schema = pg.schema,
      indexes = indexes(options.indexes, by_column),
      foreignKeys = foreign_keys,
    }
    for _, index in ipairs(extra_indexes) do define_options.indexes[#define_options.indexes + 1] = index end
    if #define_options.indexes == 0 then define_options.indexes = nil end
    if type(options.hooks) == 'table' then define_options.hooks = options.hooks end
    return self:define(name, ordered or attributes, define_options)
  end
end

return loopback
