-- modelsync.query: rows.  Model:create/bulkCreate/findAll/findOne/count/
-- update/destroy, db:query and db:transaction.
--
-- Only DML is built here, always with $1-style parameters; identifiers are
-- quoted with double quotes (embedded quotes doubled) and qualified by the
-- model's schema when there is one, so no name or value can inject SQL.
--
-- Values:
--   * SQL NULL is nil when read; to write or match NULL where Lua cannot hold
--     nil, use modelsync.null:  where = { deletedAt = modelsync.null }.
--   * Model reads convert by attribute type: integer types -> Lua integers,
--     FLOAT/REAL/DOUBLE -> numbers, BOOLEAN -> booleans, DECIMAL -> strings
--     (exact; on SQLite formatted with the declared scale: '10.50'),
--     everything else -> strings (DATE, JSON...), BLOB -> byte strings.
--   * create() fills createdAt/updatedAt with 'YYYY-MM-DD HH:MM:SS.mmm +00:00'
--     (UTC) unless the values give them.
-- where: { col = value } (=), { col = { 1, 2 } } (IN), { col = modelsync.null }
-- (IS NULL), operators { col = { ['$gt'] = 5 } } ($eq $ne $gt $gte $lt $lte
-- $in $notIn $like $notLike $between $is $not), and { ['$or'] = { {...}, {...} } },
-- { ['$and'] = ... }.

local errors = require('modelsync.errors')
local options = require('modelsync.options')
local datatypes = require('modelsync.datatypes')

local query = {}

local null = datatypes.null

-- ------------------------------------------------------------------ helpers

local function quote(name)
  return '"' .. name:gsub('"', '""') .. '"'
end
query.quoteIdentifier = quote

local function table_sql(m)
  local schema = m.schema or (m.db and m.db._defaultSchema)
  if schema then return quote(schema) .. '.' .. quote(m.tableName) end
  return quote(m.tableName)
end
query.tableSql = table_sql

-- The current time as 'YYYY-MM-DD HH:MM:SS.mmm +00:00' (UTC).  Milliseconds
-- come from luasocket or luaposix when one is installed, else .000.
local clock
do
  local ok, socket = pcall(require, 'socket')
  if ok and type(socket) == 'table' and type(socket.gettime) == 'function' then
    clock = socket.gettime
  else
    local okp, ptime = pcall(require, 'posix.time')
    if okp and type(ptime) == 'table' and type(ptime.clock_gettime) == 'function' then
      clock = function()
        local ts = ptime.clock_gettime(ptime.CLOCK_REALTIME)
        return ts.tv_sec + ts.tv_nsec / 1e9
      end
    else
      clock = os.time
    end
  end
end

function query.now()
  local t = clock()
  local seconds = math.floor(t)
  local millis = math.floor((t - seconds) * 1000 + 0.5)
  if millis >= 1000 then seconds, millis = seconds + 1, 999 end
  return os.date('!%Y-%m-%d %H:%M:%S', seconds) .. string.format('.%03d +00:00', millis)
end

-- A parameter list that keeps nils (params.n).
local function new_params()
  return { n = 0 }
end

local function add_param(params, value)
  params.n = params.n + 1
  if datatypes.isNull(value) then value = nil end
  params[params.n] = value
  return '$' .. params.n
end

-- The SQL for one written value: a parameter, or a literal's SQL verbatim.
local function value_sql(m, a, value, params, now)
  if datatypes.isLiteral(value) then return '(' .. value.sql .. ')' end
  if datatypes.isNow(value) then return add_param(params, now or query.now()) end
  if datatypes.isNull(value) then return add_param(params, nil) end
  local t = type(value)
  if t == 'string' or t == 'number' or t == 'boolean' then return add_param(params, value) end
  errors.raise('E_OPTION', string.format("bad value for attribute '%s' of model '%s': expected a string, number, boolean, modelsync.null or modelsync.literal(), got %s",
    a.name, m.name, t), { model = m.name, attribute = a.name, table = m.tableName, column = a.field })
end

-- A value written to attribute a (create, bulkCreate, update) must be one
-- the column can hold: numbers (or numeric text) for numeric types,
-- booleans (or 0/1) for BOOLEAN, one of the values for ENUM.  SQLite would
-- otherwise store 'abc' in an INTEGER column without a word.
local function check_write(m, a, value)
  if value == nil or datatypes.isNull(value) or datatypes.isLiteral(value) or datatypes.isNow(value) then return end
  local t = type(value)
  if t ~= 'string' and t ~= 'number' and t ~= 'boolean' then
    errors.raise('E_OPTION', string.format("bad value for attribute '%s' of model '%s': expected a string, number, boolean, modelsync.null or modelsync.literal(), got %s",
      a.name, m.name, t), { model = m.name, attribute = a.name, table = m.tableName, column = a.field })
  end
  local family = datatypes.family(a.type)
  local ok, expected = true, nil
  if family == 'integer' then
    expected = 'an integer'
    ok = math.type(value) == 'integer' or (t == 'number' and value == math.floor(value))
      or (t == 'string' and value:match('^%s*[-+]?%d+%s*$') ~= nil)
  elseif family == 'float' or family == 'decimal' then
    expected = 'a number'
    ok = (t == 'number') or (t == 'string' and tonumber(value) ~= nil)
  elseif family == 'boolean' then
    expected = 'a boolean'
    ok = t == 'boolean' or value == 0 or value == 1
  elseif a.type.key == 'ENUM' then
    local quoted = {}
    for i, v in ipairs(a.type.values) do
      if v == value then return end
      quoted[i] = string.format("'%s'", v)
    end
    ok, expected = false, 'one of ' .. table.concat(quoted, ', ')
  end
  if not ok then
    errors.raise('E_OPTION', string.format("bad value %s for attribute '%s' of model '%s' (%s): expected %s",
      t == 'string' and string.format("'%s'", value) or tostring(value), a.name, m.name, tostring(a.type), expected),
      { model = m.name, attribute = a.name, table = m.tableName, column = a.field })
  end
end
query.checkWrite = check_write

local function attribute_names(m)
  local names = {}
  for _, a in ipairs(m.attributes) do names[#names + 1] = a.name end
  return names
end

-- The attribute named name (attribute name, else column name), or E_OPTION.
local function attribute(m, name, what)
  local a = type(name) == 'string' and m:_attribute(name)
  if not a then
    errors.raise('E_OPTION', string.format("unknown attribute '%s' in %s of model '%s'%s", tostring(name), what, m.name,
      errors.did_you_mean(tostring(name), attribute_names(m))),
      { model = m.name, attribute = name, table = m.tableName, column = name })
  end
  return a
end

-- ---------------------------------------------------------- reading values

local truthy = { ['1'] = true, t = true, ['true'] = true, TRUE = true, T = true, y = true, yes = true, on = true }
local falsy = { ['0'] = true, f = true, ['false'] = true, FALSE = true, F = true, n = true, no = true, off = true }

-- A value read from the database, converted by the attribute's type.
function query.convert(a, value)
  if value == nil then return nil end
  local family = datatypes.family(a.type)
  local t = type(value)
  if family == 'integer' then
    if t == 'number' then return math.tointeger(value) or value end
    if t == 'string' then
      local n = tonumber(value)
      if n then return math.tointeger(n) or n end
    end
    return value
  elseif family == 'float' then
    if t == 'string' then return tonumber(value) or value end
    return value
  elseif family == 'boolean' then
    if t == 'boolean' then return value end
    if t == 'number' then return value ~= 0 end
    if t == 'string' then
      if truthy[value] then return true end
      if falsy[value] then return false end
    end
    return value
  elseif family == 'decimal' then
    if t == 'number' then
      local scale = a.type.scale
      if scale and a.type.precision then return string.format('%.' .. scale .. 'f', value) end
      if math.type(value) == 'integer' then return tostring(value) end
      return (string.format('%.15g', value))
    end
    return value
  end
  if t == 'number' and a.type.key ~= 'BLOB' and a.type.key ~= 'SQL' then
    if math.type(value) == 'integer' then return tostring(value) end
    return (string.format('%.17g', value))
  end
  return value
end

-- A row keyed by column -> a row keyed by attribute name, values converted.
local function read_row(m, row)
  local out = {}
  for column, value in pairs(row) do
    local a = m._fields[column]
    if a then
      out[a.name] = query.convert(a, value)
    else
      out[column] = value
    end
  end
  return out
end
query.readRow = read_row

-- -------------------------------------------------------------------- where

local OPERATORS = {
  ['$eq'] = '=', ['$ne'] = '<>', ['$gt'] = '>', ['$gte'] = '>=', ['$lt'] = '<', ['$lte'] = '<=',
  ['$like'] = 'LIKE', ['$notLike'] = 'NOT LIKE', ['$in'] = 'IN', ['$notIn'] = 'NOT IN',
  ['$between'] = 'BETWEEN', ['$notBetween'] = 'NOT BETWEEN', ['$is'] = 'IS', ['$not'] = 'IS NOT',
}

local function is_list(t)
  if next(t) == nil then return true end
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(x, y) return tostring(x) < tostring(y) end)
  return keys
end

local build_where

-- One attribute condition.
local function condition(m, a, value, params)
  local column = quote(a.field)
  if value == nil or datatypes.isNull(value) then return column .. ' IS NULL' end
  if datatypes.isLiteral(value) then return column .. ' = (' .. value.sql .. ')' end
  if type(value) == 'table' and not datatypes.isNow(value) then
    if is_list(value) then
      if #value == 0 then return '1 = 0' end
      local items, has_null = {}, false
      for i = 1, #value do
        if datatypes.isNull(value[i]) then has_null = true
        else items[#items + 1] = value_sql(m, a, value[i], params) end
      end
      local sql = #items > 0 and (column .. ' IN (' .. table.concat(items, ', ') .. ')') or '1 = 0'
      if has_null then sql = '(' .. sql .. ' OR ' .. column .. ' IS NULL)' end
      return sql
    end
    local parts = {}
    for _, op in ipairs(sorted_keys(value)) do
      local operand = value[op]
      local sql_op = OPERATORS[op]
      if not sql_op then
        local names = {}
        for k in pairs(OPERATORS) do names[#names + 1] = k end
        errors.raise('E_OPTION', string.format("unknown operator '%s' for attribute '%s' in where of model '%s'%s",
          tostring(op), a.name, m.name, errors.did_you_mean(tostring(op), names)), { model = m.name, attribute = a.name })
      end
      if op == '$in' or op == '$notIn' then
        if type(operand) ~= 'table' then
          errors.raise('E_OPTION', string.format("operator '%s' for attribute '%s' needs a list", op, a.name),
            { model = m.name, attribute = a.name })
        end
        if #operand == 0 then
          parts[#parts + 1] = op == '$in' and '1 = 0' or '1 = 1'
        else
          local items = {}
          for i = 1, #operand do items[i] = value_sql(m, a, operand[i], params) end
          parts[#parts + 1] = column .. ' ' .. sql_op .. ' (' .. table.concat(items, ', ') .. ')'
        end
      elseif op == '$between' or op == '$notBetween' then
        if type(operand) ~= 'table' or #operand ~= 2 then
          errors.raise('E_OPTION', string.format("operator '%s' for attribute '%s' needs { low, high }", op, a.name),
            { model = m.name, attribute = a.name })
        end
        parts[#parts + 1] = string.format('%s %s %s AND %s', column, sql_op, value_sql(m, a, operand[1], params),
          value_sql(m, a, operand[2], params))
      elseif op == '$is' or op == '$not' or ((op == '$eq' or op == '$ne') and datatypes.isNull(operand)) then
        if operand == nil or datatypes.isNull(operand) then
          parts[#parts + 1] = column .. ((op == '$is' or op == '$eq') and ' IS NULL' or ' IS NOT NULL')
        elseif op == '$not' then
          parts[#parts + 1] = '(' .. column .. ' <> ' .. value_sql(m, a, operand, params) .. ' OR ' .. column .. ' IS NULL)'
        else
          parts[#parts + 1] = column .. ' = ' .. value_sql(m, a, operand, params)
        end
      else
        parts[#parts + 1] = column .. ' ' .. sql_op .. ' ' .. value_sql(m, a, operand, params)
      end
    end
    if #parts == 0 then return '1 = 1' end
    return table.concat(parts, ' AND ')
  end
  return column .. ' = ' .. value_sql(m, a, value, params)
end

-- where table -> SQL condition (nil when empty).
build_where = function(m, where, params)
  if where == nil then return nil end
  if type(where) ~= 'table' then
    options.bad('where', 'a table', where, '', { model = m.name })
  end
  local parts = {}
  for _, key in ipairs(sorted_keys(where)) do
    local value = where[key]
    if key == '$or' or key == '$and' then
      if type(value) ~= 'table' then
        errors.raise('E_OPTION', string.format("'%s' in where of model '%s' needs a list of conditions", key, m.name),
          { model = m.name })
      end
      local subs = {}
      for _, sub in ipairs(value) do
        local s = build_where(m, sub, params)
        subs[#subs + 1] = '(' .. (s or '1 = 1') .. ')'
      end
      if #subs == 0 then
        parts[#parts + 1] = key == '$or' and '1 = 0' or '1 = 1'
      else
        parts[#parts + 1] = '(' .. table.concat(subs, key == '$or' and ' OR ' or ' AND ') .. ')'
      end
    else
      parts[#parts + 1] = condition(m, attribute(m, key, 'where'), value, params)
    end
  end
  if #parts == 0 then return nil end
  return table.concat(parts, ' AND ')
end

-- The WHERE clause of a read/update/destroy, paranoid rows excluded.
local function where_clause(m, o, params)
  local conditions = {}
  local w = build_where(m, o.where, params)
  if w then conditions[#conditions + 1] = w end
  local deleted = m._timestamps.deletedAt
  if deleted and o.paranoid ~= false then
    conditions[#conditions + 1] = quote(m.rawAttributes[deleted].field) .. ' IS NULL'
  end
  if #conditions == 0 then return '' end
  return ' WHERE ' .. table.concat(conditions, ' AND ')
end

-- -------------------------------------------------------------------- order

local DIRECTIONS = { ASC = true, DESC = true, ['ASC NULLS FIRST'] = true, ['ASC NULLS LAST'] = true,
                     ['DESC NULLS FIRST'] = true, ['DESC NULLS LAST'] = true,
                     ['NULLS FIRST'] = true, ['NULLS LAST'] = true }

local function order_clause(m, order)
  if order == nil then return '' end
  if type(order) == 'string' then order = { { order } } end
  if type(order) ~= 'table' then options.bad('order', "a list of { 'attribute', 'ASC'|'DESC' }", order, '') end
  -- { 'name', 'DESC' } (a single pair, not nested) is accepted too.
  if type(order[1]) == 'string' and type(order[2]) == 'string' and #order == 2
     and DIRECTIONS[order[2]:upper()] and not m:_attribute(order[2]) then
    order = { order }
  end
  local parts = {}
  for i, item in ipairs(order) do
    local name, direction
    if type(item) == 'string' then
      name = item
    elseif type(item) == 'table' then
      name, direction = item[1], item[2]
    else
      options.bad('order[' .. i .. ']', "an attribute name or { 'attribute', 'ASC'|'DESC' }", item, '')
    end
    local a = attribute(m, name, 'order')
    local sql = quote(a.field)
    if direction ~= nil then
      local d = type(direction) == 'string' and direction:upper():gsub('%s+', ' '):gsub('^ ', ''):gsub(' $', '')
      if not d or not DIRECTIONS[d] then
        options.bad('order[' .. i .. '][2]', "'ASC' or 'DESC' (optionally with NULLS FIRST/LAST)", direction, '')
      end
      sql = sql .. ' ' .. d
    end
    parts[#parts + 1] = sql
  end
  if #parts == 0 then return '' end
  return ' ORDER BY ' .. table.concat(parts, ', ')
end

-- --------------------------------------------------------------- statements

local FIND_OPTIONS = { where = 'table', order = 'table|string', limit = 'integer', offset = 'integer',
                       attributes = 'table', paranoid = 'boolean', logging = 'function|boolean' }
local COUNT_OPTIONS = { where = 'table', paranoid = 'boolean', logging = 'function|boolean' }
local DESTROY_OPTIONS = { where = 'table', force = 'boolean', logging = 'function|boolean' }
local UPDATE_OPTIONS = { where = 'table', paranoid = 'boolean', logging = 'function|boolean', silent = 'boolean' }
local CREATE_OPTIONS = { logging = 'function|boolean', silent = 'boolean' }

local function run(m, logging, sql, params)
  local db = m.db
  return db:_call(logging, function(conn) return conn:query(sql, params) end)
end

-- Checks that every key of values is an attribute (E_OPTION naming it).
local function check_values(m, values, what)
  if type(values) ~= 'table' then
    options.bad('values', 'a table of attribute values', values, ' in ' .. what, { model = m.name })
  end
  for _, key in ipairs(sorted_keys(values)) do
    if type(key) ~= 'string' or not m.rawAttributes[key] then
      errors.raise('E_OPTION', string.format("model '%s' has no attribute '%s' (in %s)%s", m.name, tostring(key), what,
        errors.did_you_mean(tostring(key), attribute_names(m))),
        { model = m.name, attribute = key, table = m.tableName, column = key })
    end
    check_write(m, m.rawAttributes[key], values[key])
  end
end

local function insert(m, values, o, now)
  local columns, placeholders = {}, {}
  local params = new_params()
  local given = {}
  for _, a in ipairs(m.attributes) do
    local v = values[a.name]
    if v == nil and not o.silent and (a.timestamp == 'createdAt' or a.timestamp == 'updatedAt') then
      v = now
    end
    if v ~= nil then
      columns[#columns + 1] = quote(a.field)
      placeholders[#placeholders + 1] = value_sql(m, a, v, params, now)
      given[#given + 1] = a
    end
  end
  local sql
  if #columns == 0 then
    sql = 'INSERT INTO ' .. table_sql(m) .. ' DEFAULT VALUES RETURNING *'
  else
    sql = 'INSERT INTO ' .. table_sql(m) .. ' (' .. table.concat(columns, ', ') .. ') VALUES ('
      .. table.concat(placeholders, ', ') .. ') RETURNING *'
  end
  local rows = run(m, o.logging, sql, params)
  return read_row(m, rows[1] or {})
end

function query.installModel(Model)
  -- Model:create(values) -> the row as stored (key, defaults, timestamps).
  function Model:create(values, o)
    self.db:_check()
    o = options.validate(o, CREATE_OPTIONS, ' in create()')
    values = values or {}
    check_values(self, values, 'create()')
    return insert(self, values, o, query.now())
  end

  -- Model:bulkCreate(list) -> rows, all in one transaction.
  function Model:bulkCreate(list, o)
    self.db:_check()
    o = options.validate(o, CREATE_OPTIONS, ' in bulkCreate()')
    if type(list) ~= 'table' then options.bad('records', 'a list of tables', list, ' in bulkCreate()') end
    for i, values in ipairs(list) do check_values(self, values, 'bulkCreate() record ' .. i) end
    local now = query.now()
    return self.db:transaction(function()
      local rows = {}
      for i, values in ipairs(list) do rows[i] = insert(self, values, o, now) end
      return rows
    end)
  end

  -- Model:findAll{ where, order, limit, offset, attributes, paranoid } -> rows
  function Model:findAll(o)
    self.db:_check()
    o = options.validate(o, FIND_OPTIONS, string.format(" in findAll() of model '%s'", self.name), nil,
      { model = self.name })
    local params = new_params()
    local selected = {}
    if o.attributes then
      for i, name in ipairs(o.attributes) do selected[i] = quote(attribute(self, name, 'attributes').field) end
      if #selected == 0 then options.bad('attributes', 'a non-empty list of attribute names', o.attributes, '') end
    else
      for i, a in ipairs(self.attributes) do selected[i] = quote(a.field) end
    end
    local where = string.format(" in findAll() of model '%s'", self.name)
    if o.limit and o.limit < 0 then options.bad('limit', 'a non-negative integer', o.limit, where) end
    if o.offset and o.offset < 0 then options.bad('offset', 'a non-negative integer', o.offset, where) end
    local sql = 'SELECT ' .. table.concat(selected, ', ') .. ' FROM ' .. table_sql(self)
      .. where_clause(self, o, params) .. order_clause(self, o.order)
    if o.limit or o.offset then
      -- OFFSET needs a LIMIT on SQLite: the largest BIGINT stands for "no limit".
      sql = sql .. ' LIMIT ' .. add_param(params, math.tointeger(o.limit or math.maxinteger))
      if o.offset then sql = sql .. ' OFFSET ' .. add_param(params, math.tointeger(o.offset)) end
    end
    local rows = run(self, o.logging, sql, params)
    for i, row in ipairs(rows) do rows[i] = read_row(self, row) end
    return rows
  end

  -- Model:findOne{...} -> the first row or nil.
  function Model:findOne(o)
    self.db:_check()
    local copy = options.copy(o)
    if o ~= nil and type(o) ~= 'table' then options.bad('options', 'a table', o, ' in findOne()') end
    copy.limit = 1
    return self:findAll(copy)[1]
  end

  -- Model:findByPk(key, options) -> the row whose primary key is key, or nil.
  function Model:findByPk(key, o)
    self.db:_check()
    if #self.primaryKeyAttributes ~= 1 then
      errors.raise('E_OPTION', string.format("findByPk: model '%s' has a composite primary key: use findOne{ where = ... }",
        self.name), { model = self.name })
    end
    if key == nil then return nil end
    local copy = options.copy(o)
    if o ~= nil and type(o) ~= 'table' then options.bad('options', 'a table', o, ' in findByPk()') end
    copy.where = { [self.primaryKeyAttributes[1]] = key }
    copy.limit = 1
    return self:findAll(copy)[1]
  end

  -- Model:count{ where } -> integer
  function Model:count(o)
    self.db:_check()
    o = options.validate(o, COUNT_OPTIONS, string.format(" in count() of model '%s'", self.name), nil,
      { model = self.name })
    local params = new_params()
    local sql = 'SELECT COUNT(*) AS "count" FROM ' .. table_sql(self) .. where_clause(self, o, params)
    local rows = run(self, o.logging, sql, params)
    local n = rows[1] and rows[1].count
    return math.tointeger(tonumber(n)) or 0
  end

  -- Model:update(values, { where }) -> number of rows changed (updatedAt set).
  function Model:update(values, o)
    self.db:_check()
    o = options.validate(o, UPDATE_OPTIONS, string.format(" in update() of model '%s'", self.name), nil,
      { model = self.name })
    check_values(self, values, 'update()')
    local params = new_params()
    local sets = {}
    local now = query.now()
    for _, a in ipairs(self.attributes) do
      local v = values[a.name]
      if v == nil and a.timestamp == 'updatedAt' and not o.silent then v = now end
      if v ~= nil then
        sets[#sets + 1] = quote(a.field) .. ' = ' .. value_sql(self, a, v, params, now)
      end
    end
    if #sets == 0 then return 0 end
    local sql = 'UPDATE ' .. table_sql(self) .. ' SET ' .. table.concat(sets, ', ')
      .. where_clause(self, o, params) .. ' RETURNING 1 AS "changed"'
    return #run(self, o.logging, sql, params)
  end

  -- Model:destroy{ where, force } -> number of rows deleted (paranoid models
  -- set deletedAt instead, unless force = true).
  function Model:destroy(o)
    self.db:_check()
    o = options.validate(o, DESTROY_OPTIONS, string.format(" in destroy() of model '%s'", self.name), nil,
      { model = self.name })
    local params = new_params()
    local deleted = self._timestamps.deletedAt
    local sql
    if deleted and not o.force then
      local column = quote(self.rawAttributes[deleted].field)
      local set = column .. ' = ' .. add_param(params, query.now())
      sql = 'UPDATE ' .. table_sql(self) .. ' SET ' .. set .. where_clause(self, o, params)
        .. ' RETURNING 1 AS "changed"'
    else
      sql = 'DELETE FROM ' .. table_sql(self) .. where_clause(self, { where = o.where, paranoid = false }, params)
        .. ' RETURNING 1 AS "changed"'
    end
    return #run(self, o.logging, sql, params)
  end
end

-- ----------------------------------------------------------- db:query etc.

-- Rewrites ? placeholders as $1, $2... outside strings, quoted identifiers
-- and comments.  Left alone when the statement already uses $n (outside
-- strings: 'cost: $1' is text, not a parameter).
function query.numberPlaceholders(sql)
  if not sql:find('?', 1, true) then return sql end
  local out, n, i, len = {}, 0, 1, #sql
  local dollar = false
  while i <= len do
    local c = sql:sub(i, i)
    if c == "'" or c == '"' then
      local j = i + 1
      while j <= len do
        local d = sql:sub(j, j)
        if d == c then
          if sql:sub(j + 1, j + 1) == c then j = j + 2 else break end
        else
          j = j + 1
        end
      end
      out[#out + 1] = sql:sub(i, j)
      i = j + 1
    elseif c == '-' and sql:sub(i + 1, i + 1) == '-' then
      local j = sql:find('\n', i, true) or len
      out[#out + 1] = sql:sub(i, j)
      i = j + 1
    elseif c == '/' and sql:sub(i + 1, i + 1) == '*' then
      local _, j = sql:find('*/', i + 2, true)
      j = j or len
      out[#out + 1] = sql:sub(i, j)
      i = j + 1
    elseif c == '?' then
      n = n + 1
      out[#out + 1] = '$' .. n
      i = i + 1
    else
      local j = sql:find('[\'"%-/?]', i + 1) or (len + 1)
      local chunk = sql:sub(i, j - 1)
      if chunk:find('%$%d') then dollar = true end
      out[#out + 1] = chunk
      i = j
    end
  end
  if dollar then return sql end
  return table.concat(out)
end

function query.installConnection(DB)
  -- db:query(sql, params, { logging }) -> rows, columns.  params: a list
  -- (params.n honoured for nils; modelsync.null is NULL); placeholders $1 or ?.
  function DB:query(sql, params, o)
    self:_check()
    if type(sql) ~= 'string' then options.bad('sql', 'string', sql, ' in query()') end
    o = options.validate(o, { logging = 'function|boolean' }, ' in query()')
    local list
    if params ~= nil then
      if type(params) ~= 'table' then options.bad('params', 'a list of values', params, ' in query()') end
      local n = params.n or #params
      list = { n = n }
      for i = 1, n do
        local v = params[i]
        if datatypes.isNull(v) then v = nil end
        list[i] = v
      end
      if n > 0 then sql = query.numberPlaceholders(sql) end
    end
    return self:_call(o.logging, function(conn) return conn:query(sql, list) end)
  end

  -- db:transaction(fn) -> fn's results; commits, or rolls back and re-raises.
  -- Nested calls use savepoints.  fn receives the connection.
  function DB:transaction(fn)
    self:_check()
    if type(fn) ~= 'function' then options.bad('fn', 'function', fn, ' in transaction()') end
    local depth = self._transactionDepth
    local savepoint = quote('modelsync_savepoint_' .. (depth + 1))
    local exec = function(sql) self:_call(nil, function(conn) return conn:exec(sql) end) end
    exec(depth == 0 and 'BEGIN' or ('SAVEPOINT ' .. savepoint))
    self._transactionDepth = depth + 1
    local result = table.pack(pcall(fn, self))
    self._transactionDepth = depth
    if self._closed then
      if result[1] then return table.unpack(result, 2, result.n) end
      error(result[2], 0)
    end
    if result[1] then
      local ok, err = pcall(exec, depth == 0 and 'COMMIT' or ('RELEASE SAVEPOINT ' .. savepoint))
      if not ok then
        pcall(exec, depth == 0 and 'ROLLBACK' or ('ROLLBACK TO SAVEPOINT ' .. savepoint))
        error(err, 0)
      end
      return table.unpack(result, 2, result.n)
    end
    if depth == 0 then
      pcall(exec, 'ROLLBACK')
    else
      pcall(exec, 'ROLLBACK TO SAVEPOINT ' .. savepoint)
      pcall(exec, 'RELEASE SAVEPOINT ' .. savepoint)
    end
    error(result[2], 0)
  end
end

return query
