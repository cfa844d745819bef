/*
** conn_pg.c: the PostgreSQL connection (open, close, query, the transaction
** of a sync) and the ms_dialect_postgres table that ties the dialect together.
**
** Every statement a sync runs goes through ms_query / ms_exec so that the
** logging callback sees it; dialect->query below is the raw sender they call.
** Only the session settings made while opening (before any logger can be
** installed) are sent directly.
**
** Session: standard_conforming_strings on (literal quoting relies on it),
** TimeZone UTC (as Sequelize; timestamp defaults are written in the form the
** server prints in UTC), search_path "<schema>", public (+ citext's schema
** when it lives elsewhere).
**
** Values: parameters are sent in text format with no declared type (as
** node-postgres does: the server infers each one from its context), except
** BLOBs, and strings that cannot be text (a NUL byte or invalid UTF-8: a Lua
** string of binary data), sent in binary format as bytea.  Results are read in text format and
** typed by their column's type OID: int2/int4/int8/oid -> integer,
** float4/float8 -> float, bool -> boolean, bytea -> blob (unescaped), and
** everything else, numeric included (it does not fit a double), -> text.
*/
#include "pg_dialect.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Type OIDs of pg_type (stable since forever; catalog/pg_type_d.h is a
** server header, not shipped with libpq). */
#define PG_OID_BOOL    16
#define PG_OID_BYTEA   17
#define PG_OID_INT8    20
#define PG_OID_INT2    21
#define PG_OID_INT4    23
#define PG_OID_OID     26
#define PG_OID_FLOAT4  700
#define PG_OID_FLOAT8  701

/* The PGconn of a connection (NULL when closed). */
static PGconn *connection_handle(const ms_conn *conn) {
  return (PGconn *)conn->handle;
}

int ms_pg_server_version(const ms_conn *conn) {
  PGconn *pg = connection_handle(conn);
  return pg != NULL ? PQserverVersion(pg) : 0;
}

/* A malloc'd copy of s (the connection owns its names with malloc, as they
** outlive every arena); NULL when out of memory. */
static char *heap_copy(const char *s) {
  size_t n = strlen(s);
  char *copy = malloc(n + 1);
  if (copy == NULL) return NULL;
  memcpy(copy, s, n + 1);
  return copy;
}

/* libpq's notices (NOTICE, WARNING of IF NOT EXISTS and friends) would go to
** stderr: a library must stay quiet, so they are dropped. */
static void swallow_notice(void *userdata, const char *message) {
  (void)userdata;
  (void)message;
}

/* An error message of libpq on one line: its line breaks (and the tabs that
** indent its hints) become single spaces, the trailing ones go. */
static const char *trimmed_message(ms_arena *arena, const char *message) {
  ms_buf out;
  const char *p;
  if (message == NULL) return "unknown error";
  ms_buf_init(&out, arena);
  for (p = message; *p; p++) {
    if (*p == '\n' || *p == '\t' || *p == '\r') {
      if (out.length > 0 && out.data[out.length - 1] != ' ') ms_buf_addc(&out, ' ');
      continue;
    }
    ms_buf_addc(&out, *p);
  }
  while (out.length > 0 && out.data[out.length - 1] == ' ') out.data[--out.length] = '\0';
  return out.length == 0 ? "unknown error" : ms_buf_string(&out);
}

/* ------------------------------------------------------------------ URLs */

/* The value of one hexadecimal digit, -1 if c is not one. */
static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* The first n bytes of s with %XX escapes (and + for space) decoded. */
static char *percent_decode(ms_arena *arena, const char *s, size_t n) {
  char *out = ms_alloc(arena, n + 1);
  size_t i, k = 0;
  for (i = 0; i < n; i++) {
    if (s[i] == '%' && i + 2 < n && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out[k++] = (char)(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      out[k++] = s[i] == '+' ? ' ' : s[i];
    }
  }
  out[k] = '\0';
  return out;
}

/* Splits a postgres:// URL into the URL libpq accepts and our own `schema`
** query parameter (which libpq would refuse as unknown).  Other parameters
** (sslmode=...) are kept for libpq.  A key=value conninfo string is passed
** through unchanged. */
static const char *split_url(ms_arena *arena, const char *url, const char **schema) {
  const char *query;
  const char *p;
  ms_buf kept;
  int first = 1;
  *schema = NULL;
  if (strncmp(url, "postgres://", 11) != 0 && strncmp(url, "postgresql://", 13) != 0) return url;
  query = strchr(url, '?');
  if (query == NULL) return url;
  ms_buf_init(&kept, arena);
  ms_buf_addn(&kept, url, (size_t)(query - url));
  p = query + 1;
  while (*p != '\0') {
    size_t length = strcspn(p, "&");
    if (length > 7 && strncmp(p, "schema=", 7) == 0) {
      *schema = percent_decode(arena, p + 7, length - 7);
    } else if (length > 0) {
      ms_buf_addc(&kept, first ? '?' : '&');
      ms_buf_addn(&kept, p, length);
      first = 0;
    }
    p += length;
    if (*p == '&') p++;
  }
  return ms_buf_string(&kept);
}

/* ------------------------------------------------------------- open/close */

/* Closes the handle and frees what the connection owns; idempotent. */
static void pg_close(ms_conn *conn) {
  if (conn->handle != NULL) PQfinish(connection_handle(conn));
  conn->handle = NULL;
  free(conn->database_name);
  conn->database_name = NULL;
  free(conn->default_schema);
  conn->default_schema = NULL;
  conn->in_transaction = 0;
}

/* Runs one session statement while opening (no logger exists yet); fills
** err with E_CONNECT on failure. */
static int open_statement(PGconn *pg, ms_arena *arena, const char *sql, const char *param,
                          int *found_rows, ms_error *err) {
  PGresult *result = param != NULL
    ? PQexecParams(pg, sql, 1, NULL, &param, NULL, NULL, 0)
    : PQexec(pg, sql);
  ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    const char *message = trimmed_message(arena, PQerrorMessage(pg));
    PQclear(result);
    ms_error_set(err, MS_E_CONNECT, "cannot prepare the PostgreSQL session of database \"%s\": %s",
                 PQdb(pg) != NULL ? PQdb(pg) : "?", message);
    err->sql = ms_strdup(err->arena, sql);
    return MS_ERROR;
  }
  if (found_rows != NULL) *found_rows = PQntuples(result);
  PQclear(result);
  return MS_OK;
}

static int use_schema(PGconn *pg, ms_arena *arena, const char *schema, ms_error *err);

/* Settings every session needs, then the schema (see use_schema). */
static int prepare_session(PGconn *pg, ms_arena *arena, const char *schema, ms_error *err) {
  /* Literal quoting ('' doubling) is only safe with standard strings. */
  if (open_statement(pg, arena, "SET standard_conforming_strings = on", NULL, NULL, err) != MS_OK)
    return MS_ERROR;
  /* Timestamps read and written in UTC, as Sequelize does; emit_pg.c writes
  ** timestamp defaults the way the server prints them in this zone. */
  if (open_statement(pg, arena, "SET TimeZone = 'UTC'", NULL, NULL, err) != MS_OK)
    return MS_ERROR;
  if (schema != NULL && use_schema(pg, arena, schema, err) != MS_OK) return MS_ERROR;
  /* citext installed in a schema the path misses (by a connection with
  ** another schema): its schema joins the path, so CITEXT columns resolve. */
  return open_statement(pg, arena,
                        "SELECT pg_catalog.set_config('search_path',"
                        " pg_catalog.current_setting('search_path') || ', ' || pg_catalog.quote_ident(n.nspname),"
                        " false) FROM pg_catalog.pg_extension e"
                        " JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace"
                        " WHERE e.extname = 'citext' AND NOT n.nspname = ANY (pg_catalog.current_schemas(false))",
                        NULL, NULL, err);
}

/* The connection's schema: created when missing and put first in
** search_path ("public" stays after it, where extensions usually live). */
static int use_schema(PGconn *pg, ms_arena *arena, const char *schema, ms_error *err) {
  ms_buf sql;
  int rows = 0;
  if (open_statement(pg, arena, "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1",
                     schema, &rows, err) != MS_OK)
    return MS_ERROR;
  ms_buf_init(&sql, arena);
  if (rows == 0) {
    /* Only when missing: CREATE SCHEMA IF NOT EXISTS still needs the CREATE
    ** privilege on the database. */
    ms_buf_add(&sql, "CREATE SCHEMA IF NOT EXISTS ");
    ms_buf_add_identifier(&sql, schema);
    if (open_statement(pg, arena, sql.data, NULL, NULL, err) != MS_OK) {
      /* Another connection may have created it meanwhile (IF NOT EXISTS
      ** does not cover that race): then it is there, as wanted. */
      ms_error again;
      ms_error_init(&again, arena);
      if (open_statement(pg, arena, "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1",
                         schema, &rows, &again) != MS_OK || rows == 0)
        return MS_ERROR;
      ms_error_init(err, err->arena);
    }
    ms_buf_init(&sql, arena);
  }
  ms_buf_add(&sql, "SET search_path TO ");
  ms_buf_add_identifier(&sql, schema);
  if (strcmp(schema, "public") != 0) ms_buf_add(&sql, ", public");
  return open_statement(pg, arena, sql.data, NULL, NULL, err);
}

/* Opens a connection from options->url (a postgres:// URL or a conninfo
** string; its ?schema= parameter is ours) and/or host, port, database, user,
** password, which override the URL's.  No conninfo text is assembled: the
** values travel in PQconnectdbParams' arrays, so none needs quoting. */
static int pg_open(ms_conn *conn, const ms_connect_options *options, ms_error *err) {
  const char *keywords[12], *values[12];
  const char *url_schema = NULL, *schema;
  char port[32];
  int n = 0, status = MS_OK;
  ms_arena *arena = ms_arena_new();
  PGconn *pg;

  /* Before the URL: defaults the URL may override. */
  keywords[n] = "connect_timeout"; values[n++] = "10";
  keywords[n] = "application_name"; values[n++] = "modelsync";
  if (options->url != NULL) {
    keywords[n] = "dbname"; values[n++] = split_url(arena, options->url, &url_schema);
  }
  /* After it: what the options say explicitly. */
  if (options->host != NULL) { keywords[n] = "host"; values[n++] = options->host; }
  if (options->port > 0) {
    snprintf(port, sizeof port, "%d", options->port);
    keywords[n] = "port"; values[n++] = port;
  }
  if (options->database != NULL) { keywords[n] = "dbname"; values[n++] = options->database; }
  if (options->user != NULL) { keywords[n] = "user"; values[n++] = options->user; }
  if (options->password != NULL) { keywords[n] = "password"; values[n++] = options->password; }
  keywords[n] = "client_encoding"; values[n++] = "UTF8";
  keywords[n] = NULL; values[n] = NULL;

  pg = PQconnectdbParams(keywords, values, 1);
  if (pg == NULL) {
    ms_arena_free(arena);
    return ms_error_set(err, MS_E_CONNECT, "cannot connect to PostgreSQL: out of memory");
  }
  if (PQstatus(pg) != CONNECTION_OK) {
    const char *host = PQhost(pg), *port_text = PQport(pg), *database = PQdb(pg);
    ms_error_set(err, MS_E_CONNECT, "cannot connect to PostgreSQL database \"%s\" at %s%s%s: %s",
                 database != NULL && *database ? database : "?",
                 host != NULL && *host ? host : "localhost",
                 port_text != NULL && *port_text ? ":" : "",
                 port_text != NULL ? port_text : "",
                 trimmed_message(arena, PQerrorMessage(pg)));
    PQfinish(pg);
    ms_arena_free(arena);
    return MS_ERROR;
  }
  PQsetNoticeProcessor(pg, swallow_notice, NULL);

  schema = options->schema != NULL ? options->schema : url_schema;
  if (schema != NULL && *schema == '\0') schema = NULL;
  conn->handle = pg;
  conn->in_transaction = 0;
  conn->database_name = heap_copy(PQdb(pg) != NULL ? PQdb(pg) : "");
  conn->default_schema = heap_copy(schema != NULL ? schema : "public");
  if (conn->lock_timeout_ms <= 0)
    conn->lock_timeout_ms = options->lock_timeout_ms > 0 ? options->lock_timeout_ms : 10000;
  if (conn->database_name == NULL || conn->default_schema == NULL)
    status = ms_error_set(err, MS_E_INTERNAL, "out of memory opening a PostgreSQL connection");
  else
    status = prepare_session(pg, arena, schema, err);
  if (status != MS_OK) pg_close(conn);
  ms_arena_free(arena);
  return status;
}

/* ----------------------------------------------------------------- query */

/* Prints a double so that it reads back exactly, in as few digits as that
** takes; the server's words for the special values. */
static const char *float_text(ms_arena *arena, double number) {
  int digits;
  if (number != number) return "NaN";
  if (number > 0 && number * 0.5 == number) return "Infinity";
  if (number < 0 && number * 0.5 == number) return "-Infinity";
  for (digits = 15; digits < 17; digits++) {
    char *text = ms_printf(arena, "%.*g", digits, number);
    if (strtod(text, NULL) == number) return text;
  }
  return ms_printf(arena, "%.17g", number);
}

/* Fills err from a failed result: the server's message (with its detail),
** the statement, and the table and column the server names, if any. */
static int statement_error(ms_conn *conn, PGresult *result, const char *sql, ms_error *err) {
  PGconn *pg = connection_handle(conn);
  const char *primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  const char *detail = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL) : NULL;
  const char *table = result ? PQresultErrorField(result, PG_DIAG_TABLE_NAME) : NULL;
  const char *column = result ? PQresultErrorField(result, PG_DIAG_COLUMN_NAME) : NULL;
  const char *state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : NULL;
  if (PQstatus(pg) == CONNECTION_BAD) {
    ms_error_set(err, MS_E_CONNECT, "the connection to PostgreSQL database \"%s\" was lost: %s",
                 conn->database_name ? conn->database_name : "?",
                 trimmed_message(err->arena, PQerrorMessage(pg)));
    conn->in_transaction = 0;
  } else if (conn->in_transaction && state != NULL && strcmp(state, "55P03") == 0) {
    /* lock_not_available inside a sync: lock_timeout (begin_sync) ran out. */
    ms_error_set(err, MS_E_SQL,
                 "lock timeout: another session held a lock this sync needs for longer than"
                 " lockTimeout (%d ms); the sync changed nothing (%s)",
                 conn->lock_timeout_ms, primary != NULL ? primary : "lock not available");
  } else if (primary != NULL && detail != NULL) {
    ms_error_set(err, MS_E_SQL, "%s (%s)", primary, detail);
  } else if (primary != NULL) {
    ms_error_set(err, MS_E_SQL, "%s", primary);
  } else {
    ms_error_set(err, MS_E_SQL, "%s", trimmed_message(err->arena, PQerrorMessage(pg)));
  }
  err->sql = ms_strdup(err->arena, sql);
  if (table != NULL) err->table = ms_strdup(err->arena, table);
  if (column != NULL) err->column = ms_strdup(err->arena, column);
  PQclear(result);
  return MS_ERROR;
}

/* One result cell as a typed value, by its column's type. */
static void read_cell(ms_arena *arena, PGresult *result, int row, int column, ms_value *value) {
  const char *text = PQgetvalue(result, row, column);
  size_t length = (size_t)PQgetlength(result, row, column);
  memset(value, 0, sizeof *value);
  if (PQgetisnull(result, row, column)) {
    value->type = MS_NULL;
    return;
  }
  switch (PQftype(result, column)) {
  case PG_OID_INT2: case PG_OID_INT4: case PG_OID_INT8: case PG_OID_OID:
    value->type = MS_INTEGER;
    value->integer = strtoll(text, NULL, 10);
    break;
  case PG_OID_FLOAT4: case PG_OID_FLOAT8:
    value->type = MS_FLOAT;
    value->number = strtod(text, NULL);
    break;
  case PG_OID_BOOL:
    value->type = MS_BOOLEAN;
    value->integer = text[0] == 't';
    break;
  case PG_OID_BYTEA: {
    size_t size = 0;
    unsigned char *bytes = PQunescapeBytea((const unsigned char *)text, &size);
    char *copy = ms_alloc(arena, size + 1);
    if (bytes != NULL) {
      if (size > 0) memcpy(copy, bytes, size);
      PQfreemem(bytes);
    }
    value->type = MS_BLOB;
    value->text = copy;
    value->length = size;
    break;
  }
  default:
    value->type = MS_TEXT;
    value->text = ms_strndup(arena, text, length);
    value->length = length;
    break;
  }
}

/* Copies a tuples result into out (arena memory). */
static void read_result(ms_arena *arena, PGresult *result, ms_result *out) {
  int rows = PQntuples(result), columns = PQnfields(result), row, column;
  out->n_rows = (size_t)rows;
  out->n_columns = (size_t)columns;
  out->column_names = ms_alloc(arena, ((size_t)columns + 1) * sizeof *out->column_names);
  for (column = 0; column < columns; column++)
    out->column_names[column] = ms_strdup(arena, PQfname(result, column));
  out->values = ms_alloc(arena, ((size_t)rows * (size_t)columns + 1) * sizeof *out->values);
  for (row = 0; row < rows; row++)
    for (column = 0; column < columns; column++)
      read_cell(arena, result, row, column, MS_CELL(out, (size_t)row, (size_t)column));
}

/* Ends a COPY the caller started by mistake (we do not speak COPY), so the
** connection stays usable. */
static void abandon_copy(PGconn *pg, PGresult *result) {
  ExecStatusType status = PQresultStatus(result);
  PGresult *next;
  if (status == PGRES_COPY_IN) PQputCopyEnd(pg, "COPY is not supported by modelsync");
  if (status == PGRES_COPY_OUT) {
    char *buffer = NULL;
    while (PQgetCopyData(pg, &buffer, 0) > 0) PQfreemem(buffer);
  }
  while ((next = PQgetResult(pg)) != NULL) PQclear(next);
}

/* Whether a string can travel as a text parameter: valid UTF-8 without NUL
** bytes.  Other strings (a Lua string holding binary data) are sent as bytea
** in binary format, which is what a BLOB column takes. */
static int text_parameter(const char *text, size_t length) {
  const unsigned char *p = (const unsigned char *)text, *end = p + length;
  if (text == NULL) return 1;
  while (p < end) {
    size_t extra, i;
    if (*p == 0) return 0;
    if (*p < 0x80) { p++; continue; }
    if ((*p & 0xE0) == 0xC0 && *p >= 0xC2) extra = 1;
    else if ((*p & 0xF0) == 0xE0) extra = 2;
    else if ((*p & 0xF8) == 0xF0 && *p <= 0xF4) extra = 3;
    else return 0;
    if ((size_t)(end - p) <= extra) return 0;
    for (i = 1; i <= extra; i++)
      if ((p[i] & 0xC0) != 0x80) return 0;
    p += extra + 1;
  }
  return 1;
}

/* Runs sql with $N parameters (PQexecParams), or as one or several
** statements when there are none (PQexec).  out, when given, receives the
** rows of the (last) statement. */
static int pg_query(ms_conn *conn, ms_arena *arena, const char *sql, const ms_value *params,
                    size_t n_params, ms_result *out, ms_error *err) {
  PGconn *pg = connection_handle(conn);
  PGresult *result;
  ExecStatusType status;

  if (pg == NULL) return ms_error_set(err, MS_E_CLOSED, "the connection is closed");
  if (out != NULL) memset(out, 0, sizeof *out);
  if (PQstatus(pg) != CONNECTION_OK) {
    ms_error_set(err, MS_E_CONNECT, "the connection to PostgreSQL database \"%s\" was lost",
                 conn->database_name ? conn->database_name : "?");
    err->sql = ms_strdup(err->arena, sql);
    conn->in_transaction = 0;
    return MS_ERROR;
  }
  if (n_params == 0) {
    result = PQexec(pg, sql);
  } else {
    const char **values = ms_alloc(arena, n_params * sizeof *values);
    int *lengths = ms_alloc(arena, n_params * sizeof *lengths);
    int *formats = ms_alloc(arena, n_params * sizeof *formats);
    Oid *types = ms_alloc(arena, n_params * sizeof *types);
    size_t i;
    if (n_params > 65535) {
      ms_error_set(err, MS_E_SQL, "too many parameters (%lu; PostgreSQL takes at most 65535)",
                   (unsigned long)n_params);
      err->sql = ms_strdup(err->arena, sql);
      return MS_ERROR;
    }
    for (i = 0; i < n_params; i++) {
      const ms_value *value = &params[i];
      switch (value->type) {
      case MS_NULL: values[i] = NULL; break;
      case MS_INTEGER: values[i] = ms_printf(arena, "%lld", value->integer); break;
      case MS_BOOLEAN: values[i] = value->integer ? "true" : "false"; break;
      case MS_FLOAT: values[i] = float_text(arena, value->number); break;
      case MS_TEXT:
        if (!text_parameter(value->text, value->length)) goto binary;
        values[i] = value->text != NULL ? ms_strndup(arena, value->text, value->length) : "";
        break;
      case MS_BLOB:
      binary:
        values[i] = value->text != NULL ? value->text : "";
        lengths[i] = (int)value->length;
        formats[i] = 1;
        types[i] = PG_OID_BYTEA;
        break;
      }
    }
    result = PQexecParams(pg, sql, (int)n_params, types, values, lengths, formats, 0);
  }
  status = PQresultStatus(result);
  switch (status) {
  case PGRES_COMMAND_OK:
  case PGRES_EMPTY_QUERY:
    break;
  case PGRES_TUPLES_OK:
    if (out != NULL) read_result(arena, result, out);
    break;
  case PGRES_COPY_IN:
  case PGRES_COPY_OUT:
  case PGRES_COPY_BOTH:
    abandon_copy(pg, result);
    PQclear(result);
    ms_error_set(err, MS_E_SQL, "COPY is not supported by query(); use INSERT");
    err->sql = ms_strdup(err->arena, sql);
    return MS_ERROR;
  default:
    return statement_error(conn, result, sql, err);
  }
  PQclear(result);
  return MS_OK;
}

/* ---------------------------------------------------------- transactions */

/* The advisory lock key every modelsync sync (and migration) takes: the
** 64-bit FNV-1a hash of "modelsync", as the signed bigint the server wants. */
static long long advisory_lock_key(void) {
  const char *p;
  uint64_t hash = 14695981039346656037u;
  for (p = "modelsync"; *p != '\0'; p++) {
    hash ^= (unsigned char)*p;
    hash *= 1099511628211u;
  }
  return (long long)(int64_t)hash;
}

/* Starts the transaction of a sync: BEGIN, the advisory lock that makes
** concurrent syncs wait for each other, then lock_timeout for the DDL's
** table locks.  The advisory lock is taken before lock_timeout is set, so a
** sync waits for another sync as long as that one runs instead of failing
** after lock_timeout (statement_timeout, if the server sets one, still
** bounds the wait). */
static int pg_begin_sync(ms_conn *conn, ms_arena *arena, ms_error *err) {
  PGconn *pg = connection_handle(conn);
  if (pg == NULL) return ms_error_set(err, MS_E_CLOSED, "the connection is closed");
  if (PQtransactionStatus(pg) != PQTRANS_IDLE && PQstatus(pg) == CONNECTION_OK)
    return ms_error_set(err, MS_E_SQL,
                        "a sync cannot run inside an open transaction (it commits its own)");
  if (ms_exec(conn, arena, "BEGIN", err) != MS_OK) return MS_ERROR;
  conn->in_transaction = 1;
  if (ms_exec(conn, arena, ms_printf(arena, "SELECT pg_advisory_xact_lock(%lld)",
                                     advisory_lock_key()), err) != MS_OK)
    return MS_ERROR;
  return ms_exec(conn, arena, ms_printf(arena, "SET LOCAL lock_timeout = '%dms'",
                                        conn->lock_timeout_ms > 0 ? conn->lock_timeout_ms : 0),
                 err);
}

/* Ends the transaction of a sync: COMMIT (commit = 1) or ROLLBACK.  A
** transaction the server has already aborted is rolled back and reported, as
** COMMIT would silently roll it back.  Safe after a failed begin_sync and on
** a lost connection (the server has rolled back then). */
static int pg_finish_sync(ms_conn *conn, ms_arena *arena, int commit, ms_error *err) {
  PGconn *pg = connection_handle(conn);
  ms_error ignored;
  int status = MS_OK;
  if (pg == NULL) return ms_error_set(err, MS_E_CLOSED, "the connection is closed");
  conn->in_transaction = 0;
  if (PQstatus(pg) != CONNECTION_OK) {
    if (!commit) return MS_OK;
    return ms_error_set(err, MS_E_CONNECT,
                        "the connection to PostgreSQL database \"%s\" was lost before COMMIT",
                        conn->database_name ? conn->database_name : "?");
  }
  switch (PQtransactionStatus(pg)) {
  case PQTRANS_IDLE:
    return MS_OK;
  case PQTRANS_INERROR:
    status = ms_exec(conn, arena, "ROLLBACK", err);
    if (commit && status == MS_OK)
      status = ms_error_set(err, MS_E_SQL, "the transaction had failed and was rolled back");
    return status;
  default:
    break;
  }
  if (!commit) return ms_exec(conn, arena, "ROLLBACK", err);
  status = ms_exec(conn, arena, "COMMIT", err);
  if (status != MS_OK && PQstatus(pg) == CONNECTION_OK && PQtransactionStatus(pg) != PQTRANS_IDLE) {
    ms_error_init(&ignored, arena);
    ms_exec(conn, arena, "ROLLBACK", &ignored);
  }
  return status;
}

/* Opens a REPEATABLE READ READ ONLY transaction for a plan unless one is
** open: the catalog queries then share one snapshot. */
static int pg_begin_read(ms_conn *conn, ms_arena *arena, int *started, ms_error *err) {
  PGconn *pg = connection_handle(conn);
  *started = 0;
  if (pg == NULL) return ms_error_set(err, MS_E_CLOSED, "the connection is closed");
  if (PQtransactionStatus(pg) != PQTRANS_IDLE) return MS_OK;
  if (ms_exec(conn, arena, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err) != MS_OK) return MS_ERROR;
  *started = 1;
  return MS_OK;
}

/* Ends the read transaction pg_begin_read opened. */
static int pg_finish_read(ms_conn *conn, ms_arena *arena, int started, ms_error *err) {
  PGconn *pg = connection_handle(conn);
  if (!started || pg == NULL || PQstatus(pg) != CONNECTION_OK || PQtransactionStatus(pg) == PQTRANS_IDLE)
    return MS_OK;
  return ms_exec(conn, arena, "ROLLBACK", err);
}

/* The PostgreSQL dialect: every operation the core needs, in one table. */
const ms_dialect ms_dialect_postgres = {
  "postgres",
  1,                      /* has_comments: COMMENT ON */
  1,                      /* has_schemas */
  pg_open,
  pg_close,
  pg_query,
  pg_begin_sync,
  pg_finish_sync,
  ms_pg_introspect,
  ms_pg_native_type,
  ms_pg_canonical_type,
  ms_pg_default_sql,
  ms_pg_canonical_default,
  ms_pg_index_name,
  ms_pg_foreign_key_name,
  ms_pg_emit,
  63,                     /* max_identifier_length: NAMEDATALEN - 1 */
  ms_pg_list_views,
  pg_begin_read,
  pg_finish_read,
  NULL                    /* introspect_known: the catalogs are read every time */
};
