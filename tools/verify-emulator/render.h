/* render: Twilio Verify v2 JSON bodies (TWILIO_VERIFY.md §3, §5). Every function returns a new
 * reference the caller releases, or NULL when out of memory. */
#ifndef EMU_RENDER_H
#define EMU_RENDER_H

#include <jansson.h>
#include <time.h>

#include "config.h"
#include "store.h"

#define EMU_TIME_LEN 20

/* Writes t as YYYY-MM-DDTHH:MM:SSZ (UTC). */
void emu_format_time(time_t t, char out[EMU_TIME_LEN + 1]);

/* The Verification resource (verify.v2.service.verification). */
json_t *emu_render_verification(const struct emu_config *config, const struct emu_verification *v);

/* The VerificationCheck resource: no url, lookup or send_code_attempts. */
json_t *emu_render_check(const struct emu_config *config, const struct emu_verification *v);

/* The Service resource for the one configured service; it reports created as its creation time. */
json_t *emu_render_service(const struct emu_config *config, time_t created);

/* {"code","message","more_info","status"}, the shape of every Twilio error. */
json_t *emu_render_error(int status, int code, const char *message);

#endif
