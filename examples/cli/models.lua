-- A models file for the `modelsync` command: a Lua chunk that receives the
-- connection as `...` and defines models on it (the form modelsync.render writes).
--
--   bin/modelsync plan  examples/cli/models.lua --db sqlite:/tmp/blog.sqlite
--   bin/modelsync apply examples/cli/models.lua --db sqlite:/tmp/blog.sqlite
--   bin/modelsync check examples/cli/models.lua --db sqlite:/tmp/blog.sqlite   # exit 0: in sync
--   bin/modelsync erd   examples/cli/models.lua --format mermaid
local db = ...
local T = require('modelsync').DataTypes

db:define('Author', {
  id    = { type = T.INTEGER, primaryKey = true, autoIncrement = true },
  email = { type = T.STRING(120), allowNull = false, unique = true },
  name  = T.STRING(80),
}, { timestamps = false })

db:define('Post', {
  id       = { type = T.INTEGER, primaryKey = true, autoIncrement = true },
  authorId = { type = T.INTEGER, allowNull = false, references = { model = 'Author' }, onDelete = 'CASCADE' },
  title    = { type = T.STRING(200), allowNull = false },
  body     = T.TEXT,
}, { timestamps = false })

db:define('Comment', {
  id     = { type = T.INTEGER, primaryKey = true, autoIncrement = true },
  postId = { type = T.INTEGER, allowNull = false, references = { model = 'Post' }, onDelete = 'CASCADE' },
  author = { type = T.INTEGER, references = { model = 'Author' }, onDelete = 'SET NULL' },
  body   = { type = T.TEXT, allowNull = false },
}, { timestamps = false })
