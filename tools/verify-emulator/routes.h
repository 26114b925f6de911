/* routes: the handlers dispatch.c hands requests to, once it has decided who may call them. */
#ifndef EMU_ROUTES_H
#define EMU_ROUTES_H

#include <ulfius.h>

#include "emulator.h"
#include "reply.h"

/* Answers an authenticated request under /v2 the way Twilio Verify does. */
void emu_twilio_handle(struct emulator *emu, const struct _u_request *request,
                       struct _u_response *response, struct emu_outcome *outcome);

/* Answers a test-hook request under /__emulator (not part of Twilio; no authentication). */
void emu_hooks_handle(struct emulator *emu, const struct _u_request *request,
                      struct _u_response *response);

#endif
