/* client_ip.c: CIDR matching and X-Forwarded-For walking; pure, so unit-tested directly. */
#include "http/client_ip.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An IPv4 or IPv6 literal into family and 16 bytes. */
static bool parse_ip(const char *text, int *family, unsigned char addr[16]) {
  memset(addr, 0, 16);
  if (inet_pton(AF_INET, text, addr) == 1) {
    *family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, text, addr) == 1) {
    *family = AF_INET6;
    return true;
  }
  return false;
}

static bool parse_cidr(const char *text, struct cidr *out) {
  char ip[CLIENT_IP_MAX];
  const char *slash = strchr(text, '/');
  size_t len = slash ? (size_t)(slash - text) : strlen(text);
  if (len == 0 || len >= sizeof ip) return false;
  memcpy(ip, text, len);
  ip[len] = '\0';
  if (!parse_ip(ip, &out->family, out->addr)) return false;
  int max = out->family == AF_INET ? 32 : 128;
  out->bits = max;
  if (slash) {
    char *end;
    long bits = strtol(slash + 1, &end, 10);
    if (end == slash + 1 || *end || bits < 0 || bits > max) return false;
    out->bits = (int)bits;
  }
  return true;
}

bool trusted_proxies_parse(const char *spec, struct trusted_proxies *out, char *err,
                           size_t errlen) {
  out->count = 0;
  if (!spec) return true;
  char item[64];
  while (*spec) {
    while (*spec == ' ' || *spec == ',') spec++;
    size_t len = strcspn(spec, ", ");
    if (len == 0) break;
    if (len >= sizeof item || out->count == TRUSTED_PROXIES_MAX) {
      snprintf(err, errlen, "TRUSTED_PROXIES: too long an entry or more than %d entries",
               TRUSTED_PROXIES_MAX);
      return false;
    }
    memcpy(item, spec, len);
    item[len] = '\0';
    if (!parse_cidr(item, &out->nets[out->count++])) {
      snprintf(err, errlen, "TRUSTED_PROXIES: '%s' is not an IP address or CIDR block", item);
      return false;
    }
    spec += len;
  }
  return true;
}

static bool in_cidr(int family, const unsigned char addr[16], const struct cidr *net) {
  if (family != net->family) return false;
  int full = net->bits / 8, rest = net->bits % 8;
  if (memcmp(addr, net->addr, (size_t)full) != 0) return false;
  if (rest == 0) return true;
  unsigned char mask = (unsigned char)(0xFF << (8 - rest));
  return (addr[full] & mask) == (net->addr[full] & mask);
}

static bool is_trusted(const char *ip, const struct trusted_proxies *tp) {
  int family;
  unsigned char addr[16];
  if (!parse_ip(ip, &family, addr)) return false;
  for (int i = 0; i < tp->count; i++)
    if (in_cidr(family, addr, &tp->nets[i])) return true;
  return false;
}

void client_ip_pick(const char *peer, const char *forwarded_for, const struct trusted_proxies *tp,
                    char out[CLIENT_IP_MAX]) {
  snprintf(out, CLIENT_IP_MAX, "%s", peer ? peer : "");
  if (!forwarded_for || !is_trusted(out, tp)) return;
  /* Right to left: skip our own proxies; the first address that is not one is the client. */
  const char *end = forwarded_for + strlen(forwarded_for);
  while (end > forwarded_for) {
    const char *start = end;
    while (start > forwarded_for && start[-1] != ',') start--;
    const char *a = start, *b = end;
    while (a < b && isspace((unsigned char)*a)) a++;
    while (b > a && isspace((unsigned char)b[-1])) b--;
    char entry[CLIENT_IP_MAX];
    int family;
    unsigned char addr[16];
    size_t len = (size_t)(b - a);
    if (len == 0 || len >= sizeof entry) return; /* malformed: keep the last trusted hop */
    memcpy(entry, a, len);
    entry[len] = '\0';
    if (!parse_ip(entry, &family, addr)) return;
    memcpy(out, entry, len + 1);
    if (!is_trusted(entry, tp)) return;
    end = start > forwarded_for ? start - 1 : forwarded_for;
  }
}

void client_ip_of_peer(const struct sockaddr *addr, char out[CLIENT_IP_MAX]) {
  out[0] = '\0';
  if (addr && addr->sa_family == AF_INET) {
    inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->sin_addr, out, CLIENT_IP_MAX);
  } else if (addr && addr->sa_family == AF_INET6) {
    const struct in6_addr *a = &((const struct sockaddr_in6 *)addr)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(a))
      inet_ntop(AF_INET, &a->s6_addr[12], out, CLIENT_IP_MAX);
    else
      inet_ntop(AF_INET6, a, out, CLIENT_IP_MAX);
  }
}

void client_ip_join_forwarded(char *forwarded, size_t size, const char *value) {
  if (size == 0) return;
  size_t add = strlen(value);
  if (add >= size) { /* one entry longer than everything: nothing sensible is left */
    forwarded[0] = '\0';
    return;
  }
  const char *keep = forwarded;
  size_t have = strnlen(forwarded, size - 1);
  /* Drop whole entries from the left until the rest, ", " and value fit. */
  while (have > 0 && have + 2 + add >= size) {
    const char *comma = memchr(keep, ',', have);
    if (!comma) {
      have = 0;
      break;
    }
    size_t skip = (size_t)(comma + 1 - keep);
    while (skip < have && keep[skip] == ' ') skip++;
    keep += skip;
    have -= skip;
  }
  size_t sep = have ? 2 : 0;
  memmove(forwarded, keep, have);
  if (sep) memcpy(forwarded + have, ", ", 2);
  memcpy(forwarded + have + sep, value, add + 1);
}

void client_ip_limit_subject(const char *ip, int prefix, char out[CLIENT_IP_SUBJECT_MAX]) {
  struct in6_addr a;
  if (inet_pton(AF_INET6, ip, &a) != 1 || prefix < 0 || prefix >= 128) {
    snprintf(out, CLIENT_IP_SUBJECT_MAX, "%s", ip);
    return;
  }
  for (int bit = prefix; bit < 128; bit++) a.s6_addr[bit / 8] &= (unsigned char)~(0x80 >> (bit % 8));
  char net[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, &a, net, sizeof net);
  snprintf(out, CLIENT_IP_SUBJECT_MAX, "%s/%d", net, prefix);
}

void client_ip_network(const char *ip, char out[CLIENT_IP_SUBJECT_MAX]) {
  struct in_addr v4;
  struct in6_addr v6;
  out[0] = '\0';
  if (inet_pton(AF_INET, ip, &v4) == 1) {
    const unsigned char *b = (const unsigned char *)&v4.s_addr;
    snprintf(out, CLIENT_IP_SUBJECT_MAX, "%u.%u.%u.0/24", b[0], b[1], b[2]);
  } else if (inet_pton(AF_INET6, ip, &v6) == 1) {
    client_ip_limit_subject(ip, 48, out);
  }
}
