-- modelsync.hooks: Sequelize-style hooks on models and connections.
--
--   Model:addHook('beforeSync', fn) / Model:addHook('beforeSync', 'name', fn)
--   Model:beforeSync(fn), Model:afterSync(fn)
--   db:addHook('beforeBulkSync', fn), db:beforeBulkSync(fn), db:afterBulkSync(fn)
--   define(name, attributes, { hooks = { beforeSync = fn | { fn, ... } } })
--
-- A hook is called as fn(options, model) (model hooks) or fn(options, db)
-- (connection hooks); options is the table the sync runs with, so a hook may
-- change it.  A hook that raises a string or a foreign value is reported as
-- E_HOOK naming the hook and its owner (the original value is in `cause`);
-- a modelsync error raised inside a hook passes through unchanged.

local errors = require('modelsync.errors')

local hooks = {}

hooks.MODEL = { beforeSync = true, afterSync = true }
hooks.CONNECTION = { beforeBulkSync = true, afterBulkSync = true }

-- A new registry: hookType -> array of { name =, fn = }.
function hooks.registry()
  return {}
end

local function check_type(allowed, hook_type, owner)
  if type(hook_type) ~= 'string' or not allowed[hook_type] then
    local names = {}
    for k in pairs(allowed) do names[#names + 1] = k end
    table.sort(names)
    errors.raise('E_HOOK', string.format("unknown hook '%s' for %s%s (known: %s)", tostring(hook_type), owner,
      errors.did_you_mean(tostring(hook_type), allowed), table.concat(names, ', ')), { hook = hook_type })
  end
end

-- Adds fn under hook_type; name is optional (used by removeHook).
function hooks.add(registry, allowed, owner, hook_type, name, fn)
  check_type(allowed, hook_type, owner)
  if fn == nil and type(name) ~= 'string' then name, fn = nil, name end
  if type(fn) ~= 'function' then
    errors.raise('E_HOOK', string.format("hook '%s' for %s must be a function, got %s", hook_type, owner, type(fn)),
      { hook = hook_type })
  end
  if name ~= nil and type(name) ~= 'string' then
    errors.raise('E_HOOK', string.format("the name of hook '%s' for %s must be a string, got %s", hook_type, owner,
      type(name)), { hook = hook_type })
  end
  local list = registry[hook_type]
  if not list then
    list = {}
    registry[hook_type] = list
  end
  list[#list + 1] = { name = name, fn = fn }
end

-- Removes the hooks of hook_type named name (a string) or equal to name (a function).
function hooks.remove(registry, allowed, owner, hook_type, name)
  check_type(allowed, hook_type, owner)
  local list = registry[hook_type]
  if not list then return false end
  local removed = false
  for i = #list, 1, -1 do
    if list[i].name == name or list[i].fn == name then
      table.remove(list, i)
      removed = true
    end
  end
  return removed
end

function hooks.has(registry, hook_type)
  local list = registry[hook_type]
  return list ~= nil and #list > 0
end

-- Copies the hooks of `from` into `to` (define() defaults, then the model's own).
function hooks.merge(to, from)
  for hook_type, list in pairs(from) do
    for _, h in ipairs(list) do
      local target = to[hook_type]
      if not target then
        target = {}
        to[hook_type] = target
      end
      target[#target + 1] = { name = h.name, fn = h.fn }
    end
  end
end

-- Reads a define()-style hooks table ({ beforeSync = fn | { fn, ... } }) into registry.
function hooks.fromOptions(registry, allowed, owner, spec)
  if spec == nil then return registry end
  if type(spec) ~= 'table' then
    errors.raise('E_OPTION', string.format("bad option 'hooks'%s: expected table, got %s", owner and (' in ' .. owner) or '',
      type(spec)), { option = 'hooks' })
  end
  local keys = {}
  for k in pairs(spec) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  for _, hook_type in ipairs(keys) do
    local value = spec[hook_type]
    check_type(allowed, hook_type, owner)
    if type(value) == 'function' then
      hooks.add(registry, allowed, owner, hook_type, nil, value)
    elseif type(value) == 'table' then
      for _, fn in ipairs(value) do hooks.add(registry, allowed, owner, hook_type, nil, fn) end
    else
      errors.raise('E_HOOK', string.format("hook '%s' for %s must be a function or a list of functions, got %s",
        hook_type, owner, type(value)), { hook = hook_type })
    end
  end
  return registry
end

-- Runs every hook of hook_type in order with (...).  Errors: see the header.
function hooks.run(registry, hook_type, owner, ...)
  local list = registry[hook_type]
  if not list then return end
  -- A copy: a hook that adds or removes hooks does not change this run.
  local copy = {}
  for i, h in ipairs(list) do copy[i] = h end
  for _, h in ipairs(copy) do
    local ok, err = pcall(h.fn, ...)
    if not ok then
      if errors.is(err) then error(err, 0) end
      errors.raise('E_HOOK', string.format('%s hook%s of %s raised: %s', hook_type,
        h.name and (" '" .. h.name .. "'") or '', owner, tostring(err)), { hook = hook_type, cause = err })
    end
  end
end

-- Installs addHook / removeHook / hasHook / hasHooks and one shortcut per
-- hook type (Model:beforeSync(fn)) into a methods table.  registry_of(self)
-- returns the object's registry, owner_of(self) its description.
function hooks.install(methods, allowed, registry_of, owner_of, check)
  function methods:addHook(hook_type, name, fn)
    if check then check(self) end
    hooks.add(registry_of(self), allowed, owner_of(self), hook_type, name, fn)
    return self
  end
  function methods:removeHook(hook_type, name)
    if check then check(self) end
    return hooks.remove(registry_of(self), allowed, owner_of(self), hook_type, name)
  end
  function methods:hasHook(hook_type)
    return hooks.has(registry_of(self), hook_type)
  end
  methods.hasHooks = methods.hasHook
  for hook_type in pairs(allowed) do
    methods[hook_type] = function(self, name, fn)
      if check then check(self) end
      hooks.add(registry_of(self), allowed, owner_of(self), hook_type, name, fn)
      return self
    end
  end
end

return hooks
