/* handlers_me.c: GET /sessions, DELETE /sessions/{id}, POST /me/password, DELETE /me: the
 * caller's own sessions and account, behind an access token. Parse, call core, answer. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/call.h"
#include "http/json_io.h"
#include "http/problem.h"

void http_session_client(const struct http_call *c, struct vg_session_client *out) {
  char network[CLIENT_IP_SUBJECT_MAX];
  client_ip_network(c->client_ip, network);
  auth_session_client(u_map_get_case(c->req->map_header, "User-Agent"), network, out);
}

/* RFC 3339 UTC from Unix seconds. */
static json_t *time_json(int64_t seconds) {
  time_t t = (time_t)seconds;
  struct tm tm;
  char text[32];
  gmtime_r(&t, &tm);
  strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return json_string(text);
}

/* A refusal behind the access token: the bearer challenges, and how long a lock lasts. */
static void refuse(struct http_call *c, const char *event, vg_result r, const char *user,
                   const struct vg_field_errors *errs, int retry_after) {
  if (event) http_audit(c, event, r, user, NULL);
  const char *detail = NULL;
  if (r == VG_ERR_INSUFFICIENT_AAL) detail = "Complete the SMS step first";
  if (r == VG_ERR_WRONG_PASSWORD) detail = "The password is not this account's";
  if (r == VG_ERR_REAUTH_REQUIRED)
    detail = "Send the account's password: the last login is more than 5 minutes old";
  problem_send_bearer_result(c->res, c->bearer_sent, r, detail, errs,
                             problem_extra(r, 0, retry_after));
}

void handle_sessions_list(struct http_call *c) {
  struct sessions_output out;
  vg_result r = auth_sessions_list(c->auth, c->bearer, &out);
  if (r != VG_OK) {
    refuse(c, NULL, r, out.user_id, NULL, 0);
    return;
  }
  json_t *list = json_array();
  for (int i = 0; list && i < out.count; i++) {
    const struct vg_session_info *s = &out.items[i];
    json_array_append_new(
        list, json_pack("{s:s, s:o, s:o, s:s, s:s, s:b}", "id", s->id, "created_at",
                        time_json(s->created), "refreshed_at", time_json(s->refreshed),
                        "user_agent", s->client.user_agent, "ip_prefix", s->client.ip_prefix,
                        "current", strcmp(s->id, out.current) == 0));
  }
  free(out.items);
  json_send(c->res, 200, list ? json_pack("{s:o}", "sessions", list) : NULL, JSON_PLAIN);
}

void handle_session_delete(struct http_call *c) {
  struct session_delete_output out;
  vg_result r = auth_session_delete(c->auth, c->bearer, u_map_get(c->req->map_url, "id"), &out);
  if (r != VG_OK) {
    refuse(c, "session_delete_refused", r, out.user_id, NULL, 0);
    return;
  }
  http_audit(c, out.own ? "logout" : "session_deleted", VG_OK, out.user_id, NULL);
  ulfius_set_empty_body_response(c->res, 204);
}

void handle_password_change(struct http_call *c) {
  json_t *body;
  if (!json_read_object(c->req, c->res, false, &body)) return;
  struct vg_field_errors errs = {0};
  const char *current = json_string_member(body, "current_password", &errs);
  const char *next = json_string_member(body, "new_password", &errs);
  struct account_output out;
  vg_result r = auth_password_change(c->auth, c->bearer, current, next, c->limit_ip, &errs, &out);
  json_decref(body);
  if (r != VG_OK) {
    refuse(c, "password_change_refused", r, out.user_id, &errs, out.retry_after);
    return;
  }
  http_audit(c, "password_changed", VG_OK, out.user_id, NULL);
  ulfius_set_empty_body_response(c->res, 204);
}

void handle_account_delete(struct http_call *c) {
  json_t *body;
  if (!json_read_object(c->req, c->res, true, &body)) return;
  struct vg_field_errors errs = {0};
  const char *password = json_string_member(body, "password", &errs);
  struct account_output out;
  vg_result r = auth_account_delete(c->auth, c->bearer, password, c->limit_ip, &errs, &out);
  json_decref(body);
  if (r != VG_OK) {
    refuse(c, "account_delete_refused", r, out.user_id, &errs, out.retry_after);
    return;
  }
  http_audit(c, "account_deleted", VG_OK, out.user_id, NULL);
  ulfius_set_empty_body_response(c->res, 204);
}
