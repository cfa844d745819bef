-- modelsync.options: validation of the options tables every entry point takes.
--
-- Messages name the bad key (with its path, `alter.drop`) and what was expected:
--   unknown option 'allownull' in attribute 'email' (did you mean 'allowNull'?)
--   bad option 'alter.drop' in sync(): expected boolean, got string
-- Both raise E_OPTION.

local errors = require('modelsync.errors')

local options = {}

local checks = {
  boolean = function(v) return type(v) == 'boolean' end,
  string = function(v) return type(v) == 'string' end,
  ['non-empty string'] = function(v) return type(v) == 'string' and v ~= '' end,
  number = function(v) return type(v) == 'number' end,
  integer = function(v) return math.type(v) == 'integer' or (type(v) == 'number' and v == math.floor(v) and v == v and v ~= math.huge and v ~= -math.huge) end,
  ['function'] = function(v) return type(v) == 'function' end,
  table = function(v) return type(v) == 'table' end,
  ['false'] = function(v) return v == false end,
  ['true'] = function(v) return v == true end,
}

-- Describes a value's type for "got ..." (a string's contents are not shown:
-- it may be a password).
function options.typename(v)
  local t = type(v)
  if t == 'number' then
    if v ~= v then return 'NaN' end
    if math.type(v) == 'float' and v ~= math.floor(v) then return tostring(v) .. ' (not an integer)' end
    return tostring(v)
  end
  if t == 'boolean' then return tostring(v) end
  if t == 'string' and v == '' then return "'' (an empty string)" end
  return t
end

-- Raises E_OPTION for a bad value at path.
function options.bad(path, expected, value, where, fields)
  local f = { option = path }
  if fields then for k, v in pairs(fields) do f[k] = v end end
  errors.raise('E_OPTION', string.format("bad option '%s'%s: expected %s, got %s",
    path, where or '', expected, options.typename(value)), f)
end

-- kinds ('string|false') -> one check for them all, made once: define()
-- checks every option of every attribute with these.
local kind_checks = {}
local function kind_check(kinds)
  local check = kind_checks[kinds]
  if not check then
    local list = {}
    for kind in kinds:gmatch('[^|]+') do
      assert(checks[kind], 'unknown kind ' .. kind)
      list[#list + 1] = checks[kind]
    end
    if #list == 1 then
      check = list[1]
    else
      check = function(v)
        for i = 1, #list do
          if list[i](v) then return true end
        end
        return false
      end
    end
    kind_checks[kinds] = check
  end
  return check
end

-- true when value (not nil) is one of kinds.
function options.is(value, kinds)
  return (kind_checks[kinds] or kind_check(kinds))(value)
end

-- Checks value against kinds ('boolean', 'string|false', ...); nil is
-- accepted unless required.  Returns value.
function options.expect(value, kinds, path, where, fields, required)
  if value == nil then
    if required then
      local f = { option = path }
      if fields then for k, v in pairs(fields) do f[k] = v end end
      errors.raise('E_OPTION', string.format("missing option '%s'%s: expected %s",
        path, where or '', (kinds:gsub('|', ' or '))), f)
    end
    return nil
  end
  if options.is(value, kinds) then return value end
  options.bad(path, (kinds:gsub('|', ' or ')), value, where, fields)
end

-- Keys people write for another key, too far from it for an edit-distance
-- suggestion (Sequelize, LoopBack and SQL habits): unknown -> meant.
local HINTS = {
  default = 'defaultValue', defaults = 'defaultValue', defaultvalue = 'defaultValue',
  nullable = 'allowNull', null = 'allowNull', notNull = 'allowNull', required = 'allowNull',
  pk = 'primaryKey', primary = 'primaryKey', id = 'primaryKey', key = 'primaryKey',
  serial = 'autoIncrement', identity = 'autoIncrement', auto = 'autoIncrement',
  column = 'field', columnName = 'field', name = 'field',
  ref = 'references', foreignKey = 'references', fk = 'references',
  onDel = 'onDelete', ondelete = 'onDelete', onUpd = 'onUpdate', onupdate = 'onUpdate',
  renamed = 'renamedFrom', oldName = 'renamedFrom', previousName = 'renamedFrom',
  description = 'comment', remarks = 'comment',
  table = 'tableName', tbl = 'tableName',
  freeze = 'freezeTableName', snake = 'underscored', snakeCase = 'underscored',
  index = 'indexes', idx = 'indexes', columns = 'fields', method = 'using',
  log = 'logging', logger = 'logging', verbose = 'logging',
  drop = 'alter', migrate = 'alter', recreate = 'force', clean = 'force',
  filter = 'where', conditions = 'where', sort = 'order', orderBy = 'order',
  skip = 'offset', take = 'limit', select = 'attributes',
  db = 'database', dbname = 'database', username = 'user', pass = 'password', pwd = 'password',
  hostname = 'host', file = 'storage', filename = 'storage', path = 'storage',
}

-- The key meant by an unknown key: a hint, else the nearest allowed one.
function options.suggest(key, allowed)
  local hint = HINTS[key]
  if hint and allowed[hint] then return hint end
  return errors.suggest(key, allowed)
end

-- true when every key of t is a string in allowed (a set): what known()
-- checks, without a table, a sort or a message.
function options.allKnown(t, allowed)
  for k in pairs(t) do
    if type(k) ~= 'string' or not allowed[k] then return false end
  end
  return true
end

-- Raises E_OPTION for the first key of t that is not in allowed (a set).
-- prefix is prepended to key names in the message ('alter.').
function options.known(t, allowed, where, prefix, fields)
  if options.allKnown(t, allowed) then return end   -- the usual case
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  for _, k in ipairs(keys) do
    if type(k) ~= 'string' then
      local f = { option = k }
      if fields then for fk, fv in pairs(fields) do f[fk] = fv end end
      errors.raise('E_OPTION', string.format("unexpected key %s%s: option names are strings",
        tostring(k), where or ''), f)
    end
    if not allowed[k] then
      local f = { option = (prefix or '') .. k }
      if fields then for fk, fv in pairs(fields) do f[fk] = fv end end
      local suggestion = options.suggest(k, allowed)
      errors.raise('E_OPTION', string.format("unknown option '%s%s'%s%s", prefix or '', k, where or '',
        suggestion and string.format(" (did you mean '%s%s'?)", prefix or '', suggestion) or ''), f)
    end
  end
end

-- true when validate(t, spec) would pass: the same checks, without a
-- message, for callers that build theirs only for a table that fails.
function options.valid(t, spec)
  if t == nil then return true end
  if type(t) ~= 'table' then return false end
  for key, value in pairs(t) do
    if type(key) ~= 'string' then return false end
    local kinds = spec[key]
    if not kinds or (type(kinds) == 'string' and not options.is(value, kinds)) then return false end
  end
  return true
end

-- Validates an options table against spec ({ key = 'kinds' }), unknown keys
-- included.  Returns t, or an empty table for nil.
function options.validate(t, spec, where, prefix, fields)
  if t == nil then return {} end
  if type(t) ~= 'table' then
    errors.raise('E_OPTION', string.format("bad options%s: expected a table, got %s", where or '', type(t)), fields)
  end
  options.known(t, spec, where, prefix, fields)
  for key, kinds in pairs(spec) do
    if type(kinds) == 'string' then
      options.expect(t[key], kinds, (prefix or '') .. key, where, fields)
    end
  end
  return t
end

-- Raises E_DEFINITION when a name or a text handed to the core holds a NUL
-- byte: C would cut it there, silently.  what: "table name 'x'", ...
function options.no_nul(value, what, fields)
  if type(value) == 'string' and value:find('\0', 1, true) then
    errors.raise('E_DEFINITION', string.format('%s holds a NUL byte (\\0), which no SQL name or text can hold',
      what), fields)
  end
  return value
end

-- Raises E_DEFINITION when name is longer than limit bytes (limit 0: none):
-- the database would truncate it, and modelsync never lets a name be cut.
function options.fits(name, limit, what, dialect, fields)
  if type(name) == 'string' and limit and limit > 0 and #name > limit then
    errors.raise('E_DEFINITION', string.format("%s '%s' is %d bytes long: %s keeps at most %d (names are never truncated)",
      what, name, #name, dialect or 'the database', limit), fields)
  end
  return name
end

-- A shallow copy.
function options.copy(t)
  local c = {}
  if t then for k, v in pairs(t) do c[k] = v end end
  return c
end

-- A set from a list of names.
function options.set(list)
  local s = {}
  for _, v in ipairs(list) do s[v] = true end
  return s
end

return options
