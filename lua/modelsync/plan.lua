-- modelsync.plan: the plan object db:plan() returns.
--
--   plan.steps        array of { op, schema, table, column, risk, skipped,
--                     reason, sql (the step's statements joined by ";\n"),
--                     statements (the list) }; skipped steps are listed too,
--                     so #plan.steps == 0 means the database matches the models
--   plan:sql()        the statements sync would run, joined by ";\n"; skipped
--                     steps appear as "-- skipped (<reason>): ..." comments
--   plan:apply()      runs it: the core recomputes the plan and refuses
--                     (E_STALE_PLAN) if the database changed since
--   plan:isEmpty()    #plan.steps == 0
--   tostring(plan)    plan:sql()

local errors = require('modelsync.errors')

local plan = {}

local Plan = {}
local plan_metatable = {
  __index = Plan,
  __name = 'modelsync.plan',
  __tostring = function(p) return p:sql() end,
}

-- Wraps the core's plan table.  context: { db =, desired =, options = (the
-- core options), logging = (the call's logging option) }.
function plan.wrap(raw, context)
  local steps = {}
  for i, s in ipairs(raw.steps or {}) do
    local statements = {}
    for j, sql in ipairs(s.sql or {}) do statements[j] = sql end
    steps[i] = {
      op = s.op, schema = s.schema, table = s.table, column = s.column, risk = s.risk,
      skipped = s.skipped == true, reason = s.reason,
      sql = table.concat(statements, ';\n'), statements = statements,
    }
  end
  return setmetatable({ steps = steps, _expectedSql = raw.sql or '', _context = context }, plan_metatable)
end

-- One skipped statement as SQL comment lines.
local function commented(reason, sql)
  local text = string.format('-- skipped (%s): %s', reason or 'not applied', sql)
  return (text:gsub('\n', '\n-- '))
end

function Plan:sql()
  local parts = {}
  for _, step in ipairs(self.steps) do
    for _, statement in ipairs(step.statements) do
      if step.skipped then
        parts[#parts + 1] = commented(step.reason, statement)
      else
        parts[#parts + 1] = statement
      end
    end
  end
  return table.concat(parts, ';\n')
end

-- The applied statements only, exactly as the core joined them.
function Plan:appliedSql()
  return self._expectedSql
end

function Plan:isEmpty()
  return #self.steps == 0
end

-- Steps that change the database under the plan's options.
function Plan:applied()
  local list = {}
  for _, step in ipairs(self.steps) do
    if not step.skipped then list[#list + 1] = step end
  end
  return list
end

function Plan:skipped()
  local list = {}
  for _, step in ipairs(self.steps) do
    if step.skipped then list[#list + 1] = step end
  end
  return list
end

-- Applies the plan in one transaction; returns the plan that ran.
-- options: { logging = fn | false } (defaults to the plan's own).
function Plan:apply(options)
  local context = self._context
  if options ~= nil then
    if type(options) ~= 'table' then
      errors.raise('E_OPTION', 'bad options in plan:apply(): expected a table, got ' .. type(options))
    end
    for k, v in pairs(options) do
      if k ~= 'logging' then
        errors.raise('E_OPTION', string.format("unknown option '%s' in plan:apply()%s", tostring(k),
          errors.did_you_mean(tostring(k), { 'logging' })), { option = k })
      end
      if type(v) ~= 'function' and type(v) ~= 'boolean' then
        errors.raise('E_OPTION', string.format("bad option 'logging': expected function or boolean, got %s", type(v)),
          { option = 'logging' })
      end
    end
  end
  local db = context.db
  db:_check()
  local core_options = {}
  for k, v in pairs(context.options) do core_options[k] = v end
  core_options.expectedSql = self._expectedSql
  local logging = context.logging
  if options and options.logging ~= nil then logging = options.logging end
  local raw = db:_call(logging, function(conn) return conn:sync(context.desired, core_options) end)
  return plan.wrap(raw, context)
end

plan.metatable = plan_metatable

function plan.isPlan(v)
  return getmetatable(v) == plan_metatable
end

return plan
