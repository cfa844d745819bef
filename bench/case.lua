-- bench/case.lua: one benchmark workload in its own process (see bench/run.lua).
--
--   lua5.4 bench/case.lua DIALECT WORKLOAD N
--
-- Prints one JSON line per measured phase: dialect, workload, phase, n, ms,
-- statements (all sent), ddl (schema-changing ones), catalog (introspection
-- reads), rss_kb (peak resident set of this process so far).

local here = arg[0]:match('^(.*)/[^/]*$') or '.'
package.path = here .. '/../lua/?.lua;' .. here .. '/../lua/?/init.lua;' .. package.path
package.cpath = here .. '/../build-release/?.so;' .. here .. '/../build/?.so;' .. package.cpath

local modelsync = require('modelsync')
local T = modelsync.DataTypes
local clock = require('socket').gettime

local dialect, workload, n = arg[1], arg[2], tonumber(arg[3])
assert(dialect and workload and n, 'usage: case.lua DIALECT WORKLOAD N')

-- ------------------------------------------------------------ connection

-- MODELSYNC_BENCH_TARGET names a database a previous case kept (wide ->
-- wide-noop): the no-op runs in a process of its own, so that its peak RSS
-- is its own and it starts cold, as a restarted application does.
local target = os.getenv('MODELSYNC_BENCH_TARGET')
local keep = false
local cleanup, reconnect

-- A new SQLite file name in the temporary folder.
local function scratch_path()
  local path = os.tmpname()
  os.remove(path)
  return path .. '.sqlite'
end

local function connect()
  if dialect == 'sqlite' then
    local path = target or scratch_path()
    cleanup = function(db)
      db:close()
      if keep then print(string.format('{"keep":"%s"}', path)) return end
      os.remove(path); os.remove(path .. '-journal')
    end
    reconnect = function() return modelsync.connect{ dialect = 'sqlite', storage = path } end
    return modelsync.connect{ dialect = 'sqlite', storage = path }
  end
  math.randomseed(os.time(), tonumber(tostring({}):match('0x(%x+)'), 16) or 0)
  local schema = target or string.format('bench_%d_%d', os.time(), math.random(1, 1e6))
  reconnect = function() return modelsync.connect(os.getenv('MODELSYNC_PG_URL'), { schema = schema }) end
  local db = modelsync.connect(os.getenv('MODELSYNC_PG_URL'), { schema = schema })
  cleanup = function(d)
    if keep then d:close(); print(string.format('{"keep":"%s"}', schema)) return end
    -- One statement per table: DROP SCHEMA ... CASCADE of a thousand tables
    -- would need more locks than max_locks_per_transaction allows.
    local tables = d:query("SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename DESC", { schema })
    for _, row in ipairs(tables) do d:query('DROP TABLE IF EXISTS "' .. schema .. '"."' .. row.tablename .. '" CASCADE') end
    d:query('DROP SCHEMA "' .. schema .. '" CASCADE')
    d:close()
  end
  return db
end

-- ------------------------------------------------------------ measurement

local function peak_rss_kb()
  local f = io.open('/proc/self/status')
  if not f then return 0 end
  local text = f:read('a')
  f:close()
  return tonumber(text:match('VmHWM:%s*(%d+)')) or 0
end

local function is_ddl(sql)
  local head = sql:match('^%s*(%a+)')
  head = head and head:upper()
  return head == 'CREATE' or head == 'ALTER' or head == 'DROP' or head == 'COMMENT'
      or (head == 'INSERT' and sql:find('INTO "new_', 1, true) ~= nil)
end

local function is_catalog(sql)
  return sql:find('sqlite_master', 1, true) ~= nil or sql:find('pg_catalog', 1, true) ~= nil
      or sql:find('pg_namespace', 1, true) ~= nil or sql:find('pg_class', 1, true) ~= nil
end

-- Prints one phase's JSON line.
local function report(phase, size, ms, statements, ddl, catalog)
  print(string.format('{"dialect":"%s","workload":"%s","phase":"%s","n":%d,"ms":%.3f,"statements":%d,"ddl":%d,"catalog":%d,"rss_kb":%d}',
    dialect, workload == 'wide-noop' and 'wide' or workload, phase, size, ms, statements, ddl, catalog, peak_rss_kb()))
  io.stdout:flush()
end

-- Runs fn with a logger, prints the phase's JSON line; returns the statements it sent.
local function measure(db, phase, size, fn)
  local counts = { statements = 0, ddl = 0, catalog = 0, sql = {} }
  local trace = os.getenv('MODELSYNC_BENCH_TRACE') ~= nil     -- each statement to stderr
  db.options.logging = function(sql)
    if trace then io.stderr:write(phase, ': ', sql, '\n') end
    counts.statements = counts.statements + 1
    counts.sql[counts.statements] = sql
    if is_ddl(sql) then counts.ddl = counts.ddl + 1 end
    if is_catalog(sql) then counts.catalog = counts.catalog + 1 end
  end
  collectgarbage('collect')
  local started = clock()
  fn()
  local ms = (clock() - started) * 1000
  db.options.logging = false
  report(phase, size, ms, counts.statements, counts.ddl, counts.catalog)
  return counts.sql
end

-- SQLite only: the statements a phase sent, sent again one by one straight
-- to SQLite (the core's exec, no logger, no modelsync pipeline) on a copy of
-- the database as it was before the phase.  What SQLite itself costs for
-- that work: the phase's time minus this one is modelsync's own.
local function copy_file(from, to)
  local input = assert(io.open(from, 'rb'))
  local output = assert(io.open(to, 'wb'))
  output:write(input:read('a'))
  input:close()
  output:close()
end

local function replay(phase, size, statements, path)
  local conn = require('modelsync.core').connect{ dialect = 'sqlite', storage = path }
  collectgarbage('collect')
  local started = clock()
  for _, sql in ipairs(statements) do conn:exec(sql) end
  local ms = (clock() - started) * 1000
  conn:close()
  os.remove(path); os.remove(path .. '-journal')
  report(phase, size, ms, #statements, 0, 0)
end


-- ------------------------------------------------------------ wide models

local function model_name(i) return string.format('Wide%04d', i) end

-- The attributes of wide model i, optionally changed the alter-cycle way.
local function wide_attributes(i, changed)
  local attributes = {
    { 'id', { type = T.INTEGER, primaryKey = true, autoIncrement = true } },
    { 'c01', { type = T.INTEGER, allowNull = false, defaultValue = 0 } },
    { 'c02', T.BIGINT },
    { 'c03', { type = T.STRING, allowNull = false, defaultValue = 'x' } },
    { 'c04', T.TEXT },
    { 'c05', { type = T.BOOLEAN, allowNull = false, defaultValue = false } },
    { 'c06', T.DOUBLE },
    { 'c07', { type = T.DECIMAL(10, 2), defaultValue = 0 } },
    { 'c08', T.DATE },
    { 'c09', T.DATEONLY },
    { 'c10', T.UUID },
    { 'c11', T.JSON },
    { 'c12', T.INTEGER },
    { 'c13', T.STRING(40) },
    { 'c14', { type = T.DATE, allowNull = false, defaultValue = T.NOW } },
    { 'c15', T.BOOLEAN },
    { 'c16', T.DOUBLE },
    { 'c17', T.TEXT },
    { 'c18', T.STRING(80) },
  }
  if i > 1 then
    attributes[#attributes + 1] = { 'prevId', { type = T.INTEGER,
      references = { model = model_name(i - 1), key = 'id' }, onDelete = 'CASCADE' } }
  else
    attributes[#attributes + 1] = { 'prevId', T.INTEGER }
  end
  local indexes = { { fields = { 'c03' } }, { unique = true, fields = { 'c01', 'c02' } } }
  if changed then
    local kind = i % 10
    if kind == 0 then attributes[#attributes + 1] = { 'added', T.STRING }
    elseif kind == 1 then
      for k, pair in ipairs(attributes) do if pair[1] == 'c18' then table.remove(attributes, k) break end end
    elseif kind == 2 then attributes[13] = { 'c12', T.BIGINT }
    elseif kind == 3 then attributes[5] = { 'c04', { type = T.TEXT, allowNull = false, defaultValue = 'd' } }
    elseif kind == 4 then indexes[#indexes + 1] = { fields = { 'c06' } } end
  end
  return attributes, { tableName = model_name(i), timestamps = false, indexes = indexes }
end

local function define_wide(db, count, changed)
  for i = 1, count do db:define(model_name(i), wide_attributes(i, changed)) end
end

local function count_rows(db, count)
  local total = 0
  for i = 1, count do
    total = total + db:query('SELECT count(*) AS n FROM "' .. model_name(i) .. '"')[1].n
  end
  return total
end

local workloads = {}

function workloads.wide(db)
  define_wide(db, n, false)
  local statements = measure(db, 'first-sync', n, function() db:sync() end)
  if dialect == 'sqlite' then replay('first-sync-replay', n, statements, scratch_path()) end
  keep = true                        -- bench/run.lua runs wide-noop on it next
end

-- The no-op as a restarted application meets it: a new process that has read
-- nothing yet.  Then the same again on that connection (warm: SQLite reuses
-- the schema it read while PRAGMA schema_version is unchanged).
workloads['wide-noop'] = function(db)
  define_wide(db, n, false)
  measure(db, 'noop-alter', n, function() db:sync{ alter = true } end)
  measure(db, 'noop-alter-warm', n, function() db:sync{ alter = true } end)
end

workloads['alter-cycle'] = function(db)
  define_wide(db, n, false)
  db:sync()
  db:transaction(function()
    for i = 1, n do
      for k = 1, 3 do
        db:query('INSERT INTO "' .. model_name(i) .. '" ("c01", "c02", "c04", "prevId") VALUES ($1, $2, $3, $4)',
          { k, i, 'text', i > 1 and k or nil, n = 4 })
      end
    end
  end)
  local before = count_rows(db, n)
  define_wide(db, n, true)
  local before_alter
  if dialect == 'sqlite' then
    before_alter = scratch_path()
    copy_file(db.options.storage, before_alter)
  end
  local statements = measure(db, 'alter', n, function() db:sync{ alter = { drop = true } } end)
  if dialect == 'sqlite' then replay('alter-replay', n, statements, before_alter) end
  measure(db, 'noop-after-alter', n, function() db:sync{ alter = true } end)
  local after = count_rows(db, n)
  assert(before == after and before == 3 * n, string.format('rows lost: %d before, %d after', before, after))
end

workloads['big-table'] = function(db)
  local function define_big(extra)
    local attributes = {
      { 'id', { type = T.INTEGER, primaryKey = true, autoIncrement = true } },
      { 'a', T.INTEGER }, { 'b', T.STRING }, { 'c', T.DOUBLE },
    }
    if extra == 'column' or extra == 'change' then attributes[#attributes + 1] = { 'extra', T.STRING } end
    if extra == 'change' then
      if dialect == 'sqlite' then attributes[3] = { 'b', { type = T.STRING, allowNull = false, defaultValue = 'x' } }
      else attributes[2] = { 'a', T.BIGINT } end
    end
    db:define('Big', attributes, { tableName = 'Big', timestamps = false })
    db:define('Empty', attributes, { tableName = 'Empty', timestamps = false })
  end
  define_big(nil)
  db:sync()
  if dialect == 'sqlite' then
    db:query('INSERT INTO "Big" ("a", "b", "c") WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ' .. n ..
      ') SELECT i, \'row \' || i, i * 0.5 FROM s')
  else
    db:query('INSERT INTO "Big" ("a", "b", "c") SELECT i, \'row \' || i, i * 0.5 FROM generate_series(1, ' .. n .. ') AS i')
    db:query('ANALYZE "Big"')
  end
  define_big('column')
  measure(db, 'add-column-empty', n, function() db:model('Empty'):sync{ alter = true } end)
  measure(db, 'add-column', n, function() db:model('Big'):sync{ alter = true } end)
  define_big('change')
  measure(db, dialect == 'sqlite' and 'rebuild' or 'type-change', n, function() db:model('Big'):sync{ alter = true } end)
  assert(db:query('SELECT count(*) AS n FROM "Big"')[1].n == n, 'rows lost')
  -- The physical reference: copy the same table by hand.
  measure(db, 'raw-copy', n, function()
    db:transaction(function()
      -- The same table as the one modelsync builds: same key, types and constraints.
      if dialect == 'sqlite' then
        db:query('CREATE TABLE "BigCopy" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "a" INTEGER, "b" VARCHAR(255) NOT NULL DEFAULT \'x\', "c" DOUBLE PRECISION, "extra" VARCHAR(255))')
      else
        db:query('CREATE TABLE "BigCopy" ("id" INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "a" BIGINT, "b" VARCHAR(255), "c" DOUBLE PRECISION, "extra" VARCHAR(255))')
      end
      db:query('INSERT INTO "BigCopy" SELECT "id", "a", "b", "c", "extra" FROM "Big"')
    end)
  end)
end

local db = connect()
local ok, err = pcall(workloads[workload] or error('unknown workload ' .. workload), db)
cleanup(db)
if not ok then
  io.stderr:write(tostring(err), '\n')
  os.exit(1)
end
