-- Real-world round trip: the Chinook sample database, loaded by its own
-- scripts (/work/shared/realworld/chinook, see SOURCE.md there), a database
-- modelsync never made.  Discover -> define -> plan is empty, render -> load
-- -> plan is empty, and sync{ alter = true } sends no DDL and changes no row.
local modelsync = require('modelsync')
local dialects = require('support.dialects')

local DIR = os.getenv('MODELSYNC_CHINOOK_DIR') or '/work/shared/realworld/chinook'

local function read(path)
  local f = io.open(path, 'rb')
  if not f then return nil end
  local text = f:read('a')
  f:close()
  return text
end

-- The statements of a script: split on ';' outside quotes and comments
-- (-- line comments, /* block */ comments, 'strings', "identifiers", [brackets]).
local function statements(text)
  local out, buf = {}, {}
  local i, n = 1, #text
  local function flush()
    local s = table.concat(buf):gsub('^%s+', ''):gsub('%s+$', '')
    if s ~= '' then out[#out + 1] = s end
    buf = {}
  end
  while i <= n do
    local c = text:sub(i, i)
    local two = text:sub(i, i + 1)
    if two == '--' then
      local e = text:find('\n', i, true) or n
      i = e + 1
    elseif two == '/*' then
      local e = select(2, text:find('*/', i + 2, true)) or n
      buf[#buf + 1] = ' '
      i = e + 1
    elseif c == "'" or c == '"' or c == '[' then
      local close = c == '[' and ']' or c
      local j = i + 1
      while j <= n do
        local d = text:sub(j, j)
        if d == close then
          if close ~= ']' and text:sub(j + 1, j + 1) == close then j = j + 2 else break end
        else
          j = j + 1
        end
      end
      buf[#buf + 1] = text:sub(i, j)
      i = j + 1
    elseif c == ';' then
      flush()
      i = i + 1
    else
      local j = text:find("[-/'\"%[;]", i) or (n + 1)
      if j == i then j = i + 1 end
      buf[#buf + 1] = text:sub(i, j - 1)
      i = j
    end
  end
  flush()
  return out
end

local function load_script(db, file)
  local text = assert(read(DIR .. '/' .. file), 'cannot read ' .. DIR .. '/' .. file)
  db:transaction(function()
    for _, sql in ipairs(statements(text)) do db:query(sql) end
  end)
end

-- Row count and a checksum of every table (rows in key order, every value).
local function snapshot(db, ctx)
  local out = {}
  for _, d in ipairs(db:discoverModelDefinitions{ views = false }) do
    local keys = {}
    for _, k in ipairs(db:discoverPrimaryKeys(d.name)) do keys[#keys + 1] = ctx.q(k.columnName) end
    local columns = {}
    for _, p in ipairs(db:discoverModelProperties(d.name)) do columns[#columns + 1] = p.columnName end
    local rows = db:query('SELECT * FROM ' .. ctx:qt(d.name) .. ' ORDER BY ' .. table.concat(keys, ', '))
    local parts = {}
    for _, r in ipairs(rows) do
      for _, c in ipairs(columns) do parts[#parts + 1] = tostring(r[c]) end
      parts[#parts + 1] = '\n'
    end
    local text = table.concat(parts, '\31')
    local sum = 0
    for k = 1, #text do sum = (sum * 31 + text:byte(k)) % 4294967291 end
    out[d.name] = { rows = #rows, checksum = sum }
  end
  return out
end

local function assert_empty(plan, what)
  assert.are.equal(0, #plan.steps, what .. ' is not empty:\n' .. dialects.describe_steps(plan.steps))
end

local SCRIPTS = {
  sqlite = { 'sqlite.sql', 'sqlite_autoincrement.sql' },
  postgres = { 'postgres.sql', 'postgres_identity.sql', 'postgres_serial.sql' },
}

local TABLES = 11
local ROWS = 289     -- SOURCE.md: the same 289 rows in every variant

dialects.describe('Chinook round trip', function(ctx)
  for _, file in ipairs(SCRIPTS[ctx.name]) do
    it('discovers ' .. file .. ': define, render and sync change nothing', function()
      if not read(DIR .. '/' .. file) then
        pending('Chinook scripts not found in ' .. DIR)
        return
      end
      local db = ctx.connect()
      load_script(db, file)
      local before = snapshot(db, ctx)
      local count = 0
      for _ in pairs(before) do count = count + 1 end
      assert.are.equal(TABLES, count)
      local rows = 0
      for _, t in pairs(before) do rows = rows + t.rows end
      assert.are.equal(ROWS, rows)

      -- discover -> define -> plan
      local defs = db:discoverSchemas()
      for _, d in pairs(defs) do
        assert.are.same({}, d.notes, d.name .. ' has notes')
        db:define(d.name, d.attributes, d.options)
      end
      assert_empty(db:plan{ alter = true }, 'plan{ alter = true }')
      assert_empty(db:plan{ alter = { drop = true } }, 'plan{ alter = { drop = true } }')

      -- render -> load -> plan, on a second connection
      local other = ctx.connect()
      assert(load(modelsync.render(defs), '=chinook', 't'))(other)
      assert_empty(other:plan{ alter = true }, 'plan of the rendered models')

      -- sync{ alter = true }: no DDL, no row changed
      local log = dialects.logger()
      other:sync{ alter = true, logging = log.fn }
      assert.are.same({}, dialects.changes(log))
      assert.are.same(before, snapshot(db, ctx))

      -- the discovered models read the rows
      local track = defs.Track or defs.track
      local Track = other:model(track.name)
      assert.are.equal(before[track.name].rows, Track:count())
    end)
  end
end)
