-- logging = function(sql, step): every statement of a sync, introspection
-- included; the statements a plan step sends come with that step (DESIGN §4).
local modelsync = require('modelsync')
local dialects = require('support.dialects')
local T = modelsync.DataTypes

dialects.describe('logging(sql, step)', function(ctx)
  local db
  before_each(function() db = ctx.connect() end)

  it('passes the plan step with the statements it sends, and nil for the rest', function()
    db:define('Note', { body = T.TEXT })
    local seen = {}
    db:sync{ logging = function(sql, step) seen[#seen + 1] = { sql = sql, step = step } end }
    local with_step, without = 0, 0
    for _, entry in ipairs(seen) do
      if entry.step then
        with_step = with_step + 1
        assert.are.equal('createTable', entry.step.op)
        assert.are.equal('Notes', entry.step.table)
        assert.are.equal('safe', entry.step.risk)
      else
        without = without + 1
        assert.is_falsy(entry.sql:upper():find('^%s*CREATE TABLE'))
      end
    end
    assert.is_true(with_step >= 1, 'no statement came with its step')
    assert.is_true(without >= 1, 'introspection was not logged')
  end)
end)
