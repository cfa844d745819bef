-- modelsync.model: define() and the model objects it returns.
--
-- Everything that can be checked without other models or the database is
-- checked here, at define() time: unknown options (with a suggestion), option
-- types, types and their arguments, autoIncrement, primary keys, column
-- clashes, indexes on unknown attributes, foreign-key actions.  References
-- to other models are resolved by sync.lua when a sync or a plan starts.
--
-- A model object:
--   Model.name, Model.tableName, Model.schema, Model.comment, Model.db
--   Model.attributes          array of attribute records, in column order
--   Model.rawAttributes       name -> attribute record
--   Model.primaryKeyAttributes  names, in key order
--   Model.options             the model options after defaults
--   Model._foreignKeys        the foreignKeys option read: { index, name, attributes,
--                             columns, references = { model, table, schema, keys },
--                             onDelete, onUpdate } (attribute references stay on
--                             their attributes)
-- An attribute record: { name, field, type, allowNull, defaultValue, default
-- (desired-schema shape), primaryKey, autoIncrement, unique, comment,
-- references = { model =, table =, key =, schema = }, onDelete, onUpdate,
-- renamedFrom = { ... }, timestamp = 'createdAt'|'updatedAt'|'deletedAt' }.

local errors = require('modelsync.errors')
local options = require('modelsync.options')
local datatypes = require('modelsync.datatypes')
local inflection = require('modelsync.inflection')
local hooks = require('modelsync.hooks')

local T = datatypes.DataTypes

local model = {}

-- Methods of every model; sync.lua and query.lua add theirs (see install()).
local Model = {}
model.methods = Model

local model_metatable = {
  __index = Model,
  __name = 'modelsync.model',
  __tostring = function(m)
    return string.format('modelsync model %s (%s%s)', m.name, m.schema and (m.schema .. '.') or '', m.tableName)
  end,
}

-- ------------------------------------------------------------------ options

local MODEL_OPTIONS = {
  tableName = 'non-empty string',
  freezeTableName = 'boolean',
  underscored = 'boolean',
  timestamps = 'boolean',
  createdAt = 'non-empty string|boolean',
  updatedAt = 'non-empty string|boolean',
  deletedAt = 'non-empty string|boolean',
  paranoid = 'boolean',
  schema = 'non-empty string',
  comment = 'string',
  indexes = 'table',
  hooks = 'table',
  -- primaryKey = false: the table has no primary key (define() then adds no
  -- `id`); Sequelize users get the same with Model.removeAttribute('id').
  primaryKey = 'boolean',
  -- foreignKeys = { { fields = { 'a', 'b' }, references = { model = 'X' | table = 'x',
  --   schema =, keys = { 'k1', 'k2' } }, onDelete =, onUpdate =, name = } }: foreign
  -- keys over one or more columns (keys default to the referenced model's primary key).
  foreignKeys = 'table',
}
model.OPTIONS = MODEL_OPTIONS

local ATTRIBUTE_OPTIONS = {
  type = true, allowNull = 'boolean', defaultValue = true, primaryKey = 'boolean',
  autoIncrement = 'boolean', unique = 'boolean|non-empty string', field = 'non-empty string',
  comment = 'string', references = true, onDelete = 'string', onUpdate = 'string',
  renamedFrom = true, values = 'table',
}
model.ATTRIBUTE_OPTIONS = ATTRIBUTE_OPTIONS

local INDEX_OPTIONS = {
  name = 'non-empty string', unique = 'boolean', fields = 'table', where = 'string', using = 'non-empty string',
}

local REFERENCE_OPTIONS = {
  model = true, table = 'non-empty string', key = 'non-empty string', schema = 'non-empty string',
}

local FOREIGN_KEY_OPTIONS = {
  fields = 'table|non-empty string', references = true, onDelete = 'string', onUpdate = 'string',
  name = 'non-empty string',
}

local FOREIGN_KEY_REFERENCE_OPTIONS = {
  model = true, table = 'non-empty string', schema = 'non-empty string', keys = 'table|non-empty string',
}

local ACTIONS = { CASCADE = true, ['SET NULL'] = true, ['SET DEFAULT'] = true, RESTRICT = true, ['NO ACTION'] = true }

-- true when v is a string holding a NUL byte.  define() checks every name and
-- text with it first, and builds the message of options.no_nul (and the
-- error's fields) only for one that fails: define() reads every attribute of
-- every model, and those strings would cost more than the checks.
local function has_nul(v)
  return type(v) == 'string' and v:find('\0', 1, true) ~= nil
end

local NAMED_OPTIONS = { 'tableName', 'schema', 'comment', 'createdAt', 'updatedAt', 'deletedAt' }
local STAMP_OPTIONS = { 'createdAt', 'updatedAt', 'deletedAt' }

-- Raises E_OPTION for model option key (validateOptions below).
local function refuse_option(where, fields, key, message)
  local f = { option = key }
  if fields then for k, v in pairs(fields) do f[k] = v end end
  errors.raise('E_OPTION', string.format("option '%s'%s %s", key, where or '', message), f)
end

-- Validates model options (define()'s third argument, or connect's `define`):
-- keys, types, and the combinations one options table cannot mean.
function model.validateOptions(opts, where, fields)
  options.validate(opts, MODEL_OPTIONS, where, nil, fields)
  if opts then
    for _, key in ipairs(NAMED_OPTIONS) do
      if opts[key] ~= nil and has_nul(opts[key]) then
        options.no_nul(opts[key], string.format("option '%s'%s", key, where or ''), fields)
      end
    end
    if opts.primaryKey == true then
      refuse_option(where, fields, 'primaryKey', "can only be false (a table without a primary key): mark the key attributes with primaryKey = true")
    end
    if opts.foreignKeys ~= nil and not (fields and fields.model) then
      refuse_option(where, fields, 'foreignKeys', "names the columns of one model: give it in that model's define()")
    end
    if type(opts.deletedAt) == 'string' and opts.paranoid ~= true then
      refuse_option(where, fields, 'deletedAt', "names the column of paranoid deletes, but paranoid is not true (add paranoid = true)")
    end
    if opts.paranoid == true and opts.deletedAt == false then
      refuse_option(where, fields, 'deletedAt', "is false, but paranoid = true needs that column")
    end
    if opts.timestamps == false then
      for _, key in ipairs({ 'createdAt', 'updatedAt' }) do
        if type(opts[key]) == 'string' or opts[key] == true then
          refuse_option(where, fields, key, "names a timestamp column, but timestamps = false (drop one of the two)")
        end
      end
    end
    local names = {}
    for _, key in ipairs(STAMP_OPTIONS) do
      local v = opts[key]
      if type(v) == 'string' then
        if names[v] then
          refuse_option(where, fields, key, string.format("and option '%s' both name the column '%s'", names[v], v))
        end
        names[v] = key
      end
    end
  end
  if opts and opts.hooks ~= nil then
    local registry = hooks.registry()
    local owner = fields and fields.model and string.format("model '%s'", fields.model)
      or ((where or ''):gsub('^ in ', ''))
    hooks.fromOptions(registry, hooks.MODEL, owner, opts.hooks)
  end
  return opts
end

local function definition_error(m, message, fields)
  local f = { model = m.name, table = m.tableName }
  if fields then for k, v in pairs(fields) do f[k] = v end end
  errors.raise('E_DEFINITION', message, f)
end

-- ---------------------------------------------------------------- attributes

-- Where an attribute's problems are reported, and the fields of their
-- errors: built when there is one (see has_nul).
local function attribute_where(m, name)
  return string.format(" in attribute '%s' of model '%s'", name, m.name)
end

local function attribute_fields(m, name)
  return { model = m.name, attribute = name, table = m.tableName }
end

-- The type of an attribute spec: a DataTypes value, or a known type name.
local function resolve_type(m, name, t, values)
  if values == nil and datatypes.is(t) and t.key ~= 'ENUM' then return t end   -- the usual case
  local where = string.format(" in attribute '%s'", name)
  if t == nil then
    errors.raise('E_TYPE', string.format("attribute '%s' of model '%s' has no type (e.g. type = T.STRING)", name, m.name),
      { model = m.name, attribute = name })
  end
  if type(t) == 'string' then
    local named = datatypes.fromName(t)
    if not named then
      local suggestion = errors.suggest(t, datatypes.keys)
      errors.raise('E_TYPE', string.format("unknown type '%s'%s of model '%s'%s; use T.SQL('%s') for a native type",
        t, where, m.name, suggestion and string.format(" (did you mean T.%s?)", suggestion) or '', t),
        { model = m.name, attribute = name })
    end
    t = named
  end
  if not datatypes.is(t) then
    if type(t) == 'table' and t.key == nil and next(t) == nil then
      errors.raise('E_TYPE', string.format("unknown type (an empty table)%s of model '%s'", where, m.name),
        { model = m.name, attribute = name })
    end
    errors.raise('E_TYPE', string.format("unknown type%s of model '%s': expected a DataTypes value (T.STRING, T.INTEGER, ..., T.SQL('native')), got %s",
      where, m.name, datatypes.isNow(t) and 'T.NOW (a default, not a type)' or type(t)),
      { model = m.name, attribute = name })
  end
  if values ~= nil then
    if t.key ~= 'ENUM' then
      errors.raise('E_OPTION', string.format("option 'values'%s of model '%s' is for T.ENUM only (the type is %s)",
        where, m.name, tostring(t)), { model = m.name, attribute = name, option = 'values' })
    end
    t = T.ENUM(values)
  end
  if datatypes.needsValues(t) then
    errors.raise('E_TYPE', string.format("attribute '%s' of model '%s': ENUM needs its values (T.ENUM('a', 'b'))",
      name, m.name), { model = m.name, attribute = name })
  end
  return t
end

-- The desired-schema default for a defaultValue.
local function resolve_default(m, name, value)
  local t = type(value)
  -- Plain values first (the usual defaults): none is null, NOW or a literal.
  if t == 'string' or t == 'boolean' or (t == 'number' and value == value and value ~= math.huge and value ~= -math.huge) then
    return { kind = 'value', value = value }
  end
  if value == nil or datatypes.isNull(value) then return nil end
  if datatypes.isNow(value) then return { kind = 'now' } end
  if datatypes.isLiteral(value) then return { kind = 'literal', sql = value.sql } end
  options.bad('defaultValue', "a string, number, boolean, T.NOW or modelsync.literal('sql')", value,
    string.format(" in attribute '%s' of model '%s'", name, m.name), { model = m.name, attribute = name, table = m.tableName })
end

local REFERENCE_NAMES = { 'table', 'key', 'schema' }

-- Normalises references = 'Model' | Model | { model|table, key, schema }.
local function resolve_references(m, name, ref)
  local where = string.format(" in attribute '%s' of model '%s'", name, m.name)
  local fields = { model = m.name, attribute = name, table = m.tableName }
  if type(ref) == 'string' then
    return { model = ref }
  elseif getmetatable(ref) == model_metatable then
    return { model = ref }
  elseif type(ref) ~= 'table' then
    options.bad('references', "a model name, a model or a table { model|table =, key = }", ref, where, fields)
  end
  options.known(ref, REFERENCE_OPTIONS, where, 'references.', fields)
  for key, kinds in pairs(REFERENCE_OPTIONS) do
    if kinds ~= true then options.expect(ref[key], kinds, 'references.' .. key, where, fields) end
  end
  local target = ref.model
  if target ~= nil and type(target) ~= 'string' and getmetatable(target) ~= model_metatable then
    options.bad('references.model', 'a model name or a model', target, where, fields)
  end
  if target == '' then options.bad('references.model', 'a non-empty model name', target, where, fields) end
  if (target == nil) == (ref.table == nil) then
    errors.raise('E_DEFINITION', string.format("references%s needs exactly one of 'model' and 'table'", where), fields)
  end
  for _, key in ipairs(REFERENCE_NAMES) do
    if has_nul(ref[key]) then
      options.no_nul(ref[key], string.format("option 'references.%s'%s", key, where), fields)
    end
  end
  return { model = target, table = ref.table, key = ref.key, schema = ref.schema }
end

-- A foreign-key action in the SQL words the core takes ('set_null' ->
-- 'SET NULL'), or nil when value is not one.
local function normal_action(value)
  local upper = value:upper():gsub('^%s+', ''):gsub('%s+$', ''):gsub('%s+', ' '):gsub('_', ' ')
  if ACTIONS[upper] then return upper end
  return nil
end

local function resolve_action(m, name, key, value)
  if value == nil then return nil end
  local upper = normal_action(value)
  if not upper then
    errors.raise('E_OPTION', string.format("bad option '%s' in attribute '%s' of model '%s': expected one of CASCADE, SET NULL, SET DEFAULT, RESTRICT, NO ACTION, got '%s'",
      key, name, m.name, value), { model = m.name, attribute = name, option = key, table = m.tableName })
  end
  return upper
end

local function resolve_renamed(m, name, value)
  if value == nil then return nil end
  local where = string.format(" in attribute '%s' of model '%s'", name, m.name)
  if type(value) == 'string' then
    if value == '' then options.bad('renamedFrom', 'a former column name', value, where, { model = m.name }) end
    options.no_nul(value, string.format("option 'renamedFrom'%s", where), { model = m.name, attribute = name })
    return { value }
  end
  if type(value) ~= 'table' then
    options.bad('renamedFrom', 'a string or a list of strings', value, where, { model = m.name, attribute = name })
  end
  local list = {}
  for i, v in ipairs(value) do
    if type(v) ~= 'string' or v == '' then
      options.bad('renamedFrom[' .. i .. ']', 'a former column name', v, where, { model = m.name, attribute = name })
    end
    options.no_nul(v, string.format("option 'renamedFrom'%s", where), { model = m.name, attribute = name })
    list[i] = v
  end
  return list
end

local ATTRIBUTE_TEXTS = { 'field', 'comment', 'unique' }

-- An empty table that nothing ever writes to, shared wherever one is read
-- (the options of a bare type, a model without timestamps): define() runs
-- for every model, and a table each time would add up.
local EMPTY = {}

-- One attribute spec (a DataTypes value, a type name or an options table) -> record.
-- Messages and error fields are built only for a spec that fails a check.
local function read_attribute(m, name, spec)
  if type(name) ~= 'string' or name == '' then
    definition_error(m, string.format("model '%s': attribute names must be non-empty strings, got %s", m.name,
      type(name) == 'string' and "''" or type(name)))
  end
  if name:find('\0', 1, true) then
    options.no_nul(name, string.format("the name of attribute %q of model '%s'", name, m.name), { model = m.name })
  end
  local spec_type
  local is_type = datatypes.is(spec)
  if is_type and spec.key ~= 'ENUM' then
    -- A bare type (most attributes): nothing else to resolve or check.
    return {
      name = name, type = spec, allowNull = nil, defaultValue = nil, default = nil,
      primaryKey = false, autoIncrement = false, field = nil,
    }
  elseif is_type or type(spec) == 'string' then
    spec_type, spec = spec, EMPTY
  elseif type(spec) ~= 'table' then
    errors.raise('E_DEFINITION', string.format("attribute '%s' of model '%s' must be a DataTypes value or a table of options, got %s",
      name, m.name, type(spec)), { model = m.name, attribute = name })
  else
    spec_type = spec.type
    if not options.valid(spec, ATTRIBUTE_OPTIONS) then
      options.validate(spec, ATTRIBUTE_OPTIONS, attribute_where(m, name), nil, attribute_fields(m, name))
    end
    if (spec.field ~= nil or spec.comment ~= nil or spec.unique ~= nil)
        and (has_nul(spec.field) or has_nul(spec.comment) or has_nul(spec.unique)) then
      for _, key in ipairs(ATTRIBUTE_TEXTS) do
        options.no_nul(spec[key], string.format("option '%s'%s", key, attribute_where(m, name)),
          attribute_fields(m, name))
      end
    end
    if type(spec.defaultValue) == 'string' and has_nul(spec.defaultValue) then
      options.no_nul(spec.defaultValue, string.format("the defaultValue of attribute '%s' of model '%s'", name, m.name),
        attribute_fields(m, name))
    end
  end
  -- Resolved in this order, so that the first problem is the one reported.
  -- (each only when given: most attributes give few of them)
  local t = resolve_type(m, name, spec_type, spec.values)
  local default = spec.defaultValue ~= nil and resolve_default(m, name, spec.defaultValue) or nil
  local references = spec.references ~= nil and resolve_references(m, name, spec.references) or nil
  local on_delete = spec.onDelete ~= nil and resolve_action(m, name, 'onDelete', spec.onDelete) or nil
  local on_update = spec.onUpdate ~= nil and resolve_action(m, name, 'onUpdate', spec.onUpdate) or nil
  local renamed = spec.renamedFrom ~= nil and resolve_renamed(m, name, spec.renamedFrom) or nil
  -- The fields most attributes have, in one table of their size (a model
  -- keeps every record); the rarer ones are added when given.
  local a = {
    name = name, type = t, allowNull = spec.allowNull, defaultValue = spec.defaultValue, default = default,
    primaryKey = spec.primaryKey == true, autoIncrement = spec.autoIncrement == true, field = spec.field,
  }
  if spec.unique ~= nil then a.unique = spec.unique end
  if spec.comment ~= nil then a.comment = spec.comment end
  if references ~= nil then a.references = references end
  if on_delete ~= nil then a.onDelete = on_delete end
  if on_update ~= nil then a.onUpdate = on_update end
  if renamed ~= nil then a.renamedFrom = renamed end
  if (a.onDelete or a.onUpdate) and not a.references then
    errors.raise('E_DEFINITION', string.format("attribute '%s' of model '%s' has %s but no references", name, m.name,
      a.onDelete and 'onDelete' or 'onUpdate'), attribute_fields(m, name))
  end
  if a.primaryKey and a.allowNull == true then
    errors.raise('E_DEFINITION', string.format("attribute '%s' of model '%s' is a primary key: it cannot allow NULL",
      name, m.name), attribute_fields(m, name))
  end
  if a.type.key == 'ENUM' and a.default and a.default.kind == 'value' then
    local ok = false
    for _, v in ipairs(a.type.values) do if v == a.defaultValue then ok = true end end
    if not ok then
      errors.raise('E_DEFINITION', string.format("attribute '%s' of model '%s': default '%s' is not one of the ENUM values",
        name, m.name, tostring(a.defaultValue)), attribute_fields(m, name))
    end
  end
  return a
end

-- The attribute list from a map or an array of { name, spec } pairs; also
-- tells whether the order was given, and maps names to records.
local function read_attributes(m, attributes)
  if attributes == nil then return {}, false, {} end
  if type(attributes) ~= 'table' then
    errors.raise('E_DEFINITION', string.format("define('%s'): attributes must be a table, got %s", m.name,
      type(attributes)), { model = m.name })
  end
  local list = {}
  if attributes[1] ~= nil then
    local count = 0
    for k in pairs(attributes) do
      count = count + 1
      if math.type(k) ~= 'integer' then
        errors.raise('E_DEFINITION', string.format("define('%s'): attributes mix an array of { name, spec } pairs with the key '%s'",
          m.name, tostring(k)), { model = m.name })
      end
    end
    if count ~= #attributes then
      errors.raise('E_DEFINITION', string.format("define('%s'): the array of attributes has holes", m.name), { model = m.name })
    end
    local by_name = {}
    for i, pair in ipairs(attributes) do
      if type(pair) ~= 'table' or type(pair[1]) ~= 'string' or pair[2] == nil or pair[3] ~= nil then
        errors.raise('E_DEFINITION', string.format("define('%s'): attribute %d must be a { name, spec } pair", m.name, i),
          { model = m.name })
      end
      if by_name[pair[1]] then
        errors.raise('E_DEFINITION', string.format("define('%s'): attribute '%s' is given twice", m.name, pair[1]),
          { model = m.name, attribute = pair[1] })
      end
      local a = read_attribute(m, pair[1], pair[2])
      by_name[a.name] = a
      list[i] = a
    end
    return list, true, by_name
  end
  local names = {}
  for k in pairs(attributes) do
    if type(k) ~= 'string' then
      errors.raise('E_DEFINITION', string.format("define('%s'): attribute names must be strings, got %s", m.name, type(k)),
        { model = m.name })
    end
    names[#names + 1] = k
  end
  table.sort(names)
  local by_name = {}
  for i, name in ipairs(names) do
    local a = read_attribute(m, name, attributes[name])
    by_name[name] = a
    list[i] = a
  end
  return list, false, by_name
end

-- ------------------------------------------------------------------ indexes

local function resolve_field(m, name)
  local a = m.rawAttributes[name]
  if a then return a.field end
  for _, attr in ipairs(m.attributes) do
    if attr.field == name then return attr.field end
  end
  return nil
end

local function attribute_names(m)
  local names = {}
  for _, a in ipairs(m.attributes) do names[#names + 1] = a.name end
  return names
end

local INDEX_TEXTS = { 'name', 'where', 'using' }
local INDEX_FIELD_OPTIONS = { name = true, attribute = true, order = true }

local function index_where(m, i)
  return string.format(" in index %d of model '%s'", i, m.name)
end

local function read_index(m, i, spec)
  local fields = { model = m.name, table = m.tableName }
  if type(spec) ~= 'table' then
    errors.raise('E_OPTION', string.format("bad option 'indexes[%d]' in model '%s': expected table, got %s", i, m.name,
      type(spec)), fields)
  end
  -- where is built for messages only (see has_nul).
  local where
  if not options.valid(spec, INDEX_OPTIONS) then
    where = index_where(m, i)
    options.validate(spec, INDEX_OPTIONS, where, nil, fields)
  end
  if has_nul(spec.name) or has_nul(spec.where) or has_nul(spec.using) then
    where = where or index_where(m, i)
    for _, key in ipairs(INDEX_TEXTS) do
      options.no_nul(spec[key], string.format("option '%s'%s", key, where), fields)
    end
  end
  if spec.fields == nil or #spec.fields == 0 then
    errors.raise('E_DEFINITION', string.format("index %d of model '%s' needs 'fields' (a list of attribute names)", i, m.name),
      fields)
  end
  local parts = {}
  for j, f in ipairs(spec.fields) do
    local name, order
    if type(f) == 'string' then
      name = f
    elseif type(f) == 'table' then
      where = where or index_where(m, i)
      options.known(f, INDEX_FIELD_OPTIONS, where, 'fields[' .. j .. '].', fields)
      name = f.name or f.attribute
      order = f.order
      if type(name) ~= 'string' then options.bad('fields[' .. j .. '].name', 'string', name, where, fields) end
      if order ~= nil then
        if type(order) ~= 'string' or (order:upper() ~= 'ASC' and order:upper() ~= 'DESC') then
          options.bad('fields[' .. j .. '].order', "'ASC' or 'DESC'", order, where, fields)
        end
        order = order:upper()
      end
    else
      options.bad('fields[' .. j .. ']', 'an attribute name or { name =, order = }', f, where or index_where(m, i),
        fields)
    end
    local field = resolve_field(m, name)
    if not field then
      errors.raise('E_DEFINITION', string.format("index %d of model '%s' names '%s', which is not an attribute%s",
        i, m.name, name, errors.did_you_mean(name, attribute_names(m))),
        { model = m.name, attribute = name, table = m.tableName })
    end
    for k = 1, j - 1 do
      if parts[k].name == field then
        errors.raise('E_DEFINITION', string.format("index %d of model '%s' names attribute '%s' twice", i, m.name, name),
          { model = m.name, attribute = name })
      end
    end
    -- (tables of the fields they have: a model keeps them)
    parts[j] = order and { name = field, order = order } or { name = field }
  end
  local index = { unique = spec.unique == true, constraint = false, fields = parts }
  if spec.name ~= nil then index.name = spec.name end
  if spec.where ~= nil then index.where = spec.where end
  if spec.using ~= nil then index.using = spec.using:upper() end
  return index
end

-- -------------------------------------------------------------- foreign keys

-- A list option given as one string or a list of non-empty strings -> list.
local function name_list(value, path, where, fields)
  if type(value) == 'string' then return { value } end
  local list = {}
  for k in pairs(value) do
    if math.type(k) ~= 'integer' or k < 1 or k > #value then
      options.bad(path, 'a list of names', value, where, fields)
    end
  end
  for j, v in ipairs(value) do
    if type(v) ~= 'string' or v == '' then options.bad(path .. '[' .. j .. ']', 'a non-empty string', v, where, fields) end
    options.no_nul(v, string.format("option '%s[%d]'%s", path, j, where), fields)
    list[j] = v
  end
  return list
end

-- One entry of the foreignKeys option -> { name, attributes, columns,
-- references = { model, table, schema, keys }, onDelete, onUpdate }.  What
-- needs the referenced model (its keys, their count and types) is checked by
-- sync.lua when a sync or a plan starts.
local function read_foreign_key(m, i, spec)
  local path = 'foreignKeys[' .. i .. ']'
  local where = string.format(" in model '%s'", m.name)
  local fields = { model = m.name, table = m.tableName, option = path }
  if type(spec) ~= 'table' then options.bad(path, 'table', spec, where, fields) end
  options.validate(spec, FOREIGN_KEY_OPTIONS, where, path .. '.', fields)
  options.no_nul(spec.name, string.format("option '%s.name'%s", path, where), fields)
  if spec.fields == nil then
    errors.raise('E_DEFINITION', string.format("foreign key %d of model '%s' needs 'fields' (the attributes that reference)",
      i, m.name), fields)
  end
  local names = name_list(spec.fields, path .. '.fields', where, fields)
  if #names == 0 then
    errors.raise('E_DEFINITION', string.format("foreign key %d of model '%s' has an empty 'fields' list", i, m.name), fields)
  end
  local attributes, columns = {}, {}
  for j, name in ipairs(names) do
    local a = m.rawAttributes[name] or m._fields[name]
    if not a then
      errors.raise('E_DEFINITION', string.format("foreign key %d of model '%s' names '%s', which is not an attribute%s",
        i, m.name, name, errors.did_you_mean(name, attribute_names(m))),
        { model = m.name, attribute = name, table = m.tableName })
    end
    for k = 1, j - 1 do
      if columns[k] == a.field then
        errors.raise('E_DEFINITION', string.format("foreign key %d of model '%s' names attribute '%s' twice", i, m.name, name),
          { model = m.name, attribute = name, table = m.tableName })
      end
    end
    attributes[j], columns[j] = a.name, a.field
  end
  local ref = spec.references
  if ref == nil then
    errors.raise('E_DEFINITION', string.format("foreign key %d of model '%s' needs 'references' ({ model|table =, keys = })",
      i, m.name), fields)
  end
  if type(ref) == 'string' or getmetatable(ref) == model_metatable then ref = { model = ref } end
  if type(ref) ~= 'table' then
    options.bad(path .. '.references', 'a model name, a model or a table { model|table =, keys = }', ref, where, fields)
  end
  options.validate(ref, FOREIGN_KEY_REFERENCE_OPTIONS, where, path .. '.references.', fields)
  local target = ref.model
  if target ~= nil and (type(target) ~= 'string' or target == '') and getmetatable(target) ~= model_metatable then
    options.bad(path .. '.references.model', 'a model name or a model', target, where, fields)
  end
  if (target == nil) == (ref.table == nil) then
    errors.raise('E_DEFINITION', string.format("option '%s.references'%s needs exactly one of 'model' and 'table'", path,
      where), fields)
  end
  for _, key in ipairs({ 'table', 'schema' }) do
    options.no_nul(ref[key], string.format("option '%s.references.%s'%s", path, key, where), fields)
  end
  local keys
  if ref.keys ~= nil then
    keys = name_list(ref.keys, path .. '.references.keys', where, fields)
    if #keys ~= #columns then
      errors.raise('E_DEFINITION', string.format("foreign key %d of model '%s' has %d field%s but %d referenced key%s",
        i, m.name, #columns, #columns == 1 and '' or 's', #keys, #keys == 1 and '' or 's'), fields)
    end
  end
  local actions = {}
  for _, key in ipairs({ 'onDelete', 'onUpdate' }) do
    if spec[key] ~= nil then
      actions[key] = normal_action(spec[key])
      if not actions[key] then
        errors.raise('E_OPTION', string.format("bad option '%s.%s'%s: expected one of CASCADE, SET NULL, SET DEFAULT, RESTRICT, NO ACTION, got '%s'",
          path, key, where, spec[key]), { model = m.name, table = m.tableName, option = path .. '.' .. key })
      end
    end
  end
  return {
    index = i, name = spec.name, attributes = attributes, columns = columns,
    references = { model = target, table = ref.table, schema = ref.schema, keys = keys },
    onDelete = actions.onDelete, onUpdate = actions.onUpdate,
  }
end

-- ------------------------------------------------------------------- define

-- The name of a timestamp attribute: nil when disabled.
local function timestamp_name(value, default)
  if value == false then return nil end
  if value == nil or value == true then return default end
  return value
end

-- db:define(name, attributes, options) -> model.  db is the connection
-- object of init.lua (db.options.define holds defaults for every model).
function model.define(db, name, attributes, opts)
  if type(name) ~= 'string' or name == '' then
    errors.raise('E_DEFINITION', string.format('define(): the model name must be a non-empty string, got %s',
      type(name) == 'string' and "''" or type(name)))
  end
  local where = string.format(" in model '%s'", name)
  model.validateOptions(opts, where, { model = name })
  -- Connection-level defaults (validated at connect time), the model's own options win.
  local defaults = db and db.options and db.options.define or EMPTY
  local o = {}
  for k, v in pairs(defaults) do if k ~= 'hooks' then o[k] = v end end
  for k, v in pairs(opts or EMPTY) do if k ~= 'hooks' then o[k] = v end end

  local m = setmetatable({
    name = name,
    db = db,
    options = o,
    schema = o.schema,
    comment = o.comment,
    attributes = nil,          -- these three are set once the columns are known
    rawAttributes = nil,
    _fields = nil,
    primaryKeyAttributes = {},
    _hooks = hooks.registry(),
    _indexes = {},
    _timestamps = {},
  }, model_metatable)
  if o.tableName then
    m.tableName = o.tableName
  elseif o.freezeTableName then
    m.tableName = name
  else
    m.tableName = inflection.tableName(name, o.underscored)
  end

  local list, ordered, by_name = read_attributes(m, attributes)

  -- Timestamps: user attributes of the same name are merged into them.
  local stamps = EMPTY
  if o.timestamps ~= false or o.paranoid then stamps = {} end
  if o.timestamps ~= false then
    stamps[#stamps + 1] = { kind = 'createdAt', name = timestamp_name(o.createdAt, 'createdAt'), allowNull = false }
    stamps[#stamps + 1] = { kind = 'updatedAt', name = timestamp_name(o.updatedAt, 'updatedAt'), allowNull = false }
  end
  if o.paranoid then
    stamps[#stamps + 1] = { kind = 'deletedAt', name = timestamp_name(o.deletedAt, 'deletedAt'), allowNull = true }
  end
  local stamp_records = stamps == EMPTY and EMPTY or {}
  for _, s in ipairs(stamps) do
    if s.name then
      local a = by_name[s.name]
      if a then
        a.timestamp = s.kind
        if a.allowNull == nil then a.allowNull = s.allowNull end
      else
        a = { name = s.name, type = T.DATE, allowNull = s.allowNull, timestamp = s.kind, primaryKey = false,
              autoIncrement = false }
      end
      stamp_records[#stamp_records + 1] = a
      m._timestamps[s.kind] = s.name
    end
  end

  -- Column order: the array's order, else primary keys then the rest by name;
  -- timestamps last (in the array form, where the user put them).
  local columns
  local has_key = false
  for _, a in ipairs(list) do if a.primaryKey then has_key = true end end
  -- primaryKey = false (the model's own option) and a key attribute contradict;
  -- as a connection default it only stops the `id` being added.
  if has_key and opts and opts.primaryKey == false then
    for _, a in ipairs(list) do
      if a.primaryKey then
        definition_error(m, string.format("model '%s' has primaryKey = false, but attribute '%s' is primaryKey = true (drop one of the two)",
          name, a.name), { attribute = a.name, option = 'primaryKey' })
      end
    end
  end
  local add_id = not has_key and o.primaryKey ~= false
  if add_id then
    if by_name.id then
      definition_error(m, string.format("model '%s' has an attribute 'id' that is not marked primaryKey = true, and no other primary key",
        name), { attribute = 'id' })
    end
  end
  local id = add_id and { name = 'id', type = T.INTEGER, allowNull = false, primaryKey = true, autoIncrement = true,
                          field = 'id' } or nil
  if ordered then
    -- user-declared timestamps stay where they were given; the list is
    -- the columns (no copy of it)
    columns = list
    if id then table.insert(columns, 1, id) end
    for _, a in ipairs(stamp_records) do
      if not by_name[a.name] then columns[#columns + 1] = a end
    end
  else
    columns = { id }
    local is_stamp = EMPTY
    if #stamp_records > 0 then
      is_stamp = {}
      for _, a in ipairs(stamp_records) do is_stamp[a] = true end
    end
    for _, a in ipairs(list) do
      if a.primaryKey and not is_stamp[a] then columns[#columns + 1] = a end
    end
    for _, a in ipairs(list) do
      if not a.primaryKey and not is_stamp[a] then columns[#columns + 1] = a end
    end
    for _, a in ipairs(stamp_records) do columns[#columns + 1] = a end
  end

  -- Fields, primary keys, clashes, autoIncrement.  by_name keeps only the
  -- user's attributes until the loop is done (describe() tells them from
  -- timestamps it added); it then becomes rawAttributes.
  local same_names = true    -- every column named as its attribute
  for _, a in ipairs(columns) do
    if a.field == nil then
      a.field = o.underscored and inflection.underscore(a.name) or a.name
    end
    if a.allowNull == nil then a.allowNull = not a.primaryKey end
    if a.primaryKey then a.allowNull = false end
    if a.field ~= a.name then same_names = false end
  end
  -- When every column is named as its attribute, only `id` and timestamps
  -- can share a column (the user's names are unique, and a timestamp is
  -- added only under a name no attribute has): by_field then holds those,
  -- and rawAttributes serves as the map of columns too.
  local autoincrement
  local by_field = {}
  for _, a in ipairs(columns) do
    local other = (not same_names or a.timestamp or a == id) and by_field[a.field]
    if other then
      local function describe(x)
        if x.timestamp and not by_name[x.name] then
          return string.format("the %s timestamp '%s'", x.timestamp, x.name)
        end
        return string.format("attribute '%s'", x.name)
      end
      definition_error(m, string.format("model '%s': %s and %s both use column '%s'", name, describe(other),
        describe(a), a.field), { attribute = a.name, column = a.field })
    end
    if not same_names or a.timestamp or a == id then by_field[a.field] = a end
    if a.primaryKey then m.primaryKeyAttributes[#m.primaryKeyAttributes + 1] = a.name end
    if a.autoIncrement then
      if datatypes.family(a.type) ~= 'integer' then
        definition_error(m, string.format("attribute '%s' of model '%s' is autoIncrement but its type is %s (use T.INTEGER, T.BIGINT or T.SMALLINT)",
          a.name, name, tostring(a.type)), { attribute = a.name })
      end
      if not a.primaryKey then
        definition_error(m, string.format("attribute '%s' of model '%s' is autoIncrement but not the primary key", a.name,
          name), { attribute = a.name })
      end
      if autoincrement then
        definition_error(m, string.format("model '%s' has two autoIncrement attributes ('%s' and '%s')", name,
          autoincrement.name, a.name), { attribute = a.name })
      end
      if a.default then
        definition_error(m, string.format("attribute '%s' of model '%s' is autoIncrement and has a defaultValue", a.name,
          name), { attribute = a.name })
      end
      autoincrement = a
    end
    if a.renamedFrom then
      for _, old in ipairs(a.renamedFrom) do
        if old == a.field then
          definition_error(m, string.format("attribute '%s' of model '%s' is renamedFrom its own column '%s'", a.name,
            name, old), { attribute = a.name })
        end
      end
    end
  end
  if autoincrement and #m.primaryKeyAttributes > 1 then
    definition_error(m, string.format("model '%s': autoIncrement attribute '%s' needs a single-column primary key",
      name, autoincrement.name), { attribute = autoincrement.name })
  end
  m.primaryKeyAttribute = m.primaryKeyAttributes[1]
  m.attributes = columns
  if id then by_name.id = id end
  for _, a in ipairs(stamp_records) do by_name[a.name] = a end
  m.rawAttributes = by_name
  -- Column names equal to attribute names (no underscored, no field): the two
  -- maps would hold the same pairs, and a model keeps one table, not two.
  m._fields = same_names and by_name or by_field

  -- Uniques: true -> its own constraint; a shared name -> one composite constraint.
  local groups
  for _, a in ipairs(m.attributes) do
    if a.unique == true then
      m._indexes[#m._indexes + 1] = { unique = true, constraint = true, fields = { { name = a.field } } }
    elseif type(a.unique) == 'string' then
      groups = groups or {}
      local g = groups[a.unique]
      if not g then
        g = { name = a.unique, unique = true, constraint = true, fields = {} }
        groups[a.unique] = g
        m._indexes[#m._indexes + 1] = g
      end
      g.fields[#g.fields + 1] = { name = a.field }
    end
  end

  if o.indexes ~= nil then
    for i, spec in ipairs(o.indexes) do m._indexes[#m._indexes + 1] = read_index(m, i, spec) end
    for k in pairs(o.indexes) do
      if math.type(k) ~= 'integer' then
        errors.raise('E_OPTION', string.format("bad option 'indexes' in model '%s': expected a list of index tables (unexpected key '%s')",
          name, tostring(k)), { model = name, option = 'indexes' })
      end
    end
  end

  -- Foreign keys of the foreignKeys option (attribute references are read by
  -- sync.lua from the attributes): one foreign key per column list, since
  -- the core matches foreign keys by their columns.
  m._foreignKeys = {}
  if o.foreignKeys ~= nil then
    for k in pairs(o.foreignKeys) do
      if math.type(k) ~= 'integer' or k < 1 or k > #o.foreignKeys then
        errors.raise('E_OPTION', string.format("bad option 'foreignKeys' in model '%s': expected a list of foreign key tables (unexpected key '%s')",
          name, tostring(k)), { model = name, option = 'foreignKeys' })
      end
    end
    local taken, fk_names = {}, {}
    for _, a in ipairs(m.attributes) do
      if a.references then taken[a.field] = string.format("attribute '%s' (references)", a.name) end
    end
    for i, spec in ipairs(o.foreignKeys) do
      local fk = read_foreign_key(m, i, spec)
      local key = table.concat(fk.columns, '\0')
      if taken[key] then
        definition_error(m, string.format("model '%s': foreign key %d is on the same columns as %s: one foreign key per list of columns",
          name, i, taken[key]), { option = 'foreignKeys' })
      end
      taken[key] = string.format('foreign key %d', i)
      if fk.name then
        if fk_names[fk.name] then
          definition_error(m, string.format("model '%s': the foreign key name '%s' is given twice", name, fk.name),
            { option = 'foreignKeys' })
        end
        fk_names[fk.name] = true
      end
      m._foreignKeys[i] = fk
    end
  end

  -- Index names: one name, one index (a unique group and an index too).
  local index_names
  for _, index in ipairs(m._indexes) do
    if index.name then
      index_names = index_names or {}
      if index_names[index.name] then
        definition_error(m, string.format("model '%s': the index name '%s' is given twice", name, index.name),
          { index = index.name })
      end
      index_names[index.name] = true
    end
  end

  -- Names the database would cut: refused now, when the dialect is known
  -- (the core refuses them again before any SQL).
  if has_nul(m.tableName) then
    options.no_nul(m.tableName, string.format("the table name of model '%s'", name), { model = name })
  end
  local limit = db and db._maxIdentifierLength or 0
  if limit > 0 then
    local dialect = db.dialect
    local f = { model = name, table = m.tableName }
    options.fits(m.tableName, limit, string.format("model '%s': table name", name), dialect, f)
    if m.schema then options.fits(m.schema, limit, string.format("model '%s': schema name", name), dialect, f) end
    for _, a in ipairs(m.attributes) do
      if #a.field > limit then   -- (the message only then)
        options.fits(a.field, limit, string.format("model '%s', attribute '%s': column name", name, a.name), dialect,
          { model = name, table = m.tableName, attribute = a.name, column = a.field })
      end
      if a.type.key == 'ENUM' then
        for _, v in ipairs(a.type.values) do
          if #v > limit then
            options.fits(v, limit, string.format("model '%s', attribute '%s': ENUM value", name, a.name), dialect,
              { model = name, table = m.tableName, attribute = a.name, column = a.field })
          end
        end
      end
    end
    for _, index in ipairs(m._indexes) do
      if index.name then
        options.fits(index.name, limit, string.format("model '%s': index name", name), dialect, f)
      end
    end
    for _, fk in ipairs(m._foreignKeys) do
      if fk.name then
        options.fits(fk.name, limit, string.format("model '%s': foreign key name", name), dialect, f)
      end
    end
  end

  -- Hooks: the connection's define defaults, then the model's own.
  if defaults.hooks ~= nil then
    hooks.fromOptions(m._hooks, hooks.MODEL, string.format("model '%s'", name), defaults.hooks)
  end
  if opts and opts.hooks ~= nil then
    hooks.fromOptions(m._hooks, hooks.MODEL, string.format("model '%s'", name), opts.hooks)
  end

  return m
end

-- ---------------------------------------------------------------- methods

-- Raises E_CLOSED when the model's connection is closed.
function model.check(m)
  if m.db then m.db:_check() end
end

function Model:getTableName()
  return self.tableName, self.schema
end

function Model:getAttributes()
  return self.rawAttributes
end

-- The attribute record for an attribute name (or, failing that, a column name).
function Model:_attribute(name)
  return self.rawAttributes[name] or self._fields[name]
end

hooks.install(Model, hooks.MODEL,
  function(m) return m._hooks end,
  function(m) return string.format("model '%s'", m.name) end)

model.metatable = model_metatable

function model.isModel(v)
  return getmetatable(v) == model_metatable
end

return model
