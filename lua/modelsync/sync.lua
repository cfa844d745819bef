-- modelsync.sync: Model:sync/drop/plan and db:sync/drop/plan, automigrate,
-- autoupdate, isActual.
--
-- Order of a sync, and what can stop it:
--   1. options validated                       E_OPTION
--   2. match tested on the database name       E_MATCH
--   3. desired schema built, references resolved  E_DEFINITION / E_UNKNOWN_MODEL
--   4. before-hooks (unless hooks = false)     whatever they raise (E_HOOK)
--      (options re-validated, match re-tested and the schema rebuilt: hooks
--      may change the options they receive)
--   5. one conn:sync call for every table: one transaction in the core
--   6. after-hooks
-- The Lua layer builds no DDL: it hands the core the *desired schema* of
-- docs/internals.md and gets a plan back.

local errors = require('modelsync.errors')
local options = require('modelsync.options')
local datatypes = require('modelsync.datatypes')
local hooks = require('modelsync.hooks')
local planlib = require('modelsync.plan')

local sync = {}

-- ------------------------------------------------------------------ options

local SYNC_OPTIONS = { force = 'boolean', alter = 'boolean|table', match = 'string',
                       logging = 'function|boolean', hooks = 'boolean' }
-- plan accepts `hooks` (so one options table serves sync and plan) but runs none.
local PLAN_OPTIONS = { force = 'boolean', alter = 'boolean|table', match = 'string',
                       logging = 'function|boolean', hooks = 'boolean' }
local DROP_OPTIONS = { match = 'string', logging = 'function|boolean', cascade = 'boolean' }
local ALTER_OPTIONS = { drop = 'boolean' }

local SPECS = { sync = SYNC_OPTIONS, plan = PLAN_OPTIONS, drop = DROP_OPTIONS }

-- Validates the options of a sync/plan/drop call; returns a copy (the table
-- hooks receive and may change), or o itself when in_place.
local function validate(o, kind, in_place)
  local where = ' in ' .. kind .. '()'
  o = options.validate(o, SPECS[kind], where)
  if type(o.alter) == 'table' then options.validate(o.alter, ALTER_OPTIONS, where, 'alter.') end
  if o.match ~= nil then
    local ok, message = pcall(string.find, '', o.match)
    if not ok then
      errors.raise('E_OPTION', string.format("bad option 'match'%s: not a valid Lua pattern (%s)", where,
        (tostring(message):gsub('^[^:]*:%d+: ', ''))), { option = 'match' })
    end
  end
  if o.force == true and (o.alter == true or type(o.alter) == 'table') then
    errors.raise('E_OPTION', "options 'force' and 'alter' cannot be combined" .. where .. ": force drops and "
      .. "re-creates the tables, alter changes them in place (choose one)", { option = 'force' })
  end
  if in_place then return o end
  local copy = options.copy(o)
  if type(o.alter) == 'table' then copy.alter = options.copy(o.alter) end
  return copy
end
sync.validate = validate

-- The options the core takes, from validated sync/plan options.
local function core_options(o)
  local alter = o.alter
  return {
    force = o.force == true,
    alter = alter == true or type(alter) == 'table',
    drop = type(alter) == 'table' and alter.drop == true,
  }
end

-- E_MATCH unless the database name matches o.match.
local function check_match(db, o)
  if o.match == nil then return end
  local name = db:getDatabaseName()
  if not (name or ''):find(o.match) then
    errors.raise('E_MATCH', string.format("the database name '%s' does not match '%s': nothing was done", tostring(name),
      o.match), { database = name, match = o.match })
  end
end

-- ----------------------------------------------------------- desired schema

local check_reference_type

local function copy_list(list)
  if list == nil then return nil end
  local c = {}
  for i, v in ipairs(list) do c[i] = v end
  return c
end

-- The model a reference points to, or nil for a plain table reference.
-- ref: { model =, table =, schema = }; who: "attribute 'x'" or "foreign key 2"
-- (for messages); fields: the error's fields.  For the reference of
-- attribute a, both are nil and made from a when a message needs them.
local function referenced_model(db, m, ref, who, fields, tolerant, a)
  local target = ref.model
  if target ~= nil then
    if type(target) == 'table' then
      return db.models[target.name] or target
    end
    local found = db.models[target]
    if found then return found end
    -- Sequelize habit: references.model holding the table name.
    for _, other in pairs(db.models) do
      if other.tableName == target then return other end
    end
    if tolerant then return nil, true end
    if a then
      who, fields = string.format("attribute '%s'", a.name), { model = m.name, attribute = a.name, table = m.tableName }
    end
    local names = {}
    for n in pairs(db.models) do names[#names + 1] = n end
    errors.raise('E_DEFINITION', string.format("%s of model '%s' references model '%s', which is not defined%s",
      who, m.name, target, errors.did_you_mean(target, names)), fields)
  end
  for _, other in pairs(db.models) do
    if other.tableName == ref.table and (ref.schema == nil or ref.schema == other.schema) then return other end
  end
  return nil
end

-- Kinds of values a key and the column referencing it must share: no
-- database can compare a text column with an integer key (PostgreSQL refuses
-- the constraint half-way through a sync; SQLite would accept a key that
-- never matches).  T.SQL and ENUM are left to the database.
local REFERENCE_KINDS = {
  INTEGER = 'integer', BIGINT = 'integer', SMALLINT = 'integer',
  FLOAT = 'floating point', REAL = 'floating point', DOUBLE = 'floating point', DECIMAL = 'decimal',
  STRING = 'text', CHAR = 'text', TEXT = 'text', CITEXT = 'text',
  BOOLEAN = 'boolean', DATE = 'timestamp', DATEONLY = 'date', TIME = 'time', UUID = 'uuid',
  JSON = 'json', JSONB = 'json', BLOB = 'binary',
}

check_reference_type = function(m, a, target, ra)
  local from, to = REFERENCE_KINDS[a.type.key], REFERENCE_KINDS[ra.type.key]
  if from and to and from ~= to then
    errors.raise('E_DEFINITION', string.format("attribute '%s' of model '%s' (%s) references '%s' of model '%s' (%s): a foreign key needs the same kind of value on both sides",
      a.name, m.name, tostring(a.type), ra.name, target.name, tostring(ra.type)),
      { model = m.name, attribute = a.name, table = m.tableName, column = a.field })
  end
end

-- The foreign key of attribute a, in the desired shape (nil when tolerant
-- and unresolvable).
local function foreign_key(db, m, a, default_schema, tolerant)
  local ref = a.references
  local target, unresolved = referenced_model(db, m, ref, nil, nil, tolerant, a)
  if unresolved then return nil end
  local ref_table, ref_schema, ref_column
  if target then
    ref_table = target.tableName
    ref_schema = target.schema or default_schema
    if ref.key then
      local ra = target.rawAttributes[ref.key] or target._fields[ref.key]
      if not ra then
        if tolerant then return nil end
        local names = {}
        for _, x in ipairs(target.attributes) do names[#names + 1] = x.name end
        errors.raise('E_DEFINITION', string.format("attribute '%s' of model '%s' references key '%s' of model '%s', which has no such attribute%s",
          a.name, m.name, ref.key, target.name, errors.did_you_mean(ref.key, names)),
          { model = m.name, attribute = a.name, table = m.tableName })
      end
      ref_column = ra.field
      check_reference_type(m, a, target, ra)
    else
      local keys = target.primaryKeyAttributes
      if #keys ~= 1 then
        if tolerant then return nil end
        errors.raise('E_DEFINITION', string.format("attribute '%s' of model '%s' references model '%s', whose primary key has %d columns: give references.key",
          a.name, m.name, target.name, #keys), { model = m.name, attribute = a.name, table = m.tableName })
      end
      ref_column = target.rawAttributes[keys[1]].field
      check_reference_type(m, a, target, target.rawAttributes[keys[1]])
    end
  else
    ref_table = ref.table
    ref_schema = ref.schema or default_schema
    ref_column = ref.key or 'id'
  end
  return {
    columns = { a.field }, refSchema = ref_schema, refTable = ref_table, refColumns = { ref_column },
    onDelete = a.onDelete, onUpdate = a.onUpdate,
  }
end

-- A foreign key of the model's foreignKeys option (model.lua read it), in
-- the desired shape (nil when tolerant and unresolvable).
local function option_foreign_key(db, m, fk, default_schema, tolerant)
  local ref = fk.references
  local who = string.format('foreign key %d (%s)', fk.index, table.concat(fk.attributes, ', '))
  local fields = { model = m.name, table = m.tableName, option = 'foreignKeys[' .. fk.index .. ']' }
  local function fail(message)
    if tolerant then return nil end
    errors.raise('E_DEFINITION', message, fields)
  end
  local target, unresolved = referenced_model(db, m, ref, who, fields, tolerant)
  if unresolved then return nil end
  local ref_table, ref_schema, ref_columns = ref.table, ref.schema or default_schema, {}
  if target then
    ref_table = target.tableName
    ref_schema = target.schema or default_schema
    local keys = {}
    if ref.keys then
      for i, key in ipairs(ref.keys) do
        local ra = target.rawAttributes[key] or target._fields[key]
        if not ra then
          local names = {}
          for _, x in ipairs(target.attributes) do names[#names + 1] = x.name end
          return fail(string.format("%s of model '%s' references key '%s' of model '%s', which has no such attribute%s",
            who, m.name, key, target.name, errors.did_you_mean(key, names)))
        end
        keys[i] = ra
      end
    else
      if #target.primaryKeyAttributes ~= #fk.columns then
        return fail(string.format("%s of model '%s' has %d field%s but model '%s' has a primary key of %d column%s: give references.keys",
          who, m.name, #fk.columns, #fk.columns == 1 and '' or 's', target.name, #target.primaryKeyAttributes,
          #target.primaryKeyAttributes == 1 and '' or 's'))
      end
      for i, key in ipairs(target.primaryKeyAttributes) do keys[i] = target.rawAttributes[key] end
    end
    for i, ra in ipairs(keys) do
      check_reference_type(m, m.rawAttributes[fk.attributes[i]], target, ra)
      ref_columns[i] = ra.field
    end
  elseif ref.keys then
    for i, key in ipairs(ref.keys) do ref_columns[i] = key end
  elseif #fk.columns == 1 then
    ref_columns[1] = 'id'                     -- as attribute references to a table
  else
    return fail(string.format("%s of model '%s' references table '%s' over %d columns: give references.keys",
      who, m.name, tostring(ref.table), #fk.columns))
  end
  return {
    name = fk.name, columns = copy_list(fk.columns), refSchema = ref_schema, refTable = ref_table,
    refColumns = ref_columns, onDelete = fk.onDelete, onUpdate = fk.onUpdate,
  }
end

-- The desired type of a DataTypes value.  The columns of one type share
-- one table (the core and the Lua readers of the desired schema only read
-- it): a wide model would otherwise cost a table per column.  A type
-- changed since it was specced (t.length = 80) is specced again.
local specs = setmetatable({}, { __mode = 'k' })

local function type_spec(t)
  local c = specs[t]
  if c and c.key == t.key and c.length == t.length and c.precision == t.precision and c.scale == t.scale
      and c.sql == t.sql then
    return c.spec
  end
  local s = datatypes.spec(t)
  if t.key ~= 'ENUM' then   -- (values are a list: an ENUM is specced each time)
    specs[t] = { spec = s, key = t.key, length = t.length, precision = t.precision, scale = t.scale, sql = t.sql }
  end
  return s
end

-- A copy of an attribute's desired default, of the fields it has.
local function copy_default(d)
  if d.sql ~= nil then return { kind = d.kind, sql = d.sql } end
  if d.value ~= nil then return { kind = d.kind, value = d.value } end
  return { kind = d.kind }
end

-- One model's table in the desired-schema shape.  Its tables hold the
-- fields they have, no more: the tables of every model stay cached.
function sync.table(db, m, default_schema, tolerant)
  -- columns: an array of the attributes' size at once (the columns replace
  -- the attributes in it), not one grown five times for a wide model
  local columns, indexes, foreign_keys = { table.unpack(m.attributes) }, {}, {}
  local t = {
    schema = m.schema or default_schema, name = m.tableName, comment = m.comment,
    columns = columns, indexes = indexes, foreignKeys = foreign_keys,
  }
  local position = 0
  for i, a in ipairs(m.attributes) do
    local column = { name = a.field, type = type_spec(a.type), allowNull = a.allowNull ~= false and not a.primaryKey }
    if a.comment ~= nil then column.comment = a.comment end
    if a.renamedFrom ~= nil then column.renamedFrom = copy_list(a.renamedFrom) end
    if a.primaryKey then
      position = position + 1
      column.primaryKey = position
    end
    if a.autoIncrement then column.autoIncrement = true end
    if a.default then column.default = copy_default(a.default) end
    columns[i] = column
    if a.references then
      foreign_keys[#foreign_keys + 1] = foreign_key(db, m, a, default_schema, tolerant)
    end
  end
  for _, fk in ipairs(m._foreignKeys or {}) do
    foreign_keys[#foreign_keys + 1] = option_foreign_key(db, m, fk, default_schema, tolerant)
  end
  for _, index in ipairs(m._indexes) do
    local fields = {}
    for i, f in ipairs(index.fields) do
      fields[i] = f.order ~= nil and { name = f.name, order = f.order } or { name = f.name }
    end
    local copy = { unique = index.unique, constraint = index.constraint, fields = fields }
    if index.name ~= nil then copy.name = index.name end
    if index.where ~= nil then copy.where = index.where end
    if index.using ~= nil then copy.using = index.using end
    indexes[#indexes + 1] = copy
  end
  return t
end

-- The desired schema for a list of models.  A model's table is computed once
-- and reused until any model of the connection is defined or removed again
-- (db._definitions counts those), since references reach other models: a
-- no-op sync of many models then costs Lua almost nothing.
function sync.desired(db, models, tolerant)
  local default_schema = db._defaultSchema
  local version = db._definitions or 0
  local tables = {}
  -- One table, one model (among those synced together).
  local owners = {}
  for _, m in ipairs(models) do
    local key = tostring(m.schema or default_schema or '') .. '\0' .. m.tableName
    local other = owners[key]
    if other and other ~= m then
      errors.raise('E_DEFINITION', string.format("models '%s' and '%s' both use table '%s': give one of them another tableName",
        other.name, m.name, m.tableName), { model = m.name, table = m.tableName })
    end
    owners[key] = m
  end
  for _, m in ipairs(models) do
    local cached = m._desiredCache
    if tolerant then
      tables[#tables + 1] = sync.table(db, m, default_schema, tolerant)
    elseif cached and cached.version == version and cached.schema == default_schema then
      tables[#tables + 1] = cached.table
    else
      local t = sync.table(db, m, default_schema, tolerant)
      m._desiredCache = { version = version, schema = default_schema, table = t }
      tables[#tables + 1] = t
    end
  end
  return { tables = tables }
end

-- The models named by names (nil: all, in definition order; a name; a list).
function sync.models(db, names)
  local list = {}
  if names == nil then
    for _, name in ipairs(db._modelOrder) do list[#list + 1] = db.models[name] end
    return list
  end
  if type(names) == 'string' then names = { names } end
  if type(names) ~= 'table' then
    errors.raise('E_OPTION', 'bad model names: expected a name, a list of names or nil, got ' .. type(names))
  end
  for _, name in ipairs(names) do
    local m = db.models[name]
    if m == nil then
      errors.raise('E_UNKNOWN_MODEL', string.format("unknown model '%s'%s", tostring(name),
        errors.did_you_mean(tostring(name), db._modelOrder)), { model = name })
    end
    list[#list + 1] = m
  end
  return list
end

-- ------------------------------------------------------------------ running

local function owner(m) return string.format("model '%s'", m.name) end

-- The shared body of db:sync, Model:sync, automigrate and autoupdate.
-- bulk: run the connection's bulk hooks too.
local function run_sync(db, models, o, bulk)
  db:_check()
  if db._transactionDepth > 0 then
    errors.raise('E_TRANSACTION', 'sync cannot run inside db:transaction(): it runs its own transaction')
  end
  o = validate(o, 'sync')
  check_match(db, o)
  local desired = sync.desired(db, models)
  local run_hooks = o.hooks ~= false
  if run_hooks then
    local match = o.match
    if bulk then hooks.run(db._hooks, 'beforeBulkSync', 'the connection', o, db) end
    for _, m in ipairs(models) do hooks.run(m._hooks, 'beforeSync', owner(m), o, m) end
    validate(o, 'sync', true)
    if o.match ~= match then check_match(db, o) end
    desired = sync.desired(db, models)
  end
  local raw = db:_call(o.logging, function(conn) return conn:sync(desired, core_options(o)) end)
  local result = planlib.wrap(raw, { db = db, desired = desired, options = core_options(o), logging = o.logging })
  if run_hooks then
    -- Every after-hook runs (afterBulkSync always fires); the first error wins.
    local failure
    for _, m in ipairs(models) do
      local ok, err = pcall(hooks.run, m._hooks, 'afterSync', owner(m), o, m)
      if not ok and failure == nil then failure = err end
    end
    if bulk then
      local ok, err = pcall(hooks.run, db._hooks, 'afterBulkSync', 'the connection', o, db)
      if not ok and failure == nil then failure = err end
    end
    if failure ~= nil then error(failure, 0) end
  end
  return result
end

local function run_plan(db, models, o)
  db:_check()
  o = validate(o, 'plan')
  check_match(db, o)
  local desired = sync.desired(db, models)
  local copts = core_options(o)
  local raw = db:_call(o.logging, function(conn) return conn:plan(desired, copts) end)
  return planlib.wrap(raw, { db = db, desired = desired, options = copts, logging = o.logging })
end

local function run_drop(db, models, o)
  db:_check()
  if db._transactionDepth > 0 then
    errors.raise('E_TRANSACTION', 'drop cannot run inside db:transaction(): it runs its own transaction')
  end
  o = validate(o, 'drop')
  check_match(db, o)
  local desired = sync.desired(db, models, true)
  local raw = db:_call(o.logging, function(conn) return conn:sync(desired, { dropTables = true }) end)
  return planlib.wrap(raw, { db = db, desired = desired, options = { dropTables = true }, logging = o.logging })
end

-- ---------------------------------------------------------------- methods

function sync.installModel(Model)
  -- Model:sync(options) -> Model: only this model's table and hooks.
  function Model:sync(o)
    run_sync(self.db, { self }, o, false)
    return self
  end

  -- Model:drop(options) -> Model
  function Model:drop(o)
    run_drop(self.db, { self }, o)
    return self
  end

  -- Model:plan(options) -> plan of this model's table.
  function Model:plan(o)
    return run_plan(self.db, { self }, o)
  end
end

function sync.installConnection(DB)
  -- db:sync(options) -> db: every model, one transaction.
  function DB:sync(o)
    self:_check()
    run_sync(self, sync.models(self), o, true)
    return self
  end

  function DB:drop(o)
    self:_check()
    run_drop(self, sync.models(self), o)
    return self
  end

  function DB:plan(o)
    self:_check()
    return run_plan(self, sync.models(self), o)
  end

  -- LoopBack: automigrate(names) is sync{ force = true } for the named models.
  function DB:automigrate(names, o)
    self:_check()
    local models = sync.models(self, names)
    local so = options.copy(validate(o, 'sync'))
    so.force = true
    run_sync(self, models, so, true)
    return self
  end

  -- autoupdate(names, { drop = true }) is sync{ alter = opts or true }.
  function DB:autoupdate(names, alter)
    self:_check()
    local models = sync.models(self, names)
    if alter ~= nil and type(alter) ~= 'table' and type(alter) ~= 'boolean' then
      options.bad('alter', 'boolean or table', alter, ' in autoupdate()')
    end
    if type(alter) == 'table' then
      options.validate(alter, ALTER_OPTIONS, ' in autoupdate()', 'alter.')
      alter = options.copy(alter)
    end
    run_sync(self, models, { alter = alter == nil and true or alter }, true)
    return self
  end

  -- isActual(names) -> true | false, plan (plan{ alter = true } of those models).
  function DB:isActual(names, o)
    self:_check()
    local models = sync.models(self, names)
    local po = options.copy(validate(o, 'plan'))
    if po.alter == nil then po.alter = true end
    local p = run_plan(self, models, po)
    if #p.steps == 0 then return true, p end
    return false, p
  end
end

return sync
