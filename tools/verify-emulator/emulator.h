/* emulator: the state every HTTP callback of verify-emulator reaches through user_data. */
#ifndef EMU_EMULATOR_H
#define EMU_EMULATOR_H

#include <time.h>
#include <ulfius.h>

#include "config.h"
#include "faults.h"
#include "reqlog.h"
#include "store.h"

struct emulator {
  const struct emu_config *config;
  struct emu_store *store;
  struct emu_faults *faults;
  struct emu_reqlog *reqlog;
  time_t started;
};

/* The catch-all ulfius endpoint: routes every request (see dispatch.c). user_data is a struct
 * emulator. */
int emu_dispatch(const struct _u_request *request, struct _u_response *response, void *user_data);

#endif
