/*
** conn_sqlite.c: the SQLite connection (open, close, query, the transaction
** of a sync) and the ms_dialect_sqlite table that ties the dialect together.
**
** Every statement this file runs goes through ms_query / ms_exec so that the
** logging callback sees it; dialect->query below is the raw sender they call.
*/
#include "sqlite_dialect.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* The sqlite3 handle of a connection (NULL when closed). */
static sqlite3 *connection_database(const ms_conn *conn) {
  return (sqlite3 *)conn->handle;
}

/* A malloc'd copy of n bytes of s (the connection owns its names with malloc,
** as they outlive every arena); NULL when out of memory. */
static char *heap_copy(const char *s, size_t n) {
  char *copy = malloc(n + 1);
  if (copy == NULL) return NULL;
  memcpy(copy, s, n);
  copy[n] = '\0';
  return copy;
}

/* The name `match` tests: the database option if given, else the storage
** file's name without folder and extension, ":memory:" for memory. */
static char *database_name_for(const ms_connect_options *options, const char *storage) {
  const char *start, *end, *slash, *dot;
  if (options->database != NULL && options->database[0] != '\0')
    return heap_copy(options->database, strlen(options->database));
  if (storage[0] == '\0' || strcmp(storage, ":memory:") == 0)
    return heap_copy(":memory:", 8);
  start = storage;
  if (strncmp(start, "file:", 5) == 0) start += 5;           /* URI filenames */
  end = start + strcspn(start, "?#");
  if (end == start) return heap_copy(":memory:", 8);
  for (slash = start; slash < end; slash++)
    if (*slash == '/' || *slash == '\\') start = slash + 1;
  dot = NULL;
  for (slash = start; slash < end; slash++)
    if (*slash == '.') dot = slash;
  if (dot != NULL && dot > start) end = dot;
  if (end - start == 8 && strncmp(start, ":memory:", 8) == 0) return heap_copy(":memory:", 8);
  return heap_copy(start, (size_t)(end - start));
}

/* Closes the handle and frees what the connection owns; idempotent. */
static void sqlite_close(ms_conn *conn) {
  ms_sqlite_free_introspection_cache(conn);
  if (conn->handle != NULL) sqlite3_close_v2(connection_database(conn));
  conn->handle = NULL;
  free(conn->database_name);
  conn->database_name = NULL;
  free(conn->default_schema);
  conn->default_schema = NULL;
  conn->in_transaction = 0;
}

/* Opens options->storage (default ":memory:"), sets the busy timeout and
** PRAGMA foreign_keys, and checks that the file really is a database. */
static int sqlite_open(ms_conn *conn, const ms_connect_options *options, ms_error *err) {
  const char *storage = options->storage != NULL ? options->storage : ":memory:";
  sqlite3 *database = NULL;
  ms_arena *arena;
  int rc, status = MS_OK;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;

  rc = sqlite3_open_v2(storage, &database, flags, NULL);
  if (rc != SQLITE_OK) {
    ms_error_set(err, MS_E_CONNECT, "cannot open SQLite database '%s': %s", storage,
                 database != NULL ? sqlite3_errmsg(database) : sqlite3_errstr(rc));
    sqlite3_close_v2(database);
    return MS_ERROR;
  }
  sqlite3_extended_result_codes(database, 0);
  sqlite3_busy_timeout(database, options->busy_timeout_ms > 0 ? options->busy_timeout_ms : 5000);
  conn->handle = database;
  conn->default_schema = NULL;
  conn->in_transaction = 0;
  conn->saved_foreign_keys = 0;
  conn->database_name = database_name_for(options, storage);
  if (conn->database_name == NULL) {
    sqlite_close(conn);
    return ms_error_set(err, MS_E_INTERNAL, "out of memory opening '%s'", storage);
  }

  arena = ms_arena_new();
  /* Reading the schema proves the file is a database (not a text file...). */
  if (ms_exec(conn, arena, "SELECT count(*) FROM sqlite_master", err) != MS_OK ||
      (options->foreign_keys != 0 &&
       ms_exec(conn, arena, "PRAGMA foreign_keys = ON", err) != MS_OK)) {
    const char *message = err->message != NULL ? err->message : "unknown error";
    if (err->code == NULL || strcmp(err->code, MS_E_SQL) == 0) {
      message = ms_strdup(err->arena, message);
      err->sql = NULL;
      ms_error_set(err, MS_E_CONNECT, "cannot open SQLite database '%s': %s", storage, message);
    }
    status = MS_ERROR;
  }
  ms_arena_free(arena);
  if (status != MS_OK) sqlite_close(conn);
  return status;
}

/* Reads "$12", "?12", ":12" or "@12" as parameter number 12; 0 if it is not a number. */
static int parameter_number(const char *name) {
  long number = 0;
  const char *p;
  if (name == NULL || name[0] == '\0' || name[1] == '\0') return 0;
  for (p = name + 1; *p != '\0'; p++) {
    if (*p < '0' || *p > '9') return 0;
    number = number * 10 + (*p - '0');
    if (number > 1000000) return 0;
  }
  return (int)number;
}

/* Binds every parameter of statement from params: named $N parameters by
** their number, anonymous ? ones by position. */
static int bind_parameters(sqlite3_stmt *statement, const char *sql, const ms_value *params,
                           size_t n_params, ms_error *err) {
  int count = sqlite3_bind_parameter_count(statement), index, rc = SQLITE_OK;
  for (index = 1; index <= count; index++) {
    const char *name = sqlite3_bind_parameter_name(statement, index);
    int number = name == NULL ? index : parameter_number(name);
    const ms_value *value;
    if (number <= 0 || (size_t)number > n_params) {
      ms_error_set(err, MS_E_SQL, "parameter %s has no value (%lu given)",
                   name != NULL ? name : "?", (unsigned long)n_params);
      err->sql = ms_strdup(err->arena, sql);
      return MS_ERROR;
    }
    value = &params[number - 1];
    switch (value->type) {
    case MS_NULL: rc = sqlite3_bind_null(statement, index); break;
    case MS_INTEGER: rc = sqlite3_bind_int64(statement, index, value->integer); break;
    case MS_BOOLEAN: rc = sqlite3_bind_int(statement, index, value->integer != 0); break;
    case MS_FLOAT: rc = sqlite3_bind_double(statement, index, value->number); break;
    case MS_TEXT:
      rc = sqlite3_bind_text64(statement, index, value->text, value->length, SQLITE_TRANSIENT,
                               SQLITE_UTF8);
      break;
    case MS_BLOB:
      rc = sqlite3_bind_blob64(statement, index, value->text, value->length, SQLITE_TRANSIENT);
      break;
    }
    if (rc != SQLITE_OK) {
      ms_error_set(err, MS_E_SQL, "cannot bind parameter %d: %s", number, sqlite3_errstr(rc));
      err->sql = ms_strdup(err->arena, sql);
      return MS_ERROR;
    }
  }
  return MS_OK;
}

/* Fills err from the database's last error for sql; a busy or locked
** database gets a message that says so plainly. */
static int statement_error(ms_conn *conn, int rc, const char *sql, ms_error *err) {
  sqlite3 *database = connection_database(conn);
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    ms_error_set(err, MS_E_SQL, "the database file is locked by another connection (%s)",
                 sqlite3_errmsg(database));
  else if (primary == SQLITE_CONSTRAINT)
    /* Existing rows refuse the change (UNIQUE, NOT NULL, CHECK, FOREIGN KEY). */
    ms_error_set(err, MS_E_DATA, "%s", sqlite3_errmsg(database));
  else
    ms_error_set(err, MS_E_SQL, "%s", sqlite3_errmsg(database));
  err->sql = ms_strdup(err->arena, sql);
  return MS_ERROR;
}

/* The rows a statement produces, gathered in the arena before they become
** an ms_result. */
typedef struct row_collector {
  size_t n_columns, n_rows, capacity;   /* capacity in rows */
  const char **column_names;
  ms_value *values;
} row_collector;

/* Starts collecting the rows of statement (its column names first). */
static void collector_start(ms_arena *arena, row_collector *rows, sqlite3_stmt *statement) {
  size_t column;
  rows->n_columns = (size_t)sqlite3_column_count(statement);
  rows->n_rows = 0;
  rows->capacity = 0;
  rows->values = NULL;
  rows->column_names = ms_alloc(arena, (rows->n_columns + 1) * sizeof *rows->column_names);
  for (column = 0; column < rows->n_columns; column++) {
    const char *name = sqlite3_column_name(statement, (int)column);
    rows->column_names[column] = ms_strdup(arena, name != NULL ? name : "");
  }
}

/* Appends the current row of statement, converting each value by its
** storage class. */
static void collector_add_row(ms_arena *arena, row_collector *rows, sqlite3_stmt *statement) {
  size_t column;
  ms_value *row;
  if (rows->n_rows == rows->capacity) {
    size_t capacity = rows->capacity == 0 ? 16 : rows->capacity * 2;
    ms_value *values = ms_alloc(arena, capacity * (rows->n_columns + 1) * sizeof *values);
    if (rows->n_rows > 0)
      memcpy(values, rows->values, rows->n_rows * rows->n_columns * sizeof *values);
    rows->values = values;
    rows->capacity = capacity;
  }
  row = &rows->values[rows->n_rows * rows->n_columns];
  for (column = 0; column < rows->n_columns; column++) {
    ms_value *value = &row[column];
    int index = (int)column;
    memset(value, 0, sizeof *value);
    switch (sqlite3_column_type(statement, index)) {
    case SQLITE_INTEGER:
      value->type = MS_INTEGER;
      value->integer = sqlite3_column_int64(statement, index);
      break;
    case SQLITE_FLOAT:
      value->type = MS_FLOAT;
      value->number = sqlite3_column_double(statement, index);
      break;
    case SQLITE_TEXT: {
      const unsigned char *text = sqlite3_column_text(statement, index);
      value->type = MS_TEXT;
      value->length = (size_t)sqlite3_column_bytes(statement, index);
      value->text = ms_strndup(arena, text != NULL ? (const char *)text : "", value->length);
      break;
    }
    case SQLITE_BLOB: {
      const void *blob = sqlite3_column_blob(statement, index);
      char *copy;
      value->type = MS_BLOB;
      value->length = (size_t)sqlite3_column_bytes(statement, index);
      copy = ms_alloc(arena, value->length + 1);
      if (value->length > 0) memcpy(copy, blob, value->length);
      value->text = copy;
      break;
    }
    default:
      value->type = MS_NULL;
      break;
    }
  }
  rows->n_rows++;
}

/* Runs sql (one statement or several: every one is run, in order) with $N or
** ? parameters.  out, when given, receives the rows of the last statement
** that returns columns. */
static int sqlite_query(ms_conn *conn, ms_arena *arena, const char *sql, const ms_value *params,
                        size_t n_params, ms_result *out, ms_error *err) {
  sqlite3 *database = connection_database(conn);
  const char *rest = sql;
  int have_rows = 0;
  row_collector rows;

  if (database == NULL) return ms_error_set(err, MS_E_CLOSED, "the connection is closed");
  memset(&rows, 0, sizeof rows);
  if (out != NULL) memset(out, 0, sizeof *out);
  while (rest != NULL && *rest != '\0') {
    sqlite3_stmt *statement = NULL;
    const char *tail = NULL;
    int rc = sqlite3_prepare_v3(database, rest, -1, 0, &statement, &tail);
    if (rc != SQLITE_OK) return statement_error(conn, rc, sql, err);
    if (statement == NULL) break;           /* only whitespace or comments were left */
    if (bind_parameters(statement, sql, params, n_params, err) != MS_OK) {
      sqlite3_finalize(statement);
      return MS_ERROR;
    }
    if (out != NULL && sqlite3_column_count(statement) > 0) {
      collector_start(arena, &rows, statement);
      have_rows = 1;
    }
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW)
      if (out != NULL && have_rows && rows.n_columns == (size_t)sqlite3_column_count(statement))
        collector_add_row(arena, &rows, statement);
    if (rc != SQLITE_DONE) {
      statement_error(conn, rc, sql, err);
      sqlite3_finalize(statement);
      return MS_ERROR;
    }
    sqlite3_finalize(statement);
    rest = tail;
  }
  if (out != NULL && have_rows) {
    out->n_columns = rows.n_columns;
    out->n_rows = rows.n_rows;
    out->column_names = rows.column_names;
    out->values = rows.values;
  }
  return MS_OK;
}

/* Starts the transaction of a sync: remembers PRAGMA foreign_keys and turns
** it off (it has no effect inside a transaction, and a rebuild must drop a
** parent table without cascading to its children), then BEGIN IMMEDIATE so
** concurrent syncs wait for each other (the busy timeout) instead of failing. */
static int sqlite_begin_sync(ms_conn *conn, ms_arena *arena, ms_error *err) {
  ms_result result;
  if (conn->handle == NULL) return ms_error_set(err, MS_E_CLOSED, "the connection is closed");
  conn->saved_foreign_keys = 0;
  if (!sqlite3_get_autocommit(connection_database(conn)))
    return ms_error_set(err, MS_E_SQL,
                        "a sync cannot run inside an open transaction (PRAGMA foreign_keys "
                        "cannot be turned off there)");
  if (ms_query(conn, arena, "PRAGMA foreign_keys", NULL, 0, &result, err) != MS_OK) return MS_ERROR;
  if (result.n_rows > 0 && result.n_columns > 0 && ms_cell_integer(&result, 0, 0) != 0) {
    if (ms_exec(conn, arena, "PRAGMA foreign_keys = OFF", err) != MS_OK) return MS_ERROR;
    conn->saved_foreign_keys = 1;
  }
  if (ms_exec(conn, arena, "BEGIN IMMEDIATE", err) != MS_OK) return MS_ERROR;
  conn->in_transaction = 1;
  return MS_OK;
}

/* Ends the transaction of a sync (COMMIT or ROLLBACK; a failed COMMIT is
** rolled back) and turns PRAGMA foreign_keys back on if begin turned it off.
** A sync that did not commit may have stopped inside a rebuild, between its
** PRAGMA legacy_alter_table = ON and OFF (a pragma no ROLLBACK undoes): it
** is turned OFF, as every finished rebuild leaves it, so that the
** connection's later RENAMEs update triggers and views again.
** Safe after a failed begin_sync. */
static int sqlite_finish_sync(ms_conn *conn, ms_arena *arena, int commit, ms_error *err) {
  int status = MS_OK;
  ms_error restore_error;
  if (conn->handle == NULL) return ms_error_set(err, MS_E_CLOSED, "the connection is closed");
  if (!sqlite3_get_autocommit(connection_database(conn))) {
    if (commit) status = ms_exec(conn, arena, "COMMIT", err);
    if ((!commit || status != MS_OK) && !sqlite3_get_autocommit(connection_database(conn))) {
      ms_error rollback_error;
      ms_error_init(&rollback_error, arena);
      /* A COMMIT error stays the one reported. */
      if (ms_exec(conn, arena, "ROLLBACK", commit ? &rollback_error : err) != MS_OK && !commit)
        status = MS_ERROR;
    }
  }
  conn->in_transaction = 0;
  if (!commit || status != MS_OK) {
    ms_error_init(&restore_error, arena);
    (void)ms_exec(conn, arena, "PRAGMA legacy_alter_table = OFF", &restore_error);  /* best effort */
  }
  if (conn->saved_foreign_keys) {
    conn->saved_foreign_keys = 0;
    ms_error_init(&restore_error, arena);
    if (ms_exec(conn, arena, "PRAGMA foreign_keys = ON", status == MS_OK ? err : &restore_error)
        != MS_OK)
      status = MS_ERROR;
  }
  return status;
}

/* Opens a read transaction for a plan unless one is open already: every
** introspection query then sees the same schema. */
static int sqlite_begin_read(ms_conn *conn, ms_arena *arena, int *started, ms_error *err) {
  *started = 0;
  if (conn->handle == NULL) return ms_error_set(err, MS_E_CLOSED, "the connection is closed");
  if (!sqlite3_get_autocommit(connection_database(conn))) return MS_OK;
  if (ms_exec(conn, arena, "BEGIN", err) != MS_OK) return MS_ERROR;
  *started = 1;
  return MS_OK;
}

/* Ends the read transaction begin_read opened (nothing was written). */
static int sqlite_finish_read(ms_conn *conn, ms_arena *arena, int started, ms_error *err) {
  if (!started || conn->handle == NULL || sqlite3_get_autocommit(connection_database(conn))) return MS_OK;
  return ms_exec(conn, arena, "ROLLBACK", err);
}

/* The SQLite dialect: every operation the core needs, in one table. */
const ms_dialect ms_dialect_sqlite = {
  "sqlite",
  0,                      /* has_comments: SQLite keeps no comments */
  0,                      /* has_schemas: one main schema (attached ones are not ours) */
  sqlite_open,
  sqlite_close,
  sqlite_query,
  sqlite_begin_sync,
  sqlite_finish_sync,
  ms_sqlite_introspect,
  ms_sqlite_native_type,
  ms_sqlite_canonical_type,
  ms_sqlite_default_sql,
  ms_sqlite_canonical_default,
  ms_sqlite_index_name,
  ms_sqlite_foreign_key_name,
  ms_sqlite_emit,
  0,                     /* max_identifier_length: no limit */
  ms_sqlite_list_views,
  sqlite_begin_read,
  sqlite_finish_read,
  ms_sqlite_introspect_known
};
