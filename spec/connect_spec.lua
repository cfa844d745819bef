-- Connecting, closing, db:query and db:transaction (DESIGN §2).
local modelsync = require('modelsync')
local dialects = require('support.dialects')

describe('modelsync.connect #sqlite', function()
  local files = {}
  after_each(function()
    for _, f in ipairs(files) do dialects.remove_sqlite(f) end
    files = {}
  end)
  local function tmp(suffix)
    local p = dialects.tmpname(suffix)
    files[#files + 1] = p
    return p
  end

  it('defaults the storage to :memory: (two connections do not share tables)', function()
    local a = modelsync.connect{ dialect = 'sqlite' }
    local b = modelsync.connect{ dialect = 'sqlite' }
    a:query('CREATE TABLE t (x INTEGER)')
    assert.are.equal(1, #a:query("SELECT name FROM sqlite_master WHERE name = 't'"))
    assert.are.equal(0, #b:query("SELECT name FROM sqlite_master WHERE name = 't'"))
    a:close(); b:close()
  end)

  it("accepts the URL form 'sqlite::memory:'", function()
    local db = modelsync.connect('sqlite::memory:')
    local rows = db:query('SELECT 41 + 1 AS answer')
    assert.are.equal(42, rows[1].answer)
    db:close()
  end)

  it("accepts the URL form 'sqlite:/path/file' and really writes that file", function()
    local path = tmp('.sqlite')
    local db = modelsync.connect('sqlite:' .. path)
    db:query('CREATE TABLE kept (x INTEGER)')
    db:query('INSERT INTO kept VALUES (7)')
    db:close()
    local f = io.open(path, 'rb')
    assert.is_not_nil(f, 'the URL path was not created: ' .. path)
    local header = f:read(16); f:close()
    assert.are.equal('SQLite format 3\0', header)
    local again = modelsync.connect{ dialect = 'sqlite', storage = path }
    assert.are.same({ { x = 7 } }, again:query('SELECT x FROM kept'))
    again:close()
  end)

  it('raises E_CONNECT naming the file when the storage cannot be opened', function()
    local bad = '/nonexistent-modelsync-dir/' .. dialects.random_hex(4) .. '/x.sqlite'
    dialects.raises(function() modelsync.connect{ dialect = 'sqlite', storage = bad } end,
      'E_CONNECT', { bad })
  end)

  it('raises naming the dialect when the dialect is unknown', function()
    dialects.raises(function() modelsync.connect{ dialect = 'oracle' } end, nil, { 'oracle' })
    dialects.raises(function() modelsync.connect('oracle://x/y') end, nil, { 'oracle' })
  end)

  it('turns PRAGMA foreign_keys on by default, and leaves it off with foreignKeys = false', function()
    local on = modelsync.connect{ dialect = 'sqlite' }
    assert.are.equal(1, on:query('PRAGMA foreign_keys')[1].foreign_keys)
    local off = modelsync.connect{ dialect = 'sqlite', foreignKeys = false }
    assert.are.equal(0, off:query('PRAGMA foreign_keys')[1].foreign_keys)
    on:close(); off:close()
  end)

  it('enforces foreign keys by default (a child row without parent is refused)', function()
    local db = modelsync.connect('sqlite::memory:')
    db:query('CREATE TABLE p (id INTEGER PRIMARY KEY)')
    db:query('CREATE TABLE c (pid INTEGER REFERENCES p (id))')
    assert.has_error(function() db:query('INSERT INTO c VALUES (99)') end)
    db:close()
  end)

  it('releases the file when a connection is garbage-collected (__gc)', function()
    local path = tmp('.sqlite')
    do
      local db = modelsync.connect{ dialect = 'sqlite', storage = path }
      db:query('CREATE TABLE t (x INTEGER)')
      db:query('BEGIN IMMEDIATE')         -- holds the write lock until closed
      db:query('INSERT INTO t VALUES (1)')
      db = nil                            -- luacheck: ignore
    end
    collectgarbage(); collectgarbage()
    local other = modelsync.connect{ dialect = 'sqlite', storage = path }
    local started = os.time()
    -- would wait for the busy timeout and fail if the first handle were still open
    other:query('BEGIN IMMEDIATE')
    other:query('INSERT INTO t VALUES (2)')
    other:query('COMMIT')
    assert.is_true(os.time() - started <= 2, 'the collected connection still held the lock')
    -- the uncommitted insert of the collected connection was rolled back
    assert.are.same({ { x = 2 } }, other:query('SELECT x FROM t ORDER BY x'))
    other:close()
  end)
end)

dialects.describe('a connection', function(ctx)
  it('is reachable in the table form and in the URL form', function()
    local a = ctx.connect()
    assert.are.equal(1, a:query('SELECT 1 AS one')[1].one)
    if not ctx.memory then
      local b = ctx.track(modelsync.connect(ctx.url()))
      a:query('CREATE TABLE ' .. ctx.qt('shared_t') .. ' (x INTEGER)')
      a:query('INSERT INTO ' .. ctx.qt('shared_t') .. ' (x) VALUES (5)')
      -- the URL form reaches the same database (and, on postgres, the same schema)
      assert.are.equal(1, #b:query('SELECT x FROM ' .. ctx.qt('shared_t')))
      if ctx.name == 'postgres' then
        assert.are.equal(ctx.schema, b:query('SELECT current_schema() AS s')[1].s)
      end
    end
  end)

  it('closes with close(), after which every call raises E_CLOSED', function()
    local db = ctx.connect()
    db:close()
    dialects.raises(function() db:query('SELECT 1') end, 'E_CLOSED')
    dialects.raises(function() db:transaction(function() end) end, 'E_CLOSED')
    local M = db:define('Closed', { x = modelsync.DataTypes.INTEGER })
    dialects.raises(function() M:sync() end, 'E_CLOSED')
    dialects.raises(function() M:create{ x = 1 } end, 'E_CLOSED')
    dialects.raises(function() M:findAll() end, 'E_CLOSED')
    dialects.raises(function() M:count() end, 'E_CLOSED')
    dialects.raises(function() M:drop() end, 'E_CLOSED')
    dialects.raises(function() db:drop() end, 'E_CLOSED')
    dialects.raises(function() db:sync() end, 'E_CLOSED')
    dialects.raises(function() db:plan{ alter = true } end, 'E_CLOSED')
  end)

  it('can be closed twice', function()
    local db = ctx.connect()
    db:close()
    assert.has_no.errors(function() db:close() end)
  end)

  it('closes at the end of a <close> scope', function()
    local captured
    do
      local db <close> = modelsync.connect(ctx.options())
      captured = db
      assert.are.equal(1, db:query('SELECT 1 AS one')[1].one)
    end
    dialects.raises(function() captured:query('SELECT 1') end, 'E_CLOSED')
  end)

  describe('db:query', function()
    local db
    before_each(function()
      db = ctx.connect()
      db:query('CREATE TABLE ' .. ctx.qt('q') .. ' (id BIGINT, name TEXT, score FLOAT, note TEXT)')
    end)

    it('takes $1-style parameters and returns rows keyed by column name', function()
      db:query('INSERT INTO ' .. ctx.qt('q') .. ' (id, name, score) VALUES ($1, $2, $3)', { 1, "O'Brien", 2.5 })
      db:query('INSERT INTO ' .. ctx.qt('q') .. ' (id, name, score) VALUES ($1, $2, $3)', { 2, 'b', 3.5 })
      local rows = db:query('SELECT id, name, score, note FROM ' .. ctx.qt('q') .. ' WHERE id = $1', { 1 })
      assert.are.equal(1, #rows)
      assert.are.equal(1, rows[1].id)
      assert.are.equal("O'Brien", rows[1].name)
      assert.are.equal(2.5, rows[1].score)
      assert.is_nil(rows[1].note)            -- SQL NULL is nil
    end)

    it('takes ?-style parameters', function()
      db:query('INSERT INTO ' .. ctx.qt('q') .. ' (id, name) VALUES (?, ?)', { 3, 'c' })
      local rows = db:query('SELECT name FROM ' .. ctx.qt('q') .. ' WHERE id = ?', { 3 })
      assert.are.same({ { name = 'c' } }, rows)
    end)

    it('reuses a $1 parameter and does not interpolate values into SQL', function()
      local evil = "x'); DROP TABLE q; --"
      db:query('INSERT INTO ' .. ctx.qt('q') .. ' (id, name, note) VALUES ($1, $2, $2)', { 4, evil })
      local rows = db:query('SELECT name, note FROM ' .. ctx.qt('q') .. ' WHERE id = $1', { 4 })
      assert.are.same({ { name = evil, note = evil } }, rows)
    end)

    it('leaves ? and $1 inside string literals alone', function()
      assert.are.equal('a?b', db:query("SELECT 'a?b' AS q WHERE 1 = $1", { 1 })[1].q)
      local row = db:query("SELECT 'cost: $1' AS q, ? AS p", { 'x' })[1]
      assert.are.equal('cost: $1', row.q)
      assert.are.equal('x', row.p)
    end)

    it('returns integers as Lua integers and floats as floats', function()
      db:query('INSERT INTO ' .. ctx.qt('q') .. ' (id, score) VALUES ($1, $2)', { 9007199254740993, 0.25 })
      local rows = db:query('SELECT id, score FROM ' .. ctx.qt('q'))
      assert.are.equal('integer', math.type(rows[1].id))
      assert.are.equal(9007199254740993, rows[1].id)
      assert.are.equal('float', math.type(rows[1].score))
      assert.are.equal(0.25, rows[1].score)
    end)

    it('returns an empty array when no row matches', function()
      local rows = db:query('SELECT id FROM ' .. ctx.qt('q') .. ' WHERE id = $1', { 12345 })
      assert.are.same({}, rows)
    end)

    it('raises E_SQL with the statement when the database refuses it', function()
      local err = dialects.raises(function() db:query('SELEKT nonsense') end, 'E_SQL')
      assert.is_truthy(tostring(err.sql or dialects.message(err)):find('SELEKT', 1, true))
    end)
  end)

  describe('db:transaction', function()
    local db
    before_each(function()
      db = ctx.connect()
      db:query('CREATE TABLE ' .. ctx.qt('tx') .. ' (x INTEGER)')
    end)

    it('commits when the function returns', function()
      db:transaction(function()
        db:query('INSERT INTO ' .. ctx.qt('tx') .. ' (x) VALUES (1)')
        db:query('INSERT INTO ' .. ctx.qt('tx') .. ' (x) VALUES (2)')
      end)
      assert.are.equal(2, ctx.count_rows(db, 'tx'))
      if not ctx.memory then
        local other = ctx.connect()   -- visible to another connection: committed
        assert.are.equal(2, ctx.count_rows(other, 'tx'))
      end
    end)

    it('rolls back and re-raises when the function raises', function()
      local ok, err = pcall(db.transaction, db, function()
        db:query('INSERT INTO ' .. ctx.qt('tx') .. ' (x) VALUES (1)')
        error('boom in transaction')
      end)
      assert.is_false(ok)
      assert.is_truthy(dialects.message(err):find('boom in transaction', 1, true))
      assert.are.equal(0, ctx.count_rows(db, 'tx'))
      -- the connection is usable afterwards (not left inside a transaction)
      db:transaction(function() db:query('INSERT INTO ' .. ctx.qt('tx') .. ' (x) VALUES (3)') end)
      assert.are.equal(1, ctx.count_rows(db, 'tx'))
    end)

    it("returns the function's result (as Sequelize's managed transaction does)", function()
      local result = db:transaction(function() return 'done' end)
      assert.are.equal('done', result)
    end)
  end)
end, { memory = true })
