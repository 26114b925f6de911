/* rate_limiter.h: event counters over fixed time windows, shared by every verigate process
 * (Redis in production), for the abuse limits of core/limits.c. */
#ifndef VG_PORT_RATE_LIMITER_H
#define VG_PORT_RATE_LIMITER_H

#include "core/result.h"

struct vg_limit {
  const char *scope;   /* what kind of event: "login-fail-account", "sms-phone-10min", ... */
  const char *subject; /* whom it is counted for: an email, a phone number, an IP address */
  int limit;           /* events allowed per window; 0 turns this limit off */
  int window;          /* seconds */
};

struct rate_limiter {
  void *self;
  /* Counts one event against each of the n limits, but only if none of them is reached;
   * otherwise counts nothing and answers VG_ERR_RATE_LIMITED with the index of the first
   * reached one in *which and the seconds until its window ends in *retry_after. */
  vg_result (*take)(void *self, const struct vg_limit *limits, int n, int *which, int *retry_after);
  /* Takes back one event taken from each of the n limits (a send that failed costs nothing). */
  vg_result (*untake)(void *self, const struct vg_limit *limits, int n);
  /* As take, counting nothing. When counts is not NULL, counts[i] is limit i's count (0 for a
   * limit that is off), so a caller learns in the same round trip whether there is anything to
   * clear later. */
  vg_result (*check)(void *self, const struct vg_limit *limits, int n, int *which, int *retry_after,
                     int *counts);
  /* Counts one event against limit whatever its count; *count is the count after it. */
  vg_result (*add)(void *self, const struct vg_limit *limit, int *count);
  /* Forgets limit's count. */
  vg_result (*clear)(void *self, const struct vg_limit *limit);
};

#endif
