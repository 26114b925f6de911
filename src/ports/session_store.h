/* session_store.h: signed-in sessions (Redis in production). A session is one refresh-token family:
 * the chain of refresh tokens that started with one /verify, each spent by one /token/refresh.
 * Its id is the "sid" claim of every access token issued in it. The store also keeps what makes
 * an unexpired access token invalid: its jti on the deny-list, or its session revoked. Every
 * operation is atomic in the store, so any number of verigate processes can share it. */
#ifndef VG_PORT_SESSION_STORE_H
#define VG_PORT_SESSION_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/result.h"
#include "ports/token_service.h"

#define VG_REFRESH_TOKEN_MAX 44 /* 256 random bits as base64url without padding: 43 + NUL */

struct vg_session {
  char id[VG_SESSION_ID_MAX]; /* the family id, the access tokens' sid */
  char user_id[VG_ID_MAX];
  int64_t auth_time; /* when the second factor was passed; refreshes keep it */
  /* Which second factor: "sms", "otp" or "recovery"; refreshes keep it. */
  char amr[VG_AMR_MAX];
};

#define VG_USER_AGENT_MAX 201    /* a User-Agent kept with its session: 200 bytes, NUL */
#define VG_IP_PREFIX_MAX 50      /* "2001:db8:1::/48", "203.0.113.0/24" */
#define VG_SESSIONS_LIST_MAX 100 /* GET /sessions answers at most this many, the newest */

/* Who started a session, kept with it for GET /sessions: never the whole client address. */
struct vg_session_client {
  char user_agent[VG_USER_AGENT_MAX]; /* printable, truncated (auth_session_client) */
  char ip_prefix[VG_IP_PREFIX_MAX];   /* the client's IPv4 /24 or IPv6 /48; "" when unknown */
};

/* One live session as GET /sessions shows it. */
struct vg_session_info {
  char id[VG_SESSION_ID_MAX];
  char user_id[VG_ID_MAX];
  int64_t created;   /* when it started (its /verify), seconds since the Unix epoch */
  int64_t refreshed; /* its last /token/refresh, or created */
  struct vg_session_client client;
};

/* How long a bar on a user's logins is kept: longer than any mfa_token lives (MFA_TOKEN_TTL is
 * at most 600 s), plus the time a login takes between reading the user and issuing its token. */
#define VG_LOGIN_BAR_SECONDS (600 + 60)

struct session_store {
  void *self;
  /* Consumes the pending login pending_jti (pending_store.h) and starts a session of user_id in
   * the same atomic step, so that a login is never spent without its session nor gives two: of
   * any number of callers one gets VG_OK, the others VG_ERR_NOT_FOUND and no session. The login's
   * verify lock is released if lock_owner still holds it. VG_OK fills session and its first
   * refresh token (a fresh random string; the store keeps only its SHA-256). The token expires
   * after ttl seconds; the session is remembered keep seconds longer, the longest an access token
   * of it can live.
   * client (may be NULL) is kept with the session. A login whose password step (login_at, Unix
   * seconds: its mfa_token's iat) came before the user's bar (bar_user) gets no session:
   * VG_ERR_NOT_FOUND, and the login is consumed all the same. */
  vg_result (*start)(void *self, const char *pending_jti, const char *lock_owner,
                     const char *user_id, int64_t login_at, int64_t auth_time, const char *amr,
                     const struct vg_session_client *client, int ttl, int keep,
                     struct vg_session *session, char token[VG_REFRESH_TOKEN_MAX]);
  /* Spends token and makes its successor in the same session, in one atomic step; ttl and keep
   * as for start. VG_OK fills session and next. VG_ERR_NOT_FOUND when token is unknown, expired
   * or its session has ended. A token that was already spent is a replay (OAuth 2.0 Security
   * BCP §4.14): its whole session is revoked as by revoke_session, *reused is set, session names
   * the user, and the answer is VG_ERR_NOT_FOUND too; except within grace seconds of its
   * rotation (0: never) while the successor it was spent for is still the session's unspent
   * token: then the answer is VG_OK with session and that same successor in next, and *retried
   * is set (a client that lost the answer, or two tabs refreshing at once). The store keeps
   * what it needs to answer so, never the successor in clear, for grace seconds only. A rotation
   * records when it happened as the session's last refresh. */
  vg_result (*rotate)(void *self, const char *token, int ttl, int keep, int grace,
                      struct vg_session *session, char next[VG_REFRESH_TOKEN_MAX], bool *reused,
                      bool *retried);
  /* Ends session id: its refresh token stops working and it counts as revoked for keep seconds
   * (for the access tokens that name it). VG_OK also when it had already ended. */
  vg_result (*revoke_session)(void *self, const char *id, int keep);
  /* Ends every session of user_id as revoke_session does, except except_id when it is not NULL
   * (the caller's own session, kept by a password or phone change). */
  vg_result (*revoke_user)(void *self, const char *user_id, const char *except_id, int keep);
  /* Puts the access token jti on the deny-list for ttl seconds. */
  vg_result (*deny)(void *self, const char *jti, int ttl);
  /* *revoked: jti is on the deny-list, or session id was revoked. */
  vg_result (*is_revoked)(void *self, const char *jti, const char *id, bool *revoked);
  /* The live sessions of user_id, the newest first (by created), at most max of them, into out;
   * *count says how many. */
  vg_result (*list)(void *self, const char *user_id, struct vg_session_info *out, int max,
                    int *count);
  /* Session id while it is live (neither revoked nor expired) into out; VG_ERR_NOT_FOUND
   * otherwise. */
  vg_result (*get)(void *self, const char *id, struct vg_session_info *out);
  /* No login of user_id whose password step came before `before` (Unix seconds) can start a
   * session (start answers VG_ERR_NOT_FOUND) for VG_LOGIN_BAR_SECONDS: a password change or
   * reset, a phone change, and a deletion (before far ahead) end the logins already under way.
   * before 0 lifts the bar. */
  vg_result (*bar_user)(void *self, const char *user_id, int64_t before);
};

#endif
