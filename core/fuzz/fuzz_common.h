/*
** fuzz_common.h: what the libFuzzer targets of core/fuzz/ share.  Built only
** with -DMODELSYNC_FUZZ=ON (clang); see docs/fuzzing.md.
*/
#ifndef MODELSYNC_FUZZ_COMMON_H
#define MODELSYNC_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ms.h"

/* A canonicalising function of a dialect (canonical_type, canonical_default). */
typedef const char *(*fuzz_canonical_fn)(ms_arena *arena, const char *text);

/* The fuzz input as a NUL-terminated C string (cut at its first NUL byte, as
** every text the core reads from Lua or from a catalog is); malloc'd. */
static char *fuzz_text(const unsigned char *data, size_t size) {
  char *text = malloc(size + 1);
  if (text == NULL) abort();
  memcpy(text, data, size);
  text[size] = '\0';
  return text;
}

/* Stops the run with the input and what went wrong, so that libFuzzer saves
** the input as a crash file. */
static void fuzz_fail(const char *what, const char *name, const char *input,
                      const char *first, const char *second) {
  fprintf(stderr, "\n%s: %s\n  input:  [%s]\n  first:  [%s]\n  second: [%s]\n",
          name, what, input, first ? first : "(null)", second ? second : "(null)");
  abort();
}

/* Whether to check this dialect: MODELSYNC_FUZZ_DIALECT=sqlite|postgres
** limits a run to one of them (default: every dialect built in), e.g. to
** fuzz one dialect further while the other has a known finding. */
static int fuzz_dialect_wanted(const char *dialect) {
  const char *wanted = getenv("MODELSYNC_FUZZ_DIALECT");
  return wanted == NULL || wanted[0] == '\0' || strcmp(wanted, dialect) == 0;
}

static int fuzz_same(const char *a, const char *b) {
  if (a == NULL || b == NULL) return a == b;
  return strcmp(a, b) == 0;
}

/* The properties every canonicaliser must have on any text: it does not crash
** or leak (ASan/LSan watch), it is deterministic (the same text twice, in two
** fresh arenas, gives equal results) and idempotent (canonical(canonical(x))
** == canonical(x)).  NULL (e.g. "no default") is a result like any other. */
static void fuzz_check_canonical(fuzz_canonical_fn canonical, const char *name, const char *input) {
  ms_arena *first_arena = ms_arena_new(), *second_arena = ms_arena_new();
  const char *first = canonical(first_arena, input);
  const char *second = canonical(second_arena, input);
  if (!fuzz_same(first, second)) fuzz_fail("not deterministic", name, input, first, second);
  if (first != NULL) {
    const char *again = canonical(second_arena, first);
    if (!fuzz_same(first, again)) fuzz_fail("not idempotent: canonical(canonical(x)) != canonical(x)",
                                            name, input, first, again);
  }
  ms_arena_free(first_arena);
  ms_arena_free(second_arena);
}

#endif
