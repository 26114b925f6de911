/* probes.h: one-off reachability checks of the services verigate depends on, for
 * `verigate --check-config`: each connects, asks one harmless question, and says what went
 * wrong in why (never a password, token or whole URL). mongoc_init and curl_global_init are the
 * caller's. */
#ifndef VG_PROBES_H
#define VG_PROBES_H

#include <stdbool.h>
#include <stddef.h>

#include "adapters/twilio_verify.h"

/* A ping to the URI's deployment (server selection within 2 s unless the URI sets its own). */
bool probe_mongodb(const char *uri, char *why, size_t whylen);

/* Connect, AUTH and SELECT as the URL says, then PING. */
bool probe_redis(const char *url, char *why, size_t whylen);

/* Twilio's "Fetch a Service": GET /v2/Services/{service_sid} with the credentials. */
bool probe_twilio(const struct twilio_verify_config *cfg, char *why, size_t whylen);

#endif
