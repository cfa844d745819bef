/*
** emit_sqlite.c: ms_diff -> ms_plan for SQLite.  The diff decides WHAT
** changes; this file decides HOW: native ALTER TABLE where SQLite allows it,
** else one rebuild per table (https://www.sqlite.org/lang_altertable.html#otheralter):
**
**   CREATE TABLE "new_X" (...the target table...)
**   INSERT INTO "new_X" (cols) SELECT live cols FROM "X"
**   (AUTOINCREMENT) the sqlite_sequence value of X moved to new_X
**   DROP TABLE "X"
**   PRAGMA legacy_alter_table = ON; ALTER TABLE "new_X" RENAME TO "X"; ... OFF
**   CREATE INDEX ... (the target's and the kept live ones), CREATE TRIGGER ...
**   check after: SELECT count(*) FROM pragma_foreign_key_check('X')
**
** begin_sync has turned PRAGMA foreign_keys off, so dropping a parent never
** cascades to its children.  legacy_alter_table keeps the RENAME from
** re-parsing views and triggers that name X while X does not exist.
**
** Names (documented decisions):
** - unnamed index:             <table>_<col1>_<col2>          (Sequelize's scheme)
** - unnamed unique constraint: <table>_<col1>_<col2>_unique
** - unnamed foreign key:       <table>_<col1>_<col2>_fkey
** Unique constraints are created as CREATE UNIQUE INDEX (so ALTER can add
** them without a rebuild) carrying MS_SQLITE_CONSTRAINT_MARK, a comment that
** SQLite keeps in sqlite_master, so introspection reads `constraint` back.
** Foreign keys are written as CONSTRAINT "name" FOREIGN KEY so the name can
** be read back from the CREATE TABLE text.
*/
#include "sqlite_dialect.h"

#include <string.h>

/* What every emitting function needs. */
typedef struct emitter {
  ms_arena *arena;
  ms_plan *plan;
  ms_error *err;
} emitter;

/* ================================================================ names */

/* Appends "_<col>" for every part of an index (expression parts as "expr"). */
static void add_part_names(ms_buf *name, const ms_index *index) {
  size_t i;
  for (i = 0; i < index->n_parts; i++) {
    ms_buf_addc(name, '_');
    ms_buf_add(name, index->parts[i].column != NULL ? index->parts[i].column : "expr");
  }
}

const char *ms_sqlite_index_name(ms_arena *arena, const ms_table *table, const ms_index *index) {
  ms_buf name;
  if (index->name != NULL) return index->name;
  ms_buf_init(&name, arena);
  ms_buf_add(&name, table->name);
  add_part_names(&name, index);
  if (index->unique && index->constraint) ms_buf_add(&name, "_unique");
  return ms_buf_string(&name);
}

const char *ms_sqlite_foreign_key_name(ms_arena *arena, const ms_table *table,
                                       const ms_foreign_key *foreign_key) {
  ms_buf name;
  size_t i;
  if (foreign_key->name != NULL) return foreign_key->name;
  ms_buf_init(&name, arena);
  ms_buf_add(&name, table->name);
  for (i = 0; i < foreign_key->n_columns; i++) {
    ms_buf_addc(&name, '_');
    ms_buf_add(&name, foreign_key->columns[i]);
  }
  ms_buf_add(&name, "_fkey");
  return ms_buf_string(&name);
}

/* ====================================================== SQL fragments */

/* A quoted identifier as an arena string. */
static const char *quoted(ms_arena *arena, const char *name) {
  ms_buf buf;
  ms_buf_init(&buf, arena);
  ms_buf_add_identifier(&buf, name);
  return ms_buf_string(&buf);
}

/* A string literal as an arena string. */
static const char *literal(ms_arena *arena, const char *text) {
  ms_buf buf;
  ms_buf_init(&buf, arena);
  ms_buf_add_literal(&buf, text);
  return ms_buf_string(&buf);
}

/* Whether a default expression is one literal token (string, blob, number
** with an optional sign, NULL, TRUE, FALSE): what ADD COLUMN accepts. */
static int is_constant_default(const char *sql) {
  ms_sqlite_token first, second;
  const char *rest = ms_sqlite_next_token(sql, &first);
  if ((ms_sqlite_token_is_char(&first, '-') || ms_sqlite_token_is_char(&first, '+'))) {
    rest = ms_sqlite_next_token(rest, &first);
    if (first.kind != MS_SQLITE_TOKEN_NUMBER) return 0;
  }
  ms_sqlite_next_token(rest, &second);
  if (second.kind != MS_SQLITE_TOKEN_END) return 0;
  return first.kind == MS_SQLITE_TOKEN_STRING || first.kind == MS_SQLITE_TOKEN_NUMBER ||
         ms_sqlite_token_is(&first, "NULL") || ms_sqlite_token_is(&first, "TRUE") ||
         ms_sqlite_token_is(&first, "FALSE");
}

/* Whether a default may be written after DEFAULT without parentheses: a
** literal, CURRENT_TIMESTAMP/DATE/TIME, or an expression already in them. */
static int default_needs_no_parentheses(const char *sql) {
  ms_sqlite_token first, second;
  const char *rest;
  size_t length = strlen(sql);
  if (is_constant_default(sql)) return 1;
  rest = ms_sqlite_next_token(sql, &first);
  ms_sqlite_next_token(rest, &second);
  if (second.kind == MS_SQLITE_TOKEN_END &&
      (ms_sqlite_token_is(&first, "CURRENT_TIMESTAMP") || ms_sqlite_token_is(&first, "CURRENT_DATE") ||
       ms_sqlite_token_is(&first, "CURRENT_TIME")))
    return 1;
  if (ms_sqlite_token_is_char(&first, '(')) {   /* "(a) + (b)" is not enclosed */
    int depth = 0;
    size_t i;
    const char *start = first.start;
    for (i = 0; start + i < sql + length; i++) {
      ms_sqlite_token token;
      const char *next = ms_sqlite_next_token(start + i, &token);
      if (token.kind == MS_SQLITE_TOKEN_END) break;
      if (ms_sqlite_token_is_char(&token, '(')) depth++;
      if (ms_sqlite_token_is_char(&token, ')') && --depth == 0) {
        ms_sqlite_token after;
        ms_sqlite_next_token(next, &after);
        return after.kind == MS_SQLITE_TOKEN_END;
      }
      i = (size_t)(next - start) - 1;
    }
  }
  return 0;
}

/* Whether the table has exactly one primary key column (written inline). */
static const ms_column *single_primary_key(const ms_table *table) {
  const ms_column *found = NULL;
  size_t i;
  for (i = 0; i < table->n_columns; i++)
    if (table->columns[i].primary_key > 0) {
      if (found != NULL) return NULL;
      found = &table->columns[i];
    }
  return found;
}

/* The column's definition as CREATE TABLE and ADD COLUMN write it. */
static void add_column_definition(ms_buf *sql, const ms_table *table, const ms_column *column) {
  int rowid_key = column->primary_key > 0 && column->auto_increment && single_primary_key(table) == column;
  ms_buf_add_identifier(sql, column->name);
  if (rowid_key) {
    /* SQLite allows AUTOINCREMENT on exactly "INTEGER PRIMARY KEY", which is
    ** the 64-bit rowid: BIGINT and SMALLINT keys are declared INTEGER (the
    ** canonical type of the whole integer family here, so nothing churns). */
    ms_buf_add(sql, " INTEGER");
  } else if (column->native_type != NULL && column->native_type[0] != '\0') {
    ms_buf_addc(sql, ' ');
    ms_buf_add(sql, column->native_type);
  }
  if (column->primary_key > 0 && single_primary_key(table) == column) {
    ms_buf_add(sql, " PRIMARY KEY");
    if (column->auto_increment) ms_buf_add(sql, " AUTOINCREMENT");
  }
  if (column->not_null) ms_buf_add(sql, " NOT NULL");
  if (column->default_sql != NULL && column->generated_sql == NULL) {
    ms_buf_add(sql, " DEFAULT ");
    if (default_needs_no_parentheses(column->default_sql)) {
      ms_buf_add(sql, column->default_sql);
    } else {
      ms_buf_addc(sql, '(');
      ms_buf_add(sql, column->default_sql);
      ms_buf_addc(sql, ')');
    }
  }
  if (column->type != NULL && strcmp(column->type, "ENUM") == 0 && column->n_enum_values > 0) {
    size_t i;
    ms_buf_add(sql, " CHECK (");
    ms_buf_add_identifier(sql, column->name);
    ms_buf_add(sql, " IN (");
    for (i = 0; i < column->n_enum_values; i++) {
      if (i > 0) ms_buf_add(sql, ", ");
      ms_buf_add_literal(sql, column->enum_values[i]);
    }
    ms_buf_add(sql, "))");
  }
  if (column->generated_sql != NULL) {
    ms_buf_addc(sql, ' ');
    ms_buf_add(sql, column->generated_sql);
  }
}

/* REFERENCES "t" ("c") ON DELETE ... ON UPDATE ... (actions only when not NO ACTION). */
static void add_references(ms_buf *sql, const ms_foreign_key *key) {
  size_t i;
  ms_buf_add(sql, "REFERENCES ");
  ms_buf_add_identifier(sql, key->ref_table);
  ms_buf_add(sql, " (");
  for (i = 0; i < key->n_ref_columns; i++) {
    if (i > 0) ms_buf_add(sql, ", ");
    ms_buf_add_identifier(sql, key->ref_columns[i]);
  }
  ms_buf_addc(sql, ')');
  if (key->on_delete != NULL && strcmp(key->on_delete, "NO ACTION") != 0)
    ms_buf_addf(sql, " ON DELETE %s", key->on_delete);
  if (key->on_update != NULL && strcmp(key->on_update, "NO ACTION") != 0)
    ms_buf_addf(sql, " ON UPDATE %s", key->on_update);
}

/* Whether an action string is one SQLite knows (no SQL can be smuggled in). */
static int valid_action(const char *action) {
  static const char *const actions[] = { "CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT",
                                         "NO ACTION", NULL };
  size_t i;
  if (action == NULL) return 1;
  for (i = 0; actions[i] != NULL; i++)
    if (ms_sqlite_same_identifier(action, actions[i])) return 1;
  return 0;
}

/* CREATE TABLE "name" (...) for table: columns, composite primary key,
** checks (already rewritten for the target), foreign keys. */
static const char *create_table_sql(ms_arena *arena, const ms_table *table, const char *name,
                                    const char **checks, size_t n_checks) {
  ms_buf sql;
  size_t i, j, n_primary = 0;
  ms_buf_init(&sql, arena);
  ms_buf_add(&sql, "CREATE TABLE ");
  ms_buf_add_identifier(&sql, name);
  ms_buf_add(&sql, " (");
  for (i = 0; i < table->n_columns; i++) {
    if (i > 0) ms_buf_add(&sql, ", ");
    add_column_definition(&sql, table, &table->columns[i]);
    if (table->columns[i].primary_key > 0) n_primary++;
  }
  if (n_primary > 1) {
    int position;
    ms_buf_add(&sql, ", PRIMARY KEY (");
    for (position = 1; position <= (int)table->n_columns; position++)
      for (j = 0; j < table->n_columns; j++)
        if (table->columns[j].primary_key == position) {
          if (position > 1) ms_buf_add(&sql, ", ");
          ms_buf_add_identifier(&sql, table->columns[j].name);
        }
    ms_buf_addc(&sql, ')');
  }
  for (i = 0; i < n_checks; i++) ms_buf_addf(&sql, ", CHECK (%s)", checks[i]);
  for (i = 0; i < table->n_foreign_keys; i++) {
    const ms_foreign_key *key = &table->foreign_keys[i];
    ms_buf_add(&sql, ", CONSTRAINT ");
    ms_buf_add_identifier(&sql, ms_sqlite_foreign_key_name(arena, table, key));
    ms_buf_add(&sql, " FOREIGN KEY (");
    for (j = 0; j < key->n_columns; j++) {
      if (j > 0) ms_buf_add(&sql, ", ");
      ms_buf_add_identifier(&sql, key->columns[j]);
    }
    ms_buf_add(&sql, ") ");
    add_references(&sql, key);
  }
  ms_buf_addc(&sql, ')');
  return ms_buf_string(&sql);
}

/* CREATE [UNIQUE] INDEX for an index of table (a live index that has its
** statement keeps it as it is). */
static const char *create_index_sql(ms_arena *arena, const ms_table *table, const ms_index *index) {
  ms_buf sql;
  size_t i;
  if (index->definition_sql != NULL) return index->definition_sql;
  ms_buf_init(&sql, arena);
  ms_buf_add(&sql, index->unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ");
  ms_buf_add_identifier(&sql, ms_sqlite_index_name(arena, table, index));
  if (index->unique && index->constraint) ms_buf_add(&sql, " " MS_SQLITE_CONSTRAINT_MARK);
  ms_buf_add(&sql, " ON ");
  ms_buf_add_identifier(&sql, table->name);
  ms_buf_add(&sql, " (");
  for (i = 0; i < index->n_parts; i++) {
    const ms_index_part *part = &index->parts[i];
    if (i > 0) ms_buf_add(&sql, ", ");
    if (part->column != NULL) ms_buf_add_identifier(&sql, part->column);
    else ms_buf_add(&sql, part->expression != NULL ? part->expression : "NULL");
    if (part->descending) ms_buf_add(&sql, " DESC");
  }
  ms_buf_addc(&sql, ')');
  if (index->where != NULL) {
    ms_buf_add(&sql, " WHERE ");
    ms_buf_add(&sql, index->where);
  }
  return ms_buf_string(&sql);
}

/* The statements a createTable step sends for table, exactly as SQLite keeps
** them in sqlite_master (introspect_sqlite.c recognises tables by them). */
const char *ms_sqlite_create_table_sql(ms_arena *arena, const ms_table *table) {
  return create_table_sql(arena, table, table->name, table->checks, table->n_checks);
}

const char *ms_sqlite_create_index_sql(ms_arena *arena, const ms_table *table, const ms_index *index) {
  return create_index_sql(arena, table, index);
}

/* The query counting the rows that would break a unique index on columns of
** table_name (every row of a duplicated group counts; NULLs never clash in
** SQLite); NULL when a part is an expression. */
static const char *duplicate_check_sql(ms_arena *arena, const char *table_name,
                                       const char **columns, size_t n_columns, const char *where) {
  ms_buf sql;
  size_t i;
  for (i = 0; i < n_columns; i++)
    if (columns[i] == NULL) return NULL;
  ms_buf_init(&sql, arena);
  ms_buf_add(&sql, "SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM ");
  ms_buf_add_identifier(&sql, table_name);
  ms_buf_add(&sql, " WHERE ");
  for (i = 0; i < n_columns; i++) {
    if (i > 0) ms_buf_add(&sql, " AND ");
    ms_buf_add_identifier(&sql, columns[i]);
    ms_buf_add(&sql, " IS NOT NULL");
  }
  if (where != NULL) ms_buf_addf(&sql, " AND (%s)", where);
  ms_buf_add(&sql, " GROUP BY ");
  for (i = 0; i < n_columns; i++) {
    if (i > 0) ms_buf_add(&sql, ", ");
    ms_buf_add_identifier(&sql, columns[i]);
  }
  ms_buf_add(&sql, " HAVING count(*) > 1)");
  return ms_buf_string(&sql);
}

/* Column names joined with ", " (what a check names as its column). */
static const char *joined_names(ms_arena *arena, const char **names, size_t n) {
  ms_buf text;
  size_t i;
  ms_buf_init(&text, arena);
  for (i = 0; i < n; i++) {
    if (i > 0) ms_buf_add(&text, ", ");
    ms_buf_add(&text, names[i] != NULL ? names[i] : "?");
  }
  return ms_buf_string(&text);
}

/* The index's column names as an arena array. */
static const char **index_columns(ms_arena *arena, const ms_index *index) {
  const char **columns = ms_alloc(arena, (index->n_parts + 1) * sizeof *columns);
  size_t i;
  for (i = 0; i < index->n_parts; i++) columns[i] = index->parts[i].column;
  return columns;
}

/* ================================================================ steps */

/* The name of the table a change is about. */
static const char *change_table_name(const ms_change *change) {
  if (change->table != NULL) return change->table->name;
  if (change->live != NULL) return change->live->name;
  return NULL;
}

/* The step op for a change kind. */
static const char *change_op(ms_change_kind kind) {
  switch (kind) {
  case MS_CREATE_SCHEMA: return "createSchema";
  case MS_CREATE_TABLE: return "createTable";
  case MS_DROP_TABLE: return "dropTable";
  case MS_ADD_COLUMN: return "addColumn";
  case MS_DROP_COLUMN: return "dropColumn";
  case MS_RENAME_COLUMN: return "renameColumn";
  case MS_ALTER_COLUMN: return "alterColumn";
  case MS_ADD_INDEX: return "addIndex";
  case MS_DROP_INDEX: return "dropIndex";
  case MS_ADD_FOREIGN_KEY: return "addForeignKey";
  case MS_DROP_FOREIGN_KEY: return "dropForeignKey";
  case MS_REPLACE_FOREIGN_KEY: return "replaceForeignKey";
  case MS_SET_TABLE_COMMENT: return "setComment";
  }
  return "unknown";
}

/* The name a change's step is about: column, index or foreign key. */
static const char *change_subject(ms_arena *arena, const ms_change *change) {
  if (change->column != NULL) return change->column->name;
  if (change->live_column != NULL) return change->live_column->name;
  if (change->index != NULL && change->table != NULL)
    return ms_sqlite_index_name(arena, change->table, change->index);
  if (change->live_index != NULL) return change->live_index->name;
  if (change->foreign_key != NULL && change->table != NULL)
    return ms_sqlite_foreign_key_name(arena, change->table, change->foreign_key);
  if (change->live_foreign_key != NULL && change->live != NULL)
    return ms_sqlite_foreign_key_name(arena, change->live, change->live_foreign_key);
  return NULL;
}

/* A new step for a change, its fields filled from the change. */
static ms_step *step_for_change(emitter *out, const char *op, const ms_change *change) {
  ms_step *step = ms_plan_add_step(out->arena, out->plan, op, change);
  step->schema = NULL;
  step->table = change_table_name(change);
  step->column = change_subject(out->arena, change);
  step->risk = change->risk;
  step->skipped = change->skipped;
  step->reason = change->reason;
  return step;
}

/* The table a drop of a live index of live works on. */
static const char *drop_index_sql(ms_arena *arena, const ms_index *index) {
  return ms_printf(arena, "DROP INDEX %s", quoted(arena, index->name));
}

/* Adds CREATE INDEX (and its duplicate check when unique) to step. */
static void add_index_statement(emitter *out, ms_step *step, const ms_table *table,
                                const ms_index *index, int check_duplicates) {
  ms_step_add_sql(out->arena, step, create_index_sql(out->arena, table, index));
  if (check_duplicates && index->unique) {
    const char **columns = index_columns(out->arena, index);
    const char *check = duplicate_check_sql(out->arena, table->name, columns, index->n_parts,
                                            index->where);
    if (check != NULL)
      ms_step_add_check(out->arena, step, check, table->name,
                        joined_names(out->arena, columns, index->n_parts), "hold duplicate values", MS_CHECK_ON_FAILURE);
  }
}

/* createTable: CREATE TABLE with its foreign keys, then its indexes. */
static void emit_create_table(emitter *out, const ms_table *table, const ms_change *change) {
  ms_step *step;
  size_t i;
  if (change != NULL) {
    step = step_for_change(out, "createTable", change);
  } else {
    step = ms_plan_add_step(out->arena, out->plan, "createTable", NULL);
    step->table = table->name;
    step->risk = MS_SAFE;
  }
  step->column = NULL;
  ms_step_add_sql(out->arena, step, create_table_sql(out->arena, table, table->name, table->checks,
                                                     table->n_checks));
  for (i = 0; i < table->n_indexes; i++)
    if (!table->indexes[i].primary)
      add_index_statement(out, step, table, &table->indexes[i], 0);
}

/* dropTable: DROP TABLE IF EXISTS. */
static void emit_drop_table(emitter *out, const ms_table *table, const ms_change *change) {
  ms_step *step;
  if (change != NULL) {
    step = step_for_change(out, "dropTable", change);
  } else {
    step = ms_plan_add_step(out->arena, out->plan, "dropTable", NULL);
    step->table = table->name;
    step->risk = MS_DESTRUCTIVE;
  }
  step->column = NULL;
  ms_step_add_sql(out->arena, step, ms_printf(out->arena, "DROP TABLE IF EXISTS %s",
                                              quoted(out->arena, table->name)));
}

/* ============================================== native or rebuild */

/* The non-skipped DROP_INDEX change of the table diff for live index, if any. */
static int index_dropped_natively(const ms_table_diff *td, const ms_index *index) {
  size_t i;
  for (i = 0; i < td->n_changes; i++) {
    const ms_change *change = &td->changes[i];
    if (change->kind == MS_DROP_INDEX && !change->skipped && change->live_index != NULL &&
        ms_same_name(change->live_index->name, index->name) &&
        change->live_index->definition_sql != NULL)
      return 1;
  }
  return 0;
}

/* Whether the index mentions the column (parts, WHERE, statement text). */
static int index_uses_column(const ms_index *index, const char *column) {
  size_t i;
  for (i = 0; i < index->n_parts; i++)
    if (ms_sqlite_same_identifier(index->parts[i].column, column) ||
        (index->parts[i].expression != NULL &&
         ms_sqlite_text_mentions(index->parts[i].expression, column)))
      return 1;
  return ms_sqlite_text_mentions(index->where, column) ||
         (index->unmanaged && ms_sqlite_text_mentions(index->definition_sql, column));
}

/* Whether ALTER TABLE DROP COLUMN can remove the live column: not in the
** key, no index (unless dropped first), foreign key, CHECK, trigger or
** generated column uses it. */
static int can_drop_natively(const ms_table_diff *td, const ms_column *column) {
  const ms_table *live = td->live;
  size_t i, j;
  if (column->primary_key > 0 || column->generated_sql != NULL) return 0;
  for (i = 0; i < live->n_indexes; i++)
    if (index_uses_column(&live->indexes[i], column->name) &&
        !index_dropped_natively(td, &live->indexes[i]))
      return 0;
  for (i = 0; i < live->n_foreign_keys; i++)
    for (j = 0; j < live->foreign_keys[i].n_columns; j++)
      if (ms_sqlite_same_identifier(live->foreign_keys[i].columns[j], column->name)) return 0;
  for (i = 0; i < live->n_checks; i++)
    if (ms_sqlite_text_mentions(live->checks[i], column->name)) return 0;
  for (i = 0; i < live->n_triggers; i++)
    if (ms_sqlite_text_mentions(live->triggers[i], column->name)) return 0;
  for (i = 0; i < live->n_columns; i++)
    if (live->columns[i].generated_sql != NULL &&
        ms_sqlite_text_mentions(live->columns[i].generated_sql, column->name))
      return 0;
  return 1;
}

/* The desired single-column foreign key on column, if the diff adds it
** (ADD COLUMN can carry it as REFERENCES). */
static const ms_change *added_foreign_key_on(const ms_table_diff *td, const ms_column *column) {
  size_t i;
  for (i = 0; i < td->n_changes; i++) {
    const ms_change *change = &td->changes[i];
    if (change->kind == MS_ADD_FOREIGN_KEY && change->foreign_key != NULL &&
        change->foreign_key->n_columns == 1 &&
        ms_sqlite_same_identifier(change->foreign_key->columns[0], column->name))
      return change;
  }
  return NULL;
}

/* Whether the desired column is part of a desired foreign key other than the
** single-column one an ADD_FOREIGN_KEY change adds. */
static int in_other_foreign_key(const ms_table *table, const ms_column *column,
                                const ms_change *folded) {
  size_t i, j;
  for (i = 0; i < table->n_foreign_keys; i++) {
    const ms_foreign_key *key = &table->foreign_keys[i];
    if (folded != NULL && key->n_columns == 1 &&
        ms_sqlite_same_identifier(key->columns[0], folded->foreign_key->columns[0]))
      continue;
    for (j = 0; j < key->n_columns; j++)
      if (ms_sqlite_same_identifier(key->columns[j], column->name)) return 1;
  }
  return 0;
}

/* Whether ALTER TABLE ADD COLUMN can add the desired column: not a key
** column, nullable or NOT NULL with a non-NULL constant default, no
** CURRENT_* or parenthesised default; a foreign key only as its own
** single-column REFERENCES with no default. */
static int can_add_natively(const ms_table_diff *td, const ms_change *change) {
  const ms_column *column = change->column;
  const ms_change *folded;
  if (column == NULL || column->primary_key > 0 || column->generated_sql != NULL) return 0;
  if (column->default_sql != NULL && !is_constant_default(column->default_sql)) return 0;
  if (column->not_null && (column->default_sql == NULL || column->default_canonical == NULL))
    return 0;
  folded = added_foreign_key_on(td, column);
  if (folded != NULL && folded->skipped) folded = NULL;
  if (change->table != NULL && in_other_foreign_key(change->table, column, folded)) return 0;
  if (folded != NULL && column->default_sql != NULL) return 0;
  return 1;
}

/* Whether the change can be done without rebuilding the table. */
static int can_do_natively(const ms_table_diff *td, const ms_change *change) {
  switch (change->kind) {
  case MS_ADD_COLUMN: return can_add_natively(td, change);
  case MS_DROP_COLUMN: return change->live_column != NULL && can_drop_natively(td, change->live_column);
  case MS_RENAME_COLUMN: return (change->alter & ~MS_ALTER_COMMENT) == 0;
  case MS_ALTER_COLUMN: return (change->alter & ~MS_ALTER_COMMENT) == 0;
  case MS_ADD_INDEX: return 1;
  case MS_DROP_INDEX: return change->live_index != NULL && change->live_index->definition_sql != NULL;
  case MS_ADD_FOREIGN_KEY: {
    size_t i;
    if (change->foreign_key == NULL || change->foreign_key->n_columns != 1) return 0;
    for (i = 0; i < td->n_changes; i++) {
      const ms_change *other = &td->changes[i];
      if (other->kind == MS_ADD_COLUMN && !other->skipped && other->column != NULL &&
          ms_sqlite_same_identifier(other->column->name, change->foreign_key->columns[0]))
        return can_add_natively(td, other);
    }
    return 0;
  }
  case MS_SET_TABLE_COMMENT: return 1;
  default: return 0;
  }
}

/* The statements a change runs natively; a skipped change gets them too
** when it could run natively (plans show what it would do). */
static void add_native_statements(emitter *out, const ms_table_diff *td, const ms_change *change,
                                  ms_step *step) {
  ms_arena *arena = out->arena;
  const char *table = quoted(arena, change_table_name(change));
  switch (change->kind) {
  case MS_ADD_COLUMN: {
    ms_buf sql;
    const ms_change *folded = added_foreign_key_on(td, change->column);
    ms_buf_init(&sql, arena);
    ms_buf_addf(&sql, "ALTER TABLE %s ADD COLUMN ", table);
    add_column_definition(&sql, change->table, change->column);
    if (folded != NULL && !folded->skipped) {
      ms_buf_addc(&sql, ' ');
      add_references(&sql, folded->foreign_key);
    }
    ms_step_add_sql(arena, step, ms_buf_string(&sql));
    break;
  }
  case MS_DROP_COLUMN:
    ms_step_add_sql(arena, step, ms_printf(arena, "ALTER TABLE %s DROP COLUMN %s", table,
                                           quoted(arena, change->live_column->name)));
    break;
  case MS_RENAME_COLUMN:
    ms_step_add_sql(arena, step, ms_printf(arena, "ALTER TABLE %s RENAME COLUMN %s TO %s", table,
                                           quoted(arena, change->live_column->name),
                                           quoted(arena, change->column->name)));
    break;
  case MS_ADD_INDEX:
    add_index_statement(out, step, change->table, change->index, 1);
    break;
  case MS_DROP_INDEX:
    if (change->live_index->definition_sql != NULL)
      ms_step_add_sql(arena, step, drop_index_sql(arena, change->live_index));
    break;
  default:
    break;   /* folded foreign keys, comments: nothing of their own */
  }
}

/* Whether a change produces a step of its own on the native path. */
static int has_native_step(const ms_table_diff *td, const ms_change *change) {
  if (change->kind == MS_SET_TABLE_COMMENT) return 0;
  if (change->kind == MS_ALTER_COLUMN && (change->alter & ~MS_ALTER_COMMENT) == 0) return 0;
  if (change->kind == MS_ADD_FOREIGN_KEY && !change->skipped) return 0;   /* in its ADD COLUMN */
  (void)td;
  return 1;
}

/* A skipped change: its own step, skipped, with the SQL it would run when it
** could run natively. */
static void emit_skipped(emitter *out, const ms_table_diff *td, const ms_change *change) {
  ms_step *step = step_for_change(out, change_op(change->kind), change);
  step->skipped = 1;
  if (change->kind == MS_DROP_TABLE && change->live != NULL)
    ms_step_add_sql(out->arena, step, ms_printf(out->arena, "DROP TABLE IF EXISTS %s",
                                                quoted(out->arena, change->live->name)));
  else if (change->kind != MS_ADD_FOREIGN_KEY && can_do_natively(td, change))
    add_native_statements(out, td, change, step);
  else
    /* Only a rebuild could make it: say so, as a statement-free comment. */
    ms_step_add_sql(out->arena, step,
                    ms_printf(out->arena, "-- needs a rebuild of table \"%s\": %s",
                              change_table_name(change),
                              change->reason ? change->reason : "not applied"));
}

/* The order of the native path: index drops first (a column they cover can
** then be dropped), then column changes in the diff's order, then new indexes. */
static int native_pass(const ms_change *change) {
  if (change->kind == MS_DROP_INDEX) return 0;
  if (change->kind == MS_ADD_INDEX) return 2;
  return 1;
}

/* Emits the changes of an existing table one native step each. */
static void emit_native(emitter *out, const ms_table_diff *td) {
  int pass;
  size_t i;
  for (pass = 0; pass < 3; pass++)
    for (i = 0; i < td->n_changes; i++) {
      const ms_change *change = &td->changes[i];
      if (native_pass(change) != pass) continue;
      if (change->skipped) {
        emit_skipped(out, td, change);
      } else if (has_native_step(td, change)) {
        add_native_statements(out, td, change,
                              step_for_change(out, change_op(change->kind), change));
      }
    }
}

/* ================================================================ rebuild */

/* Where a target column's data comes from in the live table. */
typedef struct column_source {
  const ms_column *target;
  const ms_column *live;      /* NULL: a new column (its default fills it) */
} column_source;

/* The live column a target column is copied from: the one a non-skipped
** rename or alteration names, else the live column of the same name. */
static const ms_column *source_of(const ms_table_diff *td, const ms_column *target) {
  size_t i;
  for (i = 0; i < td->n_changes; i++) {
    const ms_change *change = &td->changes[i];
    if ((change->kind == MS_RENAME_COLUMN || change->kind == MS_ALTER_COLUMN) &&
        !change->skipped && change->column != NULL && change->live_column != NULL &&
        strcmp(change->column->name, target->name) == 0)
      return change->live_column;
    if (change->kind == MS_ADD_COLUMN && !change->skipped && change->column != NULL &&
        strcmp(change->column->name, target->name) == 0)
      return NULL;
  }
  for (i = 0; i < td->live->n_columns; i++)
    if (strcmp(td->live->columns[i].name, target->name) == 0) return &td->live->columns[i];
  for (i = 0; i < td->live->n_columns; i++)
    if (ms_sqlite_same_identifier(td->live->columns[i].name, target->name))
      return &td->live->columns[i];
  return NULL;
}

/* The target column that live column becomes, or NULL when it goes away. */
static const ms_column *destination_of(const column_source *sources, size_t n,
                                       const ms_column *live) {
  size_t i;
  for (i = 0; i < n; i++)
    if (sources[i].live == live) return sources[i].target;
  return NULL;
}

/* sql with every identifier that names a live column renamed to the target
** column it becomes; NULL when it names a live column that goes away. */
static const char *rewrite_for_target(ms_arena *arena, const char *sql, const ms_table *live,
                                      const column_source *sources, size_t n_sources) {
  ms_buf out;
  ms_sqlite_token token;
  const char *p = sql, *copied = sql;
  ms_buf_init(&out, arena);
  for (p = ms_sqlite_next_token(p, &token); token.kind != MS_SQLITE_TOKEN_END;
       p = ms_sqlite_next_token(p, &token)) {
    char *name;
    size_t i;
    if (token.kind != MS_SQLITE_TOKEN_WORD && token.kind != MS_SQLITE_TOKEN_IDENTIFIER) continue;
    name = ms_sqlite_token_name(arena, &token);
    for (i = 0; i < live->n_columns; i++) {
      const ms_column *column = &live->columns[i];
      const ms_column *destination;
      if (!ms_sqlite_same_identifier(column->name, name)) continue;
      destination = destination_of(sources, n_sources, column);
      if (destination == NULL) return NULL;
      if (strcmp(destination->name, column->name) != 0) {
        ms_buf_addn(&out, copied, (size_t)(token.start - copied));
        ms_buf_add_identifier(&out, destination->name);
        copied = token.start + token.length;
      }
      break;
    }
  }
  ms_buf_add(&out, copied);
  return ms_buf_string(&out);
}

/* Whether the target has an index called name. */
static int target_has_index(ms_arena *arena, const ms_table *target, const char *name) {
  size_t i;
  for (i = 0; i < target->n_indexes; i++)
    if (ms_sqlite_same_identifier(ms_sqlite_index_name(arena, target, &target->indexes[i]), name))
      return 1;
  return 0;
}

/* Whether the diff drops the live index for good (a non-skipped drop). */
static int index_dropped(const ms_table_diff *td, const ms_index *index) {
  size_t i;
  for (i = 0; i < td->n_changes; i++) {
    const ms_change *change = &td->changes[i];
    if (change->kind == MS_DROP_INDEX && !change->skipped && change->live_index != NULL &&
        ms_same_name(change->live_index->name, index->name))
      return 1;
  }
  return 0;
}

/* Whether the target already had this unique index live under the same
** name and columns (its rows then cannot hold duplicates). */
static int index_was_live(ms_arena *arena, const ms_table_diff *td, const ms_index *index) {
  size_t i, j;
  const char *name = ms_sqlite_index_name(arena, td->target, index);
  for (i = 0; i < td->live->n_indexes; i++) {
    const ms_index *live = &td->live->indexes[i];
    if (!ms_sqlite_same_identifier(live->name, name) || !live->unique ||
        live->n_parts != index->n_parts || index_dropped(td, live))
      continue;
    for (j = 0; j < index->n_parts; j++)
      if (!ms_same_name(live->parts[j].column, index->parts[j].column)) break;
    if (j == index->n_parts) return 1;
  }
  return 0;
}

/* The checks run before a rebuild: NOT NULL on data that holds NULL,
** ENUM values outside the list, unique indexes over duplicates. */
static void add_rebuild_checks(emitter *out, ms_step *step, const ms_table_diff *td,
                               const column_source *sources, size_t n_sources) {
  ms_arena *arena = out->arena;
  const char *live_name = quoted(arena, td->live->name);
  const char *table = td->target->name;
  size_t i, j;
  for (i = 0; i < n_sources; i++) {
    const ms_column *target = sources[i].target, *live = sources[i].live;
    if (target->generated_sql != NULL) continue;
    if (target->not_null && live == NULL && target->default_sql == NULL)
      ms_step_add_check(arena, step, ms_printf(arena, "SELECT count(*) FROM %s", live_name), table,
                        target->name, "hold NULL", MS_CHECK_ON_FAILURE);
    if (live == NULL) continue;
    if ((target->not_null || target->primary_key > 0) && !live->not_null)
      ms_step_add_check(arena, step, ms_printf(arena, "SELECT count(*) FROM %s WHERE %s IS NULL",
                                               live_name, quoted(arena, live->name)),
                        table, target->name, "hold NULL", MS_CHECK_ON_FAILURE);
    if (strcmp(target->type, "ENUM") == 0 && target->n_enum_values > 0) {
      int same = strcmp(live->type, "ENUM") == 0 && live->n_enum_values <= target->n_enum_values;
      for (j = 0; same && j < live->n_enum_values; j++) {
        size_t k;
        same = 0;
        for (k = 0; k < target->n_enum_values; k++)
          if (strcmp(live->enum_values[j], target->enum_values[k]) == 0) same = 1;
      }
      if (!same) {
        ms_buf sql;
        ms_buf_init(&sql, arena);
        ms_buf_addf(&sql, "SELECT count(*) FROM %s WHERE %s IS NOT NULL AND %s NOT IN (", live_name,
                    quoted(arena, live->name), quoted(arena, live->name));
        for (j = 0; j < target->n_enum_values; j++) {
          if (j > 0) ms_buf_add(&sql, ", ");
          ms_buf_add_literal(&sql, target->enum_values[j]);
        }
        ms_buf_addc(&sql, ')');
        ms_step_add_check(arena, step, ms_buf_string(&sql), table, target->name,
                          "hold values outside the ENUM", MS_CHECK_ON_FAILURE);
      }
    }
  }
  /* A primary key that changes: its columns must be unique. */
  {
    const char **key_columns = ms_alloc(arena, (n_sources + 1) * sizeof *key_columns);
    const char **key_names = ms_alloc(arena, (n_sources + 1) * sizeof *key_names);
    size_t n_key = 0, position;
    int changed = 0;
    for (position = 1; position <= n_sources; position++)
      for (i = 0; i < n_sources; i++)
        if (sources[i].target->primary_key == (int)position) {
          key_columns[n_key] = sources[i].live != NULL ? sources[i].live->name : NULL;
          key_names[n_key++] = sources[i].target->name;
          if (sources[i].live == NULL || sources[i].live->primary_key != (int)position) changed = 1;
        }
    for (i = 0; i < td->live->n_columns; i++)
      if (td->live->columns[i].primary_key > 0 &&
          (destination_of(sources, n_sources, &td->live->columns[i]) == NULL ||
           destination_of(sources, n_sources, &td->live->columns[i])->primary_key == 0))
        changed = 1;
    if (changed && n_key > 0) {
      const char *check = duplicate_check_sql(arena, td->live->name, key_columns, n_key, NULL);
      if (check != NULL)
        ms_step_add_check(arena, step, check, table, joined_names(arena, key_names, n_key),
                          "hold duplicate values", MS_CHECK_ON_FAILURE);
    }
  }
  /* New unique indexes, checked on the live rows. */
  for (i = 0; i < td->target->n_indexes; i++) {
    const ms_index *index = &td->target->indexes[i];
    const char **columns, **names;
    const char *check;
    if (!index->unique || index->where != NULL || index_was_live(arena, td, index)) continue;
    columns = ms_alloc(arena, (index->n_parts + 1) * sizeof *columns);
    names = ms_alloc(arena, (index->n_parts + 1) * sizeof *names);
    for (j = 0; j < index->n_parts; j++) {
      const ms_column *target = index->parts[j].column != NULL
                                    ? ms_table_find_column(td->target, index->parts[j].column)
                                    : NULL;
      size_t k;
      columns[j] = NULL;
      names[j] = index->parts[j].column;
      for (k = 0; target != NULL && k < n_sources; k++)
        if (sources[k].target == target && sources[k].live != NULL)
          columns[j] = sources[k].live->name;
    }
    check = duplicate_check_sql(arena, td->live->name, columns, index->n_parts, NULL);
    if (check != NULL)
      ms_step_add_check(arena, step, check, table, joined_names(arena, names, index->n_parts),
                        "hold duplicate values", MS_CHECK_ON_FAILURE);
  }
}

/* Whether the target table uses AUTOINCREMENT. */
static int uses_autoincrement(const ms_table *table) {
  size_t i;
  if (table->autoincrement) return 1;
  for (i = 0; i < table->n_columns; i++)
    if (table->columns[i].auto_increment && table->columns[i].primary_key > 0) return 1;
  return 0;
}

/* Whether the diff skips the drop of this live index (it then stays). */
static int index_drop_skipped(const ms_table_diff *td, const ms_index *index) {
  size_t i;
  for (i = 0; i < td->n_changes; i++) {
    const ms_change *change = &td->changes[i];
    if (change->kind == MS_DROP_INDEX && change->skipped && change->live_index != NULL &&
        ms_same_name(change->live_index->name, index->name))
      return 1;
  }
  return 0;
}

/* CREATE INDEX for an index of the target after a rebuild.  An index kept
** from the live table (a skipped drop, an unmanaged one) may still name live
** columns: renamed ones are renamed; NULL when it names a column that goes. */
static const char *target_index_sql(ms_arena *arena, const ms_table_diff *td, const ms_index *index,
                                    const column_source *sources) {
  const ms_table *target = td->target;
  ms_index copy;
  size_t i;
  if (index->primary) return NULL;
  if (index->definition_sql != NULL)
    return rewrite_for_target(arena, index->definition_sql, td->live, sources, target->n_columns);
  copy = *index;
  copy.name = ms_sqlite_index_name(arena, target, index);
  copy.parts = ms_alloc(arena, (index->n_parts + 1) * sizeof *copy.parts);
  for (i = 0; i < index->n_parts; i++) {
    copy.parts[i] = index->parts[i];
    if (index->parts[i].column != NULL &&
        ms_table_find_column(target, index->parts[i].column) == NULL) {
      const ms_column *live = ms_table_find_column(td->live, index->parts[i].column);
      const ms_column *destination =
          live != NULL ? destination_of(sources, target->n_columns, live) : NULL;
      if (destination == NULL) return NULL;
      copy.parts[i].column = destination->name;
    }
  }
  if (copy.where != NULL) {
    copy.where = rewrite_for_target(arena, copy.where, td->live, sources, target->n_columns);
    if (copy.where == NULL) return NULL;
  }
  return create_index_sql(arena, target, &copy);
}

/* One rebuildTable step that applies every non-skipped change of the table
** diff; skipped changes follow as skipped steps. */
static void emit_rebuild(emitter *out, const ms_table_diff *td) {
  ms_arena *arena = out->arena;
  const ms_table *target = td->target, *live = td->live;
  const char *old_name = quoted(arena, live->name);
  const char *new_bare = ms_printf(arena, "new_%s", live->name);
  const char *new_name = quoted(arena, new_bare);
  column_source *sources = ms_alloc(arena, (target->n_columns + 1) * sizeof *sources);
  const char **kept_checks;
  const char **source_checks = target->n_checks > 0 ? target->checks : live->checks;
  size_t n_source_checks = target->n_checks > 0 ? target->n_checks : live->n_checks;
  size_t n_kept = 0, i;
  const char *const *triggers = target->n_triggers > 0 ? target->triggers : live->triggers;
  size_t n_triggers = target->n_triggers > 0 ? target->n_triggers : live->n_triggers;
  ms_buf insert, select;
  int copied = 0;
  ms_step *step = ms_plan_add_step(arena, out->plan, "rebuildTable", NULL);
  ms_buf reason;

  step->schema = NULL;
  step->table = target->name;
  step->column = NULL;
  step->risk = MS_SAFE;
  ms_buf_init(&reason, arena);
  ms_buf_add(&reason, "SQLite cannot make this change in place: the table is rebuilt");
  for (i = 0; i < td->n_changes; i++) {
    const ms_change *change = &td->changes[i];
    if (change->skipped) continue;
    if (change->risk > step->risk) step->risk = change->risk;
    if (change->reason != NULL) ms_buf_addf(&reason, "; %s", change->reason);
  }
  step->reason = ms_buf_string(&reason);
  out->plan->needs_rebuild = 1;

  for (i = 0; i < target->n_columns; i++) {
    sources[i].target = &target->columns[i];
    sources[i].live = source_of(td, &target->columns[i]);
  }
  add_rebuild_checks(out, step, td, sources, target->n_columns);

  kept_checks = ms_alloc(arena, (n_source_checks + 1) * sizeof *kept_checks);
  for (i = 0; i < n_source_checks; i++) {
    const char *check = rewrite_for_target(arena, source_checks[i], live, sources, target->n_columns);
    if (check != NULL) kept_checks[n_kept++] = check;
  }
  ms_step_add_sql(arena, step, create_table_sql(arena, target, new_bare, kept_checks, n_kept));

  ms_buf_init(&insert, arena);
  ms_buf_init(&select, arena);
  for (i = 0; i < target->n_columns; i++) {
    if (sources[i].live == NULL || sources[i].target->generated_sql != NULL) continue;
    if (copied++ > 0) {
      ms_buf_add(&insert, ", ");
      ms_buf_add(&select, ", ");
    }
    ms_buf_add_identifier(&insert, sources[i].target->name);
    ms_buf_add_identifier(&select, sources[i].live->name);
  }
  if (copied > 0)
    ms_step_add_sql(arena, step, ms_printf(arena, "INSERT INTO %s (%s) SELECT %s FROM %s", new_name,
                                           insert.data, select.data, old_name));
  if (uses_autoincrement(target)) {
    /* DROP TABLE removes X's sqlite_sequence row and RENAME carries new_X's
    ** over: so new_X takes X's value before the drop. */
    ms_step_add_sql(arena, step, ms_printf(arena, "DELETE FROM sqlite_sequence WHERE name = %s",
                                           literal(arena, new_bare)));
    ms_step_add_sql(arena, step,
                    ms_printf(arena, "INSERT INTO sqlite_sequence (name, seq) SELECT %s, seq "
                              "FROM sqlite_sequence WHERE name = %s",
                              literal(arena, new_bare), literal(arena, live->name)));
  }
  ms_step_add_sql(arena, step, ms_printf(arena, "DROP TABLE %s", old_name));
  ms_step_add_sql(arena, step, "PRAGMA legacy_alter_table = ON");
  ms_step_add_sql(arena, step, ms_printf(arena, "ALTER TABLE %s RENAME TO %s", new_name,
                                         quoted(arena, target->name)));
  ms_step_add_sql(arena, step, "PRAGMA legacy_alter_table = OFF");

  for (i = 0; i < target->n_indexes; i++) {
    const char *sql = target_index_sql(arena, td, &target->indexes[i], sources);
    if (sql != NULL) ms_step_add_sql(arena, step, sql);
  }
  /* Live indexes the model does not declare but that stay: unmanaged ones
  ** and those whose drop is skipped. */
  for (i = 0; i < live->n_indexes; i++) {
    const ms_index *index = &live->indexes[i];
    const char *sql;
    if (index->primary || target_has_index(arena, target, index->name) || index_dropped(td, index))
      continue;
    if (!index->unmanaged && !index_drop_skipped(td, index)) continue;
    sql = create_index_sql(arena, live, index);
    sql = rewrite_for_target(arena, sql, live, sources, target->n_columns);
    if (sql != NULL) ms_step_add_sql(arena, step, sql);
  }
  for (i = 0; i < n_triggers; i++) ms_step_add_sql(arena, step, triggers[i]);
  ms_step_add_check(arena, step,
                    ms_printf(arena, "SELECT count(*) FROM pragma_foreign_key_check(%s)",
                              literal(arena, target->name)),
                    target->name, NULL, "violate a foreign key", MS_CHECK_AFTER);

  for (i = 0; i < td->n_changes; i++)
    if (td->changes[i].skipped) emit_skipped(out, td, &td->changes[i]);
}

/* The table diff's change of kind, if any. */
static const ms_change *find_change(const ms_table_diff *td, ms_change_kind kind) {
  size_t i;
  for (i = 0; i < td->n_changes; i++)
    if (td->changes[i].kind == kind) return &td->changes[i];
  return NULL;
}

/* Checks what a desired table carries that SQL text is built from without
** quoting: foreign key actions. */
static int validate_table(emitter *out, const ms_table *table) {
  size_t i;
  if (table == NULL) return MS_OK;
  for (i = 0; i < table->n_foreign_keys; i++) {
    const ms_foreign_key *key = &table->foreign_keys[i];
    if (!valid_action(key->on_delete) || !valid_action(key->on_update)) {
      ms_error_set(out->err, MS_E_DEFINITION, "%s: bad foreign key action '%s'", table->name,
                   !valid_action(key->on_delete) ? key->on_delete : key->on_update);
      out->err->table = ms_strdup(out->err->arena, table->name);
      return MS_ERROR;
    }
  }
  return MS_OK;
}

/* Emits every change of one table diff. */
static int emit_table(emitter *out, const ms_table_diff *given) {
  const ms_table *target = given->target != NULL ? given->target : given->desired;
  ms_table_diff copy = *given;
  const ms_table_diff *td = &copy;
  size_t i;
  int rebuild = 0;
  copy.target = target;
  if (validate_table(out, target) != MS_OK) return MS_ERROR;
  if (td->force) {
    const ms_change *drop = find_change(td, MS_DROP_TABLE);
    const ms_change *create = find_change(td, MS_CREATE_TABLE);
    if (td->live != NULL || drop != NULL)
      emit_drop_table(out, td->live != NULL ? td->live : target, drop);
    if (target != NULL) emit_create_table(out, target, create);
    return MS_OK;
  }
  if (td->live == NULL) {
    const ms_change *create = find_change(td, MS_CREATE_TABLE);
    if (create != NULL && create->skipped) {
      emit_skipped(out, td, create);
      return MS_OK;
    }
    if (target != NULL && (create != NULL || td->n_changes == 0 || td->desired != NULL))
      emit_create_table(out, target, create);
    return MS_OK;
  }
  for (i = 0; i < td->n_changes; i++) {
    const ms_change *change = &td->changes[i];
    if (change->kind == MS_DROP_TABLE) {
      if (change->skipped) emit_skipped(out, td, change);
      else emit_drop_table(out, td->live, change);
      return MS_OK;
    }
    if (change->skipped) continue;
    if (!can_do_natively(td, change)) rebuild = 1;
  }
  if (rebuild && target != NULL) {
    emit_rebuild(out, td);
  } else {
    emit_native(out, td);
  }
  return MS_OK;
}

int ms_sqlite_emit(ms_arena *arena, const ms_diff *diff, ms_plan *out_plan, ms_error *err) {
  emitter out;
  size_t i;
  out.arena = arena;
  out.plan = out_plan;
  out.err = err;
  /* diff->schema_changes: SQLite has no schemas (has_schemas = 0); nothing to do. */
  for (i = 0; i < diff->n_tables; i++)
    if (emit_table(&out, &diff->tables[i]) != MS_OK) return MS_ERROR;
  return MS_OK;
}
