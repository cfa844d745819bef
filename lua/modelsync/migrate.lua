-- modelsync.migrate: from sync to migrations (DESIGN §6).
--
--   db:generateMigration{ dir =, name =, drop = false, models = nil, logging = }
--       -> path | nil, message
--   db:migrate{ dir =, logging = }                -> names applied (a list)
--   db:rollback{ dir =, steps = 1, logging = }    -> names rolled back (a list)
--   db:migrationStatus{ dir = }                   -> { { name =, state =, checksum =, appliedAt = } }
--
-- A migration is a Lua file `<UTC YYYYMMDDHHMMSS>_<name>.lua` returning
-- `{ up = ..., down = ... }`; each side is a list whose entries are SQL
-- statements (strings), checks (`{ check = 'SELECT count(*) ...', table =,
-- column =, problem = }`: a query that must count no rows, or the migration
-- fails with E_DATA) or functions of db; a side may also be one function of db.
--
-- generateMigration writes the plan of db:plan{ alter = { drop = drop } } as
-- `up`; `down` is the plan the C core makes back to the database as it is now
-- (core conn:planMigration: up is tried in a transaction that is always
-- rolled back, down is made against the schema up leaves, tried and checked).
-- The Lua layer builds no DDL: every statement of a file comes from the core.
--
-- migrate applies the pending files in name order, each in its own
-- transaction under the lock of a sync (core conn:withSyncLock), and records
-- it in the table `modelsync_migrations` (name, checksum, applied_at) in that
-- same transaction; the table is re-read inside the lock, so processes
-- migrating at once apply each file exactly once.  The table itself is made
-- by a sync of its definition (below).
--
-- Error codes of this module: E_MIGRATION_CHECKSUM (an applied file was
-- edited since), E_MIGRATION_MISSING (rollback of a file that is gone),
-- E_MIGRATION (a file that does not load or has the wrong shape); a failing
-- statement keeps its code (E_SQL, E_DATA) with the file named in the message.

local errors = require('modelsync.errors')
local options = require('modelsync.options')
local sync = require('modelsync.sync')
local query = require('modelsync.query')

local migrate = {}

migrate.TABLE = 'modelsync_migrations'

local FILE_PATTERN = '^(%d%d%d%d%d%d%d%d%d%d%d%d%d%d)_(.+)%.lua$'

-- ---------------------------------------------------------------- helpers

-- FNV-1a, 32 bits, of a string: 8 lower-case hex digits (deterministic,
-- enough to notice an edited file; not a security measure).
function migrate.checksum(text)
  local hash = 0x811c9dc5
  for i = 1, #text do
    hash = ((hash ~ text:byte(i)) * 0x01000193) & 0xffffffff
  end
  return string.format('%08x', hash)
end

local function shell_quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local has_lfs, lfs = pcall(require, 'lfs')
if not has_lfs then lfs = nil end

-- Whether path is a directory.
local function is_directory(path)
  if lfs then return lfs.attributes(path, 'mode') == 'directory' end
  local ok = os.execute('test -d ' .. shell_quote(path))
  return ok == true or ok == 0
end

-- Creates a directory and its parents.
local function make_directory(path)
  if is_directory(path) then return end
  if lfs then
    local so_far = path:sub(1, 1) == '/' and '/' or ''
    for part in path:gmatch('[^/]+') do
      so_far = so_far .. part
      if not is_directory(so_far) then lfs.mkdir(so_far) end
      so_far = so_far .. '/'
    end
  else
    os.execute('mkdir -p ' .. shell_quote(path))
  end
  if not is_directory(path) then
    errors.raise('E_OPTION', string.format("cannot create the migrations directory '%s'", path),
      { option = 'dir' })
  end
end

-- The migration files of dir, sorted by name: { { name =, path =, stamp = } }.
local function migration_files(dir)
  local names = {}
  if lfs then
    for entry in lfs.dir(dir) do names[#names + 1] = entry end
  else
    local pipe = io.popen('ls -1A ' .. shell_quote(dir) .. ' 2>/dev/null')
    for line in pipe:lines() do names[#names + 1] = line end
    pipe:close()
  end
  local files = {}
  for _, entry in ipairs(names) do
    local stamp = entry:match(FILE_PATTERN)
    if stamp then files[#files + 1] = { name = entry, path = dir .. '/' .. entry, stamp = stamp } end
  end
  table.sort(files, function(a, b) return a.name < b.name end)
  return files
end

local function read_file(path)
  local f = io.open(path, 'rb')
  if not f then return nil end
  local text = f:read('a')
  f:close()
  return text
end

-- A Lua string literal for s: a long bracket when it reads well, else %q.
local function lua_string(s)
  if s:find('[\r\0-\8\11-\31\127]') then
    return string.format('%q', s)
  end
  local level = 0
  while (s .. ']'):find(']' .. string.rep('=', level) .. ']', 1, true) do level = level + 1 end
  local eq = string.rep('=', level)
  return '[' .. eq .. '[' .. (s:sub(1, 1) == '\n' and '\n' or '') .. s .. ']' .. eq .. ']'
end

-- Text safe inside a `--` comment line (names may hold anything).
local function comment_text(s)
  return (tostring(s):gsub('[%c]', ' '))
end

-- "table"."column" as a comment shows it.
local function subject(step)
  local name = '"' .. comment_text(step.table or '?') .. '"'
  if step.column then name = name .. '."' .. comment_text(step.column) .. '"' end
  return name
end

-- Options and the directory option of every entry point.
local function check_dir(o, where)
  options.expect(o.dir, 'non-empty string', 'dir', where, nil, true)
  return (o.dir:gsub('/+$', ''))
end

local function check_connection(db, what)
  db:_check()
  if db._transactionDepth > 0 then
    errors.raise('E_TRANSACTION', what .. ' cannot run inside db:transaction(): it runs its own transactions')
  end
end

-- ------------------------------------------------------- the migrations table

-- The definition of modelsync_migrations, in the desired-schema shape.
local function migrations_table(db)
  return { tables = { {
    name = migrate.TABLE,
    columns = {
      { name = 'id', type = { key = 'INTEGER' }, allowNull = false, primaryKey = 1, autoIncrement = true },
      { name = 'name', type = { key = 'STRING', length = 255 }, allowNull = false },
      { name = 'checksum', type = { key = 'STRING', length = 64 }, allowNull = false },
      { name = 'applied_at', type = { key = 'DATE' }, allowNull = false, default = { kind = 'now' } },
    },
    indexes = { { unique = true, fields = { { name = 'name' } } } },
    foreignKeys = {},
  } } }
end

-- The qualified, quoted name of the migrations table.
local function migrations_name(db)
  local q = query.quoteIdentifier
  if db._defaultSchema then return q(db._defaultSchema) .. '.' .. q(migrate.TABLE) end
  return q(migrate.TABLE)
end

-- Creates the migrations table when missing (a sync: locked, idempotent).
local function ensure_table(db, conn)
  conn:sync(migrations_table(db), {})
end

-- Whether the migrations table exists (a read: nothing is created).
local function table_exists(db, conn)
  local live = conn:introspect(db._defaultSchema and { db._defaultSchema } or nil)
  for _, t in ipairs(live.tables) do
    if t.name == migrate.TABLE then return true end
  end
  return false
end

-- The recorded migrations, oldest first: { { id, name, checksum, applied_at } }.
local function applied_rows(db, conn)
  local rows = conn:query('SELECT "id", "name", "checksum", "applied_at" FROM ' .. migrations_name(db)
    .. ' ORDER BY "id"')
  for _, r in ipairs(rows) do r.applied_at = r.applied_at and tostring(r.applied_at) end
  return rows
end

local function recorded(db, conn, name)
  return conn:query('SELECT "checksum" FROM ' .. migrations_name(db) .. ' WHERE "name" = $1', { name })[1]
end

-- ----------------------------------------------------------------- running

local function checksum_error(file, recorded_sum, sum)
  errors.raise('E_MIGRATION_CHECKSUM', string.format(
    "migration '%s' was edited after it was applied (checksum %s, recorded %s): restore the applied "
      .. "version, and put new changes in a new migration", file.name, sum, recorded_sum),
    { migration = file.name, file = file.path })
end

-- Loads a migration file: its text, checksum and returned table.
local function load_migration(file)
  local text = read_file(file.path)
  if text == nil then
    errors.raise('E_MIGRATION_MISSING', string.format("migration file '%s' cannot be read", file.path),
      { migration = file.name, file = file.path })
  end
  local env = setmetatable({}, { __index = _G })
  local chunk, message = load(text, '@' .. file.path, 't', env)
  local ok, value = false, message
  if chunk then ok, value = pcall(chunk) end
  if not ok then
    errors.raise('E_MIGRATION', string.format("migration '%s' does not load: %s", file.name, tostring(value)),
      { migration = file.name, file = file.path })
  end
  if type(value) ~= 'table' then
    errors.raise('E_MIGRATION', string.format("migration '%s' must return { up = ..., down = ... }, got %s",
      file.name, type(value)), { migration = file.name, file = file.path })
  end
  for _, side in ipairs({ 'up', 'down' }) do
    local v = value[side]
    if v ~= nil and type(v) ~= 'table' and type(v) ~= 'function' then
      errors.raise('E_MIGRATION', string.format("migration '%s': '%s' must be a list or a function, got %s",
        file.name, side, type(v)), { migration = file.name, file = file.path })
    end
  end
  return { file = file, text = text, checksum = migrate.checksum(text), up = value.up, down = value.down }
end

-- Runs one entry of a migration side on conn (inside the sync lock).
local function run_entry(db, conn, entry, label)
  local kind = type(entry)
  if kind == 'string' then
    conn:exec(entry)
  elseif kind == 'function' then
    entry(db)
  elseif kind == 'table' and type(entry.check) == 'string' then
    local rows, columns = conn:query(entry.check)
    local count = rows[1] and columns[1] and tonumber(rows[1][columns[1]]) or 0
    if count ~= 0 then
      local where = entry.column and string.format('"%s" of table "%s"', entry.column, tostring(entry.table))
        or string.format('table "%s"', tostring(entry.table))
      errors.raise('E_DATA', string.format('%d row(s) of %s %s', count, where, entry.problem or 'fail a check'),
        { table = entry.table, column = entry.column, sql = entry.check, rows = count })
    end
  else
    errors.raise('E_MIGRATION', string.format('%s: an entry must be SQL text, a { check = ... } table or a function, got %s',
      label, kind))
  end
end

-- Runs a side (list or function) of a loaded migration.
local function run_side(db, conn, m, side)
  local body = m[side]
  if body == nil then
    errors.raise('E_MIGRATION', string.format("migration '%s' has no '%s'", m.file.name, side),
      { migration = m.file.name, file = m.file.path })
  end
  if type(body) == 'function' then return body(db) end
  for i, entry in ipairs(body) do run_entry(db, conn, entry, string.format("%s[%d]", side, i)) end
end

-- Re-raises err with the migration named (the code and fields are kept).
local function blame(err, m, side)
  if type(err) == 'table' and err.code then
    if not err.migration then
      err.migration = m.file.name
      err.message = string.format("migration '%s' (%s) failed, nothing of it was applied: %s",
        m.file.name, side, tostring(err.message))
    end
    error(err, 0)
  end
  errors.raise('E_MIGRATION', string.format("migration '%s' (%s) failed, nothing of it was applied: %s",
    m.file.name, side, tostring(err)), { migration = m.file.name, file = m.file.path, cause = err })
end

-- ------------------------------------------------------------ generating

-- The lines of one plan side of a migration file.
local function render_side(out, steps, notes)
  for i, step in ipairs(steps) do
    local head = string.format('    -- [%d] %s %s', i, comment_text(step.op), subject(step))
    if step.skipped then
      out[#out + 1] = string.format('%s: SKIPPED (%s): %s', head, step.risk, comment_text(step.reason or 'not applied'))
      for _, sql in ipairs(step.sql) do
        for line in (sql .. '\n'):gmatch('([^\n]*)\n') do out[#out + 1] = '    --   ' .. line end
      end
    else
      local risk = step.risk
      if risk == 'destructive' then risk = 'DESTRUCTIVE: loses data' end
      out[#out + 1] = string.format('%s (%s%s)', head, risk,
        step.reason and (': ' .. comment_text(step.reason)) or '')
      for _, note in ipairs(notes and notes[i] or {}) do out[#out + 1] = '    --     ' .. comment_text(note) end
      for _, check in ipairs(step.checks or {}) do
        if not check.after then
          out[#out + 1] = string.format('    { check = %s, table = %s, column = %s, problem = %s },',
            lua_string(check.sql), string.format('%q', check.table or ''),
            check.column and string.format('%q', check.column) or 'nil', string.format('%q', check.problem or ''))
        end
      end
      for _, sql in ipairs(step.sql) do out[#out + 1] = '    ' .. lua_string(sql) .. ',' end
      for _, check in ipairs(step.checks or {}) do
        if check.after then
          out[#out + 1] = string.format('    { check = %s, table = %s, column = %s, problem = %s },',
            lua_string(check.sql), string.format('%q', check.table or ''),
            check.column and string.format('%q', check.column) or 'nil', string.format('%q', check.problem or ''))
        end
      end
    end
  end
end

-- What down cannot give back: notes per down step, and the file's list.
local function down_notes(up_steps, down_steps)
  local notes, lost = {}, {}
  for i, u in ipairs(up_steps) do
    if not u.skipped and u.risk == 'destructive' then
      local text
      if u.op == 'dropColumn' then
        text = string.format('up step [%d] drops column %s: down brings it back with its type, nullability and default, '
          .. 'but not its values (they are lost)', i, subject(u))
      elseif u.op == 'dropTable' then
        text = string.format('up step [%d] drops table %s: down cannot bring its rows back', i, subject(u))
      else
        text = string.format('up step [%d] %s %s loses data (%s): down brings a dropped column back with its '
          .. 'type, nullability and default but not its values, and cannot undo a conversion that changed values',
          i, u.op, subject(u), u.reason or 'destructive')
      end
      lost[#lost + 1] = text
      for j, d in ipairs(down_steps) do
        if d.table == u.table and (d.column == u.column or d.column == nil or u.column == nil) then
          notes[j] = notes[j] or {}
          notes[j][#notes[j] + 1] = 'cannot restore data: ' .. text
        end
      end
    end
  end
  for j, d in ipairs(down_steps) do
    if d.risk == 'data-dependent' and (d.op == 'alterColumn' or d.op == 'rebuildTable') then
      notes[j] = notes[j] or {}
      notes[j][#notes[j] + 1] = 'data-dependent: fails if rows written since up do not fit the previous definition'
    elseif d.risk == 'destructive' then
      notes[j] = notes[j] or {}
      notes[j][#notes[j] + 1] = 'data-losing: removes what up added, with the data written into it since'
    end
  end
  return notes, lost
end

-- The text of a migration file.
local function render(db, base, raw, o, model_names)
  local out = {}
  local up_steps, down_steps = raw.up.steps, raw.down.steps
  local notes, lost = down_notes(up_steps, down_steps)
  local n_applied, n_skipped, n_destructive = 0, 0, 0
  for _, s in ipairs(up_steps) do
    if s.skipped then n_skipped = n_skipped + 1 else n_applied = n_applied + 1 end
    if not s.skipped and s.risk == 'destructive' then n_destructive = n_destructive + 1 end
  end
  out[#out + 1] = string.format('-- %s: a modelsync migration, generated %s UTC', comment_text(base),
    os.date('!%Y-%m-%d %H:%M:%S'))
  out[#out + 1] = string.format('-- on %s (database %s) from the models %s, alter semantics%s.',
    db.dialect, comment_text(db:getDatabaseName() or '?'), comment_text(table.concat(model_names, ', ')),
    o.drop and ', drop = true' or '')
  out[#out + 1] = string.format('-- up: %d step(s) applied, %d skipped; %d destructive.', n_applied, n_skipped,
    n_destructive)
  if n_destructive > 0 then
    out[#out + 1] = '-- DESTRUCTIVE steps (asked for with drop = true) are marked below: review them.'
  end
  if n_skipped > 0 then
    out[#out + 1] = '-- Skipped steps are listed as comments (generate with drop = true to include them).'
  end
  if raw.verified then
    out[#out + 1] = '-- down was tried after up (in a transaction rolled back) and restored the schema exactly.'
  else
    out[#out + 1] = '-- WARNING: down could not be verified: ' .. comment_text(raw.problem or '?')
    out[#out + 1] = '-- Review and complete down by hand before relying on it.'
  end
  out[#out + 1] = '-- Entries: SQL statements, { check = SQL } (must count 0 rows) or functions of db.'
  out[#out + 1] = '-- Apply with db:migrate{ dir = ... } (or `modelsync migrate --dir DIR`); each file is one transaction.'
  out[#out + 1] = 'return {'
  out[#out + 1] = '  up = {'
  render_side(out, up_steps, nil)
  out[#out + 1] = '  },'
  out[#out + 1] = '  down = {'
  for _, text in ipairs(lost) do out[#out + 1] = '    -- NOT REVERSIBLE: ' .. comment_text(text) end
  render_side(out, down_steps, notes)
  out[#out + 1] = '  },'
  out[#out + 1] = '}'
  return table.concat(out, '\n') .. '\n'
end

-- A timestamp after every existing file's (two generations in one second
-- still sort in the order they were made).
local function next_stamp(files)
  local last = files[#files] and files[#files].stamp or ''
  local t = os.time()
  local stamp = os.date('!%Y%m%d%H%M%S', t)
  local tries = 0
  while stamp <= last and tries < 100000 do
    t = t + 1
    tries = tries + 1
    stamp = os.date('!%Y%m%d%H%M%S', t)
  end
  return stamp
end

local GENERATE_OPTIONS = { dir = 'non-empty string', name = 'non-empty string', drop = 'boolean',
                           models = 'string|table', logging = 'function|boolean' }
local MIGRATE_OPTIONS = { dir = 'non-empty string', logging = 'function|boolean' }
local ROLLBACK_OPTIONS = { dir = 'non-empty string', steps = 'integer', logging = 'function|boolean' }
local STATUS_OPTIONS = { dir = 'non-empty string', logging = 'function|boolean' }

function migrate.installConnection(DB)
  -- db:generateMigration{ dir, name, drop, models } -> path | nil, message.
  function DB:generateMigration(o)
    check_connection(self, 'generateMigration')
    o = options.validate(o, GENERATE_OPTIONS, ' in generateMigration()')
    local dir = check_dir(o, ' in generateMigration()')
    options.expect(o.name, 'non-empty string', 'name', ' in generateMigration()', nil, true)
    if not o.name:match('^[%w_%-]+$') then
      errors.raise('E_OPTION', string.format("bad option 'name' in generateMigration(): '%s' must hold only "
        .. "letters, digits, '_' and '-' (it becomes part of a file name)", o.name), { option = 'name' })
    end
    local models = sync.models(self, o.models)
    local desired = sync.desired(self, models)
    local raw = self:_call(o.logging, function(conn) return conn:planMigration(desired, { drop = o.drop == true }) end)
    local applied, skipped = 0, {}
    for _, s in ipairs(raw.up.steps) do
      if s.skipped then skipped[#skipped + 1] = s else applied = applied + 1 end
    end
    if applied == 0 then
      if #skipped == 0 then return nil, 'nothing to migrate: the database matches the models (no file written)' end
      local names = {}
      for _, s in ipairs(skipped) do names[#names + 1] = s.op .. ' ' .. subject(s) end
      return nil, string.format('nothing to migrate without drop = true (no file written); skipped: %s',
        table.concat(names, ', '))
    end
    make_directory(dir)
    local stamp = next_stamp(migration_files(dir))
    local base = stamp .. '_' .. o.name
    local path = dir .. '/' .. base .. '.lua'
    local model_names = {}
    for _, m in ipairs(models) do model_names[#model_names + 1] = m.name end
    local text = render(self, base, raw, o, model_names)
    local f, message = io.open(path, 'wb')
    if not f then
      errors.raise('E_OPTION', string.format("cannot write migration '%s': %s", path, tostring(message)),
        { option = 'dir' })
    end
    f:write(text)
    f:close()
    return path
  end

  -- db:migrate{ dir } -> names of the files applied (empty when none was pending).
  function DB:migrate(o)
    check_connection(self, 'migrate')
    o = options.validate(o, MIGRATE_OPTIONS, ' in migrate()')
    local dir = check_dir(o, ' in migrate()')
    if not is_directory(dir) then
      errors.raise('E_OPTION', string.format("the migrations directory '%s' does not exist", dir), { option = 'dir' })
    end
    local db = self
    return self:_call(o.logging, function(conn)
      ensure_table(db, conn)
      local files = migration_files(dir)
      local done = {}
      for _, r in ipairs(applied_rows(db, conn)) do done[r.name] = r end
      -- Edited applied files and unloadable pending ones stop everything first.
      local pending = {}
      for _, file in ipairs(files) do
        local row = done[file.name]
        if row then
          local text = read_file(file.path) or ''
          local sum = migrate.checksum(text)
          if sum ~= row.checksum then checksum_error(file, row.checksum, sum) end
        else
          pending[#pending + 1] = load_migration(file)
        end
      end
      local applied = {}
      for _, m in ipairs(pending) do
        local ran = conn:withSyncLock(function()
          local row = recorded(db, conn, m.file.name)
          if row then                       -- another process applied it meanwhile
            if row.checksum ~= m.checksum then checksum_error(m.file, row.checksum, m.checksum) end
            return false
          end
          local ok, err = pcall(run_side, db, conn, m, 'up')
          if not ok then blame(err, m, 'up') end
          conn:query('INSERT INTO ' .. migrations_name(db) .. ' ("name", "checksum") VALUES ($1, $2)',
            { m.file.name, m.checksum })
          return true
        end)
        if ran then applied[#applied + 1] = m.file.name end
      end
      return applied
    end)
  end

  -- db:rollback{ dir, steps = 1 } -> names of the files rolled back, latest first.
  function DB:rollback(o)
    check_connection(self, 'rollback')
    o = options.validate(o, ROLLBACK_OPTIONS, ' in rollback()')
    local dir = check_dir(o, ' in rollback()')
    local steps = o.steps == nil and 1 or math.tointeger(o.steps)
    if steps < 0 then options.bad('steps', 'a positive integer', o.steps, ' in rollback()') end
    local db = self
    return self:_call(o.logging, function(conn)
      ensure_table(db, conn)
      local undone = {}
      for _ = 1, steps do
        local name = conn:withSyncLock(function()
          local row = conn:query('SELECT "name", "checksum" FROM ' .. migrations_name(db)
            .. ' ORDER BY "id" DESC LIMIT 1')[1]
          if row == nil then return nil end
          local file = { name = row.name, path = dir .. '/' .. row.name }
          if read_file(file.path) == nil then
            errors.raise('E_MIGRATION_MISSING', string.format(
              "cannot roll back migration '%s': its file is not in '%s'", row.name, dir),
              { migration = row.name, file = file.path })
          end
          local m = load_migration(file)
          if m.checksum ~= row.checksum then checksum_error(file, row.checksum, m.checksum) end
          local ok, err = pcall(run_side, db, conn, m, 'down')
          if not ok then blame(err, m, 'down') end
          conn:query('DELETE FROM ' .. migrations_name(db) .. ' WHERE "name" = $1', { row.name })
          return row.name
        end)
        if name == nil then break end
        undone[#undone + 1] = name
      end
      return undone
    end)
  end

  -- db:migrationStatus{ dir } -> every migration of dir and of the table, in
  -- name order: state 'applied' | 'pending' | 'changed' (edited since it was
  -- applied) | 'missing' (applied, file gone).  Changes nothing.
  function DB:migrationStatus(o)
    self:_check()
    o = options.validate(o, STATUS_OPTIONS, ' in migrationStatus()')
    local dir = check_dir(o, ' in migrationStatus()')
    local db = self
    return self:_call(o.logging, function(conn)
      local rows = table_exists(db, conn) and applied_rows(db, conn) or {}
      local by_name, list = {}, {}
      for _, r in ipairs(rows) do by_name[r.name] = r end
      local seen = {}
      for _, file in ipairs(is_directory(dir) and migration_files(dir) or {}) do
        local r = by_name[file.name]
        local sum = migrate.checksum(read_file(file.path) or '')
        local state = 'pending'
        if r then state = (r.checksum == sum) and 'applied' or 'changed' end
        list[#list + 1] = { name = file.name, state = state, checksum = sum, appliedAt = r and r.applied_at,
                            path = file.path }
        seen[file.name] = true
      end
      for _, r in ipairs(rows) do
        if not seen[r.name] then
          list[#list + 1] = { name = r.name, state = 'missing', checksum = r.checksum, appliedAt = r.applied_at }
        end
      end
      table.sort(list, function(a, b) return a.name < b.name end)
      return list
    end)
  end
end

return migrate
