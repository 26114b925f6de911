/* client_ip.h: who the client is, for per-IP limits and logs: the socket peer, unless the peer
 * is a trusted proxy (TRUSTED_PROXIES), then the right-most X-Forwarded-For entry that is not one
 * of ours (each proxy appends the address it saw, so entries left of it are client-controlled). */
#ifndef VG_CLIENT_IP_H
#define VG_CLIENT_IP_H

#include <stdbool.h>
#include <stddef.h>

#define CLIENT_IP_MAX 46 /* INET6_ADDRSTRLEN */
#define TRUSTED_PROXIES_MAX 32

struct cidr {
  int family; /* AF_INET or AF_INET6 */
  unsigned char addr[16];
  int bits;
};

struct trusted_proxies {
  struct cidr nets[TRUSTED_PROXIES_MAX];
  int count;
};

/* Parses "10.0.0.0/8, 192.168.1.5, ::1/128" (empty: trust nobody). false with a message. */
bool trusted_proxies_parse(const char *spec, struct trusted_proxies *out, char *err, size_t errlen);

/* The client address given the peer's address and the X-Forwarded-For header (may be NULL). */
void client_ip_pick(const char *peer, const char *forwarded_for, const struct trusted_proxies *tp,
                    char out[CLIENT_IP_MAX]);

#endif
