/* server.c: ulfius set-up. Every route of http_routes is bound to one dispatcher that gives the
 * request an id, runs the handler and logs one access line; unmatched requests get 404 or 405. */
#include "http/server.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <ulfius.h>

#include "http/call.h"
#include "http/cors.h"
#include "http/json_io.h"
#include "http/problem.h"

struct binding {
  const struct route *route; /* NULL for the default endpoint */
  struct http_server *server;
};

struct http_server {
  struct _u_instance instance;
  struct sockaddr_in bind;
  struct auth *auth;
  struct trusted_proxies proxies;
  char *cors_origins; /* CORS_ALLOWED_ORIGINS; NULL or "" answers no browser origin */
  struct binding *bindings;
  struct binding fallback;
};

static double elapsed_ms(const struct timespec *start) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - start->tv_sec) * 1e3 + (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/* The client's X-Request-Id when it is short and plain, else 16 random hex characters. */
static void request_id(const struct _u_request *req, char out[REQUEST_ID_MAX]) {
  const char *given = u_map_get_case(req->map_header, "X-Request-Id");
  size_t len = given ? strlen(given) : 0;
  bool plain = len > 0 && len < REQUEST_ID_MAX;
  for (size_t i = 0; plain && i < len; i++)
    plain = isalnum((unsigned char)given[i]) || given[i] == '-' || given[i] == '_';
  if (plain) {
    memcpy(out, given, len + 1);
    return;
  }
  unsigned char raw[8];
  randombytes_buf(raw, sizeof raw);
  sodium_bin2hex(out, REQUEST_ID_MAX, raw, sizeof raw);
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

static int dispatch(const struct _u_request *req, struct _u_response *res, void *user_data) {
  const struct binding *b = user_data;
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  struct http_call call = {.req = req, .res = res, .auth = b->server->auth};
  request_id(req, call.request_id);
  find_client_ip(b->server, req, call.client_ip);
  u_map_put(res->map_header, "X-Request-Id", call.request_id);
  if (b->route)
    b->route->handler(&call);
  else
    handle_unrouted(b->server, &call);
  cors_add_headers(b->server->cors_origins, req, res);
  http_log(&call, Y_LOG_LEVEL_INFO, "%s %.80s %ld %.1fms", req->http_verb, req->url_path,
           res->status, elapsed_ms(&start));
  return U_CALLBACK_COMPLETE;
}

/* Headers on every answer: nothing verigate says may be cached by default, or sniffed. */
static int set_default_headers(struct _u_instance *instance) {
  return u_map_put(instance->default_headers, "Cache-Control", "no-store") == U_OK &&
         u_map_put(instance->default_headers, "Pragma", "no-cache") == U_OK &&
         u_map_put(instance->default_headers, "X-Content-Type-Options", "nosniff") == U_OK &&
         u_map_put(instance->default_headers, "Referrer-Policy", "no-referrer") == U_OK;
}

static int add_routes(struct http_server *s) {
  size_t count = 0;
  while (http_routes[count].method) count++;
  s->bindings = calloc(count, sizeof *s->bindings);
  if (!s->bindings) return 0;
  for (size_t i = 0; i < count; i++) {
    s->bindings[i] = (struct binding){.route = &http_routes[i], .server = s};
    if (ulfius_add_endpoint_by_val(&s->instance, http_routes[i].method, http_routes[i].path, NULL,
                                   0, dispatch, &s->bindings[i]) != U_OK)
      return 0;
  }
  s->fallback = (struct binding){.route = NULL, .server = s};
  return ulfius_set_default_endpoint(&s->instance, dispatch, &s->fallback) == U_OK;
}

static int start_mhd(struct http_server *s, const struct http_server_config *cfg) {
  struct MHD_OptionItem options[] = {
      {MHD_OPTION_THREAD_POOL_SIZE, cfg->threads, NULL},
      {MHD_OPTION_CONNECTION_LIMIT, cfg->connection_limit, NULL},
      {MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout, NULL},
      {MHD_OPTION_SOCK_ADDR, 0, &s->bind},
      {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)mhd_request_completed, NULL},
      {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)ulfius_uri_logger, NULL},
      {MHD_OPTION_END, 0, NULL},
  };
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
  return ulfius_start_framework_with_mhd_options(&s->instance, flags, options) == U_OK;
}

struct http_server *http_server_start(const struct http_server_config *cfg, struct auth *auth,
                                      char *err, size_t errlen) {
  struct http_server *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->auth = auth;
  s->cors_origins = cfg->cors_origins ? strdup(cfg->cors_origins) : NULL;
  s->bind.sin_family = AF_INET;
  s->bind.sin_port = htons((uint16_t)cfg->port);
  if (inet_pton(AF_INET, cfg->bind_address, &s->bind.sin_addr) != 1) {
    snprintf(err, errlen, "BIND_ADDRESS: '%s' is not an IPv4 address", cfg->bind_address);
    free(s);
    return NULL;
  }
  if (!trusted_proxies_parse(cfg->trusted_proxies, &s->proxies, err, errlen)) {
    free(s);
    return NULL;
  }
  if (ulfius_init_instance(&s->instance, cfg->port, &s->bind, NULL) != U_OK) {
    snprintf(err, errlen, "cannot initialise the HTTP server");
    free(s);
    return NULL;
  }
  /* One byte over the limit: ulfius truncates silently, so a longer stored body means 413. */
  s->instance.max_post_body_size = JSON_BODY_MAX + 1;
  s->instance.allowed_post_processor = U_POST_PROCESS_NONE;
  if (!set_default_headers(&s->instance) || !add_routes(s)) {
    snprintf(err, errlen, "cannot register the routes");
    goto fail;
  }
  if (!start_mhd(s, cfg)) {
    snprintf(err, errlen, "cannot listen on %s:%u (in use, or not permitted)", cfg->bind_address,
             cfg->port);
    goto fail;
  }
  return s;

fail:
  ulfius_clean_instance(&s->instance);
  free(s->bindings);
  free(s->cors_origins);
  free(s);
  return NULL;
}

void http_server_stop(struct http_server *s) {
  if (!s) return;
  ulfius_stop_framework(&s->instance);
  ulfius_clean_instance(&s->instance);
  free(s->bindings);
  free(s->cors_origins);
  free(s);
}
