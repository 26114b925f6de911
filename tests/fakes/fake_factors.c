/* fake_factors.c: see fake_factors.h. Single-threaded, bounded, never linked into verigate. */
#include "fake_factors.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fake_totp_code(int64_t step, char out[7]) {
  snprintf(out, 7, "%06u", (unsigned)(((uint64_t)step * 7919u + 13u) % 1000000u));
}

struct fake_factor_user *fake_factors_user(struct fake_factors *f, const char *user_id) {
  for (int i = 0; i < f->count; i++)
    if (strcmp(f->users[i].user_id, user_id) == 0) return &f->users[i];
  return NULL;
}

static struct fake_factor_user *user_of(struct fake_factors *f, const char *user_id) {
  struct fake_factor_user *u = fake_factors_user(f, user_id);
  if (u || f->count == FAKE_FACTOR_USERS || !fake_user_store_by_id(&f->world->users, user_id))
    return u;
  u = &f->users[f->count++];
  memset(u, 0, sizeof *u);
  snprintf(u->user_id, sizeof u->user_id, "%s", user_id);
  return u;
}

static void mirror(struct fake_factors *f, const struct fake_factor_user *u) {
  struct vg_user *user = fake_user_store_by_id(&f->world->users, u->user_id);
  if (!user) return;
  user->totp = u->f.totp_confirmed;
  snprintf(user->totp_box, sizeof user->totp_box, "%s", u->f.totp_confirmed ? u->f.box : "");
}

static vg_result get(void *self, const char *user_id, struct vg_factors *out) {
  struct fake_factors *f = self;
  if (f->store_down) return VG_ERR_UNAVAILABLE;
  struct fake_factor_user *u = user_of(f, user_id);
  if (!u) return VG_ERR_NOT_FOUND;
  *out = u->f;
  out->recovery_left = 0;
  for (int i = 0; i < VG_RECOVERY_COUNT; i++) out->recovery_left += u->hashes[i][0] != '\0';
  return VG_OK;
}

static vg_result put_totp(void *self, const char *user_id, const char *box, int64_t now) {
  (void)now;
  struct fake_factors *f = self;
  if (f->store_down) return VG_ERR_UNAVAILABLE;
  struct fake_factor_user *u = user_of(f, user_id);
  if (!u) return VG_ERR_NOT_FOUND;
  if (u->f.totp_confirmed) return VG_ERR_FACTOR_ENROLLED;
  u->f.totp = true;
  snprintf(u->f.box, sizeof u->f.box, "%s", box);
  return VG_OK;
}

static vg_result confirm_totp(void *self, const char *user_id, const char *box,
                              char hashes[VG_RECOVERY_COUNT][VG_RECOVERY_HASH_MAX]) {
  struct fake_factors *f = self;
  struct fake_factor_user *u = user_of(f, user_id);
  if (!u || !u->f.totp || u->f.totp_confirmed || strcmp(u->f.box, box) != 0)
    return VG_ERR_NOT_FOUND;
  u->f.totp_confirmed = true;
  memcpy(u->hashes, hashes, sizeof u->hashes);
  mirror(f, u);
  return VG_OK;
}

static vg_result delete_totp(void *self, const char *user_id) {
  struct fake_factors *f = self;
  struct fake_factor_user *u = user_of(f, user_id);
  if (!u || !u->f.totp) return VG_ERR_NOT_FOUND;
  memset(&u->f, 0, sizeof u->f);
  mirror(f, u);
  return VG_OK;
}

static vg_result set_recovery(void *self, const char *user_id,
                              char hashes[VG_RECOVERY_COUNT][VG_RECOVERY_HASH_MAX]) {
  struct fake_factor_user *u = user_of(self, user_id);
  if (!u) return VG_ERR_NOT_FOUND;
  memcpy(u->hashes, hashes, sizeof u->hashes);
  return VG_OK;
}

static vg_result spend_recovery(void *self, const char *user_id, const char *hash, int *left) {
  struct fake_factor_user *u = user_of(self, user_id);
  *left = 0;
  if (!u) return VG_ERR_NOT_FOUND;
  bool found = false;
  for (int i = 0; i < VG_RECOVERY_COUNT; i++) {
    if (!found && u->hashes[i][0] && strcmp(u->hashes[i], hash) == 0) {
      u->hashes[i][0] = '\0';
      found = true;
    }
    *left += u->hashes[i][0] != '\0';
  }
  return found ? VG_OK : VG_ERR_NOT_FOUND;
}

/* The fake box: "box:<user id>:<secret as hex>"; opens only for that user. */
static vg_result seal(void *self, const char *user_id, const unsigned char *secret, size_t len,
                      char box[VG_TOTP_BOX_MAX]) {
  (void)self;
  int n = snprintf(box, VG_TOTP_BOX_MAX, "box:%s:", user_id);
  for (size_t i = 0; i < len; i++)
    n += snprintf(box + n, VG_TOTP_BOX_MAX - (size_t)n, "%02x", secret[i]);
  return VG_OK;
}

static vg_result open_box(void *self, const char *user_id, const char *box,
                          unsigned char secret[VG_TOTP_SECRET_BYTES], size_t *len) {
  (void)self;
  char prefix[VG_ID_MAX + 8];
  snprintf(prefix, sizeof prefix, "box:%s:", user_id);
  if (strncmp(box, prefix, strlen(prefix)) != 0) return VG_ERR_INTERNAL;
  const char *hex = box + strlen(prefix);
  *len = strlen(hex) / 2;
  for (size_t i = 0; i < *len && i < VG_TOTP_SECRET_BYTES; i++) {
    unsigned v = 0;
    sscanf(hex + 2 * i, "%2x", &v);
    secret[i] = (unsigned char)v;
  }
  return VG_OK;
}

static void hash_recovery(void *self, const char *user_id, const char *code,
                          char out[VG_RECOVERY_HASH_MAX]) {
  (void)self;
  snprintf(out, VG_RECOVERY_HASH_MAX, "h:%s:%s", user_id, code);
}

static void random_bytes(void *self, unsigned char *buf, size_t n) {
  struct fake_factors *f = self;
  for (size_t i = 0; i < n; i++) buf[i] = f->next_random++;
}

static vg_result check(void *self, const unsigned char *secret, size_t len, const char *code,
                       int64_t now, int window, int64_t *step) {
  (void)self, (void)secret;
  if (len != VG_TOTP_SECRET_BYTES) return VG_ERR_INTERNAL;
  for (int64_t s = now / 30 - window; s <= now / 30 + window; s++) {
    char expect[7];
    fake_totp_code(s, expect);
    if (strcmp(code, expect) == 0) {
      *step = s;
      return VG_OK;
    }
  }
  return VG_ERR_WRONG_CODE;
}

static vg_result accept(void *self, const char *user_id, int64_t step, int ttl,
                        const char *pending_jti) {
  struct fake_factors *f = self;
  (void)ttl;
  if (f->has_step && strcmp(f->last_step_user, user_id) == 0 && step <= f->last_step)
    return VG_ERR_CODE_REUSED;
  /* As the Redis script: the login's approval in the same step. */
  struct vg_pending *p =
      pending_jti ? fake_pending_store_find(&f->world->pending, pending_jti) : NULL;
  if (pending_jti && !p) return VG_ERR_NOT_FOUND;
  if (p) p->approved = true;
  snprintf(f->last_step_user, sizeof f->last_step_user, "%s", user_id);
  f->last_step = step;
  f->has_step = true;
  return VG_OK;
}

static char *svg(void *self, const char *text) {
  (void)self, (void)text;
  return strdup("<svg/>");
}

void fake_factors_attach(struct fake_factors *f, struct fake_world *w) {
  memset(f, 0, sizeof *f);
  f->world = w;
  struct auth_factors a = auth_factors_default();
  a.enabled = true;
  a.store = (struct factor_store){.self = f,
                                  .get = get,
                                  .put_totp = put_totp,
                                  .confirm_totp = confirm_totp,
                                  .delete_totp = delete_totp,
                                  .set_recovery = set_recovery,
                                  .spend_recovery = spend_recovery};
  a.sealer = (struct factor_sealer){.self = f,
                                    .seal = seal,
                                    .open = open_box,
                                    .hash_recovery = hash_recovery,
                                    .random = random_bytes};
  a.totp = (struct totp_checker){.self = f, .check = check};
  a.steps = (struct totp_steps){.self = f, .accept = accept};
  a.qr = (struct qr_code){.self = f, .svg = svg};
  w->auth.factors = a;
}
