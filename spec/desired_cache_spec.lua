-- A connection reuses the desired schema it read last while the Lua layer
-- hands over the same model tables (core/lmodelsync.c, desired_schema).  These
-- specs check that the reuse is never stale: whatever changes the models
-- changes what the next sync sees, and a bad definition after a good one is
-- still refused.
local modelsync = require('modelsync')
local dialects = require('support.dialects')
local T = modelsync.DataTypes

dialects.describe('the desired schema a connection reuses', function(ctx)
  local db
  before_each(function() db = ctx.connect() end)

  it('sees a model defined again between two syncs', function()
    db:define('Item', { a = T.STRING })
    db:define('Tag', { label = T.STRING })
    db:sync()
    assert.are.same({}, db:plan{ alter = true }.steps)
    db:define('Item', { a = T.STRING, b = T.INTEGER })
    local adds = dialects.find_steps(db:plan{ alter = true }, { op = 'addColumn' })
    assert.are.equal(1, #adds)
    assert.are.equal('b', adds[1].column)
    db:sync{ alter = true }
    assert.are.same({}, db:plan{ alter = true }.steps)
  end)

  it('sees a model added and a model removed', function()
    db:define('Item', { a = T.STRING })
    db:sync()
    db:define('Tag', { label = T.STRING })
    local creates = dialects.find_steps(db:plan{}, { op = 'createTable' })
    assert.are.equal(1, #creates)
    db:sync()
    db:removeModel('Tag')
    assert.are.same({}, db:plan{ alter = true }.steps)
    assert.are.equal(0, #dialects.find_steps(db:plan{ alter = true }, { op = 'createTable' }))
  end)

  it('syncs a subset and then all models with the right tables each time', function()
    db:define('Item', { a = T.STRING })
    db:define('Tag', { label = T.STRING })
    db:model('Item'):sync()
    local creates = dialects.find_steps(db:plan{}, { op = 'createTable' })
    assert.are.equal(1, #creates)
    assert.are.equal(db:model('Tag').tableName, creates[1].table)
    db:sync()
    assert.are.same({}, db:plan{ alter = true }.steps)
  end)

  it('still refuses a bad table after good ones, before any SQL', function()
    -- The core's own checks (Lua's define() catches most mistakes earlier).
    local good = { name = 'cached_good', columns = { { name = 'id', type = { key = 'INTEGER' }, primaryKey = true } } }
    local bad = { name = 'cached_bad', columns = { { name = 'id', type = { key = 'INTEGER' } },
                                                    { name = 'id', type = { key = 'TEXT' } } } }
    local conn = db:getCore()
    assert.are.equal(1, #conn:plan({ tables = { good } }, {}).steps)
    local statements = 0
    conn:setLogger(function() statements = statements + 1 end)
    local ok, err = pcall(conn.plan, conn, { tables = { good, bad } }, {})
    conn:setLogger(nil)
    assert.is_false(ok)
    assert.are.equal('E_DEFINITION', err.code)
    assert.is_truthy(tostring(err.message):find("column 'id' is defined twice", 1, true))
    assert.are.equal(0, statements)
    assert.are.equal(1, #conn:plan({ tables = { good } }, {}).steps)
  end)

  it('survives a sync started from inside the logger of another', function()
    db:define('Item', { a = T.STRING })
    db:sync()
    db:define('Item', { a = T.STRING, b = T.STRING })
    local nested = 0
    local ok = pcall(db.sync, db, { alter = true, logging = function()
      if nested == 0 then
        nested = 1
        db:define('Other', { x = T.INTEGER })      -- another desired schema, read mid-call
        pcall(db.plan, db, { alter = true })
        collectgarbage('collect')
      end
    end })
    assert.are.equal(1, nested)
    assert.is_true(ok)                         -- the outer sync went on with its own schema
    db:model('Item'):create{ a = 'x', b = 'y' }                 -- column b is there
    assert.are.equal(1, db:model('Item'):count{ where = { b = 'y' } })
    db:removeModel('Other')
    db:sync{ alter = true }
    assert.are.same({}, db:plan{ alter = true }.steps)
  end)
end)
