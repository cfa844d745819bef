-- spec/support/dialects.lua: the dialects every shared spec runs on, and a
-- fresh, isolated database for each test.
--
--   local dialects = require('support.dialects')
--   dialects.describe('Model:sync{alter=true}', function(ctx)
--     it('keeps rows', function()
--       local db = ctx.connect()            -- closed and removed after the test
--       ...
--     end)
--   end, { memory = true })                 -- also run on sqlite ':memory:'
--
-- SQLite always runs, on a fresh temporary file per test (removed after it),
-- and on ':memory:' too where a spec file asks for it.  PostgreSQL runs when
-- MODELSYNC_PG_URL is set: every test gets its own schema `ms_<random>`,
-- dropped and created before the test and dropped after it, and connections
-- are opened with `schema = ` that schema.  When MODELSYNC_PG_URL is unset the
-- PostgreSQL block is reported as pending, never silently passed.
--
-- The describe blocks are tagged `#sqlite` / `#postgres` (`busted --tags=sqlite`).
local M = {}

local PG_URL = os.getenv('MODELSYNC_PG_URL')
if PG_URL == '' then PG_URL = nil end

M.PENDING_PG = 'postgres: MODELSYNC_PG_URL not set'

---------------------------------------------------------------- utilities

local function random_hex(n)
  local f = io.open('/dev/urandom', 'rb')
  local bytes
  if f then bytes = f:read(n); f:close() end
  if not bytes or #bytes < n then
    math.randomseed(os.time() + math.floor(os.clock() * 1e6))
    local t = {}
    for i = 1, n do t[i] = string.char(math.random(0, 255)) end
    bytes = table.concat(t)
  end
  return (bytes:gsub('.', function(c) return string.format('%02x', c:byte()) end))
end
M.random_hex = random_hex

-- A fresh temporary file name (the file does not exist).  `suffix` is added
-- to the name, e.g. '_test.sqlite'.
function M.tmpname(suffix)
  local base = os.tmpname()        -- creates an empty file: we only want the name
  os.remove(base)
  return base .. '_' .. random_hex(3) .. (suffix or '.sqlite')
end

-- Removes a SQLite database file and its companions.
function M.remove_sqlite(path)
  if not path or path == ':memory:' then return end
  for _, suffix in ipairs({ '', '-journal', '-wal', '-shm' }) do os.remove(path .. suffix) end
end

local function url_decode(s)
  return (s:gsub('%%(%x%x)', function(h) return string.char(tonumber(h, 16)) end))
end

-- postgres://user:password@host:port/database?params -> table of parts.
function M.parse_pg_url(url)
  local rest = url:match('^postgres[q]?[l]?://(.*)$')
  assert(rest, 'MODELSYNC_PG_URL must be a postgres:// URL, got ' .. tostring(url))
  local query
  rest, query = rest:match('^([^?]*)%??(.*)$')
  local auth, hostpart = rest:match('^(.*)@([^@]*)$')
  if not auth then hostpart = rest end
  local hostport, database = hostpart:match('^([^/]*)/?(.*)$')
  local host, port = hostport:match('^(.-):(%d+)$')
  if not host then host = hostport end
  local user, password
  if auth then
    user, password = auth:match('^([^:]*):(.*)$')
    if not user then user = auth end
  end
  local params = {}
  for k, v in (query or ''):gmatch('([^&=]+)=([^&]*)') do params[url_decode(k)] = url_decode(v) end
  return {
    host = host ~= '' and host or nil,
    port = port and tonumber(port) or nil,
    database = database ~= '' and url_decode(database) or nil,
    user = user and user ~= '' and url_decode(user) or nil,
    password = password and url_decode(password) or nil,
    params = params,
  }
end

-- The dialects to run, in order.  Each: { name, label, available, memory }.
function M.list(opts)
  opts = opts or {}
  local list = {}
  if not opts.only or opts.only == 'sqlite' then
    list[#list + 1] = { name = 'sqlite', label = 'sqlite file', available = true, memory = false }
    if opts.memory then
      list[#list + 1] = { name = 'sqlite', label = 'sqlite :memory:', available = true, memory = true }
    end
  end
  if not opts.only or opts.only == 'postgres' then
    list[#list + 1] = { name = 'postgres', label = 'postgres', available = PG_URL ~= nil, url = PG_URL }
  end
  return list
end

function M.pg_available() return PG_URL ~= nil end

---------------------------------------------------------------- logging

-- A recorder for `logging = ...`: log.fn is the callback, log.statements the SQL.
function M.logger()
  local log = { statements = {}, steps = {} }
  log.fn = function(sql, step)
    log.statements[#log.statements + 1] = sql
    log.steps[#log.steps + 1] = step or false
  end
  function log.clear() log.statements = {}; log.steps = {} end
  return log
end

local DDL_WORDS = { CREATE = true, ALTER = true, DROP = true, INSERT = true, UPDATE = true,
                    DELETE = true, COMMENT = true, REINDEX = true, TRUNCATE = true, GRANT = true }

-- Is this statement DDL or a data change (what a no-op sync must never send)?
function M.is_change(sql)
  local word = tostring(sql):match('^%s*(%a+)')
  return word ~= nil and DDL_WORDS[word:upper()] == true
end

-- The statements of a log that change the database.
function M.changes(statements)
  local out = {}
  for _, s in ipairs(statements.statements or statements) do
    if M.is_change(s) then out[#out + 1] = s end
  end
  return out
end

-- Statements whose upper-cased text matches a Lua pattern (written upper case).
function M.grep(statements, pattern)
  local out = {}
  for _, s in ipairs(statements.statements or statements) do
    if tostring(s):upper():find(pattern) then out[#out + 1] = s end
  end
  return out
end

---------------------------------------------------------------- errors

-- Calls fn, which must raise; returns the error.  Checks the code (when given)
-- and that the message names every string in `names` (plain find).
function M.raises(fn, code, names)
  local ok, err = pcall(fn)
  assert(not ok, 'expected an error' .. (code and (' ' .. code) or '') .. ', but the call succeeded')
  local message = M.message(err)
  if code then
    assert(type(err) == 'table',
      'expected an error table with code ' .. code .. ', got ' .. type(err) .. ': ' .. message)
    assert(err.code == code, 'expected code ' .. code .. ', got ' .. tostring(err.code) .. ': ' .. message)
  end
  for _, name in ipairs(names or {}) do
    assert(message:find(name, 1, true),
      'expected the error message to name ' .. string.format('%q', name) .. ', got: ' .. message)
  end
  return err
end

-- The text of an error (a modelsync error table or a string).
function M.message(err)
  if type(err) == 'table' then
    local m = err.message
    if m == nil then
      local ok, s = pcall(tostring, err)
      m = ok and s or '?'
    end
    return tostring(m)
  end
  return tostring(err)
end

---------------------------------------------------------------- plan helpers

-- A step's SQL as one string, whether the step holds a string or a list.
function M.step_sql(step)
  local sql = step.sql
  if type(sql) == 'table' then return table.concat(sql, ';\n') end
  return tostring(sql or '')
end

-- A readable listing of plan steps, for assertion messages.
function M.describe_steps(steps)
  local lines = {}
  for _, s in ipairs(steps or {}) do
    lines[#lines + 1] = string.format('%s %s.%s risk=%s skipped=%s reason=%s sql=%s',
      tostring(s.op), tostring(s.table), tostring(s.column), tostring(s.risk),
      tostring(s.skipped), tostring(s.reason), M.step_sql(s))
  end
  return table.concat(lines, '\n')
end

-- Steps matching a filter table ({ op =, table =, column = }).
function M.find_steps(plan, filter)
  local out = {}
  for _, s in ipairs(plan.steps or {}) do
    local ok = true
    for k, v in pairs(filter) do if s[k] ~= v then ok = false end end
    if ok then out[#out + 1] = s end
  end
  return out
end

---------------------------------------------------------------- a context per dialect

local Context = {}
Context.__index = Context

local function merge(a, b)
  local t = {}
  for k, v in pairs(a or {}) do t[k] = v end
  for k, v in pairs(b or {}) do t[k] = v end
  return t
end

local function truthy(v)
  return v == true or v == 1 or v == 't' or v == 'true' or v == '1'
end
M.truthy = truthy

function Context:setup()
  self.connections = {}
  self.files = {}
  if self.name == 'sqlite' then
    if self.memory then
      self.storage = ':memory:'
    else
      self.storage = M.tmpname('.sqlite')
      self.files[#self.files + 1] = self.storage
    end
    self.database_name = self.memory and ':memory:' or self.storage:match('([^/]+)%.[^./]*$')
  else
    local parts = M.parse_pg_url(PG_URL)
    self.pg = parts
    self.schema = 'ms_' .. random_hex(6)
    self.database_name = parts.database
    local admin = self:admin()
    admin:query('DROP SCHEMA IF EXISTS "' .. self.schema .. '" CASCADE')
    admin:query('CREATE SCHEMA "' .. self.schema .. '"')
    self.extra_schemas = {}
  end
end

-- The admin connection (postgres): the URL's own default schema.
function Context:admin()
  if not self.admin_db then
    self.admin_db = require('modelsync').connect(PG_URL)
  end
  return self.admin_db
end

function Context:teardown()
  for i = #self.connections, 1, -1 do
    pcall(function() self.connections[i]:close() end)
  end
  self.connections = {}
  if self.name == 'postgres' and self.schema then
    local admin = self:admin()
    for _, s in ipairs(self.extra_schemas or {}) do
      pcall(admin.query, admin, 'DROP SCHEMA IF EXISTS "' .. s .. '" CASCADE')
    end
    local ok, err = pcall(admin.query, admin, 'DROP SCHEMA IF EXISTS "' .. self.schema .. '" CASCADE')
    pcall(admin.close, admin)
    self.admin_db = nil
    if not ok then error('teardown: cannot drop schema ' .. self.schema .. ': ' .. M.message(err), 0) end
  end
  for _, f in ipairs(self.files) do M.remove_sqlite(f) end
  self.files = {}
end

-- The connect() options table for this test's database.
-- MODELSYNC_TEST_INTROSPECTION (auto | full) sets the connect option
-- introspection for every spec that does not choose it (scripts/test's gc pass
-- runs the suite with 'full').
function Context:options(extra)
  local o
  if self.name == 'sqlite' then
    o = { dialect = 'sqlite', storage = self.storage }
  else
    local p = self.pg
    o = { dialect = 'postgres', host = p.host, port = p.port, database = p.database,
          user = p.user, password = p.password, schema = self.schema }
  end
  o.introspection = os.getenv('MODELSYNC_TEST_INTROSPECTION')
  return merge(o, extra)
end

-- The URL form of this test's database.
function Context:url()
  if self.name == 'sqlite' then return 'sqlite:' .. self.storage end
  local sep = PG_URL:find('?', 1, true) and '&' or '?'
  return PG_URL .. sep .. 'schema=' .. self.schema
end

-- Opens a connection to this test's database (closed after the test).
function Context:connect(extra)
  local db = require('modelsync').connect(self:options(extra))
  self.connections[#self.connections + 1] = db
  return db
end

-- Registers something to close after the test.
function Context:track(db)
  self.connections[#self.connections + 1] = db
  return db
end

-- A further temporary SQLite file, removed after the test.
function Context:tmpfile(suffix)
  local path = M.tmpname(suffix)
  self.files[#self.files + 1] = path
  return path
end

-- A further PostgreSQL schema name dropped after the test.
function Context:extra_schema()
  local s = self.schema .. '_x' .. random_hex(2)
  self.extra_schemas[#self.extra_schemas + 1] = s
  return s
end

-- "name" quoted, for hand-written SQL in specs.
function Context.q(name) return '"' .. tostring(name):gsub('"', '""') .. '"' end

-- The qualified name of a table of this test's schema.
function Context:qt(name)
  if self.name == 'postgres' then return self.q(self.schema) .. '.' .. self.q(name) end
  return self.q(name)
end

-- Names of the tables of this test's database (sorted).
function Context:tables(db)
  local rows
  if self.name == 'sqlite' then
    rows = db:query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
  else
    rows = db:query('SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 ORDER BY tablename',
      { self.schema })
  end
  local out = {}
  for _, r in ipairs(rows) do out[#out + 1] = r.name end
  return out
end

function Context:table_exists(db, name)
  for _, t in ipairs(self:tables(db)) do if t == name then return true end end
  return false
end

-- Columns of a table, in table order: { name, type (lower case), notnull,
-- default (text or nil), pk, comment } ; also indexed by name.
function Context:columns(db, table_name)
  local out = {}
  if self.name == 'sqlite' then
    for _, r in ipairs(db:query('PRAGMA table_info(' .. self.q(table_name) .. ')')) do
      out[#out + 1] = { name = r.name, type = tostring(r.type or ''):lower(), notnull = truthy(r.notnull),
                        default = r.dflt_value, pk = (tonumber(r.pk) or 0) > 0 }
    end
  else
    local rows = db:query([[
      SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
             a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS dflt,
             col_description(c.oid, a.attnum) AS comment, a.attnum AS position,
             COALESCE((SELECT true FROM pg_index x WHERE x.indrelid = c.oid AND x.indisprimary
                       AND a.attnum = ANY (x.indkey)), false) AS pk,
             a.attidentity AS identity
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum]], { self.schema, table_name })
    for _, r in ipairs(rows) do
      out[#out + 1] = { name = r.name, type = tostring(r.type):lower(), notnull = truthy(r.notnull),
                        default = r.dflt, pk = truthy(r.pk), comment = r.comment,
                        identity = r.identity ~= nil and r.identity ~= '' }
    end
  end
  for _, c in ipairs(out) do out[c.name] = c end
  return out
end

-- Column names of a table in order.
function Context:column_names(db, table_name)
  local names = {}
  for _, c in ipairs(self:columns(db, table_name)) do names[#names + 1] = c.name end
  return names
end

-- Indexes of a table (the primary key's excluded): { name, unique, columns = {...},
-- descending = {...}, partial }; also indexed by name.
function Context:indexes(db, table_name)
  local out = {}
  if self.name == 'sqlite' then
    for _, r in ipairs(db:query('PRAGMA index_list(' .. self.q(table_name) .. ')')) do
      if r.origin ~= 'pk' then
        local ix = { name = r.name, unique = truthy(r.unique), partial = truthy(r.partial),
                     columns = {}, descending = {} }
        for _, c in ipairs(db:query('PRAGMA index_xinfo(' .. self.q(r.name) .. ')')) do
          if truthy(c.key) then
            ix.columns[#ix.columns + 1] = c.name
            ix.descending[#ix.descending + 1] = truthy(c.desc)
          end
        end
        out[#out + 1] = ix
      end
    end
  else
    local rows = db:query([[
      SELECT i.relname AS name, x.indisunique AS uniq, pg_get_indexdef(x.indexrelid) AS def,
             x.indpred IS NOT NULL AS partial
      FROM pg_index x
      JOIN pg_class i ON i.oid = x.indexrelid
      JOIN pg_class t ON t.oid = x.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = $1 AND t.relname = $2 AND NOT x.indisprimary
      ORDER BY i.relname]], { self.schema, table_name })
    for _, r in ipairs(rows) do
      local ix = { name = r.name, unique = truthy(r.uniq), partial = truthy(r.partial),
                   columns = {}, descending = {}, definition = r.def }
      local list = tostring(r.def):match('USING %w+ %((.-)%)')
      for part in (list or ''):gmatch('[^,]+') do
        part = part:gsub('^%s+', ''):gsub('%s+$', '')
        local desc = part:find('%sDESC') ~= nil
        local name = part:match('^"(.-)"') or part:match('^(%S+)')
        ix.columns[#ix.columns + 1] = name
        ix.descending[#ix.descending + 1] = desc
      end
      out[#out + 1] = ix
    end
  end
  table.sort(out, function(a, b) return a.name < b.name end)
  for _, ix in ipairs(out) do out[ix.name] = ix end
  return out
end

-- The index of a table on exactly these columns (in order), or nil.
function Context:index_on(db, table_name, columns)
  for _, ix in ipairs(self:indexes(db, table_name)) do
    if table.concat(ix.columns, ',') == table.concat(columns, ',') then return ix end
  end
  return nil
end

local PG_ACTIONS = { a = 'NO ACTION', r = 'RESTRICT', c = 'CASCADE', n = 'SET NULL', d = 'SET DEFAULT' }

-- Foreign keys of a table: { columns = {...}, refTable, refColumns = {...}, onDelete, onUpdate }.
function Context:foreign_keys(db, table_name)
  local out = {}
  if self.name == 'sqlite' then
    local by_id = {}
    for _, r in ipairs(db:query('PRAGMA foreign_key_list(' .. self.q(table_name) .. ')')) do
      local fk = by_id[r.id]
      if not fk then
        fk = { columns = {}, refColumns = {}, refTable = r.table, onDelete = r.on_delete,
               onUpdate = r.on_update }
        by_id[r.id] = fk
        out[#out + 1] = fk
      end
      fk.columns[r.seq + 1] = r.from
      fk.refColumns[r.seq + 1] = r.to
    end
  else
    local rows = db:query([[
      SELECT con.conname AS name, rt.relname AS reftable,
             con.confupdtype::text AS upd, con.confdeltype::text AS del,
             (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
                FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS cols,
             (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
                FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS refcols
      FROM pg_constraint con
      JOIN pg_class t ON t.oid = con.conrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      JOIN pg_class rt ON rt.oid = con.confrelid
      WHERE con.contype = 'f' AND n.nspname = $1 AND t.relname = $2
      ORDER BY con.conname]], { self.schema, table_name })
    for _, r in ipairs(rows) do
      local fk = { name = r.name, refTable = r.reftable, onDelete = PG_ACTIONS[r.del],
                   onUpdate = PG_ACTIONS[r.upd], columns = {}, refColumns = {} }
      for c in tostring(r.cols):gmatch('[^,]+') do fk.columns[#fk.columns + 1] = c end
      for c in tostring(r.refcols):gmatch('[^,]+') do fk.refColumns[#fk.refColumns + 1] = c end
      out[#out + 1] = fk
    end
  end
  return out
end

-- Number of rows of a table (hand-written SQL, independent of the model layer).
function Context:count_rows(db, table_name, where)
  local rows = db:query('SELECT COUNT(*) AS n FROM ' .. self:qt(table_name) .. (where and (' WHERE ' .. where) or ''))
  return tonumber(rows[1].n)
end

-- The SQLite CREATE statement of a table or index.
function Context:create_sql(db, name)
  assert(self.name == 'sqlite', 'create_sql is for sqlite')
  local rows = db:query('SELECT sql FROM sqlite_master WHERE name = $1', { name })
  return rows[1] and rows[1].sql or nil
end

---------------------------------------------------------------- describe

-- Runs `body(ctx)` inside a describe block per dialect.  opts.memory adds a
-- sqlite ':memory:' run; opts.only = 'sqlite' | 'postgres' restricts.
function M.describe(title, body, opts)
  -- busted puts its API in each spec file's environment, not in _G: a module
  -- reaches it through require('busted')
  local busted = require('busted')
  local describe, pending = busted.describe, busted.pending
  local before_each, after_each = busted.before_each, busted.after_each
  for _, d in ipairs(M.list(opts)) do
    local tags = ' #' .. d.name .. (d.memory and ' #memory' or '')
    describe(title .. ' [' .. d.label .. ']' .. tags, function()
      if not d.available then
        pending(M.PENDING_PG)
        return
      end
      local ctx = setmetatable({ name = d.name, memory = d.memory, label = d.label }, Context)
      -- methods callable as ctx.connect(...) as well as ctx:connect(...)
      for k, f in pairs(Context) do
        if type(f) == 'function' and k ~= '__index' and k ~= 'q' then
          ctx[k] = function(first, ...)
            if first == ctx then return f(ctx, ...) end
            return f(ctx, first, ...)
          end
        end
      end
      ctx.q = Context.q
      before_each(function() ctx:setup() end)
      after_each(function() ctx:teardown() end)
      body(ctx)
    end)
  end
end

return M
