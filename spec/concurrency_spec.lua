-- Concurrent syncs and faults (DESIGN §4: "concurrent syncs from many
-- processes serialise instead of failing"; §2: E_CLOSED; §7: error tables).
--
-- Six processes (spec/support/sync_driver.lua, mode `fleet`) sync the same
-- database at the same instant: every one exits 0, exactly one of them sends
-- DDL, and the schema they leave is exactly the one a single sync makes (each
-- table, constraint, index and enum type once).  Then the faults: a closed
-- connection, a lost PostgreSQL connection, a locked SQLite file, a table
-- lock that outlasts lockTimeout: each gives a clear error table, never a
-- crash, and changes nothing.
local modelsync = require('modelsync')
local dialects = require('support.dialects')
local driver = require('support.sync_driver')
local system = require('system')     -- luasystem (a busted dependency): clock and sleep
local T = modelsync.DataTypes

local N_PROCESSES = 6

-- The whole content of a file ('' when it does not exist).
local function read_file(path)
  local f = io.open(path)
  if not f then return '' end
  local s = f:read('a')
  f:close()
  return s
end

-- Waits until every output file satisfies pred (at most `seconds`).
local function wait_for(paths, pred, seconds)
  local deadline = system.gettime() + seconds
  repeat
    local all = true
    for _, p in ipairs(paths) do
      if not pred(read_file(p)) then all = false; break end
    end
    if all then return true end
    system.sleep(0.01)
  until system.gettime() > deadline
  return false
end

-- Runs N_PROCESSES drivers in `fleet` mode on target; they connect and define
-- first, then all sync at once.  Returns their outputs.
local function run_fleet(ctx, target)
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute('mkdir -p ' .. driver.shell_quote(dir)))
  local start = dir .. '/start'
  local outputs, commands = {}, {}
  for i = 1, N_PROCESSES do
    outputs[i] = dir .. '/out' .. i
    commands[#commands + 1] = string.format('(%s > %s 2>&1; echo "exit=$?" >> %s) &',
      -- without `exec`: the subshell must live on to write the exit status
      (driver.command("fleet", target, start):gsub("^exec ", "")), driver.shell_quote(outputs[i]),
      driver.shell_quote(outputs[i]))
  end
  assert(os.execute(table.concat(commands, ' ')))
  local ready = wait_for(outputs, function(s) return s:find('\nready\n', 1, true) or s:find('exit=', 1, true) end, 30)
  assert(os.execute('touch ' .. driver.shell_quote(start)))
  local finished = wait_for(outputs, function(s) return s:find('exit=%d+') end, 60)
  local texts = {}
  for i = 1, N_PROCESSES do texts[i] = read_file(outputs[i]) end
  os.execute('rm -rf ' .. driver.shell_quote(dir))
  assert(ready, 'the processes did not get ready:\n' .. table.concat(texts, '\n----\n'))
  assert(finished, 'the processes did not finish:\n' .. table.concat(texts, '\n----\n'))
  return texts
end

-- The schema of a database as a comparable table, with the PostgreSQL schema
-- name taken out (so two schemas made by the same models compare equal).
local function schema_signature(ctx, db, schema)
  if ctx.name == 'sqlite' then
    return { master = db:query("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name") }
  end
  local function strip(rows)
    for _, r in ipairs(rows) do
      for k, v in pairs(r) do
        if type(v) == 'string' then
          r[k] = v:gsub('"' .. schema .. '"%.', 'S.'):gsub(schema .. '%.', 'S.')
        end
      end
    end
    return rows
  end
  return {
    relations = db:query([[SELECT c.relname AS name, c.relkind::text AS kind FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ORDER BY 1, 2]], { schema }),
    constraints = strip(db:query([[SELECT t.relname AS tbl, con.conname AS name, con.contype::text AS kind,
        pg_get_constraintdef(con.oid) AS def
      FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = $1 ORDER BY 1, 2, 3, 4]], { schema })),
    indexes = strip(db:query([[SELECT tablename AS tbl, indexname AS name, indexdef AS def
      FROM pg_indexes WHERE schemaname = $1 ORDER BY 1, 2]], { schema })),
    enums = db:query([[SELECT t.typname AS name, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS labels
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
      WHERE n.nspname = $1 GROUP BY t.typname ORDER BY 1]], { schema }),
  }
end

-- Constraints and indexes that exist twice under different names (what a
-- racing sync would leave): must be none.
local function duplicates(ctx, db, schema)
  if ctx.name == 'sqlite' then
    return db:query([[SELECT tbl_name, substr(sql, instr(sql, ' ON ')) AS body, count(*) AS n
      FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
      GROUP BY tbl_name, body HAVING count(*) > 1]])
  end
  local out = db:query([[SELECT con.conrelid::regclass::text AS tbl, con.contype::text AS kind,
      pg_get_constraintdef(con.oid) AS def, count(*) AS n
    FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
    WHERE n.nspname = $1 GROUP BY 1, 2, 3 HAVING count(*) > 1]], { schema })
  for _, r in ipairs(db:query([[SELECT x.indrelid::regclass::text AS tbl, x.indkey::text AS keys,
      x.indisunique AS uniq, pg_get_expr(x.indpred, x.indrelid) AS pred, count(*) AS n
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace
    WHERE n.nspname = $1 GROUP BY 1, 2, 3, 4 HAVING count(*) > 1]], { schema })) do
    out[#out + 1] = r
  end
  return out
end

dialects.describe('six processes syncing the same database at once', function(ctx)
  it('all succeed, one of them changes the schema, and it is the schema one sync makes', function()
    local outputs = run_fleet(ctx, ctx:url())
    local creators = 0
    for i, out in ipairs(outputs) do
      assert.is_truthy(out:find('\ndone\nexit=0', 1, true), 'process ' .. i .. ' failed:\n' .. out)
      if out:find('\nsql CREATE TABLE', 1, true) then creators = creators + 1 end
    end
    -- the others waited (BEGIN IMMEDIATE / the advisory lock), found nothing
    -- to do, and sent no DDL at all
    assert.are.equal(1, creators, table.concat(outputs, '\n----\n'))

    local db = ctx.connect()
    driver.fleet_models(db)
    assert.are.same({}, db:plan{ alter = true }.steps)
    assert.are.same({ 'Matches', 'Players', 'Teams' }, ctx:tables(db))
    assert.are.same({}, duplicates(ctx, db, ctx.schema))

    -- The reference: the same models synced once, alone, elsewhere.
    local reference, ref_schema
    if ctx.name == 'sqlite' then
      reference = ctx.track(modelsync.connect{ dialect = 'sqlite', storage = ctx:tmpfile('.sqlite') })
    else
      ref_schema = ctx:extra_schema()
      ctx:admin():query('CREATE SCHEMA "' .. ref_schema .. '"')
      reference = ctx:connect{ schema = ref_schema }
    end
    driver.fleet_models(reference)
    reference:sync{ alter = true }
    local got = schema_signature(ctx, db, ctx.schema)
    assert.are.same(schema_signature(ctx, reference, ref_schema), got)
    if ctx.name == 'postgres' then
      -- the counts, spelled out: 3 primary keys, 2 + 2 + 3 uniques and foreign
      -- keys (Teams.name, Players.nick, Players.shirt+squad; Players.teamId,
      -- Matches.homeId, Matches.awayId), one enum type
      local kinds = {}
      for _, c in ipairs(got.constraints) do kinds[c.kind] = (kinds[c.kind] or 0) + 1 end
      assert.are.equal(3, kinds.p)
      assert.are.equal(3, kinds.f)
      assert.are.equal(1, #got.enums)
    end
  end)
end)

dialects.describe('a closed connection', function(ctx)
  it('raises E_CLOSED from every method, and close() stays harmless', function()
    local db = ctx.connect()
    local M = db:define('Widget', { name = T.STRING })
    db:sync()
    local plan = db:plan{ alter = true }
    local core = db:getCore()
    db:close()
    assert.is_true(db:isClosed())
    assert.are.equal('modelsync connection (closed)', tostring(db))
    local calls = {
      { 'query', function() db:query('SELECT 1') end },
      { 'query with parameters', function() db:query('SELECT $1', { 1 }) end },
      { 'transaction', function() db:transaction(function() end) end },
      { 'sync', function() db:sync() end },
      { 'sync alter', function() db:sync{ alter = true } end },
      { 'plan', function() db:plan() end },
      { 'drop', function() db:drop() end },
      { 'automigrate', function() db:automigrate() end },
      { 'autoupdate', function() db:autoupdate() end },
      { 'isActual', function() db:isActual() end },
      { 'authenticate', function() db:authenticate() end },
      { 'getDatabaseName', function() db:getDatabaseName() end },
      { 'getCore', function() db:getCore() end },
      { 'plan:apply', function() plan:apply() end },
      { 'Model:sync', function() M:sync() end },
      { 'Model:plan', function() M:plan() end },
      { 'Model:drop', function() M:drop() end },
      { 'Model:create', function() M:create{ name = 'x' } end },
      { 'Model:bulkCreate', function() M:bulkCreate{ { name = 'x' } } end },
      { 'Model:findAll', function() M:findAll() end },
      { 'Model:findOne', function() M:findOne() end },
      { 'Model:findByPk', function() M:findByPk(1) end },
      { 'Model:count', function() M:count() end },
      { 'Model:update', function() M:update({ name = 'y' }, { where = { id = 1 } }) end },
      { 'Model:destroy', function() M:destroy{ where = { id = 1 } } end },
      { 'core query', function() core:query('SELECT 1') end },
      { 'core exec', function() core:exec('SELECT 1') end },
      { 'core plan', function() core:plan({ tables = {} }, {}) end },
      { 'core sync', function() core:sync({ tables = {} }, {}) end },
      { 'core introspect', function() core:introspect() end },
    }
    -- what other parts of modelsync add (discovery, migrations), with valid arguments
    local dir = ctx:tmpfile('_migrations')
    assert(os.execute('mkdir -p ' .. driver.shell_quote(dir)))
    for name, args in pairs({
      discoverModelDefinitions = {}, discoverModelProperties = { 'Widgets' },
      discoverPrimaryKeys = { 'Widgets' }, discoverForeignKeys = { 'Widgets' },
      discoverIndexes = { 'Widgets' }, discoverSchemas = { 'Widgets' },
      generateMigration = { { dir = dir, name = 'closed' } }, migrate = { { dir = dir } },
      rollback = { { dir = dir } },
    }) do
      if type(db[name]) == 'function' then
        calls[#calls + 1] = { name, function() db[name](db, table.unpack(args)) end }
      end
    end
    for _, call in ipairs(calls) do
      local ok, err = pcall(call[2])
      assert.is_false(ok, call[1] .. ' succeeded on a closed connection')
      assert.are.equal('table', type(err), call[1] .. ': ' .. dialects.message(err))
      assert.are.equal('E_CLOSED', err.code, call[1] .. ': ' .. dialects.message(err))
      assert.is_truthy(tostring(err):find('closed', 1, true), call[1])
    end
    -- defining needs no database; closing again is harmless
    assert.is_not_nil(db:define('Other', { name = T.STRING }))
    db:close()
    core:close()
    assert.are.equal('modelsync connection (closed)', tostring(core))
  end)
end, { memory = true })

dialects.describe('a lost PostgreSQL connection', function(ctx)
  it('makes the next calls raise a clear error table; close() still works', function()
    local db = ctx.connect()
    local W = db:define('Widget', { name = T.STRING })
    db:sync()
    W:create{ name = 'kept' }
    local plan_before = db:plan{ alter = true }
    local backend = db:query('SELECT pg_backend_pid() AS pid')[1].pid
    local admin = ctx:admin()
    local terminated = admin:query('SELECT pg_terminate_backend($1) AS ok', { backend })[1].ok
    assert.is_true(terminated == true or terminated == 't')
    -- the server needs a moment to close the socket
    local deadline = system.gettime() + 10
    while system.gettime() < deadline
      and admin:query('SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1', { backend })[1].n > 0 do
      system.sleep(0.01)
    end
    local function check(what, fn)
      local ok, err = pcall(fn)
      assert.is_false(ok, what .. ' succeeded on a lost connection')
      assert.are.equal('table', type(err), what .. ': ' .. dialects.message(err))
      assert.are.equal('E_CONNECT', err.code, what .. ': ' .. dialects.message(err))
      local m = dialects.message(err)
      assert.is_truthy(m:find('lost', 1, true) or m:lower():find('terminat'), what .. ': ' .. m)
    end
    check('query', function() db:query('SELECT 1') end)
    check('query again', function() db:query('SELECT 1') end)
    check('plan', function() db:plan{ alter = true } end)
    check('sync', function() db:sync{ alter = true } end)
    check('Model:findAll', function() W:findAll() end)
    check('Model:create', function() W:create{ name = 'lost' } end)
    check('transaction', function() db:transaction(function() db:query('SELECT 1') end) end)
    check('plan:apply', function() plan_before:apply() end)
    db:close()
    db:close()
    assert.is_true(db:isClosed())
    assert.are.equal('E_CLOSED', select(2, pcall(db.query, db, 'SELECT 1')).code)
    -- nothing was lost; a new connection works
    local again = ctx.connect()
    assert.are.equal(1, ctx:count_rows(again, 'Widgets'))
  end)

  it('a table lock that outlasts lockTimeout: a clear error, nothing changed', function()
    local db = ctx.connect()
    db:define('Widget', { name = T.STRING })
    db:sync()
    local before = ctx:columns(db, 'Widgets')
    local locker = ctx.connect()
    local syncer = ctx.connect{ lockTimeout = 200 }
    syncer:define('Widget', { name = T.STRING, extra = T.INTEGER })
    local err
    locker:transaction(function()
      locker:query('LOCK TABLE ' .. ctx:qt('Widgets') .. ' IN ACCESS SHARE MODE')
      local t0 = system.gettime()
      err = dialects.raises(function() syncer:sync{ alter = true } end, 'E_SQL', { 'Widgets' })
      local waited = system.gettime() - t0
      assert.is_true(waited >= 0.15 and waited < 5, 'waited ' .. waited .. ' s')
    end)
    assert.is_truthy(dialects.message(err):find('lock', 1, true), dialects.message(err))
    assert.are.same(before, ctx:columns(db, 'Widgets'))
    -- the connection is usable, and the sync passes once the lock is gone
    syncer:sync{ alter = true }
    assert.is_not_nil(ctx:columns(db, 'Widgets').extra)
  end)
end, { only = 'postgres' })

dialects.describe('a locked SQLite file', function(ctx)
  it('makes a sync with a short busyTimeout fail clearly, changing nothing', function()
    local db = ctx.connect()
    db:define('Widget', { name = T.STRING })
    db:sync()
    local before = db:query('SELECT type, name, sql FROM sqlite_master ORDER BY name')
    local syncer = ctx.connect{ busyTimeout = 200 }
    syncer:define('Widget', { name = T.STRING, extra = T.INTEGER })
    syncer:define('Gadget', { size = T.INTEGER })
    local holder = ctx.connect()
    holder:query('BEGIN EXCLUSIVE')
    holder:query('INSERT INTO "Widgets" (name, "createdAt", "updatedAt") VALUES (\'held\', \'x\', \'x\')')

    -- connecting now fails the same clear way (connect reads the schema)
    dialects.raises(function() modelsync.connect{ dialect = 'sqlite', storage = ctx.storage, busyTimeout = 100 } end,
      'E_CONNECT', { 'locked' })
    local t0 = system.gettime()
    local err = dialects.raises(function() syncer:sync{ alter = true } end, 'E_SQL', { 'locked' })
    local waited = system.gettime() - t0
    assert.is_true(waited >= 0.15 and waited < 5, 'waited ' .. waited .. ' s')
    -- a read (plan) is refused the same way while the lock is exclusive
    dialects.raises(function() syncer:plan{ alter = true } end, 'E_SQL', { 'locked' })
    -- the failed sync gave PRAGMA foreign_keys back
    assert.are.equal(1, syncer:query('PRAGMA foreign_keys')[1].foreign_keys)
    assert.is_not_nil(err.message)

    holder:query('ROLLBACK')
    assert.are.same(before, db:query('SELECT type, name, sql FROM sqlite_master ORDER BY name'))
    assert.are.equal(0, ctx:count_rows(db, 'Widgets'))
    -- once the lock is gone the same connection syncs
    syncer:sync{ alter = true }
    assert.are.same({ 'Gadgets', 'Widgets' }, ctx:tables(db))
    assert.are.same({}, syncer:plan{ alter = true }.steps)
  end)

  it('a sync that fails inside a rebuild leaves the connection as it found it', function()
    local db = ctx.connect()
    db:define('Widget', { name = T.STRING })
    db:sync()
    local before = db:query('SELECT type, name, sql FROM sqlite_master ORDER BY name')
    -- NOT NULL with a default: a rebuild; the logger fails it at the RENAME,
    -- between PRAGMA legacy_alter_table = ON and OFF
    db:define('Widget', { name = { type = T.STRING, allowNull = false, defaultValue = 'x' } })
    local renames = 0
    dialects.raises(function()
      db:sync{ alter = true, logging = function(sql)
        if sql:find('RENAME TO', 1, true) then renames = renames + 1; error('fault injected') end
      end }
    end, 'E_LOGGING', { 'fault injected' })
    assert.are.equal(1, renames)
    assert.are.same(before, db:query('SELECT type, name, sql FROM sqlite_master ORDER BY name'))
    assert.are.equal(1, db:query('PRAGMA foreign_keys')[1].foreign_keys)
    assert.are.equal(0, db:query('PRAGMA legacy_alter_table')[1].legacy_alter_table)
    db:sync{ alter = true }
    assert.is_true(ctx:columns(db, 'Widgets').name.notnull)
    assert.are.equal(0, db:query('PRAGMA legacy_alter_table')[1].legacy_alter_table)
  end)

  it('makes a sync wait for a shorter write transaction with the default busyTimeout', function()
    local db = ctx.connect()
    db:define('Widget', { name = T.STRING })
    db:sync()
    -- another process holds the write lock for 0.3 s
    local script = string.format([[
      package.cpath = %q; package.path = %q
      local db = require('modelsync').connect{ dialect = 'sqlite', storage = %q }
      db:query('BEGIN IMMEDIATE'); print('locked'); io.stdout:flush()
      require('system').sleep(0.3); db:query('COMMIT')]], package.cpath, package.path, ctx.storage)
    local pipe = assert(io.popen('exec lua5.4 -e ' .. driver.shell_quote(script) .. ' 2>&1'))
    assert.are.equal('locked', pipe:read('l'))
    db:define('Widget', { name = T.STRING, extra = T.INTEGER })
    db:sync{ alter = true }
    assert.is_true(pipe:close())
    assert.is_not_nil(ctx:columns(db, 'Widgets').extra)
  end)
end, { only = 'sqlite' })
