-- define()'s model options `foreignKeys` (foreign keys over one or more
-- columns) and `primaryKey = false` (a table without a primary key), on
-- every dialect: created as declared, an empty plan after, a changed action
-- replaced in one step, bad declarations refused before any SQL.
local modelsync = require('modelsync')
local dialects = require('support.dialects')
local T = modelsync.DataTypes

local function assert_empty(plan, what)
  assert.are.equal(0, #plan.steps, (what or 'plan') .. ' is not empty:\n' .. dialects.describe_steps(plan.steps))
end

-- Orders keyed by (region, num); Lines reference them with a composite key.
local function define_orders(db)
  return db:define('Order', {
    { 'region', { type = T.STRING(10), primaryKey = true } },
    { 'num', { type = T.INTEGER, primaryKey = true } },
    { 'total', T.DECIMAL(10, 2) },
  }, { timestamps = false })
end

local function define_lines(db, fk, extra)
  local o = { timestamps = false, foreignKeys = { fk } }
  for k, v in pairs(extra or {}) do o[k] = v end
  return db:define('Line', {
    { 'id', { type = T.INTEGER, primaryKey = true, autoIncrement = true } },
    { 'orderRegion', { type = T.STRING(10), allowNull = false } },
    { 'orderNum', { type = T.INTEGER, allowNull = false } },
    { 'qty', T.INTEGER },
  }, o)
end

local COMPOSITE = {
  fields = { 'orderRegion', 'orderNum' }, references = { model = 'Order', keys = { 'region', 'num' } },
  onDelete = 'CASCADE', onUpdate = 'CASCADE',
}

dialects.describe('define{ foreignKeys = ... }', function(ctx)
  local db
  before_each(function() db = ctx.connect() end)

  it('creates a composite foreign key with its actions, and the plan is empty after', function()
    define_orders(db)
    define_lines(db, COMPOSITE)
    db:sync()
    local fks = ctx.foreign_keys(db, 'Lines')
    assert.are.equal(1, #fks)
    assert.are.same({ 'orderRegion', 'orderNum' }, fks[1].columns)
    assert.are.same({ 'region', 'num' }, fks[1].refColumns)
    assert.are.equal('Orders', fks[1].refTable)
    assert.are.equal('CASCADE', fks[1].onDelete)
    assert.are.equal('CASCADE', fks[1].onUpdate)
    assert_empty(db:plan{ alter = true })
    assert_empty(db:plan{ alter = { drop = true } }, 'plan with drop')
    -- the database enforces it
    db.models.Order:create{ region = 'eu', num = 1 }
    db.models.Line:create{ orderRegion = 'eu', orderNum = 1, qty = 2 }
    assert.has_error(function() db.models.Line:create{ orderRegion = 'us', orderNum = 1 } end)
    db.models.Order:destroy{ where = { region = 'eu' } }
    assert.are.equal(0, db.models.Line:count())
  end)

  it('defaults keys to the referenced model\'s primary key, and takes a table reference', function()
    define_orders(db)
    define_lines(db, { fields = { 'orderRegion', 'orderNum' }, references = { model = 'Order' } })
    db:sync()
    assert.are.same({ 'region', 'num' }, ctx.foreign_keys(db, 'Lines')[1].refColumns)
    assert_empty(db:plan{ alter = true })
    -- the same key written against the table: nothing to do
    define_lines(db, { fields = { 'orderRegion', 'orderNum' }, references = { table = 'Orders', keys = { 'region', 'num' } } })
    assert_empty(db:plan{ alter = { drop = true } }, 'table reference')
  end)

  it('accepts single-field entries, with a constraint name', function()
    db:define('Team', { name = T.STRING(40) }, { timestamps = false })
    db:define('Member', { teamId = T.INTEGER }, { timestamps = false,
      foreignKeys = { { fields = 'teamId', references = 'Team', onDelete = 'set null', name = 'member_team' } } })
    db:sync()
    local fks = ctx.foreign_keys(db, 'Members')
    assert.are.equal(1, #fks)
    assert.are.equal('Teams', fks[1].refTable)
    assert.are.same({ 'id' }, fks[1].refColumns)
    assert.are.equal('SET NULL', fks[1].onDelete)
    if ctx.name == 'postgres' then assert.are.equal('member_team', fks[1].name) end
    if ctx.name == 'sqlite' then
      assert.is_truthy(ctx.create_sql(db, 'Members'):find('"member_team"', 1, true))
    end
    assert_empty(db:plan{ alter = true })
  end)

  it('replaces the foreign key in one step when onDelete changes, keeping the rows', function()
    define_orders(db)
    define_lines(db, COMPOSITE)
    db:sync()
    db.models.Order:create{ region = 'eu', num = 1 }
    db.models.Line:create{ orderRegion = 'eu', orderNum = 1, qty = 2 }
    define_lines(db, { fields = COMPOSITE.fields, references = COMPOSITE.references, onDelete = 'RESTRICT',
                       onUpdate = 'CASCADE' })
    local plan = db:plan{ alter = true }
    assert.are.equal(1, #plan.steps, dialects.describe_steps(plan.steps))
    local step = plan.steps[1]
    assert.is_falsy(step.skipped)
    assert.are.equal('Lines', step.table)
    if ctx.name == 'postgres' then assert.are.equal('replaceForeignKey', step.op) end
    db:sync{ alter = true }
    assert_empty(db:plan{ alter = true }, 'plan after the replacement')
    local fks = ctx.foreign_keys(db, 'Lines')
    assert.are.equal(1, #fks)
    assert.are.equal('RESTRICT', fks[1].onDelete)
    assert.are.equal(1, db.models.Line:count())
    assert.has_error(function() db.models.Order:destroy{ where = { region = 'eu' } } end)
  end)

  it('is what createModel makes of LoopBack\'s composite foreignKeys', function()
    db:createModel('Order', { region = { type = 'String', length = 10, id = 1 }, num = { type = 'Number', id = 2 } })
    db:createModel('Line', { id = { type = 'Number', id = true, generated = true }, r = { type = 'String', length = 10 },
                             n = 'Number' }, {
      foreignKeys = { line_order = { entity = 'Order', entityKey = 'region,num', foreignKey = 'r,n', onDelete = 'CASCADE' } },
    })
    local fk = db.models.Line._foreignKeys[1]
    assert.are.equal('line_order', fk.name)
    assert.are.same({ 'r', 'n' }, fk.columns)
    db:automigrate()
    local fks = ctx.foreign_keys(db, 'Line')
    assert.are.equal(1, #fks)
    assert.are.same({ 'region', 'num' }, fks[1].refColumns)
    assert.is_true((db:isActual()))
  end)

  describe('bad declarations', function()
    -- define() raises; nothing reached the database.
    local function refused(fk, code, names, extra)
      define_orders(db)
      dialects.raises(function() define_lines(db, fk, extra) end, code, names)
      assert.are.same({}, ctx:tables(db))
    end

    it('refuses unknown keys with a suggestion', function()
      refused({ fields = { 'orderRegion' }, references = 'Order', onDelte = 'CASCADE' }, 'E_OPTION',
        { "'foreignKeys[1].onDelte'", "'foreignKeys[1].onDelete'" })
      refused({ fields = { 'orderRegion' }, references = { model = 'Order', key = 'region' } }, 'E_OPTION',
        { "'foreignKeys[1].references.key'", "'foreignKeys[1].references.keys'" })
      refused({ field = { 'orderRegion' }, references = 'Order' }, 'E_OPTION', { "'foreignKeys[1].field'", 'fields' })
    end)

    it('refuses fields that are not attributes, empty or repeated', function()
      refused({ fields = { 'orderRegoin', 'orderNum' }, references = 'Order' }, 'E_DEFINITION',
        { "'orderRegoin'", "'orderRegion'" })
      refused({ fields = {}, references = 'Order' }, 'E_DEFINITION', { 'empty' })
      refused({ references = 'Order' }, 'E_DEFINITION', { "'fields'" })
      refused({ fields = { 'orderNum', 'orderNum' }, references = 'Order' }, 'E_DEFINITION', { 'twice' })
    end)

    it('refuses a count of keys that differs from the fields', function()
      refused({ fields = { 'orderRegion', 'orderNum' }, references = { model = 'Order', keys = { 'region' } } },
        'E_DEFINITION', { '2 fields', '1 referenced key' })
    end)

    it('refuses actions outside the SQL list', function()
      refused({ fields = { 'orderRegion', 'orderNum' }, references = 'Order', onDelete = 'DESTROY' }, 'E_OPTION',
        { "'foreignKeys[1].onDelete'", 'CASCADE', 'DESTROY' })
      refused({ fields = { 'orderRegion', 'orderNum' }, references = 'Order', onUpdate = 42 }, 'E_OPTION',
        { "'foreignKeys[1].onUpdate'" })
    end)

    it('refuses a reference without exactly one of model and table, and bad shapes', function()
      refused({ fields = { 'orderNum' } }, 'E_DEFINITION', { "'references'" })
      refused({ fields = { 'orderNum' }, references = { model = 'Order', table = 'Orders' } }, 'E_DEFINITION',
        { 'exactly one' })
      refused({ fields = { 'orderNum' }, references = {} }, 'E_DEFINITION', { 'exactly one' })
      refused('orderNum', 'E_OPTION', { "'foreignKeys[1]'" })
      define_orders(db)
      dialects.raises(function()
        db:define('Line', { a = T.INTEGER }, { foreignKeys = { x = { fields = 'a', references = 'Order' } } })
      end, 'E_OPTION', { "'foreignKeys'", 'list' })
    end)

    it('refuses two foreign keys on the same columns, and a name given twice', function()
      define_orders(db)
      dialects.raises(function()
        db:define('Line', { a = { type = T.INTEGER, references = { model = 'Order', key = 'num' } } },
          { foreignKeys = { { fields = 'a', references = { model = 'Order', keys = 'num' } } } })
      end, 'E_DEFINITION', { 'same columns', "attribute 'a'" })
      dialects.raises(function()
        db:define('Line', { a = T.INTEGER, b = T.INTEGER }, { foreignKeys = {
          { fields = 'a', references = { table = 'x' }, name = 'fk' },
          { fields = 'b', references = { table = 'x' }, name = 'fk' } } })
      end, 'E_DEFINITION', { "'fk'", 'twice' })
      dialects.raises(function()
        modelsync.connect{ dialect = 'sqlite', define = { foreignKeys = {} } }
      end, 'E_OPTION', { "'foreignKeys'" })
      assert.are.same({}, ctx:tables(db))
    end)

    -- sync() and plan() raise E_DEFINITION before any SQL (none is logged).
    local function refused_at_sync(fk)
      define_orders(db)
      define_lines(db, fk)
      local log = dialects.logger()
      local err = dialects.raises(function() db:sync{ logging = log.fn } end, 'E_DEFINITION')
      dialects.raises(function() db:plan{ logging = log.fn } end, 'E_DEFINITION')
      assert.are.same({}, log.statements)
      assert.are.same({}, ctx:tables(db))
      return dialects.message(err)
    end

    it('refuses at sync a referenced model or key that does not exist', function()
      local m = refused_at_sync({ fields = { 'orderRegion', 'orderNum' }, references = { model = 'Ordr' } })
      assert.is_truthy(m:find("'Ordr'", 1, true) and m:find("'Order'", 1, true), m)
      m = refused_at_sync({ fields = { 'orderRegion', 'orderNum' },
                            references = { model = 'Order', keys = { 'region', 'nmu' } } })
      assert.is_truthy(m:find("'nmu'", 1, true) and m:find("'num'", 1, true), m)
    end)

    it('refuses at sync a key count or a kind of value that does not match', function()
      local m = refused_at_sync({ fields = { 'orderNum' }, references = { model = 'Order' } })
      assert.is_truthy(m:find('references.keys', 1, true), m)
      m = refused_at_sync({ fields = { 'orderNum', 'orderRegion' }, references = { model = 'Order' } })
      assert.is_truthy(m:find('same kind of value', 1, true), m)
      -- a table no model defines: its keys cannot be guessed
      m = refused_at_sync({ fields = { 'orderRegion', 'orderNum' }, references = { table = 'order_archive' } })
      assert.is_truthy(m:find('references.keys', 1, true), m)
    end)
  end)
end)

dialects.describe('define{ primaryKey = false }', function(ctx)
  local db
  before_each(function() db = ctx.connect() end)

  it('creates a table without a primary key and adds no id; the plan is empty after', function()
    local Log = db:define('Log', { msg = T.TEXT, level = T.INTEGER }, { primaryKey = false })
    assert.are.same({}, Log.primaryKeyAttributes)
    assert.is_nil(Log.rawAttributes.id)
    db:sync()
    local columns = ctx.columns(db, 'Logs')
    assert.are.same({ 'level', 'msg', 'createdAt', 'updatedAt' }, ctx.column_names(db, 'Logs'))
    for _, c in ipairs(columns) do assert.is_false(c.pk) end
    assert_empty(db:plan{ alter = true })
    assert_empty(db:plan{ alter = { drop = true } }, 'plan with drop')
    local row = Log:create{ msg = 'hello', level = 1 }
    assert.are.equal('hello', row.msg)
    Log:create{ msg = 'hello', level = 1 }
    assert.are.equal(2, Log:count{ where = { msg = 'hello' } })
  end)

  it('lets an attribute be called id without being a key, and takes foreign keys', function()
    db:define('Team', { name = T.STRING(40) }, { timestamps = false })
    db:define('Event', { { 'id', T.INTEGER }, { 'teamId', T.INTEGER } }, { timestamps = false, primaryKey = false,
      foreignKeys = { { fields = 'teamId', references = 'Team', onDelete = 'CASCADE' } } })
    db:sync()
    assert.is_false(ctx.columns(db, 'Events').id.pk)
    assert.are.equal(1, #ctx.foreign_keys(db, 'Events'))
    assert_empty(db:plan{ alter = true })
  end)

  it('refuses primaryKey = false with a key attribute, and primaryKey = true', function()
    dialects.raises(function()
      db:define('X', { code = { type = T.STRING(5), primaryKey = true } }, { primaryKey = false })
    end, 'E_DEFINITION', { 'primaryKey = false', "'code'" })
    dialects.raises(function() db:define('X', { a = T.INTEGER }, { primaryKey = true }) end, 'E_OPTION',
      { "'primaryKey'", 'false' })
    dialects.raises(function() db:define('X', { a = T.INTEGER }, { primaryKey = 'no' }) end, 'E_OPTION',
      { "'primaryKey'" })
    assert.are.same({}, ctx:tables(db))
  end)

  it('as a connection default, stops the id only where no key is declared', function()
    local kdb = ctx.connect{ define = { primaryKey = false, timestamps = false } }
    local Plain = kdb:define('Plain', { a = T.INTEGER })
    local Keyed = kdb:define('Keyed', { code = { type = T.STRING(5), primaryKey = true } })
    assert.are.same({}, Plain.primaryKeyAttributes)
    assert.are.same({ 'code' }, Keyed.primaryKeyAttributes)
    kdb:sync()
    assert_empty(kdb:plan{ alter = true })
  end)
end)
