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
    {"GET", "/dashboard", handle_dashboard},
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
                  const char *to, const char *account) {
  const char *outcome = r == VG_OK ? "ok" : problem_for_result(r).type + strlen("/problems/");
  /* Refusals a defender watches for go out as warnings; the rest is the normal course. */
  bool alarming = r == VG_ERR_RATE_LIMITED || r == VG_ERR_TOO_MANY_ATTEMPTS ||
                  strcmp(event, "refresh_reuse") == 0;
  /* Text: "audit event=E outcome=O user=U to=T ip=I[ account=A]", "-" for what is unknown. */
  const struct vg_log_field fields[] = {
      {"event", event, 0},
      {"outcome", outcome, 0},
      {"user", user && *user ? user : NULL, 0},
      {"to", to && *to ? to : NULL, 0},
      {"ip", call->client_ip[0] ? call->client_ip : NULL, 0},
      {"account", account, 0},
  };
  vg_log_event(alarming ? Y_LOG_LEVEL_WARNING : Y_LOG_LEVEL_INFO, "audit", fields,
               account ? 6 : 5);
}

void http_audit(const struct http_call *call, const char *event, vg_result r, const char *user,
                const char *to) {
  audit(call, event, r, user, to, NULL);
}

void http_audit_account(const struct http_call *call, const char *event, vg_result r,
                        const char *account) {
  audit(call, event, r, NULL, NULL, account);
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
