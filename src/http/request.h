/* request.h: what runs for every request, as ulfius callbacks around the route's own. server.c
 * registers them on one instance, in priority order:
 *   0  http_request_begin   every method and path: request id, client IP, bearer token, the body
 *                           limit (413), the answer's shared data
 *   1  http_request_route   one per route (method + path): the route label (metrics.h), its
 *                           handler
 *   3  http_request_finish  every method and path: for a request no route answered, a CORS
 *                           preflight or 405 with Allow when its path is a route's (matched
 *                           here, http_path_match), else 404; CORS headers, the access line;
 *                           completes the answer
 * No endpoint is registered per path for every method: ulfius splits the URL format of every
 * endpoint whose method is "*" or the request's, allocations included, on every request, and
 * one such endpoint per path cost a /dashboard ~12 % more instructions once there were 23 paths
 * (docs/BENCHMARKS.md, session 8).
 * Each callback after the first does nothing when an earlier one has answered. 404 is answered by
 * the last callback, not by ulfius_set_default_endpoint: ulfius 2.7 (ulfius.c, the dispatcher)
 * completes the answer after the last matching callback, so with catch-all callbacks registered
 * its default endpoint is never called. */
#ifndef VG_REQUEST_H
#define VG_REQUEST_H

#include <stdatomic.h>
#include <stdbool.h>

#include <ulfius.h>

#include "core/auth.h"
#include "http/client_ip.h"

/* What the callbacks of every request share; lives as long as the server. */
struct http_site {
  struct auth *auth;
  struct trusted_proxies proxies;
  const char *cors_origins; /* CORS_ALLOWED_ORIGINS; "" answers no browser origin */
  int ipv6_limit_prefix;    /* IPV6_LIMIT_PREFIX: the network per-IP limits count an IPv6 client by */
  const char *discovery;    /* the RFC 8414 metadata (discovery.h); NULL: not published */
  atomic_bool *draining;    /* the server is stopping (http_server_drain) */
  const struct http_path *paths; /* every route's path, for 405 and preflights */
  size_t path_count;
};

struct MHD_Connection;

/* libmicrohttpd's connection of the request this thread is about to answer, from the URI log
 * callback (server.c), which runs on the connection's own thread (one thread per connection):
 * ulfius's request keeps only the first 16 bytes of the peer's address (a struct sockaddr, too
 * small for IPv6) and joins repeated headers only when they are spelled alike, so the first
 * callback reads both from the connection itself. */
void http_request_connection(struct MHD_Connection *connection);

/* One path and the methods its routes take ("POST" or "GET, POST"), for 405 and preflights. */
struct http_path {
  const char *path;
  char allow[64];
  int metric_route; /* the route label of every request to this path (metrics.h) */
};

/* user_data: the struct http_site. */
int http_request_begin(const struct _u_request *req, struct _u_response *res, void *site);
/* A route as registered: its handler's entry and its path's. */
struct http_bound_route {
  const struct route *route;
  const struct http_path *path;
};

/* Whether url_path is format's path, as ulfius matches it: the same segments, empty ones
 * skipped, a ":name" segment standing for any one segment. */
bool http_path_match(const char *format, const char *url_path);

/* user_data: the struct http_bound_route. */
int http_request_route(const struct _u_request *req, struct _u_response *res, void *bound);
/* user_data: the struct http_site. */
int http_request_finish(const struct _u_request *req, struct _u_response *res, void *site);

#endif
