-- db:plan: steps, risks, skipped steps, plan:sql(), plan:apply(), stale plans (DESIGN §4).
local modelsync = require('modelsync')
local dialects = require('support.dialects')
local T = modelsync.DataTypes

local RISKS = { safe = true, ['data-dependent'] = true, destructive = true }

local function only_step(plan, filter)
  local found = dialects.find_steps(plan, filter)
  local want = {}
  for k, v in pairs(filter) do want[#want + 1] = k .. '=' .. tostring(v) end
  assert.are.equal(1, #found, 'expected one step ' .. table.concat(want, ' ') .. ' in:\n'
    .. dialects.describe_steps(plan.steps))
  return found[1]
end

dialects.describe('db:plan', function(ctx)
  local db
  before_each(function() db = ctx.connect() end)

  it('lists createTable steps for missing tables and runs nothing', function()
    db:define('User', { name = T.STRING })
    db:define('Post', { userId = { type = T.INTEGER, references = { model = 'User' } } })
    local log = dialects.logger()
    local plan = db:plan{ alter = true, logging = log.fn }
    local u = only_step(plan, { op = 'createTable', table = 'Users' })
    local p = only_step(plan, { op = 'createTable', table = 'Posts' })
    for _, s in ipairs({ u, p }) do
      assert.are.equal('safe', s.risk)
      assert.is_falsy(s.skipped)
      assert.is_truthy(dialects.step_sql(s):upper():find('CREATE TABLE', 1, true))
    end
    assert.are.same({}, dialects.changes(log))
    assert.are.same({}, ctx.tables(db))
  end)

  it('gives every step op, table, sql, a known risk and skipped', function()
    db:define('User', { name = T.STRING, old = T.STRING, price = T.DECIMAL(10, 2) }):sync()
    db:define('User', { name = T.STRING(20), price = T.INTEGER, age = T.INTEGER,
                        email = { type = T.STRING, unique = true } })
    local plan = db:plan{ alter = true }
    assert.is_true(#plan.steps >= 2, dialects.describe_steps(plan.steps))
    for _, s in ipairs(plan.steps) do
      assert.is_string(s.op)
      assert.are.equal('Users', s.table)
      assert.is_true(RISKS[s.risk] == true, 'risk ' .. tostring(s.risk))
      assert.are.equal('boolean', type(s.skipped))
      assert.is_true(#dialects.step_sql(s) > 0, 'a step without SQL: ' .. s.op)
      if s.skipped then assert.is_string(s.reason) end
    end
  end)

  it('an added nullable column is a safe addColumn naming the column', function()
    db:define('User', { name = T.STRING }):sync()
    db:define('User', { name = T.STRING, age = T.INTEGER })
    local s = only_step(db:plan{ alter = true }, { op = 'addColumn', table = 'Users', column = 'age' })
    assert.are.equal('safe', s.risk)
    assert.is_false(s.skipped)
  end)

  it('a column gone from the model is a destructive dropColumn, skipped under alter = true', function()
    db:define('User', { name = T.STRING, old = T.STRING }):sync()
    db:define('User', { name = T.STRING })
    local s = only_step(db:plan{ alter = true }, { op = 'dropColumn', table = 'Users', column = 'old' })
    assert.are.equal('destructive', s.risk)
    assert.is_true(s.skipped)
    assert.is_string(s.reason)
    assert.is_true(#s.reason > 0)
    local d = only_step(db:plan{ alter = { drop = true } }, { op = 'dropColumn', table = 'Users', column = 'old' })
    assert.is_false(d.skipped)
  end)

  it('narrowing a VARCHAR is data-dependent and applied by alter = true', function()
    db:define('User', { name = T.STRING(50) }):sync()
    db:define('User', { name = T.STRING(20) })
    local plan = db:plan{ alter = true }
    assert.is_true(#plan.steps >= 1, 'no step for a narrower VARCHAR')
    local found = false
    for _, s in ipairs(plan.steps) do
      -- the step about the column, or the SQLite rebuild of its table that carries it
      if s.column == 'name' or s.op == 'rebuildTable' then
        found = true
        assert.are.equal('data-dependent', s.risk)
        assert.is_false(s.skipped)
      end
    end
    assert.is_true(found, dialects.describe_steps(plan.steps))
  end)

  it('widening a VARCHAR is safe', function()
    db:define('User', { name = T.STRING(20) }):sync()
    db:define('User', { name = T.STRING(50) })
    local plan = db:plan{ alter = true }
    assert.is_true(#plan.steps >= 1)
    for _, s in ipairs(plan.steps) do
      assert.are.equal('safe', s.risk, dialects.describe_steps(plan.steps))
    end
  end)

  it('SET NOT NULL is data-dependent; VARCHAR -> INTEGER is data-dependent', function()
    db:define('User', { name = T.STRING, code = T.STRING }):sync()
    db:define('User', { name = { type = T.STRING, allowNull = false }, code = T.INTEGER })
    local plan = db:plan{ alter = true }
    local by_column = {}
    for _, s in ipairs(plan.steps) do
      if s.column then by_column[s.column] = s end
      if s.op == 'rebuildTable' then by_column.name = s; by_column.code = s end  -- SQLite: one step for both
    end
    assert.is_not_nil(by_column.name, dialects.describe_steps(plan.steps))
    assert.is_not_nil(by_column.code, dialects.describe_steps(plan.steps))
    -- a step may cover both (a SQLite rebuild): then it carries the higher risk
    for _, s in ipairs(plan.steps) do
      assert.are.equal('data-dependent', s.risk, dialects.describe_steps(plan.steps))
      assert.is_false(s.skipped)
    end
  end)

  it('DECIMAL -> INTEGER is destructive and skipped under alter = true', function()
    db:define('User', { price = T.DECIMAL(10, 2) }):sync()
    db:define('User', { price = T.INTEGER })
    local plan = db:plan{ alter = true }
    local found = false
    for _, s in ipairs(plan.steps) do
      if s.column == 'price' then
        found = true
        assert.are.equal('destructive', s.risk)
        assert.is_true(s.skipped)
        assert.is_string(s.reason)
      end
    end
    assert.is_true(found, dialects.describe_steps(plan.steps))
    -- alter = true leaves it as it is and lists it again next time
    db:sync{ alter = true }
    assert.are.equal(ctx.name == 'sqlite' and 'decimal(10,2)' or 'numeric(10,2)', ctx.columns(db, 'Users').price.type)
    assert.is_true(#db:plan{ alter = true }.steps >= 1)
  end)

  it('an index no model declares is dropped only with drop = true, listed as skipped otherwise', function()
    db:define('User', { name = T.STRING }):sync()
    db:query('CREATE INDEX ' .. ctx.q('users_extra') .. ' ON ' .. ctx.qt('Users') .. ' (name)')
    local s = only_step(db:plan{ alter = true }, { op = 'dropIndex', table = 'Users' })
    assert.is_true(s.skipped)
    assert.is_string(s.reason)
    db:sync{ alter = true }
    assert.is_not_nil(ctx.indexes(db, 'Users').users_extra)
    db:sync{ alter = { drop = true } }
    assert.is_nil(ctx.indexes(db, 'Users').users_extra)
  end)

  it('force plans destructive dropTable and createTable steps', function()
    db:define('User', { name = T.STRING }):sync()
    local plan = db:plan{ force = true }
    local drop = only_step(plan, { op = 'dropTable', table = 'Users' })
    assert.are.equal('destructive', drop.risk)
    assert.is_false(drop.skipped)
    only_step(plan, { op = 'createTable', table = 'Users' })
    assert.is_true(ctx.table_exists(db, 'Users'))
  end)

  it('is empty when the database matches the models', function()
    db:define('User', { name = T.STRING }):sync()
    local plan = db:plan{ alter = true }
    assert.are.same({}, plan.steps)
    assert.are.equal('', (plan:sql():gsub('%s', '')))
  end)

  describe('plan:sql()', function()
    it('is the SQL apply would run: applied steps, in order, without skipped ones', function()
      db:define('User', { name = T.STRING, old = T.STRING }):sync()
      db:define('User', { name = T.STRING, age = T.INTEGER })
      local plan = db:plan{ alter = true }
      local sql = plan:sql()
      assert.is_string(sql)
      assert.is_truthy(sql:find('"age"', 1, true), sql)
      local drop = only_step(plan, { op = 'dropColumn', column = 'old' })
      assert.is_true(drop.skipped)
      -- a skipped step may be shown as a comment, never as a statement
      for line in sql:gmatch('[^\n]+') do
        if not line:find('^%s*%-%-') then
          assert.is_falsy(line:upper():find('DROP COLUMN', 1, true), 'skipped SQL in plan:sql():\n' .. sql)
        end
      end
      -- every applied step's SQL is in it, in order
      local at = 0
      for _, s in ipairs(plan.steps) do
        if not s.skipped then
          local piece = dialects.step_sql(s)
          local i = sql:find(piece, at + 1, true)
          assert.is_truthy(i, 'step SQL missing or out of order: ' .. piece)
          at = i
        end
      end
    end)
  end)

  describe('plan:apply()', function()
    it('applies the plan, after which the plan is empty', function()
      local M = db:define('User', { name = T.STRING })
      M:sync()
      M:create{ name = 'a' }
      db:define('User', { name = T.STRING, age = { type = T.INTEGER, defaultValue = 5 } })
      local plan = db:plan{ alter = true }
      plan:apply()
      assert.is_not_nil(ctx.columns(db, 'Users').age)
      assert.are.equal(1, ctx.count_rows(db, 'Users'))
      assert.are.same({}, db:plan{ alter = true }.steps)
    end)

    it('does not apply skipped steps', function()
      db:define('User', { name = T.STRING, old = T.STRING }):sync()
      db:define('User', { name = T.STRING })
      db:plan{ alter = true }:apply()
      assert.is_not_nil(ctx.columns(db, 'Users').old)
    end)

    it('applies destructive steps of a plan made with drop = true', function()
      db:define('User', { name = T.STRING, old = T.STRING }):sync()
      db:define('User', { name = T.STRING })
      db:plan{ alter = { drop = true } }:apply()
      assert.is_nil(ctx.columns(db, 'Users').old)
    end)

    it('creates missing tables', function()
      db:define('User', { name = T.STRING })
      db:plan{ alter = true }:apply()
      assert.is_true(ctx.table_exists(db, 'Users'))
    end)

    it('raises E_STALE_PLAN and changes nothing when the database changed since the plan', function()
      db:define('User', { name = T.STRING }):sync()
      db:define('User', { name = T.STRING, age = T.INTEGER, nick = T.STRING })
      local plan = db:plan{ alter = true }
      -- someone else adds one of the planned columns, with another type
      local other = ctx.memory and db or ctx.connect()
      other:query('ALTER TABLE ' .. ctx.qt('Users') .. ' ADD COLUMN ' .. ctx.q('age') .. ' TEXT')
      dialects.raises(function() plan:apply() end, 'E_STALE_PLAN')
      local cols = ctx.columns(db, 'Users')
      assert.are.equal('text', cols.age.type)
      assert.is_nil(cols.nick)
    end)
  end)
end)
