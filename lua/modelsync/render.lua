-- modelsync.render: model definitions -> the Lua source of a chunk that
-- defines them on the connection it is given.
--
--   local defs = db:discoverSchemas()
--   local src = modelsync.render(defs)
--   assert(load(src, '=models'))(db)      -- db:define(...) for each, returns db
--
-- defs: { [modelName] = { name =, attributes =, options =, notes = } } (what
-- discoverSchemas returns) or a list of such tables.  The output is
-- deterministic (models by name, attributes in their order, option keys in a
-- fixed order), every string is written with %q, and notes become comments.

local errors = require('modelsync.errors')
local datatypes = require('modelsync.datatypes')

local render = {}

local function q(s) return string.format('%q', s) end

-- A number written so that Lua reads back the same value and subtype.
local function number(v)
  if math.type(v) == 'integer' then return tostring(v) end
  if v ~= v or v == math.huge or v == -math.huge then
    errors.raise('E_OPTION', 'render: cannot write the number ' .. tostring(v))
  end
  for digits = 15, 17 do
    local s = string.format('%.' .. digits .. 'g', v)
    if tonumber(s) == v then
      if not s:find('[.eEn]') then s = s .. '.0' end
      return s
    end
  end
  return string.format('%.17g', v)
end

local function is_identifier(s)
  local keywords = {
    ['and'] = 1, ['break'] = 1, ['do'] = 1, ['else'] = 1, ['elseif'] = 1, ['end'] = 1, ['false'] = 1,
    ['for'] = 1, ['function'] = 1, ['goto'] = 1, ['if'] = 1, ['in'] = 1, ['local'] = 1, ['nil'] = 1,
    ['not'] = 1, ['or'] = 1, ['repeat'] = 1, ['return'] = 1, ['then'] = 1, ['true'] = 1, ['until'] = 1,
    ['while'] = 1,
  }
  return type(s) == 'string' and s:match('^[%a_][%w_]*$') ~= nil and not keywords[s]
end

-- A DataTypes value as source: T.STRING(160), T.DECIMAL(10, 2), T.SQL('text[]').
local function type_source(t)
  local key = t.key
  if key == 'SQL' then return 'T.SQL(' .. q(t.sql) .. ')' end
  if key == 'ENUM' then
    local values = {}
    for i, v in ipairs(t.values) do values[i] = q(v) end
    return 'T.ENUM(' .. table.concat(values, ', ') .. ')'
  end
  if (key == 'STRING' or key == 'CHAR') and t.length then return string.format('T.%s(%d)', key, t.length) end
  if key == 'DECIMAL' and t.precision then return string.format('T.DECIMAL(%d, %d)', t.precision, t.scale or 0) end
  if key == 'FLOAT' and t.precision then return string.format('T.FLOAT(%d)', t.precision) end
  return 'T.' .. key
end

-- Any value of a definition as source (tables recursively, with keys sorted
-- in `order` first, then by name).
local value_source

local ORDERS = {
  attribute = { 'type', 'primaryKey', 'autoIncrement', 'allowNull', 'defaultValue', 'unique', 'comment',
                'references', 'onDelete', 'onUpdate', 'field' },
  references = { 'model', 'table', 'key', 'keys', 'schema' },
  options = { 'tableName', 'schema', 'freezeTableName', 'timestamps', 'primaryKey', 'comment', 'indexes',
              'foreignKeys' },
  index = { 'name', 'unique', 'fields', 'where', 'using' },
  foreignKey = { 'name', 'fields', 'references', 'onDelete', 'onUpdate' },
  field = { 'name', 'order' },
}
local RANKS = {}
for kind, list in pairs(ORDERS) do
  RANKS[kind] = {}
  for i, k in ipairs(list) do RANKS[kind][k] = i end
end

-- The key order for a table, told by the keys it has.
local function ranks_for(t)
  if t.type ~= nil then return RANKS.attribute end
  if t.tableName ~= nil or t.freezeTableName ~= nil or t.timestamps ~= nil then return RANKS.options end
  if t.fields ~= nil and t.references ~= nil then return RANKS.foreignKey end
  if t.fields ~= nil then return RANKS.index end
  if t.key ~= nil or t.keys ~= nil or t.table ~= nil or t.model ~= nil then return RANKS.references end
  if t.order ~= nil then return RANKS.field end
  return {}
end

local function sorted_keys(t)
  local rank = ranks_for(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    local ra, rb = rank[a] or math.huge, rank[b] or math.huge
    if ra ~= rb then return ra < rb end
    return tostring(a) < tostring(b)
  end)
  return keys
end

local function key_source(k)
  if is_identifier(k) then return k end
  if math.type(k) == 'integer' then return '[' .. k .. ']' end
  return '[' .. q(k) .. ']'
end

function value_source(v, indent)
  local t = type(v)
  if t == 'string' then return q(v) end
  if t == 'number' then return number(v) end
  if t == 'boolean' then return tostring(v) end
  if datatypes.is(v) then return type_source(v) end
  if datatypes.isNow(v) then return 'T.NOW' end
  if datatypes.isLiteral(v) then return 'modelsync.literal(' .. q(v.sql) .. ')' end
  if t ~= 'table' then errors.raise('E_OPTION', 'render: cannot write a ' .. t) end
  local n = #v
  local count = 0
  for _ in pairs(v) do count = count + 1 end
  local parts = {}
  if count == n then
    for i = 1, n do parts[i] = value_source(v[i], indent .. '  ') end
  else
    for _, k in ipairs(sorted_keys(v)) do
      parts[#parts + 1] = key_source(k) .. ' = ' .. value_source(v[k], indent .. '  ')
    end
  end
  if #parts == 0 then return '{}' end
  local one_line = '{ ' .. table.concat(parts, ', ') .. ' }'
  if #one_line + #indent <= 100 and not one_line:find('\n') then return one_line end
  return '{\n' .. indent .. '  ' .. table.concat(parts, ',\n' .. indent .. '  ') .. ',\n' .. indent .. '}'
end

-- A comment line that cannot end the comment early or span lines.
local function comment(s)
  return '-- ' .. tostring(s):gsub('[\r\n]+', ' ')
end

-- One model's define() call.
local function model_source(d)
  if type(d) ~= 'table' or type(d.name) ~= 'string' then
    errors.raise('E_OPTION', 'render: each definition needs a name (a string)')
  end
  local lines = {}
  for _, n in ipairs(d.notes or {}) do lines[#lines + 1] = comment('note: ' .. n) end
  lines[#lines + 1] = 'db:define(' .. q(d.name) .. ', {'
  local attributes = d.attributes or {}
  if attributes[1] ~= nil then
    for _, pair in ipairs(attributes) do
      lines[#lines + 1] = '  { ' .. q(pair[1]) .. ', ' .. value_source(pair[2], '  ') .. ' },'
    end
  else
    local names = {}
    for name in pairs(attributes) do names[#names + 1] = name end
    table.sort(names)
    for _, name in ipairs(names) do
      lines[#lines + 1] = '  ' .. key_source(name) .. ' = ' .. value_source(attributes[name], '  ') .. ','
    end
  end
  lines[#lines + 1] = '}, ' .. value_source(d.options or {}, '') .. ')'
  return table.concat(lines, '\n')
end

-- render(defs [, opts]) -> source text.  opts.header: a first comment line.
function render.render(defs, opts)
  if type(defs) ~= 'table' then
    errors.raise('E_OPTION', 'render: expected the definitions discoverSchemas returns, got ' .. type(defs))
  end
  local list = {}
  if defs[1] ~= nil then
    for _, d in ipairs(defs) do list[#list + 1] = d end
  else
    for _, d in pairs(defs) do list[#list + 1] = d end
    table.sort(list, function(a, b) return tostring(a.name) < tostring(b.name) end)
  end
  local out = {
    comment((opts and opts.header) or 'Models discovered by modelsync: load(src)(db) defines them on db.'),
    'local db = ...',
    "local modelsync = require('modelsync')",
    'local T = modelsync.DataTypes',
    '',
  }
  for _, d in ipairs(list) do
    out[#out + 1] = model_source(d)
    out[#out + 1] = ''
  end
  out[#out + 1] = 'return db'
  return table.concat(out, '\n') .. '\n'
end

return render
