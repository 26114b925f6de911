/* fuzz_client_ip.c: libFuzzer target for client_ip.c, which reads X-Forwarded-For, a header any
 * client can write. trusted_proxies_parse gets the TRUSTED_PROXIES line, client_ip_pick the peer
 * and the header; the pick is held to an independent reading of the rule: walk the header from
 * the right while the current hop is trusted; stop at the first entry that is empty, not an IP
 * literal or not trusted (that untrusted one is the client); a malformed entry keeps the last
 * good hop.
 *
 * Input: "<TRUSTED_PROXIES>\n<peer>\n<X-Forwarded-For>"; the header may be missing (no second
 * newline). Bytes after a NUL are ignored. A '\r' in the header splits it into lines, as a client
 * and proxies send them: client_ip_join_forwarded must make them the list RFC 9110 §5.3 says they
 * are (", " between them), keeping the right end when they do not fit. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/client_ip.h"
#include "fuzz_require.h"

/* Bit by bit, unlike client_ip.c's byte-and-mask compare. */
static bool in_net(int family, const unsigned char *addr, const struct cidr *net) {
  if (family != net->family) return false;
  for (int bit = 0; bit < net->bits; bit++) {
    int mask = 0x80 >> (bit % 8);
    if ((addr[bit / 8] & mask) != (net->addr[bit / 8] & mask)) return false;
  }
  return true;
}

static bool trusted(const char *ip, const struct trusted_proxies *tp) {
  unsigned char addr[16] = {0};
  int family = inet_pton(AF_INET, ip, addr) == 1    ? AF_INET
               : inet_pton(AF_INET6, ip, addr) == 1 ? AF_INET6
                                                    : 0;
  if (!family) return false;
  for (int i = 0; i < tp->count; i++)
    if (in_net(family, addr, &tp->nets[i])) return true;
  return false;
}

static bool is_ip(const char *s) {
  unsigned char addr[16];
  return inet_pton(AF_INET, s, addr) == 1 || inet_pton(AF_INET6, s, addr) == 1;
}

/* The expected client: entries split on ',' and trimmed, walked right to left. */
static void expected_pick(const char *peer, const char *xff, const struct trusted_proxies *tp,
                          char out[CLIENT_IP_MAX]) {
  size_t plen = strnlen(peer, CLIENT_IP_MAX - 1);
  memcpy(out, peer, plen);
  out[plen] = '\0';
  if (!xff || !trusted(out, tp)) return;
  char *copy = strdup(xff);
  if (!copy) abort();
  for (char *comma = copy + strlen(copy);;) {
    char *start = comma;
    while (start > copy && start[-1] != ',') start--;
    char *a = start, *b = comma;
    while (a < b && isspace((unsigned char)*a)) a++;
    while (b > a && isspace((unsigned char)b[-1])) b--;
    *b = '\0';
    if (b == a || (size_t)(b - a) >= CLIENT_IP_MAX || !is_ip(a)) break;
    strcpy(out, a);
    if (!trusted(a, tp) || start == copy) break;
    comma = start - 1;
  }
  free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *input = malloc(size + 1);
  if (!input) return 0;
  memcpy(input, data, size);
  input[size] = '\0';
  char *peer = strchr(input, '\n');
  if (!peer) {
    free(input);
    return 0;
  }
  *peer++ = '\0';
  char *xff = strchr(peer, '\n');
  if (xff) *xff++ = '\0';

  struct trusted_proxies tp;
  char err[128] = "";
  if (!trusted_proxies_parse(input, &tp, err, sizeof err)) {
    FUZZ_REQUIRE(err[0] != '\0' && strlen(err) < sizeof err);
    free(input);
    return 0;
  }
  FUZZ_REQUIRE(tp.count >= 0 && tp.count <= TRUSTED_PROXIES_MAX);
  for (int i = 0; i < tp.count; i++)
    FUZZ_REQUIRE(tp.nets[i].bits >= 0 &&
                 tp.nets[i].bits <= (tp.nets[i].family == AF_INET ? 32 : 128));

  char *joined = NULL;
  if (xff && strchr(xff, '\r')) {
    enum { ROOM = 256 };
    char *plain = malloc(strlen(xff) * 2 + 1);
    joined = malloc(ROOM);
    if (!joined || !plain) abort();
    joined[0] = plain[0] = '\0';
    for (char *line = xff, *next; line; line = next) {
      next = strchr(line, '\r');
      if (next) *next++ = '\0';
      client_ip_join_forwarded(joined, ROOM, line);
      if (plain[0]) strcat(plain, ", ");
      strcat(plain, line);
      FUZZ_REQUIRE(strlen(joined) < ROOM);
      /* What is kept is the right end of the whole list, and always ends with the newest line
       * (or is empty, when that line alone does not fit). */
      size_t j = strlen(joined), p = strlen(plain);
      FUZZ_REQUIRE(j <= p && strcmp(plain + p - j, joined) == 0);
      FUZZ_REQUIRE(j == 0 || j >= strlen(line));
      if (p < ROOM) FUZZ_REQUIRE(strcmp(joined, plain) == 0);
    }
    xff = joined; /* the pick below reads the joined list, as request.c does */
    free(plain);
  }

  char *got = malloc(CLIENT_IP_MAX); /* exactly the size promised, so ASan sees an overrun */
  char want[CLIENT_IP_MAX];
  if (!got) abort();
  client_ip_pick(peer, xff, &tp, got);
  expected_pick(peer, xff, &tp, want);
  FUZZ_REQUIRE(strnlen(got, CLIENT_IP_MAX) < CLIENT_IP_MAX);
  FUZZ_REQUIRE(strcmp(got, want) == 0);
  /* Whatever is picked came from the peer or from the header, never from elsewhere. */
  FUZZ_REQUIRE(strncmp(got, peer, CLIENT_IP_MAX - 1) == 0 || (xff && strstr(xff, got)));

  /* What the per-IP limits count: an IPv6 client's network of prefix bits, "<network>/<prefix>",
   * whose first prefix bits are the client's and the rest zero; anything else as it is. */
  int prefix = 32 + (int)(size % 97);
  char subject[CLIENT_IP_SUBJECT_MAX];
  client_ip_limit_subject(got, prefix, subject);
  unsigned char client[16], net[16];
  if (prefix < 128 && inet_pton(AF_INET6, got, client) == 1) {
    char *slash = strrchr(subject, '/');
    FUZZ_REQUIRE(slash && atoi(slash + 1) == prefix);
    *slash = '\0';
    FUZZ_REQUIRE(inet_pton(AF_INET6, subject, net) == 1);
    for (int bit = 0; bit < 128; bit++) {
      int mask = 0x80 >> (bit % 8);
      FUZZ_REQUIRE((net[bit / 8] & mask) == (bit < prefix ? client[bit / 8] & mask : 0));
    }
  } else {
    FUZZ_REQUIRE(strcmp(subject, got) == 0);
  }
  free(got);
  free(joined);
  free(input);
  return 0;
}
