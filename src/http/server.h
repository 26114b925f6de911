/* server.h: the HTTP server: one ulfius instance serving every route, on libmicrohttpd's
 * thread-per-connection mode so that a handler that waits (an Argon2id hash, a Twilio call) holds
 * only its own connection's thread. */
#ifndef VG_SERVER_H
#define VG_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/auth.h"

struct http_server_config {
  const char *bind_address; /* IPv4 or IPv6 literal; "::" takes IPv4 clients too */
  unsigned port;
  unsigned max_connections;        /* open at once, each with its thread */
  unsigned max_connections_per_ip; /* 0: no per-IP limit */
  unsigned connection_timeout;     /* seconds of client inactivity before the socket is closed */
  unsigned thread_stack_kb;        /* stack of each connection's thread */
  const char *cors_origins;        /* CORS_ALLOWED_ORIGINS: exact origins browsers may call from */
  const char *trusted_proxies;     /* TRUSTED_PROXIES: CIDR list whose X-Forwarded-For is believed */
  unsigned long log_level;         /* LOG_LEVEL, as yder was started with */
  int ipv6_limit_prefix;           /* IPV6_LIMIT_PREFIX */
  const char *issuer;              /* JWT_ISSUER, the discovery document's issuer */
  const char *public_url;          /* PUBLIC_URL: the base of its URLs; NULL publishes none */
  bool es256;                      /* JWT_ALG is ES256 (else RS256) */
  bool metrics_elsewhere;          /* METRICS_PORT is set: no /metrics route here (404) */
};

/* Starts serving; returns NULL with a message in err on failure. auth outlives the server. */
struct http_server *http_server_start(const struct http_server_config *cfg, struct auth *auth,
                                      char *err, size_t errlen);

/* Draining, for an orderly stop: from here /readyz answers 503 and every answer carries
 * `Connection: close`; requests are still served. */
void http_server_drain(struct http_server *server);

/* Requests between their request line and the end of their answer (or their connection's end). */
int http_server_in_flight(struct http_server *server);

/* Closes the listening socket to new connections (they are refused); open ones go on. */
void http_server_close_listener(struct http_server *server);

/* Stops listening, closes every connection, waits for the handlers still running (libmicrohttpd
 * joins each connection's thread), and frees the server. */
void http_server_stop(struct http_server *server);

#endif
