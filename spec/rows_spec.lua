-- Rows of a model: create, bulkCreate, findAll, findOne, count, destroy (DESIGN §2).
local modelsync = require('modelsync')
local dialects = require('support.dialects')
local T = modelsync.DataTypes

local TIMESTAMP = '^%d%d%d%d%-%d%d%-%d%d[ T]%d%d:%d%d:%d%d'

dialects.describe('rows', function(ctx)
  local db, User
  before_each(function()
    db = ctx.connect()
    User = db:define('User', {
      name = T.STRING, age = T.INTEGER, active = { type = T.BOOLEAN, defaultValue = true },
      score = T.DOUBLE, nick = { type = T.STRING, field = 'nick_name' },
    })
    User:sync()
  end)

  local function names(rows)
    local out = {}
    for i, r in ipairs(rows) do out[i] = r.name end
    return out
  end

  local function seed()
    User:bulkCreate{
      { name = 'ann', age = 30, score = 1.5, nick = 'a' },
      { name = 'bob', age = 25, active = false, nick = 'b' },
      { name = 'cid', age = 35, score = 3.0 },
      { name = 'dee' },
      { name = "o'neil", age = 25 },
    }
  end

  describe('create', function()
    it('returns the row with its key, values and timestamps', function()
      local row = User:create{ name = 'ann', age = 30 }
      assert.are.equal('integer', math.type(row.id))
      assert.are.equal('ann', row.name)
      assert.are.equal(30, row.age)
      assert.is_string(row.createdAt)
      assert.is_truthy(row.createdAt:find(TIMESTAMP), row.createdAt)
      assert.is_string(row.updatedAt)
      assert.are.equal(row.createdAt, row.updatedAt)
    end)

    it('fills the timestamps in the database (NOT NULL columns)', function()
      local row = User:create{ name = 'ann' }
      local raw = db:query('SELECT ' .. ctx.q('createdAt') .. ' AS c, ' .. ctx.q('updatedAt') .. ' AS u FROM '
        .. ctx.qt('Users') .. ' WHERE id = $1', { row.id })[1]
      assert.is_not_nil(raw.c)
      assert.is_not_nil(raw.u)
      assert.are.equal(os.date('!%Y-%m-%d'), tostring(raw.c):sub(1, 10))
    end)

    it('gives increasing keys', function()
      local a = User:create{ name = 'a' }
      local b = User:create{ name = 'b' }
      assert.is_true(b.id > a.id)
    end)

    it('raises naming the attribute when writing a column the table lacks', function()
      local err = dialects.raises(function() User:create{ name = 'x', nope = 1 } end, nil, { 'nope' })
      assert.is_not_nil(err)
      assert.are.equal(0, User:count())
    end)

    it('raises when the model has an attribute the table lacks (not synced)', function()
      local V2 = db:define('User', {
        name = T.STRING, age = T.INTEGER, active = { type = T.BOOLEAN, defaultValue = true },
        score = T.DOUBLE, nick = { type = T.STRING, field = 'nick_name' }, extra = T.STRING,
      })
      dialects.raises(function() V2:create{ name = 'x', extra = 'e' } end, nil, { 'extra' })
    end)

    it('writes through field and reads back by attribute', function()
      User:create{ name = 'x', nick = 'nn' }
      assert.are.equal('nn', db:query('SELECT nick_name FROM ' .. ctx.qt('Users'))[1].nick_name)
      assert.are.equal('nn', User:findOne().nick)
    end)

    it('applies the model defaults', function()
      local row = User:create{ name = 'x' }
      assert.are.equal(true, row.active)
      assert.are.equal(true, User:findOne{ where = { id = row.id } }.active)
    end)
  end)

  describe('bulkCreate', function()
    it('inserts every row, with timestamps', function()
      seed()
      assert.are.equal(5, User:count())
      for _, r in ipairs(User:findAll()) do
        assert.is_truthy(tostring(r.createdAt):find(TIMESTAMP))
      end
    end)

    it('inserts nothing when one row is bad', function()
      assert.has_error(function() User:bulkCreate{ { name = 'ok' }, { name = 'bad', nope = 1 } } end)
      assert.are.equal(0, User:count())
    end)
  end)

  describe('findAll', function()
    before_each(seed)

    it('with no options returns every row, typed', function()
      local rows = User:findAll()
      assert.are.equal(5, #rows)
      for _, r in ipairs(rows) do
        assert.are.equal('integer', math.type(r.id))
        assert.are.equal('boolean', type(r.active))
      end
    end)

    it('where: equality (several keys AND-ed)', function()
      assert.are.same({ 'bob' }, names(User:findAll{ where = { age = 25, active = false } }))
      assert.are.same({ "o'neil" }, names(User:findAll{ where = { name = "o'neil" } }))
    end)

    it('where: a list is IN', function()
      local rows = User:findAll{ where = { age = { 30, 35 } }, order = { { 'name', 'ASC' } } }
      assert.are.same({ 'ann', 'cid' }, names(rows))
    end)

    it('where: an empty list matches nothing', function()
      assert.are.same({}, User:findAll{ where = { age = {} } })
    end)

    it('where: NULL is IS NULL (modelsync.null, since a Lua nil cannot stand in a table)', function()
      local NULL = modelsync.null or modelsync.NULL
      assert.is_not_nil(NULL, 'modelsync has no NULL sentinel for where (modelsync.null)')
      assert.are.same({ 'dee' }, names(User:findAll{ where = { age = NULL } }))
      assert.are.equal(3, User:count{ where = { score = NULL } })
    end)

    it('where: by attribute name on a column with field', function()
      assert.are.same({ 'bob' }, names(User:findAll{ where = { nick = 'b' } }))
    end)

    it('where: an unknown attribute raises', function()
      dialects.raises(function() User:findAll{ where = { nope = 1 } } end, nil, { 'nope' })
    end)

    it('order, limit and offset', function()
      local rows = User:findAll{ where = { age = { 25, 30, 35 } }, order = { { 'age', 'DESC' }, { 'name', 'ASC' } },
                                 limit = 3 }
      assert.are.same({ 'cid', 'ann', 'bob' }, names(rows))
      rows = User:findAll{ order = { { 'name', 'ASC' } }, limit = 2, offset = 1 }
      assert.are.same({ 'bob', 'cid' }, names(rows))
      rows = User:findAll{ order = { { 'name', 'DESC' } }, offset = 3 }
      assert.are.same({ 'bob', 'ann' }, names(rows))
    end)

    it('order by an attribute with field', function()
      local rows = User:findAll{ where = { nick = { 'a', 'b' } }, order = { { 'nick', 'DESC' } } }
      assert.are.same({ 'bob', 'ann' }, names(rows))
    end)

    it('rejects an order direction that is not ASC or DESC', function()
      assert.has_error(function() User:findAll{ order = { { 'name', 'ASC; DROP TABLE "Users"' } } } end)
      assert.is_true(ctx.table_exists(db, 'Users'))
    end)

    it('returns an empty table when nothing matches', function()
      assert.are.same({}, User:findAll{ where = { name = 'nobody' } })
    end)
  end)

  describe('findOne', function()
    before_each(seed)

    it('returns the first row in the given order', function()
      local row = User:findOne{ where = { age = 25 }, order = { { 'name', 'DESC' } } }
      assert.are.equal("o'neil", row.name)
    end)

    it('returns nil when nothing matches', function()
      assert.is_nil(User:findOne{ where = { name = 'nobody' } })
    end)
  end)

  describe('count', function()
    before_each(seed)

    it('counts all rows or the rows matching where, as an integer', function()
      assert.are.equal(5, User:count())
      local n = User:count{ where = { age = 25 } }
      assert.are.equal('integer', math.type(n))
      assert.are.equal(2, n)
      assert.are.equal(0, User:count{ where = { name = 'nobody' } })
    end)
  end)

  describe('destroy', function()
    before_each(seed)

    it('deletes the matching rows and returns how many (as Sequelize does)', function()
      local n = User:destroy{ where = { age = 25 } }
      assert.are.equal(2, n)
      assert.are.equal(3, User:count())
      assert.are.equal(0, User:count{ where = { age = 25 } })
    end)

    it('with a list deletes every listed value', function()
      User:destroy{ where = { name = { 'ann', 'bob' } } }
      assert.are.same({ 'cid', 'dee', "o'neil" }, names(User:findAll{ order = { { 'name', 'ASC' } } }))
    end)

    it('deletes nothing when nothing matches', function()
      assert.are.equal(0, User:destroy{ where = { name = 'nobody' } })
      assert.are.equal(5, User:count())
    end)
  end)

  describe('paranoid models (Sequelize semantics; the contract only says paranoid adds deletedAt)', function()
    it('destroy sets deletedAt instead of deleting, and reads leave such rows out', function()
      local Soft = db:define('Soft', { name = T.STRING }, { paranoid = true })
      Soft:sync()
      Soft:bulkCreate{ { name = 'a' }, { name = 'b' } }
      assert.are.equal(1, Soft:destroy{ where = { name = 'a' } })
      assert.are.equal(1, Soft:count())
      assert.are.same({ 'b' }, names(Soft:findAll()))
      assert.is_nil(Soft:findOne{ where = { name = 'a' } })
      local raw = db:query('SELECT name, ' .. ctx.q('deletedAt') .. ' AS d FROM ' .. ctx.qt('Softs') .. ' ORDER BY name')
      assert.are.equal(2, #raw)
      assert.is_truthy(tostring(raw[1].d):find(TIMESTAMP), 'deletedAt not set: ' .. tostring(raw[1].d))
      assert.is_nil(raw[2].d)
    end)
  end)
end, { memory = true })
