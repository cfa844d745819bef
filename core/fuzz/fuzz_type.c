/*
** fuzz_type.c: random text as a column type read back from a catalog
** (sqlite_master's declared type, PostgreSQL's format_type()), through each
** dialect's canonical_type.  Properties: no crash, no leak, deterministic,
** idempotent (fuzz_check_canonical).
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
    fuzz_check_canonical(ms_sqlite_canonical_type, "ms_sqlite_canonical_type", text);
#ifdef MODELSYNC_WITH_POSTGRES
  if (fuzz_dialect_wanted("postgres"))
    fuzz_check_canonical(ms_pg_canonical_type, "ms_pg_canonical_type", text);
#endif
  free(text);
  return 0;
}
