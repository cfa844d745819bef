/*
** fuzz_diff.c: the diff over random schema pairs, on an in-memory SQLite
** database.  The input is read as a stream of choices that build two small
** schemas A and B (a few tables; columns of the canonical types, nullability,
** defaults, indexes, foreign keys; names that need quoting), the way
** lmodelsync.c builds a desired schema: through the dialect's native_type,
** canonical_type, default_sql, canonical_default and index/foreign key names.
**
** Properties, in order:
**   1. sync(A, force) succeeds;
**   2. plan(A, alter) and plan(A, alter + drop) have no step: diff(A, A) is empty
**      (each plan made twice: reading every table, and with recognition);
**   3. sync(B, alter + drop) succeeds (the tables are empty: no change may
**      fail on data);
**   4. plan(B, alter) and plan(B, alter + drop) have no step: applying
**      diff(A, B) to A gave B.
** A failure prints both schemas and the offending plan, then aborts.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_dialect.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* ------------------------------------------------------------ the input */

typedef struct choices {
  const unsigned char *data;
  size_t size, position;
} choices;

/* The next choice among n (0 when the input is used up). */
static unsigned choose(choices *in, unsigned n) {
  if (n <= 1 || in->position >= in->size) return 0;
  return in->data[in->position++] % n;
}

/* --------------------------------------------------------- the vocabulary */

/* Names that are plain, upper case, keywords, or need quote doubling. */
static const char *const table_names[] = { "t0", "Users", "order", "odd \"name\"", "with space" };
#define N_TABLE_NAMES (sizeof table_names / sizeof table_names[0])
static const char *const column_names[] = { "c0", "Email", "select", "q\"c", "sp ace", "c5" };
#define N_COLUMN_NAMES (sizeof column_names / sizeof column_names[0])

static const char *enum_two[] = { "a", "b" };
static const char *enum_three[] = { "a", "it's", "c d" };

/* The DataTypes the Lua layer can hand over (docs/internals.md). */
static const ms_type_spec type_specs[] = {
  { "INTEGER", 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL },
  { "BIGINT", 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL },
  { "SMALLINT", 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL },
  { "FLOAT", 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL },
  { "FLOAT", 0, 24, 0, NULL, NULL, 0, NULL, NULL, NULL },
  { "REAL", 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL },
  { "DOUBLE", 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL },
  { "DECIMAL", 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL },
  { "DECIMAL", 0, 10, 2, NULL, NULL, 0, NULL, NULL, NULL },
  { "DECIMAL", 0, 5, 0, NULL, NULL, 0, NULL, NULL, NULL },
  { "STRING", 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL },
  { "STRING", 40, 0, 0, NULL, NULL, 0, NULL, NULL, NULL },
  { "CHAR", 10, 0, 0, NULL, NULL, 0, NULL, NULL, NULL },
  { "TEXT", 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL },
  { "CITEXT", 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL },
  { "BOOLEAN", 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL },
  { "DATE", 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL },
  { "DATEONLY", 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL },
  { "TIME", 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL },
  { "UUID", 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL },
  { "JSON", 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL },
  { "JSONB", 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL },
  { "BLOB", 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL },
  { "ENUM", 0, 0, 0, NULL, enum_two, 2, NULL, NULL, NULL },
  { "ENUM", 0, 0, 0, NULL, enum_three, 3, NULL, NULL, NULL },
  { "SQL", 0, 0, 0, "varchar(20)", NULL, 0, NULL, NULL, NULL },
  { "SQL", 0, 0, 0, "NUMERIC( 8 , 3 )", NULL, 0, NULL, NULL, NULL },
  { "SQL", 0, 0, 0, "int", NULL, 0, NULL, NULL, NULL },
};
#define N_TYPE_SPECS (sizeof type_specs / sizeof type_specs[0])

/* Literal defaults (DataTypes' literal('...')) as a model may write them. */
static const char *const literal_defaults[] = {
  "'x'", "(1 + 1)", "CURRENT_DATE", "-5", "'it''s'", "X'00ff'", "0.50", "lower('ABC')"
};
#define N_LITERAL_DEFAULTS (sizeof literal_defaults / sizeof literal_defaults[0])

static const char *const actions[] = { NULL, "CASCADE", "SET NULL", "RESTRICT", "SET DEFAULT" };
#define N_ACTIONS (sizeof actions / sizeof actions[0])

/* ------------------------------------------------------ building a schema */

/* Dies on what the generator itself should never produce. */
static void generator_bug(const char *what, const ms_error *err) {
  fprintf(stderr, "fuzz_diff: generator: %s: %s\n", what, err->message ? err->message : "?");
  abort();
}

/* A column of a random type, nullability and default, as read_column does. */
static void make_column(ms_arena *arena, choices *in, const ms_table *table, ms_column *column,
                        const char *name) {
  ms_type_spec spec = type_specs[choose(in, N_TYPE_SPECS)];
  ms_default_spec value;
  ms_error err;
  unsigned kind;

  ms_error_init(&err, arena);
  spec.table = table->name;
  spec.column = name;
  column->name = name;
  column->native_type = ms_sqlite_native_type(arena, &spec, &err);
  if (column->native_type == NULL) generator_bug("native_type", &err);
  if (strcmp(spec.key, "ENUM") == 0) {
    column->type = "ENUM";
    column->enum_values = spec.values;
    column->n_enum_values = spec.n_values;
  } else {
    column->type = ms_sqlite_canonical_type(arena, column->native_type);
  }
  column->not_null = (int)choose(in, 2);

  memset(&value, 0, sizeof value);
  kind = choose(in, 9);
  switch (kind) {
  case 0: case 1: case 2: value.kind = MS_DEFAULT_NONE; break;
  case 3:
    value.kind = MS_DEFAULT_VALUE;
    value.value.type = MS_INTEGER;
    value.value.integer = (long long)choose(in, 256) - 128;
    break;
  case 4:
    value.kind = MS_DEFAULT_VALUE;
    value.value.type = MS_TEXT;
    value.value.text = choose(in, 2) ? "it's" : "";
    value.value.length = strlen(value.value.text);
    break;
  case 5:
    value.kind = MS_DEFAULT_VALUE;
    value.value.type = MS_FLOAT;
    value.value.number = ((double)choose(in, 256) - 100.0) / 8.0;
    break;
  case 6:
    value.kind = MS_DEFAULT_VALUE;
    value.value.type = MS_BOOLEAN;
    value.value.integer = (long long)choose(in, 2);
    break;
  case 7: value.kind = MS_DEFAULT_NOW; break;
  default:
    value.kind = MS_DEFAULT_LITERAL;
    value.sql = literal_defaults[choose(in, N_LITERAL_DEFAULTS)];
    break;
  }
  if (value.kind != MS_DEFAULT_NONE) {
    column->default_sql = ms_sqlite_default_sql(arena, &value, column->type, &err);
    if (column->default_sql == NULL) generator_bug("default_sql", &err);
    column->default_canonical = ms_sqlite_canonical_default(arena, column->default_sql);
  }
}

/* One table: an integer primary key "id", some of the columns of the
** vocabulary (in its order), a reference to an earlier table (or itself),
** and a few indexes. */
static void make_table(ms_arena *arena, choices *in, ms_schema *schema, size_t position,
                       unsigned name_mask) {
  ms_table *table = &schema->tables[position];
  size_t i, n = 0, name_index = 0;

  /* the position-th name set in name_mask */
  for (i = 0; i < N_TABLE_NAMES; i++)
    if (name_mask & (1u << i)) {
      if (n == position) { name_index = i; break; }
      n++;
    }
  table->name = table_names[name_index];
  table->columns = ms_alloc(arena, (N_COLUMN_NAMES + 2) * sizeof *table->columns);

  /* id: INTEGER PRIMARY KEY, maybe AUTOINCREMENT */
  table->columns[0].name = "id";
  table->columns[0].native_type = "INTEGER";
  table->columns[0].type = ms_sqlite_canonical_type(arena, "INTEGER");
  table->columns[0].not_null = 1;
  table->columns[0].primary_key = 1;
  table->columns[0].auto_increment = (int)choose(in, 2);
  table->autoincrement = table->columns[0].auto_increment;
  table->n_columns = 1;

  for (i = 0; i < N_COLUMN_NAMES; i++)
    if (choose(in, 2)) make_column(arena, in, table, &table->columns[table->n_columns++], column_names[i]);

  /* A reference "ref" to the id of an earlier table, or of this one. */
  if (choose(in, 3) == 0) {
    ms_column *ref = &table->columns[table->n_columns++];
    ms_foreign_key *fk = ms_alloc(arena, sizeof *fk);
    size_t target = choose(in, (unsigned)position + 1);
    ref->name = "ref";
    ref->native_type = "INTEGER";
    ref->type = ms_sqlite_canonical_type(arena, "INTEGER");
    ref->not_null = (int)choose(in, 2);
    fk->columns = ms_alloc(arena, sizeof *fk->columns);
    fk->columns[0] = "ref";
    fk->n_columns = 1;
    fk->ref_table = schema->tables[target].name;
    fk->ref_columns = ms_alloc(arena, sizeof *fk->ref_columns);
    fk->ref_columns[0] = "id";
    fk->n_ref_columns = 1;
    fk->on_delete = actions[choose(in, N_ACTIONS)];
    fk->on_update = actions[choose(in, N_ACTIONS)];
    fk->name = ms_sqlite_foreign_key_name(arena, table, fk);
    table->foreign_keys = fk;
    table->n_foreign_keys = 1;
  }

  /* Up to three indexes of one or two columns; duplicates (same name) dropped. */
  table->indexes = ms_alloc(arena, 3 * sizeof *table->indexes);
  n = choose(in, 4);
  for (i = 0; i < n; i++) {
    ms_index *index = &table->indexes[table->n_indexes];
    size_t parts = 1 + choose(in, 2), p, k;
    int duplicate = 0;
    memset(index, 0, sizeof *index);     /* the slot of a dropped duplicate is reused */
    index->parts = ms_alloc(arena, parts * sizeof *index->parts);
    for (p = 0; p < parts; p++) {
      const char *column = table->columns[choose(in, (unsigned)table->n_columns)].name;
      for (k = 0; k < index->n_parts; k++)
        if (strcmp(index->parts[k].column, column) == 0) duplicate = 1;
      if (duplicate) break;
      index->parts[index->n_parts].column = column;
      index->parts[index->n_parts].descending = (int)choose(in, 4) == 0;
      index->n_parts++;
    }
    if (duplicate) continue;
    index->unique = (int)choose(in, 2);
    index->constraint = index->unique && choose(in, 2);
    if (!index->constraint && choose(in, 4) == 0) {
      ms_buf where;
      ms_buf_init(&where, arena);
      ms_buf_add_identifier(&where, index->parts[0].column);
      ms_buf_add(&where, " IS NOT NULL");
      index->where = ms_sqlite_canonical_default(arena, ms_buf_string(&where));
    }
    index->name = ms_sqlite_index_name(arena, table, index);
    for (k = 0; k < table->n_indexes; k++)
      if (strcmp(table->indexes[k].name, index->name) == 0) duplicate = 1;
    if (!duplicate) table->n_indexes++;
  }
}

/* A schema of one to three tables, named from table_names. */
static void make_schema(ms_arena *arena, choices *in, ms_schema *schema) {
  unsigned mask = 0, i;
  size_t n = 0;
  while (n == 0) {                       /* at least one table */
    mask = choose(in, 1u << N_TABLE_NAMES);
    for (i = 0; i < N_TABLE_NAMES; i++) if (mask & (1u << i)) n++;
    if (n > 3 || n == 0) { mask = 1u << (mask % N_TABLE_NAMES); n = 1; }
    if (in->position >= in->size) break;
  }
  memset(schema, 0, sizeof *schema);
  schema->tables = ms_alloc(arena, n * sizeof *schema->tables);
  schema->n_tables = n;
  for (i = 0; i < n; i++) make_table(arena, in, schema, i, mask);
}

/* ---------------------------------------------------------------- output */

static void dump_schema(const char *title, const ms_schema *schema) {
  size_t i, j, k;
  fprintf(stderr, "%s:\n", title);
  for (i = 0; i < schema->n_tables; i++) {
    const ms_table *t = &schema->tables[i];
    fprintf(stderr, "  table [%s]%s\n", t->name, t->autoincrement ? " autoincrement" : "");
    for (j = 0; j < t->n_columns; j++) {
      const ms_column *c = &t->columns[j];
      fprintf(stderr, "    [%s] %s (%s)%s%s", c->name, c->type, c->native_type,
              c->not_null ? " NOT NULL" : "", c->primary_key ? " PK" : "");
      if (c->default_sql) fprintf(stderr, " DEFAULT %s {%s}", c->default_sql,
                                  c->default_canonical ? c->default_canonical : "null");
      for (k = 0; k < c->n_enum_values; k++) fprintf(stderr, "%s'%s'", k ? "," : " IN ", c->enum_values[k]);
      fputc('\n', stderr);
    }
    for (j = 0; j < t->n_indexes; j++) {
      const ms_index *x = &t->indexes[j];
      fprintf(stderr, "    index [%s]%s%s (", x->name, x->unique ? " unique" : "",
              x->constraint ? " constraint" : "");
      for (k = 0; k < x->n_parts; k++)
        fprintf(stderr, "%s%s%s", k ? ", " : "", x->parts[k].column, x->parts[k].descending ? " DESC" : "");
      fprintf(stderr, ")%s%s\n", x->where ? " WHERE " : "", x->where ? x->where : "");
    }
    for (j = 0; j < t->n_foreign_keys; j++) {
      const ms_foreign_key *f = &t->foreign_keys[j];
      fprintf(stderr, "    fk [%s] (%s) -> [%s](%s) delete %s update %s\n", f->name, f->columns[0],
              f->ref_table, f->ref_columns[0], f->on_delete ? f->on_delete : "-",
              f->on_update ? f->on_update : "-");
    }
  }
}

static void dump_plan(const ms_plan *plan) {
  size_t i, j;
  for (i = 0; i < plan->n_steps; i++) {
    const ms_step *s = &plan->steps[i];
    fprintf(stderr, "  step %s [%s].[%s] %s%s%s%s\n", s->op, s->table ? s->table : "",
            s->column ? s->column : "", ms_risk_name(s->risk), s->skipped ? " SKIPPED" : "",
            s->reason ? ": " : "", s->reason ? s->reason : "");
    for (j = 0; j < s->n_sql; j++) fprintf(stderr, "      %s;\n", s->sql[j]);
  }
}

static const ms_schema *dump_a, *dump_b;

static void failure(const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "\nfuzz_diff: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  dump_schema("schema A", dump_a);
  dump_schema("schema B", dump_b);
}

/* ------------------------------------------------------------ the checks */

/* Runs mode with options; on failure reports what and aborts. */
static void run(ms_conn *conn, ms_sync_mode mode, const ms_schema *schema, const char *name,
                int alter, int drop, int force, ms_plan *plan) {
  ms_arena *arena = ms_arena_new();
  ms_diff_options options;
  ms_error err;
  memset(&options, 0, sizeof options);
  options.alter = alter;
  options.drop = drop;
  options.force = force;
  ms_error_init(&err, arena);
  if (ms_run(conn, arena, mode, schema, &options, NULL, plan, &err) != MS_OK) {
    failure("%s(%s, alter=%d drop=%d force=%d) failed: %s: %s%s%s", mode == MS_MODE_SYNC ? "sync" : "plan",
            name, alter, drop, force, err.code ? err.code : "?", err.message ? err.message : "?",
            err.sql ? "\n  sql: " : "", err.sql ? err.sql : "");
    dump_plan(plan);
    abort();
  }
  if (getenv("MODELSYNC_FUZZ_VERBOSE") != NULL) {
    fprintf(stderr, "%s(%s, alter=%d drop=%d force=%d):\n", mode == MS_MODE_SYNC ? "sync" : "plan",
            name, alter, drop, force);
    dump_plan(plan);
  }
  ms_arena_free(arena);
}

/* plan(schema) under alter (and drop) must have no step at all, both when
** every table is read from the catalog and when SQLite may recognise tables
** by their CREATE statements (introspect_known): the full read is what
** proves the property, recognition must agree with it. */
static void expect_no_step(ms_conn *conn, const ms_schema *schema, const char *name, int drop) {
  int full;
  for (full = 1; full >= 0; full--) {
    ms_arena *arena = ms_arena_new();
    ms_diff_options options;
    ms_plan plan;
    ms_error err;
    memset(&options, 0, sizeof options);
    options.alter = 1;
    options.drop = drop;
    conn->full_introspection = full;
    ms_error_init(&err, arena);
    if (ms_run(conn, arena, MS_MODE_PLAN, schema, &options, NULL, &plan, &err) != MS_OK) {
      failure("plan(%s, alter, drop=%d, full read=%d) failed: %s", name, drop, full,
              err.message ? err.message : "?");
      abort();
    }
    if (plan.n_steps != 0) {
      failure("plan(%s, alter, drop=%d, full read=%d) is not empty after sync(%s):", name, drop, full, name);
      dump_plan(&plan);
      abort();
    }
    ms_arena_free(arena);
  }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
  ms_arena *arena = ms_arena_new();
  choices in = { NULL, 0, 0 };
  ms_schema a, b;
  ms_connect_options connect;
  ms_conn conn;
  ms_error err;
  ms_plan plan;

  in.data = data;
  in.size = size;
  make_schema(arena, &in, &a);
  make_schema(arena, &in, &b);
  dump_a = &a;
  dump_b = &b;

  memset(&connect, 0, sizeof connect);
  connect.dialect = "sqlite";
  connect.storage = ":memory:";
  connect.foreign_keys = 1;
  memset(&conn, 0, sizeof conn);
  conn.dialect = &ms_dialect_sqlite;
  ms_error_init(&err, arena);
  if (conn.dialect->open(&conn, &connect, &err) != MS_OK) {
    fprintf(stderr, "fuzz_diff: cannot open :memory:: %s\n", err.message ? err.message : "?");
    abort();
  }

  if (getenv("MODELSYNC_FUZZ_VERBOSE") != NULL) {   /* what an input means (docs/fuzzing.md) */
    dump_schema("schema A", &a);
    dump_schema("schema B", &b);
  }
  run(&conn, MS_MODE_SYNC, &a, "A", 0, 0, 1, &plan);
  expect_no_step(&conn, &a, "A", 0);
  expect_no_step(&conn, &a, "A", 1);
  run(&conn, MS_MODE_SYNC, &b, "B", 1, 1, 0, &plan);
  expect_no_step(&conn, &b, "B", 0);
  expect_no_step(&conn, &b, "B", 1);

  conn.dialect->close(&conn);
  ms_arena_free(arena);
  return 0;
}
