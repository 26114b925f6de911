/* system_clock.c: wall-clock seconds, as token claims and TTLs are wall-clock. */
#include "adapters/system_clock.h"

#include <time.h>

static int64_t system_now(void *self) {
  (void)self;
  return (int64_t)time(NULL);
}

struct clock_port system_clock_port(void) {
  return (struct clock_port){.self = NULL, .now = system_now};
}
