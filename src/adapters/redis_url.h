/* redis_url.h: parses redis://[[user]:password@]host[:port][/db] into its parts, without I/O. */
#ifndef VG_REDIS_URL_H
#define VG_REDIS_URL_H

#include <stddef.h>

#define REDIS_URL_MAX 1024
#define REDIS_URL_HOST_MAX 256
#define REDIS_URL_USER_MAX 128
#define REDIS_URL_PASSWORD_MAX 512

struct redis_url {
  char host[REDIS_URL_HOST_MAX];         /* name or address; an IPv6 literal without its brackets */
  int port;                              /* 6379 when the URL has none */
  int db;                                /* 0 when the URL has none */
  char user[REDIS_URL_USER_MAX];         /* "" when none: AUTH then takes the password alone */
  char password[REDIS_URL_PASSWORD_MAX]; /* percent-decoded; "" when none */
};

/* Fills out from url. Returns 0, or -1 with a message in err (which never repeats the
 * password). Only the redis scheme is accepted: hiredis 0.14 has no TLS, so rediss is refused. */
int redis_url_parse(const char *url, struct redis_url *out, char *err, size_t errlen);

#endif
