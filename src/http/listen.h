/* listen.h: the address an ulfius instance listens on, from a BIND_ADDRESS-style literal. Shared by
 * the API server (server.c) and the metrics listener (metrics_server.c). */
#ifndef VG_LISTEN_H
#define VG_LISTEN_H

#include <netinet/in.h>
#include <stdbool.h>

#include <ulfius.h>

struct http_listen {
  union {
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
  } addr;             /* MHD_OPTION_SOCK_ADDR's argument */
  unsigned mhd_flags; /* MHD_USE_IPv6 or MHD_USE_DUAL_STACK for an IPv6 address, else 0 */
};

/* An IPv4 literal, or an IPv6 one; "::" listens on both families (a dual-stack socket: IPv4
 * clients show as IPv4-mapped addresses, which request.c reads as IPv4). false when address is
 * neither. */
bool http_listen_parse(struct http_listen *l, const char *address, unsigned port);

/* ulfius_init_instance or its IPv6 form, as l's family asks. */
int http_listen_init_instance(struct _u_instance *instance, struct http_listen *l, unsigned port);

#endif
