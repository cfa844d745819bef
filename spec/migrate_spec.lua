-- spec/migrate_spec.lua: db:generateMigration, db:migrate, db:rollback and
-- db:migrationStatus (DESIGN §6 "Migrations"), on every dialect.
local dialects = require('support.dialects')

local T = require('modelsync').DataTypes

local function shell_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function read(path)
  local f = assert(io.open(path, 'rb'))
  local text = f:read('a')
  f:close()
  return text
end

local function write(path, text)
  local f = assert(io.open(path, 'wb'))
  f:write(text)
  f:close()
end

-- The first version of the schema: what production runs today.
local function models_v1(db)
  db:define('Team', { name = { type = T.STRING(40), allowNull = false } }, { timestamps = false })
  db:define('User', {
    email = { type = T.STRING(40), allowNull = false, unique = true },
    nickname = T.STRING(20),
    score = { type = T.INTEGER, defaultValue = 0 },
    legacy = T.TEXT,
  }, { timestamps = false })
end

-- The second version: a rename, a wider type, a new column with a default, a
-- changed default, an index, a foreign key to a new table and a new table;
-- `legacy` is gone from the model (dropped only with drop = true).
local function models_v2(db)
  db:define('Team', { name = { type = T.STRING(40), allowNull = false } }, { timestamps = false })
  db:define('Project', {
    title = { type = T.STRING(80), allowNull = false },
    teamId = { type = T.INTEGER, references = { model = 'Team' }, onDelete = 'CASCADE' },
  }, { timestamps = false })
  db:define('User', {
    email = { type = T.STRING(120), allowNull = false, unique = true },
    nick = { type = T.STRING(20), renamedFrom = 'nickname' },
    score = { type = T.INTEGER, defaultValue = 10 },
    status = { type = T.STRING(10), allowNull = false, defaultValue = 'active' },
    teamId = { type = T.INTEGER, references = { model = 'Team' } },
  }, { timestamps = false, indexes = { { fields = { 'status' } } } })
end

local function files_of(dir)
  local out = {}
  local pipe = io.popen('ls -1 ' .. shell_quote(dir) .. ' 2>/dev/null')
  for line in pipe:lines() do out[#out + 1] = line end
  pipe:close()
  table.sort(out)
  return out
end

dialects.describe('migrations: generate, migrate, rollback', function(ctx)
  local dir

  before_each(function()
    dir = os.tmpname()
    os.remove(dir)
    dir = dir .. '_migrations'
  end)

  after_each(function()
    os.execute('rm -rf ' .. shell_quote(dir))
  end)

  local function fresh_v1()
    local db = ctx.connect()
    models_v1(db)
    db:sync()
    local team = db:query('INSERT INTO ' .. ctx:qt('Teams') .. ' ("name") VALUES ($1)', { 'core' })
    db:query('INSERT INTO ' .. ctx:qt('Users') .. ' ("email", "nickname", "score", "legacy") VALUES ($1, $2, $3, $4)',
      { 'ada@example.com', 'ada', 7, 'kept?' })
    return db, team
  end

  it('writes the plan as a versioned file and applies nothing', function()
    local db = fresh_v1()
    models_v2(db)
    local before = ctx:columns(db, 'Users')
    local path = db:generateMigration{ dir = dir, name = 'v2' }
    assert.is_string(path)
    assert.truthy(path:match('/%d%d%d%d%d%d%d%d%d%d%d%d%d%d_v2%.lua$'), path)
    local stamp = path:match('(%d+)_v2%.lua$')
    assert.is_true(math.abs(tonumber(stamp) - tonumber(os.date('!%Y%m%d%H%M%S'))) < 100)
    -- Nothing applied: the schema is as it was, the plan still has work.
    assert.same(before, ctx:columns(db, 'Users'))
    assert.is_false(ctx:table_exists(db, 'Projects'))
    assert.is_false(db:isActual())
    -- The file: a chunk returning up and down lists, with risks and the
    -- skipped destructive step (legacy) as a comment only.
    local text = read(path)
    local m = assert(load(text))()
    assert.is_table(m.up)
    assert.is_table(m.down)
    assert.truthy(#m.up > 0 and #m.down > 0)
    assert.truthy(text:find('SKIPPED (destructive', 1, true), text)
    assert.truthy(text:find('"legacy"', 1, true))
    for _, entry in ipairs(m.up) do
      if type(entry) == 'string' then assert.falsy(entry:find('DROP COLUMN "legacy"', 1, true), entry) end
    end
    assert.truthy(text:find('down was tried after up', 1, true), text)
    -- down narrows the widened column, and says it may fail (SQLite does it
    -- in the rebuild of the table, whose risk is that of its worst change).
    assert.truthy(text:find('VARCHAR(120) -> VARCHAR(40) fails if a stored value does not convert', 1, true), text)
    if ctx.name == 'postgres' then
      assert.truthy(text:find('%(data%-dependent: VARCHAR%(120%) %-> VARCHAR%(40%)'), text)
    end
  end)

  it('generate -> migrate -> the plan is empty; a second migrate applies nothing', function()
    local db = fresh_v1()
    models_v2(db)
    local path = db:generateMigration{ dir = dir, name = 'v2' }
    local applied = db:migrate{ dir = dir }
    assert.same({ path:match('[^/]+$') }, applied)
    -- Only the skipped destructive step (legacy) remains.
    local plan = db:plan{ alter = true }
    assert.equal(1, #plan.steps, dialects.describe_steps(plan.steps))
    assert.is_true(plan.steps[1].skipped)
    assert.same({}, db:migrate{ dir = dir })
    -- The data went along: the rename kept the value, the new column has its default.
    local row = db:query('SELECT * FROM ' .. ctx:qt('Users'))[1]
    assert.equal('ada', row.nick)
    assert.equal('active', row.status)
    assert.equal(7, tonumber(row.score))
    -- Nothing left to generate.
    local none, message = db:generateMigration{ dir = dir, name = 'again' }
    assert.is_nil(none)
    assert.truthy(message:find('nothing to migrate', 1, true), message)
    assert.equal(1, #files_of(dir))
    -- With drop = true the removal of legacy is a migration of its own, marked.
    local drop_path = db:generateMigration{ dir = dir, name = 'drop_legacy', drop = true }
    local text = read(drop_path)
    assert.truthy(text:find('DESTRUCTIVE', 1, true), text)
    assert.truthy(text:find('NOT REVERSIBLE', 1, true), text)
    assert.truthy(text:find('not its values', 1, true), text)
    assert.truthy(drop_path > path, 'a later file sorts after the earlier one')
    assert.equal(1, #db:migrate{ dir = dir })
    assert.is_true(db:isActual())
    local none2 = db:generateMigration{ dir = dir, name = 'nothing', drop = true }
    assert.is_nil(none2)
    -- Status: both applied, in order.
    local status = db:migrationStatus{ dir = dir }
    assert.equal(2, #status)
    assert.equal('applied', status[1].state)
    assert.equal('applied', status[2].state)
    assert.truthy(status[1].name < status[2].name)
  end)

  it('rollback restores the previous schema and keeps the other data', function()
    local db = fresh_v1()
    local v1_columns = ctx:column_names(db, 'Users')
    models_v2(db)
    db:generateMigration{ dir = dir, name = 'v2' }
    db:migrate{ dir = dir }
    db:query('INSERT INTO ' .. ctx:qt('Users') .. ' ("email", "nick", "score", "status") VALUES ($1, $2, $3, $4)',
      { 'bob@example.com', 'bob', 3, 'away' })
    local rolled = db:rollback{ dir = dir }
    assert.equal(1, #rolled)
    -- The schema is version 1 again: the v1 models see nothing to do.
    for _, name in ipairs({ 'Project', 'User', 'Team' }) do db:removeModel(name) end
    models_v1(db)
    local plan = db:plan{ alter = true }
    assert.equal(0, #plan.steps, dialects.describe_steps(plan.steps))
    assert.same(v1_columns, ctx:column_names(db, 'Users'))
    assert.is_false(ctx:table_exists(db, 'Projects'))
    assert.is_nil(ctx:index_on(db, 'Users', { 'status' }))
    -- The rows: renamed back with their values, the row added since kept.
    local rows = db:query('SELECT * FROM ' .. ctx:qt('Users') .. ' ORDER BY "id"')
    assert.equal(2, #rows)
    assert.equal('ada', rows[1].nickname)
    assert.equal(7, tonumber(rows[1].score))
    assert.equal('kept?', rows[1].legacy)
    assert.equal('bob', rows[2].nickname)
    assert.equal(1, ctx:count_rows(db, 'Teams'))
    -- The record is gone: status says pending, migrate applies it again.
    assert.equal('pending', db:migrationStatus{ dir = dir }[1].state)
    assert.equal(1, #db:migrate{ dir = dir })
    assert.same({}, db:rollback{ dir = dir, steps = 0 })
  end)

  it('rollback of a dropped column brings the column back, not its values', function()
    local db = fresh_v1()
    models_v2(db)
    db:generateMigration{ dir = dir, name = 'v2', drop = true }
    db:migrate{ dir = dir }
    assert.is_nil(ctx:columns(db, 'Users').legacy)
    db:rollback{ dir = dir }
    local legacy = ctx:columns(db, 'Users').legacy
    assert.is_table(legacy)
    assert.is_false(legacy.notnull)
    assert.is_nil(db:query('SELECT "legacy" FROM ' .. ctx:qt('Users'))[1].legacy)
  end)

  it('refuses an applied file that was edited afterwards, naming it', function()
    local db = fresh_v1()
    models_v2(db)
    local path = db:generateMigration{ dir = dir, name = 'v2' }
    db:migrate{ dir = dir }
    write(path, read(path) .. '-- edited\n')
    local name = path:match('[^/]+$')
    dialects.raises(function() db:migrate{ dir = dir } end, 'E_MIGRATION_CHECKSUM', { name })
    dialects.raises(function() db:rollback{ dir = dir } end, 'E_MIGRATION_CHECKSUM', { name })
    assert.equal('changed', db:migrationStatus{ dir = dir }[1].state)
    assert.is_true(ctx:table_exists(db, 'Projects'))
  end)

  it('a failing migration changes nothing and stops the ones after it', function()
    local db = fresh_v1()
    os.execute('mkdir -p ' .. shell_quote(dir))
    local users = ctx:qt('Users')
    write(dir .. '/20200101000000_good.lua', string.format(
      'return { up = { %q }, down = { %q } }',
      'ALTER TABLE ' .. users .. ' ADD COLUMN "flag" INTEGER', 'ALTER TABLE ' .. users .. ' DROP COLUMN "flag"'))
    write(dir .. '/20200101000001_bad.lua', string.format(
      'return { up = { %q, %q, %q }, down = {} }',
      'ALTER TABLE ' .. users .. ' ADD COLUMN "half" INTEGER',
      'UPDATE ' .. users .. ' SET "score" = 99',
      'INSERT INTO ' .. ctx:qt('no_such_table') .. ' VALUES (1)'))
    write(dir .. '/20200101000002_after.lua', string.format(
      'return { up = { %q }, down = {} }', 'ALTER TABLE ' .. users .. ' ADD COLUMN "later" INTEGER'))
    local err = dialects.raises(function() db:migrate{ dir = dir } end, nil, { '20200101000001_bad.lua' })
    assert.equal('E_SQL', err.code)
    local columns = ctx:columns(db, 'Users')
    assert.is_table(columns.flag)           -- the good one before it stays applied
    assert.is_nil(columns.half)             -- nothing of the bad one
    assert.is_nil(columns.later)            -- nor of the ones after it
    assert.equal(7, tonumber(db:query('SELECT "score" FROM ' .. users)[1].score))
    local states = {}
    for _, s in ipairs(db:migrationStatus{ dir = dir }) do states[#states + 1] = s.state end
    assert.same({ 'applied', 'pending', 'pending' }, states)
    -- A failing check is E_DATA, and rolls back as well.
    write(dir .. '/20200101000001_bad.lua', string.format(
      'return { up = { %q, { check = %q, table = "Users", column = "score", problem = "are positive" } }, down = {} }',
      'ALTER TABLE ' .. users .. ' ADD COLUMN "half" INTEGER', 'SELECT count(*) FROM ' .. users .. ' WHERE "score" > 0'))
    dialects.raises(function() db:migrate{ dir = dir } end, 'E_DATA', { '20200101000001_bad.lua', 'score' })
    assert.is_nil(ctx:columns(db, 'Users').half)
  end)

  it('six processes migrating at once apply each file exactly once', function()
    local db = fresh_v1()
    models_v2(db)
    db:generateMigration{ dir = dir, name = 'v2' }
    local log = ctx:qt('Users')
    -- A second file whose effect shows how often it ran: it adds 1 to a score.
    write(dir .. '/29990101000000_count.lua', string.format('return { up = { %q }, down = { %q } }',
      'UPDATE ' .. log .. ' SET "score" = "score" + 1', 'UPDATE ' .. log .. ' SET "score" = "score" - 1'))
    local start = dir .. '/start'
    local outputs = {}
    local commands = {}
    for i = 1, 6 do
      outputs[i] = dir .. '/out' .. i
      commands[#commands + 1] = string.format('lua5.4 spec/support/migrate_driver.lua %s %s %s > %s 2>&1 &',
        shell_quote(ctx:url()), shell_quote(dir), shell_quote(start), shell_quote(outputs[i]))
    end
    commands[#commands + 1] = 'sleep 0.5; touch ' .. shell_quote(start) .. '; wait'
    assert(os.execute(table.concat(commands, ' ')))
    local applied, done = {}, 0
    for i = 1, 6 do
      local text = read(outputs[i])
      assert.truthy(text:find('done\n', 1, true), text)
      done = done + 1
      for name in text:gmatch('applied (%S+)') do applied[#applied + 1] = name end
    end
    assert.equal(6, done)
    table.sort(applied)
    assert.equal(2, #applied, table.concat(applied, ', '))
    assert.truthy(applied[1]:match('_v2%.lua$'))
    assert.equal('29990101000000_count.lua', applied[2])
    assert.equal(7 + 1, tonumber(db:query('SELECT "score" FROM ' .. log .. ' WHERE "email" = $1',
      { 'ada@example.com' })[1].score))
    assert.equal(2, ctx:count_rows(db, 'modelsync_migrations'))
    local plan = db:plan{ alter = true }
    assert.equal(1, #plan.steps, dialects.describe_steps(plan.steps))   -- legacy, skipped
  end)

  it('validates its options', function()
    local db = ctx.connect()
    dialects.raises(function() db:generateMigration{ name = 'x' } end, 'E_OPTION', { 'dir' })
    dialects.raises(function() db:generateMigration{ dir = dir } end, 'E_OPTION', { 'name' })
    dialects.raises(function() db:generateMigration{ dir = dir, name = '../evil' } end, 'E_OPTION', { 'name' })
    dialects.raises(function() db:generateMigration{ dir = dir, name = 'x', drop = 'yes' } end, 'E_OPTION', { 'drop' })
    dialects.raises(function() db:migrate{ dir = dir, steps = 1 } end, 'E_OPTION', { 'steps' })
    dialects.raises(function() db:migrate{ dir = dir } end, 'E_OPTION', { dir })
    dialects.raises(function() db:generateMigration{ dir = dir, name = 'x', models = { 'Nope' } } end,
      'E_UNKNOWN_MODEL', { 'Nope' })
  end)
end)
