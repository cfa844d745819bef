-- modelsync: keep a database in step with models declared in Lua.
--
--   local modelsync = require('modelsync')
--   local T = modelsync.DataTypes
--   local db = modelsync.connect('sqlite::memory:')      -- or a table of options
--   local User = db:define('User', { name = T.STRING })
--   db:sync{ alter = true }
--
-- This file holds connect() and the connection object; models are in
-- model.lua, synchronisation in sync.lua, rows in query.lua.

local errors = require('modelsync.errors')
local options = require('modelsync.options')
local datatypes = require('modelsync.datatypes')
local inflection = require('modelsync.inflection')
local hooks = require('modelsync.hooks')
local model = require('modelsync.model')
local sync = require('modelsync.sync')
local query = require('modelsync.query')
local planlib = require('modelsync.plan')

local modelsync = {
  _VERSION = 'modelsync 0.1.0',
  DataTypes = datatypes.DataTypes,
  literal = datatypes.literal,
  null = datatypes.null,
  errors = errors,
  inflection = inflection,
  quoteIdentifier = query.quoteIdentifier,
}
modelsync.NULL = modelsync.null
modelsync.NOW = datatypes.DataTypes.NOW

-- Sequelize-style operator names for where: { col = { [Op.gt] = 5 } }.
modelsync.Op = {
  eq = '$eq', ne = '$ne', gt = '$gt', gte = '$gte', lt = '$lt', lte = '$lte', like = '$like',
  notLike = '$notLike', ['in'] = '$in', notIn = '$notIn', between = '$between',
  notBetween = '$notBetween', is = '$is', ['not'] = '$not', ['or'] = '$or', ['and'] = '$and',
}

-- The core is loaded on first connect, so that the pure-Lua parts
-- (DataTypes, inflection, define-time validation) work without it.
local core
local function load_core()
  if core == nil then core = require('modelsync.core') end
  return core
end

-- ------------------------------------------------------------- connection

local DB = {}
local db_metatable = {
  __index = DB,
  __name = 'modelsync.connection',
}

local CONNECT_OPTIONS = {
  dialect = 'non-empty string', storage = 'non-empty string', url = 'non-empty string',
  host = 'non-empty string', port = 'integer|non-empty string', database = 'non-empty string',
  user = 'string', username = 'string', password = 'string', schema = 'non-empty string',
  define = 'table', logging = 'function|boolean', foreignKeys = 'boolean',
  busyTimeout = 'integer', lockTimeout = 'integer', introspection = 'non-empty string',
}

local DIALECTS = { sqlite = 'sqlite', sqlite3 = 'sqlite', postgres = 'postgres', postgresql = 'postgres', pg = 'postgres' }

-- Raises E_CLOSED when the connection is closed.
function DB:_check()
  if self._closed then
    errors.raise('E_CLOSED', 'the connection is closed')
  end
end

local function print_logger(sql) print(sql) end

-- Runs fn(conn) with the logger of this call installed (the call's logging
-- option, else db.options.logging); the logger is removed afterwards, also
-- when fn raises (the error is re-raised unchanged).
function DB:_call(logging, fn)
  self:_check()
  local conn = self._conn
  if logging == nil then logging = self.options.logging end
  if logging == true then logging = print_logger end
  if logging == false then logging = nil end
  if logging ~= nil and type(logging) ~= 'function' then
    options.bad('logging', 'function or boolean', logging, '')
  end
  conn:setLogger(logging)
  local result = table.pack(pcall(fn, conn))
  if not self._closed then pcall(conn.setLogger, conn, nil) end
  if not result[1] then error(result[2], 0) end
  return table.unpack(result, 2, result.n)
end

function DB:close()
  if not self._closed then
    self._closed = true
    self._conn:close()
  end
end

db_metatable.__close = function(db) db:close() end
db_metatable.__gc = function(db) if db._conn then db:close() end end
db_metatable.__tostring = function(db)
  if db._closed then return 'modelsync connection (closed)' end
  return tostring(db._conn)
end

function DB:isClosed()
  return self._closed == true
end

function DB:getDialect()
  return self.dialect
end

-- The name `match` tests (PostgreSQL: the database; SQLite: the `database`
-- option, else the storage file's name without folder and extension).
function DB:getDatabaseName()
  self:_check()
  return self._databaseName
end

-- The core connection (for tools; bypasses logging defaults).
function DB:getCore()
  self:_check()
  return self._conn
end

-- Checks that the connection works: one trivial query.
function DB:authenticate()
  self:_check()
  self:query('SELECT 1 AS "ok"')
  return true
end

-- db:define(name, attributes, options) -> model (a redefinition replaces it).
-- It touches no database, so it works on a closed connection too (the
-- model's database calls then raise E_CLOSED).
function DB:define(name, attributes, opts)
  local m = model.define(self, name, attributes, opts)
  if self.models[name] == nil then self._modelOrder[#self._modelOrder + 1] = name end
  self.models[name] = m
  self._definitions = (self._definitions or 0) + 1   -- invalidates sync's cached tables
  return m
end

-- db:model(name) -> the model, or E_UNKNOWN_MODEL.
function DB:model(name)
  local m = self.models[name]
  if m == nil then
    errors.raise('E_UNKNOWN_MODEL', string.format("unknown model '%s'%s", tostring(name),
      errors.did_you_mean(tostring(name), self._modelOrder)), { model = name })
  end
  return m
end

function DB:isDefined(name)
  return self.models[name] ~= nil
end

-- Forgets a model (its table is left alone).
function DB:removeModel(name)
  if self.models[name] == nil then return false end
  self.models[name] = nil
  self._definitions = (self._definitions or 0) + 1
  for i, n in ipairs(self._modelOrder) do
    if n == name then table.remove(self._modelOrder, i) break end
  end
  return true
end

hooks.install(DB, hooks.CONNECTION,
  function(db) return db._hooks end,
  function() return 'the connection' end)

sync.installConnection(DB)
sync.installModel(model.methods)
query.installConnection(DB)
query.installModel(model.methods)

-- Optional modules (LoopBack forms, discovery, migrations) install their
-- methods when they exist.
for _, name in ipairs({ 'modelsync.loopback', 'modelsync.discover', 'modelsync.migrate' }) do
  local ok, mod = pcall(require, name)
  if ok and type(mod) == 'table' then
    if mod.installConnection then mod.installConnection(DB) end
    if mod.installModel then mod.installModel(model.methods) end
    if mod.installModule then mod.installModule(modelsync) end
  elseif not ok and not tostring(mod):find("module '" .. name .. "' not found", 1, true) then
    error(mod, 0)
  end
end

-- ------------------------------------------------------------------- URLs

local function percent_decode(s)
  return (s:gsub('%%(%x%x)', function(h) return string.char(tonumber(h, 16)) end))
end

local function percent_encode(s)
  return (s:gsub('[^%w%-%._~]', function(c) return string.format('%%%02X', c:byte()) end))
end

-- Query parameters we understand in URLs, and their types.
local URL_PARAMETERS = {
  schema = 'string', foreignKeys = 'boolean', busyTimeout = 'integer', lockTimeout = 'integer',
  database = 'string',
}

local function url_parameter(key, value, url_kind)
  local kind = URL_PARAMETERS[key]
  if kind == 'boolean' then
    if value == 'true' or value == '1' then return true end
    if value == 'false' or value == '0' then return false end
    errors.raise('E_OPTION', string.format("bad parameter '%s' in the %s URL: expected true or false", key, url_kind),
      { option = key })
  elseif kind == 'integer' then
    local n = math.tointeger(tonumber(value))
    if not n then
      errors.raise('E_OPTION', string.format("bad parameter '%s' in the %s URL: expected an integer", key, url_kind),
        { option = key })
    end
    return n
  end
  return value
end

-- 'sqlite::memory:', 'sqlite:path/file.sqlite', 'sqlite://path', 'sqlite:///abs/path'
-- 'postgres://user:pw@host:port/db?schema=x', 'postgresql://...'  -> options
function modelsync.parseUrl(url)
  local scheme, rest = url:match('^(%a[%w+.-]*):(.*)$')
  scheme = scheme and scheme:lower()
  if scheme == 'sqlite' or scheme == 'sqlite3' then
    local path, q = rest:match('^([^?]*)%??(.*)$')
    if path:sub(1, 2) == '//' then path = path:sub(3) end
    if path == '' or path == ':memory:' then path = ':memory:' end
    local o = { dialect = 'sqlite', storage = percent_decode(path) }
    for key, value in q:gmatch('([^&=]+)=?([^&]*)') do
      key = percent_decode(key)
      if not URL_PARAMETERS[key] or key == 'lockTimeout' or key == 'schema' then
        errors.raise('E_OPTION', string.format("unknown parameter '%s' in the sqlite URL%s", key,
          errors.did_you_mean(key, { 'foreignKeys', 'busyTimeout', 'database' })), { option = key })
      end
      o[key] = url_parameter(key, percent_decode(value), 'sqlite')
    end
    return o
  elseif scheme == 'postgres' or scheme == 'postgresql' then
    local authority, path, q = rest:match('^//([^/?]*)(/?[^?]*)%??(.*)$')
    if not authority then
      errors.raise('E_OPTION', "bad postgres URL: expected postgres://user:password@host:port/database")
    end
    local o = { dialect = 'postgres' }
    local userinfo, hostport = authority:match('^(.*)@(.*)$')
    if not userinfo then hostport = authority end
    if userinfo then
      local user, password = userinfo:match('^([^:]*):(.*)$')
      if user then
        o.user, o.password = percent_decode(user), percent_decode(password)
      else
        o.user = percent_decode(userinfo)
      end
    end
    local host, port = hostport:match('^(.*):(%d+)$')
    if host then
      o.port = math.tointeger(tonumber(port))
    else
      host = hostport
    end
    host = host:gsub('^%[(.*)%]$', '%1')
    if host ~= '' then o.host = percent_decode(host) end
    local database = path:gsub('^/', '')
    if database ~= '' then o.database = percent_decode(database) end
    -- Parameters of ours are taken out; the rest (sslmode, ...) go to libpq in the URL.
    local passthrough = {}
    for pair in q:gmatch('[^&]+') do
      local key, value = pair:match('^([^=]*)=?(.*)$')
      local k = percent_decode(key)
      if URL_PARAMETERS[k] and k ~= 'foreignKeys' and k ~= 'busyTimeout' and k ~= 'database' then
        o[k] = url_parameter(k, percent_decode(value), 'postgres')
      else
        passthrough[#passthrough + 1] = pair
      end
    end
    local clean = 'postgresql://' .. authority .. path
    if #passthrough > 0 then clean = clean .. '?' .. table.concat(passthrough, '&') end
    o.url = clean
    return o
  end
  errors.raise('E_CONNECT', string.format("unsupported connection URL scheme '%s' (expected sqlite:... or postgres://...)",
    tostring(scheme or url:match('^[^:/]*'))))
end

-- ---------------------------------------------------------------- connect

-- modelsync.connect(url | options [, options]) -> db
function modelsync.connect(target, extra)
  local o
  if type(target) == 'string' then
    o = modelsync.parseUrl(target)
    if extra ~= nil then
      options.validate(extra, CONNECT_OPTIONS, ' in connect()')
      for k, v in pairs(extra) do o[k] = v end
    end
  elseif type(target) == 'table' then
    if extra ~= nil then
      errors.raise('E_OPTION', 'connect(options) takes one table; connect(url, options) takes a URL and a table')
    end
    options.validate(target, CONNECT_OPTIONS, ' in connect()')
    o = options.copy(target)
    if o.url then
      local parsed = modelsync.parseUrl(o.url)
      o.url = nil
      for k, v in pairs(parsed) do if o[k] == nil or k == 'url' then o[k] = v end end
    end
  elseif target == nil then
    o = { dialect = 'sqlite', storage = ':memory:' }
  else
    errors.raise('E_OPTION', 'connect(): expected a URL string or a table of options, got ' .. type(target))
  end
  options.validate(o, CONNECT_OPTIONS, ' in connect()')
  if type(o.port) == 'string' then
    local port = math.tointeger(tonumber(o.port))
    if not port then options.bad('port', 'an integer', o.port, ' in connect()') end
    o.port = port
  end
  if o.port ~= nil then o.port = math.tointeger(o.port) end
  if o.username ~= nil then
    if o.user == nil then o.user = o.username end
    o.username = nil
  end
  if o.dialect == nil then
    if o.storage ~= nil then
      o.dialect = 'sqlite'
    else
      errors.raise('E_OPTION', "missing option 'dialect' in connect(): expected 'sqlite' or 'postgres'",
        { option = 'dialect' })
    end
  end
  o.dialect = DIALECTS[o.dialect:lower()] or o.dialect
  if o.dialect ~= 'sqlite' and o.dialect ~= 'postgres' then
    local names = {}
    for k in pairs(DIALECTS) do names[#names + 1] = k end
    errors.raise('E_CONNECT', string.format("unknown dialect '%s'%s (modelsync knows: sqlite, postgres)", o.dialect,
      errors.did_you_mean(o.dialect:lower(), names)), { option = 'dialect' })
  end
  if o.dialect == 'sqlite' then
    if o.storage == nil then o.storage = ':memory:' end
    for _, key in ipairs({ 'host', 'port', 'user', 'password', 'schema', 'lockTimeout' }) do
      if o[key] ~= nil then
        errors.raise('E_OPTION', string.format("option '%s' in connect() is for postgres, not sqlite", key),
          { option = key })
      end
    end
  elseif o.dialect == 'postgres' then
    for _, key in ipairs({ 'storage', 'foreignKeys', 'busyTimeout' }) do
      if o[key] ~= nil then
        errors.raise('E_OPTION', string.format("option '%s' in connect() is for sqlite, not postgres", key),
          { option = key })
      end
    end
  end
  if o.introspection ~= nil and o.introspection ~= 'auto' and o.introspection ~= 'full' then
    errors.raise('E_OPTION', string.format("bad option 'introspection': expected 'auto' or 'full', got '%s'",
      o.introspection), { option = 'introspection' })
  end
  if o.define ~= nil then
    model.validateOptions(o.define, " in connect option 'define'")
    o.define = options.copy(o.define)
  end

  local c = load_core()
  local conn = c.connect({
    dialect = o.dialect, storage = o.storage, url = o.url, host = o.host, port = o.port,
    database = o.database, user = o.user, password = o.password, schema = o.schema,
    foreignKeys = o.foreignKeys, busyTimeout = o.busyTimeout, lockTimeout = o.lockTimeout,
    fullIntrospection = o.introspection == 'full',
  })
  local info = conn:info()
  local db = setmetatable({
    options = o,
    dialect = info.dialect or o.dialect,
    models = {},
    _conn = conn,
    _closed = false,
    _modelOrder = {},
    _hooks = hooks.registry(),
    _transactionDepth = 0,
    _defaultSchema = info.schema,
    _databaseName = info.database,
    _maxIdentifierLength = math.tointeger(info.maxIdentifierLength) or 0,
  }, db_metatable)
  return db
end

-- Also as modelsync.new / modelsync.Sequelize-like constructor name.
modelsync.new = modelsync.connect

modelsync.isModel = model.isModel
modelsync.isPlan = planlib.isPlan
modelsync.isDataType = datatypes.is

-- Pure-Lua helpers used by tools and specs.
modelsync.datatypes = datatypes
modelsync.percentEncode = percent_encode

return modelsync
