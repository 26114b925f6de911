/* request.h: what runs for every request, as ulfius callbacks around the route's own. server.c
 * registers them on one instance, in priority order:
 *   0  http_request_begin   every method and path: request id, client IP, bearer token, the body
 *                           limit (413), the answer's shared data
 *   1  http_request_route   one per route (method + path): its handler
 *   2  http_request_path    one per path, any method: the route label (metrics.h), also of a
 *                           request answered before; a CORS preflight or 405 with Allow
 *   3  http_request_finish  every method and path: 404 when nothing answered, CORS headers, the
 *                           access line; completes the answer
 * Each callback after the first does nothing when an earlier one has answered. 404 is answered by
 * the last callback, not by ulfius_set_default_endpoint: ulfius 2.7 (ulfius.c, the dispatcher)
 * completes the answer after the last matching callback, so with catch-all callbacks registered
 * its default endpoint is never called. */
#ifndef VG_REQUEST_H
#define VG_REQUEST_H

#include <stdatomic.h>

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
  const struct http_site *site;
  int metric_route; /* the route label of every request to this path (metrics.h) */
};

/* user_data: the struct http_site. */
int http_request_begin(const struct _u_request *req, struct _u_response *res, void *site);
/* user_data: the const struct route. */
int http_request_route(const struct _u_request *req, struct _u_response *res, void *route);
/* user_data: the struct http_path. */
int http_request_path(const struct _u_request *req, struct _u_response *res, void *path);
/* user_data: the struct http_site. */
int http_request_finish(const struct _u_request *req, struct _u_response *res, void *site);

#endif
