/* fake_ports.h: in-memory fakes of every port of src/ports/, for core unit tests ONLY.
 * They are single-threaded and bounded, keep everything in the structs below so a test can look
 * inside, and are never linked into verigate: production uses src/adapters/. */
#ifndef VG_FAKE_PORTS_H
#define VG_FAKE_PORTS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/auth.h"
#include "fake_session_store.h"

/* clock: time stands still until a test moves now. */
struct fake_clock {
  int64_t now;
};
struct clock_port fake_clock_port(struct fake_clock *c);

/* user_store: an array with the three unique "indexes" (email, username, phone). */
#define FAKE_USERS_MAX 8
struct fake_user_store {
  struct vg_user users[FAKE_USERS_MAX];
  int count;
  int next_id;
  bool down;           /* every call answers VG_ERR_UNAVAILABLE */
  int verified_writes; /* calls of update that marked a phone verified so far */
};
struct user_store fake_user_store_port(struct fake_user_store *s);
/* The stored user with id, or NULL. */
struct vg_user *fake_user_store_by_id(struct fake_user_store *s, const char *id);
/* Deletes the user with id; false when there was none. */
bool fake_user_store_delete(struct fake_user_store *s, const char *id);

/* pending_store: a table keyed by jti with the semantics of src/ports/pending_store.h (and of
 * the Redis scripts): records and locks expire by the fake clock. */
#define FAKE_PENDING_MAX 8
struct fake_pending_entry {
  bool used;
  char jti[VG_JTI_MAX];
  struct vg_pending p;
  int64_t expires_at;
};
struct fake_lock {
  bool used;
  char jti[VG_JTI_MAX];
  char owner[VG_LOCK_OWNER_MAX];
  int64_t expires_at;
};
struct fake_pending_store {
  struct fake_clock *clock;
  struct fake_pending_entry entries[FAKE_PENDING_MAX];
  struct fake_lock locks[FAKE_PENDING_MAX];
  bool down;        /* every call answers VG_ERR_UNAVAILABLE */
  bool create_lost; /* create writes the record, then answers VG_ERR_UNAVAILABLE (a lost reply) */
  int creates;      /* successful creates */
  int releases;     /* release_send calls */
  int owners;       /* locks taken so far: each gets the owner token "owner<n>" */
  int approves;     /* successful approve calls */
  int last_ttl;     /* ttl of the last create */
};
void fake_pending_store_init(struct fake_pending_store *s, struct fake_clock *clock);
struct pending_store fake_pending_store_port(struct fake_pending_store *s);
/* The live (unexpired) record of jti, or NULL. */
struct vg_pending *fake_pending_store_find(struct fake_pending_store *s, const char *jti);
/* Number of live records. */
int fake_pending_store_count(struct fake_pending_store *s);
/* True while an unexpired lock is held on jti. */
bool fake_pending_store_locked(struct fake_pending_store *s, const char *jti);
/* What session_store.start does to the pending login (the fake session store calls it): deletes
 * jti's record, VG_ERR_NOT_FOUND when there is none, and releases its lock if owner holds it. */
vg_result fake_pending_store_consume(struct fake_pending_store *s, const char *jti,
                                     const char *owner);

/* otp_sender: records every call. check approves exactly correct_code, once per start (Twilio
 * deletes an approved verification: later checks are VG_ERR_VERIFICATION_EXPIRED); a scripted
 * result (anything but VG_OK) is returned by the next call of start or check instead, once. */
#define FAKE_CODE_MAX 16
struct fake_otp_sender {
  char correct_code[FAKE_CODE_MAX];
  vg_result next_start;
  int next_start_retry_after;
  vg_result next_check;
  int next_check_retry_after;
  int starts, checks, cancels;
  bool approved; /* the last code was approved: as at Twilio, checks answer expired until a start */
  char last_canceled_sid[VG_SID_MAX];
  char last_phone[VG_PHONE_MAX];
  char last_code[FAKE_CODE_MAX];
  struct vg_delivery last_delivery; /* of the last start */
};
struct otp_sender fake_otp_sender_port(struct fake_otp_sender *o);

/* token_service: tokens are "mfa:<sub>:<jti>" or "at:<sub>:<jti>"; only a string this fake
 * issued verifies, and only before its exp (iat from the fake clock plus the ttl). */
#define FAKE_TOKENS_MAX 32
#define FAKE_TOKEN_LEN 96
struct fake_issued_token {
  char token[FAKE_TOKEN_LEN];
  struct vg_claims claims;
};
struct fake_token_service {
  struct fake_clock *clock;
  int mfa_ttl, access_ttl;
  struct fake_issued_token issued[FAKE_TOKENS_MAX];
  int count;
  bool fail_issue; /* issue answers VG_ERR_INTERNAL */
};
struct token_service fake_token_service_port(struct fake_token_service *t);

/* password_hasher: hash = "h:" + password; counts both operations. */
struct fake_hasher {
  int hashes, verifies;
  bool full;             /* admit answers VG_ERR_OVERLOADED */
  vg_result next_verify; /* when not VG_OK, the next verify answers it (once), checking nothing */
  /* Called at the start of each verify (then cleared), e.g. to start other logins while this one
   * waits for its hash, as a burst of concurrent logins does. */
  void (*during_verify)(void *ctx);
  void *during_ctx;
};
struct password_hasher fake_hasher_port(struct fake_hasher *h);

/* phone_numbers: a toy plan. '+' and digits (spaces and '-' ignored) is international; without
 * '+', region US adds +1 and GB drops a leading 0 and adds +44; other regions are unknown. Kinds
 * by prefix: +1800 toll-free, +1900 premium-rate, +4484 shared-cost, +4420 landline, else
 * mobile. */
struct fake_phone_numbers {
  int calls;
};
struct phone_numbers fake_phone_numbers_port(struct fake_phone_numbers *p);

/* rate_limiter: fixed windows keyed by scope + subject, expiring with the fake clock. */
#define FAKE_COUNTERS_MAX 64
struct fake_counter {
  char key[160];
  int count;
  int64_t expires;
};
struct fake_rate_limiter {
  struct fake_clock *clock;
  struct fake_counter counters[FAKE_COUNTERS_MAX];
  int n;
  bool down;           /* every call answers VG_ERR_UNAVAILABLE */
  vg_result next_take; /* when not VG_OK, the next take answers it (once), doing nothing */
  int calls; /* calls that would be a round trip to the store (take, untake, reserve, give_back) */
};
struct rate_limiter fake_rate_limiter_port(struct fake_rate_limiter *r);
/* The live count of scope for subject (0 when none). */
int fake_rate_limiter_count(struct fake_rate_limiter *r, const char *scope, const char *subject);

/* Every fake wired into one struct auth with auth_rules_default(), the clock at FAKE_EPOCH,
 * mfa tokens living 300 s and access tokens 900 s. w must not move after init. */
#define FAKE_EPOCH 1700000000
struct fake_world {
  struct fake_clock clock;
  struct fake_user_store users;
  struct fake_pending_store pending;
  struct fake_otp_sender otp;
  struct fake_token_service tokens;
  struct fake_hasher hasher;
  struct fake_rate_limiter limiter;
  struct fake_session_store sessions;
  struct fake_phone_numbers phones;
  struct auth auth;
};
void fake_world_init(struct fake_world *w);

#endif
