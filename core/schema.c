/*
** schema.c: the dialect-neutral ground every other file stands on: the arena,
** string buffers, errors, query helpers, schema lookups, the risk of a type
** change, and the step builders emitters use.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <assert.h>

#include "ms.h"

/* ---------------------------------------------------------------- arena */

/* Memory comes in chunks of MS_CHUNK_SIZE bytes handed out by bumping a
** pointer; a request larger than a quarter chunk gets a block of its own.
** A plan of a thousand tables makes a few hundred thousand small objects,
** and this keeps them to a few hundred mallocs.  Under AddressSanitizer every
** allocation is its own block instead, so each overflow hits a redzone. */
#if defined(__SANITIZE_ADDRESS__)
#define MS_ARENA_EXACT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MS_ARENA_EXACT 1
#endif
#endif

#define MS_CHUNK_SIZE ((size_t)64 * 1024)
#define MS_ALIGN ((size_t)16)

typedef struct ms_block {
  struct ms_block *next;
  /* MS_ALIGN-aligned payload follows */
} ms_block;

struct ms_arena {
  ms_block *blocks;       /* every block, chunks and large ones alike */
  char *next;             /* free space in the current chunk */
  size_t left;            /* bytes free at next */
  size_t chunk_size;      /* the next chunk's size: grows from 4 KiB to MS_CHUNK_SIZE */
};

#define MS_BLOCK_HEADER ((sizeof(ms_block) + MS_ALIGN - 1) & ~(MS_ALIGN - 1))

/* Creates an empty arena; aborts on out-of-memory. */
ms_arena *ms_arena_new(void) {
  ms_arena *arena = calloc(1, sizeof *arena);
  if (arena == NULL) abort();
  return arena;
}

/* Frees the arena and everything allocated from it.  NULL is ignored. */
void ms_arena_free(ms_arena *arena) {
  ms_block *block, *next;
  if (arena == NULL) return;
  for (block = arena->blocks; block != NULL; block = next) {
    next = block->next;
    free(block);
  }
  free(arena);
}

/* A new zeroed block of `size` payload bytes, chained to the arena. */
static char *new_block(ms_arena *arena, size_t size) {
  ms_block *block = calloc(1, MS_BLOCK_HEADER + size);
  if (block == NULL) {
    fputs("modelsync: out of memory\n", stderr);
    abort();
  }
  block->next = arena->blocks;
  arena->blocks = block;
  return (char *)block + MS_BLOCK_HEADER;
}

/* Zeroed memory owned by the arena.  Out-of-memory is fatal: a plan built on
** a failed allocation must never be applied, and there is nothing to save. */
void *ms_alloc(ms_arena *arena, size_t size) {
  assert(arena != NULL);
  size = (size + MS_ALIGN - 1) & ~(MS_ALIGN - 1);
  if (size == 0) size = MS_ALIGN;
#ifdef MS_ARENA_EXACT
  return new_block(arena, size);
#else
  if (size > MS_CHUNK_SIZE / 4) return new_block(arena, size);
  if (size > arena->left) {
    /* Small arenas (a scratch arena for one expression) stay small. */
    size_t chunk = arena->chunk_size < 4096 ? 4096 : arena->chunk_size;
    while (chunk < size) chunk *= 2;
    arena->next = new_block(arena, chunk);
    arena->left = chunk;
    arena->chunk_size = chunk * 2 > MS_CHUNK_SIZE ? MS_CHUNK_SIZE : chunk * 2;
  }
  arena->next += size;
  arena->left -= size;
  return arena->next - size;   /* calloc'd chunk: already zero */
#endif
}

/* A copy of s in the arena; NULL stays NULL. */
char *ms_strdup(ms_arena *arena, const char *s) {
  return s == NULL ? NULL : ms_strndup(arena, s, strlen(s));
}

/* A NUL-terminated copy of the first n bytes of s. */
char *ms_strndup(ms_arena *arena, const char *s, size_t n) {
  char *copy = ms_alloc(arena, n + 1);
  memcpy(copy, s, n);
  copy[n] = '\0';
  return copy;
}

/* printf into the arena. */
char *ms_vprintf(ms_arena *arena, const char *fmt, va_list ap) {
  va_list again;
  int needed;
  char *out;
  va_copy(again, ap);
  needed = vsnprintf(NULL, 0, fmt, again);
  va_end(again);
  if (needed < 0) needed = 0;
  out = ms_alloc(arena, (size_t)needed + 1);
  vsnprintf(out, (size_t)needed + 1, fmt, ap);
  return out;
}

char *ms_printf(ms_arena *arena, const char *fmt, ...) {
  va_list ap;
  char *out;
  va_start(ap, fmt);
  out = ms_vprintf(arena, fmt, ap);
  va_end(ap);
  return out;
}

/* Appends item, doubling the capacity when full. */
void *ms_grow(ms_arena *arena, void *items, size_t count, size_t *capacity, size_t size) {
  void *grown;
  if (count < *capacity) return items;
  *capacity = *capacity ? *capacity * 2 : 8;
  grown = ms_alloc(arena, *capacity * size);
  if (count) memcpy(grown, items, count * size);
  return grown;
}

void ms_list_push(ms_arena *arena, ms_list *list, void *item) {
  list->items = ms_grow(arena, list->items, list->count, &list->capacity, sizeof *list->items);
  list->items[list->count++] = item;
}

/* ----------------------------------------------------------- string buffer */

/* An empty buffer drawing on arena. */
void ms_buf_init(ms_buf *buf, ms_arena *arena) {
  buf->arena = arena;
  buf->capacity = 64;
  buf->length = 0;
  buf->data = ms_alloc(arena, buf->capacity);
}

/* Makes room for extra more bytes plus the terminator. */
static void buf_reserve(ms_buf *buf, size_t extra) {
  size_t capacity;
  char *data;
  if (buf->length + extra + 1 <= buf->capacity) return;
  capacity = buf->capacity * 2;
  while (capacity < buf->length + extra + 1) capacity *= 2;
  data = ms_alloc(buf->arena, capacity);
  memcpy(data, buf->data, buf->length + 1);
  buf->data = data;
  buf->capacity = capacity;
}

void ms_buf_addn(ms_buf *buf, const char *s, size_t n) {
  buf_reserve(buf, n);
  memcpy(buf->data + buf->length, s, n);
  buf->length += n;
  buf->data[buf->length] = '\0';
}

void ms_buf_add(ms_buf *buf, const char *s) {
  ms_buf_addn(buf, s, strlen(s));
}

void ms_buf_addc(ms_buf *buf, char c) {
  ms_buf_addn(buf, &c, 1);
}

void ms_buf_addf(ms_buf *buf, const char *fmt, ...) {
  va_list ap;
  va_list again;
  int needed;
  va_start(ap, fmt);
  va_copy(again, ap);
  needed = vsnprintf(NULL, 0, fmt, again);
  va_end(again);
  if (needed > 0) {
    buf_reserve(buf, (size_t)needed);
    vsnprintf(buf->data + buf->length, (size_t)needed + 1, fmt, ap);
    buf->length += (size_t)needed;
  }
  va_end(ap);
}

/* Appends s between `quote` characters, doubling any quote inside. */
static void buf_add_quoted(ms_buf *buf, const char *s, char quote) {
  const char *p;
  ms_buf_addc(buf, quote);
  for (p = s; *p; p++) {
    if (*p == quote) ms_buf_addc(buf, quote);
    ms_buf_addc(buf, *p);
  }
  ms_buf_addc(buf, quote);
}

void ms_buf_add_identifier(ms_buf *buf, const char *name) {
  buf_add_quoted(buf, name, '"');
}

void ms_buf_add_literal(ms_buf *buf, const char *text) {
  buf_add_quoted(buf, text, '\'');
}

char *ms_buf_string(ms_buf *buf) {
  return ms_strndup(buf->arena, buf->data, buf->length);
}

/* ---------------------------------------------------------------- errors */

void ms_error_init(ms_error *err, ms_arena *arena) {
  memset(err, 0, sizeof *err);
  err->rows = -1;
  err->arena = arena;
}

int ms_error_set(ms_error *err, const char *code, const char *fmt, ...) {
  va_list ap;
  err->code = code;
  va_start(ap, fmt);
  err->message = ms_vprintf(err->arena, fmt, ap);
  va_end(ap);
  return MS_ERROR;
}

/* --------------------------------------------------------- queries, cells */

/* Logs sql, then runs it through the connection's dialect. */
int ms_query(ms_conn *conn, ms_arena *arena, const char *sql,
             const ms_value *params, size_t n_params, ms_result *out, ms_error *err) {
  if (conn->handle == NULL)
    return ms_error_set(err, MS_E_CLOSED, "the connection is closed");
  if (conn->log != NULL && conn->log(conn->log_userdata, sql, err) != MS_OK)
    return MS_ERROR;
  if (out != NULL) memset(out, 0, sizeof *out);
  return conn->dialect->query(conn, arena, sql, params, n_params, out, err);
}

int ms_exec(ms_conn *conn, ms_arena *arena, const char *sql, ms_error *err) {
  return ms_query(conn, arena, sql, NULL, 0, NULL, err);
}

const char *ms_cell_text(ms_arena *arena, const ms_result *result, size_t row, size_t col) {
  const ms_value *v = MS_CELL(result, row, col);
  switch (v->type) {
  case MS_NULL: return NULL;
  case MS_INTEGER: return ms_printf(arena, "%lld", v->integer);
  case MS_BOOLEAN: return v->integer ? "true" : "false";
  case MS_FLOAT: return ms_printf(arena, "%.17g", v->number);
  case MS_TEXT: case MS_BLOB: return ms_strndup(arena, v->text, v->length);
  }
  return NULL;
}

long long ms_cell_integer(const ms_result *result, size_t row, size_t col) {
  const ms_value *v = MS_CELL(result, row, col);
  switch (v->type) {
  case MS_INTEGER: case MS_BOOLEAN: return v->integer;
  case MS_FLOAT: return (long long)v->number;
  case MS_TEXT: return v->text ? strtoll(v->text, NULL, 10) : 0;
  default: return 0;
  }
}

/* ---------------------------------------------------------------- lookups */

int ms_same_name(const char *a, const char *b) {
  if (a == NULL || b == NULL) return a == b;
  return strcmp(a, b) == 0;
}

ms_table *ms_schema_find_table(const ms_schema *schema, const char *schema_name, const char *name) {
  size_t i;
  for (i = 0; i < schema->n_tables; i++) {
    ms_table *t = &schema->tables[i];
    if (ms_same_name(t->schema, schema_name) && strcmp(t->name, name) == 0) return t;
  }
  return NULL;
}

ms_column *ms_table_find_column(const ms_table *table, const char *name) {
  size_t i;
  for (i = 0; i < table->n_columns; i++)
    if (strcmp(table->columns[i].name, name) == 0) return &table->columns[i];
  return NULL;
}

const char *ms_risk_name(ms_risk risk) {
  switch (risk) {
  case MS_SAFE: return "safe";
  case MS_DATA_DEPENDENT: return "data-dependent";
  case MS_DESTRUCTIVE: return "destructive";
  }
  return "destructive";
}

/* ------------------------------------------------------- type change risk */

/* Families of canonical types, with what a widening within them means. */
typedef enum type_family {
  FAMILY_INTEGER, FAMILY_FLOAT, FAMILY_DECIMAL, FAMILY_STRING, FAMILY_BOOLEAN,
  FAMILY_TIMESTAMP, FAMILY_DATE, FAMILY_TIME, FAMILY_UUID, FAMILY_JSON, FAMILY_BLOB,
  FAMILY_ENUM, FAMILY_OTHER
} type_family;

typedef struct type_info {
  type_family family;
  int rank;            /* integers: bytes; floats: bytes; strings: length (0 = unbounded) */
  long precision, scale;
  int fixed_char;
} type_info;

/* Parses "NAME(a,b)" into its name length and up to two numbers. */
static size_t type_arguments(const char *type, long *a, long *b) {
  const char *paren = strchr(type, '(');
  *a = *b = -1;
  if (paren == NULL) return strlen(type);
  sscanf(paren, "(%ld,%ld)", a, b);
  return (size_t)(paren - type);
}

static int name_is(const char *type, size_t n, const char *name) {
  return strlen(name) == n && strncmp(type, name, n) == 0;
}

/* Reads a canonical type into its family and size. */
static type_info classify_type(const char *type) {
  type_info info;
  long a, b;
  size_t n = type_arguments(type, &a, &b);
  memset(&info, 0, sizeof info);
  info.family = FAMILY_OTHER;
  if (name_is(type, n, "SMALLINT")) { info.family = FAMILY_INTEGER; info.rank = 2; }
  else if (name_is(type, n, "INTEGER")) { info.family = FAMILY_INTEGER; info.rank = 4; }
  else if (name_is(type, n, "BIGINT")) { info.family = FAMILY_INTEGER; info.rank = 8; }
  else if (name_is(type, n, "REAL")) { info.family = FAMILY_FLOAT; info.rank = 4; }
  else if (name_is(type, n, "FLOAT") || name_is(type, n, "DOUBLE")) { info.family = FAMILY_FLOAT; info.rank = 8; }
  else if (name_is(type, n, "DECIMAL")) {
    info.family = FAMILY_DECIMAL; info.precision = a; info.scale = b < 0 ? 0 : b;
  }
  else if (name_is(type, n, "VARCHAR")) { info.family = FAMILY_STRING; info.rank = a > 0 ? (int)a : 0; }
  else if (name_is(type, n, "CHAR")) { info.family = FAMILY_STRING; info.rank = a > 0 ? (int)a : 1; info.fixed_char = 1; }
  else if (name_is(type, n, "TEXT") || name_is(type, n, "CITEXT")) { info.family = FAMILY_STRING; info.rank = 0; }
  else if (name_is(type, n, "BOOLEAN")) info.family = FAMILY_BOOLEAN;
  else if (name_is(type, n, "TIMESTAMPTZ") || name_is(type, n, "TIMESTAMP")) info.family = FAMILY_TIMESTAMP;
  else if (name_is(type, n, "DATE")) info.family = FAMILY_DATE;
  else if (name_is(type, n, "TIME")) info.family = FAMILY_TIME;
  else if (name_is(type, n, "UUID")) info.family = FAMILY_UUID;
  else if (name_is(type, n, "JSON") || name_is(type, n, "JSONB")) info.family = FAMILY_JSON;
  else if (name_is(type, n, "BLOB")) info.family = FAMILY_BLOB;
  else if (name_is(type, n, "ENUM")) info.family = FAMILY_ENUM;
  return info;
}

/* Whether every value of string type `from` fits string type `to`. */
static int string_widens(type_info from, type_info to) {
  if (to.rank == 0) return 1;                 /* unbounded target */
  if (from.rank == 0) return 0;
  return to.rank >= from.rank;
}

/* The risk of converting a column from canonical type `from` to `to`:
** safe when every value survives unchanged, data-dependent when some values
** may fail to convert (the change then fails whole), destructive when values
** may be silently changed (rounding, truncation of precision). */
ms_risk ms_type_change_risk(const char *from, const char *to) {
  type_info a, b;
  if (strcmp(from, to) == 0) return MS_SAFE;
  a = classify_type(from);
  b = classify_type(to);
  if (a.family == b.family) {
    switch (a.family) {
    case FAMILY_INTEGER: return b.rank >= a.rank ? MS_SAFE : MS_DATA_DEPENDENT;
    case FAMILY_FLOAT: return b.rank >= a.rank ? MS_SAFE : MS_DESTRUCTIVE;
    case FAMILY_DECIMAL:
      if (b.precision < 0) return MS_SAFE;              /* unconstrained numeric */
      if (a.precision < 0) return MS_DESTRUCTIVE;
      if (b.scale < a.scale) return MS_DESTRUCTIVE;     /* rounds fractions */
      return (b.precision - b.scale >= a.precision - a.scale) ? MS_SAFE : MS_DATA_DEPENDENT;
    case FAMILY_STRING:
      if (a.fixed_char != b.fixed_char && b.rank != 0) return MS_DATA_DEPENDENT;
      return string_widens(a, b) ? MS_SAFE : MS_DATA_DEPENDENT;
    case FAMILY_TIMESTAMP: return MS_DATA_DEPENDENT;   /* time zone interpretation */
    case FAMILY_JSON: return MS_DATA_DEPENDENT;
    case FAMILY_ENUM: return MS_DATA_DEPENDENT;
    default: return MS_DATA_DEPENDENT;
    }
  }
  /* Across families. */
  if (a.family == FAMILY_INTEGER && b.family == FAMILY_DECIMAL)
    return (b.precision < 0 || b.precision - b.scale >= (a.rank == 2 ? 5 : a.rank == 4 ? 10 : 19))
           ? MS_SAFE : MS_DATA_DEPENDENT;
  if (a.family == FAMILY_INTEGER && b.family == FAMILY_FLOAT)
    return (b.rank == 8 && a.rank <= 4) ? MS_SAFE : MS_DESTRUCTIVE;
  if ((a.family == FAMILY_DECIMAL || a.family == FAMILY_FLOAT) && b.family == FAMILY_INTEGER)
    return MS_DESTRUCTIVE;                          /* rounds fractions away */
  if (a.family == FAMILY_DECIMAL && b.family == FAMILY_FLOAT) return MS_DESTRUCTIVE;
  if (a.family == FAMILY_FLOAT && b.family == FAMILY_DECIMAL) return MS_DESTRUCTIVE;
  if (b.family == FAMILY_STRING) {
    /* Anything prints as text; bounded text may be too short. */
    if (b.rank == 0) return MS_SAFE;
    return MS_DATA_DEPENDENT;
  }
  if (a.family == FAMILY_DATE && b.family == FAMILY_TIMESTAMP) return MS_SAFE;
  if (a.family == FAMILY_TIMESTAMP && (b.family == FAMILY_DATE || b.family == FAMILY_TIME))
    return MS_DESTRUCTIVE;                          /* drops the time / the date */
  if (a.family == FAMILY_ENUM && b.family == FAMILY_STRING) return MS_SAFE;
  /* Text -> number, boolean, date, uuid, json, enum ...: converts or fails. */
  return MS_DATA_DEPENDENT;
}

/* ------------------------------------------------------------ step builders */

/* Appends a step to plan, taking table, column, risk and skip state from
** the change it implements (when given). */
ms_step *ms_plan_add_step(ms_arena *arena, ms_plan *plan, const char *op,
                          const ms_change *from_change) {
  ms_step *step;
  plan->steps = ms_grow(arena, plan->steps, plan->n_steps, &plan->capacity, sizeof *plan->steps);
  step = &plan->steps[plan->n_steps++];
  memset(step, 0, sizeof *step);
  step->op = op;
  if (from_change != NULL) {
    const ms_table *t = from_change->table ? from_change->table : from_change->live;
    if (t != NULL) {
      step->schema = t->schema;
      step->table = t->name;
    }
    if (from_change->column) step->column = from_change->column->name;
    else if (from_change->live_column) step->column = from_change->live_column->name;
    else if (from_change->index) step->column = from_change->index->name;
    else if (from_change->live_index) step->column = from_change->live_index->name;
    else if (from_change->foreign_key) step->column = from_change->foreign_key->name;
    else if (from_change->live_foreign_key) step->column = from_change->live_foreign_key->name;
    if (from_change->kind == MS_CREATE_SCHEMA) step->schema = from_change->schema_name;
    step->risk = from_change->risk;
    step->skipped = from_change->skipped;
    step->reason = from_change->reason;
  }
  return step;
}

void ms_step_add_sql(ms_arena *arena, ms_step *step, const char *sql) {
  const char **sqls = ms_alloc(arena, (step->n_sql + 1) * sizeof *sqls);
  if (step->n_sql) memcpy(sqls, step->sql, step->n_sql * sizeof *sqls);
  sqls[step->n_sql++] = ms_strdup(arena, sql);
  step->sql = sqls;
}

void ms_step_add_check(ms_arena *arena, ms_step *step, const char *sql, const char *table,
                       const char *column, const char *problem, int after) {
  ms_check *checks = ms_alloc(arena, (step->n_checks + 1) * sizeof *checks);
  ms_check *check;
  if (step->n_checks) memcpy(checks, step->checks, step->n_checks * sizeof *checks);
  step->checks = checks;
  check = &step->checks[step->n_checks++];
  check->sql = ms_strdup(arena, sql);
  check->table = ms_strdup(arena, table);
  check->column = ms_strdup(arena, column);
  check->problem = ms_strdup(arena, problem);
  check->after = after;
}

/* --------------------------------------------------------------- dialects */

const ms_dialect *ms_find_dialect(const char *name) {
  if (name == NULL) return NULL;
  if (strcmp(name, "sqlite") == 0) return &ms_dialect_sqlite;
#ifdef MODELSYNC_WITH_POSTGRES
  if (strcmp(name, "postgres") == 0 || strcmp(name, "postgresql") == 0)
    return &ms_dialect_postgres;
#endif
  return NULL;
}
