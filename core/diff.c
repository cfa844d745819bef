/*
** diff.c: desired schema vs live schema -> the changes that close the gap.
**
** The diff decides *what* changes and how risky each change is; it knows
** nothing of SQL.  Types and defaults arrive as canonical strings made by the
** dialect on both sides, so comparing them is comparing strings.  The emitter
** of each dialect then decides *how* (native ALTER, rebuild, ...).
**
** Policy (DESIGN §4):
**   - a missing table is created; with alter, an existing one is compared;
**     without alter only its missing indexes are added;
**   - destructive changes and removals of what no model declares are listed
**     but skipped unless drop is set;
**   - tables no model declares are never looked at.
*/
#include <stdlib.h>
#include <string.h>

#include "ms.h"

/* A growable array of changes for one table. */
typedef struct change_list {
  ms_change *items;
  size_t count, capacity;
} change_list;

/* Appends a zeroed change of the given kind and returns it. */
static ms_change *add_change(ms_arena *arena, change_list *list, ms_change_kind kind,
                             const ms_table *table, const ms_table *live) {
  ms_change *change;
  list->items = ms_grow(arena, list->items, list->count, &list->capacity, sizeof *list->items);
  change = &list->items[list->count++];
  memset(change, 0, sizeof *change);
  change->kind = kind;
  change->table = table;
  change->live = live;
  return change;
}

/* ------------------------------------------------------------ comparisons */

/* NULL and "NO ACTION" are the same foreign key action. */
static const char *action_or_default(const char *action) {
  return action == NULL ? "NO ACTION" : action;
}

static int same_action(const char *a, const char *b) {
  return strcmp(action_or_default(a), action_or_default(b)) == 0;
}

/* Whether two name lists are equal, in order. */
static int same_names(const char **a, size_t na, const char **b, size_t nb) {
  size_t i;
  if (na != nb) return 0;
  for (i = 0; i < na; i++)
    if (strcmp(a[i], b[i]) != 0) return 0;
  return 1;
}

/* Index access methods: NULL means the default, which is BTREE. */
static int same_method(const char *a, const char *b) {
  return strcmp(a ? a : "BTREE", b ? b : "BTREE") == 0;
}

/* Whether two indexes mean the same thing: names aside. */
static int same_index_definition(const ms_index *a, const ms_index *b) {
  size_t i;
  if (!a->unique != !b->unique || a->n_parts != b->n_parts) return 0;
  if (!ms_same_name(a->where, b->where) || !same_method(a->method, b->method)) return 0;
  for (i = 0; i < a->n_parts; i++) {
    const ms_index_part *p = &a->parts[i], *q = &b->parts[i];
    if (p->column == NULL || q->column == NULL) return 0;
    if (strcmp(p->column, q->column) != 0 || !p->descending != !q->descending) return 0;
  }
  return 1;
}

/* The table a foreign key points at, with its schema made explicit. */
static const char *reference_schema(const ms_table *table, const ms_foreign_key *fk) {
  return fk->ref_schema != NULL ? fk->ref_schema : table->schema;
}

/* Whether two foreign keys on the same columns point at the same place with
** the same actions. */
static int same_foreign_key(const ms_table *desired_table, const ms_foreign_key *desired,
                            const ms_table *live_table, const ms_foreign_key *live) {
  return ms_same_name(reference_schema(desired_table, desired), reference_schema(live_table, live))
      && strcmp(desired->ref_table, live->ref_table) == 0
      && same_names(desired->ref_columns, desired->n_ref_columns, live->ref_columns, live->n_ref_columns)
      && same_action(desired->on_delete, live->on_delete)
      && same_action(desired->on_update, live->on_update);
}

/* Whether the ENUM values only grew, keeping the live values' order. */
static int enum_values_only_added(const ms_column *live, const ms_column *desired) {
  size_t i, j = 0;
  for (i = 0; i < live->n_enum_values; i++) {
    while (j < desired->n_enum_values && strcmp(desired->enum_values[j], live->enum_values[i]) != 0) j++;
    if (j == desired->n_enum_values) return 0;
    j++;
  }
  return 1;
}

/* Whether a column is an ENUM whose value list differs from another's. */
static int enum_values_differ(const ms_column *a, const ms_column *b) {
  return strcmp(a->type, "ENUM") == 0 && strcmp(b->type, "ENUM") == 0
      && !same_names(a->enum_values, a->n_enum_values, b->enum_values, b->n_enum_values);
}

static ms_risk max_risk(ms_risk a, ms_risk b) {
  return a > b ? a : b;
}

/* The MS_ALTER_* flags for a desired column against its live column. */
static unsigned column_differences(const ms_dialect *dialect, const ms_column *desired,
                                   const ms_column *live) {
  unsigned flags = 0;
  if (strcmp(desired->type, live->type) != 0) flags |= MS_ALTER_TYPE;
  else if (enum_values_differ(desired, live)) flags |= MS_ALTER_ENUM;
  if (!desired->not_null != !live->not_null) flags |= MS_ALTER_NULL;
  if (!desired->auto_increment != !live->auto_increment) flags |= MS_ALTER_AUTOINC;
  if (desired->primary_key != live->primary_key) flags |= MS_ALTER_PRIMARY;
  /* An identity/autoincrement column's default belongs to the mechanism. */
  if (!(desired->auto_increment && live->auto_increment)
      && !ms_same_name(desired->default_canonical, live->default_canonical))
    flags |= MS_ALTER_DEFAULT;
  if (dialect->has_comments && !ms_same_name(desired->comment, live->comment))
    flags |= MS_ALTER_COMMENT;
  return flags;
}

/* Risk and explanation of altering `live` into `desired` with `flags`. */
static ms_risk column_change_risk(ms_arena *arena, const ms_column *desired, const ms_column *live,
                                  unsigned flags, const char **reason) {
  ms_risk risk = MS_SAFE;
  *reason = NULL;
  if (flags & MS_ALTER_TYPE) {
    ms_risk type_risk = ms_type_change_risk(live->type, desired->type);
    if (type_risk == MS_DESTRUCTIVE)
      *reason = ms_printf(arena, "%s -> %s may change stored values", live->type, desired->type);
    else if (type_risk == MS_DATA_DEPENDENT)
      *reason = ms_printf(arena, "%s -> %s fails if a stored value does not convert",
                          live->type, desired->type);
    risk = max_risk(risk, type_risk);
  }
  if (flags & MS_ALTER_ENUM) {
    if (!enum_values_only_added(live, desired)) {
      risk = max_risk(risk, MS_DATA_DEPENDENT);
      if (*reason == NULL) *reason = "ENUM values removed or reordered: fails if a row holds one";
    }
  }
  if ((flags & MS_ALTER_NULL) && desired->not_null) {
    risk = max_risk(risk, MS_DATA_DEPENDENT);
    if (*reason == NULL) *reason = "NOT NULL fails if a row holds NULL";
  }
  if (flags & MS_ALTER_PRIMARY) {
    risk = max_risk(risk, MS_DATA_DEPENDENT);
    if (*reason == NULL) *reason = "primary key change fails on duplicate or NULL keys";
  }
  return risk;
}

/* ------------------------------------------------------------- the target */

/* Appends one item to an arena array of `size`-byte elements. */
static void *append_item(ms_arena *arena, void *array, size_t *count, size_t size, const void *item) {
  char *grown = ms_alloc(arena, (*count + 1) * size);
  if (*count) memcpy(grown, array, *count * size);
  memcpy(grown + *count * size, item, size);
  (*count)++;
  return grown;
}

/* Builds the table as it must be after the applied changes (see ms.h). */
static const ms_table *build_target(ms_arena *arena, const ms_table *desired, const ms_table *live,
                                    const ms_change *changes, size_t n_changes) {
  ms_table *target = ms_alloc(arena, sizeof *target);
  size_t i;
  *target = *desired;
  target->columns = ms_alloc(arena, (desired->n_columns ? desired->n_columns : 1) * sizeof *target->columns);
  if (desired->n_columns) memcpy(target->columns, desired->columns, desired->n_columns * sizeof *target->columns);
  target->indexes = ms_alloc(arena, (desired->n_indexes ? desired->n_indexes : 1) * sizeof *target->indexes);
  if (desired->n_indexes) memcpy(target->indexes, desired->indexes, desired->n_indexes * sizeof *target->indexes);
  target->foreign_keys = ms_alloc(arena, (desired->n_foreign_keys ? desired->n_foreign_keys : 1) * sizeof *target->foreign_keys);
  if (desired->n_foreign_keys) memcpy(target->foreign_keys, desired->foreign_keys, desired->n_foreign_keys * sizeof *target->foreign_keys);
  if (live == NULL) return target;

  target->checks = live->checks;
  target->n_checks = live->n_checks;
  target->triggers = live->triggers;
  target->n_triggers = live->n_triggers;
  target->create_sql = NULL;
  for (i = 0; i < n_changes; i++) {
    const ms_change *c = &changes[i];
    if (!c->skipped) continue;
    switch (c->kind) {
    case MS_DROP_COLUMN:
      target->columns = append_item(arena, target->columns, &target->n_columns,
                                    sizeof *target->columns, c->live_column);
      break;
    case MS_ALTER_COLUMN: {
      /* Keep the live definition under the desired name. */
      ms_column *column = ms_table_find_column(target, c->column->name);
      if (column != NULL) {
        const char *name = column->name;
        const char **renamed_from = column->renamed_from;
        size_t n_renamed_from = column->n_renamed_from;
        *column = *c->live_column;
        column->name = name;
        column->renamed_from = renamed_from;
        column->n_renamed_from = n_renamed_from;
      }
      break;
    }
    case MS_DROP_INDEX:
      target->indexes = append_item(arena, target->indexes, &target->n_indexes,
                                    sizeof *target->indexes, c->live_index);
      break;
    case MS_DROP_FOREIGN_KEY:
      target->foreign_keys = append_item(arena, target->foreign_keys, &target->n_foreign_keys,
                                         sizeof *target->foreign_keys, c->live_foreign_key);
      break;
    default:
      break;
    }
  }
  for (i = 0; i < live->n_indexes; i++)
    if (live->indexes[i].unmanaged && !live->indexes[i].primary)
      target->indexes = append_item(arena, target->indexes, &target->n_indexes,
                                    sizeof *target->indexes, &live->indexes[i]);
  for (i = 0; i < target->n_columns; i++)
    if (target->columns[i].auto_increment && target->columns[i].primary_key) target->autoincrement = 1;
  return target;
}

/* -------------------------------------------------------- table comparison */

/* Marks a change skipped when the options do not allow it. */
static void apply_policy(ms_change *change, const ms_diff_options *options, int is_removal) {
  if (options->drop) return;
  if (is_removal) {
    change->skipped = 1;
    if (change->reason == NULL)
      change->reason = "not in the model: alter = { drop = true } removes it";
  } else if (change->risk == MS_DESTRUCTIVE) {
    change->skipped = 1;
  }
}

/* Gives a skipped destructive change a reason that says how to apply it. */
static void explain_skip(ms_arena *arena, ms_change *change) {
  if (change->skipped && change->risk == MS_DESTRUCTIVE && change->kind != MS_DROP_COLUMN
      && change->kind != MS_DROP_INDEX && change->kind != MS_DROP_FOREIGN_KEY)
    change->reason = ms_printf(arena, "destructive (%s): alter = { drop = true } applies it",
                               change->reason ? change->reason : "may lose data");
}

/* Finds the live column a desired column continues: same name, else the
** first of its former names that the model does not use any more.  The
** column at the same position is tried first: it is nearly always the one,
** and a wide table then costs one comparison per column, not a scan. */
static const ms_column *matching_live_column(const ms_table *desired, const ms_table *live,
                                             size_t position, int *renamed) {
  const ms_column *column = &desired->columns[position];
  const ms_column *found;
  size_t i;
  *renamed = 0;
  if (position < live->n_columns && strcmp(live->columns[position].name, column->name) == 0)
    return &live->columns[position];
  found = ms_table_find_column(live, column->name);
  if (found != NULL) return found;
  for (i = 0; i < column->n_renamed_from; i++) {
    const char *old = column->renamed_from[i];
    if (ms_table_find_column(desired, old) == NULL && (found = ms_table_find_column(live, old)) != NULL) {
      *renamed = 1;
      return found;
    }
  }
  return NULL;
}

/* The live index a desired index is the same as, if any. */
static const ms_index *matching_live_index(const ms_table *live, const ms_index *index) {
  size_t i;
  for (i = 0; i < live->n_indexes; i++) {
    const ms_index *candidate = &live->indexes[i];
    if (candidate->primary || candidate->unmanaged) continue;
    if (same_index_definition(index, candidate)) return candidate;
  }
  return NULL;
}

/* The live foreign key on exactly the same columns, if any. */
static const ms_foreign_key *matching_live_foreign_key(const ms_table *live, const ms_foreign_key *fk) {
  size_t i;
  for (i = 0; i < live->n_foreign_keys; i++)
    if (same_names(fk->columns, fk->n_columns, live->foreign_keys[i].columns, live->foreign_keys[i].n_columns))
      return &live->foreign_keys[i];
  return NULL;
}

/* Compares one existing table with its model, appending changes in the order
** an emitter must apply them. */
static void compare_table(ms_arena *arena, const ms_dialect *dialect, const ms_table *desired,
                          const ms_table *live, const ms_diff_options *options, change_list *out) {
  size_t i, j;
  ms_change *c;
  const ms_column **sources;          /* the live column each desired column continues */
  int *renamed;
  char *kept;                         /* live columns some desired column continues */

  /* Indexes only, for a plain sync; one on a column the table does not have
  ** yet waits (skipped) for the alter that adds the column. */
  if (!options->alter) {
    for (i = 0; i < desired->n_indexes; i++) {
      const ms_index *index = &desired->indexes[i];
      const char *missing = NULL;
      if (matching_live_index(live, index) != NULL) continue;
      for (j = 0; j < index->n_parts && missing == NULL; j++)
        if (index->parts[j].column != NULL && ms_table_find_column(live, index->parts[j].column) == NULL)
          missing = index->parts[j].column;
      c = add_change(arena, out, MS_ADD_INDEX, desired, live);
      c->index = index;
      c->risk = index->unique ? MS_DATA_DEPENDENT : MS_SAFE;
      if (c->risk) c->reason = "a unique index fails if rows hold duplicate values";
      if (missing != NULL) {
        c->skipped = 1;
        c->reason = ms_printf(arena, "column \"%s\" does not exist yet: sync{ alter = true } adds it", missing);
      }
    }
    return;
  }

  sources = ms_alloc(arena, (desired->n_columns + 1) * sizeof *sources);
  renamed = ms_alloc(arena, (desired->n_columns + 1) * sizeof *renamed);
  kept = ms_alloc(arena, live->n_columns + 1);
  for (i = 0; i < desired->n_columns; i++) {
    sources[i] = matching_live_column(desired, live, i, &renamed[i]);
    if (sources[i] != NULL) kept[sources[i] - live->columns] = 1;
  }

  /* 1. Renames. */
  for (i = 0; i < desired->n_columns; i++) {
    if (sources[i] != NULL && renamed[i]) {
      c = add_change(arena, out, MS_RENAME_COLUMN, desired, live);
      c->column = &desired->columns[i];
      c->live_column = sources[i];
      c->risk = MS_SAFE;
    }
  }
  /* 2. Foreign keys that go away or change. */
  for (i = 0; i < live->n_foreign_keys; i++) {
    const ms_foreign_key *lfk = &live->foreign_keys[i];
    int declared = 0;
    for (j = 0; j < desired->n_foreign_keys; j++)
      if (same_names(desired->foreign_keys[j].columns, desired->foreign_keys[j].n_columns,
                     lfk->columns, lfk->n_columns)) declared = 1;
    if (declared) continue;
    c = add_change(arena, out, MS_DROP_FOREIGN_KEY, desired, live);
    c->live_foreign_key = lfk;
    c->risk = MS_SAFE;
    apply_policy(c, options, 1);
  }
  /* 3. Indexes that no model declares, and indexes the model redefines under
  **    the same name (the old one must go first: not a removal, a replacement). */
  for (i = 0; i < live->n_indexes; i++) {
    const ms_index *lix = &live->indexes[i];
    int declared = 0, renamed_over = 0;
    if (lix->primary || lix->unmanaged) continue;
    for (j = 0; j < desired->n_indexes; j++) {
      if (same_index_definition(&desired->indexes[j], lix)) declared = 1;
      else if (ms_same_name(desired->indexes[j].name, lix->name)) renamed_over = 1;
    }
    if (declared) continue;
    c = add_change(arena, out, MS_DROP_INDEX, desired, live);
    c->live_index = lix;
    c->risk = MS_SAFE;
    if (renamed_over) c->reason = "the model redefines this index under the same name";
    else apply_policy(c, options, 1);
  }
  /* 4. Columns that no model declares. */
  for (i = 0; i < live->n_columns; i++) {
    const ms_column *lcol = &live->columns[i];
    if (kept[i]) continue;
    c = add_change(arena, out, MS_DROP_COLUMN, desired, live);
    c->live_column = lcol;
    c->risk = MS_DESTRUCTIVE;
    c->reason = NULL;
    apply_policy(c, options, 1);
    if (c->skipped)
      c->reason = "column not in the model: alter = { drop = true } drops it with its data";
  }
  /* 5. New columns, 6. changed columns. */
  for (i = 0; i < desired->n_columns; i++) {
    const ms_column *column = &desired->columns[i];
    if (sources[i] == NULL) {
      c = add_change(arena, out, MS_ADD_COLUMN, desired, live);
      c->column = column;
      if (column->not_null && column->default_canonical == NULL && !column->auto_increment) {
        c->risk = MS_DATA_DEPENDENT;
        c->reason = "NOT NULL without a default fails if the table has rows";
      } else if (column->primary_key) {
        c->risk = MS_DATA_DEPENDENT;
        c->reason = "a new primary key column fails if the table has rows";
      } else {
        c->risk = MS_SAFE;
      }
    }
  }
  for (i = 0; i < desired->n_columns; i++) {
    const ms_column *column = &desired->columns[i];
    const ms_column *from = sources[i];
    unsigned flags;
    if (from == NULL) continue;
    flags = column_differences(dialect, column, from);
    if (flags == 0) continue;
    c = add_change(arena, out, MS_ALTER_COLUMN, desired, live);
    c->column = column;
    c->live_column = from;
    c->alter = flags;
    c->risk = column_change_risk(arena, column, from, flags, &c->reason);
    apply_policy(c, options, 0);
    explain_skip(arena, c);
  }
  /* 7. New indexes. */
  for (i = 0; i < desired->n_indexes; i++) {
    if (matching_live_index(live, &desired->indexes[i]) != NULL) continue;
    c = add_change(arena, out, MS_ADD_INDEX, desired, live);
    c->index = &desired->indexes[i];
    c->risk = desired->indexes[i].unique ? MS_DATA_DEPENDENT : MS_SAFE;
    if (c->risk) c->reason = "a unique index fails if rows hold duplicate values";
  }
  /* 8. New and changed foreign keys. */
  for (i = 0; i < desired->n_foreign_keys; i++) {
    const ms_foreign_key *fk = &desired->foreign_keys[i];
    const ms_foreign_key *lfk = matching_live_foreign_key(live, fk);
    if (lfk != NULL && same_foreign_key(desired, fk, live, lfk)) continue;
    c = add_change(arena, out, lfk ? MS_REPLACE_FOREIGN_KEY : MS_ADD_FOREIGN_KEY, desired, live);
    c->foreign_key = fk;
    c->live_foreign_key = lfk;
    c->risk = MS_DATA_DEPENDENT;
    c->reason = "fails if a row references a missing key";
  }
  /* 9. The table's comment. */
  if (dialect->has_comments && !ms_same_name(desired->comment, live->comment)) {
    c = add_change(arena, out, MS_SET_TABLE_COMMENT, desired, live);
    c->risk = MS_SAFE;
  }
}

/* ------------------------------------------------------------ table index */

/* Tables sorted by (name, schema), for binary search: with a thousand
** tables, linear lookups would cost a million string comparisons a diff. */
typedef struct table_entry {
  const char *schema, *name;
  size_t position;              /* index in the schema's tables */
} table_entry;

typedef struct table_index {
  table_entry *entries;
  size_t count;
} table_index;

/* Orders entries by name, then schema (NULL first). */
static int compare_entries(const void *a, const void *b) {
  const table_entry *x = a, *y = b;
  int order = strcmp(x->name, y->name);
  if (order != 0) return order;
  if (x->schema == NULL || y->schema == NULL) return (x->schema != NULL) - (y->schema != NULL);
  return strcmp(x->schema, y->schema);
}

/* Builds the sorted index of a schema's tables. */
static table_index index_tables(ms_arena *arena, const ms_schema *schema) {
  table_index index;
  size_t i;
  index.count = schema->n_tables;
  index.entries = ms_alloc(arena, (index.count + 1) * sizeof *index.entries);
  for (i = 0; i < index.count; i++) {
    index.entries[i].schema = schema->tables[i].schema;
    index.entries[i].name = schema->tables[i].name;
    index.entries[i].position = i;
  }
  qsort(index.entries, index.count, sizeof *index.entries, compare_entries);
  return index;
}

/* The position of table schema.name in the indexed schema, or (size_t)-1. */
static size_t find_position(const table_index *index, const char *schema, const char *name) {
  table_entry key;
  const table_entry *found;
  key.schema = schema;
  key.name = name;
  key.position = 0;
  found = bsearch(&key, index->entries, index->count, sizeof key, compare_entries);
  return found ? found->position : (size_t)-1;
}

/* --------------------------------------------------------------- ordering */

/* Orders the desired tables parents first (Kahn's algorithm; a cycle is
** broken by taking the first remaining table in declaration order, which is
** safe because every emitter can create foreign keys after the tables). */
static size_t *dependency_order(ms_arena *arena, const ms_schema *desired, const table_index *index) {
  size_t n = desired->n_tables, placed = 0, i, j, scan = 0;
  size_t *order = ms_alloc(arena, (n + 1) * sizeof *order);
  char *done = ms_alloc(arena, n + 1);
  size_t *pending = ms_alloc(arena, (n + 1) * sizeof *pending);   /* unplaced parents */
  size_t *first_child = ms_alloc(arena, (n + 1) * sizeof *first_child);
  size_t *edge_child, *edge_next, n_edges = 0, total = 0;

  for (i = 0; i < n; i++) total += desired->tables[i].n_foreign_keys;
  edge_child = ms_alloc(arena, (total + 1) * sizeof *edge_child);
  edge_next = ms_alloc(arena, (total + 1) * sizeof *edge_next);
  for (i = 0; i < n; i++) first_child[i] = (size_t)-1;
  /* One edge parent -> child per distinct referenced table. */
  for (i = 0; i < n; i++) {
    const ms_table *t = &desired->tables[i];
    for (j = 0; j < t->n_foreign_keys; j++) {
      const ms_foreign_key *fk = &t->foreign_keys[j];
      size_t parent = find_position(index, reference_schema(t, fk), fk->ref_table), k;
      int seen = 0;
      if (parent == (size_t)-1 || parent == i) continue;
      for (k = 0; k < j && !seen; k++) {
        const ms_foreign_key *earlier = &t->foreign_keys[k];
        seen = ms_same_name(reference_schema(t, earlier), reference_schema(t, fk))
            && strcmp(earlier->ref_table, fk->ref_table) == 0;
      }
      if (seen) continue;
      edge_child[n_edges] = i;
      edge_next[n_edges] = first_child[parent];
      first_child[parent] = n_edges++;
      pending[i]++;
    }
  }
  while (placed < n) {
    size_t pick = n, edge;
    /* The first ready table in declaration order; `scan` skips placed ones. */
    while (scan < n && done[scan]) scan++;
    for (i = scan; i < n && pick == n; i++)
      if (!done[i] && pending[i] == 0) pick = i;
    if (pick == n) pick = scan;                      /* a cycle: break it */
    done[pick] = 1;
    order[placed++] = pick;
    for (edge = first_child[pick]; edge != (size_t)-1; edge = edge_next[edge])
      if (!done[edge_child[edge]]) pending[edge_child[edge]]--;
  }
  return order;
}

/* ------------------------------------------------------------- validation */

/* Checks that every foreign key of the desired schema points at a table and
** columns that exist on the desired or the live side. */
static int validate_references(const ms_schema *desired, const table_index *desired_index,
                               const ms_schema *live, const table_index *live_index, ms_error *err) {
  size_t i, j, k;
  for (i = 0; i < desired->n_tables; i++) {
    const ms_table *t = &desired->tables[i];
    for (j = 0; j < t->n_foreign_keys; j++) {
      const ms_foreign_key *fk = &t->foreign_keys[j];
      const char *schema = reference_schema(t, fk);
      size_t position = find_position(desired_index, schema, fk->ref_table);
      const ms_table *ref = position != (size_t)-1 ? &desired->tables[position] : NULL;
      if (ref == NULL && (position = find_position(live_index, schema, fk->ref_table)) != (size_t)-1)
        ref = &live->tables[position];
      if (ref == NULL) {
        ms_error_set(err, MS_E_DEFINITION, "table '%s' references table '%s', which no model defines and the database lacks",
                     t->name, fk->ref_table);
        err->table = ms_strdup(err->arena, t->name);
        return MS_ERROR;
      }
      for (k = 0; k < fk->n_ref_columns; k++)
        if (ms_table_find_column(ref, fk->ref_columns[k]) == NULL) {
          ms_error_set(err, MS_E_DEFINITION, "table '%s' references column '%s' of table '%s', which does not exist",
                       t->name, fk->ref_columns[k], fk->ref_table);
          err->table = ms_strdup(err->arena, t->name);
          err->column = ms_strdup(err->arena, fk->columns[0]);
          return MS_ERROR;
        }
    }
  }
  return MS_OK;
}

/* ------------------------------------------------------------------- diff */

int ms_diff_schemas(ms_arena *arena, const ms_dialect *dialect, const ms_schema *desired,
                    const ms_schema *live, const ms_diff_options *options,
                    ms_diff *out, ms_error *err) {
  size_t *order, i, k;
  table_index desired_index = index_tables(arena, desired), live_index = index_tables(arena, live);
  memset(out, 0, sizeof *out);
  out->live = live;
  if (!options->drop_tables
      && validate_references(desired, &desired_index, live, &live_index, err) != MS_OK)
    return MS_ERROR;
  order = dependency_order(arena, desired, &desired_index);
  out->tables = ms_alloc(arena, (desired->n_tables ? desired->n_tables : 1) * sizeof *out->tables);

  /* Schemas that must exist first. */
  if (dialect->has_schemas && !options->drop_tables) {
    change_list schemas = { NULL, 0, 0 };
    for (i = 0; i < desired->n_tables; i++) {
      const char *name = desired->tables[i].schema;
      int known = 0;
      if (name == NULL) continue;
      for (k = 0; k < live->n_schemas && !known; k++) known = strcmp(live->schemas[k], name) == 0;
      for (k = 0; k < schemas.count && !known; k++) known = strcmp(schemas.items[k].schema_name, name) == 0;
      if (!known) {
        ms_change *c = add_change(arena, &schemas, MS_CREATE_SCHEMA, NULL, NULL);
        c->schema_name = name;
        c->risk = MS_SAFE;
      }
    }
    out->schema_changes = schemas.items;
    out->n_schema_changes = schemas.count;
  }

  for (k = 0; k < desired->n_tables; k++) {
    /* db:drop goes children first. */
    size_t index = options->drop_tables ? order[desired->n_tables - 1 - k] : order[k];
    const ms_table *table = &desired->tables[index];
    size_t live_position = find_position(&live_index, table->schema, table->name);
    const ms_table *live_table = live_position != (size_t)-1 ? &live->tables[live_position] : NULL;
    ms_table_diff *td = &out->tables[out->n_tables];
    change_list changes = { NULL, 0, 0 };
    ms_change *c;

    td->desired = table;
    td->live = live_table;
    if (options->drop_tables) {
      if (live_table == NULL) continue;
      c = add_change(arena, &changes, MS_DROP_TABLE, table, live_table);
      c->risk = MS_DESTRUCTIVE;
    } else if (live_table == NULL || options->force) {
      if (live_table != NULL) {
        td->force = 1;
        c = add_change(arena, &changes, MS_DROP_TABLE, table, live_table);
        c->risk = MS_DESTRUCTIVE;
      }
      c = add_change(arena, &changes, MS_CREATE_TABLE, table, NULL);
      c->risk = MS_SAFE;
    } else {
      compare_table(arena, dialect, table, live_table, options, &changes);
    }
    if (changes.count == 0) continue;
    td->changes = changes.items;
    td->n_changes = changes.count;
    td->target = build_target(arena, table, td->force ? NULL : live_table, changes.items, changes.count);
    out->n_tables++;
  }
  return MS_OK;
}
