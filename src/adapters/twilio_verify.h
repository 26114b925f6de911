/* twilio_verify.h: the otp_sender port over Twilio Verify v2 (libcurl, thread-safe).
 * The caller runs curl_global_init() once before any thread uses this adapter, and
 * curl_global_cleanup() only after twilio_verify_destroy(). */
#ifndef VG_TWILIO_VERIFY_H
#define VG_TWILIO_VERIFY_H

#include "ports/otp_sender.h"

struct twilio_verify_config {
  const char *base_url;    /* https://verify.twilio.com, or http://127.0.0.1:PORT (emulator) */
  const char *account_sid; /* Basic auth username: AC… or an API key SK… */
  const char *auth_token;  /* Basic auth password; never logged */
  const char *service_sid; /* VA + 32 hex */
  long connect_timeout_ms; /* e.g. 2000 */
  long timeout_ms;         /* whole request, e.g. 5000 */
};

struct twilio_verify;

/* Copies every string of cfg. NULL (after an ERROR log naming the field) when cfg is incomplete
 * or malformed, or on allocation failure. Release with twilio_verify_destroy. */
struct twilio_verify *twilio_verify_create(const struct twilio_verify_config *cfg);

/* Frees tv and all its curl handles; no request may be running. NULL is fine. */
void twilio_verify_destroy(struct twilio_verify *tv);

/* The port for core; valid until twilio_verify_destroy(tv). Its functions may be called from
 * any number of threads at once. */
struct otp_sender twilio_verify_port(struct twilio_verify *tv);

#endif
