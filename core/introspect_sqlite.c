/*
** introspect_sqlite.c: the live SQLite schema -> ms_schema, plus everything
** the dialect knows about types and defaults (native_type, canonical_type,
** default_sql, canonical_default) and the small SQL tokenizer the SQLite
** files share.
**
** Introspection runs four statements whatever the number of tables: the
** table-valued pragmas (pragma_table_xinfo, pragma_index_list,
** pragma_index_xinfo, pragma_foreign_key_list) joined with sqlite_master.
** What the pragmas do not tell (AUTOINCREMENT, CHECK constraints, COLLATE
** NOCASE, generated column expressions, foreign key names) is read from the
** CREATE TABLE text with the tokenizer.
**
** Decisions:
** - CITEXT is declared `TEXT COLLATE NOCASE` (a column type cannot carry a
**   collation in SQLite, so the COLLATE is a column clause); canonical_type
**   reads that text as CITEXT and introspection turns a TEXT column whose
**   CREATE TABLE definition says COLLATE NOCASE into CITEXT.
** - ENUM is `TEXT` plus a column CHECK ("col" IN ('a', 'b')); a CHECK of
**   exactly that form on a TEXT column reads back as type ENUM with its values.
**   Every other CHECK is kept, as raw text, in table->checks.
** - Only the AUTOINCREMENT keyword makes auto_increment (as Sequelize emits
**   INTEGER PRIMARY KEY AUTOINCREMENT); a plain rowid alias is not.
** - NO ACTION foreign key actions read back as NULL (ms.h: NULL = NO ACTION).
** - INT and INTEGER are both canonical INTEGER; DATETIME is TIMESTAMPTZ;
**   DECIMAL(p) is DECIMAL(p,0).
*/
#include "sqlite_dialect.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ tokenizer */

/* Whether c may continue a bare word (identifier or keyword). */
static int is_word_char(int c) {
  return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* Whether c may start a bare word. */
static int is_word_start(int c) {
  return isalpha(c) || c == '_' || c >= 0x80;
}

/* Skips a quoted run starting at p (p points at the opening quote close is
** the closing character, doubled closers stay inside); returns the end. */
static const char *skip_quoted(const char *p, char close) {
  p++;
  while (*p != '\0') {
    if (*p == close) {
      if (close != ']' && p[1] == close) { p += 2; continue; }
      return p + 1;
    }
    p++;
  }
  return p;
}

const char *ms_sqlite_next_token(const char *text, ms_sqlite_token *token) {
  const unsigned char *p = (const unsigned char *)text;
  for (;;) {                          /* whitespace and comments */
    while (*p != '\0' && isspace(*p)) p++;
    if (p[0] == '-' && p[1] == '-') {
      while (*p != '\0' && *p != '\n') p++;
    } else if (p[0] == '/' && p[1] == '*') {
      p += 2;
      while (*p != '\0' && !(p[0] == '*' && p[1] == '/')) p++;
      if (*p != '\0') p += 2;
    } else {
      break;
    }
  }
  token->start = (const char *)p;
  if (*p == '\0') {
    token->kind = MS_SQLITE_TOKEN_END;
    token->length = 0;
    return (const char *)p;
  }
  if (*p == '\'') {
    token->kind = MS_SQLITE_TOKEN_STRING;
    p = (const unsigned char *)skip_quoted((const char *)p, '\'');
  } else if ((*p == 'x' || *p == 'X') && p[1] == '\'') {
    token->kind = MS_SQLITE_TOKEN_STRING;
    p = (const unsigned char *)skip_quoted((const char *)p + 1, '\'');
  } else if (*p == '"' || *p == '`' || *p == '[') {
    token->kind = MS_SQLITE_TOKEN_IDENTIFIER;
    p = (const unsigned char *)skip_quoted((const char *)p, *p == '[' ? ']' : (char)*p);
  } else if (isdigit(*p) || (*p == '.' && isdigit(p[1]))) {
    token->kind = MS_SQLITE_TOKEN_NUMBER;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
      p += 2;
      while (isxdigit(*p)) p++;
    } else {
      while (isdigit(*p) || *p == '.') p++;
      if ((*p == 'e' || *p == 'E') &&
          (isdigit(p[1]) || ((p[1] == '+' || p[1] == '-') && isdigit(p[2])))) {
        p += 2;
        while (isdigit(*p)) p++;
      }
    }
  } else if (is_word_start(*p)) {
    token->kind = MS_SQLITE_TOKEN_WORD;
    while (is_word_char(*p)) p++;
  } else {
    static const char *const operators[] = { "->>", "||", "<=", ">=", "!=", "<>", "==", "<<",
                                             ">>", "->", NULL };
    size_t i, length = 1;
    for (i = 0; operators[i] != NULL; i++)
      if (strncmp((const char *)p, operators[i], strlen(operators[i])) == 0) {
        length = strlen(operators[i]);
        break;
      }
    token->kind = MS_SQLITE_TOKEN_PUNCTUATION;
    p += length;
  }
  token->length = (size_t)((const char *)p - token->start);
  return (const char *)p;
}

char *ms_sqlite_token_name(ms_arena *arena, const ms_sqlite_token *token) {
  ms_buf name;
  size_t i;
  char close;
  if (token->kind == MS_SQLITE_TOKEN_WORD) return ms_strndup(arena, token->start, token->length);
  if (token->kind != MS_SQLITE_TOKEN_IDENTIFIER || token->length < 2) return NULL;
  close = token->start[0] == '[' ? ']' : token->start[0];
  ms_buf_init(&name, arena);
  for (i = 1; i + 1 < token->length; i++) {
    ms_buf_addc(&name, token->start[i]);
    if (close != ']' && token->start[i] == close && token->start[i + 1] == close) i++;
  }
  return ms_buf_string(&name);
}

int ms_sqlite_token_is(const ms_sqlite_token *token, const char *keyword) {
  size_t length = strlen(keyword), i;
  if (token->kind != MS_SQLITE_TOKEN_WORD || token->length != length) return 0;
  for (i = 0; i < length; i++)
    if (toupper((unsigned char)token->start[i]) != toupper((unsigned char)keyword[i])) return 0;
  return 1;
}

int ms_sqlite_token_is_char(const ms_sqlite_token *token, char c) {
  return token->kind == MS_SQLITE_TOKEN_PUNCTUATION && token->length == 1 && token->start[0] == c;
}

int ms_sqlite_same_identifier(const char *a, const char *b) {
  if (a == NULL || b == NULL) return a == b;
  while (*a != '\0' && *b != '\0') {
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
    a++;
    b++;
  }
  return *a == *b;
}

/* The first length bytes of a and b are equal, ASCII case ignored. */
static int same_prefix_ignoring_case(const char *a, const char *b, size_t length) {
  size_t i;
  for (i = 0; i < length; i++)
    if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]) || b[i] == '\0') return 0;
  return 1;
}

/* Whether token (a WORD or IDENTIFIER) names identifier, SQLite's way (ASCII
** case does not matter). */
static int token_names(const ms_sqlite_token *token, const char *identifier) {
  ms_arena *arena;
  char *name;
  int same;
  if (token->kind == MS_SQLITE_TOKEN_WORD)
    return token->length == strlen(identifier) &&
           same_prefix_ignoring_case(token->start, identifier, token->length);
  if (token->kind != MS_SQLITE_TOKEN_IDENTIFIER) return 0;
  arena = ms_arena_new();
  name = ms_sqlite_token_name(arena, token);
  same = ms_sqlite_same_identifier(name, identifier);
  ms_arena_free(arena);
  return same;
}

int ms_sqlite_text_mentions(const char *sql, const char *identifier) {
  ms_sqlite_token token;
  const char *p = sql;
  if (sql == NULL) return 0;
  for (p = ms_sqlite_next_token(p, &token); token.kind != MS_SQLITE_TOKEN_END;
       p = ms_sqlite_next_token(p, &token))
    if (token_names(&token, identifier)) return 1;
  return 0;
}

/* Whether a token is a value or a name (a space is kept between two such). */
static int is_operand(const ms_sqlite_token *token) {
  return token->kind == MS_SQLITE_TOKEN_WORD || token->kind == MS_SQLITE_TOKEN_IDENTIFIER ||
         token->kind == MS_SQLITE_TOKEN_STRING || token->kind == MS_SQLITE_TOKEN_NUMBER;
}

/* Whether previous followed by token with no space between would scan as
** another first token ("R" then "$" reads as the word "R$", "1" then "." as
** the number "1."): then a space must stay, or normalising twice would not
** give the same text. */
static int tokens_merge(ms_arena *arena, const ms_sqlite_token *previous, const ms_sqlite_token *token) {
  ms_sqlite_token first;
  char *joined = ms_printf(arena, "%.*s%.*s", (int)previous->length, previous->start,
                           (int)token->length, token->start);
  ms_sqlite_next_token(joined, &first);
  return first.length != previous->length;
}

/* The tokens of sql, in an arena array (count in *n_tokens, END excluded). */
static ms_sqlite_token *tokenize(ms_arena *arena, const char *sql, size_t *n_tokens) {
  ms_sqlite_token token, *tokens;
  const char *p;
  size_t count = 0, i = 0;
  for (p = ms_sqlite_next_token(sql, &token); token.kind != MS_SQLITE_TOKEN_END;
       p = ms_sqlite_next_token(p, &token))
    count++;
  tokens = ms_alloc(arena, (count + 1) * sizeof *tokens);
  for (p = ms_sqlite_next_token(sql, &token); token.kind != MS_SQLITE_TOKEN_END;
       p = ms_sqlite_next_token(p, &token))
    tokens[i++] = token;
  *n_tokens = count;
  return tokens;
}

/* The index of the parenthesis closing the one at tokens[open], or n. */
static size_t matching_parenthesis(const ms_sqlite_token *tokens, size_t n, size_t open) {
  size_t i;
  int depth = 0;
  for (i = open; i < n; i++) {
    if (ms_sqlite_token_is_char(&tokens[i], '(')) depth++;
    else if (ms_sqlite_token_is_char(&tokens[i], ')') && --depth == 0) return i;
  }
  return n;
}

char *ms_sqlite_normalise_expression(ms_arena *arena, const char *sql) {
  ms_sqlite_token *tokens;
  size_t n, first = 0, last, i, j;
  ms_buf out;
  if (sql == NULL) return NULL;
  tokens = tokenize(arena, sql, &n);
  last = n;
  /* Redundant outer parentheses: "((x))" is "x". */
  while (last - first >= 2 && ms_sqlite_token_is_char(&tokens[first], '(') &&
         matching_parenthesis(tokens, last, first) == last - 1) {
    first++;
    last--;
  }
  ms_buf_init(&out, arena);
  for (i = first; i < last; i++) {
    const ms_sqlite_token *token = &tokens[i];
    if (i > first) {
      const ms_sqlite_token *previous = &tokens[i - 1];
      int tight = ms_sqlite_token_is_char(previous, '(') || ms_sqlite_token_is_char(token, ')') ||
                  ms_sqlite_token_is_char(token, '(') || ms_sqlite_token_is_char(token, ',') ||
                  ms_sqlite_token_is_char(previous, ',') || ms_sqlite_token_is_char(token, '.') ||
                  ms_sqlite_token_is_char(previous, '.');
      /* Operators hug their operands; two operators in a row keep a space so
      ** that "- -1" never becomes a "--" comment. */
      if ((!tight && ((is_operand(previous) && is_operand(token)) ||
                      (!is_operand(previous) && !is_operand(token)))) ||
          tokens_merge(arena, previous, token))
        ms_buf_addc(&out, ' ');
    }
    if (token->kind == MS_SQLITE_TOKEN_WORD) {
      for (j = 0; j < token->length; j++)
        ms_buf_addc(&out, (char)toupper((unsigned char)token->start[j]));
    } else {
      ms_buf_addn(&out, token->start, token->length);
    }
  }
  return ms_buf_string(&out);
}

/* ================================================ types and defaults */

/* Native type text -> the words and arguments it is made of: upper case,
** single spaces, no space around parentheses and commas. */
static char *normalise_type_text(ms_arena *arena, const char *native) {
  ms_buf out;
  const char *p = native;
  int pending_space = 0;
  ms_buf_init(&out, arena);
  while (*p != '\0') {
    unsigned char c = (unsigned char)*p++;
    if (isspace(c)) {
      pending_space = out.length > 0;
      continue;
    }
    if (pending_space && c != '(' && c != ')' && c != ',' &&
        out.data[out.length - 1] != '(' && out.data[out.length - 1] != ',')
      ms_buf_addc(&out, ' ');
    pending_space = 0;
    ms_buf_addc(&out, (char)toupper(c));
  }
  return ms_buf_string(&out);
}

/* Whether text is one of the words of the NULL-terminated list. */
static int is_one_of(const char *text, const char *const *words) {
  for (; *words != NULL; words++)
    if (strcmp(text, *words) == 0) return 1;
  return 0;
}

const char *ms_sqlite_canonical_type(ms_arena *arena, const char *native_type) {
  static const char *const integer_names[] = { "INT", "INTEGER", "INT4", "MEDIUMINT", NULL };
  static const char *const bigint_names[] = { "BIGINT", "INT8", "UNSIGNED BIG INT", NULL };
  static const char *const smallint_names[] = { "SMALLINT", "INT2", NULL };
  static const char *const timestamptz_names[] = { "DATETIME", "TIMESTAMPTZ",
    "TIMESTAMP WITH TIME ZONE", "DATETIME WITH TIME ZONE", NULL };
  static const char *const timestamp_names[] = { "TIMESTAMP", "TIMESTAMP WITHOUT TIME ZONE", NULL };
  static const char *const double_names[] = { "DOUBLE", "DOUBLE PRECISION", "FLOAT8", NULL };
  static const char *const real_names[] = { "REAL", "FLOAT4", NULL };
  static const char *const decimal_names[] = { "DECIMAL", "NUMERIC", NULL };
  static const char *const varchar_names[] = { "VARCHAR", "CHARACTER VARYING", "NVARCHAR",
    "VARYING CHARACTER", "NATIVE CHARACTER VARYING", NULL };
  static const char *const char_names[] = { "CHAR", "CHARACTER", "NCHAR", "NATIVE CHARACTER", NULL };
  static const char *const time_names[] = { "TIME", "TIME WITHOUT TIME ZONE", NULL };
  static const char *const boolean_names[] = { "BOOLEAN", "BOOL", "TINYINT(1)", NULL };
  static const char *const blob_names[] = { "BLOB", "BYTEA", NULL };
  char *text, *open, *base, *arguments = NULL;
  size_t length;

  if (native_type == NULL) return "";
  text = normalise_type_text(arena, native_type);
  if (text[0] == '\0') return "";
  if (strcmp(text, "TEXT COLLATE NOCASE") == 0 || strcmp(text, "CITEXT") == 0) return "CITEXT";
  if (is_one_of(text, boolean_names)) return "BOOLEAN";
  base = ms_strdup(arena, text);
  open = strchr(base, '(');
  length = strlen(base);
  if (open != NULL && base[length - 1] == ')') {
    *open = '\0';
    arguments = open + 1;
    arguments[strlen(arguments) - 1] = '\0';
    length = strlen(base);
    while (length > 0 && base[length - 1] == ' ') base[--length] = '\0';
  } else if (open != NULL) {
    return text;                       /* something we do not understand: keep it */
  }
  /* Every SQLite integer is the same 64-bit INTEGER storage class, so the
  ** whole family is one canonical type: INTEGER -> BIGINT is no change here
  ** (nothing to convert), and an AUTOINCREMENT key (which SQLite requires to
  ** be declared INTEGER) matches a BIGINT model. */
  if (is_one_of(base, integer_names) || is_one_of(base, bigint_names) || is_one_of(base, smallint_names))
    return "INTEGER";
  if (arguments == NULL) {
    if (is_one_of(base, timestamptz_names)) return "TIMESTAMPTZ";
    if (is_one_of(base, timestamp_names)) return "TIMESTAMP";
    if (is_one_of(base, double_names)) return "DOUBLE";
    if (is_one_of(base, real_names)) return "REAL";
    if (is_one_of(base, time_names)) return "TIME";
    if (is_one_of(base, blob_names)) return "BLOB";
  }
  if (is_one_of(base, decimal_names)) {
    if (arguments == NULL) return "DECIMAL";
    if (strchr(arguments, ',') == NULL) return ms_printf(arena, "DECIMAL(%s,0)", arguments);
    return ms_printf(arena, "DECIMAL(%s)", arguments);
  }
  if (is_one_of(base, varchar_names))
    return arguments == NULL ? "VARCHAR" : ms_printf(arena, "VARCHAR(%s)", arguments);
  if (is_one_of(base, char_names))
    return arguments == NULL ? "CHAR" : ms_printf(arena, "CHAR(%s)", arguments);
  return text;
}

const char *ms_sqlite_native_type(ms_arena *arena, const ms_type_spec *spec, ms_error *err) {
  static const char *const fixed[][2] = {
    { "INTEGER", "INTEGER" }, { "BIGINT", "BIGINT" }, { "SMALLINT", "SMALLINT" },
    { "REAL", "REAL" }, { "DOUBLE", "DOUBLE PRECISION" }, { "TEXT", "TEXT" },
    { "CITEXT", "TEXT COLLATE NOCASE" }, { "BOOLEAN", "TINYINT(1)" }, { "DATE", "DATETIME" },
    { "DATEONLY", "DATE" }, { "TIME", "TIME" }, { "UUID", "UUID" }, { "JSON", "JSON" },
    { "JSONB", "JSONB" }, { "BLOB", "BLOB" }, { "ENUM", "TEXT" }, { NULL, NULL }
  };
  size_t i;
  const char *key = spec->key;
  if (key == NULL) {
    ms_error_set(err, MS_E_DEFINITION, "a column type has no key");
    return NULL;
  }
  for (i = 0; fixed[i][0] != NULL; i++)
    if (strcmp(key, fixed[i][0]) == 0) return fixed[i][1];
  if (strcmp(key, "STRING") == 0)
    return ms_printf(arena, "VARCHAR(%lld)", spec->length > 0 ? spec->length : 255LL);
  if (strcmp(key, "CHAR") == 0)
    return ms_printf(arena, "CHAR(%lld)", spec->length > 0 ? spec->length : 255LL);
  if (strcmp(key, "FLOAT") == 0)
    return spec->precision > 0 ? ms_printf(arena, "FLOAT(%lld)", spec->precision) : "FLOAT";
  if (strcmp(key, "DECIMAL") == 0) {
    if (spec->precision <= 0) return "DECIMAL";
    return ms_printf(arena, "DECIMAL(%lld,%lld)", spec->precision,
                     spec->scale > 0 ? spec->scale : 0LL);
  }
  if (strcmp(key, "SQL") == 0) {
    if (spec->sql == NULL || spec->sql[0] == '\0') {
      ms_error_set(err, MS_E_DEFINITION, "T.SQL type of %s.%s has no SQL text",
                   spec->table != NULL ? spec->table : "?", spec->column != NULL ? spec->column : "?");
      return NULL;
    }
    return spec->sql;
  }
  ms_error_set(err, MS_E_DEFINITION, "unknown type '%s' for %s.%s on SQLite", key,
               spec->table != NULL ? spec->table : "?", spec->column != NULL ? spec->column : "?");
  return NULL;
}

/* The shortest decimal text that reads back as exactly number. */
static char *shortest_double(ms_arena *arena, double number) {
  int precision;
  char *text = NULL;
  for (precision = 15; precision <= 17; precision++) {
    text = ms_printf(arena, "%.*g", precision, number);
    if (strtod(text, NULL) == number) break;
  }
  return text;
}

const char *ms_sqlite_default_sql(ms_arena *arena, const ms_default_spec *spec,
                                  const char *canonical_type, ms_error *err) {
  ms_buf literal;
  (void)canonical_type;
  switch (spec->kind) {
  case MS_DEFAULT_NONE: return NULL;
  case MS_DEFAULT_NOW: return "CURRENT_TIMESTAMP";
  case MS_DEFAULT_LITERAL:
    if (spec->sql == NULL || spec->sql[0] == '\0') {
      ms_error_set(err, MS_E_DEFINITION, "a literal default has no SQL text");
      return NULL;
    }
    return spec->sql;
  case MS_DEFAULT_VALUE:
    switch (spec->value.type) {
    case MS_NULL: return NULL;
    case MS_INTEGER: return ms_printf(arena, "%lld", spec->value.integer);
    case MS_BOOLEAN: return spec->value.integer ? "1" : "0";
    case MS_FLOAT: {
      char *text;
      if (!isfinite(spec->value.number)) {
        ms_error_set(err, MS_E_DEFINITION, "a default value is not a finite number");
        return NULL;
      }
      text = shortest_double(arena, spec->value.number);
      if (strspn(text, "-0123456789") == strlen(text)) text = ms_printf(arena, "%s.0", text);
      return text;
    }
    case MS_TEXT:
    case MS_BLOB:
      ms_buf_init(&literal, arena);
      ms_buf_add_literal(&literal, ms_strndup(arena, spec->value.text, spec->value.length));
      return ms_buf_string(&literal);
    }
    break;
  }
  ms_error_set(err, MS_E_DEFINITION, "unknown kind of default");
  return NULL;
}

/* A numeric literal (with an optional sign) in its shortest form: "+3" is
** "3", "1.50" is "1.5", "2.0" is "2"; other text comes back unchanged. */
static const char *canonical_number(ms_arena *arena, const char *text) {
  const char *digits = text;
  char *end;
  int negative = 0;
  if (*digits == '+' || *digits == '-') negative = *digits++ == '-';
  if (!isdigit((unsigned char)digits[0]) && digits[0] != '.') return text;
  if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) return text;
  if (strpbrk(digits, ".eE") == NULL) {
    long long value;
    errno = 0;
    value = strtoll(digits, &end, 10);
    if (*end != '\0' || errno != 0) return text;
    if (value == 0) return "0";
    return ms_printf(arena, "%s%lld", negative ? "-" : "", value);
  } else {
    double value;
    errno = 0;
    value = strtod(digits, &end);
    if (*end != '\0' || errno != 0 || !isfinite(value)) return text;
    if (value == 0) return "0";
    return shortest_double(arena, negative ? -value : value);
  }
}

const char *ms_sqlite_canonical_default(ms_arena *arena, const char *default_sql) {
  char *text;
  if (default_sql == NULL) return NULL;
  text = ms_sqlite_normalise_expression(arena, default_sql);
  if (text[0] == '\0' || strcmp(text, "NULL") == 0) return NULL;
  if (strcmp(text, "TRUE") == 0) return "1";
  if (strcmp(text, "FALSE") == 0) return "0";
  return canonical_number(arena, text);
}

/* ========================================================== introspection */

/* Column numbers of the table query. */
enum { TABLE_NAME, TABLE_SQL, COLUMN_ID, COLUMN_NAME, COLUMN_TYPE, COLUMN_NOT_NULL,
       COLUMN_DEFAULT, COLUMN_PRIMARY_KEY, COLUMN_HIDDEN };
static const char table_query[] =
  /* The CREATE TABLE text rides on the first column's row only: repeating it
  ** on every column would copy it twenty times for a twenty-column table. */
  "SELECT m.name, CASE WHEN p.cid = 0 THEN m.sql END, p.cid, p.name, p.type, p.\"notnull\", "
  "p.dflt_value, p.pk, p.hidden "
  "FROM sqlite_master AS m JOIN pragma_table_xinfo(m.name) AS p "
  "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
  "AND m.sql NOT LIKE 'CREATE VIRTUAL %' "
  "ORDER BY m.name, p.cid";

enum { INDEX_TABLE, INDEX_NAME, INDEX_UNIQUE, INDEX_ORIGIN, INDEX_PARTIAL, INDEX_PART,
       INDEX_COLUMN_ID, INDEX_COLUMN, INDEX_DESCENDING, INDEX_SQL };
static const char index_query[] =
  "SELECT m.name, il.name, il.\"unique\", il.origin, il.partial, ix.seqno, ix.cid, ix.name, "
  "ix.\"desc\", s.sql "
  "FROM sqlite_master AS m JOIN pragma_index_list(m.name) AS il "
  "JOIN pragma_index_xinfo(il.name) AS ix "
  "LEFT JOIN sqlite_master AS s ON s.type = 'index' AND s.name = il.name "
  "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
  "AND m.sql NOT LIKE 'CREATE VIRTUAL %' AND il.origin <> 'pk' AND ix.\"key\" = 1 "
  "ORDER BY m.name, il.name, ix.seqno";

enum { KEY_TABLE, KEY_ID, KEY_SEQUENCE, KEY_REFERENCED_TABLE, KEY_FROM, KEY_TO,
       KEY_ON_UPDATE, KEY_ON_DELETE };
static const char foreign_key_query[] =
  "SELECT m.name, f.id, f.seq, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete "
  "FROM sqlite_master AS m JOIN pragma_foreign_key_list(m.name) AS f "
  "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
  "AND m.sql NOT LIKE 'CREATE VIRTUAL %' "
  "ORDER BY m.name, f.id DESC, f.seq";

static const char trigger_query[] =
  "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL "
  "ORDER BY tbl_name, rowid";

/* The table called name among the n sorted tables (exact match first, then
** ignoring ASCII case as SQLite does); NULL if absent. */
static ms_table *find_table(ms_table *tables, size_t n, const char *name) {
  size_t low = 0, high = n, i;
  if (name == NULL) return NULL;
  while (low < high) {
    size_t middle = (low + high) / 2;
    int order = strcmp(tables[middle].name, name);
    if (order == 0) return &tables[middle];
    if (order < 0) low = middle + 1;
    else high = middle;
  }
  for (i = 0; i < n; i++)
    if (ms_sqlite_same_identifier(tables[i].name, name)) return &tables[i];
  return NULL;
}

/* The column of table called name, ignoring ASCII case; NULL if absent. */
static ms_column *find_column(const ms_table *table, const char *name) {
  size_t i;
  if (name == NULL) return NULL;
  for (i = 0; i < table->n_columns; i++)
    if (ms_sqlite_same_identifier(table->columns[i].name, name)) return &table->columns[i];
  return NULL;
}

/* Whether two cells of column col hold the same text (rows a and b). */
static int same_cell(ms_arena *arena, const ms_result *result, size_t a, size_t b, size_t col) {
  const ms_value *x = MS_CELL(result, a, col), *y = MS_CELL(result, b, col);
  (void)arena;                         /* compared in place: nothing copied */
  if (x->type != y->type) {
    if ((x->type == MS_TEXT || x->type == MS_BLOB) && (y->type == MS_TEXT || y->type == MS_BLOB)) {
      /* same bytes, either storage class */
    } else if (x->type == MS_NULL || y->type == MS_NULL) {
      return 0;
    } else {
      return ms_same_name(ms_cell_text(arena, result, a, col), ms_cell_text(arena, result, b, col));
    }
  }
  switch (x->type) {
  case MS_NULL: return 1;
  case MS_INTEGER: case MS_BOOLEAN: return x->integer == y->integer;
  case MS_FLOAT: return x->number == y->number;
  case MS_TEXT: case MS_BLOB:
    return x->length == y->length && (x->length == 0 || memcmp(x->text, y->text, x->length) == 0);
  }
  return 0;
}

/* A list of strings as an arena array. */
static const char **list_strings(ms_arena *arena, const ms_list *list) {
  const char **strings = ms_alloc(arena, (list->count + 1) * sizeof *strings);
  size_t i;
  for (i = 0; i < list->count; i++) strings[i] = list->items[i];
  return strings;
}

/* The single INTEGER PRIMARY KEY column is the rowid (or, WITHOUT ROWID, an
** enforced key): it can never hold NULL, declared NOT NULL or not, so it
** reads as NOT NULL and a table made without the clause is not rebuilt. */
static void mark_rowid_alias_not_null(ms_table *table) {
  ms_column *key = NULL;
  size_t i;
  for (i = 0; i < table->n_columns; i++)
    if (table->columns[i].primary_key > 0) {
      if (key != NULL) return;
      key = &table->columns[i];
    }
  if (key != NULL && strcmp(key->type, "INTEGER") == 0 &&
      ms_sqlite_same_identifier(key->native_type, "INTEGER"))
    key->not_null = 1;
}

/* Reads the tables and their columns (rows sorted by table, then cid). */
static void read_tables(ms_arena *arena, const ms_result *rows, ms_schema *out) {
  size_t row, n_tables = 0, table_index = 0;
  for (row = 0; row < rows->n_rows; row++)
    if (row == 0 || !same_cell(arena, rows, row, row - 1, TABLE_NAME)) n_tables++;
  out->tables = ms_alloc(arena, (n_tables + 1) * sizeof *out->tables);
  out->n_tables = n_tables;
  row = 0;
  while (row < rows->n_rows) {
    ms_table *table = &out->tables[table_index++];
    size_t first = row, column;
    while (row < rows->n_rows && same_cell(arena, rows, row, first, TABLE_NAME)) row++;
    table->schema = NULL;
    table->name = ms_cell_text(arena, rows, first, TABLE_NAME);
    table->create_sql = ms_cell_text(arena, rows, first, TABLE_SQL);
    table->n_columns = row - first;
    table->columns = ms_alloc(arena, (table->n_columns + 1) * sizeof *table->columns);
    for (column = 0; column < table->n_columns; column++) {
      ms_column *target = &table->columns[column];
      size_t at = first + column;
      const char *type = ms_cell_text(arena, rows, at, COLUMN_TYPE);
      target->name = ms_cell_text(arena, rows, at, COLUMN_NAME);
      target->native_type = type != NULL ? type : "";
      target->type = ms_sqlite_canonical_type(arena, target->native_type);
      target->not_null = ms_cell_integer(rows, at, COLUMN_NOT_NULL) != 0;
      target->primary_key = (int)ms_cell_integer(rows, at, COLUMN_PRIMARY_KEY);
      target->default_sql = ms_cell_text(arena, rows, at, COLUMN_DEFAULT);
      target->default_canonical = ms_sqlite_canonical_default(arena, target->default_sql);
      if (target->default_canonical == NULL) target->default_sql = NULL;
      if (ms_cell_integer(rows, at, COLUMN_HIDDEN) >= 2)   /* 2 virtual, 3 stored */
        target->generated_sql = ms_cell_integer(rows, at, COLUMN_HIDDEN) == 3
                                    ? "GENERATED ALWAYS AS (NULL) STORED"
                                    : "GENERATED ALWAYS AS (NULL) VIRTUAL";
    }
    mark_rowid_alias_not_null(table);
  }
}

/* A CHECK expression of the form `col IN ('a', 'b', ...)`: returns the
** column's name and fills values; NULL for any other form. */
static const char *enum_check_column(ms_arena *arena, const char *expression, ms_list *values) {
  size_t n, i;
  ms_sqlite_token *tokens = tokenize(arena, expression, &n);
  while (n >= 2 && ms_sqlite_token_is_char(&tokens[0], '(') &&
         matching_parenthesis(tokens, n, 0) == n - 1) {
    tokens++;
    n -= 2;
  }
  if (n < 5 || (tokens[0].kind != MS_SQLITE_TOKEN_WORD &&
                tokens[0].kind != MS_SQLITE_TOKEN_IDENTIFIER) ||
      !ms_sqlite_token_is(&tokens[1], "IN") || !ms_sqlite_token_is_char(&tokens[2], '(') ||
      !ms_sqlite_token_is_char(&tokens[n - 1], ')'))
    return NULL;
  for (i = 3; i < n - 1; i++) {
    const ms_sqlite_token *token = &tokens[i];
    if ((i - 3) % 2 == 0) {
      ms_buf value;
      size_t j;
      if (token->kind != MS_SQLITE_TOKEN_STRING || token->start[0] != '\'') return NULL;
      ms_buf_init(&value, arena);
      for (j = 1; j + 1 < token->length; j++) {
        ms_buf_addc(&value, token->start[j]);
        if (token->start[j] == '\'') j++;
      }
      ms_list_push(arena, values, ms_buf_string(&value));
    } else if (!ms_sqlite_token_is_char(token, ',') || i == n - 2) {
      return NULL;
    }
  }
  return ms_sqlite_token_name(arena, &tokens[0]);
}

/* A CHECK found in the CREATE TABLE text (on column, NULL for a table
** constraint): our ENUM form turns its TEXT column into an ENUM; anything
** else is kept verbatim in checks. */
static void read_check(ms_arena *arena, ms_table *table, ms_column *column, const char *expression,
                       ms_list *checks) {
  ms_list values = { NULL, 0, 0 };
  const char *name = enum_check_column(arena, expression, &values);
  ms_column *target = find_column(table, name);
  if (target != NULL && (column == NULL || column == target) &&
      strcmp(target->type, "TEXT") == 0 && values.count > 0) {
    target->type = "ENUM";
    target->enum_values = list_strings(arena, &values);
    target->n_enum_values = values.count;
    return;
  }
  ms_list_push(arena, checks, (void *)expression);
}

/* A named FOREIGN KEY table constraint: its name and local columns. */
typedef struct named_foreign_key {
  const char *name;
  ms_list columns;
} named_foreign_key;

/* The text between two tokens (from the start of first to the end of last). */
static char *token_span(ms_arena *arena, const ms_sqlite_token *first, const ms_sqlite_token *last) {
  return ms_strndup(arena, first->start, (size_t)(last->start + last->length - first->start));
}

/* Reads one column definition of a CREATE TABLE (tokens[0] is the name):
** CHECK, COLLATE NOCASE, AUTOINCREMENT, GENERATED ... AS (...). */
static void read_column_definition(ms_arena *arena, ms_table *table, const ms_sqlite_token *tokens,
                                   size_t n, ms_list *checks) {
  ms_column *column = find_column(table, ms_sqlite_token_name(arena, &tokens[0]));
  size_t i;
  if (column == NULL) return;
  for (i = 1; i < n; i++) {
    const ms_sqlite_token *token = &tokens[i];
    if (ms_sqlite_token_is_char(token, '(')) {
      i = matching_parenthesis(tokens, n, i);
    } else if (ms_sqlite_token_is(token, "CHECK") && i + 1 < n &&
               ms_sqlite_token_is_char(&tokens[i + 1], '(')) {
      size_t close = matching_parenthesis(tokens, n, i + 1);
      if (close < n && close > i + 2) {
        read_check(arena, table, column, token_span(arena, &tokens[i + 2], &tokens[close - 1]),
                   checks);
      }
      i = close;
    } else if (ms_sqlite_token_is(token, "COLLATE") && i + 1 < n) {
      if (ms_sqlite_token_is(&tokens[i + 1], "NOCASE") && strcmp(column->type, "TEXT") == 0) {
        column->type = "CITEXT";
        column->native_type = "TEXT COLLATE NOCASE";
      }
      i++;
    } else if (ms_sqlite_token_is(token, "AUTOINCREMENT")) {
      column->auto_increment = 1;
      table->autoincrement = 1;
    } else if (ms_sqlite_token_is(token, "AS") && i + 1 < n &&
               ms_sqlite_token_is_char(&tokens[i + 1], '(')) {
      size_t close = matching_parenthesis(tokens, n, i + 1);
      int stored = close + 1 < n && ms_sqlite_token_is(&tokens[close + 1], "STORED");
      if (close < n)
        column->generated_sql = ms_printf(arena, "GENERATED ALWAYS AS %s %s",
                                          token_span(arena, &tokens[i + 1], &tokens[close]),
                                          stored ? "STORED" : "VIRTUAL");
      i = close;
    }
  }
}

/* Reads one table constraint of a CREATE TABLE: CHECKs, and the names of
** FOREIGN KEY constraints. */
static void read_table_constraint(ms_arena *arena, ms_table *table, const ms_sqlite_token *tokens,
                                  size_t n, ms_list *checks, ms_list *named_keys) {
  size_t i = 0;
  const char *name = NULL;
  if (ms_sqlite_token_is(&tokens[0], "CONSTRAINT") && n > 1) {
    name = ms_sqlite_token_name(arena, &tokens[1]);
    i = 2;
  }
  if (i + 1 < n && ms_sqlite_token_is(&tokens[i], "CHECK") &&
      ms_sqlite_token_is_char(&tokens[i + 1], '(')) {
    size_t close = matching_parenthesis(tokens, n, i + 1);
    if (close < n && close > i + 2)
      read_check(arena, table, NULL, token_span(arena, &tokens[i + 2], &tokens[close - 1]), checks);
  } else if (name != NULL && i + 2 < n && ms_sqlite_token_is(&tokens[i], "FOREIGN") &&
             ms_sqlite_token_is(&tokens[i + 1], "KEY") &&
             ms_sqlite_token_is_char(&tokens[i + 2], '(')) {
    named_foreign_key *key = ms_alloc(arena, sizeof *key);
    size_t close = matching_parenthesis(tokens, n, i + 2), j;
    key->name = name;
    for (j = i + 3; j < close; j++)
      if (tokens[j].kind == MS_SQLITE_TOKEN_WORD || tokens[j].kind == MS_SQLITE_TOKEN_IDENTIFIER)
        ms_list_push(arena, &key->columns, ms_sqlite_token_name(arena, &tokens[j]));
    ms_list_push(arena, named_keys, key);
  }
}

/* Whether the token starts a table constraint rather than a column. */
static int starts_table_constraint(const ms_sqlite_token *token) {
  return ms_sqlite_token_is(token, "CONSTRAINT") || ms_sqlite_token_is(token, "PRIMARY") ||
         ms_sqlite_token_is(token, "UNIQUE") || ms_sqlite_token_is(token, "CHECK") ||
         ms_sqlite_token_is(token, "FOREIGN");
}

/* Reads what only the CREATE TABLE text tells: CHECKs (ENUMs), COLLATE
** NOCASE, AUTOINCREMENT, generated expressions, named foreign keys. */
static void read_create_table(ms_arena *arena, ms_table *table, ms_list *named_keys) {
  ms_list checks = { NULL, 0, 0 };
  ms_sqlite_token *tokens;
  size_t n, open = 0, close, item;
  if (table->create_sql == NULL) return;
  tokens = tokenize(arena, table->create_sql, &n);
  while (open < n && !ms_sqlite_token_is_char(&tokens[open], '(')) open++;
  close = matching_parenthesis(tokens, n, open);
  item = open + 1;
  while (item < close) {
    size_t end = item;
    while (end < close && !ms_sqlite_token_is_char(&tokens[end], ',')) {
      if (ms_sqlite_token_is_char(&tokens[end], '(')) end = matching_parenthesis(tokens, close, end);
      end++;
    }
    if (end > close) end = close;
    if (end > item) {
      if (starts_table_constraint(&tokens[item]))
        read_table_constraint(arena, table, &tokens[item], end - item, &checks, named_keys);
      else
        read_column_definition(arena, table, &tokens[item], end - item, &checks);
    }
    item = end + 1;
  }
  table->checks = list_strings(arena, &checks);
  table->n_checks = checks.count;
}

/* The parts of a CREATE INDEX statement's column list, as raw texts; sets
** *where to the text after WHERE (NULL if none) and *collated when some
** part names a collation. */
static ms_list index_statement_parts(ms_arena *arena, const char *sql, const char **where,
                                     int *collated) {
  ms_list parts = { NULL, 0, 0 };
  ms_sqlite_token *tokens;
  size_t n, i = 0, open, close, item;
  *where = NULL;
  *collated = 0;
  if (sql == NULL) return parts;
  tokens = tokenize(arena, sql, &n);
  while (i < n && !ms_sqlite_token_is(&tokens[i], "ON")) i++;
  open = i;
  while (open < n && !ms_sqlite_token_is_char(&tokens[open], '(')) open++;
  close = matching_parenthesis(tokens, n, open);
  item = open + 1;
  while (item < close) {
    size_t end = item, last;
    while (end < close && !ms_sqlite_token_is_char(&tokens[end], ',')) {
      if (ms_sqlite_token_is_char(&tokens[end], '(')) end = matching_parenthesis(tokens, close, end);
      if (ms_sqlite_token_is(&tokens[end], "COLLATE")) *collated = 1;
      end++;
    }
    if (end > close) end = close;
    last = end;
    while (last > item + 1 && (ms_sqlite_token_is(&tokens[last - 1], "ASC") ||
                               ms_sqlite_token_is(&tokens[last - 1], "DESC")))
      last--;
    if (last > item) ms_list_push(arena, &parts, token_span(arena, &tokens[item], &tokens[last - 1]));
    item = end + 1;
  }
  for (i = close + 1; i < n; i++)
    if (ms_sqlite_token_is(&tokens[i], "WHERE") && i + 1 < n) {
      *where = token_span(arena, &tokens[i + 1], &tokens[n - 1]);
      break;
    }
  return parts;
}

/* Reads the indexes (rows sorted by table, index, part) into their tables. */
static void read_indexes(ms_arena *arena, const ms_result *rows, ms_schema *schema) {
  size_t row = 0;
  ms_list *lists = ms_alloc(arena, (schema->n_tables + 1) * sizeof *lists);
  size_t t;
  while (row < rows->n_rows) {
    size_t first = row, part;
    ms_table *table = find_table(schema->tables, schema->n_tables,
                                 ms_cell_text(arena, rows, first, INDEX_TABLE));
    ms_index *index;
    const char *origin = ms_cell_text(arena, rows, first, INDEX_ORIGIN);
    const char *where_text = NULL;
    int collated = 0;
    ms_list statement_parts;
    while (row < rows->n_rows && same_cell(arena, rows, row, first, INDEX_TABLE) &&
           same_cell(arena, rows, row, first, INDEX_NAME))
      row++;
    if (table == NULL) continue;
    index = ms_alloc(arena, sizeof *index);
    index->name = ms_cell_text(arena, rows, first, INDEX_NAME);
    index->unique = ms_cell_integer(rows, first, INDEX_UNIQUE) != 0;
    index->definition_sql = ms_cell_text(arena, rows, first, INDEX_SQL);
    statement_parts = index_statement_parts(arena, index->definition_sql, &where_text, &collated);
    index->n_parts = row - first;
    index->parts = ms_alloc(arena, (index->n_parts + 1) * sizeof *index->parts);
    for (part = 0; part < index->n_parts; part++) {
      ms_index_part *target = &index->parts[part];
      long long column_id = ms_cell_integer(rows, first + part, INDEX_COLUMN_ID);
      target->descending = ms_cell_integer(rows, first + part, INDEX_DESCENDING) != 0;
      if (column_id >= 0) {
        target->column = ms_cell_text(arena, rows, first + part, INDEX_COLUMN);
      } else {               /* -2: an expression, -1: the rowid */
        index->unmanaged = 1;
        target->expression = part < statement_parts.count ? statement_parts.items[part]
                                                           : (column_id == -1 ? "rowid" : "?");
      }
    }
    if (collated) index->unmanaged = 1;
    if (ms_cell_integer(rows, first, INDEX_PARTIAL) != 0) {
      index->where = ms_sqlite_canonical_default(arena, where_text);
      if (index->where == NULL) index->unmanaged = 1;
    }
    if (origin != NULL && strcmp(origin, "u") == 0) {
      /* A UNIQUE clause in CREATE TABLE: SQLite names it sqlite_autoindex_T_N
      ** and it has no statement; it goes by the name we would give it. */
      index->constraint = 1;
      index->definition_sql = NULL;
      index->name = NULL;
      index->name = ms_sqlite_index_name(arena, table, index);
    } else {
      index->constraint = index->unique && index->definition_sql != NULL &&
                          strstr(index->definition_sql, MS_SQLITE_CONSTRAINT_MARK) != NULL;
    }
    ms_list_push(arena, &lists[table - schema->tables], index);
  }
  for (t = 0; t < schema->n_tables; t++) {
    size_t i;
    ms_table *table = &schema->tables[t];
    table->n_indexes = lists[t].count;
    table->indexes = ms_alloc(arena, (table->n_indexes + 1) * sizeof *table->indexes);
    for (i = 0; i < lists[t].count; i++) table->indexes[i] = *(ms_index *)lists[t].items[i];
  }
}

/* A foreign key action as the model says it; NO ACTION is NULL. */
static const char *foreign_key_action(ms_arena *arena, const ms_result *rows, size_t row, size_t col) {
  const char *action = ms_cell_text(arena, rows, row, col);
  if (action == NULL || ms_sqlite_same_identifier(action, "NO ACTION") ||
      ms_sqlite_same_identifier(action, "NONE"))
    return NULL;
  return action;
}

/* The referenced table's primary key columns, for REFERENCES without columns. */
static void fill_implicit_references(ms_arena *arena, ms_schema *schema, ms_foreign_key *key) {
  ms_table *parent = find_table(schema->tables, schema->n_tables, key->ref_table);
  size_t i, position;
  if (parent == NULL) return;
  for (i = 0; i < key->n_ref_columns; i++)
    if (key->ref_columns[i] == NULL) {
      for (position = 0; position < parent->n_columns; position++)
        if (parent->columns[position].primary_key == (int)i + 1)
          key->ref_columns[i] = parent->columns[position].name;
      if (key->ref_columns[i] == NULL) key->ref_columns[i] = ms_strdup(arena, "rowid");
    }
}

/* The name given in CREATE TABLE to the foreign key on these columns, if any. */
static const char *named_key_for(const ms_list *named_keys, const ms_foreign_key *key) {
  size_t i, j;
  for (i = 0; i < named_keys->count; i++) {
    const named_foreign_key *named = named_keys->items[i];
    if (named->columns.count != key->n_columns) continue;
    for (j = 0; j < key->n_columns; j++)
      if (!ms_sqlite_same_identifier(named->columns.items[j], key->columns[j])) break;
    if (j == key->n_columns) return named->name;
  }
  return NULL;
}

/* Reads the foreign keys (rows sorted by table, declaration, position). */
static void read_foreign_keys(ms_arena *arena, const ms_result *rows, ms_schema *schema,
                              ms_list *named_keys) {
  ms_list *lists = ms_alloc(arena, (schema->n_tables + 1) * sizeof *lists);
  size_t row = 0, t;
  while (row < rows->n_rows) {
    size_t first = row, i;
    ms_table *table = find_table(schema->tables, schema->n_tables,
                                 ms_cell_text(arena, rows, first, KEY_TABLE));
    ms_foreign_key *key;
    while (row < rows->n_rows && same_cell(arena, rows, row, first, KEY_TABLE) &&
           ms_cell_integer(rows, row, KEY_ID) == ms_cell_integer(rows, first, KEY_ID))
      row++;
    if (table == NULL) continue;
    key = ms_alloc(arena, sizeof *key);
    key->n_columns = key->n_ref_columns = row - first;
    key->columns = ms_alloc(arena, (key->n_columns + 1) * sizeof *key->columns);
    key->ref_columns = ms_alloc(arena, (key->n_columns + 1) * sizeof *key->ref_columns);
    for (i = 0; i < key->n_columns; i++) {
      key->columns[i] = ms_cell_text(arena, rows, first + i, KEY_FROM);
      key->ref_columns[i] = ms_cell_text(arena, rows, first + i, KEY_TO);
    }
    key->ref_table = ms_cell_text(arena, rows, first, KEY_REFERENCED_TABLE);
    key->on_update = foreign_key_action(arena, rows, first, KEY_ON_UPDATE);
    key->on_delete = foreign_key_action(arena, rows, first, KEY_ON_DELETE);
    fill_implicit_references(arena, schema, key);
    key->name = named_key_for(&named_keys[table - schema->tables], key);
    if (key->name == NULL) key->name = ms_sqlite_foreign_key_name(arena, table, key);
    ms_list_push(arena, &lists[table - schema->tables], key);
  }
  for (t = 0; t < schema->n_tables; t++) {
    ms_table *table = &schema->tables[t];
    size_t i;
    table->n_foreign_keys = lists[t].count;
    table->foreign_keys = ms_alloc(arena, (table->n_foreign_keys + 1) * sizeof *table->foreign_keys);
    for (i = 0; i < lists[t].count; i++)
      table->foreign_keys[i] = *(ms_foreign_key *)lists[t].items[i];
  }
}

/* Reads the CREATE TRIGGER statements into the tables they belong to. */
static void read_triggers(ms_arena *arena, const ms_result *rows, ms_schema *schema) {
  ms_list *lists = ms_alloc(arena, (schema->n_tables + 1) * sizeof *lists);
  size_t row, t;
  for (row = 0; row < rows->n_rows; row++) {
    ms_table *table = find_table(schema->tables, schema->n_tables, ms_cell_text(arena, rows, row, 0));
    if (table != NULL)
      ms_list_push(arena, &lists[table - schema->tables], (void *)ms_cell_text(arena, rows, row, 1));
  }
  for (t = 0; t < schema->n_tables; t++) {
    schema->tables[t].triggers = list_strings(arena, &lists[t]);
    schema->tables[t].n_triggers = lists[t].count;
  }
}

/* query, limited to the tables named in only (NULL: every table): the
** condition "AND column IN ('a', ...)" goes before its ORDER BY. */
static const char *limited(ms_arena *arena, const char *query, const char *column, const ms_list *only) {
  const char *order = strstr(query, " ORDER BY ");
  ms_buf sql;
  size_t i;
  if (only == NULL || order == NULL) return query;
  ms_buf_init(&sql, arena);
  ms_buf_addn(&sql, query, (size_t)(order - query));
  ms_buf_addf(&sql, " AND %s IN (", column);
  for (i = 0; i < only->count; i++) {
    if (i > 0) ms_buf_add(&sql, ", ");
    ms_buf_add_literal(&sql, only->items[i]);
  }
  ms_buf_addc(&sql, ')');
  ms_buf_add(&sql, order);
  return ms_buf_string(&sql);
}

/* Reads the tables of the main schema (only those named in only, unless
** NULL) into out. */
static int introspect_now(ms_conn *conn, ms_arena *arena, const ms_list *only, ms_schema *out,
                          ms_error *err) {
  ms_result tables, indexes, foreign_keys, triggers;
  ms_list *named_keys;
  size_t t;
  /* The rows live in a scratch arena freed once read: the schema copies every
  ** string it keeps (ms_cell_text), and the rows are several times its size. */
  ms_arena *rows = ms_arena_new();
  memset(out, 0, sizeof *out);
  if (ms_query(conn, rows, limited(rows, table_query, "m.name", only), NULL, 0, &tables, err) != MS_OK ||
      ms_query(conn, rows, limited(rows, index_query, "m.name", only), NULL, 0, &indexes, err) != MS_OK ||
      ms_query(conn, rows, limited(rows, foreign_key_query, "m.name", only), NULL, 0, &foreign_keys,
               err) != MS_OK ||
      ms_query(conn, rows, limited(rows, trigger_query, "tbl_name", only), NULL, 0, &triggers, err) != MS_OK) {
    ms_arena_free(rows);
    return MS_ERROR;
  }
  read_tables(arena, &tables, out);
  named_keys = ms_alloc(arena, (out->n_tables + 1) * sizeof *named_keys);
  for (t = 0; t < out->n_tables; t++) read_create_table(arena, &out->tables[t], &named_keys[t]);
  read_indexes(arena, &indexes, out);
  read_foreign_keys(arena, &foreign_keys, out, named_keys);
  read_triggers(arena, &triggers, out);
  ms_arena_free(rows);
  return MS_OK;
}

/* The last live schema read on a connection, with the schema cookie it was
** read at.  SQLite bumps PRAGMA schema_version on every schema change made by
** any connection (and a rolled-back change restores it), so while the cookie
** holds, the schema is exactly this one: a no-op sync of a thousand tables
** then costs one PRAGMA instead of reading every table again. */
typedef struct introspection_cache {
  ms_arena *arena;
  long long version;
  ms_schema schema;
} introspection_cache;

/* Frees a connection's cached schema (conn_sqlite.c calls it on close). */
void ms_sqlite_free_introspection_cache(ms_conn *conn) {
  introspection_cache *cache = conn->introspection_cache;
  if (cache == NULL) return;
  conn->introspection_cache = NULL;
  ms_arena_free(cache->arena);         /* frees the cache itself too */
}

/* The connection's cached schema if PRAGMA schema_version still matches it
** (1), else 0 with *version set to the current cookie. */
static int cached_schema(ms_conn *conn, ms_arena *arena, long long *version, ms_schema *out,
                         int *hit, ms_error *err) {
  ms_result cookie;
  const introspection_cache *cache = conn->introspection_cache;
  *hit = 0;
  if (ms_query(conn, arena, "PRAGMA schema_version", NULL, 0, &cookie, err) != MS_OK) return MS_ERROR;
  *version = cookie.n_rows > 0 ? ms_cell_integer(&cookie, 0, 0) : -1;
  if (cache != NULL && cache->version == *version) {
    *out = cache->schema;
    *hit = 1;
  }
  return MS_OK;
}

/* Reads the whole schema (at cookie version) and caches it. */
static int introspect_and_cache(ms_conn *conn, long long version, ms_schema *out, ms_error *err) {
  introspection_cache *cache;
  /* The schema outlives this call, in an arena of its own. */
  ms_arena *cache_arena = ms_arena_new();
  if (introspect_now(conn, cache_arena, NULL, out, err) != MS_OK) {
    ms_arena_free(cache_arena);
    return MS_ERROR;
  }
  ms_sqlite_free_introspection_cache(conn);
  cache = ms_alloc(cache_arena, sizeof *cache);     /* the cache lives in its own arena */
  cache->arena = cache_arena;
  cache->version = version;
  cache->schema = *out;
  conn->introspection_cache = cache;
  return MS_OK;
}

int ms_sqlite_introspect(ms_conn *conn, ms_arena *arena, const char **schemas, size_t n_schemas,
                         ms_schema *out, ms_error *err) {
  long long version;
  int hit;
  (void)schemas;          /* SQLite has its main schema only */
  (void)n_schemas;
  if (cached_schema(conn, arena, &version, out, &hit, err) != MS_OK) return MS_ERROR;
  if (hit) return MS_OK;
  return introspect_and_cache(conn, version, out, err);
}

/* ============================================================ recognition */

/* A sync's fast path.  SQLite keeps a table's schema as the text of its
** CREATE TABLE statement (and of its CREATE INDEX statements): the text *is*
** the schema.  So a desired table whose live table holds, byte for byte, the
** statements a createTable step would send for it now is exactly the desired
** one, and reading it through the pragmas (most of a no-op sync's time:
** three pragma calls per table) can be skipped.  Every other table (one the
** models do not name; one created or altered otherwise; an index more or
** less) is read through the pragmas as always, and only those; when none is
** recognised, the whole schema is read as ms_sqlite_introspect reads it (so
** *known is always set here).  A recognised table is the desired one with
** the live texts and triggers attached (what a rebuild would need); schemas
** with recognised tables are not cached, since db:introspect() must report
** what is really there. */

typedef struct recognised_table {
  const ms_table *desired;
  const char *create_sql;       /* expected CREATE TABLE text */
  const char **index_sql;       /* expected CREATE INDEX texts, one per desired index */
  int *index_seen;
  int exists;                   /* the live table is there */
  int differs;                  /* ... but some statement of it is not the expected one */
  ms_list triggers;
} recognised_table;

static int compare_recognised(const void *a, const void *b) {
  return strcmp(((const recognised_table *)a)->desired->name, ((const recognised_table *)b)->desired->name);
}

static int compare_tables(const void *a, const void *b) {
  return strcmp(((const ms_table *)a)->name, ((const ms_table *)b)->name);
}

static recognised_table *find_recognised(recognised_table *tables, size_t n, const char *name) {
  size_t low = 0, high = n;
  if (name == NULL) return NULL;
  while (low < high) {
    size_t middle = low + (high - low) / 2;
    int order = strcmp(name, tables[middle].desired->name);
    if (order == 0) return &tables[middle];
    if (order < 0) high = middle;
    else low = middle + 1;
  }
  return NULL;
}

enum { MASTER_TYPE, MASTER_NAME, MASTER_TABLE, MASTER_SQL };

/* Checks one sqlite_master row against the expected statements; a table no
** model names goes to others (to be read). */
static void recognise_row(ms_arena *arena, const ms_result *rows, size_t row, recognised_table *tables,
                          size_t n, ms_list *others) {
  const char *type = ms_cell_text(arena, rows, row, MASTER_TYPE);
  const char *sql = ms_cell_text(arena, rows, row, MASTER_SQL);
  recognised_table *table;
  size_t i;
  if (type == NULL || strcmp(type, "view") == 0) return;          /* views are never diffed */
  if (strcmp(type, "table") == 0) {
    const char *name = ms_cell_text(arena, rows, row, MASTER_NAME);
    table = find_recognised(tables, n, name);
    if (table == NULL) {
      if (name != NULL) ms_list_push(arena, others, (void *)name);
      return;
    }
    table->exists = 1;
    if (sql == NULL || strcmp(sql, table->create_sql) != 0) table->differs = 1;
    return;
  }
  /* An index or trigger: of a desired table, or of a table read in full. */
  table = find_recognised(tables, n, ms_cell_text(arena, rows, row, MASTER_TABLE));
  if (table == NULL) return;
  if (strcmp(type, "trigger") == 0 && sql != NULL) {
    ms_list_push(arena, &table->triggers, (void *)sql);
    return;
  }
  if (strcmp(type, "index") == 0 && sql != NULL)
    for (i = 0; i < table->desired->n_indexes; i++)
      if (table->index_sql[i] != NULL && !table->index_seen[i] && strcmp(sql, table->index_sql[i]) == 0) {
        table->index_seen[i] = 1;
        return;
      }
  table->differs = 1;
}

/* A recognised table: the desired one, with what only the database holds. */
static void recognised_copy(ms_arena *arena, const recognised_table *from, ms_table *t) {
  size_t j;
  *t = *from->desired;
  t->create_sql = from->create_sql;
  t->triggers = list_strings(arena, &from->triggers);
  t->n_triggers = from->triggers.count;
  t->indexes = ms_alloc(arena, (t->n_indexes + 1) * sizeof *t->indexes);
  for (j = 0; j < t->n_indexes; j++) {
    t->indexes[j] = from->desired->indexes[j];
    t->indexes[j].definition_sql = from->index_sql[j];
  }
}

/* Recognises the desired tables in the live schema and reads the others:
** 1 when out is set, 0 when nothing was recognised (the caller reads all),
** -1 on error. */
static int recognise(ms_conn *conn, ms_arena *arena, const ms_schema *desired, ms_schema *out,
                     ms_error *err) {
  recognised_table *tables;
  ms_result rows;
  ms_list others, to_read;
  ms_schema read;
  size_t i, j, row, n = desired->n_tables, n_recognised = 0;
  memset(out, 0, sizeof *out);
  memset(&others, 0, sizeof others);
  memset(&to_read, 0, sizeof to_read);
  tables = ms_alloc(arena, (n + 1) * sizeof *tables);
  for (i = 0; i < n; i++) {
    const ms_table *t = &desired->tables[i];
    if (t->schema != NULL) return 0;
    memset(&tables[i], 0, sizeof tables[i]);
    tables[i].desired = t;
    tables[i].create_sql = ms_sqlite_create_table_sql(arena, t);
    tables[i].index_sql = ms_alloc(arena, (t->n_indexes + 1) * sizeof *tables[i].index_sql);
    tables[i].index_seen = ms_alloc(arena, (t->n_indexes + 1) * sizeof *tables[i].index_seen);
    for (j = 0; j < t->n_indexes; j++)
      if (!t->indexes[j].primary) tables[i].index_sql[j] = ms_sqlite_create_index_sql(arena, t, &t->indexes[j]);
  }
  qsort(tables, n, sizeof *tables, compare_recognised);
  for (i = 1; i < n; i++)
    if (strcmp(tables[i - 1].desired->name, tables[i].desired->name) == 0) return 0;
  /* Internal tables and automatic indexes (sqlite_*) follow from the texts. */
  if (ms_query(conn, arena,
               "SELECT type, name, tbl_name, sql FROM sqlite_master "
               "WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
               NULL, 0, &rows, err) != MS_OK)
    return -1;
  for (row = 0; row < rows.n_rows; row++) recognise_row(arena, &rows, row, tables, n, &others);
  for (i = 0; i < n; i++) {
    for (j = 0; j < tables[i].desired->n_indexes; j++)
      if (tables[i].index_sql[j] != NULL && !tables[i].index_seen[j]) tables[i].differs = 1;
    if (!tables[i].exists) continue;                  /* to be created */
    if (tables[i].differs) ms_list_push(arena, &to_read, (void *)tables[i].desired->name);
    else n_recognised++;
  }
  if (n_recognised == 0) return 0;
  for (i = 0; i < others.count; i++) ms_list_push(arena, &to_read, others.items[i]);
  memset(&read, 0, sizeof read);
  if (to_read.count > 0 && introspect_now(conn, arena, &to_read, &read, err) != MS_OK) return -1;

  out->n_tables = n_recognised + read.n_tables;
  out->tables = ms_alloc(arena, (out->n_tables + 1) * sizeof *out->tables);
  for (i = 0, j = 0; i < n; i++)
    if (tables[i].exists && !tables[i].differs) recognised_copy(arena, &tables[i], &out->tables[j++]);
  for (i = 0; i < read.n_tables; i++) out->tables[j++] = read.tables[i];
  qsort(out->tables, out->n_tables, sizeof *out->tables, compare_tables);
  /* A foreign key of a table read here may name a recognised table without
  ** its columns (REFERENCES t): its key columns are known only now (the
  ** copies in out share these keys). */
  for (i = 0; i < read.n_tables; i++)
    for (j = 0; j < read.tables[i].n_foreign_keys; j++)
      fill_implicit_references(arena, out, &read.tables[i].foreign_keys[j]);
  return 1;
}

int ms_sqlite_introspect_known(ms_conn *conn, ms_arena *arena, const ms_schema *desired,
                               ms_schema *out, int *known, ms_error *err) {
  long long version;
  int hit, recognised;
  *known = 1;
  memset(out, 0, sizeof *out);
  if (cached_schema(conn, arena, &version, out, &hit, err) != MS_OK) return MS_ERROR;
  if (hit) return MS_OK;                 /* read already, and unchanged since */
  recognised = recognise(conn, arena, desired, out, err);
  if (recognised < 0) return MS_ERROR;
  if (recognised) return MS_OK;
  return introspect_and_cache(conn, version, out, err);
}

/* Lists the views of the main schema, by name (discovery only). */
int ms_sqlite_list_views(ms_conn *conn, ms_arena *arena, const char **schemas, size_t n_schemas,
                         ms_view **out, size_t *n_out, ms_error *err) {
  ms_result rows;
  size_t row;
  (void)schemas;
  (void)n_schemas;
  *out = NULL;
  *n_out = 0;
  if (ms_query(conn, arena, "SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY name",
               NULL, 0, &rows, err) != MS_OK)
    return MS_ERROR;
  *out = ms_alloc(arena, (rows.n_rows + 1) * sizeof **out);
  for (row = 0; row < rows.n_rows; row++) {
    (*out)[row].name = ms_cell_text(arena, &rows, row, 0);
    (*out)[row].definition = ms_cell_text(arena, &rows, row, 1);
  }
  *n_out = rows.n_rows;
  return MS_OK;
}
