/* factors.c: enrolling a TOTP authenticator (RFC 6238) and managing recovery codes, behind an
 * access token. The secret is stored only sealed, the recovery codes only as keyed hashes. */
#include "core/auth_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char B32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

#define TOTP_PERIOD 30
#define RECOVERY_CHARS 12 /* 60 bits of base32, shown as xxxx-xxxx-xxxx */

struct auth_factors auth_factors_default(void) {
  return (struct auth_factors){
      .enabled = false,
      .issuer = "verigate",
      .confirm_attempts = 5,
      .confirm_window = 900,
      .step_up_max_age = 300,
  };
}

/* RFC 4648 base32 without padding of len bytes into out (8 characters per 5 bytes). */
static void base32(const unsigned char *in, size_t len, char *out, size_t cap) {
  size_t o = 0;
  unsigned buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < len && o + 1 < cap; i++) {
    buffer = (buffer << 8) | in[i];
    bits += 8;
    while (bits >= 5 && o + 1 < cap) {
      out[o++] = B32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0 && o + 1 < cap) out[o++] = B32[(buffer << (5 - bits)) & 31];
  out[o] = '\0';
}

/* Percent-encodes text for the otpauth URI (RFC 3986 unreserved characters stay). */
static void uri_escape(const char *text, char *out, size_t cap) {
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)text; *p && o + 4 < cap; p++) {
    if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
        strchr("-._~@", *p))
      out[o++] = (char)*p;
    else
      o += (size_t)snprintf(out + o, cap - o, "%%%02X", *p);
  }
  out[o] = '\0';
}

/* The access token's user, and that TOTP is on. */
static vg_result require_user(struct auth *a, const char *access_token, struct vg_claims *claims) {
  vg_result r = auth_require_access(a, access_token, claims);
  if (r != VG_OK) return r;
  return a->factors.enabled ? VG_OK : VG_ERR_FACTOR_UNAVAILABLE;
}

/* Sensitive changes need a second factor passed lately, not only a token refreshed for days. */
static vg_result require_recent(struct auth *a, const struct vg_claims *claims) {
  int64_t age = a->clock.now(a->clock.self) - claims->auth_time;
  return age <= a->factors.step_up_max_age ? VG_OK : VG_ERR_STEP_UP_REQUIRED;
}

vg_result auth_totp_enroll(struct auth *a, const char *access_token, struct totp_enrollment *out) {
  memset(out, 0, sizeof *out);
  struct vg_claims claims;
  vg_result r = require_user(a, access_token, &claims);
  if (r != VG_OK) return r;
  memcpy(out->user_id, claims.sub, sizeof out->user_id);
  struct vg_user user;
  r = a->users.find_by_id(a->users.self, claims.sub, &user);
  if (r != VG_OK) return r == VG_ERR_NOT_FOUND ? VG_ERR_INVALID_TOKEN : r;
  if (user.totp) return VG_ERR_FACTOR_ENROLLED;

  struct auth_factors *f = &a->factors;
  unsigned char secret[VG_TOTP_SECRET_BYTES];
  char box[VG_TOTP_BOX_MAX];
  f->sealer.random(f->sealer.self, secret, sizeof secret);
  r = f->sealer.seal(f->sealer.self, claims.sub, secret, sizeof secret, box);
  base32(secret, sizeof secret, out->secret, sizeof out->secret);
  memset(secret, 0, sizeof secret);
  if (r == VG_OK) r = f->store.put_totp(f->store.self, claims.sub, box, claims.iat * 1000);
  if (r != VG_OK) {
    memset(out->secret, 0, sizeof out->secret);
    return r == VG_ERR_NOT_FOUND ? VG_ERR_INVALID_TOKEN : r;
  }
  char issuer[128], account[3 * VG_EMAIL_MAX];
  uri_escape(f->issuer, issuer, sizeof issuer);
  uri_escape(user.email, account, sizeof account);
  size_t n = strlen(issuer) * 2 + strlen(account) + strlen(out->secret) + 96;
  out->uri = malloc(n);
  if (out->uri)
    snprintf(out->uri, n,
             "otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&digits=6&period=%d", issuer,
             account, out->secret, issuer, TOTP_PERIOD);
  out->qr_svg = out->uri ? f->qr.svg(f->qr.self, out->uri) : NULL;
  if (!out->qr_svg) {
    totp_enrollment_free(out);
    return VG_ERR_INTERNAL;
  }
  return VG_OK;
}

void totp_enrollment_free(struct totp_enrollment *e) {
  if (e->uri) memset(e->uri, 0, strlen(e->uri));
  free(e->uri);
  free(e->qr_svg);
  e->uri = e->qr_svg = NULL;
  memset(e->secret, 0, sizeof e->secret);
}

/* A fresh batch: each code 60 random bits in base32, shown grouped; only their hashes kept. */
static void new_codes(struct auth *a, const char *user_id, struct recovery_codes *out,
                      char hashes[VG_RECOVERY_COUNT][VG_RECOVERY_HASH_MAX]) {
  struct factor_sealer *s = &a->factors.sealer;
  for (int i = 0; i < VG_RECOVERY_COUNT; i++) {
    unsigned char raw[RECOVERY_CHARS];
    char plain[RECOVERY_CHARS + 1];
    s->random(s->self, raw, sizeof raw);
    for (int c = 0; c < RECOVERY_CHARS; c++) plain[c] = B32[raw[c] & 31];
    plain[RECOVERY_CHARS] = '\0';
    s->hash_recovery(s->self, user_id, plain, hashes[i]);
    snprintf(out->codes[i], sizeof out->codes[i], "%.4s-%.4s-%.4s", plain, plain + 4, plain + 8);
    memset(plain, 0, sizeof plain);
  }
}

/* Counts one confirm attempt of the user: an attacker holding a stolen access token must not
 * run through the million codes. */
static vg_result take_confirm_attempt(struct auth *a, const char *user_id, int *retry_after) {
  struct vg_limit limit = {.scope = "totp-confirm",
                           .subject = user_id,
                           .limit = a->factors.confirm_attempts,
                           .window = a->factors.confirm_window};
  int which = 0;
  return a->limiter.take(a->limiter.self, &limit, 1, NULL, &which, retry_after);
}

vg_result auth_totp_confirm(struct auth *a, const char *access_token, const char *code,
                            struct vg_field_errors *errs, struct recovery_codes *out,
                            int *retry_after) {
  memset(out, 0, sizeof *out);
  struct vg_claims claims;
  vg_result r = require_user(a, access_token, &claims);
  if (r != VG_OK) return r;
  memcpy(out->user_id, claims.sub, sizeof out->user_id);
  auth_require_field(errs, "code", code, vg_check_code);
  if (errs->count > 0) return VG_ERR_VALIDATION;

  struct auth_factors *f = &a->factors;
  struct vg_factors stored;
  r = f->store.get(f->store.self, claims.sub, &stored);
  if (r != VG_OK) return r == VG_ERR_NOT_FOUND ? VG_ERR_INVALID_TOKEN : r;
  if (stored.totp_confirmed) return VG_ERR_FACTOR_ENROLLED;
  if (!stored.totp) return VG_ERR_FACTOR_NOT_ENROLLED;
  r = take_confirm_attempt(a, claims.sub, retry_after);
  if (r != VG_OK) return r;

  unsigned char secret[VG_TOTP_SECRET_BYTES];
  size_t len = 0;
  int64_t step = 0;
  r = f->sealer.open(f->sealer.self, claims.sub, stored.box, secret, &len);
  if (r == VG_OK)
    r = f->totp.check(f->totp.self, secret, len, code, a->clock.now(a->clock.self), 1, &step);
  memset(secret, 0, sizeof secret);
  /* The confirming code's step is spent like any other: it cannot also log in. */
  if (r == VG_OK) r = f->steps.accept(f->steps.self, claims.sub, step, 4 * TOTP_PERIOD, NULL);
  if (r != VG_OK) return r;

  char hashes[VG_RECOVERY_COUNT][VG_RECOVERY_HASH_MAX];
  new_codes(a, claims.sub, out, hashes);
  r = f->store.confirm_totp(f->store.self, claims.sub, stored.box, hashes);
  if (r != VG_OK) memset(out->codes, 0, sizeof out->codes);
  /* Replaced by a new enrollment meanwhile: that one needs its own code. */
  return r == VG_ERR_NOT_FOUND ? VG_ERR_FACTOR_NOT_ENROLLED : r;
}

vg_result auth_totp_delete(struct auth *a, const char *access_token, char user_id[VG_ID_MAX]) {
  struct vg_claims claims;
  memset(user_id, 0, VG_ID_MAX);
  vg_result r = require_user(a, access_token, &claims);
  if (r != VG_OK) return r;
  memcpy(user_id, claims.sub, VG_ID_MAX);
  r = require_recent(a, &claims);
  if (r != VG_OK) return r;
  r = a->factors.store.delete_totp(a->factors.store.self, claims.sub);
  return r == VG_ERR_NOT_FOUND ? VG_ERR_FACTOR_NOT_ENROLLED : r;
}

vg_result auth_recovery_renew(struct auth *a, const char *access_token,
                              struct recovery_codes *out) {
  memset(out, 0, sizeof *out);
  struct vg_claims claims;
  vg_result r = require_user(a, access_token, &claims);
  if (r != VG_OK) return r;
  memcpy(out->user_id, claims.sub, sizeof out->user_id);
  r = require_recent(a, &claims);
  if (r != VG_OK) return r;
  char hashes[VG_RECOVERY_COUNT][VG_RECOVERY_HASH_MAX];
  new_codes(a, claims.sub, out, hashes);
  r = a->factors.store.set_recovery(a->factors.store.self, claims.sub, hashes);
  if (r != VG_OK) memset(out->codes, 0, sizeof out->codes);
  return r == VG_ERR_NOT_FOUND ? VG_ERR_INVALID_TOKEN : r;
}
