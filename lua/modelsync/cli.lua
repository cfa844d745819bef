-- modelsync.cli: the `modelsync` command (DESIGN §6), testable in-process.
--
--   local cli = require('modelsync.cli')
--   local status = cli.main({ 'plan', 'models.lua', '--db', 'sqlite:app.sqlite' },
--                           { stdout = out, stderr = err, env = { DATABASE_URL = ... } })
--
-- main(argv, io_streams) parses argv (an `arg`-style array) with lua-argparse,
-- runs one command and returns the exit status; it never calls os.exit, so
-- bin/modelsync is only `os.exit(cli.main(arg))`.  io_streams (every field
-- optional): stdout, stderr (anything with :write), env (a table read instead
-- of os.getenv; a false value means unset), color (true/false: skip the
-- terminal test).
--
-- Exit status: 0 done (check: in sync); 1 check found drift; 2 bad usage, a
-- database that cannot be reached, or any error (one message on stderr).
--
-- A models file is a Lua chunk called with the connection as `...`; it
-- defines models on it (the form modelsync.render writes).

-- argparse is not a rock dependency (see the rockspec): main() says so when missing.
local has_argparse, argparse = pcall(require, 'argparse')

local cli = {}

local EXIT_OK, EXIT_DRIFT, EXIT_ERROR = 0, 1, 2

-- Tables the diagram of a live database leaves out: modelsync's own bookkeeping.
local BOOKKEEPING_TABLES = { modelsync_migrations = true }

-- ----------------------------------------------------------------- failures

-- A failure of the command (not a bug): main prints the message and exits 2.
local failure_metatable = { __tostring = function(f) return f.message end }

local function fail(message)
  error(setmetatable({ message = message }, failure_metatable), 0)
end

-- The text of any error value: a modelsync error table ("E_CODE: message"),
-- a failure, or a string.
local function error_text(err)
  if getmetatable(err) == failure_metatable then return err.message end
  if type(err) == 'table' and type(err.code) == 'string' and err.message ~= nil then
    return string.format('%s: %s', err.code, tostring(err.message))
  end
  local ok, text = pcall(tostring, err)
  return ok and text or '(an error that cannot be printed)'
end

-- One line: newlines and runs of blanks become single spaces.
local function one_line(text)
  return (tostring(text):gsub('%s*\n%s*', ' '):gsub('%s+$', ''))
end

-- A connection URL with its password hidden, for messages.
local function redact(url)
  return (url:gsub('^(%a[%w+.-]*://[^:/@]*:)[^@]*@', '%1***@'))
end

-- ------------------------------------------------------------------ context

-- The per-call state: streams, environment, colour.
local function make_context(streams)
  streams = streams or {}
  local ctx = {
    stdout = streams.stdout or io.stdout,
    stderr = streams.stderr or io.stderr,
    env = streams.env,
    forced_color = streams.color,
  }
  function ctx.getenv(name)
    if ctx.env ~= nil then
      local v = ctx.env[name]
      if v == false then return nil end
      return v
    end
    return os.getenv(name)
  end
  function ctx.out(...)
    ctx.stdout:write(...)
  end
  return ctx
end

-- Colour on stdout: only when it is a terminal (tested once with `test -t 1`:
-- Lua has no isatty), TERM is set and not dumb, and NO_COLOR is unset or empty.
local function color_enabled(ctx)
  if ctx.color ~= nil then return ctx.color end
  local enabled
  if ctx.forced_color ~= nil then
    enabled = ctx.forced_color == true
  else
    local no_color = ctx.getenv('NO_COLOR')
    local term = ctx.getenv('TERM')
    enabled = (no_color == nil or no_color == '')
      and ctx.stdout == io.stdout
      and term ~= nil and term ~= '' and term ~= 'dumb'
      and os.execute('test -t 1') == true
  end
  ctx.color = enabled
  return enabled
end

local COLORS = { safe = '32', ['data-dependent'] = '33', destructive = '31', dim = '2', bold = '1' }

local function paint(ctx, color, text)
  if not color_enabled(ctx) or not COLORS[color] then return text end
  return '\27[' .. COLORS[color] .. 'm' .. text .. '\27[0m'
end

-- ------------------------------------------------------------ the database

local function modelsync_module()
  return require('modelsync')
end

-- Connects to --db or DATABASE_URL; exit 2 with one line when it cannot.
-- existing: the command only reads, so an SQLite file that does not exist is
-- a mistake (SQLite would create an empty one).
local function connect(ctx, args, existing)
  local url = args.db
  if url == nil or url == '' then url = ctx.getenv('DATABASE_URL') end
  if url == nil or url == '' then
    fail('no database: give --db URL or set DATABASE_URL (sqlite:path/file.sqlite, sqlite::memory:, postgres://...)')
  end
  if existing then
    local parsed, o = pcall(modelsync_module().parseUrl, url)
    if parsed and o.dialect == 'sqlite' and o.storage ~= ':memory:' and not o.storage:find('^file:') then
      local f = io.open(o.storage, 'rb')
      if not f then fail(string.format('cannot connect to %s: no such SQLite database file', redact(url))) end
      f:close()
    end
  end
  local ok, db = pcall(modelsync_module().connect, url)
  if not ok then
    fail(string.format('cannot connect to %s: %s', redact(url), one_line(error_text(db))))
  end
  ctx.db = db
  return db
end

-- Runs the models file `path` with the connection as `...`.
local function load_models(db, path)
  local chunk, message = loadfile(path, 't')
  if not chunk then
    fail(string.format('cannot load the models file: %s', one_line(message)))
  end
  local ok, err = pcall(chunk, db)
  if not ok then
    fail(string.format('the models file %s failed: %s', path, error_text(err)))
  end
  if next(db.models) == nil then
    fail(string.format('the models file %s defines no model (it receives the connection as `...`: '
      .. 'local db = ...; db:define(...))', path))
  end
end

-- The sync/plan options of --drop.
local function alter_options(args)
  if args.drop then return { alter = { drop = true } } end
  return { alter = true }
end

-- -------------------------------------------------------------- plan output

local function step_target(step, default_schema)
  local name = step.table or '?'
  if step.schema and step.schema ~= '' and step.schema ~= default_schema then
    name = step.schema .. '.' .. name
  end
  if step.column then name = name .. '.' .. step.column end
  return name
end

-- Writes a plan as SQL: each step opens with a comment naming its risk;
-- skipped steps are commented out with their reason.
local function write_plan(ctx, plan)
  local default_schema = ctx.db and ctx.db._defaultSchema
  for i, step in ipairs(plan.steps) do
    if i > 1 then ctx.out('\n') end
    local header = string.format('-- [%s] %s %s', step.risk, step.op, step_target(step, default_schema))
    if step.skipped then
      header = header .. ' (skipped: ' .. one_line(step.reason or 'not applied') .. ')'
    end
    ctx.out(paint(ctx, step.risk, header), '\n')
    for _, statement in ipairs(step.statements or { step.sql }) do
      local text = statement
      if not text:match('^%s*%-%-') then text = text .. ';' end
      if step.skipped then
        text = '-- ' .. text:gsub('\n', '\n-- ')
        text = paint(ctx, 'dim', text)
      end
      ctx.out(text, '\n')
    end
  end
end

-- "3 steps: 2 safe, 1 destructive; 1 skipped"
local function plan_summary(plan)
  local counts, skipped = {}, 0
  for _, step in ipairs(plan.steps) do
    counts[step.risk] = (counts[step.risk] or 0) + 1
    if step.skipped then skipped = skipped + 1 end
  end
  local parts = {}
  for _, risk in ipairs({ 'safe', 'data-dependent', 'destructive' }) do
    if counts[risk] then parts[#parts + 1] = counts[risk] .. ' ' .. risk end
  end
  local text = string.format('%d step%s: %s', #plan.steps, #plan.steps == 1 and '' or 's',
    table.concat(parts, ', '))
  if skipped > 0 then text = text .. string.format('; %d skipped', skipped) end
  return text, skipped
end

-- ----------------------------------------------------------------- commands

local commands = {}

function commands.plan(ctx, args)
  local db = connect(ctx, args)
  load_models(db, args.models)
  local plan = db:plan(alter_options(args))
  if plan:isEmpty() then
    ctx.out('-- nothing to do: the database matches the models\n')
    return EXIT_OK
  end
  write_plan(ctx, plan)
  local summary, skipped = plan_summary(plan)
  ctx.out('\n-- ', summary)
  if skipped > 0 and not args.drop then ctx.out(' (--drop applies them)') end
  ctx.out('\n')
  return EXIT_OK
end

function commands.apply(ctx, args)
  local db = connect(ctx, args)
  load_models(db, args.models)
  local plan = db:plan(alter_options(args))
  if plan:isEmpty() then
    ctx.out('-- nothing to do: the database matches the models\n')
    return EXIT_OK
  end
  write_plan(ctx, plan)
  -- What was printed is what runs: the core refuses (E_STALE_PLAN) if the
  -- database changed in between.
  local ran = plan:apply()
  local applied, skipped = #ran:applied(), #ran:skipped()
  ctx.out(string.format('\n-- applied %d step%s', applied, applied == 1 and '' or 's'))
  if skipped > 0 then
    ctx.out(string.format('; %d skipped%s', skipped, args.drop and '' or ' (--drop applies them)'))
  end
  ctx.out('\n')
  return EXIT_OK
end

function commands.check(ctx, args)
  local db = connect(ctx, args)
  load_models(db, args.models)
  local plan = db:plan{ alter = true }
  if plan:isEmpty() then
    ctx.out('-- in sync: the database matches the models\n')
    return EXIT_OK
  end
  write_plan(ctx, plan)
  ctx.out('\n-- drift: ', plan_summary(plan), '\n')
  return EXIT_DRIFT
end

function commands.discover(ctx, args)
  local db = connect(ctx, args, true)
  local modelsync = modelsync_module()
  if type(db.discoverSchemas) ~= 'function' or type(modelsync.render) ~= 'function' then
    fail('discovery is not available in this modelsync (db:discoverSchemas, modelsync.render)')
  end
  local tables = args.tables or {}
  -- One introspection for every table asked (nil: all of them).
  local defs, others = db:discoverSchemas(#tables > 0 and tables or nil, { relations = args.relations == true })
  if #tables == 0 then
    for name, def in pairs(defs) do
      local options = def.options or {}
      if BOOKKEEPING_TABLES[options.tableName or def.name or name] then defs[name] = nil end
    end
  end
  if next(defs) == nil then fail('the database has no table to discover') end
  for _, note in ipairs(others or {}) do
    ctx.stderr:write('modelsync discover: note: ', one_line(note), '\n')
  end
  local source = modelsync.render(defs)
  ctx.out(source)
  if source:sub(-1) ~= '\n' then ctx.out('\n') end
  return EXIT_OK
end

-- ---------------------------------------------------------------- diagrams

-- A diagram: { tables = { { key, name, columns = { { name, type, pk, fk,
-- unique, notnull } } } }, links = { { from, to, columns, refColumns,
-- nullable, unique } } }.  key is "schema.table" (schema may be empty).

-- A model's type as the canonical text introspection gives (docs/internals.md),
-- so that a diagram of the models and one of the live database agree.
local CANONICAL = { STRING = 'VARCHAR', DATE = 'TIMESTAMPTZ', DATEONLY = 'DATE' }

local function type_label(spec)
  local key = spec.key
  if key == 'SQL' then return spec.sql end
  local name = CANONICAL[key] or key
  if (key == 'STRING' or key == 'CHAR') and spec.length then
    return string.format('%s(%d)', name, spec.length)
  end
  if key == 'DECIMAL' and spec.precision then
    return string.format('DECIMAL(%d,%d)', spec.precision, spec.scale or 0)
  end
  if key == 'FLOAT' and spec.precision then return string.format('FLOAT(%d)', spec.precision) end
  return name
end

-- Builds the diagram from tables in the desired-schema shape (models) or
-- the live shape (introspection): the same fields, types as specs or text.
local function diagram_from_tables(tables, default_schema)
  local diagram = { tables = {}, links = {} }
  local function key_of(schema, name)
    if schema == nil or schema == default_schema then schema = '' end
    return schema .. '.' .. name
  end
  local function label_of(schema, name)
    if schema == nil or schema == '' or schema == default_schema then return name end
    return schema .. '.' .. name
  end
  for _, t in ipairs(tables) do
    local unique_single, fk_columns = {}, {}
    for _, index in ipairs(t.indexes or {}) do
      if index.unique and #index.fields == 1 and not index.where then
        unique_single[index.fields[1].name] = true
      end
    end
    for _, fk in ipairs(t.foreignKeys or {}) do
      for _, c in ipairs(fk.columns) do fk_columns[c] = true end
    end
    local entry = { key = key_of(t.schema, t.name), name = label_of(t.schema, t.name), columns = {} }
    local by_name = {}
    for _, c in ipairs(t.columns) do
      local column = {
        name = c.name,
        type = type(c.type) == 'table' and type_label(c.type) or tostring(c.type),
        pk = c.primaryKey ~= nil and c.primaryKey ~= false,
        fk = fk_columns[c.name] == true,
        unique = unique_single[c.name] == true,
        notnull = c.allowNull == false,
      }
      entry.columns[#entry.columns + 1] = column
      by_name[c.name] = column
    end
    diagram.tables[#diagram.tables + 1] = entry
    for _, fk in ipairs(t.foreignKeys or {}) do
      local nullable, unique = false, #fk.columns == 1 and unique_single[fk.columns[1]] == true
      for _, c in ipairs(fk.columns) do
        if by_name[c] and not by_name[c].notnull then nullable = true end
      end
      diagram.links[#diagram.links + 1] = {
        from = entry.key, fromName = entry.name,
        to = key_of(fk.refSchema or t.schema, fk.refTable), toName = label_of(fk.refSchema or t.schema, fk.refTable),
        columns = fk.columns, refColumns = fk.refColumns or {}, nullable = nullable, unique = unique,
      }
    end
  end
  return diagram
end

-- Mermaid names: letters, digits, '_' and '-' (types may also hold '(', ')', '[', ']').
local function mermaid_name(name)
  local s = tostring(name):gsub('[^%w_%-]', '_')
  if not s:match('^[%a_]') then s = '_' .. s end
  return s
end

local function mermaid_type(text)
  local s = tostring(text):gsub('%s+', '_'):gsub(',', '_'):gsub('[^%w_%-%(%)%[%]]', '')
  if s == '' or not s:match('^%a') then s = 'T' .. s end
  return s
end

local function render_mermaid(diagram)
  local lines = { 'erDiagram' }
  for _, t in ipairs(diagram.tables) do
    lines[#lines + 1] = '    ' .. mermaid_name(t.name) .. ' {'
    for _, c in ipairs(t.columns) do
      local keys = {}
      if c.pk then keys[#keys + 1] = 'PK' end
      if c.fk then keys[#keys + 1] = 'FK' end
      if c.unique and not c.pk then keys[#keys + 1] = 'UK' end
      local line = '        ' .. mermaid_type(c.type) .. ' ' .. mermaid_name(c.name)
      if #keys > 0 then line = line .. ' ' .. table.concat(keys, ', ') end
      if c.notnull and not c.pk then line = line .. ' "not null"' end
      lines[#lines + 1] = line
    end
    lines[#lines + 1] = '    }'
  end
  for _, link in ipairs(diagram.links) do
    -- parent (referenced) side: exactly one, or zero-or-one when the key is nullable;
    -- child side: zero or more, or zero-or-one when the key is unique.
    local parent = link.nullable and '|o' or '||'
    local child = link.unique and 'o|' or 'o{'
    lines[#lines + 1] = string.format('    %s %s--%s %s : "%s"', mermaid_name(link.toName), parent, child,
      mermaid_name(link.fromName), table.concat(link.columns, ', '):gsub('"', "'"))
  end
  return table.concat(lines, '\n') .. '\n'
end

local function dot_id(text)
  return '"' .. tostring(text):gsub('\\', '\\\\'):gsub('"', '\\"') .. '"'
end

local function html(text)
  return (tostring(text):gsub('&', '&amp;'):gsub('<', '&lt;'):gsub('>', '&gt;'):gsub('"', '&quot;'))
end

local function render_dot(diagram)
  local lines = {
    'digraph modelsync {',
    '  graph [rankdir=LR];',
    '  node [shape=plaintext, fontname="Helvetica"];',
    '  edge [arrowhead=normal, arrowtail=crow, dir=both, fontname="Helvetica", fontsize=10];',
  }
  local ports = {}
  for _, t in ipairs(diagram.tables) do
    local rows = { '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">',
                   '<TR><TD BGCOLOR="lightgrey"><B>' .. html(t.name) .. '</B></TD></TR>' }
    ports[t.key] = {}
    for i, c in ipairs(t.columns) do
      ports[t.key][c.name] = 'c' .. i
      local keys = {}
      if c.pk then keys[#keys + 1] = 'PK' end
      if c.fk then keys[#keys + 1] = 'FK' end
      if c.unique and not c.pk then keys[#keys + 1] = 'UK' end
      local text = html(c.name) .. ' : ' .. html(c.type)
      if c.notnull and not c.pk then text = text .. ' NOT NULL' end
      if #keys > 0 then text = text .. ' (' .. table.concat(keys, ', ') .. ')' end
      rows[#rows + 1] = string.format('<TR><TD PORT="c%d" ALIGN="LEFT">%s</TD></TR>', i, text)
    end
    rows[#rows + 1] = '</TABLE>'
    lines[#lines + 1] = string.format('  %s [label=<%s>];', dot_id(t.name), table.concat(rows))
  end
  for _, link in ipairs(diagram.links) do
    local from_port = ports[link.from] and ports[link.from][link.columns[1]]
    local to_port = ports[link.to] and ports[link.to][link.refColumns[1] or '']
    local from = dot_id(link.fromName) .. (from_port and (':' .. from_port) or '')
    local to = dot_id(link.toName) .. (to_port and (':' .. to_port) or '')
    if not ports[link.to] then
      -- a referenced table outside the diagram: a plain box with its name
      lines[#lines + 1] = string.format('  %s [shape=box];', dot_id(link.toName))
      ports[link.to] = {}
    end
    lines[#lines + 1] = string.format('  %s -> %s [label=%s%s];', from, to,
      dot_id(table.concat(link.columns, ', ')), link.nullable and ', style=dashed' or '')
  end
  lines[#lines + 1] = '}'
  return table.concat(lines, '\n') .. '\n'
end

function commands.erd(ctx, args)
  local tables, default_schema
  if args.models then
    -- define() touches no database: without --db / DATABASE_URL the models
    -- are read on a scratch SQLite connection.
    local db
    local url = args.db or ctx.getenv('DATABASE_URL')
    if url == nil or url == '' then
      db = modelsync_module().connect('sqlite::memory:')
      ctx.db = db
    else
      db = connect(ctx, args)
    end
    load_models(db, args.models)
    local sync = require('modelsync.sync')
    default_schema = db._defaultSchema
    tables = sync.desired(db, sync.models(db)).tables
  else
    local db = connect(ctx, args, true)
    default_schema = db._defaultSchema
    tables = {}
    local schemas = default_schema and { default_schema } or nil
    for _, t in ipairs(db:getCore():introspect(schemas).tables) do
      if not BOOKKEEPING_TABLES[t.name] then tables[#tables + 1] = t end
    end
    if #tables == 0 then fail('the database has no table to draw') end
  end
  local diagram = diagram_from_tables(tables, default_schema)
  if args.format == 'dot' then
    ctx.out(render_dot(diagram))
  else
    ctx.out(render_mermaid(diagram))
  end
  return EXIT_OK
end

-- --------------------------------------------------------------- migrations

local function require_method(db, name)
  if type(db[name]) ~= 'function' then
    fail(string.format('migrations are not available in this modelsync (db:%s)', name))
  end
end

-- A short text for what migrate/rollback return (a list of names or records).
local function names_of(result)
  local names = {}
  if type(result) == 'table' then
    local list = result.applied or result.rolledBack or result
    for _, item in ipairs(list) do
      if type(item) == 'table' then
        names[#names + 1] = tostring(item.name or item.file or item.path or item.version or '?')
      else
        names[#names + 1] = tostring(item)
      end
    end
  end
  return names
end

commands['migration:generate'] = function(ctx, args)
  local db = connect(ctx, args)
  require_method(db, 'generateMigration')
  load_models(db, args.models)
  local path, message = db:generateMigration{ dir = args.dir, name = args.name, drop = args.drop == true }
  if path == nil or path == false then
    ctx.out('-- ', one_line(message or 'nothing to migrate: the database matches the models (no file written)'), '\n')
  else
    ctx.out(tostring(path), '\n')
  end
  return EXIT_OK
end

function commands.migrate(ctx, args)
  local db = connect(ctx, args)
  require_method(db, 'migrate')
  local names = names_of(db:migrate{ dir = args.dir })
  if #names == 0 then
    ctx.out('-- nothing to migrate: every migration is applied\n')
  else
    for _, name in ipairs(names) do ctx.out('applied ', name, '\n') end
  end
  return EXIT_OK
end

function commands.rollback(ctx, args)
  local db = connect(ctx, args, true)
  require_method(db, 'rollback')
  local names = names_of(db:rollback{ dir = args.dir, steps = args.steps or 1 })
  if #names == 0 then
    ctx.out('-- nothing to roll back\n')
  else
    for _, name in ipairs(names) do ctx.out('rolled back ', name, '\n') end
  end
  return EXIT_OK
end

function commands.status(ctx, args)
  local db = connect(ctx, args, true)
  require_method(db, 'migrationStatus')
  local status = db:migrationStatus{ dir = args.dir }
  local list = status
  if type(status) == 'table' and status.migrations then list = status.migrations end
  if type(list) ~= 'table' or #list == 0 then
    ctx.out('-- no migration in ', args.dir, '\n')
    return EXIT_OK
  end
  for _, m in ipairs(list) do
    local state = m.state or m.status
    if state == nil then state = m.applied and 'applied' or 'pending' end
    local line = string.format('%-8s %s', tostring(state), tostring(m.name or m.file or '?'))
    if m.appliedAt or m.applied_at then line = line .. '  (' .. tostring(m.appliedAt or m.applied_at) .. ')' end
    ctx.out(line, '\n')
  end
  return EXIT_OK
end

-- ------------------------------------------------------------------ parser

local function positive_integer(text)
  local n = math.tointeger(tonumber(text))
  if n == nil or n < 1 then return nil, string.format("expected a positive integer, got '%s'", text) end
  return n
end

local DB_HELP = 'Database URL: sqlite:path/file.sqlite, sqlite::memory:, postgres://user:pw@host:port/db[?schema=s] '
  .. '(default: $DATABASE_URL).'

-- Builds the parser.  state.stop is set by --help / --version / help, which
-- raise to end the parse at once (argparse would call os.exit).
local function build_parser(state)
  local STOP = 'modelsync-cli-stop'
  local function help_flag(p)
    p:add_help(false)
    p:flag('-h --help', 'Show this help message and exit.')
      :action(function()
        state.stop = { text = p:get_help() }
        error(STOP, 0)
      end)
  end

  local parser = argparse('modelsync')
    :description('Keep a database in step with models declared in Lua (SQLite, PostgreSQL).')
    :epilog('The database comes from --db URL or DATABASE_URL. A models file is a Lua chunk '
      .. 'that receives the connection as `...` and defines models:\n\n'
      .. '    local db = ...\n'
      .. '    local T = require(\'modelsync\').DataTypes\n'
      .. '    db:define(\'User\', { email = { type = T.STRING, allowNull = false } })\n\n'
      .. 'Exit status: 0 done, 1 drift (check), 2 bad usage or an error.\n'
      .. 'Colour only on a terminal; NO_COLOR turns it off. `modelsync COMMAND --help` for each command.')
  parser:command_target('command')
  parser:require_command(true)
  parser:help_max_width(80)
  help_flag(parser)
  parser:flag('--version', 'Show the version and exit.')
    :action(function()
      state.stop = { text = modelsync_module()._VERSION }
      error(STOP, 0)
    end)
  -- `modelsync --db URL COMMAND ...` as well as `modelsync COMMAND ... --db URL`
  -- (its own target: the command's unset --db would overwrite it).
  parser:option('--db', DB_HELP):argname('URL'):target('rootDb')
  state.parser = parser
  state.commands = {}

  local function command(name, summary, description)
    local c = parser:command(name)
    c:summary(summary)
    c:help_max_width(80)
    c:description(description and (summary .. '\n\n' .. description) or summary)
    help_flag(c)
    c:option('--db', DB_HELP):argname('URL')
    state.commands[name] = c
    return c
  end

  local c = command('plan', 'Print the plan as SQL, each step with its risk.',
    'Nothing is changed. Steps `alter` would skip (destructive ones, and removals of what no model '
      .. 'declares) are printed commented out with their reason; --drop includes them.')
  c:argument('MODELS.lua', 'The models file.'):target('models')
  c:flag('--drop', 'Plan as alter = { drop = true }: also drop columns, indexes and constraints gone from the models.')

  c = command('apply', 'Apply the plan (sync with alter semantics).',
    'Prints the plan, then applies it in one locked transaction. Destructive steps are skipped '
      .. 'unless --drop is given.')
  c:argument('MODELS.lua', 'The models file.'):target('models')
  c:flag('--drop', 'Apply as alter = { drop = true }: also drop what the models no longer have.')

  c = command('check', 'Exit 0 when the database matches the models, 1 on drift (the plan is printed).')
  c:argument('MODELS.lua', 'The models file.'):target('models')

  c = command('discover', 'Print the Lua source of models for the live tables.',
    'With no TABLE, every table of the database (or of the URL\'s schema). The output is a models file: '
      .. '`modelsync discover > models.lua` then `modelsync check models.lua` exits 0.')
  c:argument('TABLE', 'Tables to discover (default: all).'):args('*'):target('tables')
  c:flag('--relations', 'Also discover the tables the given tables reference.')

  c = command('erd', 'Print a diagram of tables and foreign keys (Mermaid erDiagram or Graphviz DOT).',
    'From the models file when one is given (no database needed), else from the live database.')
  c:argument('MODELS.lua', 'The models file (default: the live database).'):args('?'):target('models')
  c:option('--format', 'Diagram format.'):choices({ 'mermaid', 'dot' }):default('mermaid')
    :argname('mermaid|dot')

  c = command('migration:generate', 'Write the current plan as a new versioned migration file.',
    'The file is DIR/<UTC timestamp>_NAME.lua; nothing is applied.')
  c:argument('MODELS.lua', 'The models file.'):target('models')
  c:option('--dir', 'Migrations folder.'):argname('DIR'):count(1)
  c:option('--name', 'Migration name.'):argname('NAME'):count(1)
  c:flag('--drop', 'Plan as alter = { drop = true }: the migration also drops what the models no longer have.')

  c = command('migrate', 'Apply the pending migrations of DIR, in order.')
  c:option('--dir', 'Migrations folder.'):argname('DIR'):count(1)

  c = command('rollback', 'Undo the latest applied migrations.')
  c:option('--dir', 'Migrations folder.'):argname('DIR'):count(1)
  c:option('--steps', 'How many migrations to undo (default 1).'):argname('N'):convert(positive_integer)

  c = command('status', 'List the migrations of DIR: applied or pending.')
  c:option('--dir', 'Migrations folder.'):argname('DIR'):count(1)

  c = command('help', 'Show the help of modelsync or of one command.')
  c:argument('COMMAND', 'A command.'):args('?'):target('topic')

  return parser
end

-- The command argv names, for messages about a bad usage.
local function command_in(argv, state)
  for _, a in ipairs(argv) do
    if state.commands[a] then return a end
  end
  return nil
end

-- ------------------------------------------------------------------- main

function cli.main(argv, streams)
  argv = argv or {}
  local plain = {}
  for i = 1, #argv do plain[i] = tostring(argv[i]) end
  local ctx = make_context(streams)
  local state = {}
  if not has_argparse then
    ctx.stderr:write('modelsync: the command line needs argparse (apt-get install lua-argparse, or luarocks install argparse)\n')
    return EXIT_ERROR
  end

  local parser = build_parser(state)
  local ok, parsed, message = pcall(parser.pparse, parser, plain)
  if state.stop then
    ctx.out(state.stop.text, '\n')
    return EXIT_OK
  end
  if not ok then
    ctx.stderr:write('modelsync: internal error while parsing arguments: ', one_line(error_text(parsed)), '\n')
    return EXIT_ERROR
  end
  local args = message
  if parsed and args.db == nil then args.db = args.rootDb end
  if not parsed then
    local name = command_in(plain, state)
    ctx.stderr:write(string.format("modelsync%s: %s (see 'modelsync %s--help')\n",
      name and (' ' .. name) or '', one_line(message):gsub(' Did you mean', '; did you mean'), name and (name .. ' ') or ''))
    return EXIT_ERROR
  end

  if args.command == 'help' then
    local topic = args.topic
    if topic == nil then
      ctx.out(parser:get_help(), '\n')
      return EXIT_OK
    end
    if not state.commands[topic] then
      ctx.stderr:write(string.format("modelsync help: unknown command '%s' (see 'modelsync --help')\n", topic))
      return EXIT_ERROR
    end
    ctx.out(state.commands[topic]:get_help(), '\n')
    return EXIT_OK
  end

  local run = commands[args.command]
  local done, status = xpcall(run, function(err)
    if getmetatable(err) == failure_metatable or type(err) == 'table' then return err end
    return debug.traceback(tostring(err), 2)
  end, ctx, args)
  if ctx.db then pcall(ctx.db.close, ctx.db) end
  if not done then
    ctx.stderr:write(string.format('modelsync %s: %s\n', args.command, error_text(status)))
    return EXIT_ERROR
  end
  return status
end

-- Exposed for tests and tools.
cli.render_mermaid = render_mermaid
cli.render_dot = render_dot
cli.diagram_from_tables = diagram_from_tables

return cli
