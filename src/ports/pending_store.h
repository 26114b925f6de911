/* pending_store.h: short-lived state of logins waiting for their SMS code (Redis in production).
 * Every operation is atomic in the store, so any number of verigate processes can share it. */
#ifndef VG_PORT_PENDING_STORE_H
#define VG_PORT_PENDING_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/result.h"
#include "ports/delivery.h"
#include "ports/factors.h"
#include "ports/user_store.h"

#define VG_JTI_MAX 48
#define VG_SID_MAX 35        /* VE + 32 hex + NUL */
#define VG_LOCK_OWNER_MAX 33 /* a verify lock's owner token: 128 random bits in hex, NUL */

struct vg_pending {
  char user_id[VG_ID_MAX];
  char phone[VG_PHONE_MAX];
  char verification_sid[VG_SID_MAX];
  int sends;            /* SMS sent for this login, the first included */
  int64_t last_send_at; /* seconds since the Unix epoch */
  int attempts;         /* wrong codes so far */
  bool phone_verified;  /* the user's when the login began: then /verify need not write it */
  bool approved;        /* Twilio approved this login's code; the login is not consumed yet */
  struct vg_delivery delivery; /* how the last code went out: a resend that names none reuses it */
  /* The user's sealed TOTP secret when the login began ("" for none), so that a TOTP /verify
   * reads no user document. */
  char totp_box[VG_TOTP_BOX_MAX];
};

struct pending_store {
  void *self;
  /* Stores p under jti, expiring after ttl seconds. */
  vg_result (*create)(void *self, const char *jti, const struct vg_pending *p, int ttl);
  /* VG_ERR_NOT_FOUND when jti has no pending login (expired, consumed, deleted). */
  vg_result (*get)(void *self, const char *jti, struct vg_pending *out);
  /* Reserves one more send, atomically: VG_ERR_RESEND_COOLDOWN with *retry_after when the last
   * send is under cooldown seconds old, VG_ERR_RESEND_LIMIT when max_sends were made,
   * VG_ERR_NOT_FOUND when jti is gone. On VG_OK *sends is the new count. */
  vg_result (*reserve_send)(void *self, const char *jti, int64_t now, int cooldown, int max_sends,
                            int *sends, int *retry_after);
  /* Records a resend that changed what the login holds: the verification it reached (Twilio
   * started a new one when the one before was approved, canceled or expired) and how it went
   * out. Never recreates a login that is gone: VG_ERR_NOT_FOUND. */
  vg_result (*record_send)(void *self, const char *jti, const char *sid,
                           const struct vg_delivery *delivery);
  /* Gives back a send reserved by reserve_send whose delivery failed. */
  vg_result (*release_send)(void *self, const char *jti, int64_t previous_send_at);
  /* Counts one wrong code; *attempts is the new total. VG_ERR_NOT_FOUND when jti is gone. */
  vg_result (*add_attempt)(void *self, const char *jti, int *attempts);
  /* Takes a short exclusive lock on jti's verification and reads the pending login under it, in
   * one step: VG_ERR_NOT_FOUND when jti has no pending login (and no lock is taken),
   * VG_ERR_VERIFY_IN_PROGRESS when the lock is held. VG_OK fills owner with a token made for
   * this caller alone: only unlock with it (or the session start that consumes the login)
   * releases the lock, and only while this caller still holds it. */
  vg_result (*lock)(void *self, const char *jti, int ttl, char owner[VG_LOCK_OWNER_MAX],
                    struct vg_pending *out);
  /* Releases jti's lock if owner still holds it; a lock that expired and was taken by another
   * request is left alone. */
  vg_result (*unlock)(void *self, const char *jti, const char *owner);
  /* Records that Twilio approved jti's code, so that a /verify retried after a later failure
   * finishes without asking Twilio again (which answers 404 once a verification is approved).
   * Never recreates a login that is gone: VG_ERR_NOT_FOUND. The login is consumed by
   * session_store.start. */
  vg_result (*approve)(void *self, const char *jti);
  vg_result (*remove)(void *self, const char *jti);
  vg_result (*ping)(void *self);
};

#endif
