/* handlers_info.c: /dashboard, the JWKS, the discovery document, the health probes and /metrics. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http/call.h"
#include "http/json_io.h"
#include "http/json_text.h"
#include "http/metrics_server.h"
#include "http/problem.h"

/* RFC 3339 UTC from Unix milliseconds. */
static void format_time(int64_t ms, char out[32]) {
  time_t seconds = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&seconds, &tm);
  strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void handle_dashboard(struct http_call *c) {
  struct dashboard_output out;
  vg_result r = auth_dashboard(c->auth, c->bearer, &out);
  if (r != VG_OK) {
    problem_send_bearer_result(c->res, c->bearer_sent, r,
                               r == VG_ERR_INSUFFICIENT_AAL ? "Complete the SMS step first" : NULL,
                               NULL, NULL);
    return;
  }
  char created[32];
  format_time(out.user.created_at, created);
  /* The busiest answer of all, written without a jansson tree (json_text.h). */
  const char *strings[][2] = {
      {"{\"user\":{\"id\":", out.user.id},   {",\"name\":", out.user.name},
      {",\"username\":", out.user.username}, {",\"email\":", out.user.email},
      {",\"phone\":", out.user.phone},       {",\"created_at\":", created}};
  struct json_text t = {0};
  for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
    json_text_raw(&t, strings[i][0]);
    json_text_string(&t, strings[i][1]);
  }
  json_text_raw(&t, ",\"phone_verified\":");
  json_text_bool(&t, out.user.phone_verified);
  json_text_raw(&t, "},\"auth\":{\"aal\":\"aal2\",\"amr\":[\"pwd\",");
  json_text_string(&t, out.claims.amr[0] ? out.claims.amr : "sms");
  json_text_raw(&t, "],\"auth_time\":");
  json_text_int(&t, (long long)out.claims.auth_time);
  json_text_raw(&t, "}}");
  json_text_send(c->res, 200, &t);
}

void handle_jwks(struct http_call *c) {
  const char *jwks = c->auth->tokens.jwks(c->auth->tokens.self);
  ulfius_set_string_body_response(c->res, 200, jwks);
  u_map_put(c->res->map_header, "Content-Type", "application/json");
  /* Public keys: caches may keep them for a while (rotation publishes the next key early). */
  u_map_put(c->res->map_header, "Cache-Control", "public, max-age=300");
}

/* RFC 8414 metadata, made at start from PUBLIC_URL (or an https JWT_ISSUER), so that libraries
 * configured with the issuer find the JWKS; without such a URL there is none to give, since a
 * URL made from the request's Host header would be the client's to choose. */
void handle_discovery(struct http_call *c) {
  if (!c->discovery) {
    problem_send(c->res, problem_for_http(HTTP_ERR_NOT_FOUND),
                 "No metadata is published: set PUBLIC_URL, or JWT_ISSUER to an https URL", NULL);
    return;
  }
  ulfius_set_string_body_response(c->res, 200, c->discovery);
  u_map_put(c->res->map_header, "Content-Type", "application/json");
  u_map_put(c->res->map_header, "Cache-Control", "public, max-age=300");
}

void handle_healthz(struct http_call *c) {
  json_send(c->res, 200, json_pack("{s:s}", "status", "ok"), JSON_PLAIN);
}

void handle_readyz(struct http_call *c) {
  bool users_ok, pending_ok;
  vg_result r = auth_ready(c->auth, &users_ok, &pending_ok);
  json_t *checks = json_pack("{s:s, s:s}", "mongodb", users_ok ? "ok" : "unavailable", "redis",
                             pending_ok ? "ok" : "unavailable");
  /* Stopping: out of the load balancer's rotation at once, whatever the stores say. */
  if (r == VG_OK && !c->draining) {
    json_send(c->res, 200, json_pack("{s:s, s:o}", "status", "ready", "checks", checks),
              JSON_PLAIN);
    return;
  }
  char detail[96];
  if (r == VG_OK)
    snprintf(detail, sizeof detail, "Shutting down");
  else
    snprintf(detail, sizeof detail, "Not answering: %s%s%s", users_ok ? "" : "mongodb",
             !users_ok && !pending_ok ? ", " : "", pending_ok ? "" : "redis");
  if (r != VG_OK) http_log(c, Y_LOG_LEVEL_WARNING, "not ready: %s", detail);
  problem_send(c->res, problem_for_http(HTTP_ERR_NOT_READY), detail,
               json_pack("{s:o, s:i}", "checks", checks, "retry_after", 5));
}

void handle_metrics(struct http_call *c) {
  metrics_answer(c->res);
}
