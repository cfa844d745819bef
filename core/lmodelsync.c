/*
** lmodelsync.c: the Lua binding, `require('modelsync.core')`.
**
** It converts plain Lua data (the desired schema of docs/internals.md) to the
** C schema model, runs the pipeline of apply.c and converts the plan back.
** Every C allocation of a call lives in one arena owned by a userdata box on
** the Lua stack, so a Lua error anywhere (even out of memory) never leaks it:
** the box's __gc/__close frees the arena.  The connection handle follows
** liolib.c: the userdata is made closed first, then the resource acquired.
*/
#include <string.h>
#include <stdlib.h>

#include "lua.h"
#include "lauxlib.h"

#include "ms.h"

#if defined(__GNUC__)
#define MS_EXPORT __attribute__((visibility("default")))
#else
#define MS_EXPORT
#endif

#define CONNECTION_METATABLE "modelsync.connection"
#define ARENA_METATABLE "modelsync.arena"
#define ERROR_METATABLE "modelsync.error"

/* A connection userdata: the C connection plus what the logger needs. */
typedef struct lconnection {
  ms_conn conn;
  int logger;                 /* registry reference of the logging function, or LUA_NOREF */
  lua_State *L;               /* the state of the call in progress (for the logger) */
  int logger_failed;          /* the logger raised during this call */
  char *target;               /* what __tostring shows (malloc'd) */
} lconnection;

/* ------------------------------------------------------------ arena boxes */

typedef struct arena_box {
  ms_arena *arena;
} arena_box;

/* __gc and __close of an arena box: frees the arena once. */
static int arena_box_release(lua_State *L) {
  arena_box *box = luaL_checkudata(L, 1, ARENA_METATABLE);
  ms_arena_free(box->arena);
  box->arena = NULL;
  return 0;
}

/* Frees the arena of the box at idx now, rather than at the next collection:
** a large plan's memory should not wait for the garbage collector. */
static void release_arena(lua_State *L, int idx) {
  arena_box *box = luaL_checkudata(L, idx, ARENA_METATABLE);
  ms_arena_free(box->arena);
  box->arena = NULL;
}

/* Pushes a box owning a new arena and returns the arena. */
static ms_arena *push_arena(lua_State *L) {
  arena_box *box = lua_newuserdatauv(L, sizeof *box, 0);
  box->arena = NULL;
  luaL_setmetatable(L, ARENA_METATABLE);
  box->arena = ms_arena_new();
  return box->arena;
}

/* A desired schema read from Lua, kept in an arena of its own so that a
** connection can reuse it (see desired_schema): an arena box (its first
** member, so the box's __gc frees it) plus the schema.  Its user value is the
** list of the Lua tables it was read from. */
typedef struct desired_box {
  arena_box owner;
  ms_schema schema;
} desired_box;

/* ---------------------------------------------------------------- errors */

/* Sets t[key] = s when s is not NULL (t on top of the stack). */
static void set_string_field(lua_State *L, const char *key, const char *s) {
  if (s == NULL) return;
  lua_pushstring(L, s);
  lua_setfield(L, -2, key);
}

/* Pushes the error table for err. */
static void push_error(lua_State *L, const ms_error *err) {
  lua_createtable(L, 0, 6);
  set_string_field(L, "code", err->code ? err->code : MS_E_INTERNAL);
  set_string_field(L, "message", err->message ? err->message : "unknown error");
  set_string_field(L, "table", err->table);
  set_string_field(L, "column", err->column);
  set_string_field(L, "sql", err->sql);
  if (err->rows >= 0) {
    lua_pushinteger(L, (lua_Integer)err->rows);
    lua_setfield(L, -2, "rows");
  }
  luaL_setmetatable(L, ERROR_METATABLE);
}

/* Raises err as an error table.  Arenas on the stack are freed by their box. */
static int raise_error(lua_State *L, const ms_error *err) {
  push_error(L, err);
  return lua_error(L);
}

/* Raises a fresh error with a code and a message. */
static int raise_code(lua_State *L, const char *code, const char *fmt, ...) {
  ms_error err;
  ms_arena *arena = push_arena(L);
  va_list ap;
  ms_error_init(&err, arena);
  err.code = code;
  va_start(ap, fmt);
  err.message = ms_vprintf(arena, fmt, ap);
  va_end(ap);
  return raise_error(L, &err);
}

/* __tostring of error tables: the message, and the code. */
static int error_tostring(lua_State *L) {
  const char *code, *message;
  lua_getfield(L, 1, "code");
  lua_getfield(L, 1, "message");
  code = lua_tostring(L, -2);
  message = lua_tostring(L, -1);
  lua_pushfstring(L, "%s: %s", code ? code : "E_UNKNOWN", message ? message : "(no message)");
  return 1;
}

/* ------------------------------------------------------------- connection */

static lconnection *check_connection(lua_State *L) {
  return luaL_checkudata(L, 1, CONNECTION_METATABLE);
}

/* The connection at argument 1, raising E_CLOSED when it is closed. */
static lconnection *open_connection(lua_State *L) {
  lconnection *c = check_connection(L);
  if (c->conn.handle == NULL) raise_code(L, MS_E_CLOSED, "the connection is closed");
  c->L = L;
  c->logger_failed = 0;
  return c;
}

/* Calls the Lua logger with sql; a raising logger fails this call once,
** and is not called again during it (so a rollback still goes out). */
static int call_logger(void *userdata, const char *sql, ms_error *err) {
  lconnection *c = userdata;
  lua_State *L = c->L;
  if (c->logger == LUA_NOREF || c->logger_failed || L == NULL) return MS_OK;
  lua_rawgeti(L, LUA_REGISTRYINDEX, c->logger);
  lua_pushstring(L, sql);
  if (c->conn.current_step != NULL) {  /* DESIGN's logging(sql, step): the plan step */
    const ms_step *step = c->conn.current_step;
    lua_createtable(L, 0, 5);
    set_string_field(L, "op", step->op);
    set_string_field(L, "schema", step->schema);
    set_string_field(L, "table", step->table);
    set_string_field(L, "column", step->column);
    set_string_field(L, "risk", ms_risk_name(step->risk));
  } else {
    lua_pushnil(L);
  }
  if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
    const char *message = lua_tostring(L, -1);
    c->logger_failed = 1;
    ms_error_set(err, MS_E_LOGGING, "the logging function raised: %s", message ? message : "(not a string)");
    lua_pop(L, 1);
    return MS_ERROR;
  }
  return MS_OK;
}

/* Closes the connection if open: __gc, __close and close() alike. */
static int connection_close(lua_State *L) {
  lconnection *c = check_connection(L);
  if (c->conn.handle != NULL) c->conn.dialect->close(&c->conn);
  c->conn.handle = NULL;
  free(c->conn.database_name);
  free(c->conn.default_schema);
  c->conn.database_name = c->conn.default_schema = NULL;
  if (c->logger != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, c->logger);
  c->logger = LUA_NOREF;
  return 0;
}

static int connection_tostring(lua_State *L) {
  lconnection *c = check_connection(L);
  if (c->conn.handle == NULL) lua_pushliteral(L, "modelsync connection (closed)");
  else lua_pushfstring(L, "modelsync connection (%s)", c->target ? c->target : "?");
  return 1;
}

/* The connection's userdata is collected: close and free the target. */
static int connection_gc(lua_State *L) {
  lconnection *c = check_connection(L);
  connection_close(L);
  free(c->target);
  c->target = NULL;
  return 0;
}

/* Reads an optional string option. */
static const char *opt_string_field(lua_State *L, int t, const char *key) {
  const char *s = NULL;
  int type = lua_getfield(L, t, key);
  if (type == LUA_TSTRING) s = lua_tostring(L, -1);
  else if (type != LUA_TNIL)
    raise_code(L, "E_OPTION", "bad option '%s': expected string, got %s", key, lua_typename(L, type));
  lua_pop(L, 1);     /* the string stays anchored in the options table */
  return s;
}

/* Reads an optional integer option (def when absent). */
static lua_Integer opt_integer_field(lua_State *L, int t, const char *key, lua_Integer def) {
  lua_Integer n = def;
  int type = lua_getfield(L, t, key);
  if (type != LUA_TNIL) {
    int ok;
    n = lua_tointegerx(L, -1, &ok);
    if (!ok) raise_code(L, "E_OPTION", "bad option '%s': expected integer, got %s", key, lua_typename(L, type));
  }
  lua_pop(L, 1);
  return n;
}

/* Reads an optional boolean option (def when absent). */
static int opt_boolean_field(lua_State *L, int t, const char *key, int def) {
  int value = def;
  int type = lua_getfield(L, t, key);
  if (type == LUA_TBOOLEAN) value = lua_toboolean(L, -1);
  else if (type != LUA_TNIL)
    raise_code(L, "E_OPTION", "bad option '%s': expected boolean, got %s", key, lua_typename(L, type));
  lua_pop(L, 1);
  return value;
}

/* core.connect{ dialect =, storage =, url =, host =, ... } -> connection */
static int core_connect(lua_State *L) {
  ms_connect_options options;
  const ms_dialect *dialect;
  lconnection *c;
  ms_error err;
  ms_arena *arena;

  luaL_checktype(L, 1, LUA_TTABLE);
  memset(&options, 0, sizeof options);
  options.dialect = opt_string_field(L, 1, "dialect");
  if (options.dialect == NULL) options.dialect = "sqlite";
  options.storage = opt_string_field(L, 1, "storage");
  options.url = opt_string_field(L, 1, "url");
  options.host = opt_string_field(L, 1, "host");
  options.user = opt_string_field(L, 1, "user");
  options.password = opt_string_field(L, 1, "password");
  options.database = opt_string_field(L, 1, "database");
  options.schema = opt_string_field(L, 1, "schema");
  options.port = (int)opt_integer_field(L, 1, "port", 0);
  options.foreign_keys = opt_boolean_field(L, 1, "foreignKeys", 1);
  options.busy_timeout_ms = (int)opt_integer_field(L, 1, "busyTimeout", 5000);
  options.lock_timeout_ms = (int)opt_integer_field(L, 1, "lockTimeout", 10000);
  dialect = ms_find_dialect(options.dialect);
  if (dialect == NULL)
    return raise_code(L, MS_E_CONNECT, "unknown dialect '%s' (this build knows: sqlite%s)", options.dialect,
#ifdef MODELSYNC_WITH_POSTGRES
                      ", postgres"
#else
                      ""
#endif
                      );

  /* Closed first, then opened: a failure leaves a harmless closed handle. */
  c = lua_newuserdatauv(L, sizeof *c, 1);      /* user value 1: the desired-schema cache */
  memset(c, 0, sizeof *c);
  c->logger = LUA_NOREF;
  c->conn.dialect = dialect;
  luaL_setmetatable(L, CONNECTION_METATABLE);
  c->conn.log = call_logger;
  c->conn.log_userdata = c;
  c->conn.lock_timeout_ms = options.lock_timeout_ms;
  c->conn.full_introspection = opt_boolean_field(L, 1, "fullIntrospection", 0);

  arena = push_arena(L);
  ms_error_init(&err, arena);
  c->L = L;
  if (dialect->open(&c->conn, &options, &err) != MS_OK) {
    if (c->conn.handle != NULL) dialect->close(&c->conn);
    c->conn.handle = NULL;
    return raise_error(L, &err);
  }
  {
    const char *where = strcmp(dialect->name, "sqlite") == 0
      ? (options.storage ? options.storage : ":memory:")
      : (c->conn.database_name ? c->conn.database_name : "?");
    size_t n = strlen(dialect->name) + strlen(where) + 3;
    c->target = malloc(n);
    if (c->target != NULL) {
      strcpy(c->target, dialect->name);
      strcat(c->target, ": ");
      strcat(c->target, where);
    }
  }
  lua_pop(L, 1);                      /* the arena box */
  return 1;
}

/* conn:info() -> { dialect =, database =, schema = } */
static int connection_info(lua_State *L) {
  lconnection *c = open_connection(L);
  lua_createtable(L, 0, 4);
  set_string_field(L, "dialect", c->conn.dialect->name);
  set_string_field(L, "database", c->conn.database_name);
  set_string_field(L, "schema", c->conn.default_schema);
  /* the longest name the database keeps whole, in bytes (0: no limit), so
  ** that the Lua layer can refuse a longer one at define() time */
  lua_pushinteger(L, (lua_Integer)c->conn.dialect->max_identifier_length);
  lua_setfield(L, -2, "maxIdentifierLength");
  return 1;
}

/* conn:setLogger(fn | nil) */
static int connection_set_logger(lua_State *L) {
  lconnection *c = open_connection(L);
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TFUNCTION);
  if (c->logger != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, c->logger);
  c->logger = LUA_NOREF;
  if (!lua_isnoneornil(L, 2)) {
    lua_pushvalue(L, 2);
    c->logger = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  return 0;
}

/* Pushes one result value (nothing pushed for NULL: returns 0). */
static int push_value(lua_State *L, const ms_value *v) {
  switch (v->type) {
  case MS_NULL: return 0;
  case MS_INTEGER: lua_pushinteger(L, (lua_Integer)v->integer); return 1;
  case MS_FLOAT: lua_pushnumber(L, (lua_Number)v->number); return 1;
  case MS_BOOLEAN: lua_pushboolean(L, v->integer != 0); return 1;
  case MS_TEXT: case MS_BLOB: lua_pushlstring(L, v->text ? v->text : "", v->length); return 1;
  }
  return 0;
}

/* Reads the parameter list at index idx into values. */
static ms_value *read_params(lua_State *L, ms_arena *arena, int idx, size_t *count) {
  lua_Integer n, i;
  ms_value *values;
  *count = 0;
  if (lua_isnoneornil(L, idx)) return NULL;
  luaL_checktype(L, idx, LUA_TTABLE);
  if (lua_getfield(L, idx, "n") == LUA_TNUMBER) n = lua_tointeger(L, -1);
  else n = (lua_Integer)luaL_len(L, idx);
  lua_pop(L, 1);
  values = ms_alloc(arena, (size_t)(n > 0 ? n : 1) * sizeof *values);
  for (i = 1; i <= n; i++) {
    ms_value *v = &values[i - 1];
    int type = lua_geti(L, idx, i);
    switch (type) {
    case LUA_TNIL: v->type = MS_NULL; break;
    case LUA_TBOOLEAN: v->type = MS_BOOLEAN; v->integer = lua_toboolean(L, -1); break;
    case LUA_TNUMBER:
      if (lua_isinteger(L, -1)) { v->type = MS_INTEGER; v->integer = lua_tointeger(L, -1); }
      else { v->type = MS_FLOAT; v->number = lua_tonumber(L, -1); }
      break;
    case LUA_TSTRING: {
      size_t len;
      const char *s = lua_tolstring(L, -1, &len);
      v->type = MS_TEXT;
      v->text = ms_strndup(arena, s, len);
      v->length = len;
      break;
    }
    default:
      raise_code(L, "E_OPTION", "bad query parameter $%d: expected string, number, boolean or nil, got %s",
                 (int)i, lua_typename(L, type));
    }
    lua_pop(L, 1);
  }
  *count = (size_t)n;
  return values;
}

/* Pushes rows (array of tables keyed by column name) and the column names. */
static void push_result(lua_State *L, const ms_result *result) {
  size_t row, col;
  lua_createtable(L, (int)result->n_rows, 0);
  for (row = 0; row < result->n_rows; row++) {
    lua_createtable(L, 0, (int)result->n_columns);
    for (col = 0; col < result->n_columns; col++)
      if (push_value(L, MS_CELL(result, row, col))) lua_setfield(L, -2, result->column_names[col]);
    lua_rawseti(L, -2, (lua_Integer)row + 1);
  }
  lua_createtable(L, (int)result->n_columns, 0);
  for (col = 0; col < result->n_columns; col++) {
    lua_pushstring(L, result->column_names[col]);
    lua_rawseti(L, -2, (lua_Integer)col + 1);
  }
}

/* conn:query(sql, params) -> rows, columns */
static int connection_query(lua_State *L) {
  lconnection *c = open_connection(L);
  const char *sql = luaL_checkstring(L, 2);
  ms_arena *arena;
  size_t n_params;
  ms_value *params;
  ms_result result;
  ms_error err;
  lua_settop(L, 3);                        /* the arena box goes above the arguments */
  arena = push_arena(L);
  params = read_params(L, arena, 3, &n_params);
  ms_error_init(&err, arena);
  if (ms_query(&c->conn, arena, sql, params, n_params, &result, &err) != MS_OK) return raise_error(L, &err);
  push_result(L, &result);
  release_arena(L, -3);
  return 2;
}

/* conn:exec(sql): statements without parameters or rows. */
static int connection_exec(lua_State *L) {
  lconnection *c = open_connection(L);
  const char *sql = luaL_checkstring(L, 2);
  ms_arena *arena = push_arena(L);
  ms_error err;
  ms_error_init(&err, arena);
  if (ms_exec(&c->conn, arena, sql, &err) != MS_OK) return raise_error(L, &err);
  return 0;
}

/* ------------------------------------------------ desired schema from Lua */

/* Where a definition error is, for messages. */
/* A type already converted during this read: most columns of a schema share
** a handful of types, and converting each through the dialect again would
** cost a thousand-table sync tens of thousands of string rewrites. */
typedef struct known_type {
  const void *table;            /* the Lua type table it was read from */
  const char *key, *sql;
  long long length, precision, scale;
  const char *native, *canonical;
} known_type;

#define KNOWN_TYPES 64

typedef struct reader {
  lua_State *L;
  ms_arena *arena;
  const ms_dialect *dialect;
  const char *default_schema;
  const char *table;        /* table being read */
  const char *column;       /* column being read */
  known_type known[KNOWN_TYPES];
  size_t n_known;
} reader;

/* Raises E_DEFINITION naming the table and column being read. */
static int definition_error(reader *r, const char *fmt, ...) {
  ms_error err;
  va_list ap;
  ms_error_init(&err, r->arena);
  err.code = MS_E_DEFINITION;
  va_start(ap, fmt);
  err.message = ms_vprintf(r->arena, fmt, ap);
  va_end(ap);
  if (r->table) {
    err.message = r->column
      ? ms_printf(r->arena, "table '%s', column '%s': %s", r->table, r->column, err.message)
      : ms_printf(r->arena, "table '%s': %s", r->table, err.message);
  }
  err.table = ms_strdup(r->arena, r->table);
  err.column = ms_strdup(r->arena, r->column);
  return raise_error(r->L, &err);
}

/* The string field key of the table on top, copied into the arena (NULL when absent). */
static const char *get_string(reader *r, const char *key, int required) {
  const char *s = NULL;
  int type = lua_getfield(r->L, -1, key);
  if (type == LUA_TSTRING) {
    size_t length;
    const char *text = lua_tolstring(r->L, -1, &length);
    if (strlen(text) != length) definition_error(r, "'%s' holds a NUL byte", key);   /* never cut short */
    s = ms_strndup(r->arena, text, length);
  }
  else if (type != LUA_TNIL) definition_error(r, "'%s' must be a string, got %s", key, lua_typename(r->L, type));
  else if (required) definition_error(r, "'%s' is required", key);
  lua_pop(r->L, 1);
  return s;
}

static int get_boolean(reader *r, const char *key, int def) {
  int value = def;
  int type = lua_getfield(r->L, -1, key);
  if (type == LUA_TBOOLEAN) value = lua_toboolean(r->L, -1);
  else if (type != LUA_TNIL) definition_error(r, "'%s' must be a boolean, got %s", key, lua_typename(r->L, type));
  lua_pop(r->L, 1);
  return value;
}

static long long get_integer(reader *r, const char *key, long long def) {
  long long value = def;
  int type = lua_getfield(r->L, -1, key);
  if (type == LUA_TNUMBER && lua_isinteger(r->L, -1)) value = lua_tointeger(r->L, -1);
  else if (type != LUA_TNIL) definition_error(r, "'%s' must be an integer, got %s", key, lua_typename(r->L, type));
  lua_pop(r->L, 1);
  return value;
}

/* A list of strings at key (a lone string counts as a list of one). */
static const char **get_string_list(reader *r, const char *key, size_t *count) {
  const char **items = NULL;
  int type = lua_getfield(r->L, -1, key);
  *count = 0;
  if (type == LUA_TSTRING) {
    items = ms_alloc(r->arena, sizeof *items);
    items[0] = ms_strdup(r->arena, lua_tostring(r->L, -1));
    *count = 1;
  } else if (type == LUA_TTABLE) {
    lua_Integer n = luaL_len(r->L, -1), i;
    items = ms_alloc(r->arena, (size_t)(n > 0 ? n : 1) * sizeof *items);
    for (i = 1; i <= n; i++) {
      if (lua_geti(r->L, -1, i) != LUA_TSTRING) definition_error(r, "'%s' must list strings", key);
      items[i - 1] = ms_strdup(r->arena, lua_tostring(r->L, -1));
      lua_pop(r->L, 1);
    }
    *count = (size_t)n;
  } else if (type != LUA_TNIL) {
    definition_error(r, "'%s' must be a string or a list of strings", key);
  }
  lua_pop(r->L, 1);
  return items;
}

/* Pushes t[key] and checks that it is a table (or absent: returns 0). */
static int push_table_field(reader *r, const char *key) {
  int type = lua_getfield(r->L, -1, key);
  if (type == LUA_TTABLE) return 1;
  if (type != LUA_TNIL) definition_error(r, "'%s' must be a table, got %s", key, lua_typename(r->L, type));
  lua_pop(r->L, 1);
  return 0;
}

/* Reads the column's type table (on top) into column, through the dialect. */
static void read_type(reader *r, const ms_table *table, ms_column *column) {
  ms_type_spec spec;
  ms_error err;
  const char *native;
  const void *type_table = lua_topointer(r->L, -1);
  size_t i;
  /* The Lua layer hands over one table per DataTypes value: a table seen
  ** before in this read (alive all along, so its address is its identity)
  ** is the same type, without reading its fields again. */
  for (i = 0; i < r->n_known; i++)
    if (r->known[i].table == type_table) {
      column->native_type = r->known[i].native;
      column->type = r->known[i].canonical;
      return;
    }
  memset(&spec, 0, sizeof spec);
  spec.key = get_string(r, "key", 1);
  spec.length = get_integer(r, "length", 0);
  spec.precision = get_integer(r, "precision", 0);
  spec.scale = get_integer(r, "scale", 0);
  spec.sql = get_string(r, "sql", 0);
  spec.values = get_string_list(r, "values", &spec.n_values);
  spec.schema = table->schema ? table->schema : r->default_schema;
  spec.table = table->name;
  spec.column = column->name;
  /* Every type but ENUM maps the same way wherever it appears. */
  if (strcmp(spec.key, "ENUM") != 0) {
    for (i = 0; i < r->n_known; i++) {
      const known_type *k = &r->known[i];
      if (k->length == spec.length && k->precision == spec.precision && k->scale == spec.scale
          && strcmp(k->key, spec.key) == 0 && ms_same_name(k->sql, spec.sql)) {
        column->native_type = k->native;
        column->type = k->canonical;
        if (r->n_known < KNOWN_TYPES) {      /* this table too, from now on */
          r->known[r->n_known] = *k;
          r->known[r->n_known++].table = type_table;
        }
        return;
      }
    }
  }
  ms_error_init(&err, r->arena);
  native = r->dialect->native_type(r->arena, &spec, &err);
  if (native == NULL) {
    if (err.message == NULL) definition_error(r, "type %s is not available on %s", spec.key, r->dialect->name);
    definition_error(r, "%s", err.message);
  }
  column->native_type = native;
  if (strcmp(spec.key, "ENUM") == 0) {
    if (spec.n_values == 0) definition_error(r, "ENUM needs at least one value");
    column->type = "ENUM";
    column->enum_values = spec.values;
    column->n_enum_values = spec.n_values;
  } else {
    column->type = r->dialect->canonical_type(r->arena, native);
    if (r->n_known < KNOWN_TYPES) {
      known_type *k = &r->known[r->n_known++];
      k->table = type_table;
      k->key = spec.key;
      k->sql = spec.sql;
      k->length = spec.length;
      k->precision = spec.precision;
      k->scale = spec.scale;
      k->native = native;
      k->canonical = column->type;
    }
  }
}

/* Reads the column's default table (on top) into column, through the dialect. */
static void read_default(reader *r, ms_column *column) {
  ms_default_spec spec;
  ms_error err;
  const char *kind = get_string(r, "kind", 1);
  memset(&spec, 0, sizeof spec);
  if (strcmp(kind, "now") == 0) spec.kind = MS_DEFAULT_NOW;
  else if (strcmp(kind, "literal") == 0) {
    spec.kind = MS_DEFAULT_LITERAL;
    spec.sql = get_string(r, "sql", 1);
  } else if (strcmp(kind, "value") == 0) {
    int type = lua_getfield(r->L, -1, "value");
    spec.kind = MS_DEFAULT_VALUE;
    switch (type) {
    case LUA_TBOOLEAN: spec.value.type = MS_BOOLEAN; spec.value.integer = lua_toboolean(r->L, -1); break;
    case LUA_TNUMBER:
      if (lua_isinteger(r->L, -1)) { spec.value.type = MS_INTEGER; spec.value.integer = lua_tointeger(r->L, -1); }
      else { spec.value.type = MS_FLOAT; spec.value.number = lua_tonumber(r->L, -1); }
      break;
    case LUA_TSTRING: {
      size_t len;
      const char *s = lua_tolstring(r->L, -1, &len);
      spec.value.type = MS_TEXT;
      spec.value.text = ms_strndup(r->arena, s, len);
      spec.value.length = len;
      break;
    }
    default:
      definition_error(r, "a default value must be a string, number or boolean, got %s", lua_typename(r->L, type));
    }
    lua_pop(r->L, 1);
  } else {
    definition_error(r, "unknown default kind '%s'", kind);
  }
  ms_error_init(&err, r->arena);
  column->default_sql = r->dialect->default_sql(r->arena, &spec, column->type, &err);
  if (column->default_sql == NULL) definition_error(r, "%s", err.message ? err.message : "bad default");
  column->default_canonical = r->dialect->canonical_default(r->arena, column->default_sql);
}

/* Refuses a name the database would truncate or cannot hold. */
static void check_identifier(reader *r, const char *name, const char *what) {
  size_t limit = r->dialect->max_identifier_length;
  if (name[0] == '\0') definition_error(r, "the %s name is empty", what);
  if (limit > 0 && strlen(name) > limit)
    definition_error(r, "%s name '%s' is %lu bytes long: %s keeps at most %lu (names are never truncated)",
                     what, name, (unsigned long)strlen(name), r->dialect->name, (unsigned long)limit);
}

/* Reads one column (table on top). */
static void read_column(reader *r, ms_table *table, ms_column *column) {
  int type;
  column->name = get_string(r, "name", 1);
  r->column = column->name;
  check_identifier(r, column->name, "column");
  if (!push_table_field(r, "type")) definition_error(r, "'type' is required");
  read_type(r, table, column);
  lua_pop(r->L, 1);
  column->not_null = !get_boolean(r, "allowNull", 1);
  type = lua_getfield(r->L, -1, "primaryKey");
  if (type == LUA_TNUMBER) column->primary_key = (int)lua_tointeger(r->L, -1);
  else if (type == LUA_TBOOLEAN) column->primary_key = lua_toboolean(r->L, -1) ? -1 : 0;
  else if (type != LUA_TNIL) definition_error(r, "'primaryKey' must be a boolean or a position");
  lua_pop(r->L, 1);
  if (column->primary_key) column->not_null = 1;
  column->auto_increment = get_boolean(r, "autoIncrement", 0);
  column->comment = get_string(r, "comment", 0);
  column->renamed_from = get_string_list(r, "renamedFrom", &column->n_renamed_from);
  if (push_table_field(r, "default")) {
    read_default(r, column);
    lua_pop(r->L, 1);
  }
  r->column = NULL;
}

/* Reads one index (table on top). */
static void read_index(reader *r, ms_index *index) {
  lua_Integer n, i;
  const char *where;
  index->name = get_string(r, "name", 0);
  index->unique = get_boolean(r, "unique", 0);
  index->constraint = get_boolean(r, "constraint", 0);
  where = get_string(r, "where", 0);
  if (where != NULL) index->where = r->dialect->canonical_default(r->arena, where);
  index->method = get_string(r, "using", 0);
  if (index->method != NULL) {
    char *upper = ms_strdup(r->arena, index->method), *p;
    for (p = upper; *p; p++) if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
    index->method = upper;
  }
  if (!push_table_field(r, "fields")) definition_error(r, "an index needs 'fields'");
  n = luaL_len(r->L, -1);
  if (n < 1) definition_error(r, "an index needs at least one field");
  index->parts = ms_alloc(r->arena, (size_t)n * sizeof *index->parts);
  index->n_parts = (size_t)n;
  for (i = 1; i <= n; i++) {
    ms_index_part *part = &index->parts[i - 1];
    int type = lua_geti(r->L, -1, i);
    if (type == LUA_TSTRING) part->column = ms_strdup(r->arena, lua_tostring(r->L, -1));
    else if (type == LUA_TTABLE) {
      const char *order;
      part->column = get_string(r, "name", 1);
      order = get_string(r, "order", 0);
      part->descending = order != NULL && (strcmp(order, "DESC") == 0 || strcmp(order, "desc") == 0);
    } else definition_error(r, "index fields must be names or { name =, order = } tables");
    lua_pop(r->L, 1);
  }
  lua_pop(r->L, 1);
}

/* Upper-cases a foreign key action, and checks it is one SQL knows. */
static const char *read_action(reader *r, const char *key) {
  static const char *const actions[] = { "CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION", NULL };
  const char *action = get_string(r, key, 0);
  char *upper;
  size_t i;
  if (action == NULL) return NULL;
  upper = ms_strdup(r->arena, action);
  for (i = 0; upper[i]; i++) if (upper[i] >= 'a' && upper[i] <= 'z') upper[i] = (char)(upper[i] - 'a' + 'A');
  for (i = 0; actions[i]; i++)
    if (strcmp(upper, actions[i]) == 0) return strcmp(upper, "NO ACTION") == 0 ? NULL : actions[i];
  definition_error(r, "'%s' must be one of CASCADE, SET NULL, SET DEFAULT, RESTRICT, NO ACTION; got '%s'", key, action);
  return NULL;
}

/* Reads one foreign key (table on top). */
static void read_foreign_key(reader *r, ms_foreign_key *fk) {
  fk->name = get_string(r, "name", 0);
  fk->columns = get_string_list(r, "columns", &fk->n_columns);
  fk->ref_schema = get_string(r, "refSchema", 0);
  fk->ref_table = get_string(r, "refTable", 1);
  fk->ref_columns = get_string_list(r, "refColumns", &fk->n_ref_columns);
  fk->on_delete = read_action(r, "onDelete");
  fk->on_update = read_action(r, "onUpdate");
  if (fk->n_columns == 0 || fk->n_columns != fk->n_ref_columns)
    definition_error(r, "a foreign key to '%s' needs as many columns as referenced columns", fk->ref_table);
}

/* Gives primary-key columns declared with `true` their positions. */
static void number_primary_key(ms_table *table) {
  size_t i;
  int next = 1;
  for (i = 0; i < table->n_columns; i++)
    if (table->columns[i].primary_key > 0 && table->columns[i].primary_key >= next)
      next = table->columns[i].primary_key + 1;
  for (i = 0; i < table->n_columns; i++)
    if (table->columns[i].primary_key < 0) table->columns[i].primary_key = next++;
}

/* Reads one table (table on top). */
static void read_table(reader *r, ms_table *table) {
  size_t i;
  lua_Integer n, k;
  table->name = get_string(r, "name", 1);
  r->table = table->name;
  r->column = NULL;
  check_identifier(r, table->name, "table");
  table->schema = get_string(r, "schema", 0);
  if (table->schema != NULL) check_identifier(r, table->schema, "schema");
  if (table->schema == NULL && r->dialect->has_schemas) table->schema = r->default_schema;
  table->comment = get_string(r, "comment", 0);

  if (!push_table_field(r, "columns")) definition_error(r, "'columns' is required");
  n = luaL_len(r->L, -1);
  if (n < 1) definition_error(r, "a table needs at least one column");
  table->columns = ms_alloc(r->arena, (size_t)n * sizeof *table->columns);
  table->n_columns = (size_t)n;
  for (k = 1; k <= n; k++) {
    if (lua_geti(r->L, -1, k) != LUA_TTABLE) definition_error(r, "column %d is not a table", (int)k);
    read_column(r, table, &table->columns[k - 1]);
    for (i = 0; i + 1 < (size_t)k; i++)
      if (strcmp(table->columns[i].name, table->columns[k - 1].name) == 0)
        definition_error(r, "column '%s' is defined twice", table->columns[i].name);
    lua_pop(r->L, 1);
  }
  lua_pop(r->L, 1);
  number_primary_key(table);
  for (i = 0; i < table->n_columns; i++)
    if (table->columns[i].auto_increment && table->columns[i].primary_key) table->autoincrement = 1;

  if (push_table_field(r, "indexes")) {
    n = luaL_len(r->L, -1);
    table->indexes = ms_alloc(r->arena, (size_t)(n > 0 ? n : 1) * sizeof *table->indexes);
    table->n_indexes = (size_t)n;
    for (k = 1; k <= n; k++) {
      ms_index *index = &table->indexes[k - 1];
      size_t p;
      if (lua_geti(r->L, -1, k) != LUA_TTABLE) definition_error(r, "index %d is not a table", (int)k);
      read_index(r, index);
      for (p = 0; p < index->n_parts; p++)
        if (ms_table_find_column(table, index->parts[p].column) == NULL)
          definition_error(r, "an index names column '%s', which the table does not have", index->parts[p].column);
      if (index->name == NULL) index->name = r->dialect->index_name(r->arena, table, index);
      else check_identifier(r, index->name, "index");
      lua_pop(r->L, 1);
    }
    lua_pop(r->L, 1);
  }
  if (push_table_field(r, "foreignKeys")) {
    n = luaL_len(r->L, -1);
    table->foreign_keys = ms_alloc(r->arena, (size_t)(n > 0 ? n : 1) * sizeof *table->foreign_keys);
    table->n_foreign_keys = (size_t)n;
    for (k = 1; k <= n; k++) {
      ms_foreign_key *fk = &table->foreign_keys[k - 1];
      size_t p;
      if (lua_geti(r->L, -1, k) != LUA_TTABLE) definition_error(r, "foreign key %d is not a table", (int)k);
      read_foreign_key(r, fk);
      for (p = 0; p < fk->n_columns; p++)
        if (ms_table_find_column(table, fk->columns[p]) == NULL)
          definition_error(r, "a foreign key names column '%s', which the table does not have", fk->columns[p]);
      if (fk->ref_schema == NULL && r->dialect->has_schemas) fk->ref_schema = table->schema;
      if (fk->name == NULL) fk->name = r->dialect->foreign_key_name(r->arena, table, fk);
      else check_identifier(r, fk->name, "foreign key");
      lua_pop(r->L, 1);
    }
    lua_pop(r->L, 1);
  }
  r->table = NULL;
}

/* Orders table pointers by name, then schema (qsort). */
static int compare_table_names(const void *a, const void *b) {
  const ms_table *x = *(const ms_table *const *)a, *y = *(const ms_table *const *)b;
  int order = strcmp(x->name, y->name);
  if (order != 0 || ms_same_name(x->schema, y->schema)) return order;
  if (x->schema == NULL || y->schema == NULL) return (x->schema != NULL) - (y->schema != NULL);
  return strcmp(x->schema, y->schema);
}

/* Reads the desired schema at index idx. */
static void read_schema(lua_State *L, lconnection *c, ms_arena *arena, int idx, ms_schema *schema) {
  reader r;
  lua_Integer n, k;
  size_t i;
  memset(&r, 0, sizeof r);
  r.L = L;
  r.arena = arena;
  r.dialect = c->conn.dialect;
  r.default_schema = c->conn.default_schema;
  memset(schema, 0, sizeof *schema);
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_pushvalue(L, idx);
  if (!push_table_field(&r, "tables")) definition_error(&r, "the desired schema needs 'tables'");
  n = luaL_len(L, -1);
  schema->tables = ms_alloc(arena, (size_t)(n > 0 ? n : 1) * sizeof *schema->tables);
  schema->n_tables = (size_t)n;
  for (k = 1; k <= n; k++) {
    if (lua_geti(L, -1, k) != LUA_TTABLE) definition_error(&r, "table %d is not a table", (int)k);
    read_table(&r, &schema->tables[k - 1]);
    lua_pop(L, 1);
  }
  lua_pop(L, 2);
  /* Two models on one table: sorted by name, clashes are neighbours. */
  {
    const ms_table **sorted = ms_alloc(arena, (schema->n_tables + 1) * sizeof *sorted);
    for (i = 0; i < schema->n_tables; i++) sorted[i] = &schema->tables[i];
    qsort(sorted, schema->n_tables, sizeof *sorted, compare_table_names);
    for (i = 1; i < schema->n_tables; i++)
      if (compare_table_names(&sorted[i - 1], &sorted[i]) == 0) {
        r.table = sorted[i]->name;
        definition_error(&r, "two models use this table");
      }
  }
}

/* The desired schema at argument 2, for connection c (argument 1).  Reading
** a thousand tables from Lua costs more than diffing them, and the Lua layer
** hands over the very same table of each model until a model is defined
** again (sync.desired's cache), so the connection keeps the schema it read
** last with the list of Lua tables it came from: when the list is the same,
** table for table, the schema is reused as it is (the pipeline never writes
** to the desired schema).  Otherwise it is read afresh and replaces the
** cache.  The box is left on the stack: it stays alive for the call even if
** a nested call (from a logger) replaces the connection's cache. */
static void desired_schema(lua_State *L, lconnection *c, ms_schema *schema) {
  desired_box *box;
  lua_Integer n, k;
  int tables, cached;
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_getfield(L, 2, "tables");
  tables = lua_gettop(L);
  if (lua_istable(L, tables) && lua_getiuservalue(L, 1, 1) == LUA_TUSERDATA
      && lua_getiuservalue(L, -1, 1) == LUA_TTABLE) {
    cached = lua_gettop(L);
    n = (lua_Integer)lua_rawlen(L, tables);
    if ((lua_Integer)lua_rawlen(L, cached) == n) {
      for (k = 1; k <= n; k++) {
        int same;
        lua_rawgeti(L, tables, k);
        lua_rawgeti(L, cached, k);
        same = lua_type(L, -1) == LUA_TTABLE && lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
        if (!same) break;
      }
      if (k > n) {
        box = lua_touserdata(L, cached - 1);
        *schema = box->schema;
        lua_pop(L, 1);                    /* the list; the box stays */
        lua_remove(L, tables);
        return;
      }
    }
  }
  lua_settop(L, tables);
  box = lua_newuserdatauv(L, sizeof *box, 1);
  memset(box, 0, sizeof *box);
  luaL_setmetatable(L, ARENA_METATABLE);
  box->owner.arena = ms_arena_new();
  read_schema(L, c, box->owner.arena, 2, &box->schema);
  /* Read whole, without error: remember the tables it came from. */
  n = (lua_Integer)lua_rawlen(L, tables);
  lua_createtable(L, (int)n, 0);
  for (k = 1; k <= n; k++) {
    lua_rawgeti(L, tables, k);
    lua_rawseti(L, -2, k);
  }
  lua_setiuservalue(L, -2, 1);
  lua_pushvalue(L, -1);
  lua_setiuservalue(L, 1, 1);
  *schema = box->schema;
  lua_remove(L, tables);
}

/* ------------------------------------------------------------ plan to Lua */

static void push_plan(lua_State *L, ms_arena *arena, const ms_plan *plan) {
  size_t i, j;
  lua_createtable(L, 0, 2);
  lua_createtable(L, (int)plan->n_steps, 0);
  for (i = 0; i < plan->n_steps; i++) {
    const ms_step *step = &plan->steps[i];
    lua_createtable(L, 0, 8);
    set_string_field(L, "op", step->op);
    set_string_field(L, "schema", step->schema);
    set_string_field(L, "table", step->table);
    set_string_field(L, "column", step->column);
    set_string_field(L, "risk", ms_risk_name(step->risk));
    lua_pushboolean(L, step->skipped);
    lua_setfield(L, -2, "skipped");
    set_string_field(L, "reason", step->reason);
    lua_createtable(L, (int)step->n_sql, 0);
    for (j = 0; j < step->n_sql; j++) {
      lua_pushstring(L, step->sql[j]);
      lua_rawseti(L, -2, (lua_Integer)j + 1);
    }
    lua_setfield(L, -2, "sql");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "steps");
  lua_pushstring(L, ms_plan_sql(arena, plan, 0));
  lua_setfield(L, -2, "sql");
}

/* Shared body of conn:plan and conn:sync. */
static int run_pipeline(lua_State *L, ms_sync_mode mode) {
  lconnection *c = open_connection(L);
  ms_arena *arena;
  ms_schema desired;
  ms_diff_options options;
  ms_plan plan;
  ms_error err;
  const char *expected = NULL;
  int box;

  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 3);
  memset(&options, 0, sizeof options);
  if (!lua_isnoneornil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    options.alter = opt_boolean_field(L, 3, "alter", 0);
    options.drop = opt_boolean_field(L, 3, "drop", 0);
    options.force = opt_boolean_field(L, 3, "force", 0);
    options.drop_tables = opt_boolean_field(L, 3, "dropTables", 0);
    expected = opt_string_field(L, 3, "expectedSql");
  }
  desired_schema(L, c, &desired);
  arena = push_arena(L);
  box = lua_gettop(L);
  ms_error_init(&err, arena);
  if (ms_run(&c->conn, arena, mode, &desired, &options, expected, &plan, &err) != MS_OK)
    return raise_error(L, &err);
  push_plan(L, arena, &plan);
  release_arena(L, box);
  return 1;
}

static int connection_plan(lua_State *L) {
  return run_pipeline(L, MS_MODE_PLAN);
}

static int connection_sync(lua_State *L) {
  return run_pipeline(L, MS_MODE_SYNC);
}

/* ------------------------------------------------------- live schema to Lua */

static void push_string_list(lua_State *L, const char **items, size_t n) {
  size_t i;
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_pushstring(L, items[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/* Pushes one live table in the desired-schema shape (plus live details). */
static void push_live_table(lua_State *L, const ms_table *t) {
  size_t i, j;
  lua_createtable(L, 0, 8);
  set_string_field(L, "schema", t->schema);
  set_string_field(L, "name", t->name);
  set_string_field(L, "comment", t->comment);
  lua_createtable(L, (int)t->n_columns, 0);
  for (i = 0; i < t->n_columns; i++) {
    const ms_column *col = &t->columns[i];
    lua_createtable(L, 0, 10);
    set_string_field(L, "name", col->name);
    set_string_field(L, "type", col->type);
    set_string_field(L, "nativeType", col->native_type);
    lua_pushboolean(L, !col->not_null);
    lua_setfield(L, -2, "allowNull");
    if (col->primary_key) {
      lua_pushinteger(L, col->primary_key);
      lua_setfield(L, -2, "primaryKey");
    }
    lua_pushboolean(L, col->auto_increment);
    lua_setfield(L, -2, "autoIncrement");
    set_string_field(L, "default", col->default_sql);
    set_string_field(L, "defaultCanonical", col->default_canonical);
    set_string_field(L, "comment", col->comment);
    set_string_field(L, "generated", col->generated_sql);
    if (col->n_enum_values) {
      push_string_list(L, col->enum_values, col->n_enum_values);
      lua_setfield(L, -2, "values");
    }
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "columns");
  lua_createtable(L, (int)t->n_indexes, 0);
  for (i = 0; i < t->n_indexes; i++) {
    const ms_index *ix = &t->indexes[i];
    lua_createtable(L, 0, 8);
    set_string_field(L, "name", ix->name);
    lua_pushboolean(L, ix->unique);
    lua_setfield(L, -2, "unique");
    lua_pushboolean(L, ix->constraint);
    lua_setfield(L, -2, "constraint");
    lua_pushboolean(L, ix->unmanaged);
    lua_setfield(L, -2, "unmanaged");
    set_string_field(L, "where", ix->where);
    set_string_field(L, "using", ix->method);
    set_string_field(L, "definition", ix->definition_sql);
    lua_createtable(L, (int)ix->n_parts, 0);
    for (j = 0; j < ix->n_parts; j++) {
      lua_createtable(L, 0, 3);
      set_string_field(L, "name", ix->parts[j].column);
      set_string_field(L, "expression", ix->parts[j].expression);
      set_string_field(L, "order", ix->parts[j].descending ? "DESC" : "ASC");
      lua_rawseti(L, -2, (lua_Integer)j + 1);
    }
    lua_setfield(L, -2, "fields");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "indexes");
  lua_createtable(L, (int)t->n_foreign_keys, 0);
  for (i = 0; i < t->n_foreign_keys; i++) {
    const ms_foreign_key *fk = &t->foreign_keys[i];
    lua_createtable(L, 0, 7);
    set_string_field(L, "name", fk->name);
    push_string_list(L, fk->columns, fk->n_columns);
    lua_setfield(L, -2, "columns");
    set_string_field(L, "refSchema", fk->ref_schema);
    set_string_field(L, "refTable", fk->ref_table);
    push_string_list(L, fk->ref_columns, fk->n_ref_columns);
    lua_setfield(L, -2, "refColumns");
    set_string_field(L, "onDelete", fk->on_delete ? fk->on_delete : "NO ACTION");
    set_string_field(L, "onUpdate", fk->on_update ? fk->on_update : "NO ACTION");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "foreignKeys");
  push_string_list(L, t->checks, t->n_checks);
  lua_setfield(L, -2, "checks");
  push_string_list(L, t->triggers, t->n_triggers);
  lua_setfield(L, -2, "triggers");
}

/* conn:introspect(schemas) -> { tables = { ... } } */
static int connection_introspect(lua_State *L) {
  lconnection *c = open_connection(L);
  ms_arena *arena;
  ms_schema live;
  ms_error err;
  size_t n = 0, i;
  const char **schemas = NULL;
  lua_settop(L, 2);
  arena = push_arena(L);
  if (lua_istable(L, 2)) {
    lua_Integer count = luaL_len(L, 2), k;
    schemas = ms_alloc(arena, (size_t)(count > 0 ? count : 1) * sizeof *schemas);
    for (k = 1; k <= count; k++) {
      lua_geti(L, 2, k);
      schemas[n++] = ms_strdup(arena, luaL_checkstring(L, -1));
      lua_pop(L, 1);
    }
  }
  ms_error_init(&err, arena);
  memset(&live, 0, sizeof live);
  if (c->conn.dialect->introspect(&c->conn, arena, schemas, n, &live, &err) != MS_OK)
    return raise_error(L, &err);
  lua_createtable(L, 0, 1);
  lua_createtable(L, (int)live.n_tables, 0);
  for (i = 0; i < live.n_tables; i++) {
    push_live_table(L, &live.tables[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "tables");
  if (c->conn.dialect->list_views != NULL) {
    ms_view *views = NULL;
    size_t n_views = 0;
    if (c->conn.dialect->list_views(&c->conn, arena, schemas, n, &views, &n_views, &err) != MS_OK)
      return raise_error(L, &err);
    lua_createtable(L, (int)n_views, 0);
    for (i = 0; i < n_views; i++) {
      lua_createtable(L, 0, 3);
      set_string_field(L, "schema", views[i].schema);
      set_string_field(L, "name", views[i].name);
      set_string_field(L, "definition", views[i].definition);
      lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "views");
  }
  release_arena(L, -2);
  return 1;
}

/* core.canonicalType(dialect, native) -> canonical type text */
static int core_canonical_type(lua_State *L) {
  const ms_dialect *dialect = ms_find_dialect(luaL_checkstring(L, 1));
  const char *native = luaL_checkstring(L, 2);
  ms_arena *arena;
  if (dialect == NULL) return raise_code(L, MS_E_CONNECT, "unknown dialect '%s'", lua_tostring(L, 1));
  arena = push_arena(L);
  lua_pushstring(L, dialect->canonical_type(arena, native));
  return 1;
}

/* core.canonicalDefault(dialect, default, canonicalType) -> the canonical
** default the desired side would compare, for a default in the desired shape
** ({ kind = 'value'|'now'|'literal', value =, sql = }) or an SQL text; nil
** when the dialect refuses it.  Discovery uses it to prove that a plain value
** stands exactly for a live default. */
static int core_canonical_default(lua_State *L) {
  const ms_dialect *dialect = ms_find_dialect(luaL_checkstring(L, 1));
  const char *canonical_type = luaL_optstring(L, 3, "TEXT");
  ms_default_spec spec;
  ms_arena *arena;
  ms_error err;
  const char *sql;
  if (dialect == NULL) return raise_code(L, MS_E_CONNECT, "unknown dialect '%s'", lua_tostring(L, 1));
  memset(&spec, 0, sizeof spec);
  lua_settop(L, 3);
  arena = push_arena(L);
  if (lua_type(L, 2) == LUA_TSTRING) {
    spec.kind = MS_DEFAULT_LITERAL;
    spec.sql = ms_strdup(arena, lua_tostring(L, 2));
  } else {
    const char *kind;
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_getfield(L, 2, "kind");
    kind = lua_tostring(L, -1);
    if (kind == NULL) return luaL_argerror(L, 2, "a default needs 'kind'");
    if (strcmp(kind, "now") == 0) spec.kind = MS_DEFAULT_NOW;
    else if (strcmp(kind, "literal") == 0) spec.kind = MS_DEFAULT_LITERAL;
    else if (strcmp(kind, "value") == 0) spec.kind = MS_DEFAULT_VALUE;
    else return luaL_argerror(L, 2, "unknown default kind");
    lua_pop(L, 1);
    if (spec.kind == MS_DEFAULT_LITERAL) {
      lua_getfield(L, 2, "sql");
      if (!lua_isstring(L, -1)) return luaL_argerror(L, 2, "a literal default needs 'sql'");
      spec.sql = ms_strdup(arena, lua_tostring(L, -1));
      lua_pop(L, 1);
    } else if (spec.kind == MS_DEFAULT_VALUE) {
      int type = lua_getfield(L, 2, "value");
      if (type == LUA_TBOOLEAN) {
        spec.value.type = MS_BOOLEAN;
        spec.value.integer = lua_toboolean(L, -1);
      } else if (type == LUA_TNUMBER && lua_isinteger(L, -1)) {
        spec.value.type = MS_INTEGER;
        spec.value.integer = lua_tointeger(L, -1);
      } else if (type == LUA_TNUMBER) {
        spec.value.type = MS_FLOAT;
        spec.value.number = lua_tonumber(L, -1);
      } else if (type == LUA_TSTRING) {
        size_t len;
        const char *text = lua_tolstring(L, -1, &len);
        spec.value.type = MS_TEXT;
        spec.value.text = ms_strndup(arena, text, len);
        spec.value.length = len;
      } else {
        return luaL_argerror(L, 2, "a default value must be a string, number or boolean");
      }
      lua_pop(L, 1);
    }
  }
  ms_error_init(&err, arena);
  sql = dialect->default_sql(arena, &spec, ms_strdup(arena, canonical_type), &err);
  if (sql == NULL) lua_pushnil(L);
  else lua_pushstring(L, dialect->canonical_default(arena, sql));
  return 1;
}

/* ------------------------------------------------------------- migrations */

/* Adds `checks` to every step table of the plan table on top: the queries
** that must count no rows before (after = false) or after the step's
** statements, as { sql =, table =, column =, problem =, after = }. */
static void push_step_checks(lua_State *L, const ms_plan *plan) {
  size_t i, j;
  lua_getfield(L, -1, "steps");
  for (i = 0; i < plan->n_steps; i++) {
    const ms_step *step = &plan->steps[i];
    lua_geti(L, -1, (lua_Integer)i + 1);
    lua_createtable(L, (int)step->n_checks, 0);
    for (j = 0; j < step->n_checks; j++) {
      const ms_check *check = &step->checks[j];
      lua_createtable(L, 0, 5);
      set_string_field(L, "sql", check->sql);
      set_string_field(L, "table", check->table);
      set_string_field(L, "column", check->column);
      set_string_field(L, "problem", check->problem);
      lua_pushboolean(L, check->after);
      lua_setfield(L, -2, "after");
      lua_rawseti(L, -2, (lua_Integer)j + 1);
    }
    lua_setfield(L, -2, "checks");
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

/* conn:planMigration(desired, { drop = bool }) -> { up = plan, down = plan,
** verified = bool, problem = string|nil }: alter semantics; nothing changes
** (see ms_plan_migration).  Steps carry their checks too. */
static int connection_plan_migration(lua_State *L) {
  lconnection *c = open_connection(L);
  ms_arena *arena;
  ms_schema desired;
  ms_diff_options options;
  ms_plan up, down;
  ms_error err;
  const char *problem = NULL;
  int box;

  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 3);
  memset(&options, 0, sizeof options);
  options.alter = 1;
  if (!lua_isnoneornil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    options.drop = opt_boolean_field(L, 3, "drop", 0);
  }
  desired_schema(L, c, &desired);
  arena = push_arena(L);
  box = lua_gettop(L);
  ms_error_init(&err, arena);
  if (ms_plan_migration(&c->conn, arena, &desired, &options, &up, &down, &problem, &err) != MS_OK)
    return raise_error(L, &err);
  lua_createtable(L, 0, 4);
  push_plan(L, arena, &up);
  push_step_checks(L, &up);
  lua_setfield(L, -2, "up");
  push_plan(L, arena, &down);
  push_step_checks(L, &down);
  lua_setfield(L, -2, "down");
  lua_pushboolean(L, problem == NULL);
  lua_setfield(L, -2, "verified");
  set_string_field(L, "problem", problem);
  release_arena(L, box);
  return 1;
}

/* conn:withSyncLock(fn) -> fn's results.  Runs fn(conn) inside the
** transaction and lock of a sync (the dialect's begin_sync/finish_sync):
** commits when fn returns, rolls back and re-raises fn's error unchanged when
** it raises.  fn is called in protected mode, so no error escapes while the
** transaction is open. */
static int connection_with_sync_lock(lua_State *L) {
  lconnection *c = open_connection(L);
  ms_arena *arena;
  ms_error err;
  int box, status, results;

  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_settop(L, 2);
  arena = push_arena(L);
  box = lua_gettop(L);
  ms_error_init(&err, arena);
  if (c->conn.dialect->begin_sync(&c->conn, arena, &err) != MS_OK) {
    ms_error ignored;
    ms_error_init(&ignored, arena);
    c->conn.dialect->finish_sync(&c->conn, arena, 0, &ignored);
    return raise_error(L, &err);
  }
  lua_pushvalue(L, 2);
  lua_pushvalue(L, 1);
  status = lua_pcall(L, 1, LUA_MULTRET, 0);
  c->L = L;                               /* nested calls changed it; the logger needs it */
  c->logger_failed = 0;
  results = lua_gettop(L) - box;
  if (c->conn.handle == NULL) {           /* fn closed the connection: nothing to finish */
    if (status != LUA_OK) return lua_error(L);
    return results;
  }
  if (status != LUA_OK) {
    ms_error ignored;
    ms_error_init(&ignored, arena);
    c->conn.dialect->finish_sync(&c->conn, arena, 0, &ignored);
    return lua_error(L);                  /* fn's error, unchanged */
  }
  if (c->conn.dialect->finish_sync(&c->conn, arena, 1, &err) != MS_OK) return raise_error(L, &err);
  return results;
}

/* ------------------------------------------------------------------ open */

/* conn:setFullIntrospection(flag) -> the previous flag.  The connect option
** introspection = 'full' for one connection from now on (the specs use it to
** check both ways of reading the live schema on the same database). */
static int connection_set_full_introspection(lua_State *L) {
  lconnection *c = check_connection(L);
  int previous = c->conn.full_introspection;
  luaL_checktype(L, 2, LUA_TBOOLEAN);
  c->conn.full_introspection = lua_toboolean(L, 2);
  lua_pushboolean(L, previous);
  return 1;
}

static const luaL_Reg connection_methods[] = {
  { "close", connection_close },
  { "info", connection_info },
  { "setLogger", connection_set_logger },
  { "query", connection_query },
  { "exec", connection_exec },
  { "plan", connection_plan },
  { "sync", connection_sync },
  { "introspect", connection_introspect },
  { "planMigration", connection_plan_migration },
  { "withSyncLock", connection_with_sync_lock },
  { "setFullIntrospection", connection_set_full_introspection },
  { NULL, NULL }
};

static const luaL_Reg connection_metamethods[] = {
  { "__gc", connection_gc },
  { "__close", connection_close },
  { "__tostring", connection_tostring },
  { "__index", NULL },
  { NULL, NULL }
};

static const luaL_Reg core_functions[] = {
  { "connect", core_connect },
  { "canonicalType", core_canonical_type },
  { "canonicalDefault", core_canonical_default },
  { NULL, NULL }
};

/* Creates the metatables once per state (busted re-opens modules). */
static void create_metatables(lua_State *L) {
  if (luaL_newmetatable(L, CONNECTION_METATABLE)) {
    luaL_setfuncs(L, connection_metamethods, 0);
    luaL_newlibtable(L, connection_methods);
    luaL_setfuncs(L, connection_methods, 0);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
  if (luaL_newmetatable(L, ARENA_METATABLE)) {
    lua_pushcfunction(L, arena_box_release);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, arena_box_release);
    lua_setfield(L, -2, "__close");
  }
  lua_pop(L, 1);
  if (luaL_newmetatable(L, ERROR_METATABLE)) {
    lua_pushcfunction(L, error_tostring);
    lua_setfield(L, -2, "__tostring");
  }
  lua_pop(L, 1);
}

MS_EXPORT int luaopen_modelsync_core(lua_State *L) {
  create_metatables(L);
  luaL_newlib(L, core_functions);
  luaL_getmetatable(L, ERROR_METATABLE);
  lua_setfield(L, -2, "errorMetatable");
  lua_pushliteral(L, "0.1.0");
  lua_setfield(L, -2, "version");
  return 1;
}
