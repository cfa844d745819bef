/*
** ms.h: the one header every file of the modelsync C core shares.
**
** The flow is one direction:
**
**   Lua definitions --(lmodelsync.c)--> desired ms_schema
**   live database   --(introspect_<dialect>.c)--> live ms_schema
**   desired + live  --(diff.c)--> ms_diff (dialect-neutral changes, with risk)
**   ms_diff         --(emit_<dialect>.c)--> ms_plan (steps holding SQL text)
**   ms_plan         --(apply.c)--> executed inside one locked transaction
**
** Dialect knowledge lives only in a dialect's conn/introspect/emit files,
** reached through the ms_dialect table of operations.  diff.c compares
** canonical strings produced by the dialect and never sees SQL syntax.
**
** Memory: everything a sync or a plan makes is allocated from one ms_arena
** and freed at once at the end.  No function here raises a Lua error; they
** return MS_OK or MS_ERROR and fill an ms_error (whose strings also live in
** the arena), so the binding can free C memory before it raises.
*/
#ifndef MODELSYNC_MS_H
#define MODELSYNC_MS_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#define MS_OK 0
#define MS_ERROR (-1)

#if defined(__GNUC__)
#define MS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MS_PRINTF(f, a)
#endif

/* ---------------------------------------------------------------- arena */

/* A region of memory: every allocation is released by ms_arena_free. */
typedef struct ms_arena ms_arena;

ms_arena *ms_arena_new(void);
void ms_arena_free(ms_arena *arena);
/* Zeroed memory; aborts the process on out-of-memory (as Lua's own allocator
** failure is fatal for us too, and a half-built plan must never be used). */
void *ms_alloc(ms_arena *arena, size_t size);
char *ms_strdup(ms_arena *arena, const char *s);          /* NULL -> NULL */
char *ms_strndup(ms_arena *arena, const char *s, size_t n);
char *ms_printf(ms_arena *arena, const char *fmt, ...) MS_PRINTF(2, 3);
char *ms_vprintf(ms_arena *arena, const char *fmt, va_list ap);

/* Room for one more element in a growable arena array of `size`-byte items
** holding `count` of `*capacity`: returns the array, moved (and *capacity
** doubled) when it was full.  The old block stays in the arena. */
void *ms_grow(ms_arena *arena, void *items, size_t count, size_t *capacity, size_t size);

/* A growable array of pointers allocated in an arena. */
typedef struct ms_list {
  void **items;
  size_t count, capacity;
} ms_list;
void ms_list_push(ms_arena *arena, ms_list *list, void *item);

/* ----------------------------------------------------------- string buffer */

/* A growable string; its memory comes from the arena (old blocks stay in the
** arena until it is freed, which is fine at the sizes a plan reaches). */
typedef struct ms_buf {
  ms_arena *arena;
  char *data;     /* always NUL-terminated */
  size_t length, capacity;
} ms_buf;

void ms_buf_init(ms_buf *buf, ms_arena *arena);
void ms_buf_add(ms_buf *buf, const char *s);
void ms_buf_addn(ms_buf *buf, const char *s, size_t n);
void ms_buf_addc(ms_buf *buf, char c);
void ms_buf_addf(ms_buf *buf, const char *fmt, ...) MS_PRINTF(2, 3);
/* "name" with every " doubled: the identifier quoting of both dialects. */
void ms_buf_add_identifier(ms_buf *buf, const char *name);
/* 'text' with every ' doubled: a standard SQL string literal. */
void ms_buf_add_literal(ms_buf *buf, const char *text);
/* The buffer's contents as an arena string (the buffer may be reused after). */
char *ms_buf_string(ms_buf *buf);

/* ---------------------------------------------------------------- errors */

/* Stable error codes (strings, as Lua sees them). */
#define MS_E_CLOSED      "E_CLOSED"      /* call on a closed connection */
#define MS_E_CONNECT     "E_CONNECT"     /* cannot open / reach the database */
#define MS_E_SQL         "E_SQL"         /* the database refused a statement */
#define MS_E_DATA        "E_DATA"        /* existing rows prevent a change */
#define MS_E_DEFINITION  "E_DEFINITION"  /* the desired schema is invalid */
#define MS_E_STALE_PLAN  "E_STALE_PLAN"  /* plan:apply() on a changed database */
#define MS_E_INTERNAL    "E_INTERNAL"    /* a bug of ours */
#define MS_E_LOGGING     "E_LOGGING"     /* the logging callback raised */

typedef struct ms_error {
  const char *code;       /* one of MS_E_*; NULL when no error */
  char *message;          /* human-readable, names the table/column at fault */
  char *table, *column, *sql;   /* optional context */
  long long rows;         /* rows at fault for E_DATA, -1 when unknown */
  ms_arena *arena;        /* where the strings above are allocated */
} ms_error;

void ms_error_init(ms_error *err, ms_arena *arena);
/* Fills err (code, printf-style message) and returns MS_ERROR. */
int ms_error_set(ms_error *err, const char *code, const char *fmt, ...) MS_PRINTF(3, 4);

/* --------------------------------------------------------- values, results */

typedef enum ms_value_type {
  MS_NULL, MS_INTEGER, MS_FLOAT, MS_TEXT, MS_BLOB, MS_BOOLEAN
} ms_value_type;

typedef struct ms_value {
  ms_value_type type;
  long long integer;      /* MS_INTEGER, MS_BOOLEAN (0/1) */
  double number;          /* MS_FLOAT */
  const char *text;       /* MS_TEXT, MS_BLOB (not NUL-terminated for BLOB) */
  size_t length;          /* MS_TEXT, MS_BLOB */
} ms_value;

/* A query result, allocated in an arena: rows * columns values, row-major. */
typedef struct ms_result {
  size_t n_columns, n_rows;
  const char **column_names;
  ms_value *values;
} ms_result;

#define MS_CELL(result, row, col) (&(result)->values[(row) * (result)->n_columns + (col)])
/* Convenience for introspection code: the cell as text (NULL for SQL NULL;
** integers and floats are printed), and as an integer (0 for NULL). */
const char *ms_cell_text(ms_arena *arena, const ms_result *result, size_t row, size_t col);
long long ms_cell_integer(const ms_result *result, size_t row, size_t col);

/* ------------------------------------------------------------ connection */

typedef struct ms_dialect ms_dialect;

/* Options for opening a connection; NULL strings mean "not given". */
typedef struct ms_connect_options {
  const char *dialect;        /* "sqlite" | "postgres" */
  const char *storage;        /* sqlite file, default ":memory:" */
  const char *host, *user, *password, *database, *schema;
  const char *url;            /* postgres conninfo URL given by the user, if any */
  int port;                   /* 0: default */
  int foreign_keys;           /* sqlite: PRAGMA foreign_keys on open (default 1) */
  int busy_timeout_ms;        /* sqlite busy timeout (default 5000) */
  int lock_timeout_ms;        /* postgres SET LOCAL lock_timeout in syncs (default 10000) */
} ms_connect_options;

/* Called with every statement sent, before it is sent.  Returns MS_OK, or
** MS_ERROR after filling err (the statement is then not sent). */
typedef int (*ms_log_fn)(void *userdata, const char *sql, ms_error *err);

typedef struct ms_conn {
  const ms_dialect *dialect;
  void *handle;               /* sqlite3* or PGconn*; NULL when closed */
  char *database_name;        /* what `match` tests (malloc'd, owned) */
  char *default_schema;       /* postgres: the connection's schema; sqlite: NULL (malloc'd) */
  ms_log_fn log;              /* may be NULL */
  void *log_userdata;
  int in_transaction;         /* set by the dialect's begin/finish */
  int saved_foreign_keys;     /* sqlite: PRAGMA foreign_keys before a sync */
  int lock_timeout_ms;
  const struct ms_step *current_step; /* the plan step whose statements run now (apply.c),
                                 NULL otherwise: the logger hands it to `logging` */
  void *introspection_cache;  /* the dialect's, freed by its close (sqlite: the last
                                 live schema, valid while PRAGMA schema_version holds) */
  int full_introspection;     /* never take the dialect's introspect_known (connect
                                 option introspection = 'full') */
} ms_conn;

/* Runs one statement through the dialect, after the logging callback.
** params may be NULL when n_params is 0; out may be NULL to discard rows.
** Parameters are written $1, $2, ... in the SQL on every dialect. */
int ms_query(ms_conn *conn, ms_arena *arena, const char *sql,
             const ms_value *params, size_t n_params, ms_result *out, ms_error *err);
/* ms_query without parameters or rows. */
int ms_exec(ms_conn *conn, ms_arena *arena, const char *sql, ms_error *err);

/* ---------------------------------------------------------- schema model */

typedef enum ms_risk { MS_SAFE = 0, MS_DATA_DEPENDENT = 1, MS_DESTRUCTIVE = 2 } ms_risk;
const char *ms_risk_name(ms_risk risk);   /* "safe", "data-dependent", "destructive" */

/* A column.  Types and defaults are *canonical* strings: the dialect's
** canonical_type / canonical_default produce them from native SQL text, on the
** desired side and on the live side alike, so equality means "no change".
** Canonical type vocabulary (shared so risk rules are dialect-neutral):
**   INTEGER BIGINT SMALLINT REAL DOUBLE FLOAT DECIMAL(p,s) DECIMAL VARCHAR(n)
**   VARCHAR CHAR(n) TEXT CITEXT BOOLEAN TIMESTAMPTZ TIMESTAMP DATE TIME UUID
**   JSON JSONB BLOB ENUM; anything else is the dialect's normalised text. */
typedef struct ms_column {
  const char *name;
  const char *type;             /* canonical type */
  const char *native_type;      /* the dialect's SQL type text to emit (desired side);
                                   the catalog's text (live side) */
  const char **enum_values;     /* type "ENUM": the values, in order */
  size_t n_enum_values;
  const char *enum_type_name;   /* postgres: live enum type name (unquoted), else NULL */
  int not_null;
  int primary_key;              /* 1-based position in the primary key, 0 if not */
  int auto_increment;           /* sqlite AUTOINCREMENT key / pg identity or serial */
  const char *default_sql;      /* native default expression to emit, NULL = none */
  const char *default_canonical;/* canonical default, NULL = none */
  const char *comment;          /* NULL = none */
  const char **renamed_from;    /* desired side only: former names, newest first */
  size_t n_renamed_from;
  const char *generated_sql;    /* live side: generated column expression, left alone */
} ms_column;

typedef struct ms_index_part {
  const char *column;           /* column name, or NULL for an expression part */
  const char *expression;       /* expression text (live side only) */
  int descending;
} ms_index_part;

typedef struct ms_index {
  const char *name;             /* NULL on the desired side = dialect picks a stable name */
  int unique;
  int constraint;               /* a UNIQUE constraint (pg) / column UNIQUE (sqlite
                                   autoindex), not a plain CREATE INDEX */
  ms_index_part *parts;
  size_t n_parts;
  const char *where;            /* partial index predicate (canonical text) or NULL */
  const char *method;           /* access method, upper case ("BTREE", "GIN"...), NULL = default */
  int primary;                  /* live side: the primary key's own index (never diffed) */
  int unmanaged;                /* live side: expression/unknown form: left alone always */
  const char *definition_sql;   /* live side: the statement that recreates it, if known */
} ms_index;

typedef struct ms_foreign_key {
  const char *name;             /* NULL on the desired side = dialect picks a stable name */
  const char **columns;
  size_t n_columns;
  const char *ref_schema;       /* NULL = the table's own schema */
  const char *ref_table;
  const char **ref_columns;
  size_t n_ref_columns;
  const char *on_delete;        /* "CASCADE" "SET NULL" "SET DEFAULT" "RESTRICT" "NO ACTION" */
  const char *on_update;        /* (NULL on either side means "NO ACTION") */
} ms_foreign_key;

typedef struct ms_table {
  const char *schema;           /* NULL for sqlite's main schema */
  const char *name;
  const char *comment;
  ms_column *columns;
  size_t n_columns;
  ms_index *indexes;            /* unique constraints and indexes (not the PK) */
  size_t n_indexes;
  ms_foreign_key *foreign_keys;
  size_t n_foreign_keys;
  int autoincrement;            /* sqlite: declared AUTOINCREMENT */
  /* live side only, kept so that a rebuild or a diff leaves them alone: */
  const char *create_sql;       /* sqlite: the CREATE TABLE text in sqlite_master */
  const char **checks;          /* CHECK constraint expressions not produced by us */
  size_t n_checks;
  const char **triggers;        /* sqlite: CREATE TRIGGER statements on this table */
  size_t n_triggers;
} ms_table;

typedef struct ms_enum_type {   /* postgres live enum types */
  const char *schema, *name;
  const char **values;
  size_t n_values;
} ms_enum_type;

/* A view (live side, discovery only): listed, never diffed or changed. */
typedef struct ms_view {
  const char *schema;           /* NULL for sqlite's main schema */
  const char *name;
  const char *definition;       /* the view's SQL as the catalog keeps it, or NULL */
} ms_view;

typedef struct ms_schema {
  ms_table *tables;
  size_t n_tables;
  const char **schemas;         /* live side: namespaces that exist (pg) */
  size_t n_schemas;
  ms_enum_type *enum_types;     /* live side (pg) */
  size_t n_enum_types;
} ms_schema;

/* Lookups (NULL when absent).  Schema NULL matches NULL only. */
ms_table *ms_schema_find_table(const ms_schema *schema, const char *schema_name, const char *name);
ms_column *ms_table_find_column(const ms_table *table, const char *name);
int ms_same_name(const char *a, const char *b);   /* both NULL, or equal strings */

/* Risk of changing a column's canonical type from `from` to `to` (dialect-neutral). */
ms_risk ms_type_change_risk(const char *from, const char *to);

/* ------------------------------------------------------------------ diff */

typedef enum ms_change_kind {
  MS_CREATE_SCHEMA,     /* schema_name */
  MS_CREATE_TABLE,      /* table */
  MS_DROP_TABLE,        /* live (force re-create; db:drop) */
  MS_ADD_COLUMN,        /* table, column */
  MS_DROP_COLUMN,       /* live, live_column */
  MS_RENAME_COLUMN,     /* table, column (new), live_column (old); may carry alter flags too */
  MS_ALTER_COLUMN,      /* table, column, live_column, alter flags */
  MS_ADD_INDEX,         /* table, index */
  MS_DROP_INDEX,        /* live, live_index */
  MS_ADD_FOREIGN_KEY,   /* table, foreign_key */
  MS_DROP_FOREIGN_KEY,  /* live, live_foreign_key */
  MS_REPLACE_FOREIGN_KEY, /* table, foreign_key, live_foreign_key (same columns) */
  MS_SET_TABLE_COMMENT  /* table */
} ms_change_kind;

#define MS_ALTER_TYPE     0x01u
#define MS_ALTER_NULL     0x02u   /* column->not_null differs */
#define MS_ALTER_DEFAULT  0x04u
#define MS_ALTER_COMMENT  0x08u
#define MS_ALTER_ENUM     0x10u   /* ENUM values differ (type stays ENUM) */
#define MS_ALTER_AUTOINC  0x20u
#define MS_ALTER_PRIMARY  0x40u   /* primary key membership differs */

typedef struct ms_change {
  ms_change_kind kind;
  const char *schema_name;            /* MS_CREATE_SCHEMA */
  const ms_table *table;              /* desired table (NULL for pure drops of unknown) */
  const ms_table *live;               /* live table (NULL when it does not exist) */
  const ms_column *column;            /* desired column */
  const ms_column *live_column;
  const ms_index *index;              /* desired index */
  const ms_index *live_index;
  const ms_foreign_key *foreign_key;  /* desired */
  const ms_foreign_key *live_foreign_key;
  unsigned alter;                     /* MS_ALTER_* flags */
  ms_risk risk;
  int skipped;                        /* not applied under these options */
  const char *reason;                 /* why it is skipped / why it is risky */
} ms_change;

/* Everything that happens to one table, in the order the emitter must keep. */
typedef struct ms_table_diff {
  const ms_table *desired;     /* NULL only for MS_DROP_TABLE-only diffs */
  const ms_table *live;        /* NULL: the table does not exist yet */
  /* The table as it must look after the *applied* changes: desired, but
  ** keeping whatever a skipped change would have removed or altered (the live
  ** column, index or foreign key), plus the live indexes no model manages
  ** (unmanaged ones), and the live table's checks and triggers.  Indexes that
  ** come from the live side carry definition_sql: re-run it verbatim to
  ** recreate them.  A SQLite rebuild creates exactly this table. */
  const ms_table *target;
  int force;                   /* drop and re-create */
  ms_change *changes;
  size_t n_changes;
} ms_table_diff;

typedef struct ms_diff_options {
  int alter;                   /* compare and change existing tables */
  int drop;                    /* apply destructive steps and removals */
  int force;                   /* drop and re-create every desired table */
  int drop_tables;             /* db:drop(): drop the desired tables only */
} ms_diff_options;

typedef struct ms_diff {
  ms_change *schema_changes;   /* MS_CREATE_SCHEMA changes, first of all */
  size_t n_schema_changes;
  ms_table_diff *tables;       /* in foreign-key dependency order (parents first;
                                  reversed for drop_tables) */
  size_t n_tables;
  /* The live schema the diff was made against (set by ms_diff_schemas; NULL
  ** allowed): emitters read what exists beyond the diffed tables from it,
  ** e.g. postgres enum types left over or shared. */
  const ms_schema *live;
} ms_diff;

/* desired vs live -> diff.  Fails only on an invalid desired schema
** (E_DEFINITION: a reference to a table/column that exists on neither side...). */
int ms_diff_schemas(ms_arena *arena, const ms_dialect *dialect, const ms_schema *desired,
                    const ms_schema *live, const ms_diff_options *options,
                    ms_diff *out, ms_error *err);

/* ------------------------------------------------------------------ plan */

/* A query whose first column of its first row counts the rows at fault;
** non-zero fails the sync with E_DATA naming table, column and count.  When
** it runs (`after`):
**   MS_CHECK_BEFORE      before the step's statements (fail before changing);
**   MS_CHECK_AFTER       after them (e.g. a foreign key check after a rebuild);
**   MS_CHECK_ON_FAILURE  only when a statement of the step fails with E_DATA,
**                        to explain the failure: for databases whose failed
**                        statement leaves the transaction usable (SQLite), so
**                        the common path pays no extra scan of the table. */
#define MS_CHECK_BEFORE 0
#define MS_CHECK_AFTER 1
#define MS_CHECK_ON_FAILURE 2
typedef struct ms_check {
  const char *sql;
  const char *table, *column;
  const char *problem;          /* e.g. "hold NULL", "hold duplicate values" */
  int after;                    /* MS_CHECK_BEFORE / _AFTER / _ON_FAILURE */
} ms_check;

typedef struct ms_step {
  const char *op;               /* createSchema createTable dropTable addColumn dropColumn
                                   renameColumn alterColumn addIndex dropIndex addForeignKey
                                   dropForeignKey replaceForeignKey rebuildTable setComment
                                   createEnum addEnumValue */
  const char *schema, *table;
  const char *column;           /* column, index or constraint name the step is about */
  ms_risk risk;
  int skipped;
  const char *reason;           /* skipped: why; else may explain the risk */
  const char **sql;             /* statements in order */
  size_t n_sql;
  ms_check *checks;
  size_t n_checks;
  int outside_transaction;      /* e.g. a pg ALTER TYPE .. ADD VALUE on old servers (unused now) */
} ms_step;

typedef struct ms_plan {
  ms_step *steps;
  size_t n_steps;
  int needs_rebuild;            /* sqlite: some step rebuilds a table */
  size_t capacity;              /* allocated length of steps (ms_plan_add_step) */
} ms_plan;

/* Step builder for emitters: appends a step and returns it for filling in.
** The steps array grows: a step pointer is valid only until the next call. */
ms_step *ms_plan_add_step(ms_arena *arena, ms_plan *plan, const char *op,
                          const ms_change *from_change);
void ms_step_add_sql(ms_arena *arena, ms_step *step, const char *sql);
void ms_step_add_check(ms_arena *arena, ms_step *step, const char *sql, const char *table,
                       const char *column, const char *problem, int after);

/* --------------------------------------------------------------- dialect */

/* What a desired column's type looks like before the dialect sees it: the
** fields of the Lua DataTypes table ({ key = 'STRING', length = 255 } ...). */
typedef struct ms_type_spec {
  const char *key;              /* INTEGER BIGINT SMALLINT FLOAT REAL DOUBLE DECIMAL STRING
                                   CHAR TEXT CITEXT BOOLEAN DATE DATEONLY TIME UUID JSON
                                   JSONB BLOB ENUM SQL */
  long long length;             /* STRING/CHAR length, 0 = not given */
  long long precision, scale;   /* DECIMAL/FLOAT; precision 0 = not given */
  const char *sql;              /* key SQL: the native type text */
  const char **values;          /* ENUM values */
  size_t n_values;
  /* where the column lives, for dialects that name per-column types (pg enums) */
  const char *schema, *table, *column;
} ms_type_spec;

typedef enum ms_default_kind { MS_DEFAULT_NONE, MS_DEFAULT_VALUE, MS_DEFAULT_NOW, MS_DEFAULT_LITERAL } ms_default_kind;

typedef struct ms_default_spec {
  ms_default_kind kind;
  ms_value value;               /* MS_DEFAULT_VALUE: a Lua string/number/boolean */
  const char *sql;              /* MS_DEFAULT_LITERAL: SQL expression, verbatim */
} ms_default_spec;

struct ms_dialect {
  const char *name;             /* "sqlite" | "postgres" */
  int has_comments;             /* the diff compares comments only when set */
  int has_schemas;              /* tables may live in named schemas */

  /* Connection.  open fills conn->handle, database_name, default_schema. */
  int (*open)(ms_conn *conn, const ms_connect_options *options, ms_error *err);
  void (*close)(ms_conn *conn);
  /* One statement with $N parameters (no logging: ms_query logs first). */
  int (*query)(ms_conn *conn, ms_arena *arena, const char *sql, const ms_value *params,
               size_t n_params, ms_result *out, ms_error *err);

  /* The transaction of a sync: sqlite saves and clears PRAGMA foreign_keys,
  ** then BEGIN IMMEDIATE; postgres BEGIN, SET LOCAL lock_timeout and
  ** pg_advisory_xact_lock.  finish commits (commit = 1) or rolls back, and
  ** restores what begin changed; it is called after a failed begin too. */
  int (*begin_sync)(ms_conn *conn, ms_arena *arena, ms_error *err);
  int (*finish_sync)(ms_conn *conn, ms_arena *arena, int commit, ms_error *err);

  /* Reads every table of the given schemas (NULL/0: the default schema) into
  ** out, with canonical types and defaults, in a number of statements that
  ** does not depend on the number of tables. */
  int (*introspect)(ms_conn *conn, ms_arena *arena, const char **schemas, size_t n_schemas,
                    ms_schema *out, ms_error *err);

  /* Desired side: the native type text for a spec (NULL + err if the type
  ** cannot exist here), the canonical form of native type text, the native
  ** expression for a default, and the canonical form of a default expression.
  ** canonical_type and canonical_default are used on the live side too. */
  const char *(*native_type)(ms_arena *arena, const ms_type_spec *spec, ms_error *err);
  const char *(*canonical_type)(ms_arena *arena, const char *native_type);
  const char *(*default_sql)(ms_arena *arena, const ms_default_spec *spec,
                             const char *canonical_type, ms_error *err);
  const char *(*canonical_default)(ms_arena *arena, const char *default_sql);
  /* The stable names the dialect gives unnamed uniques, indexes and FKs. */
  const char *(*index_name)(ms_arena *arena, const ms_table *table, const ms_index *index);
  const char *(*foreign_key_name)(ms_arena *arena, const ms_table *table,
                                  const ms_foreign_key *foreign_key);

  /* diff -> plan: every change becomes SQL (skipped ones too, marked skipped). */
  int (*emit)(ms_arena *arena, const ms_diff *diff, ms_plan *out, ms_error *err);

  /* The longest identifier, in bytes, the database keeps whole (0: no limit).
  ** Longer names are refused before any SQL: never silently truncated. */
  size_t max_identifier_length;

  /* Discovery only (never called by a sync): the views of the given schemas
  ** (NULL/0: the default schema), in one statement.  May be NULL. */
  int (*list_views)(ms_conn *conn, ms_arena *arena, const char **schemas, size_t n_schemas,
                    ms_view **out, size_t *n_out, ms_error *err);

  /* The read of a plan: one consistent snapshot of the catalogs when no
  ** transaction is open (sqlite BEGIN, postgres REPEATABLE READ READ ONLY);
  ** *started says whether begin_read opened one, for finish_read to end. */
  int (*begin_read)(ms_conn *conn, ms_arena *arena, int *started, ms_error *err);
  int (*finish_read)(ms_conn *conn, ms_arena *arena, int started, ms_error *err);

  /* Optional (NULL: always introspect).  A sync's or plan's cheaper read:
  ** the live tables the dialect can tell, from little, are exactly what its
  ** createTable steps would build for desired need not be read in full.  It
  ** sets *known = 1 with out the live schema (read only where it had to be),
  ** or *known = 0 for the caller to introspect.  sqlite: introspect_sqlite.c,
  ** recognition. */
  int (*introspect_known)(ms_conn *conn, ms_arena *arena, const ms_schema *desired,
                          ms_schema *out, int *known, ms_error *err);
};

extern const ms_dialect ms_dialect_sqlite;
extern const ms_dialect ms_dialect_postgres;   /* only when built WITH_POSTGRES */

const ms_dialect *ms_find_dialect(const char *name);

/* ----------------------------------------------------------------- apply */

typedef enum ms_sync_mode { MS_MODE_PLAN, MS_MODE_SYNC } ms_sync_mode;

/* The whole pipeline.  MODE_PLAN: introspect (in a read snapshot), diff,
** emit; nothing is changed.  MODE_SYNC: begin_sync, introspect, diff, emit,
** run every non-skipped step (checks, then statements), finish_sync(commit);
** any failure rolls back everything and returns the error.
** expected_sql, when given (plan:apply()), must equal the re-computed plan's
** SQL or the sync fails with E_STALE_PLAN before changing anything. */
int ms_run(ms_conn *conn, ms_arena *arena, ms_sync_mode mode, const ms_schema *desired,
           const ms_diff_options *options, const char *expected_sql,
           ms_plan *out_plan, ms_error *err);

/* A migration: `up` is the plan for `desired` under `options` (as MODE_PLAN
** makes it) and `down` the plan that takes the database back to what it is
** now (the tables up changes, as they are, and the tables up creates gone).
** Both are made in one locked transaction that is always rolled back: up is
** run in it, down is made against the schema up leaves, then run and checked
** too; *down_problem is NULL when down restored the schema exactly, else it
** says what went wrong (not an error: the caller reports it).  Nothing is
** changed; fails only when up itself fails on this database. */
int ms_plan_migration(ms_conn *conn, ms_arena *arena, const ms_schema *desired,
                      const ms_diff_options *options, ms_plan *up, ms_plan *down,
                      const char **down_problem, ms_error *err);

/* The plan's applied SQL as one text, statements separated by ";\n". */
char *ms_plan_sql(ms_arena *arena, const ms_plan *plan, int include_skipped);

#endif
