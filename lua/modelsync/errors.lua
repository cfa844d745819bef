-- modelsync.errors: the error tables every part of modelsync raises.
--
-- An error is a table { code = 'E_...', message = ..., table =, column =, sql = }
-- with the C core's own metatable (`core.errorMetatable`), so an error raised
-- by the Lua layer and one raised by the core look and print the same:
-- `tostring(err)` is "E_CODE: message", and pcall users branch on `err.code`.
--
-- Codes raised by the Lua layer (the core adds E_CONNECT, E_SQL, E_DATA,
-- E_STALE_PLAN, E_INTERNAL, E_LOGGING, and E_CLOSED / E_DEFINITION too):
--   E_OPTION         an unknown option, or an option of the wrong type or value
--   E_TYPE           a bad DataTypes value (unknown type, bad length/precision, ENUM without values)
--   E_DEFINITION     a model that cannot exist (clashing columns, bad reference, ...)
--   E_MATCH          sync{match = ...} does not match the database name
--   E_CLOSED         a call on a closed connection
--   E_UNKNOWN_MODEL  a model name that was never defined
--   E_HOOK           a hook raised (the original error is in `cause`)
--   E_TRANSACTION    a sync inside db:transaction(), or a misuse of transactions

local errors = {}

local fallback_metatable = {
  __name = 'modelsync.error',
  __tostring = function(err)
    return string.format('%s: %s', tostring(err.code or 'E_UNKNOWN'), tostring(err.message or '(no message)'))
  end,
}

-- The core's metatable when the core can be loaded, else an equivalent one
-- (so datatypes, inflection and model validation work without the C module).
local function load_metatable()
  local ok, core = pcall(require, 'modelsync.core')
  if ok and type(core) == 'table' and type(core.errorMetatable) == 'table' then
    return core.errorMetatable
  end
  return fallback_metatable
end

errors.metatable = load_metatable()

-- Makes an error table (without raising it). fields may add table, column,
-- sql, model, attribute, option, cause...
function errors.new(code, message, fields)
  local err = { code = code, message = message }
  if fields then
    for k, v in pairs(fields) do
      if err[k] == nil then err[k] = v end
    end
  end
  return setmetatable(err, errors.metatable)
end

-- Raises a new error table.
function errors.raise(code, message, fields)
  error(errors.new(code, message, fields), 0)
end

-- true when value is an error table made by modelsync (Lua or C side).
function errors.is(value, code)
  if type(value) ~= 'table' or type(value.code) ~= 'string' or type(value.message) ~= 'string' then
    return false
  end
  local mt = getmetatable(value)
  if mt ~= errors.metatable and mt ~= fallback_metatable then return false end
  return code == nil or value.code == code
end

-- Levenshtein distance between two strings (bytes).
local function distance(a, b)
  local la, lb = #a, #b
  if la == 0 then return lb end
  if lb == 0 then return la end
  local previous, current = {}, {}
  for j = 0, lb do previous[j] = j end
  for i = 1, la do
    current[0] = i
    local ca = a:byte(i)
    for j = 1, lb do
      local cost = (ca == b:byte(j)) and 0 or 1
      local v = previous[j] + 1
      if current[j - 1] + 1 < v then v = current[j - 1] + 1 end
      if previous[j - 1] + cost < v then v = previous[j - 1] + cost end
      current[j] = v
    end
    previous, current = current, previous
  end
  return previous[lb]
end
errors.distance = distance

-- The candidate nearest to word by edit distance (case differences count
-- for little), or nil when none is close enough to be a likely typo.
-- candidates: an array of strings, or a set (keys are the candidates).
function errors.suggest(word, candidates)
  if type(word) ~= 'string' then return nil end
  local list = {}
  if candidates[1] ~= nil then
    for _, c in ipairs(candidates) do list[#list + 1] = c end
  else
    for c in pairs(candidates) do
      if type(c) == 'string' then list[#list + 1] = c end
    end
  end
  table.sort(list)
  local lower = word:lower()
  local best, best_score
  for _, candidate in ipairs(list) do
    local score
    if candidate:lower() == lower then
      score = 0.5
    else
      score = distance(lower, candidate:lower()) + 1
    end
    if best_score == nil or score < best_score then best, best_score = candidate, score end
  end
  if best == nil then return nil end
  local limit = math.max(2, math.floor(#word / 3)) + 1
  if best_score <= limit then return best end
  return nil
end

-- " (did you mean 'x'?)" or "".
function errors.did_you_mean(word, candidates)
  local s = errors.suggest(word, candidates)
  if s then return string.format(" (did you mean '%s'?)", s) end
  return ''
end

return errors
