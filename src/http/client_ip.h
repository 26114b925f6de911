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

struct sockaddr;

/* The text of a socket address: dotted IPv4, also for an IPv4-mapped IPv6 address (a dual-stack
 * socket's IPv4 client), else IPv6; "" for another family. */
void client_ip_of_peer(const struct sockaddr *addr, char out[CLIENT_IP_MAX]);

/* Appends one X-Forwarded-For line's value to the header joined so far (", " between them, RFC
 * 9110 §5.3) in forwarded (of size bytes, NUL-terminated). When the whole does not fit, the
 * entries at its left are dropped until it does: the right-most entries are the ones the client
 * IP is read from. An entry that alone does not fit leaves forwarded empty. */
void client_ip_join_forwarded(char *forwarded, size_t size, const char *value);

/* What the per-IP limits count a client by: an IPv4 address itself, an IPv6 address's network
 * of prefix bits ("2001:db8:1:2::/64"): one host holds a whole /64 and could rotate through it.
 * Anything that is not an address is copied as it is. */
#define CLIENT_IP_SUBJECT_MAX (CLIENT_IP_MAX + 4)
void client_ip_limit_subject(const char *ip, int prefix, char out[CLIENT_IP_SUBJECT_MAX]);

/* The network a session shows its client by, never the address itself: an IPv4 address's /24
 * ("203.0.113.0/24"), an IPv6 address's /48 ("2001:db8:1::/48"); "" for anything else. */
void client_ip_network(const char *ip, char out[CLIENT_IP_SUBJECT_MAX]);

#endif
