/* listen.c: see listen.h. */
#include "http/listen.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include <microhttpd.h>

bool http_listen_parse(struct http_listen *l, const char *address, unsigned port) {
  memset(l, 0, sizeof *l);
  if (inet_pton(AF_INET, address, &l->addr.v4.sin_addr) == 1) {
    l->addr.v4.sin_family = AF_INET;
    l->addr.v4.sin_port = htons((uint16_t)port);
    return true;
  }
  memset(l, 0, sizeof *l);
  if (inet_pton(AF_INET6, address, &l->addr.v6.sin6_addr) != 1) return false;
  l->addr.v6.sin6_family = AF_INET6;
  l->addr.v6.sin6_port = htons((uint16_t)port);
  l->mhd_flags = IN6_IS_ADDR_UNSPECIFIED(&l->addr.v6.sin6_addr) ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
  return true;
}

int http_listen_init_instance(struct _u_instance *instance, struct http_listen *l, unsigned port) {
  return l->mhd_flags ? ulfius_init_instance_ipv6(instance, port, &l->addr.v6, U_USE_ALL, NULL)
                      : ulfius_init_instance(instance, port, &l->addr.v4, NULL);
}
