/*
** introspect_pg.c: the live PostgreSQL schema -> ms_schema, and the
** canonical forms of types and default expressions that make the desired
** and the live sides comparable as strings.
**
** The whole schema is read in six catalog queries whatever the number of
** tables (namespaces, enum types, tables, columns, constraints, indexes),
** every one taking the schema names as one text[] parameter.  Rows come back
** ordered by schema and table name, so each is matched to its table with a
** cursor rather than a search.
**
** Canonical types (shared vocabulary of ms.h): format_type's words and our
** own native texts meet on INTEGER, VARCHAR(n), TIMESTAMPTZ, ...; any other
** type is its normalised text, upper-cased outside quotes (text[] ->
** TEXT[]).  A column of an enum type named enum_* (ours, or Sequelize's) is
** "ENUM" with its values; other enum types keep their name, so that
** T.SQL('mood') compares equal to a column of type mood.
**
** Canonical defaults: a small tokenizer rewrites an expression so that what
** the server prints back (pg_get_expr) and what the model wrote meet: casts
** are dropped ('a'::character varying -> 'a'), a quoted number cast to a
** numeric type becomes the number ('-1'::integer -> -1), grouping
** parentheses go, words are lower-cased, spacing is fixed, and now(),
** CURRENT_TIMESTAMP, transaction_timestamp() are all CURRENT_TIMESTAMP.
** The result is only ever compared, never executed.  The same function
** canonicalises partial-index predicates.
*/
#include "pg_dialect.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================== canonical expressions */

typedef enum token_kind {
  TOKEN_WORD,           /* bare identifier or keyword */
  TOKEN_QUOTED,         /* "quoted identifier" */
  TOKEN_STRING,         /* 'string literal' */
  TOKEN_NUMBER,         /* 42, 1.5, 1e3 (a sign merged in later) */
  TOKEN_OPERATOR,       /* a run of operator characters */
  TOKEN_OPEN, TOKEN_CLOSE, TOKEN_COMMA, TOKEN_DOT,
  TOKEN_OPEN_BRACKET, TOKEN_CLOSE_BRACKET,
  TOKEN_CAST,           /* :: */
  TOKEN_OTHER           /* any other single character */
} token_kind;

typedef struct token {
  token_kind kind;
  const char *text;     /* the token's text (arena string, rewritten freely) */
  int removed;          /* dropped from the output */
} token;

typedef struct token_list {
  token *items;
  size_t count, capacity;
} token_list;

/* Appends a token of n bytes from s. */
static void push_token(ms_arena *arena, token_list *list, token_kind kind, const char *s, size_t n) {
  if (list->count == list->capacity) {
    size_t capacity = list->capacity ? list->capacity * 2 : 32;
    token *items = ms_alloc(arena, capacity * sizeof *items);
    if (list->count) memcpy(items, list->items, list->count * sizeof *items);
    list->items = items;
    list->capacity = capacity;
  }
  list->items[list->count].kind = kind;
  list->items[list->count].text = ms_strndup(arena, s, n);
  list->items[list->count].removed = 0;
  list->count++;
}

/* Whether c may continue a bare word. */
static int word_char(char c) {
  return isalnum((unsigned char)c) || c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* Whether c is one of PostgreSQL's operator characters. */
static int operator_char(char c) {
  return c != '\0' && strchr("+-*/<>=~!@#%^&|`?", c) != NULL;
}

/* Splits SQL expression text into tokens (comments and whitespace dropped). */
static token_list tokenize(ms_arena *arena, const char *sql) {
  token_list list = { NULL, 0, 0 };
  const char *p = sql;
  while (*p != '\0') {
    const char *start = p;
    if (isspace((unsigned char)*p)) { p++; continue; }
    if (p[0] == '-' && p[1] == '-') { while (*p && *p != '\n') p++; continue; }
    if (p[0] == '/' && p[1] == '*') {
      p += 2;
      while (*p && !(p[0] == '*' && p[1] == '/')) p++;
      if (*p) p += 2;
      continue;
    }
    if (*p == '\'' || *p == '"') {
      char quote = *p++;
      for (;;) {
        if (*p == '\0') break;
        if (*p == quote) {
          if (p[1] == quote) { p += 2; continue; }
          p++;
          break;
        }
        p++;
      }
      push_token(arena, &list, quote == '\'' ? TOKEN_STRING : TOKEN_QUOTED, start, (size_t)(p - start));
      continue;
    }
    if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
      while (isdigit((unsigned char)*p)) p++;
      if (*p == '.' && p[1] != '.') { p++; while (isdigit((unsigned char)*p)) p++; }
      if ((*p == 'e' || *p == 'E')
          && (isdigit((unsigned char)p[1]) || ((p[1] == '+' || p[1] == '-') && isdigit((unsigned char)p[2])))) {
        p += 2;
        while (isdigit((unsigned char)*p)) p++;
      }
      push_token(arena, &list, TOKEN_NUMBER, start, (size_t)(p - start));
      continue;
    }
    if (word_char(*p)) {
      while (word_char(*p)) p++;
      push_token(arena, &list, TOKEN_WORD, start, (size_t)(p - start));
      continue;
    }
    if (p[0] == ':' && p[1] == ':') {
      p += 2;
      push_token(arena, &list, TOKEN_CAST, start, 2);
      continue;
    }
    if (operator_char(*p)) {
      while (operator_char(*p) && !(p[0] == '-' && p[1] == '-') && !(p[0] == '/' && p[1] == '*')) p++;
      push_token(arena, &list, TOKEN_OPERATOR, start, (size_t)(p - start));
      continue;
    }
    p++;
    switch (*start) {
    case '(': push_token(arena, &list, TOKEN_OPEN, start, 1); break;
    case ')': push_token(arena, &list, TOKEN_CLOSE, start, 1); break;
    case ',': push_token(arena, &list, TOKEN_COMMA, start, 1); break;
    case '.': push_token(arena, &list, TOKEN_DOT, start, 1); break;
    case '[': push_token(arena, &list, TOKEN_OPEN_BRACKET, start, 1); break;
    case ']': push_token(arena, &list, TOKEN_CLOSE_BRACKET, start, 1); break;
    default: push_token(arena, &list, TOKEN_OTHER, start, 1); break;
    }
  }
  return list;
}

/* Whether a bare word equals keyword, ignoring case. */
static int word_is(const token *t, const char *keyword) {
  const char *a = t->text, *b = keyword;
  if (t->kind != TOKEN_WORD) return 0;
  while (*a && *b && tolower((unsigned char)*a) == *b) { a++; b++; }
  return *a == '\0' && *b == '\0';
}

/* Whether text is a plain decimal number: [-+]digits[.digits][e[-+]digits]. */
static int number_text(const char *text) {
  const char *p = text;
  int digits = 0;
  if (*p == '-' || *p == '+') p++;
  while (isdigit((unsigned char)*p)) { p++; digits++; }
  if (*p == '.') { p++; while (isdigit((unsigned char)*p)) { p++; digits++; } }
  if (digits == 0) return 0;
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '-' || *p == '+') p++;
    if (!isdigit((unsigned char)*p)) return 0;
    while (isdigit((unsigned char)*p)) p++;
  }
  return *p == '\0';
}

/* A number's canonical spelling: short integers as written (without a plus
** sign or leading zeros); anything else read as a double, then written as a
** whole number when it is one below 1e21 (1e20 and the server's
** 100000000000000000000 meet), else in the fewest digits that read back. */
static const char *canonical_number(ms_arena *arena, const char *text) {
  const char *p = text;
  int negative = 0, digits;
  double value, magnitude;
  if (*p == '+' || *p == '-') negative = *p++ == '-';
  if (strpbrk(p, ".eE") == NULL && strlen(p) <= 15) {
    while (*p == '0' && p[1] != '\0') p++;
    if (strcmp(p, "0") == 0) negative = 0;
    return negative ? ms_printf(arena, "-%s", p) : ms_strdup(arena, p);
  }
  value = strtod(text, NULL);
  magnitude = value < 0 ? -value : value;
  if (value == 0) return "0";
  if (magnitude < 1e21
      && (magnitude >= 9007199254740992.0 || (double)(long long)value == value))
    return ms_printf(arena, "%.0f", value);
  for (digits = 15; digits < 17; digits++) {
    char *out = ms_printf(arena, "%.*g", digits, value);
    if (strtod(out, NULL) == value) return out;
  }
  return ms_printf(arena, "%.17g", value);
}

/* Whether a cast target's first word names a numeric type. */
static int numeric_type_word(const token *t) {
  static const char *const words[] = {
    "integer", "int", "int2", "int4", "int8", "smallint", "bigint", "numeric", "decimal",
    "real", "float4", "float8", "double", "float", NULL
  };
  size_t i;
  for (i = 0; words[i] != NULL; i++)
    if (word_is(t, words[i])) return 1;
  return 0;
}

/* Words that continue a multi-word type name after its first word. */
static int type_continuation(const token *t) {
  return word_is(t, "varying") || word_is(t, "precision") || word_is(t, "with")
      || word_is(t, "without") || word_is(t, "time") || word_is(t, "zone");
}

/* Skips from an OPEN (or OPEN_BRACKET) token to just after its match. */
static size_t skip_group(const token_list *list, size_t i) {
  token_kind open = list->items[i].kind;
  token_kind close = open == TOKEN_OPEN ? TOKEN_CLOSE : TOKEN_CLOSE_BRACKET;
  int depth = 0;
  for (; i < list->count; i++) {
    if (list->items[i].kind == open) depth++;
    else if (list->items[i].kind == close && --depth == 0) return i + 1;
  }
  return list->count;
}

/* Whether a cast target's first word names a string type. */
static int text_type_word(const token *t) {
  return word_is(t, "text") || word_is(t, "varchar") || word_is(t, "bpchar")
      || word_is(t, "character") || word_is(t, "char") || word_is(t, "citext");
}

/* The index of the kept token before i, or (size_t)-1. */
static size_t previous_kept(const token_list *list, size_t i) {
  while (i > 0) {
    i--;
    if (!list->items[i].removed) return i;
  }
  return (size_t)-1;
}

/* The index of the kept token after i, or list->count. */
static size_t next_kept(const token_list *list, size_t i) {
  for (i = i + 1; i < list->count; i++)
    if (!list->items[i].removed) return i;
  return list->count;
}

/* Removes the casts the server adds when it prints an expression back: every
** cast of a literal ('a'::character varying -> 'a'; a quoted number cast to
** a numeric type becomes the number: '-1'::integer -> -1; NULL::text ->
** NULL), and casts to a string type of anything else (s::text -> s, which
** the server writes for varchar columns).  Other casts stay: they change
** what the expression means. */
static void drop_casts(ms_arena *arena, token_list *list) {
  size_t i, j, k;
  for (i = 0; i < list->count; i++) {
    token *operand;
    int numeric, textual, literal;
    size_t end;
    if (list->items[i].kind != TOKEN_CAST || list->items[i].removed) continue;
    j = i + 1;
    if (j >= list->count || (list->items[j].kind != TOKEN_WORD && list->items[j].kind != TOKEN_QUOTED))
      continue;
    /* The type name: words, a schema qualifier, (typmod), [] suffixes. */
    numeric = numeric_type_word(&list->items[j]);
    textual = text_type_word(&list->items[j]);
    for (end = j + 1; end < list->count;) {
      const token *t = &list->items[end];
      if (t->kind == TOKEN_DOT && end + 1 < list->count
          && (list->items[end + 1].kind == TOKEN_WORD || list->items[end + 1].kind == TOKEN_QUOTED)) {
        numeric = numeric_type_word(&list->items[end + 1]);
        textual = text_type_word(&list->items[end + 1]);
        end += 2;
      } else if (type_continuation(t)) {
        end++;
      } else if (t->kind == TOKEN_OPEN || t->kind == TOKEN_OPEN_BRACKET) {
        end = skip_group(list, end);
      } else {
        break;
      }
    }
    k = previous_kept(list, i);
    operand = k == (size_t)-1 ? NULL : &list->items[k];
    literal = operand != NULL && (operand->kind == TOKEN_STRING || operand->kind == TOKEN_NUMBER
                                  || word_is(operand, "null"));
    if (operand != NULL && (literal || textual)) {
      for (k = i; k < end; k++) list->items[k].removed = 1;
      if (numeric && operand->kind == TOKEN_STRING) {
        size_t n = strlen(operand->text);
        char *inner = ms_strndup(arena, operand->text + 1, n >= 2 ? n - 2 : 0);
        if (number_text(inner)) {
          operand->kind = TOKEN_NUMBER;
          operand->text = inner;
        }
      }
    }
    i = end - 1;
  }
}

/* Keywords after which "(" groups rather than calls. */
static int grouping_keyword(const token *t) {
  static const char *const words[] = {
    "and", "or", "not", "is", "when", "then", "else", "case", "between", "like", "ilike",
    "similar", "distinct", "from", "select", "where", "on", "as", "return", "returns", NULL
  };
  size_t i;
  for (i = 0; words[i] != NULL; i++)
    if (word_is(t, words[i])) return 1;
  return 0;
}

/* Merges a unary sign into the number that follows it (-1 is one token). */
static void merge_signs(ms_arena *arena, token_list *list) {
  size_t i;
  for (i = 0; i + 1 < list->count; i++) {
    token *sign = &list->items[i];
    size_t before, next;
    if (sign->removed || sign->kind != TOKEN_OPERATOR) continue;
    if (strcmp(sign->text, "-") != 0 && strcmp(sign->text, "+") != 0) continue;
    next = next_kept(list, i);
    if (next >= list->count || list->items[next].kind != TOKEN_NUMBER) continue;
    before = previous_kept(list, i);
    if (before != (size_t)-1) {
      token_kind k = list->items[before].kind;
      if (k != TOKEN_OPEN && k != TOKEN_COMMA && k != TOKEN_OPERATOR && k != TOKEN_OPEN_BRACKET
          && !(k == TOKEN_WORD && grouping_keyword(&list->items[before])))
        continue;
    }
    list->items[next].text = ms_printf(arena, "%s%s", sign->text, list->items[next].text);
    sign->removed = 1;
  }
}

/* The kept ")" matching the kept "(" at open, or list->count. */
static size_t matching_close(const token_list *list, size_t open) {
  int depth = 0;
  size_t i;
  for (i = open; i < list->count; i++) {
    if (list->items[i].removed) continue;
    if (list->items[i].kind == TOKEN_OPEN) depth++;
    else if (list->items[i].kind == TOKEN_CLOSE && --depth == 0) return i;
  }
  return list->count;
}

/* Drops the parentheses that mean nothing: around the whole expression
** (the server's plain printing adds them) and around a single token
** ((s)::text).  Grouping parentheses stay: the text must remain the same
** expression, since a canonical index predicate is also what is emitted. */
static void drop_redundant_parentheses(token_list *list) {
  size_t i, first, close;
  for (;;) {
    first = next_kept(list, (size_t)-1);
    if (first >= list->count || list->items[first].kind != TOKEN_OPEN) break;
    close = matching_close(list, first);
    if (close >= list->count || next_kept(list, close) != list->count) break;
    list->items[first].removed = 1;
    list->items[close].removed = 1;
  }
  for (i = 0; i < list->count; i++) {
    size_t before, inner, after;
    if (list->items[i].removed || list->items[i].kind != TOKEN_OPEN) continue;
    before = previous_kept(list, i);
    if (before != (size_t)-1 && (list->items[before].kind == TOKEN_QUOTED
        || (list->items[before].kind == TOKEN_WORD && !grouping_keyword(&list->items[before]))))
      continue;                                     /* a call's or IN's list */
    inner = next_kept(list, i);
    if (inner >= list->count) continue;
    after = next_kept(list, inner);
    if (after >= list->count || list->items[after].kind != TOKEN_CLOSE) continue;
    if (list->items[inner].kind == TOKEN_OPEN || list->items[inner].kind == TOKEN_CLOSE) continue;
    list->items[i].removed = 1;
    list->items[after].removed = 1;
  }
}

/* Whether the quoted identifier "text" would read the same unquoted. */
static int plain_quoted(const char *text) {
  size_t n = strlen(text), i;
  if (n < 3) return 0;
  if (!(islower((unsigned char)text[1]) || text[1] == '_')) return 0;
  for (i = 1; i + 1 < n; i++)
    if (!(islower((unsigned char)text[i]) || isdigit((unsigned char)text[i]) || text[i] == '_'))
      return 0;
  return 1;
}

/* Writes the kept tokens with fixed spacing. */
static char *join_tokens(ms_arena *arena, const token_list *list) {
  ms_buf out;
  size_t i;
  const token *before = NULL;
  ms_buf_init(&out, arena);
  for (i = 0; i < list->count; i++) {
    const token *t = &list->items[i];
    int space = 1;
    if (t->removed) continue;
    if (before == NULL) space = 0;
    else if (before->kind == TOKEN_OPEN || before->kind == TOKEN_OPEN_BRACKET
             || before->kind == TOKEN_DOT || before->kind == TOKEN_CAST) space = 0;
    else if (t->kind == TOKEN_CLOSE || t->kind == TOKEN_CLOSE_BRACKET || t->kind == TOKEN_COMMA
             || t->kind == TOKEN_DOT || t->kind == TOKEN_OPEN_BRACKET || t->kind == TOKEN_CAST)
      space = 0;
    else if (t->kind == TOKEN_OPEN && (before->kind == TOKEN_QUOTED
             || (before->kind == TOKEN_WORD && !grouping_keyword(before)))) space = 0;
    if (space) ms_buf_addc(&out, ' ');
    switch (t->kind) {
    case TOKEN_WORD: {
      const char *p;
      for (p = t->text; *p; p++) ms_buf_addc(&out, (char)tolower((unsigned char)*p));
      break;
    }
    case TOKEN_QUOTED:
      if (plain_quoted(t->text)) ms_buf_addn(&out, t->text + 1, strlen(t->text) - 2);
      else ms_buf_add(&out, t->text);
      break;
    case TOKEN_NUMBER:
      ms_buf_add(&out, canonical_number(arena, t->text));
      break;
    default:
      ms_buf_add(&out, t->text);
      break;
    }
    before = t;
  }
  return ms_buf_string(&out);
}

/* The canonical form of an expression (see the head of this file). */
static char *canonical_expression(ms_arena *arena, const char *sql) {
  token_list list = tokenize(arena, sql);
  drop_casts(arena, &list);
  drop_redundant_parentheses(&list);
  merge_signs(arena, &list);
  return join_tokens(arena, &list);
}

/* Default expression -> canonical default; NULL for none. */
const char *ms_pg_canonical_default(ms_arena *arena, const char *default_sql) {
  char *text;
  if (default_sql == NULL) return NULL;
  text = canonical_expression(arena, default_sql);
  if (text[0] == '\0' || strcmp(text, "null") == 0) return NULL;
  if (strcmp(text, "now()") == 0 || strcmp(text, "current_timestamp") == 0
      || strcmp(text, "transaction_timestamp()") == 0)
    return "CURRENT_TIMESTAMP";
  return text;
}

/* ======================================================= canonical types */

/* Type text with words lower-cased outside quotes, whitespace collapsed, and
** no space inside parentheses or brackets, before "(" or "[", or around ","
** and ".". */
static char *normalise_type_text(ms_arena *arena, const char *text) {
  ms_buf out;
  const char *p = text;
  int pending_space = 0;
  ms_buf_init(&out, arena);
  while (*p != '\0') {
    if (isspace((unsigned char)*p)) { pending_space = 1; p++; continue; }
    if (pending_space && out.length > 0 && !strchr("(,.[", out.data[out.length - 1])
        && !strchr("(),.[]", *p))
      ms_buf_addc(&out, ' ');
    pending_space = 0;
    if (*p == '"') {
      const char *start = p++;
      while (*p != '\0') {
        if (*p == '"') { if (p[1] == '"') { p += 2; continue; } p++; break; }
        p++;
      }
      ms_buf_addn(&out, start, (size_t)(p - start));
      continue;
    }
    ms_buf_addc(&out, (char)tolower((unsigned char)*p));
    p++;
  }
  return ms_buf_string(&out);
}

/* Whether text is one of the comma-free names in list. */
static int name_in(const char *text, const char *const *list) {
  size_t i;
  for (i = 0; list[i] != NULL; i++)
    if (strcmp(text, list[i]) == 0) return 1;
  return 0;
}

/* Upper-cases text outside double quotes; a quoted name that reads the same
** bare ("mood") loses its quotes first. */
static char *upper_outside_quotes(ms_arena *arena, const char *text) {
  ms_buf out;
  const char *p = text;
  ms_buf_init(&out, arena);
  while (*p != '\0') {
    if (*p == '"') {
      const char *start = p++;
      char *quoted;
      while (*p != '\0') {
        if (*p == '"') { if (p[1] == '"') { p += 2; continue; } p++; break; }
        p++;
      }
      quoted = ms_strndup(arena, start, (size_t)(p - start));
      if (plain_quoted(quoted)) {
        const char *q;
        for (q = quoted + 1; q[1] != '\0'; q++) ms_buf_addc(&out, (char)toupper((unsigned char)*q));
      } else {
        ms_buf_add(&out, quoted);
      }
      continue;
    }
    ms_buf_addc(&out, (char)toupper((unsigned char)*p));
    p++;
  }
  return ms_buf_string(&out);
}

/* The last dot-separated part of a (possibly qualified) type name, quotes
** kept. */
static const char *last_name_part(const char *text) {
  const char *p = text, *last = text;
  int quoted = 0;
  for (; *p; p++) {
    if (*p == '"') quoted = !quoted;
    else if (*p == '.' && !quoted) last = p + 1;
  }
  return last;
}

/* Native type text -> canonical type (see the head of this file). */
const char *ms_pg_canonical_type(ms_arena *arena, const char *native_type) {
  static const char *const integer_names[] = { "integer", "int", "int4", "serial", "serial4", NULL };
  static const char *const bigint_names[] = { "bigint", "int8", "bigserial", "serial8", NULL };
  static const char *const smallint_names[] = { "smallint", "int2", "smallserial", "serial2", NULL };
  char *text, *open, *base, *arguments = NULL, *canonical = NULL;
  const char *last;
  size_t n, dimensions = 0, i;
  ms_buf out;

  if (native_type == NULL) return NULL;
  text = normalise_type_text(arena, native_type);
  /* Array dimensions: "[]", "[3]" (sizes mean nothing to PostgreSQL), " array". */
  for (;;) {
    n = strlen(text);
    if (n > 2 && text[n - 1] == ']') {
      char *bracket = strrchr(text, '[');
      if (bracket == NULL) break;
      *bracket = '\0';
      dimensions++;
      continue;
    }
    if (n > 6 && strcmp(text + n - 6, " array") == 0) {
      text[n - 6] = '\0';
      dimensions++;
      continue;
    }
    break;
  }
  if (strncmp(text, "pg_catalog.", 11) == 0) text += 11;
  else if (strncmp(text, "public.", 7) == 0) text += 7;

  /* Our enum types (and Sequelize's): enum_<table>_<column>, any schema. */
  last = last_name_part(text);
  if (dimensions == 0 && (strncmp(last, "enum_", 5) == 0 || strncmp(last, "\"enum_", 6) == 0))
    return "ENUM";
  if (strcmp(last, "citext") == 0) { canonical = "CITEXT"; goto done; }

  /* Split off the type modifier wherever it sits: timestamp(3) with time zone. */
  base = text;
  open = strchr(text, '(');
  if (open != NULL && strchr(text, '"') == NULL) {
    char *close = strchr(open, ')');
    if (close != NULL) {
      arguments = ms_strndup(arena, open + 1, (size_t)(close - open - 1));
      base = ms_printf(arena, "%.*s%s", (int)(open - text), text, close + 1);
      n = strlen(base);
      while (n > 0 && base[n - 1] == ' ') base[--n] = '\0';
    }
  }

  if (name_in(base, integer_names)) canonical = "INTEGER";
  else if (name_in(base, bigint_names)) canonical = "BIGINT";
  else if (name_in(base, smallint_names)) canonical = "SMALLINT";
  else if (strcmp(base, "real") == 0 || strcmp(base, "float4") == 0) canonical = "REAL";
  else if (strcmp(base, "double precision") == 0 || strcmp(base, "float8") == 0) canonical = "DOUBLE";
  else if (strcmp(base, "float") == 0)
    canonical = (arguments != NULL && atoi(arguments) >= 1 && atoi(arguments) <= 24) ? "REAL" : "DOUBLE";
  else if (strcmp(base, "numeric") == 0 || strcmp(base, "decimal") == 0) {
    if (arguments == NULL) canonical = "DECIMAL";
    else if (strchr(arguments, ',') != NULL) canonical = ms_printf(arena, "DECIMAL(%s)", arguments);
    else canonical = ms_printf(arena, "DECIMAL(%s,0)", arguments);
  }
  else if (strcmp(base, "character varying") == 0 || strcmp(base, "varchar") == 0)
    canonical = arguments ? ms_printf(arena, "VARCHAR(%s)", arguments) : "VARCHAR";
  else if (strcmp(base, "character") == 0 || strcmp(base, "char") == 0)
    canonical = ms_printf(arena, "CHAR(%s)", arguments ? arguments : "1");
  else if (strcmp(base, "bpchar") == 0)
    canonical = arguments ? ms_printf(arena, "CHAR(%s)", arguments) : "BPCHAR";
  else if (strcmp(base, "text") == 0) canonical = "TEXT";
  else if (strcmp(base, "boolean") == 0 || strcmp(base, "bool") == 0) canonical = "BOOLEAN";
  else if (strcmp(base, "timestamp with time zone") == 0 || strcmp(base, "timestamptz") == 0)
    canonical = arguments ? ms_printf(arena, "TIMESTAMPTZ(%s)", arguments) : "TIMESTAMPTZ";
  else if (strcmp(base, "timestamp") == 0 || strcmp(base, "timestamp without time zone") == 0)
    canonical = arguments ? ms_printf(arena, "TIMESTAMP(%s)", arguments) : "TIMESTAMP";
  else if (strcmp(base, "date") == 0) canonical = "DATE";
  else if (strcmp(base, "time") == 0 || strcmp(base, "time without time zone") == 0)
    canonical = arguments ? ms_printf(arena, "TIME(%s)", arguments) : "TIME";
  else if (strcmp(base, "time with time zone") == 0 || strcmp(base, "timetz") == 0)
    canonical = arguments ? ms_printf(arena, "TIMETZ(%s)", arguments) : "TIMETZ";
  else if (strcmp(base, "uuid") == 0) canonical = "UUID";
  else if (strcmp(base, "json") == 0) canonical = "JSON";
  else if (strcmp(base, "jsonb") == 0) canonical = "JSONB";
  else if (strcmp(base, "bytea") == 0) canonical = "BLOB";
  else if (strcmp(base, "varbit") == 0 || strcmp(base, "bit varying") == 0)
    canonical = arguments ? ms_printf(arena, "BIT VARYING(%s)", arguments) : "BIT VARYING";
  else canonical = upper_outside_quotes(arena, text);

done:
  if (dimensions == 0) return canonical;
  ms_buf_init(&out, arena);
  ms_buf_add(&out, canonical);
  for (i = 0; i < dimensions; i++) ms_buf_add(&out, "[]");
  return ms_buf_string(&out);
}

/* Whether a canonical type is a number type (INTEGER ... DECIMAL(p,s)). */
int ms_pg_numeric_type(const char *canonical_type) {
  static const char *const names[] = {
    "INTEGER", "BIGINT", "SMALLINT", "REAL", "DOUBLE", "FLOAT", "DECIMAL", NULL
  };
  size_t i, n;
  if (canonical_type == NULL) return 0;
  n = strcspn(canonical_type, "(");
  for (i = 0; names[i] != NULL; i++)
    if (strlen(names[i]) == n && strncmp(canonical_type, names[i], n) == 0) return 1;
  return 0;
}

/* ========================================================= introspection */

/* The catalog queries.  $1 is the text[] of schema names. */
#define TABLE_FILTER \
  "n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p') AND NOT c.relispartition"

static const char namespaces_sql[] =
  "SELECT nspname FROM pg_catalog.pg_namespace "
  "WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' AND $1::text[] IS NOT NULL "
  "ORDER BY nspname";

static const char enums_sql[] =
  "SELECT t.oid, n.nspname, t.typname, e.enumlabel "
  "FROM pg_catalog.pg_type t "
  "JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
  "JOIN pg_catalog.pg_enum e ON e.enumtypid = t.oid "
  "WHERE n.nspname = ANY($1::text[]) OR t.oid IN ("
  " SELECT a.atttypid FROM pg_catalog.pg_attribute a"
  " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
  " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
  " WHERE " TABLE_FILTER " AND a.attnum > 0) "
  "ORDER BY n.nspname, t.typname, e.enumsortorder";

static const char tables_sql[] =
  "SELECT n.nspname, c.relname, d.description "
  "FROM pg_catalog.pg_class c "
  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
  "LEFT JOIN pg_catalog.pg_description d ON d.objoid = c.oid"
  " AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0 "
  "WHERE " TABLE_FILTER " "
  "ORDER BY n.nspname, c.relname";

static const char columns_sql[] =
  "SELECT n.nspname, c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),"
  " a.attnotnull, pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true), a.attidentity::text,"
  " d.description, a.attgenerated::text, t.typtype::text, t.typname, a.atttypid "
  "FROM pg_catalog.pg_attribute a "
  "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
  "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
  "LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum "
  "LEFT JOIN pg_catalog.pg_description d ON d.objoid = c.oid"
  " AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = a.attnum "
  "WHERE " TABLE_FILTER " AND a.attnum > 0 AND NOT a.attisdropped "
  "ORDER BY n.nspname, c.relname, a.attnum";

static const char constraints_sql[] =
  "SELECT n.nspname, c.relname, con.oid, con.conname, con.contype::text, a.attname,"
  " fa.attname, fn.nspname, fc.relname, con.confdeltype::text, con.confupdtype::text,"
  " pg_catalog.pg_get_constraintdef(con.oid, true) "
  "FROM pg_catalog.pg_constraint con "
  "JOIN pg_catalog.pg_class c ON c.oid = con.conrelid "
  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
  "LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid "
  "LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace "
  "LEFT JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY"
  " AS k(attnum, ref_attnum, position) ON true "
  "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum "
  "LEFT JOIN pg_catalog.pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = k.ref_attnum "
  "WHERE " TABLE_FILTER " AND con.contype IN ('p', 'f', 'c') AND con.conparentid = 0 "
  "ORDER BY n.nspname, c.relname, con.conname, con.oid, k.position";

static const char indexes_sql[] =
  "SELECT n.nspname, c.relname, i.indexrelid, ic.relname, i.indisunique, i.indisprimary,"
  " i.indisvalid, con.contype::text, am.amname, pg_catalog.pg_get_expr(i.indpred, i.indrelid, true),"
  " pg_catalog.pg_get_indexdef(i.indexrelid), pg_catalog.pg_get_constraintdef(con.oid),"
  " i.indnkeyatts, k.position, k.attnum, a.attname,"
  " pg_catalog.pg_get_indexdef(i.indexrelid, k.position::int, true), k.option "
  "FROM pg_catalog.pg_index i "
  "JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid "
  "JOIN pg_catalog.pg_class c ON c.oid = i.indrelid "
  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
  "JOIN pg_catalog.pg_am am ON am.oid = ic.relam "
  "LEFT JOIN pg_catalog.pg_constraint con ON con.conindid = i.indexrelid"
  " AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x') "
  "CROSS JOIN LATERAL unnest(i.indkey::int2[], i.indoption::int2[]) WITH ORDINALITY"
  " AS k(attnum, option, position) "
  "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
  " AND k.attnum > 0 "
  "WHERE " TABLE_FILTER " "
  "ORDER BY n.nspname, c.relname, ic.relname, k.position";

/* Column positions in the results above. */
enum { ENUM_OID, ENUM_SCHEMA, ENUM_NAME, ENUM_LABEL };
enum { TABLE_SCHEMA, TABLE_NAME, TABLE_COMMENT };
enum {
  COLUMN_SCHEMA, COLUMN_TABLE, COLUMN_NAME, COLUMN_TYPE, COLUMN_NOT_NULL, COLUMN_DEFAULT,
  COLUMN_IDENTITY, COLUMN_COMMENT, COLUMN_GENERATED, COLUMN_TYPTYPE, COLUMN_TYPNAME, COLUMN_TYPOID
};
enum {
  CONSTRAINT_SCHEMA, CONSTRAINT_TABLE, CONSTRAINT_OID, CONSTRAINT_NAME, CONSTRAINT_TYPE,
  CONSTRAINT_COLUMN, CONSTRAINT_REF_COLUMN, CONSTRAINT_REF_SCHEMA, CONSTRAINT_REF_TABLE,
  CONSTRAINT_ON_DELETE, CONSTRAINT_ON_UPDATE, CONSTRAINT_DEFINITION
};
enum {
  INDEX_SCHEMA, INDEX_TABLE, INDEX_OID, INDEX_NAME, INDEX_UNIQUE, INDEX_PRIMARY, INDEX_VALID,
  INDEX_CONSTRAINT, INDEX_METHOD, INDEX_PREDICATE, INDEX_DEFINITION, INDEX_CONSTRAINT_DEFINITION,
  INDEX_KEY_COLUMNS, INDEX_POSITION, INDEX_ATTNUM, INDEX_COLUMN, INDEX_PART_DEFINITION,
  INDEX_OPTION
};

/* What the introspection carries from one query to the next. */
typedef struct reader {
  ms_conn *conn;
  ms_arena *arena;
  ms_error *err;
  ms_value schemas_param;   /* the text[] literal of schema names */
  ms_schema *out;
  size_t cursor;            /* the table the last row belonged to */
} reader;

/* Runs one catalog query with the schema names as $1. */
static int run_catalog_query(reader *r, const char *sql, ms_result *result) {
  return ms_query(r->conn, r->arena, sql, &r->schemas_param, 1, result, r->err);
}

/* The cell as text (NULL for SQL NULL). */
static const char *cell(reader *r, const ms_result *result, size_t row, size_t column) {
  return ms_cell_text(r->arena, result, row, column);
}

/* Whether the cell is a true boolean. */
static int cell_true(const ms_result *result, size_t row, size_t column) {
  return ms_cell_integer(result, row, column) != 0;
}

/* Whether two cells of text are both non-NULL and equal (or both NULL). */
static int same_text(const char *a, const char *b) {
  return ms_same_name(a, b);
}

/* The live table named by a row (schema and name in columns 0 and 1).  Rows
** come in the same order as the tables, so the cursor usually points at it
** already; else every table is looked at. */
static ms_table *row_table(reader *r, const ms_result *result, size_t row) {
  const ms_value *schema = MS_CELL(result, row, 0), *name = MS_CELL(result, row, 1);
  size_t i, n = r->out->n_tables;
  for (i = 0; i < n; i++) {
    size_t k = (r->cursor + i) % n;
    ms_table *t = &r->out->tables[k];
    if (strlen(t->schema) == schema->length && strlen(t->name) == name->length
        && memcmp(t->schema, schema->text, schema->length) == 0
        && memcmp(t->name, name->text, name->length) == 0) {
      r->cursor = k;
      return t;
    }
  }
  return NULL;
}

/* The text[] literal {"a","b"} for a list of names. */
static const char *text_array_literal(ms_arena *arena, const char **names, size_t n) {
  ms_buf buf;
  size_t i;
  const char *p;
  ms_buf_init(&buf, arena);
  ms_buf_addc(&buf, '{');
  for (i = 0; i < n; i++) {
    if (i > 0) ms_buf_addc(&buf, ',');
    ms_buf_addc(&buf, '"');
    for (p = names[i]; *p; p++) {
      if (*p == '"' || *p == '\\') ms_buf_addc(&buf, '\\');
      ms_buf_addc(&buf, *p);
    }
    ms_buf_addc(&buf, '"');
  }
  ms_buf_addc(&buf, '}');
  return ms_buf_string(&buf);
}

/* Namespaces that exist (not the system ones). */
static int read_namespaces(reader *r) {
  ms_result result;
  size_t i;
  if (run_catalog_query(r, namespaces_sql, &result) != MS_OK) return MS_ERROR;
  r->out->schemas = ms_alloc(r->arena, (result.n_rows + 1) * sizeof *r->out->schemas);
  for (i = 0; i < result.n_rows; i++) r->out->schemas[i] = cell(r, &result, i, 0);
  r->out->n_schemas = result.n_rows;
  return MS_OK;
}

/* Enum types of the schemas (and those their columns use), values in order.
** oids[i] is the type OID of out->enum_types[i]. */
static int read_enum_types(reader *r, long long **oids) {
  ms_result result;
  size_t i, n = 0;
  ms_enum_type *types;
  if (run_catalog_query(r, enums_sql, &result) != MS_OK) return MS_ERROR;
  types = ms_alloc(r->arena, (result.n_rows + 1) * sizeof *types);
  *oids = ms_alloc(r->arena, (result.n_rows + 1) * sizeof **oids);
  for (i = 0; i < result.n_rows; i++) {
    long long oid = ms_cell_integer(&result, i, ENUM_OID);
    ms_enum_type *type;
    if (n == 0 || (*oids)[n - 1] != oid) {
      size_t end = i + 1;
      while (end < result.n_rows && ms_cell_integer(&result, end, ENUM_OID) == oid) end++;
      type = &types[n];
      (*oids)[n++] = oid;
      type->schema = cell(r, &result, i, ENUM_SCHEMA);
      type->name = cell(r, &result, i, ENUM_NAME);
      type->values = ms_alloc(r->arena, (end - i) * sizeof *type->values);
    }
    type = &types[n - 1];
    type->values[type->n_values++] = cell(r, &result, i, ENUM_LABEL);
  }
  r->out->enum_types = types;
  r->out->n_enum_types = n;
  return MS_OK;
}

/* Tables with their comments. */
static int read_tables(reader *r) {
  ms_result result;
  size_t i;
  if (run_catalog_query(r, tables_sql, &result) != MS_OK) return MS_ERROR;
  r->out->tables = ms_alloc(r->arena, (result.n_rows + 1) * sizeof *r->out->tables);
  for (i = 0; i < result.n_rows; i++) {
    ms_table *t = &r->out->tables[i];
    t->schema = cell(r, &result, i, TABLE_SCHEMA);
    t->name = cell(r, &result, i, TABLE_NAME);
    t->comment = cell(r, &result, i, TABLE_COMMENT);
  }
  r->out->n_tables = result.n_rows;
  return MS_OK;
}

/* Whether a canonical type is one an identity or serial column can have. */
static int integer_type(const char *canonical) {
  return strcmp(canonical, "INTEGER") == 0 || strcmp(canonical, "BIGINT") == 0
      || strcmp(canonical, "SMALLINT") == 0;
}

/* Fills one column from a row of columns_sql. */
static void read_column(reader *r, const ms_result *result, size_t row, ms_column *column,
                        const long long *enum_oids) {
  const char *identity = cell(r, result, row, COLUMN_IDENTITY);
  const char *generated = cell(r, result, row, COLUMN_GENERATED);
  const char *typtype = cell(r, result, row, COLUMN_TYPTYPE);
  const char *typname = cell(r, result, row, COLUMN_TYPNAME);
  const char *expression = cell(r, result, row, COLUMN_DEFAULT);
  column->name = cell(r, result, row, COLUMN_NAME);
  column->native_type = cell(r, result, row, COLUMN_TYPE);
  column->not_null = cell_true(result, row, COLUMN_NOT_NULL);
  column->comment = cell(r, result, row, COLUMN_COMMENT);
  column->type = ms_pg_canonical_type(r->arena, column->native_type);

  if (typtype != NULL && strcmp(typtype, "e") == 0) {
    long long oid = ms_cell_integer(result, row, COLUMN_TYPOID);
    size_t i;
    column->enum_type_name = typname;
    for (i = 0; i < r->out->n_enum_types; i++)
      if (enum_oids[i] == oid) {
        column->enum_values = r->out->enum_types[i].values;
        column->n_enum_values = r->out->enum_types[i].n_values;
      }
    if (strncmp(typname, "enum_", 5) == 0) column->type = "ENUM";
  }

  if (generated != NULL && generated[0] != '\0') {
    column->generated_sql = expression;
    return;
  }
  if (identity != NULL && identity[0] != '\0') {
    column->auto_increment = 1;
    return;
  }
  if (expression != NULL && strncmp(expression, "nextval(", 8) == 0 && integer_type(column->type)) {
    /* serial: the sequence is the autoincrement; default_sql keeps the
    ** nextval() text so the emitter knows it is not an identity. */
    column->auto_increment = 1;
    column->default_sql = expression;
    return;
  }
  column->default_sql = expression;
  column->default_canonical = ms_pg_canonical_default(r->arena, expression);
}

/* Columns of every table, in table order. */
static int read_columns(reader *r, const long long *enum_oids) {
  ms_result result;
  size_t i = 0;
  if (run_catalog_query(r, columns_sql, &result) != MS_OK) return MS_ERROR;
  while (i < result.n_rows) {
    ms_table *t = row_table(r, &result, i);
    size_t end = i + 1, k;
    while (end < result.n_rows && same_text(cell(r, &result, end, COLUMN_SCHEMA), cell(r, &result, i, COLUMN_SCHEMA))
           && same_text(cell(r, &result, end, COLUMN_TABLE), cell(r, &result, i, COLUMN_TABLE)))
      end++;
    if (t != NULL) {
      t->columns = ms_alloc(r->arena, (end - i) * sizeof *t->columns);
      t->n_columns = end - i;
      for (k = i; k < end; k++) read_column(r, &result, k, &t->columns[k - i], enum_oids);
    }
    i = end;
  }
  return MS_OK;
}

/* A foreign key action from its pg_constraint letter. */
static const char *foreign_key_action(const char *letter) {
  switch (letter != NULL ? letter[0] : 'a') {
  case 'r': return "RESTRICT";
  case 'c': return "CASCADE";
  case 'n': return "SET NULL";
  case 'd': return "SET DEFAULT";
  default: return "NO ACTION";
  }
}

/* Appends a string to an arena array of strings. */
static const char **append_string(ms_arena *arena, const char **array, size_t *count, const char *s) {
  const char **grown = ms_alloc(arena, (*count + 1) * sizeof *grown);
  if (*count) memcpy(grown, array, *count * sizeof *grown);
  grown[(*count)++] = s;
  return grown;
}

/* Primary keys (column positions), foreign keys and CHECK constraints.  A
** constraint spans one row per key column, in key order. */
static int read_constraints(reader *r) {
  ms_result result;
  size_t i = 0;
  if (run_catalog_query(r, constraints_sql, &result) != MS_OK) return MS_ERROR;
  while (i < result.n_rows) {
    ms_table *t = row_table(r, &result, i);
    long long oid = ms_cell_integer(&result, i, CONSTRAINT_OID);
    const char *type = cell(r, &result, i, CONSTRAINT_TYPE);
    size_t end = i + 1, k;
    while (end < result.n_rows && ms_cell_integer(&result, end, CONSTRAINT_OID) == oid) end++;
    if (t != NULL && type != NULL) {
      if (type[0] == 'p') {
        for (k = i; k < end; k++) {
          const char *name = cell(r, &result, k, CONSTRAINT_COLUMN);
          ms_column *column = name ? ms_table_find_column(t, name) : NULL;
          if (column != NULL) column->primary_key = (int)(k - i + 1);
        }
      } else if (type[0] == 'c') {
        t->checks = append_string(r->arena, t->checks, &t->n_checks,
                                  cell(r, &result, i, CONSTRAINT_DEFINITION));
      } else if (type[0] == 'f') {
        ms_foreign_key *fk;
        ms_foreign_key *grown = ms_alloc(r->arena, (t->n_foreign_keys + 1) * sizeof *grown);
        if (t->n_foreign_keys) memcpy(grown, t->foreign_keys, t->n_foreign_keys * sizeof *grown);
        t->foreign_keys = grown;
        fk = &t->foreign_keys[t->n_foreign_keys++];
        fk->name = cell(r, &result, i, CONSTRAINT_NAME);
        fk->ref_schema = cell(r, &result, i, CONSTRAINT_REF_SCHEMA);
        fk->ref_table = cell(r, &result, i, CONSTRAINT_REF_TABLE);
        fk->on_delete = foreign_key_action(cell(r, &result, i, CONSTRAINT_ON_DELETE));
        fk->on_update = foreign_key_action(cell(r, &result, i, CONSTRAINT_ON_UPDATE));
        fk->columns = ms_alloc(r->arena, (end - i) * sizeof *fk->columns);
        fk->ref_columns = ms_alloc(r->arena, (end - i) * sizeof *fk->ref_columns);
        for (k = i; k < end; k++) {
          fk->columns[fk->n_columns++] = cell(r, &result, k, CONSTRAINT_COLUMN);
          fk->ref_columns[fk->n_ref_columns++] = cell(r, &result, k, CONSTRAINT_REF_COLUMN);
        }
      }
    }
    i = end;
  }
  return MS_OK;
}

/* Builds one index from its rows [first, end) of indexes_sql.  Returns 0 for
** the primary key's index, which is not listed (the columns carry the key). */
static int read_index(reader *r, const ms_result *result, size_t first, size_t end,
                      const ms_table *t, ms_index *index) {
  const char *constraint = cell(r, result, first, INDEX_CONSTRAINT);
  const char *predicate = cell(r, result, first, INDEX_PREDICATE);
  const char *method = cell(r, result, first, INDEX_METHOD);
  long long key_columns = ms_cell_integer(result, first, INDEX_KEY_COLUMNS);
  size_t k;
  char *upper;

  if (cell_true(result, first, INDEX_PRIMARY)) return 0;
  memset(index, 0, sizeof *index);
  index->name = cell(r, result, first, INDEX_NAME);
  index->unique = cell_true(result, first, INDEX_UNIQUE);
  index->constraint = constraint != NULL && constraint[0] == 'u';
  if (constraint != NULL && constraint[0] == 'x') index->unmanaged = 1;   /* EXCLUDE */
  if (!cell_true(result, first, INDEX_VALID)) index->unmanaged = 1;
  if (predicate != NULL) index->where = ms_pg_canonical_default(r->arena, predicate);
  if (method != NULL) {
    upper = ms_strdup(r->arena, method);
    for (k = 0; upper[k]; k++) upper[k] = (char)toupper((unsigned char)upper[k]);
    index->method = upper;
  }
  if (index->constraint) {
    ms_buf sql;
    ms_buf_init(&sql, r->arena);
    ms_buf_add(&sql, "ALTER TABLE ");
    ms_buf_add_identifier(&sql, t->schema);
    ms_buf_addc(&sql, '.');
    ms_buf_add_identifier(&sql, t->name);
    ms_buf_add(&sql, " ADD CONSTRAINT ");
    ms_buf_add_identifier(&sql, index->name);
    ms_buf_addc(&sql, ' ');
    ms_buf_add(&sql, cell(r, result, first, INDEX_CONSTRAINT_DEFINITION));
    index->definition_sql = ms_buf_string(&sql);
  } else {
    index->definition_sql = cell(r, result, first, INDEX_DEFINITION);
  }
  index->parts = ms_alloc(r->arena, (end - first) * sizeof *index->parts);
  for (k = first; k < end; k++) {
    long long position = ms_cell_integer(result, k, INDEX_POSITION);
    long long option = ms_cell_integer(result, k, INDEX_OPTION);
    ms_index_part *part;
    if (position > key_columns) {            /* INCLUDE (...) columns */
      index->unmanaged = 1;
      continue;
    }
    part = &index->parts[index->n_parts++];
    part->descending = (option & 1) != 0;
    /* NULLS FIRST on an ascending key or NULLS LAST on a descending one. */
    if (((option & 2) != 0) != part->descending) index->unmanaged = 1;
    if (ms_cell_integer(result, k, INDEX_ATTNUM) > 0) {
      part->column = cell(r, result, k, INDEX_COLUMN);
    } else {
      part->expression = cell(r, result, k, INDEX_PART_DEFINITION);
      index->unmanaged = 1;
    }
  }
  return 1;
}

/* Unique constraints and indexes (one entry each: an index that backs a
** unique constraint is the constraint). */
static int read_indexes(reader *r) {
  ms_result result;
  size_t i = 0;
  if (run_catalog_query(r, indexes_sql, &result) != MS_OK) return MS_ERROR;
  while (i < result.n_rows) {
    ms_table *t = row_table(r, &result, i);
    long long oid = ms_cell_integer(&result, i, INDEX_OID);
    size_t end = i + 1;
    while (end < result.n_rows && ms_cell_integer(&result, end, INDEX_OID) == oid) end++;
    if (t != NULL) {
      ms_index index;
      if (read_index(r, &result, i, end, t, &index)) {
        ms_index *grown = ms_alloc(r->arena, (t->n_indexes + 1) * sizeof *grown);
        if (t->n_indexes) memcpy(grown, t->indexes, t->n_indexes * sizeof *grown);
        grown[t->n_indexes++] = index;
        t->indexes = grown;
      }
    }
    i = end;
  }
  return MS_OK;
}

/* Reads every table of the given schemas (NULL/0: the connection's schema)
** in six queries, whatever the number of tables. */
int ms_pg_introspect(ms_conn *conn, ms_arena *arena, const char **schemas, size_t n_schemas,
                     ms_schema *out, ms_error *err) {
  reader r;
  long long *enum_oids = NULL;
  const char *fallback[1];
  memset(out, 0, sizeof *out);
  memset(&r, 0, sizeof r);
  if (schemas == NULL || n_schemas == 0) {
    fallback[0] = conn->default_schema != NULL ? conn->default_schema : "public";
    schemas = fallback;
    n_schemas = 1;
  }
  r.conn = conn;
  r.arena = arena;
  r.err = err;
  r.out = out;
  r.schemas_param.type = MS_TEXT;
  r.schemas_param.text = text_array_literal(arena, schemas, n_schemas);
  r.schemas_param.length = strlen(r.schemas_param.text);
  if (read_namespaces(&r) != MS_OK || read_enum_types(&r, &enum_oids) != MS_OK
      || read_tables(&r) != MS_OK || read_columns(&r, enum_oids) != MS_OK
      || read_constraints(&r) != MS_OK || read_indexes(&r) != MS_OK)
    return MS_ERROR;
  return MS_OK;
}

/* Lists the views and materialized views of the given schemas (NULL/0: the
** connection's schema), in one statement (discovery only). */
int ms_pg_list_views(ms_conn *conn, ms_arena *arena, const char **schemas, size_t n_schemas,
                     ms_view **out, size_t *n_out, ms_error *err) {
  static const char query[] =
    "SELECT n.nspname, c.relname, pg_catalog.pg_get_viewdef(c.oid, true) "
    "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY ($1::text[]) "
    "ORDER BY n.nspname, c.relname";
  const char *fallback[1];
  ms_value param;
  ms_result rows;
  size_t row;
  *out = NULL;
  *n_out = 0;
  if (schemas == NULL || n_schemas == 0) {
    fallback[0] = conn->default_schema != NULL ? conn->default_schema : "public";
    schemas = fallback;
    n_schemas = 1;
  }
  memset(&param, 0, sizeof param);
  param.type = MS_TEXT;
  param.text = text_array_literal(arena, schemas, n_schemas);
  param.length = strlen(param.text);
  if (ms_query(conn, arena, query, &param, 1, &rows, err) != MS_OK) return MS_ERROR;
  *out = ms_alloc(arena, (rows.n_rows + 1) * sizeof **out);
  for (row = 0; row < rows.n_rows; row++) {
    (*out)[row].schema = ms_cell_text(arena, &rows, row, 0);
    (*out)[row].name = ms_cell_text(arena, &rows, row, 1);
    (*out)[row].definition = ms_cell_text(arena, &rows, row, 2);
  }
  *n_out = rows.n_rows;
  return MS_OK;
}
