/* app.h: the composition root: builds the adapters from the configuration, hands their ports to
 * core and core to the HTTP server, and takes it all down in reverse order. */
#ifndef VG_APP_H
#define VG_APP_H

#include <stddef.h>

#include "adapters/twilio_verify.h"
#include "config.h"

struct app;

/* Returns NULL with a message in err when any part cannot start. */
struct app *app_start(const struct config *cfg, char *err, size_t errlen);
void app_stop(struct app *app);

/* The Twilio Verify client's settings from the configuration: the service's and
 * `--check-config`'s (check_config.c) alike. */
struct twilio_verify_config app_twilio_config(const struct config *cfg);

/* The HTTP server, for main.c's orderly stop (http/server.h: drain, close the listener). */
struct http_server *app_http_server(struct app *app);

#endif
