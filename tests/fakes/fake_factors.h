/* fake_factors.h: in-memory fakes of the ports of ports/factors.h, for core unit tests ONLY.
 * The fake TOTP "app" makes the code of a step as fake_totp_code(step): the secret is not used,
 * only that one is stored and opened for the right user. */
#ifndef VG_FAKE_FACTORS_H
#define VG_FAKE_FACTORS_H

#include "fake_ports.h"

#define FAKE_FACTOR_USERS 4

struct fake_factor_user {
  char user_id[VG_ID_MAX];
  struct vg_factors f;
  char hashes[VG_RECOVERY_COUNT][VG_RECOVERY_HASH_MAX]; /* "" once spent */
};

struct fake_factors {
  struct fake_world *world; /* its user store mirrors totp.confirmed into vg_user.totp */
  struct fake_factor_user users[FAKE_FACTOR_USERS];
  int count;
  unsigned char next_random; /* the fake sealer's "random" bytes count up from here */
  char last_step_user[VG_ID_MAX];
  int64_t last_step; /* the fake step store: one user at a time is enough for these tests */
  bool has_step;
  bool store_down; /* every factor_store call answers VG_ERR_UNAVAILABLE */
};

/* Turns TOTP on in w's auth with these fakes. */
void fake_factors_attach(struct fake_factors *f, struct fake_world *w);
/* The code the fake authenticator shows at step. */
void fake_totp_code(int64_t step, char out[7]);
/* The stored factors of user_id, or NULL. */
struct fake_factor_user *fake_factors_user(struct fake_factors *f, const char *user_id);

#endif
