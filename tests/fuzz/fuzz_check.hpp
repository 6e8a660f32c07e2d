#pragma once
// A property a target checks on an input its parser accepted (a round trip, say): a violation
// aborts, so libFuzzer keeps the input and the replay test fails on it.
#include <cstdio>
#include <cstdlib>

#define SEEDGRID_FUZZ_CHECK(cond)                                                        \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)
