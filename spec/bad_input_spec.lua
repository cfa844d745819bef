-- Bad input is refused before any SQL (DESIGN §3, §4, §7; issue 4).
--
-- A corpus of mistakes a user can make with every options table modelsync
-- takes: connect, define (attributes, model options, indexes, references,
-- hooks), DataTypes, sync/plan/drop, hooks, rows (create, findAll, ...).
-- Each case says what is called, the error code expected and fragments the
-- message must contain (the bad key, and the key meant where there is one).
-- Every case runs on every dialect, against a database that already holds a
-- synced model with a row, and checks that:
--   * the call raises an error table with that code, whose message holds the
--     fragments and whose tostring() reads "E_CODE: message";
--   * nothing was sent to the database, seen three ways: db.options.logging,
--     the call's own `logging` option, and a logger installed on the core
--     connection itself (it sees every statement sent, whatever the logging
--     options; core.connect is watched too, so a connect that was refused
--     opened nothing);
--   * the database is unchanged (schema and rows, read on another connection)
--     and the connection's models are the ones it had.
local modelsync = require('modelsync')
local core = require('modelsync.core')
local dialects = require('support.dialects')
local T = modelsync.DataTypes

local function fn() end

local function merge(a, b)
  local t = {}
  for k, v in pairs(a or {}) do t[k] = v end
  for k, v in pairs(b or {}) do t[k] = v end
  return t
end

-- The corpus.  call(e) receives: e.db (connected, db.options.logging set),
-- e.Item (the synced model: id, name STRING(40) NOT NULL, qty INTEGER,
-- kind ENUM('a','b'), no timestamps), e.log (a logging function for the
-- call's own options), e.connect(extra) (connect() to this test's database
-- with extra options), e.ctx, e.value (what setup(e) returned).
local CASES = {
  ------------------------------------------------------------- connect()
  { 'connect: a typo in dialect', 'E_OPTION', { "'dialekt'", "'dialect'" },
    function(e) e.connect{ dialekt = 'sqlite' } end },
  { 'connect: a typo in storage', 'E_OPTION', { "'storag'", "'storage'" },
    function(e) e.connect{ storag = 'x.sqlite' } end },
  { 'connect: a typo in host', 'E_OPTION', { "'hots'", "'host'" },
    function(e) e.connect{ hots = '127.0.0.1' } end },
  { 'connect: a typo in logging', 'E_OPTION', { "'loging'", "'logging'" },
    function(e) e.connect{ loging = fn } end },
  { 'connect: a typo in foreignKeys', 'E_OPTION', { "'foreignKey'", "'foreignKeys'" },
    function(e) e.connect{ foreignKey = true } end },
  { 'connect: a typo in password', 'E_OPTION', { "'pasword'", "'password'" },
    function(e) e.connect{ pasword = 'x' } end },
  { 'connect: port that is not a number', 'E_OPTION', { "'port'", 'integer' },
    function(e) e.connect{ port = 'abc' } end },
  { 'connect: logging that is a string', 'E_OPTION', { "'logging'", 'function or boolean' },
    function(e) e.connect{ logging = 'yes' } end },
  { 'connect: busyTimeout that is not an integer', 'E_OPTION', { "'busyTimeout'" },
    function(e) e.connect{ busyTimeout = 1.5 } end },
  { 'connect: define that is not a table', 'E_OPTION', { "'define'", 'table' },
    function(e) e.connect{ define = true } end },
  { "connect: define = { timestamp = false } (a typo)", 'E_OPTION', { "'timestamp'", "'timestamps'" },
    function(e) e.connect{ define = { timestamp = false } } end },
  { 'connect: define with a wrongly typed option', 'E_OPTION', { "'freezeTableName'", 'boolean' },
    function(e) e.connect{ define = { freezeTableName = 'yes' } } end },
  { 'connect: define with a bad hook', 'E_HOOK', { "'beforeSinc'", "'beforeSync'" },
    function(e) e.connect{ define = { hooks = { beforeSinc = fn } } } end },
  { 'connect: an option of the other dialect', 'E_OPTION', { 'is for' },
    function(e)
      if e.ctx.name == 'sqlite' then e.connect{ host = 'localhost' } else e.connect{ storage = 'x.sqlite' } end
    end },
  { 'connect: an unknown dialect, suggested', 'E_CONNECT', { "'postgress'", "'postgres'" },
    function(e) e.connect{ dialect = 'postgress' } end },
  { 'connect: an option key that is not a string', 'E_OPTION', { 'option names are strings' },
    function(e) e.connect{ [1] = 'sqlite' } end },
  { 'connect: neither URL nor table', 'E_OPTION', { 'expected a URL string or a table' },
    function() modelsync.connect(42) end },
  { 'connect: an unknown parameter in a sqlite URL', 'E_OPTION', { "'foreignKey'", "'foreignKeys'" },
    function() modelsync.connect('sqlite::memory:?foreignKey=true') end },
  { 'connect: a bad boolean parameter in a sqlite URL', 'E_OPTION', { "'foreignKeys'", 'true or false' },
    function() modelsync.connect('sqlite::memory:?foreignKeys=maybe') end },
  { 'connect: a bad lockTimeout in a postgres URL', 'E_OPTION', { "'lockTimeout'", 'integer' },
    function() modelsync.connect('postgres://u@127.0.0.1:1/db?lockTimeout=soon') end },
  { 'connect: URL with an unsupported scheme', 'E_CONNECT', { "'mysql'" },
    function() modelsync.connect('mysql://u@localhost/db') end },

  ------------------------------------------------- define(): attribute keys
  { "attribute: 'allownull' (a typo)", 'E_OPTION', { "'allownull'", "'allowNull'", "'name'" },
    function(e) e.db:define('Post', { name = { type = T.STRING, allownull = false } }) end,
    fields = { model = 'Post', table = 'Posts', attribute = 'name', option = 'allownull' } },
  { "attribute: 'defaultvalue'", 'E_OPTION', { "'defaultvalue'", "'defaultValue'" },
    function(e) e.db:define('Post', { name = { type = T.STRING, defaultvalue = 'x' } }) end },
  { "attribute: 'primarykey'", 'E_OPTION', { "'primarykey'", "'primaryKey'" },
    function(e) e.db:define('Post', { code = { type = T.STRING, primarykey = true } }) end },
  { "attribute: 'autoincrement'", 'E_OPTION', { "'autoincrement'", "'autoIncrement'" },
    function(e) e.db:define('Post', { n = { type = T.INTEGER, primaryKey = true, autoincrement = true } }) end },
  { "attribute: 'unqiue'", 'E_OPTION', { "'unqiue'", "'unique'" },
    function(e) e.db:define('Post', { name = { type = T.STRING, unqiue = true } }) end },
  { "attribute: 'feild'", 'E_OPTION', { "'feild'", "'field'" },
    function(e) e.db:define('Post', { name = { type = T.STRING, feild = 'n' } }) end },
  { "attribute: 'refrences'", 'E_OPTION', { "'refrences'", "'references'" },
    function(e) e.db:define('Post', { itemId = { type = T.INTEGER, refrences = { model = 'Item' } } }) end },
  { "attribute: 'ondelete'", 'E_OPTION', { "'ondelete'", "'onDelete'" },
    function(e)
      e.db:define('Post', { itemId = { type = T.INTEGER, references = { model = 'Item' }, ondelete = 'CASCADE' } })
    end },
  { "attribute: 'onUpdates'", 'E_OPTION', { "'onUpdates'", "'onUpdate'" },
    function(e)
      e.db:define('Post', { itemId = { type = T.INTEGER, references = { model = 'Item' }, onUpdates = 'CASCADE' } })
    end },
  { "attribute: 'renamedfrom'", 'E_OPTION', { "'renamedfrom'", "'renamedFrom'" },
    function(e) e.db:define('Post', { title = { type = T.STRING, renamedfrom = 'name' } }) end },
  { "attribute: 'coment'", 'E_OPTION', { "'coment'", "'comment'" },
    function(e) e.db:define('Post', { title = { type = T.STRING, coment = 'x' } }) end },
  { "attribute: 'typ'", 'E_OPTION', { "'typ'", "'type'" },
    function(e) e.db:define('Post', { title = { typ = T.STRING } }) end },
  { "attribute: 'default' (Sequelize says defaultValue)", 'E_OPTION', { "'default'", "'defaultValue'" },
    function(e) e.db:define('Post', { title = { type = T.STRING, default = 'x' } }) end },
  { 'attribute: a key that is not a string', 'E_OPTION', { 'option names are strings' },
    function(e) e.db:define('Post', { title = { type = T.STRING, [1] = true } }) end },

  ------------------------------------------------ define(): attribute values
  { 'attribute: allowNull that is a string', 'E_OPTION', { "'allowNull'", 'boolean', 'string' },
    function(e) e.db:define('Post', { title = { type = T.STRING, allowNull = 'no' } }) end },
  { 'attribute: primaryKey = 1', 'E_OPTION', { "'primaryKey'", 'boolean' },
    function(e) e.db:define('Post', { code = { type = T.STRING, primaryKey = 1 } }) end },
  { 'attribute: autoIncrement = "yes"', 'E_OPTION', { "'autoIncrement'", 'boolean' },
    function(e) e.db:define('Post', { n = { type = T.INTEGER, primaryKey = true, autoIncrement = 'yes' } }) end },
  { 'attribute: unique = 5', 'E_OPTION', { "'unique'", 'boolean or non-empty string' },
    function(e) e.db:define('Post', { title = { type = T.STRING, unique = 5 } }) end },
  { "attribute: field = ''", 'E_OPTION', { "'field'", 'non-empty string' },
    function(e) e.db:define('Post', { title = { type = T.STRING, field = '' } }) end },
  { 'attribute: field = 12', 'E_OPTION', { "'field'" },
    function(e) e.db:define('Post', { title = { type = T.STRING, field = 12 } }) end },
  { 'attribute: comment = false', 'E_OPTION', { "'comment'", 'string' },
    function(e) e.db:define('Post', { title = { type = T.STRING, comment = false } }) end },
  { 'attribute: no type', 'E_TYPE', { "'title'", 'has no type' },
    function(e) e.db:define('Post', { title = { allowNull = false } }) end },
  { 'attribute: a misspelt type name', 'E_TYPE', { "'STRNG'", 'T.STRING' },
    function(e) e.db:define('Post', { title = { type = 'STRNG' } }) end },
  { 'attribute: an empty table as type', 'E_TYPE', { 'unknown type', "'title'" },
    function(e) e.db:define('Post', { title = { type = {} } }) end },
  { 'attribute: T.NOW as a type', 'E_TYPE', { 'T.NOW' },
    function(e) e.db:define('Post', { at = { type = T.NOW } }) end },
  { 'attribute: a number as the spec', 'E_DEFINITION', { "'title'", 'DataTypes value or a table' },
    function(e) e.db:define('Post', { title = 42 }) end },
  { "attribute: values on a non-ENUM type", 'E_OPTION', { "'values'", 'T.ENUM only' },
    function(e) e.db:define('Post', { title = { type = T.STRING, values = { 'a' } } }) end },
  { 'attribute: defaultValue that is a table', 'E_OPTION', { "'defaultValue'" },
    function(e) e.db:define('Post', { title = { type = T.STRING, defaultValue = { 'x' } } }) end },
  { 'attribute: defaultValue that is a function', 'E_OPTION', { "'defaultValue'", 'function' },
    function(e) e.db:define('Post', { title = { type = T.STRING, defaultValue = fn } }) end },
  { 'attribute: defaultValue NaN', 'E_OPTION', { "'defaultValue'" },
    function(e) e.db:define('Post', { n = { type = T.FLOAT, defaultValue = 0 / 0 } }) end },
  { 'attribute: defaultValue infinity', 'E_OPTION', { "'defaultValue'" },
    function(e) e.db:define('Post', { n = { type = T.FLOAT, defaultValue = math.huge } }) end },
  { 'attribute: an ENUM default that is not a value', 'E_DEFINITION', { "'c'", 'not one of the ENUM values' },
    function(e) e.db:define('Post', { kind = { type = T.ENUM('a', 'b'), defaultValue = 'c' } }) end },
  { 'attribute: a string default with a NUL byte', 'E_DEFINITION', { "'title'", 'NUL' },
    function(e) e.db:define('Post', { title = { type = T.STRING, defaultValue = 'a\0b' } }) end },
  { 'attribute: a comment with a NUL byte', 'E_DEFINITION', { "'title'", 'NUL' },
    function(e) e.db:define('Post', { title = { type = T.STRING, comment = 'a\0b' } }) end },
  { 'attribute: a field with a NUL byte', 'E_DEFINITION', { 'NUL' },
    function(e) e.db:define('Post', { title = { type = T.STRING, field = 'ti\0tle' } }) end },
  { 'attribute: a name with a NUL byte', 'E_DEFINITION', { 'NUL' },
    function(e) e.db:define('Post', { ['ti\0tle'] = T.STRING }) end },

  --------------------------------------------- define(): impossible combinations
  { 'autoIncrement on a STRING', 'E_DEFINITION', { "'code'", 'autoIncrement', 'STRING' },
    function(e) e.db:define('Post', { code = { type = T.STRING, primaryKey = true, autoIncrement = true } }) end,
    fields = { model = 'Post', table = 'Posts', attribute = 'code' } },
  { 'autoIncrement on a FLOAT', 'E_DEFINITION', { "'n'", 'autoIncrement', 'FLOAT' },
    function(e) e.db:define('Post', { n = { type = T.FLOAT, primaryKey = true, autoIncrement = true } }) end },
  { 'autoIncrement on a DECIMAL', 'E_DEFINITION', { "'n'", 'autoIncrement', 'DECIMAL' },
    function(e) e.db:define('Post', { n = { type = T.DECIMAL(10, 0), primaryKey = true, autoIncrement = true } }) end },
  { 'autoIncrement on two columns', 'E_DEFINITION', { 'two autoIncrement attributes' },
    function(e)
      e.db:define('Post', { { 'a', { type = T.INTEGER, primaryKey = true, autoIncrement = true } },
                            { 'b', { type = T.INTEGER, primaryKey = true, autoIncrement = true } } })
    end },
  { 'autoIncrement on a column that is not the key', 'E_DEFINITION', { "'n'", 'not the primary key' },
    function(e) e.db:define('Post', { n = { type = T.INTEGER, autoIncrement = true } }) end },
  { 'autoIncrement with a defaultValue', 'E_DEFINITION', { "'n'", 'defaultValue' },
    function(e) e.db:define('Post', { n = { type = T.INTEGER, primaryKey = true, autoIncrement = true, defaultValue = 1 } }) end },
  { 'autoIncrement in a composite primary key', 'E_DEFINITION', { 'single-column primary key' },
    function(e)
      e.db:define('Post', { a = { type = T.INTEGER, primaryKey = true, autoIncrement = true },
                            b = { type = T.INTEGER, primaryKey = true } })
    end },
  { 'a primary key that allows NULL', 'E_DEFINITION', { "'code'", 'cannot allow NULL' },
    function(e) e.db:define('Post', { code = { type = T.STRING, primaryKey = true, allowNull = true } }) end },
  { 'two attributes on one column (field)', 'E_DEFINITION', { "'a'", "'b'", "column 'x'" },
    function(e) e.db:define('Post', { a = { type = T.STRING, field = 'x' }, b = { type = T.STRING, field = 'x' } }) end,
    fields = { model = 'Post', table = 'Posts', column = 'x' } },
  { 'two attributes on one column (underscored)', 'E_DEFINITION', { "'firstName'", "'first_name'" },
    function(e) e.db:define('Post', { firstName = T.STRING, first_name = T.STRING }, { underscored = true }) end },
  { 'an attribute on a timestamp column', 'E_DEFINITION', { "'created'", 'createdAt' },
    function(e) e.db:define('Post', { stamp = { type = T.DATE, field = 'created' } }, { createdAt = 'created' }) end },
  { 'createdAt and updatedAt with one name', 'E_OPTION', { "'createdAt'", "'updatedAt'", "'stamp'" },
    function(e) e.db:define('Post', { title = T.STRING }, { createdAt = 'stamp', updatedAt = 'stamp' }) end },
  { 'id that is not the primary key, and no key', 'E_DEFINITION', { "'id'", 'primaryKey' },
    function(e) e.db:define('Post', { id = T.STRING }) end },
  { 'onDelete without references', 'E_DEFINITION', { "'itemId'", 'onDelete', 'no references' },
    function(e) e.db:define('Post', { itemId = { type = T.INTEGER, onDelete = 'CASCADE' } }) end },
  { 'onDelete outside the SQL actions', 'E_OPTION', { "'onDelete'", "'DESTROY'", 'CASCADE' },
    function(e)
      e.db:define('Post', { itemId = { type = T.INTEGER, references = { model = 'Item' }, onDelete = 'DESTROY' } })
    end },
  { 'onUpdate outside the SQL actions', 'E_OPTION', { "'onUpdate'", "'CASCADES'" },
    function(e)
      e.db:define('Post', { itemId = { type = T.INTEGER, references = { model = 'Item' }, onUpdate = 'CASCADES' } })
    end },
  { 'onDelete that is a number', 'E_OPTION', { "'onDelete'", 'string' },
    function(e) e.db:define('Post', { itemId = { type = T.INTEGER, references = { model = 'Item' }, onDelete = 1 } }) end },
  { 'references that is a number', 'E_OPTION', { "'references'" },
    function(e) e.db:define('Post', { itemId = { type = T.INTEGER, references = 5 } }) end },
  { "references.tabel (a typo)", 'E_OPTION', { "'references.tabel'", "'references.table'" },
    function(e) e.db:define('Post', { itemId = { type = T.INTEGER, references = { tabel = 'Items' } } }) end },
  { "references.kye (a typo)", 'E_OPTION', { "'references.kye'", "'references.key'" },
    function(e) e.db:define('Post', { itemId = { type = T.INTEGER, references = { model = 'Item', kye = 'id' } } }) end },
  { 'references with both model and table', 'E_DEFINITION', { 'exactly one of' },
    function(e) e.db:define('Post', { itemId = { type = T.INTEGER, references = { model = 'Item', table = 'Items' } } }) end },
  { 'references with neither model nor table', 'E_DEFINITION', { 'exactly one of' },
    function(e) e.db:define('Post', { itemId = { type = T.INTEGER, references = { key = 'id' } } }) end },
  { "references.model = ''", 'E_OPTION', { "'references.model'" },
    function(e) e.db:define('Post', { itemId = { type = T.INTEGER, references = { model = '' } } }) end },
  { 'references.key that is a number', 'E_OPTION', { "'references.key'" },
    function(e) e.db:define('Post', { itemId = { type = T.INTEGER, references = { model = 'Item', key = 1 } } }) end },
  { 'renamedFrom that is a number', 'E_OPTION', { "'renamedFrom'" },
    function(e) e.db:define('Post', { title = { type = T.STRING, renamedFrom = 5 } }) end },
  { 'renamedFrom with a number in its list', 'E_OPTION', { "'renamedFrom[2]'" },
    function(e) e.db:define('Post', { title = { type = T.STRING, renamedFrom = { 'name', 5 } } }) end },
  { "renamedFrom = ''", 'E_OPTION', { "'renamedFrom'" },
    function(e) e.db:define('Post', { title = { type = T.STRING, renamedFrom = '' } }) end },
  { 'renamedFrom its own column', 'E_DEFINITION', { "'title'", 'its own column' },
    function(e) e.db:define('Post', { title = { type = T.STRING, renamedFrom = 'title' } }) end },

  ------------------------------------------------------ define(): attributes
  { 'attributes that are a string', 'E_DEFINITION', { 'attributes must be a table' },
    function(e) e.db:define('Post', 'title') end },
  { 'an attribute array with a hole', 'E_DEFINITION', { 'holes' },
    function(e) e.db:define('Post', { { 'a', T.STRING }, nil, { 'b', T.STRING } }) end },
  { 'an attribute array mixed with a key', 'E_DEFINITION', { "'c'" },
    function(e) e.db:define('Post', { { 'a', T.STRING }, c = T.STRING }) end },
  { 'an attribute given twice in the array form', 'E_DEFINITION', { "'a'", 'twice' },
    function(e) e.db:define('Post', { { 'a', T.STRING }, { 'a', T.INTEGER } }) end },
  { 'an attribute pair that is not a pair', 'E_DEFINITION', { '{ name, spec } pair' },
    function(e) e.db:define('Post', { { 'a' } }) end },
  { 'an empty attribute name', 'E_DEFINITION', { 'non-empty' },
    function(e) e.db:define('Post', { [''] = T.STRING }) end },
  { 'a model name that is not a string', 'E_DEFINITION', { 'model name' },
    function(e) e.db:define(42, { title = T.STRING }) end },
  { 'an empty model name', 'E_DEFINITION', { 'model name' },
    function(e) e.db:define('', { title = T.STRING }) end },
  { 'redefining Item badly keeps the old Item', 'E_OPTION', { "'allownull'" },
    function(e) e.db:define('Item', { name = { type = T.STRING, allownull = true } }) end },

  ----------------------------------------------------------------- DataTypes
  { 'T.STRING(-1): a negative length', 'E_TYPE', { 'length', 'positive integer', '-1' },
    function(e) e.db:define('Post', { title = T.STRING(-1) }) end },
  { 'T.STRING(0)', 'E_TYPE', { 'length', 'positive integer' },
    function(e) e.db:define('Post', { title = T.STRING(0) }) end },
  { 'T.STRING(1.5)', 'E_TYPE', { 'length', '1.5' },
    function(e) e.db:define('Post', { title = T.STRING(1.5) }) end },
  { "T.STRING('10')", 'E_TYPE', { 'length', 'string' },
    function(e) e.db:define('Post', { title = T.STRING('10') }) end },
  { 'T.STRING(10, 2)', 'E_TYPE', { 'at most one argument' },
    function(e) e.db:define('Post', { title = T.STRING(10, 2) }) end },
  { 'T.CHAR(-3)', 'E_TYPE', { 'T.CHAR', 'length' },
    function(e) e.db:define('Post', { code = T.CHAR(-3) }) end },
  { 'T.DECIMAL(4, 6): scale above precision', 'E_TYPE', { 'scale (6)', 'precision (4)' },
    function(e) e.db:define('Post', { price = T.DECIMAL(4, 6) }) end },
  { 'T.DECIMAL(0)', 'E_TYPE', { 'precision', 'positive' },
    function(e) e.db:define('Post', { price = T.DECIMAL(0) }) end },
  { 'T.DECIMAL(10, -1): a negative scale', 'E_TYPE', { 'scale', 'non-negative' },
    function(e) e.db:define('Post', { price = T.DECIMAL(10, -1) }) end },
  { 'T.DECIMAL(nil, 2): a scale without precision', 'E_TYPE', { 'scale needs a precision' },
    function(e) e.db:define('Post', { price = T.DECIMAL(nil, 2) }) end },
  { 'T.DECIMAL(2000)', 'E_TYPE', { 'at most 1000' },
    function(e) e.db:define('Post', { price = T.DECIMAL(2000) }) end },
  { 'T.DECIMAL(1, 2, 3)', 'E_TYPE', { 'at most two arguments' },
    function(e) e.db:define('Post', { price = T.DECIMAL(1, 2, 3) }) end },
  { "T.DECIMAL{ precision = 5, scael = 2 }", 'E_TYPE', { "'scael'", "'scale'" },
    function(e) e.db:define('Post', { price = T.DECIMAL{ precision = 5, scael = 2 } }) end },
  { 'T.FLOAT(-1)', 'E_TYPE', { 'T.FLOAT', 'precision' },
    function(e) e.db:define('Post', { n = T.FLOAT(-1) }) end },
  { 'T.REAL(3): no arguments', 'E_TYPE', { 'T.REAL', 'no arguments' },
    function(e) e.db:define('Post', { n = T.REAL(3) }) end },
  { 'T.TEXT(10): no arguments', 'E_TYPE', { 'T.TEXT', 'no arguments' },
    function(e) e.db:define('Post', { n = T.TEXT(10) }) end },
  { 'T.INTEGER(0): a bad display width', 'E_TYPE', { 'display width' },
    function(e) e.db:define('Post', { n = T.INTEGER(0) }) end },
  { 'T.ENUM(): no values', 'E_TYPE', { 'ENUM', 'at least one value' },
    function(e) e.db:define('Post', { kind = T.ENUM() }) end },
  { 'T.ENUM used bare', 'E_TYPE', { "'kind'", 'ENUM needs its values' },
    function(e) e.db:define('Post', { kind = T.ENUM }) end },
  { 'T.ENUM with a value twice', 'E_TYPE', { "'a'", 'twice' },
    function(e) e.db:define('Post', { kind = T.ENUM('a', 'b', 'a') }) end },
  { 'T.ENUM with a number value', 'E_TYPE', { 'value 2', 'string' },
    function(e) e.db:define('Post', { kind = T.ENUM('a', 3) }) end },
  { 'T.ENUM with an empty value', 'E_TYPE', { 'empty' },
    function(e) e.db:define('Post', { kind = T.ENUM('a', '') }) end },
  { 'T.ENUM with a NUL byte in a value', 'E_TYPE', { 'NUL' },
    function(e) e.db:define('Post', { kind = T.ENUM('a', 'b\0c') }) end },
  { 'T.ENUM{ valeus = ... } (a typo)', 'E_TYPE', { "'valeus'", "'values'" },
    function(e) e.db:define('Post', { kind = T.ENUM{ valeus = { 'a' } } }) end },
  { "T.SQL('')", 'E_TYPE', { 'T.SQL', 'native type' },
    function(e) e.db:define('Post', { tags = T.SQL('') }) end },
  { 'T.SQL() without its text', 'E_TYPE', { 'T.SQL' },
    function(e) e.db:define('Post', { tags = T.SQL() }) end },
  { 'T.STRNG: an unknown DataType', 'E_TYPE', { 'T.STRNG', 'T.STRING' },
    function(e) e.db:define('Post', { title = T.STRNG }) end },
  { 'T.STRING(10)(20): arguments twice', 'E_TYPE', { 'already has its arguments' },
    function(e) e.db:define('Post', { title = T.STRING(10)(20) }) end },
  { 'modelsync.literal(5)', 'E_OPTION', { 'literal()' },
    function(e) e.db:define('Post', { n = { type = T.INTEGER, defaultValue = modelsync.literal(5) } }) end },
  { "modelsync.literal('')", 'E_OPTION', { 'literal()' },
    function(e) e.db:define('Post', { n = { type = T.INTEGER, defaultValue = modelsync.literal('') } }) end },

  ------------------------------------------------------ define(): model options
  { "model option 'timestamp' (a typo)", 'E_OPTION', { "'timestamp'", "'timestamps'", "'Post'" },
    function(e) e.db:define('Post', { title = T.STRING }, { timestamp = false }) end },
  { "model option 'tablename'", 'E_OPTION', { "'tablename'", "'tableName'" },
    function(e) e.db:define('Post', { title = T.STRING }, { tablename = 'posts' }) end },
  { "model option 'freezeTablename'", 'E_OPTION', { "'freezeTablename'", "'freezeTableName'" },
    function(e) e.db:define('Post', { title = T.STRING }, { freezeTablename = true }) end },
  { "model option 'underscore'", 'E_OPTION', { "'underscore'", "'underscored'" },
    function(e) e.db:define('Post', { title = T.STRING }, { underscore = true }) end },
  { "model option 'index' (for indexes)", 'E_OPTION', { "'index'", "'indexes'" },
    function(e) e.db:define('Post', { title = T.STRING }, { index = { { fields = { 'title' } } } }) end },
  { "model option 'paranoia'", 'E_OPTION', { "'paranoia'", "'paranoid'" },
    function(e) e.db:define('Post', { title = T.STRING }, { paranoia = true }) end },
  { "model option 'hook'", 'E_OPTION', { "'hook'", "'hooks'" },
    function(e) e.db:define('Post', { title = T.STRING }, { hook = {} }) end },
  { 'model options that are a string', 'E_OPTION', { 'expected a table' },
    function(e) e.db:define('Post', { title = T.STRING }, 'posts') end },
  { "paranoid = 'yes'", 'E_OPTION', { "'paranoid'", 'boolean' },
    function(e) e.db:define('Post', { title = T.STRING }, { paranoid = 'yes' }) end },
  { "tableName = ''", 'E_OPTION', { "'tableName'", 'non-empty string' },
    function(e) e.db:define('Post', { title = T.STRING }, { tableName = '' }) end },
  { 'tableName = 5', 'E_OPTION', { "'tableName'" },
    function(e) e.db:define('Post', { title = T.STRING }, { tableName = 5 }) end },
  { 'a tableName with a NUL byte', 'E_DEFINITION', { 'NUL' },
    function(e) e.db:define('Post', { title = T.STRING }, { tableName = 'po\0sts' }) end },
  { "schema = ''", 'E_OPTION', { "'schema'" },
    function(e) e.db:define('Post', { title = T.STRING }, { schema = '' }) end },
  { 'comment = 5', 'E_OPTION', { "'comment'", 'string' },
    function(e) e.db:define('Post', { title = T.STRING }, { comment = 5 }) end },
  { "createdAt = ''", 'E_OPTION', { "'createdAt'" },
    function(e) e.db:define('Post', { title = T.STRING }, { createdAt = '' }) end },
  { 'deletedAt named without paranoid', 'E_OPTION', { "'deletedAt'", 'paranoid' },
    function(e) e.db:define('Post', { title = T.STRING }, { deletedAt = 'gone' }) end },
  { 'createdAt named with timestamps = false', 'E_OPTION', { "'createdAt'", 'timestamps = false' },
    function(e) e.db:define('Post', { title = T.STRING }, { timestamps = false, createdAt = 'made' }) end },
  { 'paranoid with deletedAt = false', 'E_OPTION', { "'deletedAt'", 'paranoid' },
    function(e) e.db:define('Post', { title = T.STRING }, { paranoid = true, deletedAt = false }) end },
  { 'createdAt named in connect defaults and updatedAt in the model', 'E_DEFINITION',
    { "createdAt timestamp 'stamp'", "updatedAt timestamp 'stamp'" },
    function(e) e.value:define('Post', { title = T.STRING }, { updatedAt = 'stamp' }) end,
    setup = function(e) return e.connect{ define = { createdAt = 'stamp' } } end },
  -- Clashes where every column is named as its attribute (define() then
  -- checks only `id` and the timestamps against each other).
  { 'createdAt = true and updatedAt naming it', 'E_DEFINITION',
    { "the createdAt timestamp 'createdAt' and the updatedAt timestamp 'createdAt' both use column 'createdAt'" },
    function(e) e.db:define('Post', { title = T.STRING }, { createdAt = true, updatedAt = 'createdAt' }) end },
  { "a timestamp named 'id' beside the id define() adds", 'E_DEFINITION',
    { "attribute 'id' and the createdAt timestamp 'id' both use column 'id'" },
    function(e) e.db:define('Post', { title = T.STRING }, { createdAt = 'id' }) end },
  { 'an attribute that is both timestamps', 'E_DEFINITION',
    { "attribute 'createdAt' and attribute 'createdAt' both use column 'createdAt'" },
    function(e) e.db:define('Post', { title = T.STRING, createdAt = T.DATE }, { updatedAt = 'createdAt' }) end,
    fields = { model = 'Post', table = 'Posts', attribute = 'createdAt', column = 'createdAt' } },

  ----------------------------------------------------------------- indexes
  { "indexes = 'title'", 'E_OPTION', { "'indexes'", 'table' },
    function(e) e.db:define('Post', { title = T.STRING }, { indexes = 'title' }) end },
  { 'indexes holding a string', 'E_OPTION', { "'indexes[1]'" },
    function(e) e.db:define('Post', { title = T.STRING }, { indexes = { 'title' } }) end },
  { "index option 'field' (for fields)", 'E_OPTION', { "'field'", "'fields'" },
    function(e) e.db:define('Post', { title = T.STRING }, { indexes = { { field = { 'title' } } } }) end },
  { "index option 'uniqe'", 'E_OPTION', { "'uniqe'", "'unique'" },
    function(e) e.db:define('Post', { title = T.STRING }, { indexes = { { fields = { 'title' }, uniqe = true } } }) end },
  { 'an index without fields', 'E_DEFINITION', { "needs 'fields'" },
    function(e) e.db:define('Post', { title = T.STRING }, { indexes = { { fields = {} } } }) end },
  { 'an index on an unknown attribute', 'E_DEFINITION', { "'titel'", 'not an attribute', "'title'" },
    function(e) e.db:define('Post', { title = T.STRING }, { indexes = { { fields = { 'titel' } } } }) end,
    fields = { model = 'Post', table = 'Posts' } },
  { "an index field order 'UP'", 'E_OPTION', { 'order', "'ASC' or 'DESC'" },
    function(e) e.db:define('Post', { title = T.STRING }, { indexes = { { fields = { { name = 'title', order = 'UP' } } } } }) end },
  { "an index field key 'nmae'", 'E_OPTION', { "'fields[1].nmae'", "'fields[1].name'" },
    function(e) e.db:define('Post', { title = T.STRING }, { indexes = { { fields = { { nmae = 'title' } } } } }) end },
  { 'an index field that is a number', 'E_OPTION', { "'fields[1]'" },
    function(e) e.db:define('Post', { title = T.STRING }, { indexes = { { fields = { 5 } } } }) end },
  { "index unique = 'yes'", 'E_OPTION', { "'unique'", 'boolean' },
    function(e) e.db:define('Post', { title = T.STRING }, { indexes = { { fields = { 'title' }, unique = 'yes' } } }) end },
  { "index name = ''", 'E_OPTION', { "'name'" },
    function(e) e.db:define('Post', { title = T.STRING }, { indexes = { { fields = { 'title' }, name = '' } } }) end },
  { 'index using = 5', 'E_OPTION', { "'using'" },
    function(e) e.db:define('Post', { title = T.STRING }, { indexes = { { fields = { 'title' }, using = 5 } } }) end },
  { 'indexes with a non-list key', 'E_OPTION', { "'indexes'", "'byTitle'" },
    function(e) e.db:define('Post', { title = T.STRING }, { indexes = { byTitle = { fields = { 'title' } } } }) end },
  { 'two indexes with one name', 'E_DEFINITION', { "'post_title'", 'twice' },
    function(e)
      e.db:define('Post', { title = T.STRING, body = T.TEXT }, { indexes = {
        { name = 'post_title', fields = { 'title' } }, { name = 'post_title', fields = { 'body' } } } })
    end },
  { 'an index naming one attribute twice', 'E_DEFINITION', { "'title'", 'twice' },
    function(e) e.db:define('Post', { title = T.STRING }, { indexes = { { fields = { 'title', 'title' } } } }) end },

  ------------------------------------------------------------------- hooks
  { "hooks = { beforeSinc = fn }", 'E_HOOK', { "'beforeSinc'", "'beforeSync'" },
    function(e) e.db:define('Post', { title = T.STRING }, { hooks = { beforeSinc = fn } }) end },
  { 'a hook that is a number', 'E_HOOK', { "'beforeSync'", 'function' },
    function(e) e.db:define('Post', { title = T.STRING }, { hooks = { beforeSync = 5 } }) end },
  { 'hooks = 5', 'E_OPTION', { "'hooks'" },
    function(e) e.db:define('Post', { title = T.STRING }, { hooks = 5 }) end },
  { "a connection hook in a model ('beforeBulkSync')", 'E_HOOK', { "'beforeBulkSync'" },
    function(e) e.db:define('Post', { title = T.STRING }, { hooks = { beforeBulkSync = fn } }) end },
  { "db:addHook('beforeBulkSinc')", 'E_HOOK', { "'beforeBulkSinc'", "'beforeBulkSync'" },
    function(e) e.db:addHook('beforeBulkSinc', fn) end },
  { "Model:addHook('beforeSync', 5)", 'E_HOOK', { "'beforeSync'", 'function' },
    function(e) e.Item:addHook('beforeSync', 5) end },
  { "Model:addHook('afterSync', 'name', 'x')", 'E_HOOK', { "'afterSync'", 'function' },
    function(e) e.Item:addHook('afterSync', 'name', 'x') end },
  { 'Model:beforeSync(nil)', 'E_HOOK', { "'beforeSync'", 'function' },
    function(e) e.Item:beforeSync(nil) end },
  { 'a before-hook that raises stops Model:sync', 'E_HOOK', { 'beforeSync', 'no, thanks' },
    function(e)
      e.Item:beforeSync(function() error('no, thanks', 0) end)
      e.Item:sync{ alter = true, logging = e.log }
    end },
  { 'a beforeBulkSync hook that raises stops db:sync', 'E_HOOK', { 'beforeBulkSync', 'not now' },
    function(e)
      e.db:beforeBulkSync(function() error('not now', 0) end)
      e.db:sync{ alter = true, logging = e.log }
    end },
  { 'a hook that sets a bad option', 'E_OPTION', { "'alter'" },
    function(e)
      e.Item:beforeSync(function(o) o.alter = 'please' end)
      e.Item:sync{ logging = e.log }
    end },

  ------------------------------------------------------- sync / plan / drop
  { "sync{ alter = 'yes' }", 'E_OPTION', { "'alter'", 'boolean or table' },
    function(e) e.db:sync{ alter = 'yes', logging = e.log } end },
  { "sync{ alter = { drop = 'yes' } }", 'E_OPTION', { "'alter.drop'", 'boolean' },
    function(e) e.db:sync{ alter = { drop = 'yes' }, logging = e.log } end },
  { "sync{ alter = { drpo = true } }", 'E_OPTION', { "'alter.drpo'", "'alter.drop'" },
    function(e) e.db:sync{ alter = { drpo = true }, logging = e.log } end },
  { "sync{ forse = true }", 'E_OPTION', { "'forse'", "'force'" },
    function(e) e.db:sync{ forse = true, logging = e.log } end,
    fields = { option = 'forse' } },
  { "sync{ alterr = true } on a model", 'E_OPTION', { "'alterr'", "'alter'" },
    function(e) e.Item:sync{ alterr = true, logging = e.log } end },
  { "sync{ force = 1 }", 'E_OPTION', { "'force'", 'boolean' },
    function(e) e.db:sync{ force = 1, logging = e.log } end },
  { "sync{ match = '[' }: not a pattern", 'E_OPTION', { "'match'", 'pattern' },
    function(e) e.db:sync{ match = '[', force = true, logging = e.log } end },
  { 'sync{ match = 5 }', 'E_OPTION', { "'match'", 'string' },
    function(e) e.db:sync{ match = 5, force = true, logging = e.log } end },
  { 'sync{ match } that does not match', 'E_MATCH', { 'does not match', '^no_such_db$' },
    function(e) e.db:sync{ match = '^no_such_db$', force = true, logging = e.log } end },
  { "sync{ loging = fn }", 'E_OPTION', { "'loging'", "'logging'" },
    function(e) e.db:sync{ loging = e.log } end },
  { "sync{ hooks = 'no' }", 'E_OPTION', { "'hooks'", 'boolean' },
    function(e) e.db:sync{ hooks = 'no', logging = e.log } end },
  { 'sync{ force = true, alter = true }', 'E_OPTION', { "'force'", "'alter'" },
    function(e) e.db:sync{ force = true, alter = true, logging = e.log } end },
  { "sync('alter')", 'E_OPTION', { 'expected a table' },
    function(e) e.db:sync('alter') end },
  { "plan{ alterr = true }", 'E_OPTION', { "'alterr'", "'alter'" },
    function(e) e.db:plan{ alterr = true, logging = e.log } end },
  { "plan{ force = 'no' }", 'E_OPTION', { "'force'" },
    function(e) e.db:plan{ force = 'no', logging = e.log } end },
  { 'Model:plan{ alter = { dorp = true } }', 'E_OPTION', { "'alter.dorp'", "'alter.drop'" },
    function(e) e.Item:plan{ alter = { dorp = true }, logging = e.log } end },
  { "drop{ cascade = 'yes' }", 'E_OPTION', { "'cascade'", 'boolean' },
    function(e) e.db:drop{ cascade = 'yes', logging = e.log } end },
  { "drop{ mtach = '_test$' }", 'E_OPTION', { "'mtach'", "'match'" },
    function(e) e.Item:drop{ mtach = '_test$', logging = e.log } end },
  { 'drop{ match } that does not match', 'E_MATCH', { 'does not match' },
    function(e) e.db:drop{ match = '^no_such_db$', logging = e.log } end },
  { "automigrate('Itme'): an unknown model", 'E_UNKNOWN_MODEL', { "'Itme'", "'Item'" },
    function(e) e.db:automigrate('Itme') end },
  { "autoupdate(nil, 'drop')", 'E_OPTION', { "'alter'" },
    function(e) e.db:autoupdate(nil, 'drop') end },
  { 'autoupdate(nil, { dorp = true })', 'E_OPTION', { "'alter.dorp'", "'alter.drop'" },
    function(e) e.db:autoupdate(nil, { dorp = true }) end },
  { "isActual({ 'Nope' })", 'E_UNKNOWN_MODEL', { "'Nope'" },
    function(e) e.db:isActual({ 'Nope' }) end },
  { "db:model('Itme')", 'E_UNKNOWN_MODEL', { "'Itme'", "'Item'" },
    function(e) e.db:model('Itme') end },
  { 'plan:apply{ loging = fn }', 'E_OPTION', { "'loging'", "'logging'" },
    function(e) e.value:apply{ loging = e.log } end,
    setup = function(e) e.db:define('Post', { title = T.STRING }); return e.db:plan() end },

  ------------------------------------- what depends on other models: at sync()
  { 'a reference to an unknown model, at sync()', 'E_DEFINITION', { "'Itme'", 'not defined', "'Item'" },
    function(e) e.db:sync{ logging = e.log } end,
    setup = function(e) e.db:define('Post', { itemId = { type = T.INTEGER, references = { model = 'Itme' } } }) end,
    fields = { model = 'Post', table = 'Posts', attribute = 'itemId' } },
  { 'a reference to an unknown model, at Model:sync()', 'E_DEFINITION', { "'Nope'", 'not defined' },
    function(e) e.value:sync{ logging = e.log } end,
    setup = function(e) return e.db:define('Post', { itemId = { type = T.INTEGER, references = 'Nope' } }) end },
  { 'a reference to an unknown model, at plan()', 'E_DEFINITION', { "'Nope'", 'not defined' },
    function(e) e.db:plan{ alter = true, logging = e.log } end,
    setup = function(e) e.db:define('Post', { itemId = { type = T.INTEGER, references = { model = 'Nope' } } }) end },
  { 'a reference to an unknown key, at sync()', 'E_DEFINITION', { "'nmae'", 'no such attribute', "'name'" },
    function(e) e.db:sync{ alter = true, logging = e.log } end,
    setup = function(e)
      e.db:define('Post', { itemName = { type = T.STRING(40), references = { model = 'Item', key = 'nmae' } } })
    end },
  { 'a reference to a model with a composite key and no key', 'E_DEFINITION', { "'Pair'", 'references.key' },
    function(e) e.db:sync{ logging = e.log } end,
    setup = function(e)
      e.db:define('Pair', { a = { type = T.INTEGER, primaryKey = true }, b = { type = T.INTEGER, primaryKey = true } })
      e.db:define('Post', { pairA = { type = T.INTEGER, references = 'Pair' } })
    end },
  { 'a reference to a key of a different type family', 'E_DEFINITION', { "'itemName'", "'qty'" },
    function(e) e.db:sync{ logging = e.log } end,
    setup = function(e)
      e.db:define('Post', { itemName = { type = T.STRING, references = { model = 'Item', key = 'qty' } } })
    end },
  { 'two models on one table', 'E_DEFINITION', { "'Items'", "'Item'", "'Other'" },
    function(e) e.db:sync{ logging = e.log } end,
    setup = function(e) e.db:define('Other', { x = T.INTEGER }, { tableName = 'Items' }) end,
    fields = { table = 'Items' } },
  { 'two models on one table, at plan()', 'E_DEFINITION', { "'Items'" },
    function(e) e.db:plan{ logging = e.log } end,
    setup = function(e) e.db:define('Other', { x = T.INTEGER }, { tableName = 'Items' }) end },
  { 'a unique name that is also an index name', 'E_DEFINITION', { "'dup_name'", 'twice' },
    function(e)
      e.db:define('Post', { title = { type = T.STRING, unique = 'dup_name' }, body = T.TEXT },
        { indexes = { { name = 'dup_name', fields = { 'body' } } } })
    end },

  ---------------------------------------------------------------------- rows
  { "create{ nmae = 'x' }", 'E_OPTION', { "'nmae'", "'name'" },
    function(e) e.Item:create({ nmae = 'x' }, { logging = e.log }) end },
  { 'create with options { loging = fn }', 'E_OPTION', { "'loging'", "'logging'" },
    function(e) e.Item:create({ name = 'x' }, { loging = e.log }) end },
  { 'create with a table as a value', 'E_OPTION', { "'name'", 'table' },
    function(e) e.Item:create({ name = { 'x' } }, { logging = e.log }) end },
  { "create('x')", 'E_OPTION', { "'values'" },
    function(e) e.Item:create('x', { logging = e.log }) end },
  { 'create with a value that is not in the ENUM', 'E_OPTION', { "'kind'", "'c'" },
    function(e) e.Item:create({ name = 'x', kind = 'c' }, { logging = e.log }) end,
    fields = { model = 'Item', table = 'Items', attribute = 'kind', column = 'kind' } },
  { "create{ qty = 'abc' }: text for an INTEGER", 'E_OPTION', { "'abc'", "'qty'", 'integer' },
    function(e) e.Item:create({ name = 'x', qty = 'abc' }, { logging = e.log }) end },
  { 'create{ qty = 1.5 }: a fraction for an INTEGER', 'E_OPTION', { '1.5', "'qty'", 'integer' },
    function(e) e.Item:create({ name = 'x', qty = 1.5 }, { logging = e.log }) end },
  { 'update({ qty = true }): a boolean for an INTEGER', 'E_OPTION', { "'qty'", 'integer' },
    function(e) e.Item:update({ qty = true }, { where = { qty = 1 }, logging = e.log }) end },
  { 'update({ kind = "z" }): not in the ENUM', 'E_OPTION', { "'z'", "'kind'", "'a', 'b'" },
    function(e) e.Item:update({ kind = 'z' }, { where = { qty = 1 }, logging = e.log }) end },
  { "bulkCreate('x')", 'E_OPTION', { "'records'" },
    function(e) e.Item:bulkCreate('x', { logging = e.log }) end },
  { 'bulkCreate with a bad key in record 2', 'E_OPTION', { "'nmae'", 'record 2' },
    function(e) e.Item:bulkCreate({ { name = 'ok' }, { nmae = 'x' } }, { logging = e.log }) end },
  { 'bulkCreate with a bad value in record 2 (no transaction begun)', 'E_OPTION', { "'qty'", "'many'" },
    function(e) e.Item:bulkCreate({ { name = 'ok', qty = 2 }, { name = 'no', qty = 'many' } }, { logging = e.log }) end },
  { 'bulkCreate with a table as a value in record 2', 'E_OPTION', { "'name'", 'table' },
    function(e) e.Item:bulkCreate({ { name = 'ok' }, { name = {} } }, { logging = e.log }) end },
  { "findAll{ wher = {} }", 'E_OPTION', { "'wher'", "'where'" },
    function(e) e.Item:findAll{ wher = {}, logging = e.log } end },
  { "findAll{ where = { nmae = 1 } }", 'E_OPTION', { "'nmae'", "'name'" },
    function(e) e.Item:findAll{ where = { nmae = 1 }, logging = e.log } end },
  { "findAll{ order = { { 'name', 'UP' } } }", 'E_OPTION', { "'ASC' or 'DESC'" },
    function(e) e.Item:findAll{ order = { { 'name', 'UP' } }, logging = e.log } end },
  { "findAll{ order = { { 'nmae', 'ASC' } } }", 'E_OPTION', { "'nmae'", "'name'" },
    function(e) e.Item:findAll{ order = { { 'nmae', 'ASC' } }, logging = e.log } end },
  { 'findAll{ limit = -1 }', 'E_OPTION', { "'limit'", 'non-negative' },
    function(e) e.Item:findAll{ limit = -1, logging = e.log } end },
  { "findAll{ limit = '10' }", 'E_OPTION', { "'limit'", 'integer' },
    function(e) e.Item:findAll{ limit = '10', logging = e.log } end },
  { 'findAll{ offset = 1.5 }', 'E_OPTION', { "'offset'", 'integer' },
    function(e) e.Item:findAll{ offset = 1.5, logging = e.log } end },
  { "findAll{ attributes = { 'nmae' } }", 'E_OPTION', { "'nmae'", "'name'" },
    function(e) e.Item:findAll{ attributes = { 'nmae' }, logging = e.log } end },
  { 'findAll{ attributes = {} }', 'E_OPTION', { "'attributes'" },
    function(e) e.Item:findAll{ attributes = {}, logging = e.log } end },
  { "findAll with an unknown operator '$gtt'", 'E_OPTION', { "'$gtt'", "'$gt'" },
    function(e) e.Item:findAll{ where = { qty = { ['$gtt'] = 1 } }, logging = e.log } end },
  { "findAll with '$in' on a number", 'E_OPTION', { "'$in'", 'list' },
    function(e) e.Item:findAll{ where = { qty = { ['$in'] = 5 } }, logging = e.log } end },
  { "findAll with '$between' of one value", 'E_OPTION', { "'$between'" },
    function(e) e.Item:findAll{ where = { qty = { ['$between'] = { 1 } } }, logging = e.log } end },
  { "findAll with '$or' on a number", 'E_OPTION', { "'$or'" },
    function(e) e.Item:findAll{ where = { ['$or'] = 5 }, logging = e.log } end },
  { 'findAll with a function as a value', 'E_OPTION', { "'qty'", 'function' },
    function(e) e.Item:findAll{ where = { qty = fn }, logging = e.log } end },
  { "findAll('x')", 'E_OPTION', { 'expected a table' },
    function(e) e.Item:findAll('x') end },
  { "findOne{ wher = {} }", 'E_OPTION', { "'wher'", "'where'" },
    function(e) e.Item:findOne{ wher = {}, logging = e.log } end },
  { 'findByPk with a bad option', 'E_OPTION', { "'attribute'", "'attributes'" },
    function(e) e.Item:findByPk(1, { attribute = { 'name' }, logging = e.log }) end },
  { 'count{ limit = 1 }', 'E_OPTION', { "'limit'" },
    function(e) e.Item:count{ limit = 1, logging = e.log } end },
  { "destroy{ wher = { qty = 1 } }", 'E_OPTION', { "'wher'", "'where'" },
    function(e) e.Item:destroy{ wher = { qty = 1 }, logging = e.log } end },
  { 'destroy{ where = { nmae = 1 } }', 'E_OPTION', { "'nmae'", "'name'" },
    function(e) e.Item:destroy{ where = { nmae = 1 }, logging = e.log } end },
  { "update({ nmae = 1 }, { where = ... })", 'E_OPTION', { "'nmae'", "'name'" },
    function(e) e.Item:update({ nmae = 1 }, { where = { qty = 1 }, logging = e.log }) end },
  { "update({ qty = 2 }, { wehre = ... })", 'E_OPTION', { "'wehre'", "'where'" },
    function(e) e.Item:update({ qty = 2 }, { wehre = { qty = 1 }, logging = e.log }) end },
  { 'db:query(5)', 'E_OPTION', { "'sql'", 'string' },
    function(e) e.db:query(5) end },
  { "db:query(sql, 'x')", 'E_OPTION', { "'params'" },
    function(e) e.db:query('DELETE FROM ' .. e.ctx:qt('Items'), 'x') end },
  { 'db:query(sql, {}, { loging = fn })', 'E_OPTION', { "'loging'", "'logging'" },
    function(e) e.db:query('DELETE FROM ' .. e.ctx:qt('Items'), {}, { loging = e.log }) end },
  { "db:transaction('x')", 'E_OPTION', { "'fn'", 'function' },
    function(e) e.db:transaction('x') end },
}

-- A case may also give `fields`: what the error table must hold besides its
-- message (table, column, model, attribute, option).
for i, c in ipairs(CASES) do
  c.index = i
  c.title, c.code, c.fragments, c.call = c[1], c[2], c[3], c[4]
end

------------------------------------------------------------- the checks

-- What the database holds, read on a connection of its own: schema objects
-- and every row of every table, as sorted text.
local function snapshot(ctx, probe)
  local lines = {}
  local function add(rows, column)
    for _, r in ipairs(rows) do lines[#lines + 1] = tostring(r[column]) end
  end
  local tables = {}
  if ctx.name == 'sqlite' then
    local rows = probe:query("SELECT type || ' ' || name || ' ' || tbl_name || ' ' || COALESCE(sql, '') AS d, type, name FROM sqlite_master ORDER BY name")
    add(rows, 'd')
    for _, r in ipairs(rows) do if r.type == 'table' then tables[#tables + 1] = r.name end end
    lines[#lines + 1] = 'foreign_keys=' .. tostring(probe:query('PRAGMA foreign_keys')[1].foreign_keys)
  else
    local s = { ctx.schema }
    add(probe:query([[SELECT nspname AS d FROM pg_namespace WHERE nspname LIKE $1 || '%' ORDER BY 1]], s), 'd')
    add(probe:query([[SELECT c.relkind::text || ' ' || c.relname || ' ' || COALESCE(obj_description(c.oid, 'pg_class'), '') AS d
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ORDER BY 1]], s), 'd')
    add(probe:query([[SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' '
        || a.attnotnull::text || ' ' || a.attidentity::text || ' ' || COALESCE(pg_get_expr(d.adbin, d.adrelid), '') || ' '
        || COALESCE(col_description(c.oid, a.attnum), '') AS d
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = $1 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1]], s), 'd')
    add(probe:query([[SELECT conname || ' ' || pg_get_constraintdef(c.oid) AS d FROM pg_constraint c
      JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1 ORDER BY 1]], s), 'd')
    add(probe:query([[SELECT indexdef AS d FROM pg_indexes WHERE schemaname = $1 ORDER BY 1]], s), 'd')
    add(probe:query([[SELECT t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS d
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
      WHERE n.nspname = $1 GROUP BY t.typname ORDER BY 1]], s), 'd')
    for _, r in ipairs(probe:query('SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1', s)) do
      tables[#tables + 1] = r.tablename
    end
  end
  for _, t in ipairs(tables) do
    local rows = probe:query('SELECT * FROM ' .. ctx:qt(t))
    local texts = {}
    for _, r in ipairs(rows) do
      local cells = {}
      for k, v in pairs(r) do cells[#cells + 1] = tostring(k) .. '=' .. tostring(v) end
      table.sort(cells)
      texts[#texts + 1] = table.concat(cells, ',')
    end
    table.sort(texts)
    lines[#lines + 1] = 'rows of ' .. t .. ': ' .. table.concat(texts, ' | ')
  end
  return table.concat(lines, '\n')
end

-- Watches the core: counts connections opened by core.connect and, through a
-- logger installed on the core connection of db (kept installed whatever
-- logger db:_call sets for a call), every statement sent.
local function watch(db)
  local w = { statements = {}, opened = 0 }
  local real = db._conn
  local function counting(user)
    return function(sql, ...)
      w.statements[#w.statements + 1] = sql
      if user then return user(sql, ...) end
    end
  end
  real:setLogger(counting(nil))
  db._conn = setmetatable({}, {
    __index = function(_, key)
      if key == 'setLogger' then
        return function(_, user) return real:setLogger(counting(user)) end
      end
      local v = real[key]
      if type(v) == 'function' then return function(_, ...) return v(real, ...) end end
      return v
    end,
    __tostring = function() return tostring(real) end,
  })
  local connect = core.connect
  core.connect = function(...)
    w.opened = w.opened + 1
    return connect(...)
  end
  function w.stop()
    core.connect = connect
    db._conn = real
    if not db:isClosed() then real:setLogger(nil) end
  end
  return w
end

local function model_set(db)
  local s = {}
  for name, m in pairs(db.models) do s[#s + 1] = name .. '=' .. tostring(m) .. '@' .. string.format('%p', m) end
  table.sort(s)
  return table.concat(s, '\n')
end

local function run_case(ctx, case)
  local db = ctx.connect()
  local probe = ctx.name == 'postgres' and ctx:admin() or ctx.connect()
  local Item = db:define('Item', {
    name = { type = T.STRING(40), allowNull = false },
    qty = T.INTEGER,
    kind = T.ENUM('a', 'b'),
  }, { timestamps = false })
  db:sync()
  Item:create{ name = 'first', qty = 1, kind = 'a' }

  local default_log, call_log = dialects.logger(), dialects.logger()
  local opened = {}
  local e = {
    db = db, Item = Item, ctx = ctx, log = call_log.fn,
    connect = function(extra)
      local c = modelsync.connect(merge(ctx:options({ logging = default_log.fn }), extra))
      opened[#opened + 1] = c
      return c
    end,
  }
  if case.setup then e.value = case.setup(e) end
  local before, models_before = snapshot(ctx, probe), model_set(db)

  db.options.logging = default_log.fn
  local w = watch(db)
  local ok, err = pcall(case.call, e)
  w.stop()
  db.options.logging = nil
  for _, c in ipairs(opened) do ctx:track(c) end

  assert(not ok, 'expected ' .. case.code .. ', but the call succeeded')
  local message = dialects.message(err)
  assert(type(err) == 'table', 'expected an error table, got ' .. type(err) .. ': ' .. message)
  assert.are.equal(case.code, err.code, message)
  assert.are.equal('string', type(err.message))
  assert.are.equal(err.code .. ': ' .. err.message, tostring(err))
  for key, value in pairs(case.fields or {}) do
    assert.are.equal(value, err[key], "the error's field '" .. key .. "'")
  end
  for _, fragment in ipairs(case.fragments) do
    assert(message:find(fragment, 1, true),
      string.format('expected the message to contain %q, got: %s', fragment, message))
  end
  assert.are.same({}, default_log.statements, 'db.options.logging saw SQL')
  assert.are.same({}, call_log.statements, "the call's logging saw SQL")
  assert.are.same({}, w.statements, 'the connection sent SQL')
  assert.are.equal(0, w.opened, 'a connection was opened')
  assert.are.equal(before, snapshot(ctx, probe), 'the database changed')
  assert.are.equal(models_before, model_set(db), "the connection's models changed")
end

dialects.describe('bad input is refused before any SQL #corpus', function(ctx)
  it('the corpus holds at least 100 distinct cases', function()
    local seen = {}
    for _, c in ipairs(CASES) do
      assert(not seen[c.title], 'case given twice: ' .. c.title)
      seen[c.title] = true
    end
    assert.is_true(#CASES >= 100, #CASES .. ' cases')
  end)

  for _, case in ipairs(CASES) do
    it(string.format('%03d %s -> %s', case.index, case.title, case.code), function()
      run_case(ctx, case)
    end)
  end
end)
