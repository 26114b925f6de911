/* server.c: one ulfius instance: every route of routes.c registered as an ulfius endpoint between
 * the callbacks that run for every request (request.h), started with libmicrohttpd options of
 * ours.
 *
 * libmicrohttpd runs in thread-per-connection mode (with poll, so no FD_SETSIZE ceiling): ulfius
 * cannot suspend a connection, so a handler that waits (an Argon2id hash in its bounded queue, a
 * Twilio call) holds its thread, and only a thread of its own leaves every other client answered.
 * Measured with a 200 ms handler flooded by 64 connections while 16 keep-alive connections asked a
 * cheap route: this mode kept the cheap route at 0.96-1.02 of its rate alone with p99 1-2 ms;
 * epoll with a pool of 2, 16 or 64 threads let it stall for 1-3 s. */
#include "http/server.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>
#include <ulfius.h>

#include "http/call.h"
#include "http/discovery.h"
#include "http/json_io.h"
#include "http/listen.h"
#include "http/request.h"
#include "metrics.h"

#define MAX_PATHS 24 /* METRICS_ROUTES_MAX */
#define MAX_ROUTES 40

struct http_server {
  struct _u_instance instance;
  bool started;
  atomic_bool draining; /* read by every request through site.draining */
  atomic_int in_flight; /* requests between their request line and the end of their answer */
  int quiesced_fd;      /* the listening socket once closed to new connections, else -1 */
  struct http_listen listen;
  struct http_site site;
  bool metrics_elsewhere;
  char *cors_origins;
  char *discovery; /* made once here: the settings it comes from do not change */
  struct http_path paths[MAX_PATHS];
  struct http_bound_route bound[MAX_ROUTES];
};

/* libmicrohttpd's own complaints (a refused connection, a socket error) go to yder. */
static void mhd_log(void *cls, const char *fmt, va_list ap) {
  (void)cls;
  char message[256];
  vsnprintf(message, sizeof message, fmt, ap);
  message[strcspn(message, "\r\n")] = '\0';
  y_log_message(Y_LOG_LEVEL_WARNING, "libmicrohttpd: %s", message);
}

/* ulfius's own URI callback (it makes the request), after telling request.c which connection
 * this thread answers. A request is in flight from here to request_completed: libmicrohttpd calls
 * that once for each request this callback saw (its client_aware flag), whether the answer was
 * sent or the connection was closed. cls: the server. */
static void *uri_logged(void *cls, const char *uri, struct MHD_Connection *connection) {
  struct http_server *s = cls;
  atomic_fetch_add(&s->in_flight, 1);
  http_request_connection(connection);
  return ulfius_uri_logger(NULL, uri);
}

static void request_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                              enum MHD_RequestTerminationCode toe) {
  struct http_server *s = cls;
  mhd_request_completed(NULL, connection, con_cls, toe);
  atomic_fetch_sub(&s->in_flight, 1);
}

/* Whether this server answers route r: /metrics is served on METRICS_PORT when that is set. */
static bool serves(const struct http_server *s, const struct route *r) {
  return !(s->metrics_elsewhere && r->handler == handle_metrics);
}

/* The per-path entries: each path once, with the methods its routes take and its route label. */
static bool collect_paths(struct http_server *s) {
  size_t n = 0;
  s->site.paths = s->paths;
  for (const struct route *r = http_routes; r->method; r++) {
    if (!serves(s, r)) continue;
    size_t i = 0;
    while (i < n && strcmp(s->paths[i].path, r->path) != 0) i++;
    if (i == n) {
      if (n == MAX_PATHS) return false;
      s->paths[n++] =
          (struct http_path){.path = r->path, .metric_route = metrics_route_add(r->path)};
      s->site.path_count = n;
    }
    struct http_path *p = &s->paths[i];
    if (p->allow[0]) strncat(p->allow, ", ", sizeof p->allow - strlen(p->allow) - 1);
    strncat(p->allow, r->method, sizeof p->allow - strlen(p->allow) - 1);
  }
  return true;
}

static bool add_endpoints(struct http_server *s) {
  struct _u_instance *u = &s->instance;
  if (ulfius_add_endpoint_by_val(u, "*", NULL, "*", 0, http_request_begin, &s->site) != U_OK)
    return false;
  size_t k = 0;
  for (const struct route *r = http_routes; r->method; r++) {
    if (!serves(s, r)) continue;
    size_t i = 0;
    while (strcmp(s->paths[i].path, r->path) != 0) i++; /* collect_paths put it there */
    if (k == MAX_ROUTES) return false;
    s->bound[k] = (struct http_bound_route){.route = r, .path = &s->paths[i]};
    if (ulfius_add_endpoint_by_val(u, r->method, NULL, r->path, 1, http_request_route,
                                   &s->bound[k++]) != U_OK)
      return false;
  }
  return ulfius_add_endpoint_by_val(u, "*", NULL, "*", 3, http_request_finish, &s->site) == U_OK;
}

/* Headers on every answer: nothing verigate says may be cached by default, or sniffed. */
static bool set_default_headers(struct _u_instance *u) {
  return u_map_put(u->default_headers, "Cache-Control", "no-store") == U_OK &&
         u_map_put(u->default_headers, "Pragma", "no-cache") == U_OK &&
         u_map_put(u->default_headers, "X-Content-Type-Options", "nosniff") == U_OK &&
         u_map_put(u->default_headers, "Referrer-Policy", "no-referrer") == U_OK;
}

static bool start(struct http_server *s, const struct http_server_config *cfg) {
  /* ulfius_start_framework_with_mhd_options takes the whole option list: ulfius's own two
   * (request set-up and clean-up) are in it, and the bind address, which it would ignore. */
  struct MHD_OptionItem options[] = {
      {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)request_completed, s},
      {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_logged, s},
      {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL},
      {MHD_OPTION_SOCK_ADDR, 0, &s->listen.addr},
      {MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, NULL},
      {MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_connections_per_ip, NULL},
      {MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout, NULL},
      {MHD_OPTION_THREAD_STACK_SIZE, (intptr_t)cfg->thread_stack_kb * 1024, NULL},
      {MHD_OPTION_END, 0, NULL},
  };
  /* ITC: MHD_quiesce_daemon needs it in this mode (http_server_close_listener). */
  unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD |
                   MHD_USE_ERROR_LOG | MHD_USE_ITC | s->listen.mhd_flags;
  return ulfius_start_framework_with_mhd_options(&s->instance, flags, options) == U_OK;
}

/* What http_server_start allocated before the ulfius instance. */
static void free_site(struct http_server *s) {
  free(s->cors_origins);
  free(s->discovery);
  free(s);
}

static void free_server(struct http_server *s) {
  if (s->started) ulfius_stop_framework(&s->instance);
  /* A quiesced listening socket is ours to close, and only after MHD_stop_daemon (microhttpd.h). */
  if (s->quiesced_fd >= 0) close(s->quiesced_fd);
  ulfius_clean_instance(&s->instance);
  free_site(s);
}

struct http_server *http_server_start(const struct http_server_config *cfg, struct auth *auth,
                                      char *err, size_t errlen) {
  struct http_server *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->quiesced_fd = -1;
  http_log_set_level(cfg->log_level);
  s->metrics_elsewhere = cfg->metrics_elsewhere;
  s->cors_origins = strdup(cfg->cors_origins ? cfg->cors_origins : "");
  s->discovery = discovery_document(cfg->issuer, cfg->public_url, cfg->es256);
  s->site = (struct http_site){.auth = auth,
                               .cors_origins = s->cors_origins,
                               .ipv6_limit_prefix = cfg->ipv6_limit_prefix,
                               .discovery = s->discovery,
                               .draining = &s->draining};
  if (!s->cors_origins || (cfg->public_url && !s->discovery)) {
    snprintf(err, errlen, "out of memory setting up the HTTP server");
    free_site(s);
    return NULL;
  }
  if (!http_listen_parse(&s->listen, cfg->bind_address, cfg->port)) {
    snprintf(err, errlen, "BIND_ADDRESS: '%s' is not an IPv4 or IPv6 address", cfg->bind_address);
    free_site(s);
    return NULL;
  }
  if (!trusted_proxies_parse(cfg->trusted_proxies, &s->site.proxies, err, errlen)) {
    free_site(s);
    return NULL;
  }
  if (http_listen_init_instance(&s->instance, &s->listen, cfg->port) != U_OK) {
    snprintf(err, errlen, "cannot set up the HTTP server");
    free_site(s);
    return NULL;
  }
  /* One byte above the limit: request.c can then tell a body that is too large (413). */
  s->instance.max_post_body_size = JSON_BODY_MAX + 1;
  /* Bodies are JSON or refused (415): no form is ever parsed. */
  s->instance.allowed_post_processor = U_POST_PROCESS_NONE;
  if (!collect_paths(s) || !add_endpoints(s) || !set_default_headers(&s->instance)) {
    snprintf(err, errlen, "cannot register the routes");
    free_server(s);
    return NULL;
  }
  if (!(s->started = start(s, cfg))) {
    snprintf(err, errlen, "cannot listen on %s:%u (in use, or not permitted)", cfg->bind_address,
             cfg->port);
    free_server(s);
    return NULL;
  }
  return s;
}

void http_server_drain(struct http_server *s) {
  atomic_store(&s->draining, true);
}

int http_server_in_flight(struct http_server *s) {
  return atomic_load(&s->in_flight);
}

void http_server_close_listener(struct http_server *s) {
  if (s->quiesced_fd < 0) s->quiesced_fd = MHD_quiesce_daemon(s->instance.mhd_daemon);
}

void http_server_stop(struct http_server *s) {
  if (s) free_server(s);
}
