/* server.c: libmicrohttpd in epoll mode with a thread pool, handing each request to its handler
 * as ulfius's request and response. One dispatcher gives the request an id, runs the handler (or
 * answers 404, 405 or a CORS preflight) and logs one access line.
 *
 * The request loop is ours rather than ulfius's because ulfius 2.7 cannot suspend a connection:
 * a handler that waits (an Argon2id hash in its bounded queue, a call to Twilio) would hold its
 * libmicrohttpd worker, and with it every other keep-alive connection that worker serves. Routes
 * marked `waits` run on the work pool while their connection is suspended instead, so /dashboard
 * stays answered during a login flood. */
#include "http/server.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <microhttpd.h>
#include <ulfius.h>

#include "http/call.h"
#include "http/cors.h"
#include "http/json_io.h"
#include "http/problem.h"
#include "http/work_pool.h"
#include "log.h"

struct http_server {
  struct MHD_Daemon *daemon;
  struct work_pool *pool;
  struct sockaddr_in bind;
  struct auth *auth;
  struct trusted_proxies proxies;
  char *cors_origins; /* CORS_ALLOWED_ORIGINS; NULL or "" answers no browser origin */
};

/* One request, from its first line to its answer. */
struct exchange {
  struct http_server *server;
  struct MHD_Connection *connection;
  struct _u_request req;
  struct _u_response res;
  const struct route *route; /* NULL: no route for this method and path */
  enum { EX_HEADERS, EX_BODY, EX_WAITING, EX_ANSWERED } state;
};

static double elapsed_ms(const struct timespec *start) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - start->tv_sec) * 1e3 + (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

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

/* The socket peer (verigate listens on IPv4 only), then X-Forwarded-For from a trusted proxy. */
static void find_client_ip(const struct http_server *s, const struct _u_request *req,
                           char out[CLIENT_IP_MAX]) {
  char peer[CLIENT_IP_MAX] = "";
  const struct sockaddr *addr = req->client_address;
  if (addr && addr->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->sin_addr, peer, sizeof peer);
  client_ip_pick(peer, u_map_get_case(req->map_header, "X-Forwarded-For"), &s->proxies, out);
}

/* Answers a request no route took: a CORS preflight (OPTIONS) or 405 with Allow when the path
 * exists, else 404. */
static void handle_unrouted(const struct http_server *s, struct http_call *c) {
  char allow[64] = "";
  for (const struct route *r = http_routes; r->method; r++) {
    if (strcmp(r->path, c->req->url_path) != 0) continue;
    if (allow[0]) strncat(allow, ", ", sizeof allow - strlen(allow) - 1);
    strncat(allow, r->method, sizeof allow - strlen(allow) - 1);
  }
  if (allow[0] && strcmp(c->req->http_verb, "OPTIONS") == 0) {
    cors_preflight(s->cors_origins, allow, c->req, c->res);
  } else if (allow[0]) {
    u_map_put(c->res->map_header, "Allow", allow);
    problem_send(c->res, problem_for_http(HTTP_ERR_METHOD_NOT_ALLOWED), NULL, NULL);
  } else {
    problem_send(c->res, problem_for_http(HTTP_ERR_NOT_FOUND), NULL, NULL);
  }
}

static const struct route *find_route(const char *method, const char *path) {
  for (const struct route *r = http_routes; r->method; r++)
    if (strcmp(r->method, method) == 0 && strcmp(r->path, path) == 0) return r;
  return NULL;
}

/* Headers on every answer: nothing verigate says may be cached by default, or sniffed. */
static void set_default_headers(struct _u_response *res) {
  u_map_put(res->map_header, "Cache-Control", "no-store");
  u_map_put(res->map_header, "Pragma", "no-cache");
  u_map_put(res->map_header, "X-Content-Type-Options", "nosniff");
  u_map_put(res->map_header, "Referrer-Policy", "no-referrer");
}

static void dispatch(struct exchange *x) {
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  const struct _u_request *req = &x->req;
  struct _u_response *res = &x->res;
  struct http_call call = {.req = req, .res = res, .auth = x->server->auth};
  request_id(req, call.request_id);
  vg_log_request_begin(call.request_id); /* every line logged from here names the request */
  find_client_ip(x->server, req, call.client_ip);
  set_default_headers(res);
  u_map_put(res->map_header, "X-Request-Id", call.request_id);
  if (x->route)
    x->route->handler(&call);
  else
    handle_unrouted(x->server, &call);
  cors_add_headers(x->server->cors_origins, req, res);
  http_log(&call, Y_LOG_LEVEL_INFO, "%s %.80s %ld %.1fms", req->http_verb, req->url_path,
           res->status, elapsed_ms(&start));
  vg_log_request_end();
}

/* On a work pool thread: answer, then wake the connection so that its worker sends it. */
static void dispatch_waiting(void *arg) {
  struct exchange *x = arg;
  dispatch(x);
  x->state = EX_ANSWERED; /* published to the worker by resume's lock */
  MHD_resume_connection(x->connection);
}

/* Like ulfius: a header that is not UTF-8 is dropped, a repeated one joined with ','. */
static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value) {
  (void)kind;
  struct _u_map *headers = cls;
  if (!value) value = "";
  if (vg_utf8_length(key) < 0 || vg_utf8_length(value) < 0) return MHD_YES;
  const char *before = u_map_get(headers, key);
  if (!before) return u_map_put(headers, key, value) == U_OK ? MHD_YES : MHD_NO;
  size_t len = strlen(before) + strlen(value) + 2;
  char *joined = malloc(len);
  if (!joined) return MHD_NO;
  snprintf(joined, len, "%s,%s", before, value);
  int r = u_map_put(headers, key, joined);
  free(joined);
  return r == U_OK ? MHD_YES : MHD_NO;
}

static bool read_headers(struct exchange *x, const char *method, const char *version) {
  struct _u_request *req = &x->req;
  const union MHD_ConnectionInfo *peer =
      MHD_get_connection_info(x->connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  req->http_verb = strdup(method);
  req->http_protocol = strdup(version);
  req->client_address = malloc(sizeof(struct sockaddr_in));
  if (!req->http_verb || !req->http_protocol || !req->client_address) return false;
  memset(req->client_address, 0, sizeof(struct sockaddr_in));
  if (peer && peer->client_addr && peer->client_addr->sa_family == AF_INET)
    memcpy(req->client_address, peer->client_addr, sizeof(struct sockaddr_in));
  MHD_get_connection_values(x->connection, MHD_HEADER_KIND, add_header, req->map_header);
  return true;
}

/* Keeps one byte past JSON_BODY_MAX, so json_io can tell a body that is too large (413). */
static bool read_body(struct _u_request *req, const char *data, size_t size) {
  size_t room = JSON_BODY_MAX + 1 - req->binary_body_length;
  if (size > room) size = room;
  if (size == 0) return true;
  char *body = realloc(req->binary_body, req->binary_body_length + size);
  if (!body) return false;
  memcpy(body + req->binary_body_length, data, size);
  req->binary_body = body;
  req->binary_body_length += size;
  return true;
}

static enum MHD_Result send_answer(struct exchange *x) {
  struct _u_response *res = &x->res;
  struct MHD_Response *answer = MHD_create_response_from_buffer(
      res->binary_body_length, res->binary_body, MHD_RESPMEM_MUST_COPY);
  if (!answer) return MHD_NO;
  const char **keys = u_map_enum_keys(res->map_header);
  for (size_t i = 0; keys && keys[i]; i++)
    MHD_add_response_header(answer, keys[i], u_map_get(res->map_header, keys[i]));
  enum MHD_Result r = MHD_queue_response(x->connection, (unsigned)res->status, answer);
  MHD_destroy_response(answer);
  return r;
}

/* libmicrohttpd calls this once for the headers, once per piece of body, once at the end, and
 * once more after a resume. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
  (void)cls;
  (void)url; /* unescaped by libmicrohttpd; routes match the path as sent (see on_uri) */
  struct exchange *x = *con_cls;
  if (!x) return MHD_NO;
  switch (x->state) {
    case EX_HEADERS:
      x->connection = connection;
      x->state = EX_BODY;
      return read_headers(x, method, version) ? MHD_YES : MHD_NO;
    case EX_BODY:
      if (*upload_size > 0) {
        bool ok = read_body(&x->req, upload, *upload_size);
        *upload_size = 0;
        return ok ? MHD_YES : MHD_NO;
      }
      x->route = find_route(method, x->req.url_path);
      if (x->route && x->route->waits && x->server->pool) {
        x->state = EX_WAITING;
        MHD_suspend_connection(connection);
        if (work_pool_submit(x->server->pool, dispatch_waiting, x)) return MHD_YES;
        MHD_resume_connection(connection); /* the pool is closing: answer here */
      }
      dispatch(x);
      x->state = EX_ANSWERED;
      return send_answer(x);
    case EX_WAITING:
      return MHD_YES; /* woken before the pool answered: wait for the next call */
    case EX_ANSWERED:
    default:
      return send_answer(x);
  }
}

/* The first thing libmicrohttpd knows of a request: its target as sent, before unescaping. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *connection) {
  (void)connection;
  struct exchange *x = calloc(1, sizeof *x);
  if (!x) return NULL;
  x->server = cls;
  if (ulfius_init_request(&x->req) != U_OK) {
    free(x);
    return NULL;
  }
  if (ulfius_init_response(&x->res) != U_OK) {
    ulfius_clean_request(&x->req);
    free(x);
    return NULL;
  }
  const char *query = strchr(uri, '?');
  x->req.http_url = strdup(uri);
  x->req.url_path = query ? strndup(uri, (size_t)(query - uri)) : strdup(uri);
  return x;
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode why) {
  (void)cls;
  (void)connection;
  (void)why;
  struct exchange *x = *con_cls;
  if (!x) return;
  ulfius_clean_request(&x->req);
  ulfius_clean_response(&x->res);
  free(x);
  *con_cls = NULL;
}

static bool start_mhd(struct http_server *s, const struct http_server_config *cfg) {
  struct MHD_OptionItem options[] = {
      {MHD_OPTION_THREAD_POOL_SIZE, cfg->threads, NULL},
      {MHD_OPTION_CONNECTION_LIMIT, cfg->connection_limit, NULL},
      {MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout, NULL},
      {MHD_OPTION_SOCK_ADDR, 0, &s->bind},
      {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s},
      {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, s},
      {MHD_OPTION_END, 0, NULL},
  };
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                   MHD_ALLOW_SUSPEND_RESUME;
  s->daemon = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, on_request, s,
                               MHD_OPTION_ARRAY, options, MHD_OPTION_END);
  return s->daemon != NULL;
}

static void free_server(struct http_server *s) {
  work_pool_destroy(s->pool);
  free(s->cors_origins);
  free(s);
}

struct http_server *http_server_start(const struct http_server_config *cfg, struct auth *auth,
                                      char *err, size_t errlen) {
  struct http_server *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->auth = auth;
  http_log_set_level(cfg->log_level);
  s->cors_origins = cfg->cors_origins ? strdup(cfg->cors_origins) : NULL;
  s->bind.sin_family = AF_INET;
  s->bind.sin_port = htons((uint16_t)cfg->port);
  if (inet_pton(AF_INET, cfg->bind_address, &s->bind.sin_addr) != 1) {
    snprintf(err, errlen, "BIND_ADDRESS: '%s' is not an IPv4 address", cfg->bind_address);
    free_server(s);
    return NULL;
  }
  if (!trusted_proxies_parse(cfg->trusted_proxies, &s->proxies, err, errlen)) {
    free_server(s);
    return NULL;
  }
  s->pool = work_pool_create(cfg->work_threads, cfg->connection_limit, cfg->work_nice);
  if (!s->pool) {
    snprintf(err, errlen, "cannot start %u work threads", cfg->work_threads);
    free_server(s);
    return NULL;
  }
  if (!start_mhd(s, cfg)) {
    snprintf(err, errlen, "cannot listen on %s:%u (in use, or not permitted)", cfg->bind_address,
             cfg->port);
    free_server(s);
    return NULL;
  }
  return s;
}

void http_server_stop(struct http_server *s) {
  if (!s) return;
  /* No connection may stay suspended when the daemon stops: let every waiting answer finish
   * (new ones are answered by the workers from now on), then stop. */
  work_pool_close(s->pool);
  MHD_stop_daemon(s->daemon);
  free_server(s);
}
