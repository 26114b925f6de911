/* rate_limit_keys.c: counter names by HMAC-SHA256 and script arguments; see rate_limit_keys.h. */
#include "adapters/rate_limit_keys.h"

#include <stdio.h>
#include <string.h>

#include <yder.h>

int rate_limit_key_derive(const struct jwt_key *key, unsigned char out[RATE_LIMIT_SECRET_BYTES]) {
  return jwt_key_derive_secret(key, RATE_LIMIT_SECRET_INFO, out, RATE_LIMIT_SECRET_BYTES);
}

void rate_limit_keyer_init(struct rate_limit_keyer *k,
                           const unsigned char secret[RATE_LIMIT_SECRET_BYTES]) {
  crypto_auth_hmacsha256_init(&k->base, secret, RATE_LIMIT_SECRET_BYTES);
}

void rate_limit_keyer_wipe(struct rate_limit_keyer *k) {
  sodium_memzero(k, sizeof *k);
}

/* HMAC-SHA256(k, subject) from the keyed state: no key schedule per call (a login names six). */
static void keyed_hash(const struct rate_limit_keyer *k, const char *subject,
                       unsigned char md[crypto_auth_hmacsha256_BYTES]) {
  crypto_auth_hmacsha256_state st = k->base;
  crypto_auth_hmacsha256_update(&st, (const unsigned char *)subject, strlen(subject));
  crypto_auth_hmacsha256_final(&st, md);
  sodium_memzero(&st, sizeof st);
}

static void hex(const unsigned char *in, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = '\0';
}

int rate_limit_key(const struct rate_limit_keyer *k, const struct vg_limit *l,
                   char out[RATE_LIMIT_KEY_MAX]) {
  unsigned char md[crypto_auth_hmacsha256_BYTES];
  int len = snprintf(out, RATE_LIMIT_KEY_MAX, "vg:rl:%s:", l->scope);
  if (len < 0 || len + 33 > RATE_LIMIT_KEY_MAX) return 0;
  keyed_hash(k, l->subject ? l->subject : "", md);
  hex(md, 16, out + len);
  return 1;
}

void rate_limit_tag(const struct rate_limit_keyer *k, const char *subject,
                    char out[VG_ACCOUNT_TAG_MAX]) {
  unsigned char md[crypto_auth_hmacsha256_BYTES];
  keyed_hash(k, subject ? subject : "", md);
  hex(md, (VG_ACCOUNT_TAG_MAX - 1) / 2, out);
}

vg_result rate_limit_args_build(const struct rate_limit_keyer *k, const struct vg_limit *limits,
                                int n, const struct vg_reservation *back, bool succeeded,
                                struct rate_limit_args *out) {
  out->on = 0;
  out->argc = 0;
  if (n < 0 || n > RATE_LIMITS_MAX) {
    y_log_message(Y_LOG_LEVEL_ERROR, "rate limiter: %d limits in one call, at most %d fit; refused",
                  n, RATE_LIMITS_MAX);
    return VG_ERR_INTERNAL;
  }
  int nkeys = 0, nnum = 0;
  for (int i = 0; i < n; i++) {
    if (limits[i].limit <= 0) continue;
    if (!rate_limit_key(k, &limits[i], out->keys[nkeys++])) return VG_ERR_INTERNAL;
    out->index[out->on++] = i;
  }
  if (back) {
    const struct vg_limit *three[3] = {&back->lock, &back->ip, &back->account};
    for (int i = 0; i < 3; i++)
      if (!rate_limit_key(k, three[i], out->keys[nkeys++])) return VG_ERR_INTERNAL;
  }
  const char **argv = out->argv;
  int argc = 2; /* EVALSHA and the sha: redis_call's */
  snprintf(out->nums[nnum], sizeof out->nums[0], "%d", nkeys);
  argv[argc++] = out->nums[nnum++];
  for (int j = 0; j < nkeys; j++) argv[argc++] = out->keys[j];
  snprintf(out->nums[nnum], sizeof out->nums[0], "%d", out->on);
  argv[argc++] = out->nums[nnum++];
  for (int j = 0; j < out->on; j++) {
    snprintf(out->nums[nnum], sizeof out->nums[0], "%d", limits[out->index[j]].limit);
    argv[argc++] = out->nums[nnum++];
  }
  for (int j = 0; j < out->on; j++) {
    int window = limits[out->index[j]].window;
    snprintf(out->nums[nnum], sizeof out->nums[0], "%d", window > 0 ? window : 1);
    argv[argc++] = out->nums[nnum++];
  }
  if (back) {
    const bool flags[4] = {back->locked, back->ip.limit > 0, back->account.limit > 0, succeeded};
    for (int i = 0; i < 4; i++) argv[argc++] = flags[i] ? "1" : "0";
  }
  out->argc = argc;
  return VG_OK;
}
