/* clock.h: the time source core reads, so tests can move time. */
#ifndef VG_PORT_CLOCK_H
#define VG_PORT_CLOCK_H

#include <stdint.h>

struct clock_port {
  void *self;
  int64_t (*now)(void *self); /* seconds since the Unix epoch */
};

#endif
