/* fuzz_require.h: the one assertion of the fuzz targets. A broken promise of the code under
 * test aborts, which libFuzzer reports as a crash and saves the input that caused it. */
#ifndef VG_FUZZ_REQUIRE_H
#define VG_FUZZ_REQUIRE_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_REQUIRE(cond)                                                       \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "%s:%d: broken promise: %s\n", __FILE__, __LINE__, #cond); \
      abort();                                                                   \
    }                                                                            \
  } while (0)

#endif
