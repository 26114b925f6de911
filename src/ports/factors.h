/* factors.h: the ports of the second factors beside the SMS: a TOTP authenticator app (RFC 6238)
 * and single-use recovery codes. Where they are kept (factor_store: the user's document), how a
 * secret is sealed and a recovery code hashed (factor_sealer), how a code is checked
 * (totp_checker: liboath), which step a user last spent (totp_steps: Redis), and the QR code of
 * an enrollment (qr_code: libqrencode). */
#ifndef VG_PORT_FACTORS_H
#define VG_PORT_FACTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

#define VG_TOTP_SECRET_BYTES 20 /* 160 bits, RFC 4226's recommended length for HMAC-SHA1 */
#define VG_TOTP_BOX_MAX 192     /* a sealed secret: "k1.<kid>.<base64url>" and NUL */
#define VG_RECOVERY_COUNT 10    /* codes per batch */
#define VG_RECOVERY_HASH_MAX 65 /* a keyed hash of a code: 64 hex digits and NUL */

/* What the user's document says about its factors. */
struct vg_factors {
  bool totp;                 /* a TOTP secret is stored (box) */
  bool totp_confirmed;       /* and was confirmed with a first code */
  char box[VG_TOTP_BOX_MAX]; /* the sealed secret, "" when none */
  int recovery_left;         /* recovery codes not spent */
};

struct factor_store {
  void *self;
  /* VG_ERR_NOT_FOUND when no user has id. */
  vg_result (*get)(void *self, const char *user_id, struct vg_factors *out);
  /* Stores box as the user's unconfirmed TOTP, replacing an unconfirmed one, in one update that
   * matches only while no confirmed TOTP exists: VG_ERR_FACTOR_ENROLLED otherwise. */
  vg_result (*put_totp)(void *self, const char *user_id, const char *box, int64_t now_ms);
  /* Confirms the unconfirmed TOTP sealed as box and stores the recovery hashes, in one update
   * that matches only while that box is still the unconfirmed one: VG_ERR_NOT_FOUND otherwise. */
  vg_result (*confirm_totp)(void *self, const char *user_id, const char *box,
                            char hashes[VG_RECOVERY_COUNT][VG_RECOVERY_HASH_MAX]);
  /* Removes the TOTP; VG_ERR_NOT_FOUND when there was none. */
  vg_result (*delete_totp)(void *self, const char *user_id);
  /* Replaces every recovery code by hashes. */
  vg_result (*set_recovery)(void *self, const char *user_id,
                            char hashes[VG_RECOVERY_COUNT][VG_RECOVERY_HASH_MAX]);
  /* Spends the code hashed as hash in one update that removes it (of two concurrent spends of
   * one code exactly one matches); VG_ERR_NOT_FOUND when the user has no such code. *left: codes
   * that remain after it. */
  vg_result (*spend_recovery)(void *self, const char *user_id, const char *hash, int *left);
};

struct factor_sealer {
  void *self;
  /* Seals secret for user_id (the id is sealed with it and checked on open, so a box moved to
   * another user opens for nobody) under the current key, naming the key in the box. */
  vg_result (*seal)(void *self, const char *user_id, const unsigned char *secret, size_t len,
                    char box[VG_TOTP_BOX_MAX]);
  /* VG_ERR_INTERNAL for a box that does not open for user_id (another key, altered, moved). */
  vg_result (*open)(void *self, const char *user_id, const char *box,
                    unsigned char secret[VG_TOTP_SECRET_BYTES], size_t *len);
  /* The keyed hash of a normalised recovery code of user_id. */
  void (*hash_recovery)(void *self, const char *user_id, const char *code,
                        char out[VG_RECOVERY_HASH_MAX]);
  /* n random bytes. */
  void (*random)(void *self, unsigned char *buf, size_t n);
};

struct totp_checker {
  void *self;
  /* Checks a 6-digit code against secret at now (Unix seconds), 30-second steps, window steps
   * either side. VG_OK with *step the step it matched; VG_ERR_WRONG_CODE otherwise. */
  vg_result (*check)(void *self, const unsigned char *secret, size_t len, const char *code,
                     int64_t now, int window, int64_t *step);
};

struct totp_steps {
  void *self;
  /* Accepts step for user_id only when it is later than the last step accepted, and remembers
   * it for ttl seconds, in one atomic step: VG_ERR_CODE_REUSED otherwise. With pending_jti (a
   * login being verified; NULL for none) the same step records that login's approval, as
   * pending_store.approve does, so a /verify that fails after it finishes on a retry without the
   * spent code; VG_ERR_NOT_FOUND (and no step spent) when that login is gone. */
  vg_result (*accept)(void *self, const char *user_id, int64_t step, int ttl,
                      const char *pending_jti);
};

struct qr_code {
  void *self;
  /* An SVG image of text as a QR code (malloc'd, the caller frees it), or NULL. */
  char *(*svg)(void *self, const char *text);
};

#endif
