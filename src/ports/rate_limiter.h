/* rate_limiter.h: event counters over fixed time windows, shared by every verigate process
 * (Redis in production), for the abuse limits of core/limits.c. */
#ifndef VG_PORT_RATE_LIMITER_H
#define VG_PORT_RATE_LIMITER_H

#include <stdbool.h>

#include "core/result.h"

/* An account's tag: 16 hex digits and a NUL (see tag below). */
#define VG_ACCOUNT_TAG_MAX 17

struct vg_limit {
  const char *scope;   /* what kind of event: "login-fail-account", "sms-phone-10min", ... */
  const char *subject; /* whom it is counted for: an email, a phone number, an IP address */
  int limit;           /* events allowed per window; 0 turns this limit off */
  int window;          /* seconds */
};

/* The failure limits of the password step. A failure is reserved before the password is checked
 * (so that a burst cannot pass the gate before any failure is counted) and given back when the
 * check proves the password right or never happens. */
struct vg_reservation {
  struct vg_limit lock;    /* a limit of 1: set when a reservation brings account to its limit */
  struct vg_limit ip;      /* failures per client IP */
  struct vg_limit account; /* failures per account; off turns the lock off too */
  bool taken;              /* reserve counted: something is to be given back */
  bool locked;             /* and set the lock doing so */
};

struct rate_limiter {
  void *self;
  /* Counts one event against each of the n limits, but only if none of them is reached;
   * otherwise counts nothing and answers VG_ERR_RATE_LIMITED with the index of the first
   * reached one in *which and the seconds until its window ends in *retry_after. When back is
   * not NULL, first gives back that reservation as a proved password (give_back(..., true)), in
   * the same step and whatever the answer. */
  vg_result (*take)(void *self, const struct vg_limit *limits, int n, struct vg_reservation *back,
                    int *which, int *retry_after);
  /* Takes back one event taken from each of the n limits (a send that failed costs nothing). */
  vg_result (*untake)(void *self, const struct vg_limit *limits, int n);
  /* The password step's gate, in one atomic step: VG_ERR_RATE_LIMITED with *retry_after while
   * res's lock is set or a counter of res is at its limit (res->taken false); else VG_OK, one
   * failure counted against each counter that is on (res->taken), and when that brings account
   * to its limit the lock set for its window (res->locked), the account's count then living as
   * long as the lock. */
  vg_result (*reserve)(void *self, struct vg_reservation *res, int *retry_after);
  /* Gives back what reserve counted (nothing when res->taken is false): each counter one less
   * (never below 0), the lock removed when this reservation set it, and, when succeeded (the
   * password was right), the account's count forgotten. Clears res->taken. */
  vg_result (*give_back)(void *self, struct vg_reservation *res, bool succeeded);
  /* The tag of subject: the first 16 hex digits of the keyed hash its counters are named by,
   * so that log lines about one subject can be grouped without the subject. */
  void (*tag)(void *self, const char *subject, char out[VG_ACCOUNT_TAG_MAX]);
};

#endif
