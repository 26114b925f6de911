/* server.h: the HTTP server: libmicrohttpd in epoll mode with a thread pool, handlers on ulfius's
 * request and response, and a work pool for the handlers that wait. */
#ifndef VG_SERVER_H
#define VG_SERVER_H

#include <stddef.h>

#include "core/auth.h"

struct http_server_config {
  const char *bind_address; /* IPv4 literal */
  unsigned port;
  unsigned threads;      /* libmicrohttpd workers: handlers block on MongoDB and Redis */
  unsigned work_threads; /* for the routes that wait on a hash or Twilio (route.waits) */
  int work_nice;         /* their nice value: Argon2id yields the CPU to the fast routes */
  unsigned connection_limit;
  unsigned connection_timeout; /* seconds of client inactivity before the socket is closed */
  const char *cors_origins;    /* CORS_ALLOWED_ORIGINS: exact origins browsers may call from */
  const char *trusted_proxies; /* TRUSTED_PROXIES: CIDR list whose X-Forwarded-For is believed */
  unsigned long log_level;     /* LOG_LEVEL, as yder was started with */
};

/* Starts serving; returns NULL with a message in err on failure. auth outlives the server. */
struct http_server *http_server_start(const struct http_server_config *cfg, struct auth *auth,
                                      char *err, size_t errlen);
void http_server_stop(struct http_server *server);

#endif
