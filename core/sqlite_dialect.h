/*
** sqlite_dialect.h: what the three files of the SQLite dialect share
** (conn_sqlite.c, introspect_sqlite.c, emit_sqlite.c).  Private: nothing
** outside those files includes it; the rest of the core reaches the dialect
** through ms_dialect_sqlite only.
*/
#ifndef MODELSYNC_SQLITE_DIALECT_H
#define MODELSYNC_SQLITE_DIALECT_H

#include "ms.h"

/* ------------------------------------------------------------ tokenizer */

/* The kinds of token the small SQL tokenizer tells apart. */
typedef enum ms_sqlite_token_kind {
  MS_SQLITE_TOKEN_END,          /* end of the text */
  MS_SQLITE_TOKEN_WORD,         /* bare identifier or keyword */
  MS_SQLITE_TOKEN_IDENTIFIER,   /* "quoted", `quoted` or [quoted] identifier */
  MS_SQLITE_TOKEN_STRING,       /* 'string literal' (also X'blob') */
  MS_SQLITE_TOKEN_NUMBER,       /* numeric literal */
  MS_SQLITE_TOKEN_PUNCTUATION   /* anything else, one operator (||, <=, ...) */
} ms_sqlite_token_kind;

typedef struct ms_sqlite_token {
  ms_sqlite_token_kind kind;
  const char *start;            /* points into the scanned text */
  size_t length;
} ms_sqlite_token;

/* Scans the token that starts at or after text (whitespace and comments are
** skipped) and returns the position just after it. */
const char *ms_sqlite_next_token(const char *text, ms_sqlite_token *token);
/* A WORD or IDENTIFIER token as a plain name (quotes removed, doubled quotes
** undone); NULL for other kinds. */
char *ms_sqlite_token_name(ms_arena *arena, const ms_sqlite_token *token);
/* A WORD token equal to keyword, ignoring case. */
int ms_sqlite_token_is(const ms_sqlite_token *token, const char *keyword);
/* A PUNCTUATION token that is exactly the character c. */
int ms_sqlite_token_is_char(const ms_sqlite_token *token, char c);
/* Two identifiers equal as SQLite compares them (ASCII case ignored);
** two NULLs are equal. */
int ms_sqlite_same_identifier(const char *a, const char *b);
/* Whether the SQL text names identifier (bare or quoted, any case) anywhere. */
int ms_sqlite_text_mentions(const char *sql, const char *identifier);
/* Whitespace collapsed outside quotes, no space next to ( ) or ",", bare
** words upper-cased, redundant outer parentheses removed: two expressions
** that SQLite reads alike usually normalise alike. */
char *ms_sqlite_normalise_expression(ms_arena *arena, const char *sql);

/* ------------------------------------------------------- introspection */

int ms_sqlite_introspect(ms_conn *conn, ms_arena *arena, const char **schemas,
                         size_t n_schemas, ms_schema *out, ms_error *err);
void ms_sqlite_free_introspection_cache(ms_conn *conn);
int ms_sqlite_introspect_known(ms_conn *conn, ms_arena *arena, const ms_schema *desired,
                               ms_schema *out, int *known, ms_error *err);
int ms_sqlite_list_views(ms_conn *conn, ms_arena *arena, const char **schemas,
                         size_t n_schemas, ms_view **out, size_t *n_out, ms_error *err);

/* emit_sqlite.c: a createTable step's statements, as sqlite_master keeps them. */
const char *ms_sqlite_create_table_sql(ms_arena *arena, const ms_table *table);
const char *ms_sqlite_create_index_sql(ms_arena *arena, const ms_table *table, const ms_index *index);

/* ------------------------------------------------ types and defaults */

const char *ms_sqlite_native_type(ms_arena *arena, const ms_type_spec *spec, ms_error *err);
const char *ms_sqlite_canonical_type(ms_arena *arena, const char *native_type);
const char *ms_sqlite_default_sql(ms_arena *arena, const ms_default_spec *spec,
                                  const char *canonical_type, ms_error *err);
const char *ms_sqlite_canonical_default(ms_arena *arena, const char *default_sql);

/* ------------------------------------------------------------ emission */

const char *ms_sqlite_index_name(ms_arena *arena, const ms_table *table, const ms_index *index);
const char *ms_sqlite_foreign_key_name(ms_arena *arena, const ms_table *table,
                                       const ms_foreign_key *foreign_key);
int ms_sqlite_emit(ms_arena *arena, const ms_diff *diff, ms_plan *out, ms_error *err);

/* The comment written inside CREATE UNIQUE INDEX statements that stand for a
** unique *constraint* (SQLite keeps comments in sqlite_master.sql), so that
** introspection reads `constraint` back exactly. */
#define MS_SQLITE_CONSTRAINT_MARK "/* unique constraint */"

#endif
