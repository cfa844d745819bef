-- bench/run.lua: how modelsync's cost grows with the work, in one run.
--
--   lua5.4 bench/run.lua [--quick] [--dialect sqlite|postgres|all] [--out FILE]
--
-- Each measurement runs in its own lua5.4 process (bench/case.lua), so that
-- its peak RSS is its own.  PostgreSQL cases run when MODELSYNC_PG_URL is set.
-- Output: one JSON line per measurement on stdout (and in --out), then a short
-- table of figures and the target ratios.  See bench/README.md.

local here = arg[0]:match('^(.*)/[^/]*$') or '.'
package.path = here .. '/../lua/?.lua;' .. here .. '/../lua/?/init.lua;' .. package.path
package.cpath = here .. '/../build/?.so;' .. package.cpath

local function usage()
  io.stderr:write('usage: lua5.4 bench/run.lua [--quick] [--dialect sqlite|postgres|all] [--out FILE]\n')
  os.exit(2)
end

local quick, which, out_path = false, 'all', nil
local i = 1
while arg[i] do
  local a = arg[i]
  if a == '--quick' then quick = true
  elseif a == '--dialect' then which = arg[i + 1] or usage(); i = i + 1
  elseif a == '--out' then out_path = arg[i + 1] or usage(); i = i + 1
  else usage() end
  i = i + 1
end

local dialects = {}
if which == 'all' or which == 'sqlite' then dialects[#dialects + 1] = 'sqlite' end
if (which == 'all' or which == 'postgres') then
  if os.getenv('MODELSYNC_PG_URL') then dialects[#dialects + 1] = 'postgres'
  elseif which == 'postgres' then io.stderr:write('MODELSYNC_PG_URL is not set\n'); os.exit(2) end
end

local sizes = quick and { 20, 50, 100 } or { 50, 200, 1000 }
local big_rows = quick and 100000 or 1000000

-- The bench measures an optimised build of its own (build-release/), so that
-- the suite's Debug build in build/ is left alone.
local root = here .. '/..'
assert(os.execute(string.format('cmake -S %q -B %q -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build %q > /dev/null',
  root, root .. '/build-release', root .. '/build-release')), 'cannot build build-release/')

-- Runs one case in a fresh process and returns its decoded result lines (and
-- what it kept for a following case, if anything).
local function run_case(dialect, workload, n, target)
  local cmd = string.format('%slua5.4 %q %s %s %d', target and string.format('MODELSYNC_BENCH_TARGET=%q ', target) or '',
    here .. '/case.lua', dialect, workload, n)
  local pipe = assert(io.popen(cmd .. ' 2>&1'))
  local results, text, kept = {}, {}, nil
  for line in pipe:lines() do
    text[#text + 1] = line
    local keep = line:match('^{"keep":"(.*)"}$')
    if keep then kept = keep
    elseif line:sub(1, 1) == '{' then results[#results + 1] = line end
  end
  local ok = pipe:close()
  if not ok then
    io.stderr:write(table.concat(text, '\n'), '\n')
    error(string.format('bench case %s %s %d failed', dialect, workload, n))
  end
  return results, kept
end

-- A minimal JSON reader for our own flat objects.
local function decode(line)
  local t = {}
  for key, value in line:gmatch('"([^"]+)":([^,}]+)') do
    if value:sub(1, 1) == '"' then t[key] = value:sub(2, -2)
    elseif value == 'true' or value == 'false' then t[key] = value == 'true'
    else t[key] = tonumber(value) end
  end
  return t
end

local out = out_path and assert(io.open(out_path, 'w'))
local rows = {}
local function record(line)
  print(line)
  if out then out:write(line, '\n') end
  rows[#rows + 1] = decode(line)
end

-- Every case runs three times (interleaved, each in a process of its own):
-- on a shared machine one timing can swing by half; the summary takes each
-- phase's median, and the JSON lines keep every run.
local repeats = quick and 1 or 3
for _, dialect in ipairs(dialects) do
  for _ = 1, repeats do
    for _, n in ipairs(sizes) do
      local results, kept = run_case(dialect, 'wide', n)
      for _, line in ipairs(results) do record(line) end
      for _, line in ipairs(run_case(dialect, 'wide-noop', n, kept)) do record(line) end
      for _, line in ipairs(run_case(dialect, 'alter-cycle', n)) do record(line) end
    end
    for _, line in ipairs(run_case(dialect, 'big-table', big_rows)) do record(line) end
  end
end
if out then out:close() end

-- ----------------------------------------------------------------- summary

-- The row of a phase; when the phase ran several times, the run with the
-- median time.
local function find(dialect, workload, phase, n)
  local found = {}
  for _, r in ipairs(rows) do
    if r.dialect == dialect and r.workload == workload and r.phase == phase and (n == nil or r.n == n) then
      found[#found + 1] = r
    end
  end
  table.sort(found, function(a, b) return a.ms < b.ms end)
  return found[(#found + 1) // 2]
end

io.write('\nmedians of ' .. repeats .. ' run(s)\n', string.format('%-9s %-12s %-22s %8s %10s %8s %8s %8s\n',
  'dialect', 'workload', 'phase', 'n', 'ms', 'stmts', 'ddl', 'rss MB'))
local shown = {}
for _, row in ipairs(rows) do
  local key = table.concat({ row.dialect, row.workload, row.phase, row.n }, ' ')
  if not shown[key] then
    shown[key] = true
    local r = find(row.dialect, row.workload, row.phase, row.n)
    io.write(string.format('%-9s %-12s %-22s %8d %10.1f %8d %8d %8.1f\n', r.dialect, r.workload, r.phase,
      r.n, r.ms, r.statements, r.ddl, (r.rss_kb or 0) / 1024))
  end
end

io.write('\nratios (targets in brackets)\n')
local small, large = sizes[1], sizes[#sizes]
for _, dialect in ipairs(dialects) do
  local first_l, noop_l = find(dialect, 'wide', 'first-sync', large), find(dialect, 'wide', 'noop-alter', large)
  local first_s, noop_s = find(dialect, 'wide', 'first-sync', small), find(dialect, 'wide', 'noop-alter', small)
  local cyc_s, cyc_l = find(dialect, 'alter-cycle', 'alter', small), find(dialect, 'alter-cycle', 'alter', large)
  local add_empty = find(dialect, 'big-table', 'add-column-empty')
  local add_big = find(dialect, 'big-table', 'add-column')
  local change = find(dialect, 'big-table', 'rebuild') or find(dialect, 'big-table', 'type-change')
  local raw = find(dialect, 'big-table', 'raw-copy')
  local function line(label, value, target)
    io.write(string.format('  %-9s %-58s %10s  [%s]\n', dialect, label, value, target))
  end
  -- SQLite: the same statements sent straight to SQLite (bench/case.lua, replay).
  local function replay_lines(workload, phase, measured, label)
    local replay_s = find(dialect, workload, phase .. '-replay', small)
    local replay_l = find(dialect, workload, phase .. '-replay', large)
    if not (replay_s and replay_l) then return end
    line(string.format('  the same statements alone: N=%d / N=%d', large, small),
      string.format('%.1fx', replay_l.ms / replay_s.ms), 'SQLite itself')
    line(string.format('  SQLite share of the %s at N=%d', label, large),
      string.format('%.0f%%', 100 * math.min(replay_l.ms / measured.ms, 1)), 'report')
  end
  if first_l and noop_l then
    line(string.format('no-op alter (new process) / first sync at N=%d', large), string.format('1/%.1f', first_l.ms / noop_l.ms), '< 1/20')
    local warm = find(dialect, 'wide', 'noop-alter-warm', large)
    if warm then
      line(string.format('no-op alter (same connection) / first sync at N=%d', large),
        string.format('1/%.1f', first_l.ms / warm.ms), '< 1/20')
    end
    line('no-op alter DDL statements at every N', tostring(noop_l.ddl + noop_s.ddl), '0')
    line(string.format('no-op alter statements N=%d vs N=%d', small, large),
      string.format('%d vs %d', noop_s.statements, noop_l.statements), 'equal')
    line(string.format('first sync N=%d / N=%d', large, small), string.format('%.1fx', first_l.ms / first_s.ms),
      string.format('<= %dx', math.floor(25 * large / 1000)))
    line(string.format('peak RSS at N=%d (MB)', large), string.format('%.1f', noop_l.rss_kb / 1024), '< 64')
    replay_lines('wide', 'first-sync', first_l, 'first sync')
  end
  if cyc_s and cyc_l then
    line(string.format('alter-cycle N=%d / N=%d', large, small), string.format('%.1fx', cyc_l.ms / cyc_s.ms),
      string.format('<= %dx', math.floor(25 * large / 1000)))
    replay_lines('alter-cycle', 'alter', cyc_l, 'alter-cycle')
  end
  if add_empty and add_big then
    line(string.format('add nullable column: %d rows / empty', add_big.n),
      string.format('%.2fx', add_big.ms / math.max(add_empty.ms, 0.001)), '<= 2x')
  end
  if change and raw then
    line(string.format('%s of %d rows / raw copy', change.phase, change.n), string.format('%.2fx', change.ms / raw.ms),
      dialect == 'sqlite' and '<= 1.3x' or 'report')
  end
end
