/* redis_url.c: a strict parser for Redis connection URLs, kept pure so it is unit-tested alone. */
#include "adapters/redis_url.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define REDIS_URL_DEFAULT_PORT 6379

static int redis_url_fail(struct redis_url *out, char *err, size_t errlen, const char *msg) {
  /* Do not leave half a password behind in the caller's struct. */
  memset(out, 0, sizeof(*out));
  if (err != NULL && errlen > 0) {
    snprintf(err, errlen, "redis url: %s", msg);
  }
  return -1;
}

static int redis_url_hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Percent-decodes [s, s + len) into out (size cap, NUL included). -1 on a bad escape, an
 * escaped NUL or when the result does not fit. */
static int redis_url_decode(const char *s, size_t len, char *out, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= len || redis_url_hex(s[i + 1]) < 0 || redis_url_hex(s[i + 2]) < 0) {
        return -1;
      }
      c = (char)(redis_url_hex(s[i + 1]) * 16 + redis_url_hex(s[i + 2]));
      if (c == '\0') return -1;
      i += 2;
    }
    if (n + 1 >= cap) return -1;
    out[n++] = c;
  }
  out[n] = '\0';
  return 0;
}

/* Reads a decimal number made only of digits, in [min, max]. -1 when it is not one. */
static int redis_url_number(const char *s, size_t len, long min, long max, int *out) {
  long v = 0;
  if (len == 0) return -1;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
    if (v > max) return -1;
  }
  if (v < min) return -1;
  *out = (int)v;
  return 0;
}

static int redis_url_host_char(char c, int bracketed) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
  if (c == '.' || c == '-' || c == '_') return 1;
  return bracketed && (c == ':' || c == '%');
}

/* Splits "user:password" (either may be empty, the colon may not be missing). */
static int redis_url_userinfo(const char *s, size_t len, struct redis_url *out, char *err,
                              size_t errlen) {
  const char *colon = memchr(s, ':', len);
  if (colon == NULL) {
    return redis_url_fail(out, err, errlen,
                          "credentials must be written user:password or :password");
  }
  size_t ulen = (size_t)(colon - s);
  if (redis_url_decode(s, ulen, out->user, sizeof(out->user)) != 0) {
    return redis_url_fail(out, err, errlen, "user is too long or badly percent-encoded");
  }
  if (redis_url_decode(colon + 1, len - ulen - 1, out->password, sizeof(out->password)) != 0) {
    return redis_url_fail(out, err, errlen, "password is too long or badly percent-encoded");
  }
  if (out->user[0] != '\0' && out->password[0] == '\0') {
    return redis_url_fail(out, err, errlen, "a user needs a password");
  }
  return 0;
}

/* Parses host, [v6], host:port or [v6]:port. */
static int redis_url_hostport(const char *s, size_t len, struct redis_url *out, char *err,
                              size_t errlen) {
  const char *host = s, *port = NULL;
  size_t hlen = len, plen = 0;
  int bracketed = len > 0 && s[0] == '[';
  if (bracketed) {
    const char *close = memchr(s, ']', len);
    if (close == NULL) return redis_url_fail(out, err, errlen, "unclosed [ in host");
    host = s + 1;
    hlen = (size_t)(close - host);
    if (close + 1 < s + len) {
      if (close[1] != ':') return redis_url_fail(out, err, errlen, "junk after ] in host");
      port = close + 2;
      plen = len - (size_t)(port - s);
    }
  } else {
    const char *colon = memchr(s, ':', len);
    if (colon != NULL) {
      hlen = (size_t)(colon - s);
      port = colon + 1;
      plen = len - hlen - 1;
    }
  }
  if (hlen == 0) return redis_url_fail(out, err, errlen, "host is missing");
  if (hlen >= sizeof(out->host)) return redis_url_fail(out, err, errlen, "host is too long");
  for (size_t i = 0; i < hlen; i++) {
    if (!redis_url_host_char(host[i], bracketed)) {
      return redis_url_fail(out, err, errlen, "host has a character that is not allowed");
    }
  }
  memcpy(out->host, host, hlen);
  out->host[hlen] = '\0';
  out->port = REDIS_URL_DEFAULT_PORT;
  if (port != NULL && redis_url_number(port, plen, 1, 65535, &out->port) != 0) {
    return redis_url_fail(out, err, errlen, "port must be a number from 1 to 65535");
  }
  return 0;
}

int redis_url_parse(const char *url, struct redis_url *out, char *err, size_t errlen) {
  memset(out, 0, sizeof(*out));
  if (url == NULL) return redis_url_fail(out, err, errlen, "missing");
  size_t len = strnlen(url, REDIS_URL_MAX);
  if (len >= REDIS_URL_MAX) return redis_url_fail(out, err, errlen, "too long");

  const char *sep = strstr(url, "://");
  if (sep == NULL) return redis_url_fail(out, err, errlen, "must start with redis://");
  size_t slen = (size_t)(sep - url);
  if (slen == 6 && strncasecmp(url, "rediss", 6) == 0) {
    return redis_url_fail(out, err, errlen,
                          "rediss (TLS) is not supported by hiredis 0.14; use redis:// "
                          "(through a TLS tunnel if the link needs one)");
  }
  if (slen != 5 || strncasecmp(url, "redis", 5) != 0) {
    return redis_url_fail(out, err, errlen, "unsupported scheme; only redis:// is accepted");
  }

  const char *auth = sep + 3;
  size_t alen = strcspn(auth, "/?#");
  const char *rest = auth + alen;
  if (*rest == '?' || *rest == '#') {
    return redis_url_fail(out, err, errlen, "query and fragment are not supported");
  }

  /* The last '@' ends the credentials, so a password holding a raw '@' still parses. */
  const char *at = NULL;
  for (const char *p = auth; p < rest; p++) {
    if (*p == '@') at = p;
  }
  if (at != NULL && redis_url_userinfo(auth, (size_t)(at - auth), out, err, errlen) != 0) {
    return -1;
  }
  const char *hp = at != NULL ? at + 1 : auth;
  if (redis_url_hostport(hp, (size_t)(rest - hp), out, err, errlen) != 0) return -1;

  if (*rest == '/') {
    rest++;
    size_t dlen = strlen(rest);
    if (dlen > 0 && redis_url_number(rest, dlen, 0, INT_MAX, &out->db) != 0) {
      return redis_url_fail(out, err, errlen, "database must be a non-negative number");
    }
  }
  return 0;
}
