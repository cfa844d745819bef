-- One sync is one transaction: a failing step rolls back every step of the
-- same sync, and the error (E_DATA) names the table and the column (DESIGN §4).
local modelsync = require('modelsync')
local dialects = require('support.dialects')
local T = modelsync.DataTypes

dialects.describe('a failing sync', function(ctx)
  local db
  before_each(function() db = ctx.connect() end)

  -- Version 1: Alpha (a) and Widget (name, code), with rows.
  local function version1()
    local A = db:define('Alpha', { a = T.INTEGER })
    local W = db:define('Widget', { name = T.STRING, code = T.STRING })
    db:sync()
    A:create{ a = 1 }
    W:bulkCreate{ { name = 'one', code = 'x' }, { name = 'two', code = 'x' }, { code = 'y' }, { code = 'z' } }
    return A, W
  end

  local function snapshot()
    return {
      tables = ctx.tables(db),
      alpha = ctx.column_names(db, 'Alphas'),
      widget = ctx.column_names(db, 'Widgets'),
      widget_notnull = ctx.columns(db, 'Widgets').name.notnull,
      indexes = #ctx.indexes(db, 'Widgets'),
      rows = db:query('SELECT id, name, code FROM ' .. ctx.qt('Widgets') .. ' ORDER BY id'),
      alpha_rows = db:query('SELECT id, a FROM ' .. ctx.qt('Alphas') .. ' ORDER BY id'),
    }
  end

  local function check_error(err, table_name, column, bad_rows)
    assert.are.equal('E_DATA', err.code, dialects.message(err))
    local m = dialects.message(err)
    assert.is_truthy(m:find(table_name, 1, true), 'message does not name the table: ' .. m)
    assert.is_truthy(m:find(column, 1, true), 'message does not name the column: ' .. m)
    if err.table ~= nil then assert.are.equal(table_name, err.table) end
    if err.column ~= nil then assert.are.equal(column, err.column) end
    if bad_rows then
      assert.is_truthy(m:find(tostring(bad_rows), 1, true), 'message does not say how many rows: ' .. m)
    end
  end

  it('NOT NULL over existing NULLs: E_DATA naming table and column; every step rolled back', function()
    version1()
    local before = snapshot()
    -- Alpha gets a new column (an earlier, valid step of the same sync) ...
    db:define('Alpha', { a = T.INTEGER, b = { type = T.INTEGER, defaultValue = 0 } })
    -- ... Widget gets a new column and NOT NULL on name, which two rows break
    db:define('Widget', { name = { type = T.STRING, allowNull = false }, code = T.STRING, extra = T.TEXT })
    local err = dialects.raises(function() db:sync{ alter = true } end, 'E_DATA')
    check_error(err, 'Widgets', 'name', 2)
    assert.are.same(before, snapshot())
  end)

  it('UNIQUE over duplicates: E_DATA naming table and column; every step rolled back', function()
    version1()
    local before = snapshot()
    db:define('Alpha', { a = T.INTEGER, b = { type = T.INTEGER, defaultValue = 0 } })
    db:define('Widget', { name = T.STRING, code = { type = T.STRING, unique = true }, extra = T.TEXT })
    local err = dialects.raises(function() db:sync{ alter = true } end, 'E_DATA')
    check_error(err, 'Widgets', 'code')
    assert.are.same(before, snapshot())
  end)

  it('a failing Model:sync rolls back its own earlier steps', function()
    version1()
    local before = snapshot()
    local W = db:define('Widget', { name = { type = T.STRING, allowNull = false }, code = T.STRING, extra = T.TEXT })
    local err = dialects.raises(function() W:sync{ alter = true } end, 'E_DATA')
    check_error(err, 'Widgets', 'name')
    assert.are.same(before, snapshot())
  end)

  it('a new NOT NULL column without default over existing rows fails with E_DATA', function()
    version1()
    local before = snapshot()
    db:define('Widget', { name = T.STRING, code = T.STRING, weight = { type = T.INTEGER, allowNull = false } })
    local err = dialects.raises(function() db:sync{ alter = true } end, 'E_DATA')
    check_error(err, 'Widgets', 'weight')
    assert.are.same(before, snapshot())
  end)

  for _, case in ipairs({
    { 'a constant default', { type = T.STRING, unique = true, defaultValue = 'same' } },
    { 'T.NOW', { type = T.DATE, unique = true, defaultValue = T.NOW } },
    { 'a literal default', { type = T.INTEGER, unique = true, defaultValue = modelsync.literal('7') } },
    { 'no default (all NULL: allowed)', { type = T.STRING, unique = true }, true },
  }) do
    it('a new UNIQUE column with ' .. case[1] .. ' over several rows', function()
      version1()
      local before = snapshot()
      db:define('Widget', { name = T.STRING, code = T.STRING, tag = case[2] })
      if case[3] then
        db:sync{ alter = true }
        assert.is_true(ctx.index_on(db, 'Widgets', { 'tag' }).unique)
        return
      end
      local err = dialects.raises(function() db:sync{ alter = true } end, 'E_DATA')
      check_error(err, 'Widgets', 'tag')
      assert.are.same(before, snapshot())
    end)
  end

  it('a composite unique over duplicate pairs fails naming the table', function()
    version1()
    local before = snapshot()
    -- rows 3 and 4 have name NULL, rows 1 and 2 distinct names: make duplicates first
    db:query('UPDATE ' .. ctx.qt('Widgets') .. " SET name = 'same', code = 'dup' WHERE id IN (1, 2)")
    before = snapshot()
    db:define('Widget', { name = { type = T.STRING, unique = 'name_code' }, code = { type = T.STRING, unique = 'name_code' } })
    local err = dialects.raises(function() db:sync{ alter = true } end, 'E_DATA')
    assert.is_truthy(dialects.message(err):find('Widgets', 1, true), dialects.message(err))
    assert.are.same(before, snapshot())
  end)

  it('a new foreign key over orphan rows fails with E_DATA and rolls back', function()
    local Team = db:define('Team', { name = T.STRING })
    local P = db:define('Player', { teamId = T.INTEGER })
    db:sync()
    local t = Team:create{ name = 'x' }
    P:create{ teamId = t.id }
    P:create{ teamId = 999 }     -- no such team
    db:define('Player', { teamId = { type = T.INTEGER, references = { model = 'Team' } }, extra = T.TEXT })
    local err = dialects.raises(function() db:sync{ alter = true } end, 'E_DATA')
    local m = dialects.message(err)
    assert.is_truthy(m:find('Players', 1, true), m)
    assert.are.same({}, ctx.foreign_keys(db, 'Players'))
    assert.is_nil(ctx.columns(db, 'Players').extra)
    assert.are.equal(2, ctx.count_rows(db, 'Players'))
  end)

  it('leaves the connection usable, and the same sync passes once the data is fixed', function()
    local _, W = version1()
    db:define('Widget', { name = { type = T.STRING, allowNull = false }, code = T.STRING })
    assert.has_error(function() db:sync{ alter = true } end)
    -- not left inside a transaction
    db:transaction(function()
      db:query('UPDATE ' .. ctx.qt('Widgets') .. " SET name = 'fixed' WHERE name IS NULL")
    end)
    if ctx.name == 'sqlite' then
      assert.are.equal(1, db:query('PRAGMA foreign_keys')[1].foreign_keys)
    end
    db:sync{ alter = true }
    assert.is_true(ctx.columns(db, 'Widgets').name.notnull)
    assert.are.equal(4, ctx.count_rows(db, 'Widgets'))
    assert.is_not_nil(W)
  end)

  it('a narrower VARCHAR or VARCHAR -> INTEGER over values that do not fit fails whole, or keeps every value', function()
    local W = db:define('Widget', { name = T.STRING(50), code = T.STRING })
    db:sync()
    W:bulkCreate{ { name = ('x'):rep(40), code = '12' }, { name = 'short', code = 'abc' } }
    local before = db:query('SELECT id, name, code FROM ' .. ctx.qt('Widgets') .. ' ORDER BY id')
    db:define('Widget', { name = T.STRING(10), code = T.INTEGER })
    local ok, err = pcall(db.sync, db, { alter = true })
    if ctx.name == 'postgres' then
      -- PostgreSQL cannot keep these values: the sync must fail and say where
      assert.is_false(ok, 'narrowing over long values succeeded on postgres')
    end
    if not ok then
      assert.are.equal('E_DATA', err.code, dialects.message(err))
      local m = dialects.message(err)
      assert.is_truthy(m:find('Widgets', 1, true), m)
      assert.is_truthy(m:find('name', 1, true) or m:find('code', 1, true), m)
    end
    -- either way, no value was lost or changed
    local after = db:query('SELECT id, name, code FROM ' .. ctx.qt('Widgets') .. ' ORDER BY id')
    for i, r in ipairs(before) do
      assert.are.equal(r.name, after[i].name)
      assert.are.equal(tostring(r.code), tostring(after[i].code))
    end
  end)
end)

dialects.describe('sync transactions', function(ctx)
  it('run inside one transaction: BEGIN (IMMEDIATE on SQLite) ... COMMIT', function()
    local db = ctx.connect()
    db:define('Alpha', { a = T.INTEGER })
    db:define('Beta', { b = T.INTEGER })
    local log = dialects.logger()
    db:sync{ logging = log.fn }
    local begins = dialects.grep(log, '^%s*BEGIN')
    local commits = dialects.grep(log, '^%s*COMMIT')
    assert.are.equal(1, #begins, table.concat(log.statements, '\n'))
    assert.are.equal(1, #commits, table.concat(log.statements, '\n'))
    if ctx.name == 'sqlite' then
      assert.is_truthy(begins[1]:upper():find('IMMEDIATE', 1, true), begins[1])
    else
      assert.is_true(#dialects.grep(log, 'PG_ADVISORY_XACT_LOCK') >= 1, table.concat(log.statements, '\n'))
    end
    -- every CREATE is between BEGIN and COMMIT
    local b, c
    for i, s in ipairs(log.statements) do
      if s:upper():find('^%s*BEGIN') then b = i end
      if s:upper():find('^%s*COMMIT') then c = i end
    end
    for i, s in ipairs(log.statements) do
      if s:upper():find('^%s*CREATE') then
        assert.is_true(i > b and i < c, 'CREATE outside the transaction: ' .. s)
      end
    end
  end)

  if not ctx.memory then
    -- Runs `n` Lua processes that each connect, define the same models and sync
    -- at the same moment; returns their outputs and exit statuses.
    local function run_concurrent(n, body)
      local dir = os.tmpname(); os.remove(dir); os.execute('mkdir -p ' .. dir)
      local function literal(v)
        if type(v) == 'string' then return string.format('%q', v) end
        return tostring(v)
      end
      local opts = {}
      for k, v in pairs(ctx.options()) do opts[#opts + 1] = '[' .. literal(k) .. '] = ' .. literal(v) end
      local script = dir .. '/worker.lua'
      local f = assert(io.open(script, 'w'))
      f:write('package.path = ', literal(package.path), '\n')
      f:write('package.cpath = ', literal(package.cpath), '\n')
      f:write('local modelsync = require("modelsync")\n')
      f:write('local T = modelsync.DataTypes\n')
      f:write('local db = modelsync.connect{ ', table.concat(opts, ', '), ' }\n')
      f:write('local start = ', literal(dir .. '/start'), '\n')
      f:write('for _ = 1, 500 do local s = io.open(start) if s then s:close() break end os.execute("sleep 0.01") end\n')
      f:write(body, '\n')
      f:write('db:close()\n')
      f:close()
      -- run from the current directory: package.path may hold relative entries
      local cmd = { '(' }
      for i = 1, n do
        cmd[#cmd + 1] = string.format('(lua5.4 %s/worker.lua > %s/out%d 2>&1; echo "exit=$?" >> %s/out%d) & ',
          dir, dir, i, dir, i)
      end
      cmd[#cmd + 1] = 'sleep 0.3; touch ' .. dir .. '/start; wait)'
      os.execute(table.concat(cmd))
      local outputs = {}
      for i = 1, n do
        local o = io.open(dir .. '/out' .. i)
        outputs[i] = o and o:read('a') or ''
        if o then o:close() end
      end
      os.execute('rm -rf ' .. dir)
      return outputs
    end

    it('concurrent syncs from several processes serialise instead of failing', function()
      local outputs = run_concurrent(4, [[
        db:define('Team', { name = T.STRING })
        db:define('Player', { teamId = { type = T.INTEGER, references = { model = 'Team' } },
                              nick = { type = T.STRING, unique = true } })
        db:sync{ alter = true }
        print('synced')
      ]])
      for i, out in ipairs(outputs) do
        assert.is_truthy(out:find('synced', 1, true) and out:find('exit=0', 1, true),
          'worker ' .. i .. ' failed:\n' .. out)
      end
      local db = ctx.connect()
      assert.are.same({ 'Players', 'Teams' }, ctx.tables(db))
      db:define('Team', { name = T.STRING })
      db:define('Player', { teamId = { type = T.INTEGER, references = { model = 'Team' } },
                            nick = { type = T.STRING, unique = true } })
      assert.are.same({}, db:plan{ alter = true }.steps)
    end)
  end
end)
