/* twilio_map.h: turns one Twilio Verify v2 response (HTTP status, body, Retry-After) into a
 * vg_result. Pure: no curl, no clock, no logging, so it is unit-tested from canned bodies.
 * The codes and shapes it knows are those of ../shared/TWILIO_VERIFY.md sections 4 and 5. */
#ifndef VG_TWILIO_MAP_H
#define VG_TWILIO_MAP_H

#include <stddef.h>

#include <stdbool.h>

#include "core/result.h"
#include "metrics.h"
#include "ports/pending_store.h"

/* Seconds to wait when a rate limit comes without a usable Retry-After header. */
/* 60203: 5 sends to one number within 10 min. The window slides and also clears when the
 * verification is checked or expires, so a minute is a fair wait, not the worst case of 10. */
#define TWILIO_RETRY_SEND_LIMIT 60
/* 20429 (account) and 60212 (one number): too many requests at once; a short backoff fixes it. */
#define TWILIO_RETRY_CONCURRENCY 2
#define TWILIO_RETRY_OTHER_429 5 /* a 429 with a code we do not know */
#define TWILIO_RETRY_MAX 3600    /* a Retry-After above this is treated as this */

/* Why a response deserves an operator's attention; the adapter picks its log line from this. */
enum twilio_fault {
  TWILIO_FAULT_NONE,        /* an answer core handles on its own */
  TWILIO_FAULT_CREDENTIALS, /* 20003, 401, or a 403 without a code: account SID or auth token */
  TWILIO_FAULT_SERVICE,     /* 404/20404 on start: the service SID or the base URL is wrong */
  TWILIO_FAULT_REQUEST,     /* another 4xx: Twilio refuses what we sent (60200 on check, ...) */
  TWILIO_FAULT_SERVER,      /* 5xx, 3xx or any other status outside 2xx/4xx */
  TWILIO_FAULT_BODY,        /* a 2xx whose body is not the resource it should be */
  TWILIO_FAULT_RATE_LIMIT,  /* a 429 (or 60203/60212/20429): returned as VG_ERR_SMS_RATE_LIMITED */
  TWILIO_FAULT_PHONE,       /* Twilio will not send to this number: VG_ERR_INVALID_PHONE */
  TWILIO_FAULT_CHANNEL,     /* 60223: the channel is disabled in the Verify service */
};

struct twilio_outcome {
  enum twilio_fault fault;
  int twilio_code;      /* the error body's "code", 0 when there is none */
  int retry_after;      /* seconds, set with VG_ERR_SMS_RATE_LIMITED, else 0 */
  char sid[VG_SID_MAX]; /* the verification's VE… sid, set with VG_OK from start, else "" */
};

/* Maps the answer to POST /v2/Services/{VA}/Verifications. VG_OK (out->sid filled),
 * VG_ERR_INVALID_PHONE, VG_ERR_SMS_RATE_LIMITED (out->retry_after) or VG_ERR_UPSTREAM: never a
 * result outside the start contract of ports/otp_sender.h. body need not be NUL-terminated;
 * body and retry_after_header may be NULL. */
vg_result twilio_map_start(long http_status, const char *body, size_t len,
                           const char *retry_after_header, struct twilio_outcome *out);

/* Maps the answer to POST /v2/Services/{VA}/VerificationCheck. VG_OK (approved and valid),
 * VG_ERR_WRONG_CODE (pending), VG_ERR_VERIFICATION_EXPIRED, VG_ERR_TOO_MANY_ATTEMPTS,
 * VG_ERR_SMS_RATE_LIMITED (out->retry_after) or VG_ERR_UPSTREAM. Arguments as for start. */
vg_result twilio_map_check(long http_status, const char *body, size_t len,
                           const char *retry_after_header, struct twilio_outcome *out);

/* Maps the answer to POST /v2/Services/{VA}/Verifications/{VE} with Status=canceled. VG_OK for
 * 200 and for 404 (the verification is already approved, expired or canceled), else as an error
 * of check (VG_ERR_SMS_RATE_LIMITED or VG_ERR_UPSTREAM). */
vg_result twilio_map_cancel(long http_status, const char *body, size_t len,
                            const char *retry_after_header, struct twilio_outcome *out);

/* What one call came to, for verigate_twilio_requests_total: answered (with http_status), or not,
 * for want of time (timed_out) or of a connection. */
enum metrics_twilio_outcome twilio_map_call(bool answered, bool timed_out, long http_status);

#endif
