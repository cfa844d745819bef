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

  it('still lists an index no model declares as a skipped drop', function()
    define({ 'a' }, false):sync()
    db:define('Item', { a = T.STRING, b = T.STRING })
    local drops = dialects.find_steps(db:plan{ alter = true }, { op = 'dropIndex' })
    assert.are.equal(1, #drops)
    assert.is_true(drops[1].skipped)
  end)
end)
