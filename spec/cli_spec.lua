-- The `modelsync` command (DESIGN §6): cli.main() in-process, and the real
-- bin/modelsync as a subprocess.  Exit status 0 done / 1 drift / 2 bad usage
-- or error, --help for every command, plan risks, check, apply, erd,
-- discover and migrations, on SQLite files and on PostgreSQL.
local cli = require('modelsync.cli')
local dialects = require('support.dialects')

-- ---------------------------------------------------------------- helpers

local ROOT = (function()
  local source = debug.getinfo(1, 'S').source:gsub('^@', '')
  local folder = source:match('^(.*)/[^/]*$') or '.'
  local pipe = assert(io.popen('cd "' .. folder .. '/.." && pwd'))
  local root = pipe:read('l')
  pipe:close()
  return root
end)()
local BIN = ROOT .. '/bin/modelsync'
local EXAMPLE_MODELS = ROOT .. '/examples/cli/models.lua'

local function buffer()
  local b = { parts = {} }
  function b:write(...)
    for i = 1, select('#', ...) do self.parts[#self.parts + 1] = tostring((select(i, ...))) end
    return self
  end
  function b:text() return table.concat(self.parts) end
  return b
end

-- cli.main in-process: status, stdout, stderr.  env: the whole environment
-- the command sees (default: none at all, so DATABASE_URL never leaks in).
local function run(argv, env, color)
  local out, err = buffer(), buffer()
  local status = cli.main(argv, { stdout = out, stderr = err, env = env or {}, color = color })
  return status, out:text(), err:text()
end

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- bin/modelsync as a subprocess: status, stdout, stderr.  env: assignments
-- put before the command ({ DATABASE_URL = ... }); DATABASE_URL and NO_COLOR
-- are unset unless given.
local function run_bin(argv, env, cwd)
  local words = { 'env', '-u', 'DATABASE_URL', '-u', 'NO_COLOR' }
  for k, v in pairs(env or {}) do words[#words + 1] = k .. '=' .. shell_quote(v) end
  words[#words + 1] = shell_quote(BIN)
  for _, a in ipairs(argv) do words[#words + 1] = shell_quote(a) end
  local errfile = os.tmpname()
  local command = table.concat(words, ' ') .. ' 2>' .. shell_quote(errfile)
  if cwd then command = 'cd ' .. shell_quote(cwd) .. ' && ' .. command end
  local pipe = assert(io.popen(command, 'r'))
  local out = pipe:read('a')
  local _, how, code = pipe:close()
  local f = io.open(errfile, 'r')
  local err = f and f:read('a') or ''
  if f then f:close() end
  os.remove(errfile)
  assert(how == 'exit', 'bin/modelsync ended by a signal: ' .. tostring(code))
  return code, out, err
end

local function write_file(path, text)
  local f = assert(io.open(path, 'w'))
  f:write(text)
  f:close()
  return path
end

local function lines_of(text)
  local lines = {}
  for line in text:gmatch('[^\n]+') do lines[#lines + 1] = line end
  return lines
end

-- Exactly one line on stderr, nothing on stdout: what bad usage looks like.
local function assert_usage_error(status, out, err, pattern)
  assert.are.equal(2, status, 'stdout: ' .. out .. '\nstderr: ' .. err)
  assert.are.equal('', out)
  assert.are.equal(1, #lines_of(err), 'expected one line on stderr, got: ' .. err)
  assert.is_truthy(err:match('\n$'), 'the message ends with a newline')
  if pattern then
    assert.is_truthy(err:find(pattern, 1, true), 'expected ' .. pattern .. ' in: ' .. err)
  end
end

local function mkdtemp()
  local pipe = assert(io.popen('mktemp -d "${TMPDIR:-/tmp}/modelsync-cli.XXXXXX"'))
  local dir = pipe:read('l')
  pipe:close()
  return dir
end

local function rm_rf(dir)
  if dir and dir:match('^/.+/modelsync%-cli%.') then os.execute('rm -rf ' .. shell_quote(dir)) end
end

local function files_in(dir)
  local pipe = assert(io.popen('ls -1 ' .. shell_quote(dir)))
  local names = lines_of(pipe:read('a'))
  pipe:close()
  return names
end

-- Models used below: Teams <- Users (nullable FK), Users <- Posts (NOT NULL FK).
local MODELS_V1 = [[
local db = ...
local T = require('modelsync').DataTypes
db:define('Team', { name = { type = T.STRING(60), allowNull = false } }, { timestamps = false })
db:define('User', {
  email  = { type = T.STRING(120), allowNull = false, unique = true },
  nick   = T.STRING(40),
  teamId = { type = T.INTEGER, references = { model = 'Team' }, onDelete = 'SET NULL' },
}, { timestamps = false })
db:define('Post', {
  title  = { type = T.STRING(200), allowNull = false },
  userId = { type = T.INTEGER, allowNull = false, references = { model = 'User' }, onDelete = 'CASCADE' },
}, { timestamps = false })
]]

-- V2: Users loses `nick` (destructive) and gains `age` (safe).
local MODELS_V2 = MODELS_V1:gsub("  nick   = T.STRING%(40%),\n", "  age    = T.INTEGER,\n")

local COMMANDS = { 'plan', 'apply', 'check', 'discover', 'erd', 'migration:generate', 'migrate',
                   'rollback', 'status', 'help' }

-- ------------------------------------------------------ usage (no database)

describe('modelsync --help #cli', function()
  it('documents every command, in-process and from bin/modelsync', function()
    local status, out, err = run({ '--help' })
    assert.are.equal(0, status)
    assert.are.equal('', err)
    assert.is_truthy(out:find('Usage: modelsync', 1, true))
    for _, name in ipairs(COMMANDS) do
      assert.is_truthy(out:find('\n   ' .. name .. ' ', 1, true), 'the root help lists ' .. name)
    end
    assert.is_truthy(out:find('DATABASE_URL', 1, true))
    local bstatus, bout, berr = run_bin({ '--help' })
    assert.are.equal(0, bstatus, berr)
    assert.are.equal(out, bout)
  end)

  for _, name in ipairs(COMMANDS) do
    it('`modelsync ' .. name .. ' --help` prints its usage and exits 0', function()
      local status, out, err = run({ name, '--help' })
      assert.are.equal(0, status, err)
      assert.are.equal('', err)
      assert.is_truthy(out:find('Usage: modelsync ' .. name, 1, true), out)
      local status2, out2 = run({ 'help', name })
      assert.are.equal(0, status2)
      assert.are.equal(out, out2)
    end)
  end

  it('documents the options of each command', function()
    local _, plan = run({ 'plan', '--help' })
    assert.is_truthy(plan:find('--drop', 1, true))
    assert.is_truthy(plan:find('--db URL', 1, true))
    local _, erd = run({ 'erd', '-h' })
    assert.is_truthy(erd:find('--format mermaid|dot', 1, true))
    local _, generate = run({ 'migration:generate', '--help' })
    assert.is_truthy(generate:find('--dir DIR', 1, true))
    assert.is_truthy(generate:find('--name NAME', 1, true))
    local _, rollback = run({ 'rollback', '--help' })
    assert.is_truthy(rollback:find('--steps N', 1, true))
  end)

  it('--help wins over missing arguments', function()
    local status, out = run({ 'migration:generate', '--help' })
    assert.are.equal(0, status)
    assert.is_truthy(out:find('Usage:', 1, true))
  end)

  it('--version prints the version', function()
    local status, out = run({ '--version' })
    assert.are.equal(0, status)
    assert.are.equal(require('modelsync')._VERSION .. '\n', out)
  end)
end)

describe('modelsync bad usage #cli', function()
  it('exits 2 with one line on stderr', function()
    local cases = {
      { {}, 'a command is required' },
      { { 'frobnicate' }, "unknown command 'frobnicate'" },
      { { 'plna' }, "did you mean 'plan'" },
      { { 'plan' }, "missing argument 'MODELS.lua'" },
      { { 'check' }, "missing argument 'MODELS.lua'" },
      { { 'plan', 'm.lua', '--bogus' }, "unknown option '--bogus'" },
      { { 'plan', 'a.lua', 'b.lua' }, 'too many arguments' },
      { { 'erd', '--format', 'svg' }, "'mermaid', 'dot'" },
      { { 'migrate' }, "'--dir'" },
      { { 'migration:generate', 'm.lua', '--dir', 'd' }, "'--name'" },
      { { 'rollback', '--dir', 'd', '--steps', '0' }, 'positive integer' },
      { { 'rollback', '--dir', 'd', '--steps', 'x' }, 'positive integer' },
      { { 'help', 'nope' }, "unknown command 'nope'" },
    }
    for _, case in ipairs(cases) do
      local status, out, err = run(case[1])
      assert_usage_error(status, out, err, case[2])
      assert.is_truthy(err:find('^modelsync'), err)
    end
  end)

  it('names the command and its --help in the message', function()
    local _, _, err = run({ 'plan' })
    assert.is_truthy(err:find("^modelsync plan: "), err)
    assert.is_truthy(err:find("'modelsync plan --help'", 1, true), err)
  end)

  it('bin/modelsync exits 2 on bad usage too', function()
    local status, out, err = run_bin({ 'plan' })
    assert_usage_error(status, out, err, "missing argument 'MODELS.lua'")
    status, out, err = run_bin({})
    assert_usage_error(status, out, err, 'command')
  end)
end)

describe('modelsync --db #cli', function()
  local dir
  before_each(function() dir = mkdtemp() end)
  after_each(function() rm_rf(dir) end)

  it('exits 2 when neither --db nor DATABASE_URL is given', function()
    local models = write_file(dir .. '/models.lua', MODELS_V1)
    for _, name in ipairs({ 'plan', 'apply', 'check' }) do
      local status, out, err = run({ name, models })
      assert_usage_error(status, out, err, 'DATABASE_URL')
    end
    for _, argv in ipairs({ { 'discover' }, { 'erd' }, { 'migrate', '--dir', dir },
                            { 'status', '--dir', dir }, { 'rollback', '--dir', dir } }) do
      local status, out, err = run(argv)
      assert_usage_error(status, out, err, 'DATABASE_URL')
    end
  end)

  it('exits 2 with one line when the connection fails', function()
    local models = write_file(dir .. '/models.lua', MODELS_V1)
    local bad = {
      { 'mysql://u@localhost/x', "unsupported connection URL scheme 'mysql'" },
      { 'sqlite:' .. dir .. '/no/such/folder/x.sqlite', 'cannot connect to sqlite:' },
      { 'postgres://someone:s3cret@127.0.0.1:1/nothing', 'cannot connect to postgres://someone:***@127.0.0.1:1/nothing: E_CONNECT' },
      { 'nonsense', 'cannot connect' },
    }
    for _, case in ipairs(bad) do
      local status, out, err = run({ 'check', models, '--db', case[1] })
      assert_usage_error(status, out, err, case[2])
      assert.is_falsy(err:find('s3cret', 1, true), 'the password is hidden: ' .. err)
    end
    local status, out, err = run_bin({ 'plan', models, '--db', 'postgres://someone:s3cret@127.0.0.1:1/nothing' })
    assert_usage_error(status, out, err, 'cannot connect')
    assert.is_falsy(err:find('s3cret', 1, true))
  end)

  it('commands that only read refuse an SQLite file that does not exist (and do not create it)', function()
    local missing = dir .. '/missing.sqlite'
    for _, argv in ipairs({ { 'discover' }, { 'erd' }, { 'status', '--dir', dir }, { 'rollback', '--dir', dir } }) do
      argv[#argv + 1] = '--db'
      argv[#argv + 1] = 'sqlite:' .. missing
      local status, out, err = run(argv)
      assert_usage_error(status, out, err, 'no such SQLite database file')
      assert.is_nil(io.open(missing, 'rb'), 'the file was not created')
    end
  end)

  it('reads DATABASE_URL when --db is absent', function()
    local models = write_file(dir .. '/models.lua', MODELS_V1)
    local file = dir .. '/env.sqlite'
    local status, out, err = run({ 'apply', models }, { DATABASE_URL = 'sqlite:' .. file })
    assert.are.equal(0, status, err)
    assert.is_truthy(out:find('applied', 1, true))
    status, out, err = run_bin({ 'check', models }, { DATABASE_URL = 'sqlite:' .. file })
    assert.are.equal(0, status, out .. err)
    -- --db wins over DATABASE_URL
    status = run({ 'check', models, '--db', 'sqlite:' .. dir .. '/other.sqlite' },
      { DATABASE_URL = 'sqlite:' .. file })
    assert.are.equal(1, status)
  end)

  it('takes --db before the command as well as after it', function()
    local models = write_file(dir .. '/models.lua', MODELS_V1)
    local url = 'sqlite:' .. dir .. '/before.sqlite'
    assert.are.equal(0, (run({ '--db', url, 'apply', models })))
    assert.are.equal(0, (run({ '--db', url, 'check', models })))
    assert.are.equal(0, (run({ 'check', '--db', url, models })))
  end)
end)

describe('modelsync models files #cli', function()
  local dir, url
  before_each(function()
    dir = mkdtemp()
    url = 'sqlite:' .. dir .. '/m.sqlite'
  end)
  after_each(function() rm_rf(dir) end)

  it('exits 2 naming the problem when the file is missing, broken, failing or empty', function()
    local cases = {
      { dir .. '/missing.lua', 'cannot load the models file' },
      { write_file(dir .. '/syntax.lua', 'local db = ...\ndb:define(\n'), 'cannot load the models file' },
      { write_file(dir .. '/fails.lua', 'local db = ...\nerror("boom from the models")\n'), 'boom from the models' },
      { write_file(dir .. '/bad.lua', 'local db = ...\ndb:define("X", { a = { type = 42 } })\n'), 'E_' },
      { write_file(dir .. '/empty.lua', 'local db = ...\n'), 'defines no model' },
    }
    for _, case in ipairs(cases) do
      local status, out, err = run({ 'plan', case[1], '--db', url })
      assert.are.equal(2, status, err)
      assert.are.equal('', out)
      assert.is_truthy(err:find(case[2], 1, true), 'expected ' .. case[2] .. ' in: ' .. err)
    end
  end)

  it('an error of the models (unknown reference) exits 2 before any SQL', function()
    local models = write_file(dir .. '/ref.lua', [[
local db = ...
db:define('Post', { userId = { type = require('modelsync').DataTypes.INTEGER, references = { model = 'Nobody' } } })
]])
    local status, out, err = run({ 'apply', models, '--db', url })
    assert.are.equal(2, status)
    assert.are.equal('', out)
    assert.is_truthy(err:find('E_DEFINITION', 1, true), err)
    assert.is_truthy(err:find('Nobody', 1, true), err)
  end)

  it('the example models file of the README plans, applies and checks', function()
    local status, out, err = run_bin({ 'apply', EXAMPLE_MODELS, '--db', url })
    assert.are.equal(0, status, err)
    assert.is_truthy(out:find('CREATE TABLE "Comments"', 1, true), out)
    status, out = run_bin({ 'check', EXAMPLE_MODELS, '--db', url })
    assert.are.equal(0, status, out)
  end)
end)

describe('modelsync colour #cli', function()
  local dir
  before_each(function() dir = mkdtemp() end)
  after_each(function() rm_rf(dir) end)

  it('colours risks only when asked (a terminal) and never through a pipe or with NO_COLOR', function()
    local models = write_file(dir .. '/models.lua', MODELS_V1)
    local url = 'sqlite:' .. dir .. '/c.sqlite'
    local _, coloured = run({ 'plan', models, '--db', url }, {}, true)
    assert.is_truthy(coloured:find('\27[32m-- [safe]', 1, true), coloured)
    local _, plain = run({ 'plan', models, '--db', url }, {}, false)
    assert.is_falsy(plain:find('\27', 1, true))
    -- not a terminal (a pipe): no colour even with TERM set
    local _, piped = run_bin({ 'plan', models, '--db', url }, { TERM = 'xterm-256color' })
    assert.is_falsy(piped:find('\27', 1, true))
    assert.are.equal(plain, piped)
    -- NO_COLOR in-process (stdout is not io.stdout here anyway)
    local _, nocolor = run({ 'plan', models, '--db', url }, { NO_COLOR = '1', TERM = 'xterm' })
    assert.is_falsy(nocolor:find('\27', 1, true))
  end)
end)

describe('modelsync erd MODELS.lua (no database) #cli', function()
  local dir
  before_each(function() dir = mkdtemp() end)
  after_each(function() rm_rf(dir) end)

  it('draws a Mermaid erDiagram: one entity per table, one relation per foreign key', function()
    local models = write_file(dir .. '/models.lua', MODELS_V1)
    local status, out, err = run({ 'erd', models })
    assert.are.equal(0, status, err)
    local lines = lines_of(out)
    assert.are.equal('erDiagram', lines[1])
    for _, t in ipairs({ 'Teams', 'Users', 'Posts' }) do
      assert.is_truthy(out:find('\n    ' .. t .. ' {\n', 1, true), t .. ' in:\n' .. out)
    end
    local relations = {}
    for _, line in ipairs(lines) do
      local parent, card, child, label = line:match('^    (%S+) (%S%S%-%-%S%S) (%S+) : "(.-)"$')
      if parent then relations[#relations + 1] = { parent, card, child, label } end
    end
    table.sort(relations, function(a, b) return a[3] < b[3] end)
    assert.are.same({ { 'Users', '||--o{', 'Posts', 'userId' }, { 'Teams', '|o--o{', 'Users', 'teamId' } },
      relations)
    assert.is_truthy(out:find('        INTEGER id PK\n', 1, true), out)
    assert.is_truthy(out:find('        VARCHAR(120) email UK "not null"\n', 1, true), out)
    assert.is_truthy(out:find('        INTEGER teamId FK\n', 1, true), out)
    -- braces balance
    local open, close = select(2, out:gsub('{\n', '')), select(2, out:gsub('\n    }', ''))
    assert.are.equal(3, open)
    assert.are.equal(3, close)
  end)

  it('draws a Graphviz digraph with an edge per foreign key', function()
    local models = write_file(dir .. '/models.lua', MODELS_V1)
    local status, out, err = run_bin({ 'erd', models, '--format', 'dot' })
    assert.are.equal(0, status, err)
    assert.is_truthy(out:match('^digraph modelsync {\n'), out)
    assert.is_truthy(out:match('\n}\n$'), out)
    for _, t in ipairs({ 'Teams', 'Users', 'Posts' }) do
      assert.is_truthy(out:find('\n  "' .. t .. '" %[label=<<TABLE'), t)
    end
    local edges = {}
    for from, to, label in out:gmatch('\n  "([^"]+)":c%d+ %-> "([^"]+)":c%d+ %[label="([^"]*)"') do
      edges[#edges + 1] = from .. '->' .. to .. ':' .. label
    end
    table.sort(edges)
    assert.are.same({ 'Posts->Users:userId', 'Users->Teams:teamId' }, edges)
    -- the HTML labels are balanced
    assert.are.equal(select(2, out:gsub('<TABLE', '')), select(2, out:gsub('</TABLE>', '')))
    local _, opens = out:gsub('{', '')
    local _, closes = out:gsub('}', '')
    assert.are.equal(opens, closes)
  end)

  it('escapes names for DOT and Mermaid', function()
    local models = write_file(dir .. '/odd.lua', [[
local db = ...
local T = require('modelsync').DataTypes
db:define('Odd', { ['we"ird col'] = T.DECIMAL(10, 2), ['a<b'] = T.STRING }, { tableName = 'odd "table"', timestamps = false })
]])
    local status, dot = run({ 'erd', models, '--format', 'dot' })
    assert.are.equal(0, status, dot)
    assert.is_truthy(dot:find('"odd \\"table\\""', 1, true), dot)
    assert.is_truthy(dot:find('a&lt;b', 1, true), dot)
    local _, mermaid = run({ 'erd', models })
    assert.is_truthy(mermaid:find('    odd__table_ {', 1, true), mermaid)
    assert.is_truthy(mermaid:find('        DECIMAL(10_2) we_ird_col\n', 1, true), mermaid)
  end)
end)

-- -------------------------------------------------------- on each dialect

dialects.describe('modelsync commands #cli', function(ctx)
  local dir
  before_each(function() dir = mkdtemp() end)
  after_each(function() rm_rf(dir) end)

  local function models(text) return write_file(dir .. '/models.lua', text or MODELS_V1) end

  it('plan prints SQL with each step\'s risk and changes nothing', function()
    local file = models()
    local status, out, err = run({ 'plan', file, '--db', ctx.url() })
    assert.are.equal(0, status, err)
    assert.are.equal('', err)
    for _, t in ipairs({ 'Teams', 'Users', 'Posts' }) do
      assert.is_truthy(out:find('-- [safe] createTable ' .. t .. '\n', 1, true), t .. ' in:\n' .. out)
    end
    assert.is_truthy(out:find('CREATE TABLE', 1, true))
    assert.is_truthy(out:find('\n%-%- %d+ steps: %d+ safe\n$'), out)
    assert.are.same({}, ctx.tables(ctx.connect()))
  end)

  it('check exits 1 on drift with the plan printed, 0 after apply', function()
    local file = models()
    local status, out = run({ 'check', file, '--db', ctx.url() })
    assert.are.equal(1, status)
    assert.is_truthy(out:find('createTable', 1, true))
    assert.is_truthy(out:find('-- drift: ', 1, true))
    status, out = run({ 'apply', file, '--db', ctx.url() })
    assert.are.equal(0, status, out)
    assert.is_truthy(out:find('\n%-%- applied %d+ steps\n$'), out)
    assert.are.same({ 'Posts', 'Teams', 'Users' }, ctx.tables(ctx.connect()))
    status, out = run({ 'check', file, '--db', ctx.url() })
    assert.are.equal(0, status, out)
    assert.are.equal('-- in sync: the database matches the models\n', out)
    status, out = run({ 'apply', file, '--db', ctx.url() })
    assert.are.equal(0, status)
    assert.is_truthy(out:find('nothing to do', 1, true))
  end)

  it('bin/modelsync plan/apply/check as a subprocess, with exit statuses', function()
    local file = models()
    local status, out, err = run_bin({ 'check', file, '--db', ctx.url() })
    assert.are.equal(1, status, err)
    assert.are.equal('', err)
    status, out, err = run_bin({ 'apply', file, '--db', ctx.url() })
    assert.are.equal(0, status, err)
    status, out, err = run_bin({ 'check', file, '--db', ctx.url() }, nil, dir)
    assert.are.equal(0, status, out .. err)
    assert.is_truthy(out:find('in sync', 1, true))
  end)

  it('a destructive change is shown skipped and commented out; --drop applies it', function()
    assert.are.equal(0, (run({ 'apply', models(), '--db', ctx.url() })))
    local db = ctx.connect()
    db:query('INSERT INTO ' .. ctx.qt('Users') .. ' ("email", "nick") VALUES (\'a@x\', \'ann\')')
    local file = models(MODELS_V2)
    local status, out = run({ 'plan', file, '--db', ctx.url() })
    assert.are.equal(0, status, out)
    local header = out:match('\n?(%-%- %[destructive%] dropColumn [^\n]*nick[^\n]*)')
    assert.is_truthy(header, out)
    assert.is_truthy(header:find('(skipped: ', 1, true), header)
    assert.is_truthy(out:find('-- [safe] addColumn ', 1, true), out)
    assert.is_truthy(out:find('--drop applies them', 1, true), out)
    -- no live DROP statement outside comments
    for _, line in ipairs(lines_of(out)) do
      assert.is_falsy(line:match('^%s*DROP') or line:match('^%s*ALTER[^\n]*DROP COLUMN'), line)
    end
    -- apply without --drop keeps the column; check still reports the drift
    status, out = run({ 'apply', file, '--db', ctx.url() })
    assert.are.equal(0, status, out)
    assert.is_truthy(out:find('1 skipped', 1, true), out)
    assert.is_truthy(ctx.columns(db, 'Users').nick, 'nick kept')
    assert.is_truthy(ctx.columns(db, 'Users').age, 'age added')
    assert.are.equal(1, (run({ 'check', file, '--db', ctx.url() })))
    -- --drop: the step is applied
    status, out = run({ 'plan', file, '--db', ctx.url(), '--drop' })
    assert.are.equal(0, status)
    assert.is_falsy(out:find('(skipped', 1, true), out)
    assert.is_truthy(out:find('-- [destructive] dropColumn', 1, true), out)
    status, out = run({ 'apply', file, '--drop', '--db', ctx.url() })
    assert.are.equal(0, status, out)
    assert.is_nil(ctx.columns(db, 'Users').nick)
    assert.are.equal(1, #db:query('SELECT * FROM ' .. ctx.qt('Users')))
    assert.are.equal(0, (run({ 'check', file, '--db', ctx.url() })))
  end)

  it('erd of the live database: Mermaid and DOT with every foreign key', function()
    assert.are.equal(0, (run({ 'apply', models(), '--db', ctx.url() })))
    local status, out, err = run({ 'erd', '--db', ctx.url() })
    assert.are.equal(0, status, err)
    assert.are.equal('erDiagram', lines_of(out)[1])
    for _, t in ipairs({ 'Teams', 'Users', 'Posts' }) do
      assert.is_truthy(out:find('\n    ' .. t .. ' {\n', 1, true), t .. ' in:\n' .. out)
    end
    assert.is_truthy(out:find('\n    Users ||--o{ Posts : "userId"', 1, true), out)
    assert.is_truthy(out:find('\n    Teams |o--o{ Users : "teamId"', 1, true), out)
    local _, count = out:gsub('%-%-o{', '')
    assert.are.equal(2, count)
    status, out, err = run_bin({ 'erd', '--format', 'dot' }, { DATABASE_URL = ctx.url() })
    assert.are.equal(0, status, err)
    assert.is_truthy(out:match('^digraph modelsync {\n'), out)
    local _, edges = out:gsub('\n  "[^"]+":c%d+ %-> "[^"]+":c%d+ ', '')
    assert.are.equal(2, edges, out)
  end)

  it('erd of the models and of the live database after apply draw the same relations', function()
    local file = models()
    assert.are.equal(0, (run({ 'apply', file, '--db', ctx.url() })))
    local _, from_models = run({ 'erd', file, '--db', ctx.url() })
    local _, from_live = run({ 'erd', '--db', ctx.url() })
    local function relations(text)
      local list = {}
      for line in text:gmatch('[^\n]+') do
        if line:find('--', 1, true) then list[#list + 1] = line end
      end
      table.sort(list)
      return list
    end
    assert.are.same(relations(from_models), relations(from_live))
  end)

  it('erd of an empty live database exits 2', function()
    ctx.connect()
    local status, out, err = run({ 'erd', '--db', ctx.url() })
    assert.are.equal(2, status)
    assert.are.equal('', out)
    assert.is_truthy(err:find('no table', 1, true), err)
  end)

  it('discover prints a models file that check finds in sync', function()
    local db = ctx.connect()
    if type(db.discoverSchemas) ~= 'function' or type(require('modelsync').render) ~= 'function' then
      error('discovery (db:discoverSchemas, modelsync.render) is not available', 0)
    end
    assert.are.equal(0, (run({ 'apply', models(), '--db', ctx.url() })))
    local status, source, err = run({ 'discover', '--db', ctx.url() })
    assert.are.equal(0, status, err)
    assert.is_truthy(source:find('define', 1, true), source)
    local discovered = write_file(dir .. '/discovered.lua', source)
    status, err = run({ 'check', discovered, '--db', ctx.url() })
    assert.are.equal(0, status, err)
    -- only some tables (with their relations)
    status, source, err = run_bin({ 'discover', 'Posts', '--relations', '--db', ctx.url() })
    assert.are.equal(0, status, err)
    assert.is_truthy(source:find('Posts', 1, true), source)
    local one = write_file(dir .. '/posts.lua', source)
    status, err = run({ 'check', one, '--db', ctx.url() })
    assert.are.equal(0, status, err)
  end)

  it('migration:generate, migrate, status and rollback', function()
    local db = ctx.connect()
    for _, name in ipairs({ 'generateMigration', 'migrate', 'rollback', 'migrationStatus' }) do
      if type(db[name]) ~= 'function' then error('migrations (db:' .. name .. ') are not available', 0) end
    end
    local migrations = dir .. '/migrations'
    local file = models()
    local status, out, err = run({ 'migration:generate', file, '--dir', migrations, '--name', 'init',
                                   '--db', ctx.url() })
    assert.are.equal(0, status, err)
    local written = files_in(migrations)
    assert.are.equal(1, #written)
    assert.is_truthy(written[1]:match('^%d+.*_init%.lua$'), written[1])
    assert.is_truthy(out:find(written[1], 1, true), out)
    assert.are.same({}, ctx.tables(db), 'generating applies nothing')

    status, out, err = run({ 'status', '--dir', migrations, '--db', ctx.url() })
    assert.are.equal(0, status, err)
    assert.is_truthy(out:find('pending', 1, true), out)
    assert.is_truthy(out:find('init', 1, true), out)

    status, out, err = run_bin({ 'migrate', '--dir', migrations, '--db', ctx.url() })
    assert.are.equal(0, status, err)
    assert.is_truthy(out:find('init', 1, true), out)
    assert.are.equal(0, (run({ 'check', file, '--db', ctx.url() })))
    status, out = run({ 'migrate', '--dir', migrations, '--db', ctx.url() })
    assert.are.equal(0, status)
    assert.is_truthy(out:find('nothing to migrate', 1, true), out)
    -- in sync: generating writes no file
    status, out, err = run({ 'migration:generate', file, '--dir', migrations, '--name', 'again',
                             '--db', ctx.url() })
    assert.are.equal(0, status, err)
    assert.is_truthy(out:find('nothing to migrate', 1, true), out)
    assert.are.equal(1, #files_in(migrations))

    status, out, err = run({ 'status', '--dir', migrations, '--db', ctx.url() })
    assert.are.equal(0, status, err)
    assert.is_truthy(out:find('applied', 1, true), out)

    status, out, err = run({ 'rollback', '--dir', migrations, '--steps', '1', '--db', ctx.url() })
    assert.are.equal(0, status, err)
    assert.is_truthy(out:find('rolled back', 1, true), out)
    assert.is_truthy(out:find('init', 1, true), out)
    assert.are.equal(1, (run({ 'check', file, '--db', ctx.url() })))
    status, out = run({ 'rollback', '--dir', migrations, '--db', ctx.url() })
    assert.are.equal(0, status)
    assert.is_truthy(out:find('nothing to roll back', 1, true), out)
    status, out = run({ 'status', '--dir', migrations, '--db', ctx.url() })
    assert.is_truthy(out:find('^pending '), out)
  end)

  it('migrate refuses an applied migration that was edited: exit 2', function()
    local db = ctx.connect()
    if type(db.generateMigration) ~= 'function' then error('migrations are not available', 0) end
    local migrations = dir .. '/migrations'
    assert.are.equal(0, (run({ 'migration:generate', models(), '--dir', migrations, '--name', 'init',
                               '--db', ctx.url() })))
    assert.are.equal(0, (run({ 'migrate', '--dir', migrations, '--db', ctx.url() })))
    local path = migrations .. '/' .. files_in(migrations)[1]
    local f = assert(io.open(path, 'a'))
    f:write('\n-- edited\n')
    f:close()
    local status, out, err = run({ 'migrate', '--dir', migrations, '--db', ctx.url() })
    assert.are.equal(2, status, out)
    assert.is_truthy(err:find('^modelsync migrate: E_MIGRATION_CHECKSUM'), err)
    status, out = run({ 'status', '--dir', migrations, '--db', ctx.url() })
    assert.are.equal(0, status)
    assert.is_truthy(out:find('^changed '), out)
  end)

  it('runtime errors exit 2 with the error code on stderr', function()
    local file = models()
    assert.are.equal(0, (run({ 'apply', file, '--db', ctx.url() })))
    local db = ctx.connect()
    db:query('INSERT INTO ' .. ctx.qt('Teams') .. ' ("name") VALUES (\'a\')')
    db:query('INSERT INTO ' .. ctx.qt('Users') .. ' ("email", "teamId") VALUES (\'a@x\', 1)')
    db:query('INSERT INTO ' .. ctx.qt('Users') .. ' ("email") VALUES (\'b@x\')')
    -- teamId NOT NULL: data-dependent, fails on the row with a NULL
    local strict = models(MODELS_V1:gsub("teamId = { type = T.INTEGER,", "teamId = { type = T.INTEGER, allowNull = false,"))
    local status, out, err = run({ 'plan', strict, '--db', ctx.url() })
    assert.are.equal(0, status, err)
    assert.is_truthy(out:find('[data-dependent]', 1, true), out)
    status, out, err = run({ 'apply', strict, '--db', ctx.url() })
    assert.are.equal(2, status, out)
    assert.is_truthy(err:find('^modelsync apply: E_'), err)
    assert.is_truthy(err:find('teamId', 1, true), err)
  end)
end)
