-- An index the model redefines under the same name is replaced, not duplicated
-- and not skipped (alter = true applies it: nothing no model declares is removed).
local modelsync = require('modelsync')
local dialects = require('support.dialects')
local T = modelsync.DataTypes

dialects.describe('Model:sync{alter=true} with an index redefined under its name', function(ctx)
  local db
  before_each(function() db = ctx.connect() end)

  local function define(fields, unique)
    return db:define('Item', { a = T.STRING, b = T.STRING },
      { indexes = { { name = 'items_lookup', unique = unique, fields = fields } } })
  end

  it('drops the old definition and creates the new one in one sync', function()
    define({ 'a' }, false):sync()
    db:model('Item'):create{ a = 'x', b = 'y' }
    define({ 'a', 'b' }, true)
    local plan = db:plan{ alter = true }
    local drops = dialects.find_steps(plan, { op = 'dropIndex' })
    local adds = dialects.find_steps(plan, { op = 'addIndex' })
    assert.are.equal(1, #drops, dialects.describe_steps(plan.steps))
    assert.are.equal(1, #adds, dialects.describe_steps(plan.steps))
    assert.is_falsy(drops[1].skipped)
    db:model('Item'):sync{ alter = true }
    assert.are.same({}, db:plan{ alter = true }.steps)
    assert.are.equal(1, db:model('Item'):count())
  end)

  it('a plain sync skips an index on a column that alter has not added yet', function()
    db:define('Item', { a = T.STRING }):sync()
    define({ 'b' }, false)
    local adds = dialects.find_steps(db:plan{}, { op = 'addIndex' })
    assert.are.equal(1, #adds)
    assert.is_true(adds[1].skipped)
    assert.is_truthy(adds[1].reason:find('"b"', 1, true))
    db:model('Item'):sync()                    -- does not fail on the missing column
    db:model('Item'):sync{ alter = true }
    assert.are.same({}, db:plan{ alter = true }.steps)
  end)

  it('still lists an index no model declares as a skipped drop', function()
    define({ 'a' }, false):sync()
    db:define('Item', { a = T.STRING, b = T.STRING })
    local drops = dialects.find_steps(db:plan{ alter = true }, { op = 'dropIndex' })
    assert.are.equal(1, #drops)
    assert.is_true(drops[1].skipped)
  end)
end)
