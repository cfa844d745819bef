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
  memset(&live, 0, sizeof live);
  if (conn->dialect->introspect(conn, arena, schemas, n_schemas, &live, err) != MS_OK) return MS_ERROR;
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
    if (ms_exec(conn, arena, step->sql[i], err) == MS_OK) continue;
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
  if (mode == MS_MODE_PLAN) return compute_plan(conn, arena, desired, options, out_plan, err);

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
