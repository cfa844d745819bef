-- A sync killed at any moment loses nothing (DESIGN §4: "one sync is one
-- transaction: it lands whole or not at all").
--
-- SQLite: a file with 50,000 parents (AUTOINCREMENT key), 100,000 ON DELETE
-- CASCADE children and 10,000 ON DELETE SET NULL wards; the parent's change
-- (NOT NULL with a default, score declared BIGINT) forces the 12-step rebuild,
-- which DROPs the parent table; the children gain a column (ADD COLUMN).  The sync runs in a child process
-- (spec/support/sync_driver.lua) that is killed with SIGKILL at a dozen
-- moments spread over its measured run.  After every kill: integrity_check
-- is ok, foreign_key_check is empty, every row is there with the same values,
-- and the schema is the old one or the new one, whole (no "new_parents").
-- Then a re-run completes the change and the plan is empty.
--
-- PostgreSQL: the syncing backend is terminated while the sync waits for a
-- table lock held by another connection: the schema stays as it was, the
-- error is a clear error table, and a re-run succeeds.
local modelsync = require('modelsync')
local dialects = require('support.dialects')
local driver = require('support.sync_driver')
local system = require('system')     -- luasystem (a busted dependency): wall clock

local N_PARENTS, N_CHILDREN, N_WARDS = 50000, 100000, 10000

-- Wall-clock seconds.
local function now() return system.gettime() end

-- Runs a shell command; raises when it fails.
local function sh(command)
  local ok, how, status = os.execute(command)
  assert(ok, command .. ' failed: ' .. tostring(how) .. ' ' .. tostring(status))
end

-- Version 1 of the schema, filled: one INSERT ... WITH RECURSIVE per table
-- (explicit ids, so sqlite_sequence of parents ends at N_PARENTS).
local function build_base(path)
  local db = modelsync.connect{ dialect = 'sqlite', storage = path }
  driver.crash_models(db, 1)
  db:sync()
  db:query(string.format([[INSERT INTO parents (id, name, score, note)
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
    SELECT i, 'parent ' || i, i %% 997, printf('%%080d', i * 7) FROM n]], N_PARENTS))
  db:query(string.format([[INSERT INTO children (id, parentId, value)
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
    SELECT i, (i * 7919) %% %d + 1, i %% 13 FROM n]], N_CHILDREN, N_PARENTS))
  db:query(string.format([[INSERT INTO wards (id, parentId)
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
    SELECT i, i * 5 FROM n]], N_WARDS))
  -- a trigger the rebuild must carry over (unmanaged: never dropped)
  db:query([[CREATE TRIGGER parents_note_touch AFTER UPDATE OF note ON parents
    BEGIN UPDATE parents SET score = score WHERE id = NEW.id; END]])
  db:close()
end

-- Every row, summed: counts and checksums of every column that matters.
local function data_signature(db)
  local p = db:query([[SELECT count(*) AS n, sum(id) AS ids, sum(score) AS scores,
    sum(length(name)) AS names, sum(length(note)) AS notes, sum(id * (score + 1)) AS mix,
    count(name) AS named FROM parents]])[1]
  local c = db:query([[SELECT count(*) AS n, sum(id) AS ids, sum(parentId) AS parents,
    sum(id * parentId) AS mix, sum(value) AS vals FROM children]])[1]
  local w = db:query([[SELECT count(*) AS n, count(parentId) AS linked, sum(parentId) AS parents,
    sum(id * parentId) AS mix FROM wards]])[1]
  local seq = db:query("SELECT name, seq FROM sqlite_sequence ORDER BY name")
  return { parents = p, children = c, wards = w, sequence = seq }
end

-- The whole schema as sqlite_master holds it.
local function schema_of(db)
  return db:query('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name')
end

-- The expected data after build_base (independent of the code under test).
local function expected_counts(sig)
  assert.are.equal(N_PARENTS, sig.parents.n)
  assert.are.equal(N_PARENTS * (N_PARENTS + 1) // 2, sig.parents.ids)
  assert.are.equal(N_PARENTS, sig.parents.named)
  assert.are.equal(N_CHILDREN, sig.children.n)
  assert.are.equal(N_CHILDREN * (N_CHILDREN + 1) // 2, sig.children.ids)
  assert.are.equal(N_WARDS, sig.wards.n)
  assert.are.equal(N_WARDS, sig.wards.linked)
  assert.are.equal(5 * N_WARDS * (N_WARDS + 1) // 2, sig.wards.parents)
end

-- Starts the crash sync on path in a child process and kills it with SIGKILL
-- `delay` seconds after it says "started" (nil: let it finish).  Returns the
-- lines it wrote, the seconds from "started" to its end, and how it ended.
local function run_driver(path, delay)
  local pipe = assert(io.popen(driver.command('crash', 'sqlite:' .. path) .. ' 2>&1', 'r'))
  local lines, pid, started = {}, nil, nil
  for line in pipe:lines() do
    lines[#lines + 1] = line
    pid = pid or tonumber(line:match('^pid (%d+)$'))
    if line == 'started' then started = now(); break end
  end
  assert(pid and started, 'the driver did not start:\n' .. table.concat(lines, '\n'))
  if delay ~= nil then
    -- one shell: sleep then SIGKILL (kill fails quietly if it has already exited)
    os.execute(string.format('sleep %.4f; kill -9 %d 2>/dev/null', delay, pid))
  end
  for line in pipe:lines() do lines[#lines + 1] = line end
  local ended = now()
  local _, how, status = pipe:close()
  return lines, ended - started, how, status
end

-- Whether two values are deeply equal (busted's own comparison).
local function same(a, b)
  return (pcall(assert.are.same, a, b))
end

-- Where the driver was when it died: the last statement it had sent.
local function phase_of(lines)
  local last, began, committed = 'before the sync', false, false
  for _, line in ipairs(lines) do
    local sql = line:match('^sql (.*)$')
    if sql then
      last = sql
      if sql:find('^BEGIN') then began = true end
    end
    if line == 'done' then committed = true end
    if sql and sql:find('^PRAGMA foreign_keys = ON') then committed = true end
  end
  return last, began and not committed, committed
end

dialects.describe('a sync killed with SIGKILL', function(ctx)
  local function kill_run(journal_mode, fractions)
    local base = ctx:tmpfile('.sqlite')
    local work = ctx:tmpfile('.sqlite')
    build_base(base)
    if journal_mode == 'wal' then
      local db = modelsync.connect{ dialect = 'sqlite', storage = base }
      assert.are.equal('wal', db:query('PRAGMA journal_mode = WAL')[1].journal_mode)
      db:close()
    end
    local copy = function()
      dialects.remove_sqlite(work)
      sh(string.format('cp %s %s', driver.shell_quote(base), driver.shell_quote(work)))
      if journal_mode == 'wal' then
        -- after a clean close the WAL is checkpointed and removed: only the file
        assert.is_nil(io.open(base .. '-wal'))
      end
    end

    -- The old schema and data.
    local db = modelsync.connect{ dialect = 'sqlite', storage = base }
    local old_schema, old_data = schema_of(db), data_signature(db)
    db:close()
    expected_counts(old_data)
    assert.are.same({ { name = 'children', seq = N_CHILDREN }, { name = 'parents', seq = N_PARENTS },
                      { name = 'wards', seq = N_WARDS } }, old_data.sequence)

    -- Two full runs: the duration, and the new schema.
    local durations = {}
    local new_schema
    for i = 1, 2 do
      copy()
      local lines, duration, how, status = run_driver(work)
      assert.are.equal('exit', how, table.concat(lines, '\n'))
      assert.are.equal(0, status, table.concat(lines, '\n'))
      assert.are.equal('done', lines[#lines])
      assert.is_true(#dialects.grep(lines, '^SQL CREATE TABLE "NEW_PARENTS"') == 1, table.concat(lines, '\n'))
      durations[i] = duration
      db = modelsync.connect{ dialect = 'sqlite', storage = work }
      new_schema = schema_of(db)
      assert.are.same(old_data, data_signature(db))
      db:close()
    end
    local duration = math.min(durations[1], durations[2])
    assert.are_not.same(old_schema, new_schema)

    -- The kills.
    local report, in_transaction = {}, 0
    for k, fraction in ipairs(fractions) do
      copy()
      local delay = duration * fraction
      local lines, _, how, status = run_driver(work, delay)
      local last, inside, committed = phase_of(lines)
      if inside then in_transaction = in_transaction + 1 end
      report[k] = string.format('%5.1f ms (%.2f): %s, last statement: %s', delay * 1000, fraction,
        how == 'signal' and ('killed, ' .. (inside and 'inside the transaction' or committed and 'after COMMIT' or 'before BEGIN'))
          or ('exited ' .. tostring(status)), last)
      local where = '\nkill ' .. report[k]

      db = modelsync.connect{ dialect = 'sqlite', storage = work }
      assert.are.same({ { integrity_check = 'ok' } }, db:query('PRAGMA integrity_check'), where)
      assert.are.same({}, db:query('PRAGMA foreign_key_check'), where)
      assert.are.same(old_data, data_signature(db), where)
      local schema = schema_of(db)
      local is_old, is_new = same(old_schema, schema), same(new_schema, schema)
      assert.is_true(is_old or is_new, 'the schema is neither the old nor the new one' .. where)
      assert.are.same({}, db:query("SELECT name FROM sqlite_master WHERE name LIKE 'new\\_%' ESCAPE '\\'"), where)
      if committed then assert.is_true(is_new, 'committed, but the old schema' .. where) end
      if how == 'signal' and not committed and not inside then assert.is_true(is_old, where) end
      if is_new then
        assert.are.equal('bigint', db:query("SELECT lower(type) AS t FROM pragma_table_info('parents') WHERE name = 'score'")[1].t)
      end

      -- The re-run completes the change; then nothing is left to do.
      driver.crash_models(db, 2)
      db:sync{ alter = true }
      assert.are.same(new_schema, schema_of(db), where)
      assert.are.same(old_data, data_signature(db), where)
      assert.are.same({}, db:plan{ alter = true }.steps, where)
      assert.are.equal(1, db:query('PRAGMA foreign_keys')[1].foreign_keys)
      db:close()
    end
    -- The moments really hit the sync (not only its start or its end): what
    -- they hit is printed by `busted -o utfTerminal` with MODELSYNC_CRASH_REPORT=1.
    if os.getenv('MODELSYNC_CRASH_REPORT') then
      print(string.format('\n%s: sync %.1f ms (runs: %.1f, %.1f)', journal_mode, duration * 1000,
        durations[1] * 1000, durations[2] * 1000))
      for _, line in ipairs(report) do print('  ' .. line) end
    end
    assert.is_true(in_transaction >= 3,
      'fewer than 3 of the kills landed inside the transaction:\n' .. table.concat(report, '\n'))
  end

  it('at a dozen moments (rollback journal) loses nothing and a re-run completes the change', function()
    kill_run('delete', { 0.02, 0.08, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95, 1.1 })
  end)

  it('at six moments (WAL) loses nothing and a re-run completes the change', function()
    kill_run('wal', { 0.05, 0.2, 0.4, 0.6, 0.8, 0.97 })
  end)
end, { only = 'sqlite' })

dialects.describe('a sync whose backend is terminated', function(ctx)
  it('leaves the schema as it was, raises a clear error, and a re-run succeeds', function()
    local db = ctx.connect()
    driver.crash_models(db, 1)
    db:sync()
    db:query(string.format([[INSERT INTO %s (name, score, note)
      SELECT 'parent ' || i, i %% 997, lpad((i * 7)::text, 80, '0') FROM generate_series(1, 2000) i]],
      ctx:qt('parents')))
    db:query(string.format([[INSERT INTO %s ("parentId", value)
      SELECT (i * 7919) %% 2000 + 1, i %% 13 FROM generate_series(1, 4000) i]], ctx:qt('children')))
    db:query(string.format('INSERT INTO %s ("parentId") SELECT i * 5 FROM generate_series(1, 400) i',
      ctx:qt('wards')))
    local function snapshot()
      return {
        columns = ctx:columns(db, 'parents'),
        indexes = ctx:indexes(db, 'parents'),
        keys = { ctx:foreign_keys(db, 'children'), ctx:foreign_keys(db, 'wards') },
        child_columns = ctx:columns(db, 'children'),
        rows = db:query('SELECT count(*) AS n, sum(id) AS ids, sum(score)::bigint AS scores FROM ' .. ctx:qt('parents')),
        children = db:query('SELECT count(*) AS n, sum("parentId") AS p FROM ' .. ctx:qt('children')),
        wards = db:query('SELECT count("parentId") AS n, sum("parentId") AS p FROM ' .. ctx:qt('wards')),
      }
    end
    local before = snapshot()
    assert.is_false(before.columns.name.notnull)
    assert.are.equal('integer', before.columns.score.type)

    local locker, watcher = ctx.connect(), ctx.connect()
    local lines, how, status, waited_on = {}, nil, nil, nil
    locker:transaction(function()
      -- ACCESS SHARE: the sync reads the catalog and alters "parents", then
      -- waits at ALTER TABLE "children" (it needs ACCESS EXCLUSIVE there)
      locker:query('LOCK TABLE ' .. ctx:qt('children') .. ' IN ACCESS SHARE MODE')
      local pipe = assert(io.popen(driver.command('crash', ctx:url()) .. ' 2>&1', 'r'))
      local backend
      for line in pipe:lines() do
        lines[#lines + 1] = line
        backend = backend or tonumber(line:match('^backend (%d+)$'))
        if line == 'started' then break end
      end
      assert(backend, 'the driver did not report its backend:\n' .. table.concat(lines, '\n'))
      -- wait until the sync's backend waits for our lock, inside its transaction
      local deadline = now() + 20
      while now() < deadline do
        -- a relation lock: not the advisory lock (that one only waits for
        -- other syncs of the same database, e.g. of other test runs)
        local row = watcher:query([[SELECT a.wait_event_type AS w, a.query FROM pg_stat_activity a
          WHERE a.pid = $1 AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid
            AND NOT l.granted AND l.locktype = 'relation')]], { backend })[1]
        if row and row.w == 'Lock' then waited_on = row; break end
        os.execute('sleep 0.02')
      end
      assert(waited_on, 'the sync never waited for the table lock')
      local killed = watcher:query('SELECT pg_terminate_backend($1) AS ok', { backend })[1].ok
      assert.is_true(killed == true or killed == 't')
      for line in pipe:lines() do lines[#lines + 1] = line end
      local _
      _, how, status = pipe:close()
    end)
    local output = table.concat(lines, '\n')
    assert.is_truthy(waited_on.query:find('ALTER TABLE', 1, true) and waited_on.query:find('children', 1, true),
      waited_on.query)
    -- the sync had altered "parents" inside its transaction before it waited
    assert.is_true(#dialects.grep(lines, '^SQL BEGIN') == 1, output)
    assert.is_true(#dialects.grep(lines, '^SQL ALTER TABLE .*"PARENTS"') >= 1, output)
    assert.are.equal('exit', how, output)
    assert.are.equal(1, status, output)             -- a Lua error, not a crash
    if os.getenv("MODELSYNC_CRASH_REPORT") then print("\n" .. output) end
    local code, message = lines[#lines]:match('^error (E_[%u_]+) (.*)$')
    assert(code, 'the last line is not a coded error:\n' .. output)
    assert.are.equal('E_CONNECT', code, output)
    assert.is_truthy(message:find('lost', 1, true) or message:lower():find('terminat'), message)

    -- nothing changed, and the re-run applies the change
    assert.are.same(before, snapshot())
    driver.crash_models(db, 2)
    db:sync{ alter = true }
    local after = ctx:columns(db, 'parents')
    assert.is_true(after.name.notnull)
    assert.are.equal('bigint', after.score.type)
    assert.is_not_nil(ctx:columns(db, 'children').tag)
    assert.are.same(before.rows, db:query('SELECT count(*) AS n, sum(id) AS ids, sum(score)::bigint AS scores FROM '
      .. ctx:qt('parents')))
    assert.are.same(before.children, db:query('SELECT count(*) AS n, sum("parentId") AS p FROM ' .. ctx:qt('children')))
    assert.are.same({}, db:plan{ alter = true }.steps)
  end)
end, { only = 'postgres' })
