/*
** fuzz_default.c: random text as a default expression read back from a
** catalog (pragma_table_xinfo's dflt_value, PostgreSQL's pg_get_expr()), and
** as an index predicate, through each dialect's canonical_default.
** Properties: no crash, no leak, deterministic, idempotent
** (fuzz_check_canonical).
*/
#include "fuzz_common.h"
#include "sqlite_dialect.h"
#ifdef MODELSYNC_WITH_POSTGRES
#include "pg_dialect.h"
#endif

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
  char *text = fuzz_text(data, size);
  if (fuzz_dialect_wanted("sqlite"))
    fuzz_check_canonical(ms_sqlite_canonical_default, "ms_sqlite_canonical_default", text);
#ifdef MODELSYNC_WITH_POSTGRES
  if (fuzz_dialect_wanted("postgres"))
    fuzz_check_canonical(ms_pg_canonical_default, "ms_pg_canonical_default", text);
#endif
  free(text);
  return 0;
}
