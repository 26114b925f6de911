/* otp_sender.h: makes, sends and checks one-time codes (Twilio Verify in production). */
#ifndef VG_PORT_OTP_SENDER_H
#define VG_PORT_OTP_SENDER_H

#include "core/result.h"
#include "ports/pending_store.h"

struct otp_sender {
  void *self;
  /* Sends a code to phone (E.164) as delivery says (channel, locale, app hash); a repeat for a
   * pending phone resends the same code, on delivery's channel. VG_OK fills sid. Errors:
   * VG_ERR_INVALID_PHONE, VG_ERR_SMS_RATE_LIMITED (with *retry_after in seconds), VG_ERR_UPSTREAM.
   */
  vg_result (*start)(void *self, const char *phone, const struct vg_delivery *delivery,
                     char sid[VG_SID_MAX], int *retry_after);
  /* Checks code against the verification pending for phone (by To, not by SID: a resend after
   * Twilio dropped a verification starts a new one with a new SID). VG_OK: approved.
   * VG_ERR_WRONG_CODE: still pending. VG_ERR_VERIFICATION_EXPIRED: unknown, expired or already
   * approved. VG_ERR_TOO_MANY_ATTEMPTS, VG_ERR_SMS_RATE_LIMITED (*retry_after), VG_ERR_UPSTREAM. */
  vg_result (*check)(void *self, const char *phone, const char *code, int *retry_after);
  /* Ends verification sid so its code no longer works. VG_OK also when it is already gone;
   * VG_ERR_UPSTREAM when Twilio cannot be told. */
  vg_result (*cancel)(void *self, const char *sid);
};

#endif
