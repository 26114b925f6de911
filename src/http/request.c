/* request.c: the callbacks every request passes through (request.h has their order). */
#include "http/request.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>
#include <sodium.h>

#include "http/call.h"
#include "http/cors.h"
#include "http/json_io.h"
#include "http/problem.h"
#include "log.h"
#include "metrics.h"

/* The longest X-Forwarded-For kept, all its lines joined: the right-most entries are kept. */
#define FORWARDED_MAX 2048

/* A fresh id: a random 64-bit start per thread, then one more per request. Unique, not secret,
 * and no getrandom() system call per request. */
static void fresh_request_id(char out[REQUEST_ID_MAX]) {
  static _Thread_local uint64_t next;
  static _Thread_local bool seeded;
  if (!seeded) {
    randombytes_buf(&next, sizeof next);
    seeded = true;
  }
  snprintf(out, REQUEST_ID_MAX, "%016" PRIx64, next++);
}

/* The client's X-Request-Id when it is short and plain, else a fresh one. */
static void request_id(const struct _u_request *req, char out[REQUEST_ID_MAX]) {
  const char *given = u_map_get_case(req->map_header, "X-Request-Id");
  size_t len = given ? strlen(given) : 0;
  bool plain = len > 0 && len < REQUEST_ID_MAX;
  for (size_t i = 0; plain && i < len; i++)
    plain = isalnum((unsigned char)given[i]) || given[i] == '-' || given[i] == '_';
  if (plain)
    memcpy(out, given, len + 1);
  else
    fresh_request_id(out);
}

/* A W3C Trace Context traceparent (version 00): "00-<trace id>-<parent id>-<flags>", lower-case
 * hex, neither id all zeros. Anything else is ignored, as the recommendation asks. */
static bool is_lower_hex(const char *v, size_t len, bool *all_zero) {
  *all_zero = true;
  for (size_t i = 0; i < len; i++) {
    if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f'))) return false;
    if (v[i] != '0') *all_zero = false;
  }
  return true;
}

static void parse_traceparent(const char *v, char trace_id[33], char span_id[17]) {
  bool zero_trace, zero_span, zero_flags;
  if (!v || strlen(v) != 55 || strncmp(v, "00-", 3) != 0 || v[35] != '-' || v[52] != '-' ||
      !is_lower_hex(v + 3, 32, &zero_trace) || !is_lower_hex(v + 36, 16, &zero_span) ||
      !is_lower_hex(v + 53, 2, &zero_flags) || zero_trace || zero_span)
    return;
  memcpy(trace_id, v + 3, 32);
  trace_id[32] = '\0';
  memcpy(span_id, v + 36, 16);
  span_id[16] = '\0';
}

static _Thread_local struct MHD_Connection *current_connection;

void http_request_connection(struct MHD_Connection *connection) {
  current_connection = connection;
}

/* MHD_get_connection_values's iterator: every X-Forwarded-For line, whatever its spelling, in the
 * order received. */
static enum MHD_Result join_forwarded(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value) {
  (void)kind;
  if (key && value && strcasecmp(key, "X-Forwarded-For") == 0)
    client_ip_join_forwarded(cls, FORWARDED_MAX, value);
  return MHD_YES;
}

/* The socket peer, then X-Forwarded-For from a trusted proxy: a client's line and the line a
 * proxy appends are one list (RFC 9110 §5.3) even when they are spelled differently, so the
 * client cannot pick its address by writing "x-forwarded-for". */
static void find_client_ip(const struct http_site *site, const struct _u_request *req,
                           struct http_call *c) {
  char peer[CLIENT_IP_MAX], forwarded[FORWARDED_MAX] = "";
  const union MHD_ConnectionInfo *info =
      current_connection
          ? MHD_get_connection_info(current_connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS)
          : NULL;
  client_ip_of_peer(info ? info->client_addr : req->client_address, peer);
  if (current_connection)
    MHD_get_connection_values(current_connection, MHD_HEADER_KIND, join_forwarded, forwarded);
  client_ip_pick(peer, forwarded[0] ? forwarded : NULL, &site->proxies, c->client_ip);
  client_ip_limit_subject(c->client_ip, site->ipv6_limit_prefix, c->limit_ip);
}

int http_request_begin(const struct _u_request *req, struct _u_response *res, void *site) {
  const struct http_site *s = site;
  struct http_call *c = calloc(1, sizeof *c);
  if (!c || ulfius_set_response_shared_data(res, c, free) != U_OK) {
    free(c);
    return U_CALLBACK_ERROR; /* ulfius answers 500 */
  }
  clock_gettime(CLOCK_MONOTONIC, &c->start);
  c->req = req;
  c->res = res;
  c->auth = s->auth;
  c->discovery = s->discovery;
  request_id(req, c->request_id);
  vg_log_request_begin(c->request_id); /* every line logged from here names the request */
  find_client_ip(s, req, c);
  c->bearer = http_bearer_token(req);
  c->draining = atomic_load(s->draining);
  parse_traceparent(u_map_get_case(req->map_header, "traceparent"), c->trace_id, c->span_id);
  c->bearer_sent = http_bearer_sent(req);
  u_map_put(res->map_header, "X-Request-Id", c->request_id);
  /* ulfius stores at most max_post_body_size (one byte above the limit) and drops the rest
   * without telling: a stored length above the limit is how a larger body shows. The connection
   * is closed after the answer, so nothing more is read from it. */
  if (req->binary_body_length > JSON_BODY_MAX) {
    problem_send(res, problem_for_http(HTTP_ERR_PAYLOAD_TOO_LARGE),
                 "The request body is larger than 16384 bytes", NULL);
    u_map_put(res->map_header, "Connection", "close");
    c->answered = true;
  }
  return U_CALLBACK_CONTINUE;
}

int http_request_route(const struct _u_request *req, struct _u_response *res, void *bound) {
  (void)req;
  const struct http_bound_route *b = bound;
  struct http_call *c = res->shared_data;
  if (!c) return U_CALLBACK_CONTINUE;
  c->metric_route = b->path->metric_route; /* every request to a route's path, answered or not */
  if (c->answered) return U_CALLBACK_CONTINUE;
  b->route->handler(c);
  c->answered = true;
  return U_CALLBACK_CONTINUE;
}

/* The next segment of *p (empty ones skipped) into *seg and *len; false at the end. */
static bool next_segment(const char **p, const char **seg, size_t *len) {
  while (**p == '/') (*p)++;
  if (!**p) return false;
  *seg = *p;
  while (**p && **p != '/') (*p)++;
  *len = (size_t)(*p - *seg);
  return true;
}

bool http_path_match(const char *format, const char *url_path) {
  const char *f = format, *u = url_path ? url_path : "", *fs, *us;
  size_t fl, ul;
  for (;;) {
    bool more_f = next_segment(&f, &fs, &fl), more_u = next_segment(&u, &us, &ul);
    if (!more_f || !more_u) return more_f == more_u;
    if (fs[0] != ':' && (fl != ul || memcmp(fs, us, fl) != 0)) return false;
  }
}

/* A request no route answered, to the path of a route: a CORS preflight, or 405 with Allow. */
static bool answer_path(const struct http_site *s, const struct _u_request *req,
                        struct _u_response *res, struct http_call *c) {
  for (size_t i = 0; i < s->path_count; i++) {
    const struct http_path *p = &s->paths[i];
    if (!http_path_match(p->path, req->url_path)) continue;
    c->metric_route = p->metric_route;
    if (strcmp(req->http_verb, "OPTIONS") == 0) {
      cors_preflight(s->cors_origins, p->allow, req, res);
    } else {
      u_map_put(res->map_header, "Allow", p->allow);
      problem_send(res, problem_for_http(HTTP_ERR_METHOD_NOT_ALLOWED), NULL, NULL);
    }
    return true;
  }
  return false;
}

/* The first 80 bytes of a client-controlled string, with every byte outside printable ASCII,
 * and the backslash, written as \xNN: a path cannot start a line or fake a field of its own. */
static void log_safe(const char *in, char out[4 * 80 + 1]) {
  size_t o = 0;
  for (size_t i = 0; in && in[i] && i < 80; i++) {
    unsigned char ch = (unsigned char)in[i];
    if (ch > 0x20 && ch < 0x7f && ch != '\\')
      out[o++] = (char)ch;
    else
      o += (size_t)snprintf(out + o, 5, "\\x%02x", ch);
  }
  out[o] = '\0';
}

static uint64_t elapsed_ns(const struct timespec *start) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)((now.tv_sec - start->tv_sec) * 1000000000LL + (now.tv_nsec - start->tv_nsec));
}

/* The access line: in text "GET /path 200 1.2ms" (client text escaped) and the trace ids when
 * given; in JSON, the same message and every field as a member. */
static void log_access(const struct http_call *c, const struct _u_request *req,
                       const struct _u_response *res, uint64_t ns) {
  char verb[4 * 80 + 1], path[4 * 80 + 1], status[16], ms[32], message[sizeof verb * 2 + 64];
  log_safe(req->http_verb, verb);
  log_safe(req->url_path, path);
  snprintf(status, sizeof status, "%ld", res->status);
  snprintf(ms, sizeof ms, "%.1f", (double)ns / 1e6);
  snprintf(message, sizeof message, "%s %s %s %sms", verb, path, status, ms);
  const struct vg_log_field fields[] = {
      {"method", req->http_verb, VG_LOG_JSON_ONLY},
      {"path", req->url_path, VG_LOG_JSON_ONLY},
      {"status", status, VG_LOG_JSON_ONLY | VG_LOG_NUMBER},
      {"duration_ms", ms, VG_LOG_JSON_ONLY | VG_LOG_NUMBER},
      {"ip", c->client_ip[0] ? c->client_ip : NULL, VG_LOG_JSON_ONLY},
      {"trace_id", c->trace_id, 0},
      {"span_id", c->span_id, 0},
  };
  vg_log_event(Y_LOG_LEVEL_INFO, message, fields, c->trace_id[0] ? 7 : 5);
}

int http_request_finish(const struct _u_request *req, struct _u_response *res, void *site) {
  const struct http_site *s = site;
  struct http_call *c = res->shared_data;
  if (!c) return U_CALLBACK_COMPLETE;
  if (!c->answered && !answer_path(s, req, res, c))
    problem_send(res, problem_for_http(HTTP_ERR_NOT_FOUND), NULL, NULL);
  cors_add_headers(s->cors_origins, req, res);
  /* Stopping: the client opens its next request elsewhere rather than on a closing socket. */
  if (atomic_load(s->draining)) u_map_put(res->map_header, "Connection", "close");
  uint64_t ns = elapsed_ns(&c->start);
  metrics_http_request(c->metric_route, res->status, ns);
  if (http_log_enabled(Y_LOG_LEVEL_INFO)) log_access(c, req, res, ns);
  vg_log_request_end();
  return U_CALLBACK_COMPLETE;
}
