/* store: the emulator's verifications, in memory and mutex-protected.
 *
 * The emulator serves exactly one Verify service, so pending verifications are keyed by To alone.
 * Finished ones (approved, canceled, max_attempts_reached, expired) leave the pending set, which is
 * how Twilio "soft deletes" them (404/20404 afterwards), and are kept in a small history only for
 * the /__emulator test hooks. Every function copies results out, so callers never hold a pointer
 * into the store once the mutex is released. */
#ifndef EMU_STORE_H
#define EMU_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ids.h"

/* Twilio allows 5 sends and 5 wrong checks per verification; the 6th is refused. */
#define EMU_MAX_SENDS 5
#define EMU_MAX_CHECKS 5
#define EMU_TO_MAX 256
#define EMU_CHANNEL_MAX 16

enum emu_status {
  EMU_STATUS_PENDING,
  EMU_STATUS_APPROVED,
  EMU_STATUS_CANCELED,
  EMU_STATUS_MAX_ATTEMPTS,
  EMU_STATUS_EXPIRED
};

struct emu_send_attempt {
  time_t time;
  char channel[EMU_CHANNEL_MAX];
  char sid[EMU_SID_LEN + 1];
};

struct emu_verification {
  char sid[EMU_SID_LEN + 1];
  char to[EMU_TO_MAX];
  char channel[EMU_CHANNEL_MAX];
  char code[EMU_CODE_MAX_LEN + 1];
  enum emu_status status;
  time_t created;
  time_t updated;
  int64_t expires_ms; /* wall-clock milliseconds; code TTL counted from creation */
  int sends;
  struct emu_send_attempt attempts[EMU_MAX_SENDS];
  int checks;
};

enum emu_store_result {
  EMU_STORE_OK,
  EMU_STORE_NOT_FOUND,
  EMU_STORE_MAX_SENDS,
  EMU_STORE_MAX_CHECKS,
  EMU_STORE_NO_MEMORY
};

struct emu_store;

/* Wall-clock milliseconds since the epoch: the "now" every store operation takes. Expiry is kept
 * to the millisecond, so a 1-second TTL means one second, not "by the next second boundary". */
int64_t emu_clock_ms(void);

/* The Twilio name of a status ("pending", "max_attempts_reached", ...). */
const char *emu_status_name(enum emu_status status);

/* Returns a new empty store, or NULL when out of memory. Release with emu_store_destroy. */
struct emu_store *emu_store_create(long code_ttl_seconds, int code_length);
void emu_store_destroy(struct emu_store *store);

/* Starts a verification for to, or re-sends the pending one (same SID and code, one more send
 * attempt, channel switched to channel). EMU_STORE_MAX_SENDS when it already had EMU_MAX_SENDS
 * sends; the pending verification is left unchanged. On EMU_STORE_OK *out holds the new state. */
enum emu_store_result emu_store_start(struct emu_store *store, const char *to, const char *channel,
                                      int64_t now_ms, struct emu_verification *out);

/* Copies the pending verification with this SID into *out, or EMU_STORE_NOT_FOUND. */
enum emu_store_result emu_store_fetch(struct emu_store *store, const char *sid, int64_t now_ms,
                                      struct emu_verification *out);

/* Sets a pending verification to canceled or approved; either way it leaves the pending set. */
enum emu_store_result emu_store_update(struct emu_store *store, const char *sid,
                                       enum emu_status status, int64_t now_ms,
                                       struct emu_verification *out);

/* Checks code against the pending verification found by sid (when non-NULL, and then to must match
 * if also given) or else by to. EMU_STORE_OK with status approved (the verification leaves the
 * pending set) or pending (one more failed check); EMU_STORE_MAX_CHECKS once EMU_MAX_CHECKS checks
 * were already made (status becomes max_attempts_reached and it leaves the pending set). */
enum emu_store_result emu_store_check(struct emu_store *store, const char *to, const char *sid,
                                      const char *code, int64_t now_ms,
                                      struct emu_verification *out);

/* Test hook: the latest verification for to, pending or finished. False when none is known. */
bool emu_store_latest(struct emu_store *store, const char *to, int64_t now_ms,
                      struct emu_verification *out);

/* Forgets every verification, pending and finished. */
void emu_store_reset(struct emu_store *store);

#endif
