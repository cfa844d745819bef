-- scripts/pass-init.lua: run first by every lua5.4 of a scripts/test pass
-- (LUA_INIT_5_4="@scripts/pass-init.lua"): busted itself, the examples and the
-- Lua processes the specs start (sync drivers, concurrent workers), which all
-- inherit the environment.  It reads two variables:
--
--   MODELSYNC_CORE=/path/to/core.so   require('modelsync.core') loads this file,
--       whatever package.cpath the spec, example or child sets (the asan pass
--       points it at build-asan/modelsync/core.so);
--   MODELSYNC_GC_STRESS=incremental|generational   an aggressive garbage
--       collector, to catch C code that keeps a pointer to a Lua value (a string,
--       a table) that nothing anchors any more:
--         incremental   a new cycle starts as soon as one ends (pause 0), and a
--                       step runs at every allocation, doing as much work as
--                       Lua allows (stepmul 1000, stepsize 2^0 bytes);
--         generational  a minor collection every 1% of heap growth.
-- Without either variable it does nothing.
local core = os.getenv('MODELSYNC_CORE')
if core and core ~= '' then
  package.preload['modelsync.core'] = function(...)
    local open = assert(package.loadlib(core, 'luaopen_modelsync_core'))
    return open(...)
  end
end

local stress = os.getenv('MODELSYNC_GC_STRESS')
if stress == 'generational' then
  collectgarbage('generational', 1, 100)
elseif stress and stress ~= '' and stress ~= '0' then
  collectgarbage('incremental', 0, 1000, 0)
end
