-- db:define(): attributes, model options, table names, validation (DESIGN §3).
local modelsync = require('modelsync')
local dialects = require('support.dialects')
local T = modelsync.DataTypes

dialects.describe('db:define', function(ctx)
  local db
  before_each(function() db = ctx.connect() end)

  describe('table names', function()
    -- model name -> table name, as Sequelize's inflection makes it
    local NAMES = {
      { 'User', 'Users' }, { 'Category', 'Categories' }, { 'Person', 'People' },
      { 'IntegerNames', 'IntegerNames' }, { 'Company', 'Companies' }, { 'Address', 'Addresses' },
      { 'Child', 'Children' }, { 'Box', 'Boxes' }, { 'Sheep', 'Sheep' }, { 'Post', 'Posts' },
    }
    for _, pair in ipairs(NAMES) do
      it(pair[1] .. ' -> ' .. pair[2], function()
        db:define(pair[1], { x = T.INTEGER })
        db:sync()
        assert.are.same({ pair[2] }, ctx.tables(db))
      end)
    end

    it('tableName wins over everything', function()
      db:define('User', { x = T.INTEGER }, { tableName = 'members', underscored = true })
      db:sync()
      assert.are.same({ 'members' }, ctx.tables(db))
    end)

    it('freezeTableName keeps the model name', function()
      db:define('Person', { x = T.INTEGER }, { freezeTableName = true })
      db:sync()
      assert.are.same({ 'Person' }, ctx.tables(db))
    end)

    it("connect{ define = { freezeTableName = true } } is the default of every define", function()
      local db2 = ctx.connect{ define = { freezeTableName = true } }
      db2:define('Person', { x = T.INTEGER })
      db2:define('Category', { x = T.INTEGER }, { freezeTableName = false })
      db2:sync()
      assert.are.same({ 'Categories', 'Person' }, ctx.tables(db2))
    end)

    it('underscored snake-cases the pluralised name (UserProfile -> user_profiles)', function()
      db:define('UserProfile', { x = T.INTEGER }, { underscored = true })
      db:sync()
      assert.are.same({ 'user_profiles' }, ctx.tables(db))
    end)
  end)

  describe('columns', function()
    it('adds an id INTEGER autoincrement primary key when none is declared', function()
      local M = db:define('Thing', { name = T.STRING }, { timestamps = false })
      M:sync()
      local cols = ctx.columns(db, 'Things')
      assert.is_not_nil(cols.id)
      assert.is_true(cols.id.pk)
      assert.is_true(cols.id.notnull)
      if ctx.name == 'sqlite' then
        assert.is_truthy(ctx.create_sql(db, 'Things'):upper():find('INTEGER PRIMARY KEY AUTOINCREMENT', 1, true))
      else
        assert.are.equal('integer', cols.id.type)
        assert.is_true(cols.id.identity or tostring(cols.id.default):find('nextval', 1, true) ~= nil)
      end
      local a = M:create{ name = 'a' }
      local b = M:create{ name = 'b' }
      assert.are.equal('integer', math.type(a.id))
      assert.is_true(b.id > a.id)
    end)

    it('does not add id when a primary key is declared; primary keys are NOT NULL', function()
      local M = db:define('Code', { code = { type = T.STRING(8), primaryKey = true }, label = T.STRING },
        { timestamps = false })
      M:sync()
      local cols = ctx.columns(db, 'Codes')
      assert.is_nil(cols.id)
      assert.is_true(cols.code.pk)
      assert.is_true(cols.code.notnull)
    end)

    it('a map of attributes gives primary keys first, the rest by name, then timestamps', function()
      db:define('Order', {
        zeta = T.INTEGER, alpha = T.STRING, key = { type = T.INTEGER, primaryKey = true }, mid = T.TEXT,
      }, { paranoid = true })
      db:sync()
      assert.are.same({ 'key', 'alpha', 'mid', 'zeta', 'createdAt', 'updatedAt', 'deletedAt' },
        ctx.column_names(db, 'Orders'))
    end)

    it('an array of { name, spec } pairs keeps the given order', function()
      db:define('Ordered', {
        { 'zeta', T.INTEGER }, { 'id', { type = T.INTEGER, primaryKey = true } }, { 'alpha', { type = T.STRING } },
      }, { timestamps = false, freezeTableName = true })
      db:sync()
      assert.are.same({ 'zeta', 'id', 'alpha' }, ctx.column_names(db, 'Ordered'))
    end)

    it('allowNull = false makes a NOT NULL column; allowNull defaults to true', function()
      db:define('N', { must = { type = T.STRING, allowNull = false }, may = T.STRING },
        { timestamps = false, freezeTableName = true })
      db:sync()
      local cols = ctx.columns(db, 'N')
      assert.is_true(cols.must.notnull)
      assert.is_false(cols.may.notnull)
    end)

    it('field names the column while the attribute keeps its name', function()
      local M = db:define('F', { nick = { type = T.STRING(40), field = 'nick_name' } },
        { timestamps = false, freezeTableName = true })
      M:sync()
      local cols = ctx.columns(db, 'F')
      assert.is_not_nil(cols.nick_name)
      assert.is_nil(cols.nick)
      M:create{ nick = 'zed' }
      local row = M:findOne{ where = { nick = 'zed' } }
      assert.is_not_nil(row)
      assert.are.equal('zed', row.nick)   -- rows are keyed by attribute, as Sequelize's are
      assert.are.equal('zed', db:query('SELECT nick_name FROM ' .. ctx.qt('F'))[1].nick_name)
      -- attributes by name, columns by column name
      assert.are.equal('nick_name', M:getAttributes().nick.field)
      assert.is_nil(M:getAttributes().nick_name)
      assert.are.equal('nick', M:_attribute('nick_name').name)
      assert.are.equal(M:getAttributes().nick, M:_attribute('nick'))
    end)

    it('attributes named as their columns are found by name and by column, id and timestamps too', function()
      local M = db:define('G', { { 'title', T.STRING }, { 'score', { type = T.INTEGER, allowNull = false } } })
      local names = {}
      for _, a in ipairs(M.attributes) do names[#names + 1] = a.name end
      assert.are.same({ 'id', 'title', 'score', 'createdAt', 'updatedAt' }, names)
      for _, a in ipairs(M.attributes) do
        assert.are.equal(a, M:getAttributes()[a.name])
        assert.are.equal(a, M:_attribute(a.field))
      end
      assert.is_false(M:getAttributes().score.allowNull)
      assert.is_true(M:getAttributes().id.primaryKey)
      assert.are.equal('createdAt', M:getAttributes().createdAt.timestamp)
    end)

    it('underscored snake-cases columns without field, timestamps included', function()
      db:define('Member', {
        firstName = T.STRING, lastName = { type = T.STRING, field = 'surname' },
      }, { underscored = true, paranoid = true })
      db:sync()
      -- order: pk, then attributes by name (firstName < lastName), then timestamps
      assert.are.same({ 'id', 'first_name', 'surname', 'created_at', 'updated_at', 'deleted_at' },
        ctx.column_names(db, 'members'))
    end)

    it('comment is accepted (and stored where the database has comments)', function()
      db:define('Commented', { bio = { type = T.TEXT, comment = "free text, it's long" } },
        { comment = 'people', timestamps = false, freezeTableName = true })
      db:sync()
      if ctx.name == 'postgres' then
        assert.are.equal("free text, it's long", ctx.columns(db, 'Commented').bio.comment)
        local rows = db:query([[SELECT obj_description(c.oid, 'pg_class') AS c FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'Commented']],
          { ctx.schema })
        assert.are.equal('people', rows[1].c)
      else
        assert.is_true(ctx.table_exists(db, 'Commented'))
      end
    end)
  end)

  describe('timestamps and paranoid', function()
    it('timestamps (default true) add createdAt and updatedAt DATE NOT NULL', function()
      db:define('Stamp', { x = T.INTEGER })
      db:sync()
      local cols = ctx.columns(db, 'Stamps')
      for _, name in ipairs({ 'createdAt', 'updatedAt' }) do
        assert.is_not_nil(cols[name], name)
        assert.is_true(cols[name].notnull, name .. ' NOT NULL')
        assert.are.equal(ctx.name == 'sqlite' and 'datetime' or 'timestamp with time zone', cols[name].type)
      end
      assert.is_nil(cols.deletedAt)
    end)

    it('timestamps = false adds none', function()
      db:define('Plain', { x = T.INTEGER }, { timestamps = false })
      db:sync()
      assert.are.same({ 'id', 'x' }, ctx.column_names(db, 'Plains'))
    end)

    it('createdAt / updatedAt rename the timestamp columns', function()
      local M = db:define('Renamed', { x = T.INTEGER }, { createdAt = 'made', updatedAt = 'changed' })
      db:sync()
      assert.are.same({ 'id', 'x', 'made', 'changed' }, ctx.column_names(db, 'Renameds'))
      local row = M:create{ x = 1 }
      assert.is_string(row.made)
      assert.is_string(row.changed)
    end)

    it('createdAt = false leaves that timestamp out (Sequelize semantics)', function()
      db:define('OnlyUpdated', { x = T.INTEGER }, { createdAt = false, freezeTableName = true })
      db:sync()
      assert.are.same({ 'id', 'x', 'updatedAt' }, ctx.column_names(db, 'OnlyUpdated'))
    end)

    it('paranoid adds a nullable deletedAt', function()
      db:define('Soft', { x = T.INTEGER }, { paranoid = true, freezeTableName = true })
      db:sync()
      local cols = ctx.columns(db, 'Soft')
      assert.is_not_nil(cols.deletedAt)
      assert.is_false(cols.deletedAt.notnull)
    end)
  end)

  describe('defaults', function()
    it('plain Lua values, T.NOW and modelsync.literal become column defaults', function()
      db:define('Def', {
        n = { type = T.INTEGER, defaultValue = 7 },
        s = { type = T.STRING, defaultValue = "it's; DROP TABLE x" },
        f = { type = T.FLOAT, defaultValue = 1.5 },
        b = { type = T.BOOLEAN, defaultValue = true },
        at = { type = T.DATE, defaultValue = T.NOW },
        l = { type = T.STRING, defaultValue = modelsync.literal("lower('ABC')") },
        marker = T.INTEGER,
      }, { timestamps = false, freezeTableName = true })
      db:sync()
      -- a row inserted by hand gets the database-side defaults
      db:query('INSERT INTO ' .. ctx.qt('Def') .. ' (marker) VALUES (1)')
      local row = db:query('SELECT * FROM ' .. ctx.qt('Def'))[1]
      assert.are.equal(7, row.n)
      assert.are.equal("it's; DROP TABLE x", row.s)
      assert.are.equal(1.5, row.f)
      assert.is_true(row.b == 1 or row.b == true)
      assert.is_string(row.at)
      assert.are.equal(os.date('!%Y'), tostring(row.at):sub(1, 4))
      assert.are.equal('abc', row.l)
    end)

    it('a model read converts a defaulted BOOLEAN to a Lua boolean', function()
      local M = db:define('DefB', { b = { type = T.BOOLEAN, defaultValue = false }, x = T.INTEGER },
        { timestamps = false, freezeTableName = true })
      M:sync()
      M:create{ x = 1 }
      assert.are.equal(false, M:findOne().b)
    end)
  end)

  describe('indexes and uniques', function()
    it('creates indexes with name, unique, fields, order and where', function()
      db:define('Indexed', {
        email = T.STRING, name = T.STRING, age = T.INTEGER,
      }, {
        freezeTableName = true, timestamps = false,
        indexes = {
          { fields = { 'age' } },
          { name = 'indexed_email_name', unique = true,
            fields = { 'email', { name = 'name', order = 'DESC' } }, where = 'name IS NOT NULL' },
        },
      })
      db:sync()
      local ixs = ctx.indexes(db, 'Indexed')
      local named = ixs.indexed_email_name
      assert.is_not_nil(named, 'index indexed_email_name missing')
      assert.is_true(named.unique)
      assert.is_true(named.partial)
      assert.are.same({ 'email', 'name' }, named.columns)
      assert.are.same({ false, true }, named.descending)
      local on_age = ctx.index_on(db, 'Indexed', { 'age' })
      assert.is_not_nil(on_age, 'index on age missing')
      assert.is_false(on_age.unique)
      -- the partial unique index allows duplicates where name IS NULL only
      db:query('INSERT INTO ' .. ctx.qt('Indexed') .. ' (email, name) VALUES ($1, NULL)', { 'a' })
      db:query('INSERT INTO ' .. ctx.qt('Indexed') .. ' (email, name) VALUES ($1, NULL)', { 'a' })
      db:query('INSERT INTO ' .. ctx.qt('Indexed') .. ' (email, name) VALUES ($1, $2)', { 'a', 'n' })
      assert.has_error(function()
        db:query('INSERT INTO ' .. ctx.qt('Indexed') .. ' (email, name) VALUES ($1, $2)', { 'a', 'n' })
      end)
    end)

    it('unique = true makes a single-column unique', function()
      local M = db:define('U', { email = { type = T.STRING, unique = true } },
        { freezeTableName = true, timestamps = false })
      M:sync()
      local ix = ctx.index_on(db, 'U', { 'email' })
      assert.is_not_nil(ix)
      assert.is_true(ix.unique)
      M:create{ email = 'a@x' }
      assert.has_error(function() M:create{ email = 'a@x' } end)
    end)

    it('unique = a shared name makes one composite unique', function()
      local M = db:define('Pair', {
        a = { type = T.INTEGER, unique = 'pair_ab' }, b = { type = T.INTEGER, unique = 'pair_ab' },
      }, { freezeTableName = true, timestamps = false })
      M:sync()
      local ix = ctx.index_on(db, 'Pair', { 'a', 'b' })
      assert.is_not_nil(ix, 'no composite unique on (a, b)')
      assert.is_true(ix.unique)
      assert.is_nil(ctx.index_on(db, 'Pair', { 'a' }))
      M:create{ a = 1, b = 1 }
      M:create{ a = 1, b = 2 }   -- a alone may repeat
      assert.has_error(function() M:create{ a = 1, b = 1 } end)
    end)
  end)

  describe('references', function()
    it('creates a foreign key with onDelete / onUpdate; key defaults to the primary key', function()
      db:define('Team', { name = T.STRING }, { timestamps = false })
      db:define('Player', {
        teamId = { type = T.INTEGER, references = { model = 'Team' }, onDelete = 'CASCADE', onUpdate = 'SET NULL' },
      }, { timestamps = false })
      db:sync()
      local fks = ctx.foreign_keys(db, 'Players')
      assert.are.equal(1, #fks)
      assert.are.same({ 'teamId' }, fks[1].columns)
      assert.are.equal('Teams', fks[1].refTable)
      assert.are.same({ 'id' }, fks[1].refColumns)
      assert.are.equal('CASCADE', fks[1].onDelete)
      assert.are.equal('SET NULL', fks[1].onUpdate)
    end)

    it('references = { table = ..., key = ... } points at a table by name', function()
      db:define('Country', { code = { type = T.STRING(2), primaryKey = true } },
        { timestamps = false, tableName = 'countries' })
      db:define('City', {
        country = { type = T.STRING(2), references = { table = 'countries', key = 'code' }, onDelete = 'RESTRICT' },
      }, { timestamps = false })
      db:sync()
      local fks = ctx.foreign_keys(db, 'Cities')
      assert.are.equal(1, #fks)
      assert.are.equal('countries', fks[1].refTable)
      assert.are.same({ 'code' }, fks[1].refColumns)
      assert.are.equal('RESTRICT', fks[1].onDelete)
    end)

    it('the foreign key is enforced', function()
      db:define('Team', { name = T.STRING }, { timestamps = false })
      local P = db:define('Player', { teamId = { type = T.INTEGER, references = { model = 'Team', key = 'id' } } },
        { timestamps = false })
      db:sync()
      assert.has_error(function() P:create{ teamId = 999 } end)
    end)
  end)

  describe('redefinition', function()
    it('a second define() of the same name replaces the model', function()
      db:define('Again', { old = T.INTEGER }, { timestamps = false, freezeTableName = true })
      local M = db:define('Again', { new = T.INTEGER }, { timestamps = false, freezeTableName = true })
      db:sync()
      assert.are.same({ 'id', 'new' }, ctx.column_names(db, 'Again'))
      local created = M:create{ new = 3 }
      assert.are.equal(3, created.new)
      -- and db:sync knows only one model of that name
      assert.are.same({ 'Again' }, ctx.tables(db))
    end)
  end)

  describe('define-time hooks', function()
    it('hooks = { beforeSync, afterSync } run around Model:sync with (options, model)', function()
      local seen = {}
      local M
      M = db:define('Hooked', { x = T.INTEGER }, {
        hooks = {
          beforeSync = function(options, model)
            seen[#seen + 1] = 'before'
            assert.is_table(options)
            assert.are.equal(M, model)
          end,
          afterSync = function(options, model)
            seen[#seen + 1] = 'after'
            assert.are.equal(M, model)
          end,
        },
      })
      M:sync()
      assert.are.same({ 'before', 'after' }, seen)
    end)
  end)

  describe('validation', function()
    -- each bad definition raises at define() time, naming the key at fault.
    -- The contract does not fix the codes; these are lua/modelsync/errors.lua's:
    -- E_TYPE for a bad DataType, E_OPTION for a bad option, E_DEFINITION for a
    -- model that cannot exist (clashes, references).
    local function bad(fn, names, code)
      return dialects.raises(fn, code or 'E_DEFINITION', names)
    end

    it('an attribute without a type', function()
      bad(function() db:define('V', { price = { allowNull = false } }) end, { 'price' }, 'E_TYPE')
    end)

    it('an unknown type', function()
      bad(function() db:define('V', { price = { type = 42 } }) end, { 'price' }, 'E_TYPE')
      bad(function() db:define('V', { price = { type = 'NOT_A_TYPE' } }) end, { 'price' }, 'E_TYPE')
      bad(function() db:define('V', { price = T.NOT_A_TYPE }) end, { 'NOT_A_TYPE' }, 'E_TYPE')
    end)

    it('an unknown attribute option', function()
      bad(function() db:define('V', { price = { type = T.INTEGER, allowNul = false } }) end,
        { 'price', 'allowNul' }, 'E_OPTION')
    end)

    it('an attribute option of the wrong type', function()
      bad(function() db:define('V', { price = { type = T.INTEGER, allowNull = 'no' } }) end,
        { 'price', 'allowNull' }, 'E_OPTION')
      bad(function() db:define('V', { price = { type = T.INTEGER, primaryKey = 1 } }) end,
        { 'price', 'primaryKey' }, 'E_OPTION')
    end)

    it('an unknown model option', function()
      bad(function() db:define('V', { x = T.INTEGER }, { tablename = 'v' }) end, { 'tablename' }, 'E_OPTION')
    end)

    it('a model option of the wrong type', function()
      bad(function() db:define('V', { x = T.INTEGER }, { timestamps = 'yes' }) end, { 'timestamps' }, 'E_OPTION')
      bad(function() db:define('V', { x = T.INTEGER }, { indexes = 'email' }) end, { 'indexes' }, 'E_OPTION')
    end)

    it('a bad onDelete / onUpdate action', function()
      db:define('Team', { name = T.STRING })
      bad(function()
        db:define('V', { teamId = { type = T.INTEGER, references = { model = 'Team' }, onDelete = 'EXPLODE' } })
      end, { 'onDelete', 'EXPLODE' }, 'E_OPTION')
      bad(function()
        db:define('V', { teamId = { type = T.INTEGER, references = { model = 'Team' }, onUpdate = 'SOMETIMES' } })
      end, { 'onUpdate', 'SOMETIMES' }, 'E_OPTION')
    end)

    it('two attributes on one column', function()
      bad(function()
        db:define('V', { a = { type = T.INTEGER, field = 'same' }, b = { type = T.INTEGER, field = 'same' } })
      end, { 'same' })
      bad(function()
        db:define('V', { firstName = T.STRING, first_name = T.STRING }, { underscored = true })
      end, { 'first_name' })
    end)

    it('an index on an unknown attribute', function()
      bad(function()
        db:define('V', { x = T.INTEGER }, { indexes = { { fields = { 'nope' } } } })
      end, { 'nope' })
    end)

    it('an index with a bad order', function()
      bad(function()
        db:define('V', { x = T.INTEGER }, { indexes = { { fields = { { name = 'x', order = 'SIDEWAYS' } } } } })
      end, { 'order' }, 'E_OPTION')
    end)

    it('a bad ENUM, STRING length or DECIMAL', function()
      -- raised by the type constructor or by define(): the message names the type or the attribute
      local function bad_type(fn, attribute, type_name)
        local err = dialects.raises(fn, 'E_TYPE')
        local m = dialects.message(err)
        assert.is_truthy(m:find(type_name, 1, true) or m:find(attribute, 1, true),
          'message names neither ' .. type_name .. ' nor ' .. attribute .. ': ' .. m)
      end
      bad_type(function() db:define('V', { colour = T.ENUM() }) end, 'colour', 'ENUM')
      bad_type(function() db:define('V', { label = T.STRING(0) }) end, 'label', 'STRING')
      bad_type(function() db:define('V', { label = T.STRING('long') }) end, 'label', 'STRING')
      bad_type(function() db:define('V', { price = T.DECIMAL(2, 5) }) end, 'price', 'DECIMAL')
    end)

    it('a model name that is not a non-empty string', function()
      bad(function() db:define('', { x = T.INTEGER }) end, {})
      bad(function() db:define(42, { x = T.INTEGER }) end, {})
    end)

    it('a bad definition leaves the previous model of that name in place', function()
      local M = db:define('Keep', { x = T.INTEGER }, { freezeTableName = true, timestamps = false })
      pcall(db.define, db, 'Keep', { y = { type = 42 } })
      db:sync()
      assert.are.same({ 'id', 'x' }, ctx.column_names(db, 'Keep'))
      assert.is_not_nil(M)
    end)

    it('a reference to a model never defined raises at sync() and plan(), before any SQL', function()
      db:define('Orphan', { ghostId = { type = T.INTEGER, references = { model = 'Ghost' } } })
      local log = dialects.logger()
      bad(function() db:sync{ logging = log.fn } end, { 'Ghost' })
      bad(function() db:plan{ alter = true, logging = log.fn } end, { 'Ghost' })
      assert.are.same({}, log.statements)
      assert.are.same({}, ctx.tables(db))
    end)

    it('a reference to a key the model lacks raises at sync(), before any SQL', function()
      db:define('Team', { name = T.STRING })
      db:define('Member', { teamId = { type = T.INTEGER, references = { model = 'Team', key = 'nokey' } } })
      local log = dialects.logger()
      bad(function() db:sync{ logging = log.fn } end, { 'nokey' })
      assert.are.same({}, log.statements)
    end)

    it('errors are tables with code and message and a __tostring', function()
      local ok, err = pcall(db.define, db, 'V', { price = { type = 42 } })
      assert.is_false(ok)
      assert.is_table(err)
      assert.is_string(err.code)
      assert.is_string(err.message)
      assert.is_truthy(tostring(err):find(err.message, 1, true))
    end)
  end)

  describe('quoting', function()
    it('reserved words and odd characters work as table, column and index names', function()
      local M = db:define('Select', {
        ['order'] = { type = T.INTEGER, unique = true }, ['from'] = T.STRING, ['group by'] = T.STRING,
        ['a.b'] = { type = T.STRING, defaultValue = 'd' },
      }, { tableName = 'my.table', timestamps = false,
           indexes = { { fields = { 'from', { name = 'group by', order = 'DESC' } } } } })
      M:sync()
      assert.are.same({ 'my.table' }, ctx.tables(db))
      M:bulkCreate{ { ['order'] = 2, ['from'] = 'x' }, { ['order'] = 1, ['from'] = 'y', ['group by'] = 'g' } }
      local rows = M:findAll{ where = { ['from'] = { 'x', 'y' } }, order = { { 'order', 'ASC' } } }
      assert.are.equal(2, #rows)
      assert.are.equal('y', rows[1]['from'])
      assert.are.equal('d', rows[1]['a.b'])
      assert.are.equal(1, M:destroy{ where = { ['order'] = 2 } })
      assert.are.same({}, db:plan{ alter = true }.steps)
      db:define('Select', {
        ['order'] = { type = T.INTEGER, unique = true, allowNull = false }, ['from'] = T.STRING,
        ['group by'] = T.STRING, ['a.b'] = { type = T.STRING, defaultValue = 'e' }, ['new col'] = T.TEXT,
      }, { tableName = 'my.table', timestamps = false,
           indexes = { { fields = { 'from', { name = 'group by', order = 'DESC' } } } } })
      db:sync{ alter = true }
      assert.are.same({}, db:plan{ alter = true }.steps)
      assert.are.equal(1, ctx.count_rows(db, 'my.table'))
    end)

    it('table, column and comment names with quotes cannot inject SQL', function()
      local M = db:define('Q', {
        ['we"ird col'] = { type = T.STRING, comment = "x'); DROP TABLE \"Q\"; --",
                           defaultValue = "a'b\"c" },
      }, { tableName = 'ta"ble', timestamps = false })
      M:sync()
      assert.are.same({ 'ta"ble' }, ctx.tables(db))
      M:create{}
      assert.are.equal("a'b\"c", M:findOne()['we"ird col'])
      assert.are.same({}, db:plan{ alter = true }.steps)
    end)
  end)
end)
