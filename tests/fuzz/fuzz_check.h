// The one assertion the fuzz targets use: a property that does not hold prints where and what,
// then traps, which libFuzzer reports as a crash with the input that caused it (and which the
// replay in tests/test_fuzz_regressions.cpp turns into a failed test run).
#pragma once

#include <cstdio>

#define FUZZ_CHECK(cond)                                                            \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      __builtin_trap();                                                             \
    }                                                                               \
  } while (0)
