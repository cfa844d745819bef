-- LoopBack's names (DESIGN §4): createModel (LoopBack's JSON model form),
-- automigrate, autoupdate, isActual; the CustomerTest example of LoopBack's
-- own documentation of autoupdate.
local modelsync = require('modelsync')
local dialects = require('support.dialects')
local T = modelsync.DataTypes

-- LoopBack's "Creating a database schema from models" example, version 1 and 2.
local function schema_v1(ctx)
  return {
    name = 'CustomerTest',
    options = {
      idInjection = false,
      postgresql = { schema = ctx.name == 'postgres' and ctx.schema or nil, table = 'customer_test' },
      oracle = { schema = 'CUSTOMER', table = 'CUSTOMER_TEST' },
    },
    properties = {
      id = { type = 'String', length = 20, id = 1 },
      name = { type = 'String', required = false, length = 40 },
      email = { type = 'String', required = false, length = 40 },
      age = { type = 'Number', required = false },
    },
  }
end

local function schema_v2(ctx)
  return {
    name = 'CustomerTest',
    options = {
      idInjection = false,
      postgresql = { schema = ctx.name == 'postgres' and ctx.schema or nil, table = 'customer_test' },
      oracle = { schema = 'CUSTOMER', table = 'CUSTOMER_TEST' },
    },
    properties = {
      id = { type = 'String', length = 20, id = 1 },
      email = { type = 'String', required = false, length = 60,
                oracle = { columnName = 'EMAIL', dataType = 'VARCHAR', dataLength = 60, nullable = 'Y' } },
      firstName = { type = 'String', required = false, length = 40 },
      lastName = { type = 'String', required = false, length = 40 },
    },
  }
end

local function create(db, s)
  return db:createModel(s.name, s.properties, s.options)
end

dialects.describe('LoopBack API', function(ctx)
  local db
  before_each(function() db = ctx.connect() end)

  describe('the CustomerTest example', function()
    it('automigrates schema_v1, autoupdates to schema_v2 keeping rows and the removed columns', function()
      local v1 = create(db, schema_v1(ctx))
      assert.are.equal('customer_test', v1.tableName)
      db:automigrate('CustomerTest')
      local cols = ctx.columns(db, 'customer_test')
      -- a map of properties: the key first, then the rest by name (define()'s map order)
      assert.are.same({ 'id', 'age', 'email', 'name' }, ctx.column_names(db, 'customer_test'))
      assert.is_true(cols.id.pk)
      assert.is_true(cols.id.notnull)
      assert.is_false(cols.email.notnull)
      db:query('INSERT INTO ' .. ctx:qt('customer_test') .. ' (id, name, email, age) VALUES ($1, $2, $3, $4)',
        { 'c1', 'Ann', 'ann@example.com', 30 })
      assert.is_true((db:isActual('CustomerTest')))

      create(db, schema_v2(ctx))
      local ok, plan = db:isActual('CustomerTest')
      assert.is_false(ok)
      assert.is_true(#plan.steps > 0)
      db:autoupdate('CustomerTest')
      local names = ctx.column_names(db, 'customer_test')
      for _, c in ipairs({ 'id', 'email', 'firstName', 'lastName', 'name', 'age' }) do
        assert.is_truthy(ctx.columns(db, 'customer_test')[c], 'missing column ' .. c .. ' in ' .. table.concat(names, ','))
      end
      if ctx.name == 'postgres' then
        assert.are.equal('character varying(60)', ctx.columns(db, 'customer_test').email.type)
      end
      -- a 60-character email now fits
      local long = string.rep('x', 48) .. '@example.com'
      db:query('UPDATE ' .. ctx:qt('customer_test') .. ' SET email = $1 WHERE id = $2', { long, 'c1' })
      local rows = db:query('SELECT * FROM ' .. ctx:qt('customer_test'))
      assert.are.equal(1, #rows)
      assert.are.equal('Ann', rows[1].name)
      assert.are.equal(30, tonumber(rows[1].age))
      assert.are.equal(long, rows[1].email)
      -- the removed properties are skipped steps until drop = true
      local actual, rest = db:isActual('CustomerTest')
      assert.is_false(actual)
      for _, s in ipairs(rest.steps) do assert.is_true(s.skipped, dialects.describe_steps(rest.steps)) end
      db:autoupdate('CustomerTest', { drop = true })
      assert.are.same({ 'id', 'email', 'firstName', 'lastName' }, ctx.column_names(db, 'customer_test'))
      assert.is_true((db:isActual('CustomerTest')))
      assert.are.equal(1, ctx.count_rows(db, 'customer_test'))
    end)

    it('sends no DDL when autoupdate finds nothing to do', function()
      create(db, schema_v1(ctx))
      db:automigrate()
      local log = dialects.logger()
      db.options.logging = log.fn
      db:autoupdate()
      db.options.logging = nil
      assert.are.same({}, dialects.changes(log))
    end)
  end)

  describe('automigrate / autoupdate / isActual', function()
    it('automigrate re-creates the named tables only, losing their rows', function()
      db:createModel('A', { v = 'Number' })
      db:createModel('B', { v = 'Number' })
      db:automigrate()
      db:query('INSERT INTO ' .. ctx:qt('A') .. ' (v) VALUES (1)')
      db:query('INSERT INTO ' .. ctx:qt('B') .. ' (v) VALUES (1)')
      db:automigrate({ 'A' })
      assert.are.equal(0, ctx.count_rows(db, 'A'))
      assert.are.equal(1, ctx.count_rows(db, 'B'))
      db:automigrate('B')
      assert.are.equal(0, ctx.count_rows(db, 'B'))
    end)

    it('raises E_UNKNOWN_MODEL before anything runs, also inside a list', function()
      db:createModel('A', { v = 'Number' })
      local log = dialects.logger()
      db.options.logging = log.fn
      dialects.raises(function() db:automigrate({ 'A', 'Nope' }) end, 'E_UNKNOWN_MODEL', { 'Nope' })
      dialects.raises(function() db:autoupdate({ 'A', 'Nope' }) end, 'E_UNKNOWN_MODEL', { 'Nope' })
      dialects.raises(function() db:isActual({ 'Nope', 'A' }) end, 'E_UNKNOWN_MODEL', { 'Nope' })
      dialects.raises(function() db:automigrate('Nope') end, 'E_UNKNOWN_MODEL', { 'Nope' })
      db.options.logging = nil
      assert.are.same({}, log.statements)
      assert.is_false(ctx.table_exists(db, 'A'))
    end)

    it('isActual is false with the plan while a table is missing, true after autoupdate', function()
      db:createModel('A', { v = 'Number' })
      local ok, plan = db:isActual()
      assert.is_false(ok)
      assert.are.equal('createTable', plan.steps[1].op)
      db:autoupdate()
      assert.is_true((db:isActual()))
      assert.is_true((db:isActual('A')))
    end)

    it('rejects bad autoupdate options', function()
      db:createModel('A', { v = 'Number' })
      dialects.raises(function() db:autoupdate('A', { dorp = true }) end, 'E_OPTION', { 'dorp' })
      dialects.raises(function() db:autoupdate('A', 'yes') end, 'E_OPTION')
    end)
  end)

  describe('createModel()', function()
    it('maps LoopBack types, lengths, precision, scale, required, default', function()
      local M = db:createModel('Thing', {
        id = { type = 'Number', id = true, generated = true, description = 'ignored' },
        title = { type = 'String', length = 80, required = true, default = 'untitled' },
        body = 'String',
        price = { type = 'Number', precision = 10, scale = 2, default = 0 },
        count = { type = 'Number', default = 3 },
        active = { type = 'Boolean', default = true },
        born = { type = 'Date' },
        meta = { type = 'Object' },
        tags = { type = { 'String' } },
        raw = { type = 'Buffer' },
        anything = { type = 'any' },
      })
      local a = M.rawAttributes
      assert.are.same({ 'id' }, M.primaryKeyAttributes)
      assert.are.equal('STRING', a.title.type.key)
      assert.are.equal(80, a.title.type.length)
      assert.is_false(a.title.allowNull)
      assert.are.equal('untitled', a.title.defaultValue)
      assert.are.equal('TEXT', a.body.type.key)
      assert.are.equal('DECIMAL', a.price.type.key)
      assert.are.equal(10, a.price.type.precision)
      assert.are.equal(2, a.price.type.scale)
      assert.are.equal('INTEGER', a.count.type.key)
      assert.are.equal('BOOLEAN', a.active.type.key)
      assert.are.equal('DATE', a.born.type.key)
      assert.are.equal('JSON', a.meta.type.key)
      assert.are.equal('JSON', a.tags.type.key)
      assert.are.equal('BLOB', a.raw.type.key)
      assert.are.equal('JSON', a.anything.type.key)
      assert.are.equal('Thing', M.tableName)
      assert.is_nil(a.createdAt)
      db:autoupdate()
      assert.is_true((db:isActual()))
      local row = M:create{ title = 'x' }
      assert.is_not_nil(row.id)
      local back = M:findOne{ where = { id = row.id } }
      assert.are.equal(3, back.count)
      assert.are.equal(true, back.active)
      assert.are.equal('x', back.title)
    end)

    it('keeps the order of properties given as { name, property } pairs', function()
      local M = db:createModel('Ordered', {
        { 'id', { type = 'String', length = 20, id = 1 } },
        { 'name', { type = 'String', length = 40 } },
        { 'email', { type = 'String', length = 40 } },
        { 'age', 'Number' },
      }, { idInjection = false })
      assert.are.same({ 'id' }, M.primaryKeyAttributes)
      db:automigrate('Ordered')
      assert.are.same({ 'id', 'name', 'email', 'age' }, ctx.column_names(db, 'Ordered'))
      dialects.raises(function() db:createModel('Bad', { { 'a', 'String' }, { 'a', 'Number' } }) end,
        'E_DEFINITION', { "'a'" })
    end)

    it('numbers rows itself for a generated integer id', function()
      local M = db:createModel('Gen', {
        id = { type = 'Number', id = true, generated = true },
        v = 'String',
      })
      assert.is_true(M.rawAttributes.id.autoIncrement)
      db:automigrate('Gen')
      local a, b = M:create{ v = 'a' }, M:create{ v = 'b' }
      assert.are_not.equal(a.id, b.id)
      assert.is_true((db:isActual('Gen')))
    end)

    it('adds an id key with idInjection, none when a property is the id', function()
      local A = db:createModel('A', { v = 'Number' })
      assert.are.same({ 'id' }, A.primaryKeyAttributes)
      assert.is_true(A.rawAttributes.id.autoIncrement)
      local B = db:createModel('B', { code = { type = 'String', length = 8, id = true } }, { idInjection = true })
      assert.are.same({ 'code' }, B.primaryKeyAttributes)
      assert.is_nil(B.rawAttributes.id)
    end)

    it('keeps composite ids in their id order', function()
      local M = db:createModel('Pair', {
        b = { type = 'Number', id = 2 },
        a = { type = 'String', length = 10, id = 1 },
        note = 'String',
      })
      assert.are.same({ 'a', 'b' }, M.primaryKeyAttributes)
      db:automigrate('Pair')
      local cols = ctx.columns(db, 'Pair')
      assert.is_true(cols.a.pk and cols.b.pk)
      assert.is_true((db:isActual('Pair')))
      -- a composite key refuses duplicates of the pair only
      db:query('INSERT INTO ' .. ctx:qt('Pair') .. ' (a, b) VALUES ($1, $2)', { 'x', 1 })
      db:query('INSERT INTO ' .. ctx:qt('Pair') .. ' (a, b) VALUES ($1, $2)', { 'x', 2 })
      assert.has_error(function()
        db:query('INSERT INTO ' .. ctx:qt('Pair') .. ' (a, b) VALUES ($1, $2)', { 'x', 2 })
      end)
    end)

    it('honours index = true, index = { unique = true } and options.indexes', function()
      db:createModel('Person', {
        email = { type = 'String', length = 60, index = { unique = true } },
        city = { type = 'String', length = 40, index = true },
        first = { type = 'String', length = 40 },
        last = { type = 'String', length = 40 },
      }, {
        indexes = {
          person_name = { keys = { last = 1, first = -1 } },
          person_first_city = { columns = 'first,city', kind = 'unique' },
        },
      })
      db:automigrate('Person')
      assert.is_true((db:isActual('Person')))
      local email = ctx.index_on(db, 'Person', { 'email' })
      assert.is_truthy(email)
      assert.is_true(email.unique)
      local city = ctx.index_on(db, 'Person', { 'city' })
      assert.is_truthy(city)
      assert.is_false(city.unique)
      local name = ctx.indexes(db, 'Person').person_name
      assert.is_truthy(name, 'index person_name')
      assert.are.same({ 'first', 'last' }, name.columns)
      local fc = ctx.indexes(db, 'Person').person_first_city
      assert.is_truthy(fc, 'index person_first_city')
      assert.is_true(fc.unique)
    end)

    it('honours postgresql settings: table, columnName, dataType, dataLength, precision, scale, nullable', function()
      local M = db:createModel('Invoice', {
        id = { type = 'Number', id = true, generated = true, postgresql = { columnName = 'invoice_id' } },
        total = { type = 'Number', postgresql = { dataType = 'numeric', dataPrecision = 12, dataScale = 3 } },
        code = { type = 'String', postgresql = { columnName = 'invoice_code', dataType = 'character varying',
                                                 dataLength = 16, nullable = 'NO' } },
        memo = { type = 'String', postgresql = { dataType = 'text', nullable = 'YES' },
                 oracle = { columnName = 'MEMO_X', dataType = 'CLOB' }, mysql = { columnName = 'memo_y' } },
      }, { postgresql = { table = 'invoices' }, mysql = { table = 'nope' } })
      assert.are.equal('invoices', M.tableName)
      db:automigrate('Invoice')
      assert.are.same({ 'invoice_id', 'invoice_code', 'memo', 'total' }, ctx.column_names(db, 'invoices'))
      local cols = ctx.columns(db, 'invoices')
      assert.is_true(cols.invoice_id.pk)
      assert.is_true(cols.invoice_code.notnull)
      assert.is_false(cols.memo.notnull)
      if ctx.name == 'postgres' then
        assert.are.equal('numeric(12,3)', cols.total.type)
        assert.are.equal('character varying(16)', cols.invoice_code.type)
      end
      assert.is_true((db:isActual('Invoice')))
      M:create{ code = 'A-1', total = 1.5 }
      assert.are.equal('A-1', M:findOne{}.code)
    end)

    it('honours postgresql.schema on PostgreSQL', function()
      if ctx.name ~= 'postgres' then return end
      local other = ctx:extra_schema()
      local M = db:createModel('Elsewhere', { v = 'Number' }, { postgresql = { schema = other, table = 'elsewhere' } })
      assert.are.equal(other, M.schema)
      db:automigrate('Elsewhere')
      local rows = db:query('SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = $1 AND tablename = $2',
        { other, 'elsewhere' })
      assert.are.equal(1, tonumber(rows[1].n))
      assert.is_true((db:isActual('Elsewhere')))
    end)

    it('makes foreign keys from options.foreignKeys, with actions', function()
      db:createModel('Team', { name = { type = 'String', length = 40 } })
      db:createModel('Member', { teamId = 'Number', name = 'String' }, {
        foreignKeys = {
          fk_member_team = { name = 'fk_member_team', entity = 'Team', entityKey = 'id', foreignKey = 'teamId',
                             onDelete = 'CASCADE' },
        },
      })
      db:automigrate()
      local fks = ctx.foreign_keys(db, 'Member')
      assert.are.equal(1, #fks)
      assert.are.equal('Team', fks[1].refTable)
      assert.are.equal('CASCADE', fks[1].onDelete)
      assert.is_true((db:isActual()))
    end)

    it('raises clear errors for an unknown type or a bad property', function()
      dialects.raises(function() db:createModel('X', { a = { type = 'Strnig' } }) end, 'E_TYPE', { 'Strnig', 'String' })
      dialects.raises(function() db:createModel('X', { a = 42 }) end, 'E_DEFINITION', { "'a'" })
      dialects.raises(function() db:createModel('X', 'nope') end, 'E_DEFINITION')
      dialects.raises(function() db:createModel('X', {}, 'nope') end, 'E_OPTION')
    end)
  end)
end)
