/* routes.c: the route table, bearer parsing and per-request logging. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/call.h"
#include "http/problem.h"
#include "log.h"

const struct route http_routes[] = {
    {"POST", "/signup", handle_signup},
    {"POST", "/login", handle_login},
    {"POST", "/resend", handle_resend},
    {"POST", "/verify", handle_verify},
    {"POST", "/token/refresh", handle_refresh},
    {"POST", "/logout", handle_logout},
    {"POST", "/password/forgot", handle_password_forgot},
    {"POST", "/password/reset", handle_password_reset},
    {"GET", "/dashboard", handle_dashboard},
    {"POST", "/me/phone", handle_phone_change},
    {"POST", "/me/phone/verify", handle_phone_verify},
    {"GET", "/sessions", handle_sessions_list},
    {"DELETE", "/sessions/:id", handle_session_delete},
    {"POST", "/me/password", handle_password_change},
    {"DELETE", "/me", handle_account_delete},
    {"GET", "/.well-known/jwks.json", handle_jwks},
    {"GET", "/.well-known/oauth-authorization-server", handle_discovery},
    {"GET", "/healthz", handle_healthz},
    {"GET", "/readyz", handle_readyz},
    {"GET", "/metrics", handle_metrics}, /* here, or only on METRICS_PORT when set (server.c) */
    {"POST", "/factors/totp", handle_totp_enroll},
    {"DELETE", "/factors/totp", handle_totp_delete},
    {"POST", "/factors/totp/confirm", handle_totp_confirm},
    {"POST", "/factors/recovery-codes", handle_recovery_renew},
    {NULL, NULL, NULL},
};

/* RFC 6750 b64token characters. */
static bool is_token_char(char ch) {
  return isalnum((unsigned char)ch) || strchr("-._~+/=", ch) != NULL;
}

const char *http_bearer_token(const struct _u_request *req) {
  const char *value = u_map_get_case(req->map_header, "Authorization");
  if (!value || strncasecmp(value, "Bearer ", 7) != 0) return NULL;
  value += 7;
  while (*value == ' ') value++;
  if (!*value) return NULL;
  for (const char *p = value; *p; p++)
    if (!is_token_char(*p)) return NULL;
  return value;
}

bool http_bearer_sent(const struct _u_request *req) {
  const char *value = u_map_get_case(req->map_header, "Authorization");
  return value && strncasecmp(value, "Bearer", 6) == 0 && (value[6] == ' ' || value[6] == '\0');
}

static void audit(const struct http_call *call, const char *event, vg_result r, const char *user,
                  const char *from, const char *to, const char *account) {
  const char *outcome = r == VG_OK ? "ok" : problem_for_result(r).type + strlen("/problems/");
  /* Refusals a defender watches for go out as warnings; the rest is the normal course. */
  bool alarming = r == VG_ERR_RATE_LIMITED || r == VG_ERR_TOO_MANY_ATTEMPTS ||
                  strcmp(event, "refresh_reuse") == 0;
  /* Text: "audit event=E outcome=O user=U[ from=F] to=T ip=I[ account=A]", "-" for what is
   * unknown; from and account only on the lines that have them. */
  struct vg_log_field fields[7];
  size_t n = 0;
  fields[n++] = (struct vg_log_field){"event", event, 0};
  fields[n++] = (struct vg_log_field){"outcome", outcome, 0};
  fields[n++] = (struct vg_log_field){"user", user && *user ? user : NULL, 0};
  if (from) fields[n++] = (struct vg_log_field){"from", *from ? from : NULL, 0};
  fields[n++] = (struct vg_log_field){"to", to && *to ? to : NULL, 0};
  fields[n++] = (struct vg_log_field){"ip", call->client_ip[0] ? call->client_ip : NULL, 0};
  if (account) fields[n++] = (struct vg_log_field){"account", account, 0};
  vg_log_event(alarming ? Y_LOG_LEVEL_WARNING : Y_LOG_LEVEL_INFO, "audit", fields, n);
}

void http_audit(const struct http_call *call, const char *event, vg_result r, const char *user,
                const char *to) {
  audit(call, event, r, user, NULL, to, NULL);
}

void http_audit_change(const struct http_call *call, const char *event, vg_result r,
                       const char *user, const char *from, const char *to) {
  audit(call, event, r, user, from ? from : "", to, NULL);
}

void http_audit_account(const struct http_call *call, const char *event, vg_result r,
                        const char *account) {
  audit(call, event, r, NULL, NULL, NULL, account);
}

/* The level yder was started with: lines above it are not even formatted. */
static unsigned long log_level = Y_LOG_LEVEL_DEBUG;

void http_log_set_level(unsigned long level) {
  log_level = level;
}

bool http_log_enabled(unsigned long level) {
  return level <= log_level;
}

void http_log(const struct http_call *call, unsigned long level, const char *fmt, ...) {
  (void)call; /* dispatch has marked this thread with the call's request id: log.c writes it */
  if (level > log_level) return;
  char message[512];
  va_list args;
  va_start(args, fmt);
  vsnprintf(message, sizeof message, fmt, args);
  va_end(args);
  y_log_message(level, "%s", message);
}
