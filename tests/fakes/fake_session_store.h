/* fake_session_store.h: an in-memory session_store for core unit tests ONLY, with the semantics
 * of src/ports/session_store.h (and of the Redis scripts): everything expires by the fake clock.
 * Refresh tokens are "rt<n>", session ids "s<n>". */
#ifndef VG_FAKE_SESSION_STORE_H
#define VG_FAKE_SESSION_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/auth.h"

struct fake_clock;
struct fake_pending_store;

#define FAKE_SESSIONS_MAX 16
#define FAKE_REFRESH_MAX 32
#define FAKE_DENIED_MAX 16

struct fake_session {
  struct vg_session s;
  bool revoked;
  int64_t expires_at;
  int64_t refreshed;
  struct vg_session_client client;
};
#define FAKE_BARS_MAX 8
struct fake_bar {
  char user_id[VG_ID_MAX];
  int64_t before; /* logins whose password step came before this start no session */
  int64_t until;
};
struct fake_refresh {
  char token[VG_REFRESH_TOKEN_MAX];
  char session[VG_SESSION_ID_MAX];
  bool used;
  int64_t expires_at;
  /* Once spent: the successor it was spent for, answered again until grace_until. */
  char next[VG_REFRESH_TOKEN_MAX];
  int64_t grace_until;
};
struct fake_denied {
  char jti[VG_JTI_MAX];
  int64_t expires_at;
};
struct fake_session_store {
  struct fake_clock *clock;
  struct fake_session sessions[FAKE_SESSIONS_MAX];
  int session_count;
  struct fake_refresh tokens[FAKE_REFRESH_MAX];
  int token_count;
  struct fake_denied denied[FAKE_DENIED_MAX];
  int denied_count;
  int last_deny_ttl;
  bool down;                          /* every call answers VG_ERR_UNAVAILABLE */
  struct fake_pending_store *pending; /* the logins start consumes (fake_pending_store_consume) */
  int starts;                         /* calls of start that reached the store */
  struct fake_bar bars[FAKE_BARS_MAX];
  int bar_count;
  int fail_bar_after; /* > 0: the bar_user call of that number (1 = the next) answers down */
};
void fake_session_store_init(struct fake_session_store *s, struct fake_clock *clock);
struct session_store fake_session_store_port(struct fake_session_store *s);
/* The session with id (live, revoked or expired), or NULL. */
struct fake_session *fake_session_store_find(struct fake_session_store *s, const char *id);
/* The unspent, unexpired refresh token of session id, or NULL. */
const char *fake_session_store_live_token(struct fake_session_store *s, const char *id);

#endif
