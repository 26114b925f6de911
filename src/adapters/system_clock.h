/* system_clock.h: the clock port on the real-time clock. */
#ifndef VG_SYSTEM_CLOCK_H
#define VG_SYSTEM_CLOCK_H

#include "ports/clock.h"

struct clock_port system_clock_port(void);

#endif
