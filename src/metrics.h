/* metrics.h: verigate's Prometheus metrics. Fixed arrays of C11 atomic counters that any thread
 * bumps without a lock (relaxed order: a scrape needs each number, not an order between them),
 * rendered in the text exposition format by metrics_render.c. Every label value is a fixed
 * string of this module or a route path registered before the server starts: nothing a client
 * sends can become a label, so the set of series is bounded.
 *
 * The registry is process-wide, like the log: a counter is a fact about the process, and a
 * pointer handed through every adapter and handler would add plumbing and no choice. core never
 * includes this header; http and the adapters count what they see. */
#ifndef VG_METRICS_H
#define VG_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

/* The route label of a request whose path is no route's: 404s, whatever the path. */
#define METRICS_ROUTE_OTHER 0
/* Route labels: "other" and up to this many route paths less one. */
#define METRICS_ROUTES_MAX 24

/* The use cases whose outcomes are counted, one counter family each. */
enum metrics_flow {
  METRICS_SIGNUP,  /* verigate_signups_total */
  METRICS_LOGIN,   /* verigate_logins_total */
  METRICS_RESEND,  /* verigate_resends_total */
  METRICS_VERIFY,  /* verigate_verifications_total */
  METRICS_REFRESH, /* verigate_refreshes_total */
  METRICS_FLOW_COUNT
};

/* The outcome label of a flow: what its result was, as a name of its own (metrics.c). */
enum metrics_outcome {
  METRICS_OK, /* each flow names its success: created, code_sent, approved, refreshed, sent */
  METRICS_VALIDATION_ERROR,
  METRICS_ALREADY_EXISTS,
  METRICS_BAD_CREDENTIALS,
  METRICS_INVALID_TOKEN,
  METRICS_INSUFFICIENT_AUTHENTICATION,
  METRICS_WRONG_CODE,
  METRICS_TOO_MANY_ATTEMPTS,
  METRICS_VERIFICATION_IN_PROGRESS,
  METRICS_RESEND_COOLDOWN,
  METRICS_RESEND_LIMIT,
  METRICS_VERIFICATION_EXPIRED,
  METRICS_PHONE_NOT_DELIVERABLE,
  METRICS_SMS_RATE_LIMITED,
  METRICS_RATE_LIMITED,
  METRICS_SMS_BUDGET_EXHAUSTED,
  METRICS_UPSTREAM_ERROR,
  METRICS_UNAVAILABLE,
  METRICS_OVERLOADED,
  METRICS_INTERNAL_ERROR,
  METRICS_REUSED, /* a refresh token presented again after it was spent: its session revoked */
  METRICS_OUTCOME_COUNT
};

/* How a code travels; issue 12 adds voice calls and WhatsApp. */
enum metrics_channel { METRICS_SMS, METRICS_CALL, METRICS_WHATSAPP, METRICS_CHANNEL_COUNT };

/* The Twilio Verify calls. */
enum metrics_twilio_endpoint {
  METRICS_TWILIO_CREATE, /* POST Verifications: send a code */
  METRICS_TWILIO_CHECK,  /* POST VerificationCheck */
  METRICS_TWILIO_CANCEL, /* POST Verifications/{sid} Status=canceled */
  METRICS_TWILIO_ENDPOINT_COUNT
};

enum metrics_twilio_outcome {
  METRICS_TWILIO_OK,              /* 2xx */
  METRICS_TWILIO_CLIENT_ERROR,    /* 4xx but 429 */
  METRICS_TWILIO_RATE_LIMITED,    /* 429 */
  METRICS_TWILIO_SERVER_ERROR,    /* 5xx, or any other status */
  METRICS_TWILIO_TIMEOUT,         /* no answer within TWILIO_TIMEOUT_MS */
  METRICS_TWILIO_TRANSPORT_ERROR, /* no connection, TLS, an answer over the size cap */
  METRICS_TWILIO_OUTCOME_COUNT
};

enum metrics_backend { METRICS_MONGODB, METRICS_REDIS, METRICS_BACKEND_COUNT };

/* Records the process's start time (process_start_time_seconds). Once, at start. */
void metrics_start(void);

/* The route label id of path (a route table's path, which must outlive the process), the same
 * id for the same path; METRICS_ROUTE_OTHER when the table is full. Only before serving: the
 * route table is read without a lock. */
int metrics_route_add(const char *path);

/* One answered request: its route label id, its status, and its time in nanoseconds. */
void metrics_http_request(int route, long status, uint64_t ns);

/* The outcome of a flow's result (VG_OK: METRICS_OK). */
enum metrics_outcome metrics_outcome_of(vg_result r);

/* One use case answered with outcome. */
void metrics_flow(enum metrics_flow flow, enum metrics_outcome outcome);

/* One code sent, or refused by the provider, on channel: r is the sender's result. */
void metrics_otp_send(enum metrics_channel channel, vg_result r);

/* One request refused by an abuse limit, named by the rate_limiter scope it counts in
 * ("login-fail-ip", "sms-phone-10min", ...); a scope of no rule is not counted. */
void metrics_rate_limited(const char *scope);

/* One Twilio call, its outcome and its time in nanoseconds. */
void metrics_twilio_call(enum metrics_twilio_endpoint endpoint, enum metrics_twilio_outcome outcome,
                         uint64_t ns);

/* The password hasher's state: hashes waiting for a slot, and hashes running. */
void metrics_hash_state(int waiting, int running);

/* One hash refused at once: the queue was full, or the wait ran out. */
void metrics_hash_rejected(void);

/* One failed call to a backend (a driver error, an error reply, no connection). */
void metrics_backend_error(enum metrics_backend backend);

/* Every metric in the text exposition format 0.0.4: a malloc'd, NUL-terminated text (free() it)
 * with its length in *len; NULL when out of memory. */
char *metrics_render(size_t *len);

/* The Content-Type of metrics_render's text. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
