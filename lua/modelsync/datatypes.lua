-- modelsync.datatypes: the DataTypes table (T.INTEGER, T.STRING(120), ...).
--
-- Every type is a plain table { key = 'STRING', length = 255, precision =,
-- scale =, values =, sql = } with a metatable.  The bare types (T.STRING) are
-- usable as they are and can be called for arguments (T.STRING(120)); a
-- call returns a new table and never changes the bare one.  Arguments are
-- checked at once and a bad one raises E_TYPE:
--   T.STRING(-1)           length must be a positive integer
--   T.DECIMAL(4, 6)        scale greater than precision
--   T.ENUM()               ENUM needs at least one value
-- Defaults: T.NOW is the database-side current timestamp (not a type).

local errors = require('modelsync.errors')

local datatypes = {}

local type_metatable = { __name = 'modelsync.DataType' }
local bare_metatable = { __name = 'modelsync.DataType' }
local now_metatable = { __name = 'modelsync.NOW' }

-- The SQL-ish text of a type, for messages and rendering: STRING(120), DECIMAL(10,2)...
local function type_tostring(t)
  local key = t.key
  if key == 'SQL' then
    return string.format('SQL(%q)', t.sql)
  elseif key == 'ENUM' then
    local quoted = {}
    for i, v in ipairs(t.values or {}) do quoted[i] = string.format('%q', v) end
    return 'ENUM(' .. table.concat(quoted, ', ') .. ')'
  elseif key == 'DECIMAL' or key == 'FLOAT' then
    if t.precision and t.scale and key == 'DECIMAL' then
      return string.format('%s(%d,%d)', key, t.precision, t.scale)
    elseif t.precision then
      return string.format('%s(%d)', key, t.precision)
    end
    return key
  elseif t.length and (key == 'STRING' or key == 'CHAR') then
    return string.format('%s(%d)', key, t.length)
  end
  return key
end

type_metatable.__tostring = type_tostring
bare_metatable.__tostring = type_tostring
now_metatable.__tostring = function() return 'NOW' end

local function type_error(key, message)
  errors.raise('E_TYPE', string.format('T.%s: %s', key, message), { type = key })
end

local function is_integer(v)
  return math.type(v) == 'integer' or (type(v) == 'number' and v == math.floor(v) and v > -math.huge and v < math.huge)
end

-- A positive integer argument (returned as a Lua integer).
local function positive(key, what, v)
  if not is_integer(v) or v < 1 then
    type_error(key, string.format('%s must be a positive integer, got %s', what,
      type(v) == 'number' and tostring(v) or type(v)))
  end
  return math.tointeger(v)
end

local function nonnegative(key, what, v)
  if not is_integer(v) or v < 0 then
    type_error(key, string.format('%s must be a non-negative integer, got %s', what,
      type(v) == 'number' and tostring(v) or type(v)))
  end
  return math.tointeger(v)
end

-- The table form of arguments (T.DECIMAL{ precision = 10, scale = 2 }):
-- every key must be one the type takes, so a typo does not pass unseen.
local function table_arguments(key, t, allowed)
  for k in pairs(t) do
    local known = false
    for _, a in ipairs(allowed) do if a == k then known = true end end
    if not known then
      type_error(key, string.format("unknown argument '%s'%s (arguments: %s)", tostring(k),
        errors.did_you_mean(tostring(k), allowed), table.concat(allowed, ', ')))
    end
  end
  return t
end

local function make(fields)
  return setmetatable(fields, type_metatable)
end

-- Argument readers, one per family: each returns the fields of a new type.
local constructors = {}

-- Types that take no argument at all.
local function no_arguments(key)
  return function(n)
    if n > 0 then type_error(key, 'takes no arguments') end
    return { key = key }
  end
end

-- INTEGER(11): a display width (a MySQL habit) is accepted and ignored by
-- both dialects; it is validated so that a typo does not pass unseen.
local function integer_type(key)
  return function(n, a)
    if n > 1 then type_error(key, 'takes at most one argument (a display width)') end
    if n == 1 then
      if type(a) == 'table' then a = table_arguments(key, a, { 'length' }).length end
      positive(key, 'display width', a)
    end
    return { key = key }
  end
end

constructors.INTEGER = integer_type('INTEGER')
constructors.BIGINT = integer_type('BIGINT')
constructors.SMALLINT = integer_type('SMALLINT')

constructors.FLOAT = function(n, precision)
  if n > 1 then type_error('FLOAT', 'takes at most one argument (precision)') end
  if n == 0 or precision == nil then return { key = 'FLOAT' } end
  if type(precision) == 'table' then precision = table_arguments('FLOAT', precision, { 'precision' }).precision end
  return { key = 'FLOAT', precision = positive('FLOAT', 'precision', precision) }
end
constructors.REAL = no_arguments('REAL')
constructors.DOUBLE = no_arguments('DOUBLE')

constructors.DECIMAL = function(n, precision, scale)
  if n > 2 then type_error('DECIMAL', 'takes at most two arguments (precision, scale)') end
  if type(precision) == 'table' then
    table_arguments('DECIMAL', precision, { 'precision', 'scale' })
    precision, scale = precision.precision, precision.scale
  end
  if precision == nil then
    if scale ~= nil then type_error('DECIMAL', 'a scale needs a precision') end
    return { key = 'DECIMAL' }
  end
  precision = positive('DECIMAL', 'precision', precision)
  if precision > 1000 then type_error('DECIMAL', 'precision must be at most 1000, got ' .. precision) end
  scale = scale == nil and 0 or nonnegative('DECIMAL', 'scale', scale)
  if scale > precision then
    type_error('DECIMAL', string.format('scale (%d) must not be greater than precision (%d)', scale, precision))
  end
  return { key = 'DECIMAL', precision = precision, scale = scale }
end

local function string_type(key)
  return function(n, length)
    if n > 1 then type_error(key, 'takes at most one argument (length)') end
    if type(length) == 'table' then length = table_arguments(key, length, { 'length' }).length end
    if length == nil then return { key = key, length = 255 } end
    return { key = key, length = positive(key, 'length', length) }
  end
end
constructors.STRING = string_type('STRING')
constructors.CHAR = string_type('CHAR')

for _, key in ipairs({ 'TEXT', 'CITEXT', 'BOOLEAN', 'DATE', 'DATEONLY', 'TIME', 'UUID', 'JSON',
                       'JSONB', 'BLOB' }) do
  constructors[key] = no_arguments(key)
end

-- ENUM('a', 'b'), ENUM({ 'a', 'b' }) or ENUM({ values = { 'a', 'b' } }).
local function enum_values(...)
  local n = select('#', ...)
  local first = ...
  local list
  if n == 1 and type(first) == 'table' then
    list = first.values or first
    if type(list) ~= 'table' then type_error('ENUM', 'values must be a list of strings') end
  else
    list = { ... }
    for i = 1, n do
      if list[i] == nil then type_error('ENUM', string.format('value %d is nil', i)) end
    end
  end
  local values, seen = {}, {}
  local count = 0
  for k in pairs(list) do
    if k ~= 'values' and not is_integer(k) then
      type_error('ENUM', "values must be a list of strings (unexpected key '" .. tostring(k) .. "')"
        .. errors.did_you_mean(tostring(k), { 'values' }))
    end
  end
  for i, v in ipairs(list) do
    if type(v) ~= 'string' then
      type_error('ENUM', string.format('value %d must be a string, got %s', i, type(v)))
    end
    if v == '' then type_error('ENUM', string.format('value %d is empty', i)) end
    if v:find('\0', 1, true) then type_error('ENUM', string.format('value %d holds a NUL byte (\\0)', i)) end
    if seen[v] then type_error('ENUM', string.format("value '%s' is given twice", v)) end
    seen[v] = true
    count = count + 1
    values[count] = v
  end
  if count == 0 then type_error('ENUM', 'needs at least one value') end
  return values
end

constructors.ENUM = function(_, ...)
  return { key = 'ENUM', values = enum_values(...) }
end

constructors.SQL = function(n, sql)
  if n ~= 1 or type(sql) ~= 'string' or sql:match('^%s*$') then
    type_error('SQL', "takes one argument: the native type text, e.g. T.SQL('text[]')")
  end
  if sql:find('\0', 1, true) then type_error('SQL', 'the native type text holds a NUL byte (\\0)') end
  return { key = 'SQL', sql = sql }
end

bare_metatable.__call = function(bare, ...)
  local fields = constructors[bare.key](select('#', ...), ...)
  return make(fields)
end

-- Calling a type that already has its arguments is a mistake (T.STRING(10)(20)).
type_metatable.__call = function(t)
  type_error(t.key, 'already has its arguments (' .. type_tostring(t) .. ')')
end

-- The DataTypes table.
local T = {}

-- The bare types: usable as they are (T.STRING is STRING(255)).
local bare_fields = {
  STRING = { length = 255 },
  CHAR = { length = 255 },
}

for key in pairs(constructors) do
  local fields = { key = key }
  for k, v in pairs(bare_fields[key] or {}) do fields[k] = v end
  T[key] = setmetatable(fields, bare_metatable)
end

-- T.NOW: a default, the database's current timestamp.
T.NOW = setmetatable({ kind = 'now' }, now_metatable)

-- T.NOT_A_TYPE raises at once (a typo would otherwise be a silent nil).
setmetatable(T, {
  __index = function(_, key)
    local names = {}
    for k in pairs(constructors) do names[#names + 1] = k end
    names[#names + 1] = 'NOW'
    errors.raise('E_TYPE', string.format("unknown DataType T.%s%s", tostring(key),
      (errors.did_you_mean(tostring(key), names):gsub("'(%u+)'", 'T.%1'))), { type = key })
  end,
  __newindex = function(t, key, value)
    -- Extensions may add types (rawset), but never replace one.
    if rawget(t, key) ~= nil then errors.raise('E_TYPE', 'T.' .. tostring(key) .. ' cannot be replaced') end
    rawset(t, key, value)
  end,
})

datatypes.DataTypes = T
datatypes.keys = {}
for key in pairs(constructors) do datatypes.keys[#datatypes.keys + 1] = key end
table.sort(datatypes.keys)

-- true when v is a DataTypes value (bare or with arguments).
function datatypes.is(v)
  local mt = getmetatable(v)
  return mt == type_metatable or mt == bare_metatable
end

-- true when v is T.NOW.
function datatypes.isNow(v)
  return getmetatable(v) == now_metatable
end

-- true for T.ENUM used bare (no values).
function datatypes.needsValues(v)
  return v.key == 'ENUM' and (v.values == nil or #v.values == 0)
end

-- The family of a type key, for row conversion and validation.
local families = {
  INTEGER = 'integer', BIGINT = 'integer', SMALLINT = 'integer',
  FLOAT = 'float', REAL = 'float', DOUBLE = 'float',
  DECIMAL = 'decimal', BOOLEAN = 'boolean',
}
function datatypes.family(t)
  return families[t.key] or 'string'
end

-- The type in the desired-schema shape: only the fields the core reads for
-- this key, as fresh tables (the core never sees a shared DataTypes value).
function datatypes.spec(t)
  local key = t.key
  local s = { key = key }
  if key == 'STRING' or key == 'CHAR' then
    s.length = t.length or 255
  elseif key == 'DECIMAL' then
    s.precision, s.scale = t.precision, t.precision and (t.scale or 0) or nil
  elseif key == 'FLOAT' then
    s.precision = t.precision
  elseif key == 'ENUM' then
    s.values = {}
    for i, v in ipairs(t.values or {}) do s.values[i] = v end
  elseif key == 'SQL' then
    s.sql = t.sql
  end
  return s
end

-- A type from a type name given as a string ('STRING', 'integer'): nil
-- when the name is none of ours.
function datatypes.fromName(name)
  if type(name) ~= 'string' then return nil end
  local bare = rawget(T, name) or rawget(T, name:upper())
  if bare and datatypes.is(bare) then return bare end
  return nil
end

datatypes.tostring = type_tostring

-- modelsync.literal('sql'): an SQL expression used verbatim (defaults, values).
local literal_metatable = {
  __name = 'modelsync.literal',
  __tostring = function(l) return 'literal(' .. l.sql .. ')' end,
}
function datatypes.literal(sql)
  if type(sql) ~= 'string' or sql:match('^%s*$') then
    errors.raise('E_OPTION', "bad argument to literal(): expected a non-empty SQL string, got " .. type(sql))
  end
  if sql:find('\0', 1, true) then
    errors.raise('E_OPTION', 'bad argument to literal(): the SQL text holds a NUL byte (\\0)')
  end
  return setmetatable({ kind = 'literal', sql = sql }, literal_metatable)
end
function datatypes.isLiteral(v)
  return getmetatable(v) == literal_metatable
end

-- modelsync.null: SQL NULL where Lua cannot hold nil (where = { col = null },
-- values = { col = null }).
datatypes.null = setmetatable({}, {
  __name = 'modelsync.null',
  __tostring = function() return 'null' end,
  __newindex = function() error('modelsync.null is read-only', 2) end,
})
function datatypes.isNull(v)
  return rawequal(v, datatypes.null)
end

return datatypes
