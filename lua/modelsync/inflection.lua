-- modelsync.inflection: English plurals and snake_case the way Sequelize
-- names tables, i.e. as the `inflection` npm package (1.13, the version
-- Sequelize 6 uses) does it: its uncountable words, then its ordered list of
-- rules, the first rule that matches wins, matching ignores case and the
-- replacement keeps the case of what it keeps.
--   pluralize('User') == 'Users'      pluralize('Category') == 'Categories'
--   pluralize('Person') == 'People'   pluralize('IntegerNames') == 'IntegerNames'
--   underscore('firstName') == 'first_name'
--
-- JavaScript regular expressions become lists of Lua patterns, one per
-- alternative, matched against the lower-cased word; `()` position captures
-- mark the groups ($1, $2) whose original text the replacement keeps.

local inflection = {}

local uncountable = {}
for word in ([[
  accommodation adulthood advertising advice aggression aid air aircraft alcohol anger
  applause arithmetic assistance athletics bacon baggage beef biology blood botany bread
  butter carbon cardboard cash chalk chaos chess crossroads countryside dancing deer
  dignity dirt dust economics education electricity engineering enjoyment envy equipment
  ethics evidence evolution fame fiction flour flu food fuel fun furniture gallows garbage
  garlic genetics gold golf gossip grammar gratitude grief guilt gymnastics happiness
  hardware harm hate hatred health heat help homework honesty honey hospitality housework
  humour hunger hydrogen ice importance inflation information innocence iron irony jam
  jewelry judo karate knowledge lack laughter lava leather leisure lightning linguine
  linguini linguistics literature litter livestock logic loneliness luck luggage macaroni
  machinery magic management mankind marble mathematics mayonnaise measles methane milk
  minus money mud music mumps nature news nitrogen nonsense nurture nutrition obedience
  obesity oxygen pasta patience physics poetry pollution poverty pride psychology publicity
  punctuation quartz racism relaxation reliability research respect revenge rice rubbish
  rum safety scenery seafood seaside series shame sheep shopping sleep smoke smoking snow
  soap software soil spaghetti species steam stuff stupidity sunshine symmetry tennis
  thirst thunder timber traffic transportation trust underwear unemployment unity validity
  veal vegetation vegetarianism vengeance violence vitality warmth wealth weather welfare
  wheat wildlife wisdom yoga zinc zoology
]]):gmatch('%a+') do
  uncountable[word] = true
end

-- A rule: alternatives (pattern, group numbers of its capture pairs) and
-- the replacement (nil: the word is already plural, leave it).
local function rule(alternatives, replacement)
  local alts = {}
  for i, a in ipairs(alternatives) do
    if type(a) == 'string' then alts[i] = { a, { 1, 2, 3 } } else alts[i] = a end
  end
  return { alternatives = alts, replacement = replacement }
end

-- The regular expressions of inflection's `regex.plural` (already plural)...
local plural_regex = {
  men = { '^()m()en$', '^()wom()en$' },
  people = { '()pe()ople$' },
  children = { '()child()ren$' },
  tia = { '()[ti]()a$' },
  analyses = { '()analy()ses$', '()ba()ses$', '()diagno()ses$', '()parenthe()ses$',
               '()progno()ses$', '()synop()ses$', '()the()ses$' },
  hives = { '()hi()ves$', '()ti()ves$' },
  curves = { '()curve()s$' },
  lrves = { '()[lr]()ves$' },
  foves = { '()[^fo]()ves$' },
  movies = { '()m()ovies$' },
  aeiouyies = { '()[^aeiouy]()ies$', '()qu()ies$' },
  series = { '()s()eries$' },
  xes = { '()x()es$', '()ch()es$', '()ss()es$', '()sh()es$' },
  mice = { '()[m|l]()ice$' },
  buses = { '()bus()es$' },
  oes = { '()o()es$' },
  shoes = { '()shoe()s$' },
  crises = { '()cris()es$', '()ax()es$', '()test()es$' },
  octopi = { '()octop()i$', '()vir()i$' },
  aliases = { '()alias()es$', '()canvas()es$', '()status()es$', '()campus()es$' },
  summonses = { '^()summons()es$' },
  oxen = { '^()ox()en' },
  matrices = { '()matr()ices$' },
  feet = { '^feet$' },
  teeth = { '^teeth$' },
  geese = { '^geese$' },
  quizzes = { '()quiz()zes$' },
  whereases = { '^()whereas()es$' },
  criteria = { '^()criteri()a$' },
  genera = { '^genera$' },
}

-- ... and of `regex.singular` (singular words, with their plural replacement).
local singular_regex = {
  man = { '^()m()an$', '^()wom()an$' },
  person = { '()pe()rson$' },
  child = { '()child()$' },
  ox = { '^()ox()$' },
  axis = { '()ax()is$', '()test()is$' },
  octopus = { '()octop()us$', '()vir()us$' },
  alias = { '()alias()$', '()status()$', '()canvas()$', '()campus()$' },
  summons = { '^()summons()$' },
  bus = { '()bu()s$' },
  buffalo = { '()buffal()o$', '()tomat()o$', '()potat()o$' },
  tium = { '()[ti]()um$' },
  sis = { 'sis$' },
  -- (?:([^f])fe|([lr])f)$ -> '$1$2ves'
  ffe = { { '()[^f]()fe$', { 1 } }, { '()[lr]()f$', { 2 } } },
  hive = { '()hi()ve$', '()ti()ve$' },
  aeiouyy = { '()[^aeiouy]()y$', '()qu()y$' },
  x = { '()x()$', '()ch()$', '()ss()$', '()sh()$' },
  matrix = { '()matr()ix$' },
  vertex = { '()vert()ex$', '()ind()ex$' },
  mouse = { '()[m|l]()ouse$' },
  foot = { '^foot$' },
  tooth = { '^tooth$' },
  goose = { '^goose$' },
  quiz = { '()quiz()$' },
  whereas = { '^()whereas()$' },
  criterion = { '^()criteri()on$' },
  genus = { '^genus$' },
  s = { 's$' },
  common = { '$' },
}

local p, s = plural_regex, singular_regex
local plural_rules = {
  -- do not replace if it is already a plural word
  rule(p.men), rule(p.people), rule(p.children), rule(p.tia), rule(p.analyses),
  rule(p.hives), rule(p.curves), rule(p.lrves), rule(p.foves), rule(p.aeiouyies),
  rule(p.series), rule(p.movies), rule(p.xes), rule(p.mice), rule(p.buses), rule(p.oes),
  rule(p.shoes), rule(p.crises), rule(p.octopi), rule(p.aliases), rule(p.summonses),
  rule(p.oxen), rule(p.matrices), rule(p.feet), rule(p.teeth), rule(p.geese),
  rule(p.quizzes), rule(p.whereases), rule(p.criteria), rule(p.genera),
  -- the original rules
  rule(s.man, '$1en'), rule(s.person, '$1ople'), rule(s.child, '$1ren'),
  rule(s.ox, '$1en'), rule(s.axis, '$1es'), rule(s.octopus, '$1i'),
  rule(s.alias, '$1es'), rule(s.summons, '$1es'), rule(s.bus, '$1ses'),
  rule(s.buffalo, '$1oes'), rule(s.tium, '$1a'), rule(s.sis, 'ses'),
  rule(s.ffe, '$1$2ves'), rule(s.hive, '$1ves'), rule(s.aeiouyy, '$1ies'),
  rule(s.matrix, '$1ices'), rule(s.vertex, '$1ices'), rule(s.x, '$1es'),
  rule(s.mouse, '$1ice'), rule(s.foot, 'feet'), rule(s.tooth, 'teeth'),
  rule(s.goose, 'geese'), rule(s.quiz, '$1zes'), rule(s.whereas, '$1es'),
  rule(s.criterion, '$1a'), rule(s.genus, 'genera'),
  rule(s.s, 's'), rule(s.common, 's'),
}

-- The leftmost match of a rule in lower (the lower-cased word): its start,
-- its end and the original text of each group.
local function match_rule(r, word, lower)
  local best_start, best_end, best_groups
  for _, alt in ipairs(r.alternatives) do
    local found = table.pack(lower:find(alt[1]))
    local start, finish = found[1], found[2]
    if start and (best_start == nil or start < best_start) then
      local groups = {}
      for i, group in ipairs(alt[2]) do
        local from, to = found[3 + (i - 1) * 2], found[4 + (i - 1) * 2]
        if from == nil then break end
        groups[group] = word:sub(from, to - 1)
      end
      best_start, best_end, best_groups = start, finish, groups
    end
  end
  return best_start, best_end, best_groups
end

-- Plural of an English noun (a model name) as Sequelize's inflection makes it.
function inflection.pluralize(word)
  assert(type(word) == 'string', 'pluralize: expected a string')
  local lower = word:lower()
  if uncountable[lower] then return word end
  for _, r in ipairs(plural_rules) do
    local start, finish, groups = match_rule(r, word, lower)
    if start then
      if r.replacement == nil then return word end
      local replaced = r.replacement:gsub('%$(%d)', function(n) return groups[tonumber(n)] or '' end)
      return word:sub(1, start - 1) .. replaced .. word:sub(finish + 1)
    end
  end
  return word
end

-- snake_case as inflection.underscore: every capital gets an underscore
-- before it (except at the start), then everything is lower-cased.
--   firstName -> first_name, createdAt -> created_at, UserID -> user_i_d
function inflection.underscore(word)
  assert(type(word) == 'string', 'underscore: expected a string')
  local parts = {}
  for part in (word .. '::'):gmatch('(.-)::') do
    part = part:gsub('(%u)', '_%1'):gsub('^_', '')
    parts[#parts + 1] = part
  end
  return (table.concat(parts, '/'):lower())
end

-- The table name Sequelize gives a model: its plural, snake-cased when underscored.
function inflection.tableName(modelName, underscored)
  local name = inflection.pluralize(modelName)
  if underscored then name = inflection.underscore(name) end
  return name
end

inflection.uncountable = uncountable

return inflection
