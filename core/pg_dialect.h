/*
** pg_dialect.h: what the three files of the PostgreSQL dialect share
** (conn_pg.c, introspect_pg.c, emit_pg.c).  Private: nothing outside those
** files includes it; the rest of the core reaches the dialect through
** ms_dialect_postgres only.
*/
#ifndef MODELSYNC_PG_DIALECT_H
#define MODELSYNC_PG_DIALECT_H

#include "ms.h"

/* PostgreSQL silently truncates identifiers to this many bytes (NAMEDATALEN - 1). */
#define MS_PG_MAX_IDENTIFIER 63

/* ------------------------------------------------------- connection */

/* The server's version as a number (150004 for 15.4); 0 when closed. */
int ms_pg_server_version(const ms_conn *conn);

/* ------------------------------------------------------- introspection */

int ms_pg_introspect(ms_conn *conn, ms_arena *arena, const char **schemas, size_t n_schemas,
                     ms_schema *out, ms_error *err);
int ms_pg_list_views(ms_conn *conn, ms_arena *arena, const char **schemas, size_t n_schemas,
                     ms_view **out, size_t *n_out, ms_error *err);

/* ------------------------------------------------ types and defaults */

/* Desired side: spec -> native type text (see docs/internals.md). */
const char *ms_pg_native_type(ms_arena *arena, const ms_type_spec *spec, ms_error *err);
/* Native type text (format_type output or ours) -> canonical type. */
const char *ms_pg_canonical_type(ms_arena *arena, const char *native_type);
/* Desired side: default spec -> native default expression. */
const char *ms_pg_default_sql(ms_arena *arena, const ms_default_spec *spec,
                              const char *canonical_type, ms_error *err);
/* Default expression (pg_get_expr output or ours) -> canonical text; NULL for
** "no default" (NULL, NULL::type).  Also canonicalises index predicates. */
const char *ms_pg_canonical_default(ms_arena *arena, const char *default_sql);

/* JSON text as jsonb prints it back (keys sorted, ", " and ": "); NULL when
** it is not JSON.  Used for jsonb literals on both sides. */
const char *ms_pg_normalise_jsonb(ms_arena *arena, const char *text);

/* Whether a canonical type's name says it is numeric (INTEGER ... DECIMAL). */
int ms_pg_numeric_type(const char *canonical_type);

/* ------------------------------------------------------------ naming */

/* name itself when it fits in 63 bytes, else its first bytes (cut on a UTF-8
** character boundary) + "_" + 8 hex digits of a hash of the whole name. */
const char *ms_pg_fit_name(ms_arena *arena, const char *name);
/* The enum type of a column: enum_<table>_<column>, fitted. */
const char *ms_pg_enum_type_name(ms_arena *arena, const char *table, const char *column);

/* ------------------------------------------------------------ emission */

const char *ms_pg_index_name(ms_arena *arena, const ms_table *table, const ms_index *index);
const char *ms_pg_foreign_key_name(ms_arena *arena, const ms_table *table,
                                   const ms_foreign_key *foreign_key);
int ms_pg_emit(ms_arena *arena, const ms_diff *diff, ms_plan *out, ms_error *err);

/* Whether text is a plain decimal number ([-+]digits[.digits][e[-+]digits]). */
int ms_pg_number_text(const char *text);

#endif
