/* factor_check.c: what /login and /verify ask of the factors beside the SMS: which ones a user
 * has, and whether a TOTP or recovery code passes. */
#include "core/auth_internal.h"

#include <ctype.h>
#include <string.h>

#define TOTP_PERIOD 30
#define TOTP_WINDOW 1 /* steps either side of now: a clock 30 s off still works */
#define RECOVERY_CHARS 12
#define RECOVERY_INPUT_MAX 32 /* what a typed code may be, dashes and spaces included */

static const char *const names[VG_FACTOR_COUNT] = {"sms", "totp", "recovery"};
static const char *const amrs[VG_FACTOR_COUNT] = {"sms", "otp", "recovery"};

const char *vg_factor_name(enum vg_factor f) {
  return f >= 0 && f < VG_FACTOR_COUNT ? names[f] : "sms";
}

const char *vg_factor_amr(enum vg_factor f) {
  return f >= 0 && f < VG_FACTOR_COUNT ? amrs[f] : "sms";
}

bool vg_factor_from_name(const char *name, enum vg_factor *out) {
  for (int f = 0; name && f < VG_FACTOR_COUNT; f++)
    if (strcmp(name, names[f]) == 0) {
      *out = (enum vg_factor)f;
      return true;
    }
  return false;
}

unsigned factors_available(const struct auth *a, const struct vg_user *user) {
  unsigned set = VG_FACTOR_BIT(VG_FACTOR_SMS);
  if (a->factors.enabled && user->totp) set |= VG_FACTOR_BIT(VG_FACTOR_TOTP);
  return set;
}

const char *factors_check_code_shape(enum vg_factor f, const char *value) {
  if (f != VG_FACTOR_RECOVERY) return vg_check_code(value);
  size_t len = strlen(value);
  return len >= RECOVERY_CHARS && len <= RECOVERY_INPUT_MAX
             ? NULL
             : "must be a recovery code like ABCD-EFGH-IJKL";
}

/* The code as stored: upper case, without dashes and spaces; false when it cannot be one. */
static bool normalise_recovery(const char *code, char out[RECOVERY_CHARS + 1]) {
  size_t n = 0;
  for (const char *p = code; *p; p++) {
    if (*p == '-' || *p == ' ') continue;
    char c = (char)toupper((unsigned char)*p);
    if (n == RECOVERY_CHARS || !((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7'))) return false;
    out[n++] = c;
  }
  out[n] = '\0';
  return n == RECOVERY_CHARS;
}

static vg_result check_totp(struct auth *a, const char *jti, const struct vg_pending *pending,
                            const char *code) {
  struct auth_factors *f = &a->factors;
  const char *user_id = pending->user_id;
  if (!pending->totp_box[0]) return VG_ERR_FACTOR_NOT_ENROLLED;
  unsigned char secret[VG_TOTP_SECRET_BYTES];
  size_t len = 0;
  int64_t step = 0;
  vg_result r = f->sealer.open(f->sealer.self, user_id, pending->totp_box, secret, &len);
  if (r == VG_OK)
    r = f->totp.check(f->totp.self, secret, len, code, a->clock.now(a->clock.self), TOTP_WINDOW,
                      &step);
  memset(secret, 0, sizeof secret);
  if (r != VG_OK) return r;
  /* Each step once per user, and never one older than the last accepted: a code seen over a
   * shoulder or replayed from a log is spent. Kept while a step can still be in the window. */
  r = f->steps.accept(f->steps.self, user_id, step, (2 * TOTP_WINDOW + 2) * TOTP_PERIOD, jti);
  return r == VG_ERR_NOT_FOUND ? VG_ERR_INVALID_TOKEN : r;
}

static vg_result check_recovery(struct auth *a, const char *jti, const char *user_id,
                                const char *code, int *left) {
  struct factor_sealer *s = &a->factors.sealer;
  char plain[RECOVERY_CHARS + 1], hash[VG_RECOVERY_HASH_MAX];
  if (!normalise_recovery(code, plain)) return VG_ERR_WRONG_CODE;
  s->hash_recovery(s->self, user_id, plain, hash);
  memset(plain, 0, sizeof plain);
  vg_result r = a->factors.store.spend_recovery(a->factors.store.self, user_id, hash, left);
  /* A spent code and a wrong one are one answer: only hashes are kept, and a spent one is gone. */
  if (r != VG_OK) return r == VG_ERR_NOT_FOUND ? VG_ERR_WRONG_CODE : r;
  /* The code is spent: the approval is recorded so that a retry finishes without it. */
  r = a->pending.approve(a->pending.self, jti);
  return r == VG_ERR_NOT_FOUND ? VG_ERR_INVALID_TOKEN : r;
}

vg_result factors_check(struct auth *a, const char *jti, const struct vg_pending *pending,
                        enum vg_factor f, const char *code, int *recovery_left) {
  if (!a->factors.enabled) return VG_ERR_FACTOR_UNAVAILABLE;
  if (f == VG_FACTOR_TOTP) return check_totp(a, jti, pending, code);
  if (f == VG_FACTOR_RECOVERY) return check_recovery(a, jti, pending->user_id, code, recovery_left);
  return VG_ERR_INTERNAL;
}
