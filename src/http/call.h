/* call.h: what a handler gets for one request, and the route table it is listed in. */
#ifndef VG_CALL_H
#define VG_CALL_H

#include <stdbool.h>
#include <time.h>

#include <ulfius.h>

#include "core/auth.h"
#include "http/client_ip.h"

#define REQUEST_ID_MAX 65

/* One request on its way through the callbacks (request.c): made by the first, kept as the
 * response's ulfius shared data, read by the route's handler and by the last. */
struct http_call {
  const struct _u_request *req;
  struct _u_response *res;
  struct auth *auth;
  const char *bearer; /* the "Authorization: Bearer" token (in req's headers), or NULL */
  const char *discovery; /* the server's RFC 8414 metadata (discovery.h), or NULL */
  bool bearer_sent;   /* an Authorization header of the Bearer scheme came, well-formed or not */
  char request_id[REQUEST_ID_MAX];
  char client_ip[CLIENT_IP_MAX];        /* "" when unknown; what logs and audit lines name */
  char limit_ip[CLIENT_IP_SUBJECT_MAX]; /* what per-IP limits count: an IPv6 client's network */
  struct timespec start;
  int metric_route; /* the route label: the path's, or METRICS_ROUTE_OTHER (0) when none matched */
  bool answered;    /* a callback has written the answer; the later ones leave it alone */
  bool draining;    /* the server was stopping when the request began */
  char trace_id[33]; /* of a valid W3C traceparent header, else "" */
  char span_id[17];  /* its parent id: the caller's span */
};

typedef void (*http_handler)(struct http_call *call);

struct route {
  const char *method;
  const char *path;
  http_handler handler;
};

/* Every endpoint of verigate, ended by a {NULL} entry (routes.c). */
extern const struct route http_routes[];

/* The handlers (handlers_auth.c, handlers_session.c, handlers_info.c). */
void handle_signup(struct http_call *call);
void handle_login(struct http_call *call);
void handle_resend(struct http_call *call);
void handle_verify(struct http_call *call);
void handle_refresh(struct http_call *call);
void handle_logout(struct http_call *call);
/* handlers_password.c */
void handle_password_forgot(struct http_call *call);
void handle_password_reset(struct http_call *call);

/* The delivery options of a /login, /resend or /me/phone body (channel, locale, app_hash) and
 * the Accept-Language header; the strings live as long as body and the request. */
struct delivery_input http_delivery_members(const struct http_call *c, json_t *body,
                                            struct vg_field_errors *errs);

/* POST /me/phone and /me/phone/verify (handlers_phone.c). */
void handle_phone_change(struct http_call *c);
void handle_phone_verify(struct http_call *c);
/* The 409 phone-taken of a /login whose number another account verified: audited, with the
 * mfa_token (freed here) that POST /me/phone accepts. */
void http_refuse_phone_taken_login(struct http_call *c, struct login_output *out);
#define HTTP_PHONE_TAKEN_DETAIL                                                               \
  "Another account verified this phone number first: change this account's number with POST " \
  "/me/phone"

/* The 200 body of /verify and /token/refresh: both tokens with their lifetimes. */
json_t *http_token_response(const char *access_token, int expires_in, const char *refresh_token,
                            int refresh_expires_in);
void handle_dashboard(struct http_call *call);
/* handlers_me.c: the caller's own sessions and account. */
void handle_sessions_list(struct http_call *call);
void handle_session_delete(struct http_call *call);
void handle_password_change(struct http_call *call);
void handle_account_delete(struct http_call *call);
/* handlers_factors.c */
void handle_totp_enroll(struct http_call *call);
void handle_totp_confirm(struct http_call *call);
void handle_totp_delete(struct http_call *call);
void handle_recovery_renew(struct http_call *call);
void handle_jwks(struct http_call *call);
void handle_discovery(struct http_call *call);
void handle_healthz(struct http_call *call);
void handle_readyz(struct http_call *call);
void handle_metrics(struct http_call *call);

/* What the session a request starts keeps of its client: its User-Agent, its network
 * (handlers_me.c). */
void http_session_client(const struct http_call *call, struct vg_session_client *out);

/* The token of an "Authorization: Bearer <token>" header, or NULL. */
const char *http_bearer_token(const struct _u_request *req);

/* True when the request has an Authorization header of the Bearer scheme, whatever follows. */
bool http_bearer_sent(const struct _u_request *req);

/* One structured audit line: `audit event=E outcome=O user=U to=T ip=I` after the request id.
 * outcome is "ok" or a problem type; user and to (a masked phone) may be NULL or "". */
void http_audit(const struct http_call *call, const char *event, vg_result r, const char *user,
                const char *to);

/* http_audit for a change of number: `from=F` (the old number, masked) before `to=T`. */
void http_audit_change(const struct http_call *call, const char *event, vg_result r,
                       const char *user, const char *from, const char *to);

/* http_audit for a login of an address that is no account's: `user=-`, and at the end of the
 * line `account=<tag>` (the keyed hash of the normalised address, 16 hex digits), so that the
 * attempts on one unknown address can be grouped without the address. */
void http_audit_account(const struct http_call *call, const char *event, vg_result r,
                        const char *account);

/* One log line for an event of this request, prefixed with its request id. Callers never pass
 * secrets, codes, tokens or whole phone numbers. */
void http_log(const struct http_call *call, unsigned long level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The yder level in force (LOG_LEVEL), so that http_log skips what would be dropped anyway. */
void http_log_set_level(unsigned long level);

/* True when a line at level would be written (LOG_LEVEL). */
bool http_log_enabled(unsigned long level);

#endif
