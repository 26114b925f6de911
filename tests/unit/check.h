/* check.h: the smallest test harness that reads well (after h2o's ok()).
 * CHECK(cond) records a pass or a failure with its line; check_done() prints
 * "N passed, N failed" and returns the exit status for main(). */
#ifndef VG_CHECK_H
#define VG_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                                          \
  do {                                                                                       \
    if (cond) {                                                                              \
      check_passed++;                                                                        \
    } else {                                                                                 \
      check_failed++;                                                                        \
      fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n", __FILE__, __LINE__, __func__, #cond); \
    }                                                                                        \
  } while (0)

#define CHECK_STR(a, b) CHECK((a) != NULL && (b) != NULL && strcmp((a), (b)) == 0)

/* Runs one named test function and says its name, so a failure points at a behaviour. */
#define RUN(test)                                                        \
  do {                                                                   \
    int before_ = check_failed;                                          \
    test();                                                              \
    printf("%s %s\n", check_failed == before_ ? "ok  " : "FAIL", #test); \
  } while (0)

static inline int check_done(void) {
  printf("%d passed, %d failed\n", check_passed, check_failed);
  return check_failed == 0 ? 0 : 1;
}

#endif
