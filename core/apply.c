/*
** apply.c: the pipeline of one plan or one sync, dialect-neutral.
**
**   sync:  begin_sync (lock) -> introspect -> diff -> emit -> for each step
**          not skipped: checks, statements, after-checks -> finish_sync(commit)
**   plan:  introspect -> diff -> emit (nothing is changed)
**
** The introspection of a sync runs inside its lock, so concurrent syncs see
** each other's results and the second one finds nothing left to do.  Any
** failure rolls everything back: a sync lands whole or not at all.
*/
#include <string.h>

#include "ms.h"

/* The schemas a desired schema lives in (NULL entries are the default). */
static const char **desired_schemas(ms_arena *arena, const ms_schema *desired, size_t *count) {
  const char **names = ms_alloc(arena, (desired->n_tables + 1) * sizeof *names);
  size_t i, j, n = 0;
  for (i = 0; i < desired->n_tables; i++) {
    const char *name = desired->tables[i].schema;
    int seen = 0;
    if (name == NULL) continue;
    for (j = 0; j < n && !seen; j++) seen = strcmp(names[j], name) == 0;
    if (!seen) names[n++] = name;
  }
  *count = n;
  return names;
}

/* Introspects, diffs and emits: the plan for `desired` under `options`. */
static int compute_plan(ms_conn *conn, ms_arena *arena, const ms_schema *desired,
                        const ms_diff_options *options, ms_plan *plan, ms_error *err) {
  ms_schema live;
  ms_diff diff;
  size_t n_schemas;
  const char **schemas = desired_schemas(arena, desired, &n_schemas);
  int known = 0;
  memset(&live, 0, sizeof live);
  /* force and drop act on what is there, whatever it is: they always read it. */
  if (conn->dialect->introspect_known != NULL && !options->force && !options->drop_tables
      && conn->full_introspection == 0
      && conn->dialect->introspect_known(conn, arena, desired, &live, &known, err) != MS_OK)
    return MS_ERROR;
  if (!known && conn->dialect->introspect(conn, arena, schemas, n_schemas, &live, err) != MS_OK)
    return MS_ERROR;
  if (ms_diff_schemas(arena, conn->dialect, desired, &live, options, &diff, err) != MS_OK) return MS_ERROR;
  memset(plan, 0, sizeof *plan);
  return conn->dialect->emit(arena, &diff, plan, err);
}

/* Runs one check: fails with E_DATA, naming table, column and row count,
** when the check counts rows at fault. */
static int run_check(ms_conn *conn, ms_arena *arena, const ms_check *check, ms_error *err) {
  ms_result result;
  long long rows;
  if (ms_query(conn, arena, check->sql, NULL, 0, &result, err) != MS_OK) return MS_ERROR;
  rows = (result.n_rows > 0 && result.n_columns > 0) ? ms_cell_integer(&result, 0, 0) : 0;
  if (rows == 0) return MS_OK;
  if (check->column != NULL)
    ms_error_set(err, MS_E_DATA, "cannot change table \"%s\": %lld row(s) in column \"%s\" %s",
                 check->table, rows, check->column, check->problem);
  else
    ms_error_set(err, MS_E_DATA, "cannot change table \"%s\": %lld row(s) %s",
                 check->table, rows, check->problem);
  err->table = ms_strdup(err->arena, check->table);
  err->column = ms_strdup(err->arena, check->column);
  err->sql = ms_strdup(err->arena, check->sql);
  err->rows = rows;
  return MS_ERROR;
}

/* After a statement of step failed on the data, runs the step's
** on-failure checks; the first that counts rows at fault replaces err with
** its precise message (table, column, rows).  Returns whether it did. */
static int explain_failure(ms_conn *conn, ms_arena *arena, const ms_step *step, ms_error *err) {
  size_t i;
  for (i = 0; i < step->n_checks; i++) {
    ms_error check_error;
    if (step->checks[i].after != MS_CHECK_ON_FAILURE) continue;
    ms_error_init(&check_error, err->arena);
    if (run_check(conn, arena, &step->checks[i], &check_error) != MS_OK
        && check_error.code != NULL && strcmp(check_error.code, MS_E_DATA) == 0) {
      *err = check_error;
      return 1;
    }
  }
  return 0;
}

/* Runs one step: its checks, its statements, its after-checks.  A refused
** statement's error is given the step's table and column and says which
** change failed. */
static int run_step(ms_conn *conn, ms_arena *arena, const ms_step *step, ms_error *err) {
  size_t i;
  for (i = 0; i < step->n_checks; i++)
    if (step->checks[i].after == MS_CHECK_BEFORE && run_check(conn, arena, &step->checks[i], err) != MS_OK)
      return MS_ERROR;
  for (i = 0; i < step->n_sql; i++) {
    int status;
    conn->current_step = step;           /* `logging` sees which step sends it */
    status = ms_exec(conn, arena, step->sql[i], err);
    conn->current_step = NULL;
    if (status == MS_OK) continue;
    if (err->code != NULL && strcmp(err->code, MS_E_DATA) == 0 && explain_failure(conn, arena, step, err))
      return MS_ERROR;
    if (err->code != NULL && (strcmp(err->code, MS_E_SQL) == 0 || strcmp(err->code, MS_E_DATA) == 0)) {
      err->message = step->column
        ? ms_printf(err->arena, "%s of table \"%s\" (column \"%s\") failed: %s",
                    step->op, step->table ? step->table : "?", step->column, err->message)
        : ms_printf(err->arena, "%s of table \"%s\" failed: %s",
                    step->op, step->table ? step->table : "?", err->message);
    }
    if (err->table == NULL) err->table = ms_strdup(err->arena, step->table);
    if (err->column == NULL) err->column = ms_strdup(err->arena, step->column);
    if (err->sql == NULL) err->sql = ms_strdup(err->arena, step->sql[i]);
    return MS_ERROR;
  }
  for (i = 0; i < step->n_checks; i++)
    if (step->checks[i].after == MS_CHECK_AFTER && run_check(conn, arena, &step->checks[i], err) != MS_OK)
      return MS_ERROR;
  return MS_OK;
}

char *ms_plan_sql(ms_arena *arena, const ms_plan *plan, int include_skipped) {
  ms_buf buf;
  size_t i, j;
  ms_buf_init(&buf, arena);
  for (i = 0; i < plan->n_steps; i++) {
    const ms_step *step = &plan->steps[i];
    if (step->skipped && !include_skipped) continue;
    for (j = 0; j < step->n_sql; j++) {
      ms_buf_add(&buf, step->sql[j]);
      ms_buf_add(&buf, ";\n");
    }
  }
  return ms_buf_string(&buf);
}

int ms_run(ms_conn *conn, ms_arena *arena, ms_sync_mode mode, const ms_schema *desired,
           const ms_diff_options *options, const char *expected_sql,
           ms_plan *out_plan, ms_error *err) {
  ms_error finish_error;
  size_t i;
  int status;

  memset(out_plan, 0, sizeof *out_plan);
  if (conn->handle == NULL) return ms_error_set(err, MS_E_CLOSED, "the connection is closed");
  if (mode == MS_MODE_PLAN) {
    int started = 0;
    status = conn->dialect->begin_read(conn, arena, &started, err);
    if (status == MS_OK) status = compute_plan(conn, arena, desired, options, out_plan, err);
    ms_error_init(&finish_error, arena);
    if (conn->dialect->finish_read(conn, arena, started, &finish_error) != MS_OK && status == MS_OK) {
      *err = finish_error;
      status = MS_ERROR;
    }
    return status;
  }

  status = conn->dialect->begin_sync(conn, arena, err);
  if (status == MS_OK) status = compute_plan(conn, arena, desired, options, out_plan, err);
  if (status == MS_OK && expected_sql != NULL
      && strcmp(expected_sql, ms_plan_sql(arena, out_plan, 0)) != 0)
    status = ms_error_set(err, MS_E_STALE_PLAN,
                          "the database changed since this plan was made: make a new plan");
  for (i = 0; status == MS_OK && i < out_plan->n_steps; i++)
    if (!out_plan->steps[i].skipped) status = run_step(conn, arena, &out_plan->steps[i], err);

  /* Commit on success; roll back (keeping the first error) otherwise. */
  ms_error_init(&finish_error, arena);
  if (conn->dialect->finish_sync(conn, arena, status == MS_OK, &finish_error) != MS_OK && status == MS_OK) {
    *err = finish_error;
    status = MS_ERROR;
  }
  return status;
}

/* ------------------------------------------------------------ migrations */

/* A copy of a list of strings in arena. */
static const char **copy_strings(ms_arena *arena, const char **items, size_t n) {
  const char **copy;
  size_t i;
  if (items == NULL) return NULL;
  copy = ms_alloc(arena, (n + 1) * sizeof *copy);
  for (i = 0; i < n; i++) copy[i] = ms_strdup(arena, items[i]);
  return copy;
}

/* A deep copy of one table in arena. */
static void copy_table(ms_arena *arena, ms_table *dst, const ms_table *src) {
  size_t i;
  *dst = *src;
  dst->schema = ms_strdup(arena, src->schema);
  dst->name = ms_strdup(arena, src->name);
  dst->comment = ms_strdup(arena, src->comment);
  dst->create_sql = ms_strdup(arena, src->create_sql);
  dst->checks = copy_strings(arena, src->checks, src->n_checks);
  dst->triggers = copy_strings(arena, src->triggers, src->n_triggers);
  dst->columns = ms_alloc(arena, (src->n_columns + 1) * sizeof *dst->columns);
  for (i = 0; i < src->n_columns; i++) {
    ms_column *c = &dst->columns[i];
    const ms_column *from = &src->columns[i];
    *c = *from;
    c->name = ms_strdup(arena, from->name);
    c->type = ms_strdup(arena, from->type);
    c->native_type = ms_strdup(arena, from->native_type);
    c->enum_values = copy_strings(arena, from->enum_values, from->n_enum_values);
    c->enum_type_name = ms_strdup(arena, from->enum_type_name);
    c->default_sql = ms_strdup(arena, from->default_sql);
    c->default_canonical = ms_strdup(arena, from->default_canonical);
    c->comment = ms_strdup(arena, from->comment);
    c->renamed_from = copy_strings(arena, from->renamed_from, from->n_renamed_from);
    c->generated_sql = ms_strdup(arena, from->generated_sql);
  }
  dst->indexes = ms_alloc(arena, (src->n_indexes + 1) * sizeof *dst->indexes);
  for (i = 0; i < src->n_indexes; i++) {
    ms_index *x = &dst->indexes[i];
    const ms_index *from = &src->indexes[i];
    size_t j;
    *x = *from;
    x->name = ms_strdup(arena, from->name);
    x->where = ms_strdup(arena, from->where);
    x->method = ms_strdup(arena, from->method);
    x->definition_sql = ms_strdup(arena, from->definition_sql);
    x->parts = ms_alloc(arena, (from->n_parts + 1) * sizeof *x->parts);
    for (j = 0; j < from->n_parts; j++) {
      x->parts[j] = from->parts[j];
      x->parts[j].column = ms_strdup(arena, from->parts[j].column);
      x->parts[j].expression = ms_strdup(arena, from->parts[j].expression);
    }
  }
  dst->foreign_keys = ms_alloc(arena, (src->n_foreign_keys + 1) * sizeof *dst->foreign_keys);
  for (i = 0; i < src->n_foreign_keys; i++) {
    ms_foreign_key *k = &dst->foreign_keys[i];
    const ms_foreign_key *from = &src->foreign_keys[i];
    *k = *from;
    k->name = ms_strdup(arena, from->name);
    k->columns = copy_strings(arena, from->columns, from->n_columns);
    k->ref_schema = ms_strdup(arena, from->ref_schema);
    k->ref_table = ms_strdup(arena, from->ref_table);
    k->ref_columns = copy_strings(arena, from->ref_columns, from->n_ref_columns);
    k->on_delete = ms_strdup(arena, from->on_delete);
    k->on_update = ms_strdup(arena, from->on_update);
  }
}

/* Introspects into a deep copy in arena: a dialect may keep what it reads
** (a cache) and free it at its next read, and a migration keeps several
** live schemas at once. */
static int introspect_copy(ms_conn *conn, ms_arena *arena, const char **schemas, size_t n_schemas,
                           ms_schema *out, ms_error *err) {
  ms_schema live;
  size_t i;
  memset(&live, 0, sizeof live);
  memset(out, 0, sizeof *out);
  if (conn->dialect->introspect(conn, arena, schemas, n_schemas, &live, err) != MS_OK) return MS_ERROR;
  *out = live;
  out->tables = ms_alloc(arena, (live.n_tables + 1) * sizeof *out->tables);
  for (i = 0; i < live.n_tables; i++) copy_table(arena, &out->tables[i], &live.tables[i]);
  out->schemas = copy_strings(arena, live.schemas, live.n_schemas);
  out->enum_types = ms_alloc(arena, (live.n_enum_types + 1) * sizeof *out->enum_types);
  for (i = 0; i < live.n_enum_types; i++) {
    out->enum_types[i] = live.enum_types[i];
    out->enum_types[i].schema = ms_strdup(arena, live.enum_types[i].schema);
    out->enum_types[i].name = ms_strdup(arena, live.enum_types[i].name);
    out->enum_types[i].values = copy_strings(arena, live.enum_types[i].values, live.enum_types[i].n_values);
  }
  return MS_OK;
}

/* Whether a table diff holds a change that is applied (not skipped). */
static int has_applied_change(const ms_table_diff *td) {
  size_t i;
  for (i = 0; i < td->n_changes; i++)
    if (!td->changes[i].skipped) return 1;
  return 0;
}

/* Whether a plan has a step that is applied (not skipped). */
static int has_applied_step(const ms_plan *plan) {
  size_t i;
  for (i = 0; i < plan->n_steps; i++)
    if (!plan->steps[i].skipped) return 1;
  return 0;
}

/* A live table of `live` shaped as a desired table, for the diff that goes
** back to it: the primary key's own index and the unmanaged indexes are left
** out (the diff never touches them, and they survive in the post-up table),
** and a column that `up` renames names its new name as its former one, so
** that going back is a rename again, never a drop and an add. */
static ms_table *live_as_desired(ms_arena *arena, const ms_table *live, const ms_table_diff *up) {
  ms_table *table = ms_alloc(arena, sizeof *table);
  size_t i, j;
  *table = *live;
  table->columns = ms_alloc(arena, (live->n_columns + 1) * sizeof *table->columns);
  if (live->n_columns) memcpy(table->columns, live->columns, live->n_columns * sizeof *table->columns);
  for (i = 0; i < table->n_columns; i++) {
    table->columns[i].renamed_from = NULL;
    table->columns[i].n_renamed_from = 0;
  }
  for (i = 0; up != NULL && i < up->n_changes; i++) {
    const ms_change *change = &up->changes[i];
    if (change->kind != MS_RENAME_COLUMN || change->skipped || change->column == NULL
        || change->live_column == NULL) continue;
    for (j = 0; j < table->n_columns; j++)
      if (strcmp(table->columns[j].name, change->live_column->name) == 0) {
        const char **names = ms_alloc(arena, sizeof *names);
        names[0] = change->column->name;
        table->columns[j].renamed_from = names;
        table->columns[j].n_renamed_from = 1;
      }
  }
  table->indexes = ms_alloc(arena, (live->n_indexes + 1) * sizeof *table->indexes);
  table->n_indexes = 0;
  for (i = 0; i < live->n_indexes; i++)
    if (!live->indexes[i].primary && !live->indexes[i].unmanaged)
      table->indexes[table->n_indexes++] = live->indexes[i];
  return table;
}

/* Whether table `from` has a foreign key to one of the tables of `to`. */
static int references_any(const ms_table *from, const ms_schema *to) {
  size_t i, j;
  for (i = 0; i < from->n_foreign_keys; i++) {
    const ms_foreign_key *fk = &from->foreign_keys[i];
    const char *schema = fk->ref_schema != NULL ? fk->ref_schema : from->schema;
    for (j = 0; j < to->n_tables; j++)
      if (&to->tables[j] != from && ms_same_name(schema, to->tables[j].schema)
          && strcmp(fk->ref_table, to->tables[j].name) == 0) return 1;
  }
  return 0;
}

/* Appends every step of `from` to `to` (both in the same arena). */
static void append_plan(ms_arena *arena, ms_plan *to, const ms_plan *from) {
  ms_step *steps;
  if (from->n_steps == 0) return;
  steps = ms_alloc(arena, (to->n_steps + from->n_steps) * sizeof *steps);
  if (to->n_steps) memcpy(steps, to->steps, to->n_steps * sizeof *steps);
  memcpy(steps + to->n_steps, from->steps, from->n_steps * sizeof *steps);
  to->steps = steps;
  to->n_steps += from->n_steps;
  to->capacity = to->n_steps;
  to->needs_rebuild = to->needs_rebuild || from->needs_rebuild;
}

/* The schemas to go back to after `up_diff`: `existing` gets the live
** tables that up changes (as desired tables), `created` the desired tables
** that up creates (down drops them). */
static void inverse_schemas(ms_arena *arena, const ms_diff *up_diff, ms_schema *existing,
                            ms_schema *created) {
  size_t i, n = up_diff->n_tables;
  memset(existing, 0, sizeof *existing);
  memset(created, 0, sizeof *created);
  existing->tables = ms_alloc(arena, (n + 1) * sizeof *existing->tables);
  created->tables = ms_alloc(arena, (n + 1) * sizeof *created->tables);
  for (i = 0; i < n; i++) {
    const ms_table_diff *td = &up_diff->tables[i];
    if (!has_applied_change(td) || td->desired == NULL) continue;
    if (td->live == NULL) created->tables[created->n_tables++] = *td->desired;
    else existing->tables[existing->n_tables++] = *live_as_desired(arena, td->live, td);
  }
}

/* The plan that takes `after` (the database once up has run) back to
** `existing` and drops the tables of `created`.  Tables up created that
** reference tables up changed are dropped first (their foreign keys would
** hold what goes back); otherwise the changed tables go back first (their
** foreign keys to created tables go away before those tables do). */
static int inverse_plan(ms_conn *conn, ms_arena *arena, const ms_schema *existing,
                        const ms_schema *created, const ms_schema *after, ms_plan *down,
                        ms_error *err) {
  ms_diff_options back, drop;
  ms_diff diff;
  ms_plan changed, dropped;
  size_t i;
  int created_refer = 0, changed_refer = 0;
  memset(&back, 0, sizeof back);
  back.alter = 1;
  back.drop = 1;
  memset(&drop, 0, sizeof drop);
  drop.drop_tables = 1;
  memset(&changed, 0, sizeof changed);
  memset(&dropped, 0, sizeof dropped);
  memset(down, 0, sizeof *down);
  if (existing->n_tables > 0) {
    if (ms_diff_schemas(arena, conn->dialect, existing, after, &back, &diff, err) != MS_OK) return MS_ERROR;
    if (conn->dialect->emit(arena, &diff, &changed, err) != MS_OK) return MS_ERROR;
  }
  if (created->n_tables > 0) {
    if (ms_diff_schemas(arena, conn->dialect, created, after, &drop, &diff, err) != MS_OK) return MS_ERROR;
    if (conn->dialect->emit(arena, &diff, &dropped, err) != MS_OK) return MS_ERROR;
  }
  for (i = 0; i < created->n_tables; i++)
    if (references_any(&created->tables[i], existing)) created_refer = 1;
  for (i = 0; i < existing->n_tables; i++) {
    const ms_table *now = ms_schema_find_table(after, existing->tables[i].schema, existing->tables[i].name);
    if (now != NULL && references_any(now, created)) changed_refer = 1;
  }
  if (created_refer && !changed_refer) {
    append_plan(arena, down, &dropped);
    append_plan(arena, down, &changed);
  } else {
    append_plan(arena, down, &changed);
    append_plan(arena, down, &dropped);
  }
  return MS_OK;
}

/* Whether `live` is back where `existing` and `created` say: nothing left to
** change in the tables up changed, and none of the tables up created left. */
static int is_restored(ms_conn *conn, ms_arena *arena, const ms_schema *existing,
                       const ms_schema *created, const ms_schema *live, const char **problem,
                       ms_error *err) {
  ms_diff_options back;
  ms_diff diff;
  size_t i;
  memset(&back, 0, sizeof back);
  back.alter = 1;
  back.drop = 1;
  for (i = 0; i < created->n_tables; i++)
    if (ms_schema_find_table(live, created->tables[i].schema, created->tables[i].name) != NULL) {
      *problem = ms_printf(arena, "table \"%s\" still exists after down", created->tables[i].name);
      return 0;
    }
  if (existing->n_tables == 0) return 1;
  if (ms_diff_schemas(arena, conn->dialect, existing, live, &back, &diff, err) != MS_OK) {
    *problem = ms_printf(arena, "cannot compare after down: %s", err->message ? err->message : "?");
    return 0;
  }
  if (diff.n_tables == 0) return 1;
  *problem = ms_printf(arena, "table \"%s\" is not restored exactly by down", diff.tables[0].desired->name);
  return 0;
}

int ms_plan_migration(ms_conn *conn, ms_arena *arena, const ms_schema *desired,
                      const ms_diff_options *options, ms_plan *up, ms_plan *down,
                      const char **down_problem, ms_error *err) {
  ms_schema live, after, restored, existing, created;
  ms_diff diff;
  ms_error finish_error, trial_error;
  size_t n_schemas, i;
  const char **schemas = desired_schemas(arena, desired, &n_schemas);
  int status;

  memset(up, 0, sizeof *up);
  memset(down, 0, sizeof *down);
  *down_problem = NULL;
  if (conn->handle == NULL) return ms_error_set(err, MS_E_CLOSED, "the connection is closed");

  /* One locked transaction, always rolled back: up is tried for real so that
  ** down is made against the schema up leaves, exactly as introspected. */
  memset(&live, 0, sizeof live);
  memset(&after, 0, sizeof after);
  status = conn->dialect->begin_sync(conn, arena, err);
  if (status == MS_OK) status = introspect_copy(conn, arena, schemas, n_schemas, &live, err);
  if (status == MS_OK) status = ms_diff_schemas(arena, conn->dialect, desired, &live, options, &diff, err);
  if (status == MS_OK) status = conn->dialect->emit(arena, &diff, up, err);
  if (status == MS_OK && has_applied_step(up)) {
    for (i = 0; status == MS_OK && i < up->n_steps; i++)
      if (!up->steps[i].skipped) status = run_step(conn, arena, &up->steps[i], err);
    if (status != MS_OK)
      err->message = ms_printf(err->arena, "up fails on this database, so no migration is written: %s",
                               err->message ? err->message : "?");
    if (status == MS_OK) status = introspect_copy(conn, arena, schemas, n_schemas, &after, err);
    if (status == MS_OK) {
      inverse_schemas(arena, &diff, &existing, &created);
      status = inverse_plan(conn, arena, &existing, &created, &after, down, err);
    }
    /* Down is tried too: a failure or an inexact result is reported, not raised. */
    ms_error_init(&trial_error, arena);
    for (i = 0; status == MS_OK && *down_problem == NULL && i < down->n_steps; i++)
      if (!down->steps[i].skipped && run_step(conn, arena, &down->steps[i], &trial_error) != MS_OK)
        *down_problem = ms_printf(arena, "down failed when tried: %s",
                                  trial_error.message ? trial_error.message : "?");
    if (status == MS_OK && *down_problem == NULL) {
      memset(&restored, 0, sizeof restored);
      if (introspect_copy(conn, arena, schemas, n_schemas, &restored, &trial_error) != MS_OK)
        *down_problem = ms_printf(arena, "cannot read the schema after down: %s",
                                  trial_error.message ? trial_error.message : "?");
      else
        is_restored(conn, arena, &existing, &created, &restored, down_problem, &trial_error);
    }
  }
  ms_error_init(&finish_error, arena);
  if (conn->dialect->finish_sync(conn, arena, 0, &finish_error) != MS_OK && status == MS_OK) {
    *err = finish_error;
    status = MS_ERROR;
  }
  /* What the dialect kept of its reads inside the rolled-back transaction
  ** described states that never were: read the committed schema once more so
  ** that whatever it keeps is of that one. */
  if (status == MS_OK && has_applied_step(up)) {
    ms_schema again;
    status = conn->dialect->introspect(conn, arena, schemas, n_schemas, &again, err);
  }
  return status;
}
