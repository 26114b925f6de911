/* test_rate_limit_keys.c: the Redis rate limiter's counter names (a keyed hash) and script
 * arguments (every limit passed fits, or the call is refused). */
#include <string.h>

#include "adapters/rate_limit_keys.h"
#include "check.h"

static struct rate_limit_keyer keyer;
static unsigned char secret[RATE_LIMIT_SECRET_BYTES];

static void counters_are_named_by_hmac_sha256_of_the_subject(void) {
  struct vg_limit l = {"sms-phone-day", "+15550000000", 3, 60};
  char key[RATE_LIMIT_KEY_MAX], expected[RATE_LIMIT_KEY_MAX] = "vg:rl:sms-phone-day:";
  unsigned char md[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256(md, (const unsigned char *)l.subject, strlen(l.subject), secret);
  for (int i = 0; i < 16; i++) snprintf(expected + strlen(expected), 3, "%02x", md[i]);
  CHECK(rate_limit_key(&keyer, &l, key) == 1);
  CHECK(strcmp(key, expected) == 0);
  unsigned char plain[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(plain, (const unsigned char *)l.subject, strlen(l.subject));
  CHECK(memcmp(plain, md, 16) != 0);
  char tag[VG_ACCOUNT_TAG_MAX];
  rate_limit_tag(&keyer, l.subject, tag);
  CHECK(strlen(tag) == 16 && strncmp(tag, expected + strlen("vg:rl:sms-phone-day:"), 16) == 0);
}

static void another_secret_names_another_counter(void) {
  struct rate_limit_keyer other;
  unsigned char s2[RATE_LIMIT_SECRET_BYTES] = {1};
  rate_limit_keyer_init(&other, s2);
  struct vg_limit l = {"login-fail-ip", "192.0.2.1", 3, 60};
  char a[RATE_LIMIT_KEY_MAX], b[RATE_LIMIT_KEY_MAX];
  CHECK(rate_limit_key(&keyer, &l, a) && rate_limit_key(&other, &l, b));
  CHECK(strcmp(a, b) != 0);
}

static void the_most_limits_that_fit_are_all_passed_with_a_give_back(void) {
  struct vg_limit limits[RATE_LIMITS_MAX];
  for (int i = 0; i < RATE_LIMITS_MAX; i++)
    limits[i] = (struct vg_limit){"scope", "subject", i + 1, 100 + i};
  struct vg_reservation back = {.lock = {"login-lock", "a", 1, 900},
                                .ip = {"login-fail-ip", "ip", 5, 900},
                                .account = {"login-fail-account", "a", 3, 900},
                                .taken = true,
                                .locked = true};
  struct rate_limit_args args;
  CHECK(rate_limit_args_build(&keyer, limits, RATE_LIMITS_MAX, &back, true, &args) == VG_OK);
  CHECK(args.on == RATE_LIMITS_MAX);
  CHECK(args.argc <= REDIS_ARGC_MAX);
  CHECK(args.argc == 2 + 1 + (RATE_LIMITS_MAX + 3) + 1 + 2 * RATE_LIMITS_MAX + 4);
  int keys = RATE_LIMITS_MAX + 3;
  CHECK(strcmp(args.argv[2], "10") == 0); /* numkeys */
  CHECK(strncmp(args.argv[3 + keys - 1], "vg:rl:login-fail-account:", 25) == 0);
  CHECK(strcmp(args.argv[3 + keys], "7") == 0);     /* limits on */
  CHECK(strcmp(args.argv[3 + keys + 1], "1") == 0); /* the first limit */
  CHECK(strcmp(args.argv[3 + keys + RATE_LIMITS_MAX], "7") == 0);
  CHECK(strcmp(args.argv[3 + keys + RATE_LIMITS_MAX + 1], "100") == 0); /* its window */
  CHECK(strcmp(args.argv[args.argc - 4], "1") == 0);                    /* the lock was set by it */
  CHECK(strcmp(args.argv[args.argc - 1], "1") == 0);                    /* succeeded */
}

static void more_limits_than_fit_are_refused_not_dropped(void) {
  struct vg_limit limits[RATE_LIMITS_MAX + 1];
  for (int i = 0; i < RATE_LIMITS_MAX + 1; i++)
    limits[i] = (struct vg_limit){"scope", "subject", 1, 60};
  struct rate_limit_args args;
  CHECK(rate_limit_args_build(&keyer, limits, RATE_LIMITS_MAX + 1, NULL, false, &args) ==
        VG_ERR_INTERNAL);
  CHECK(args.argc == 0);
}

static void limits_that_are_off_take_no_key(void) {
  struct vg_limit limits[3] = {{"a", "x", 0, 60}, {"b", "x", 2, 60}, {"c", "", 0, 60}};
  struct rate_limit_args args;
  CHECK(rate_limit_args_build(&keyer, limits, 3, NULL, false, &args) == VG_OK);
  CHECK(args.on == 1 && args.index[0] == 1);
  CHECK(args.argc == 2 + 1 + 1 + 1 + 1 + 1);
  CHECK(strncmp(args.argv[3], "vg:rl:b:", 8) == 0);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  randombytes_buf(secret, sizeof secret);
  rate_limit_keyer_init(&keyer, secret);
  RUN(counters_are_named_by_hmac_sha256_of_the_subject);
  RUN(another_secret_names_another_counter);
  RUN(the_most_limits_that_fit_are_all_passed_with_a_give_back);
  RUN(more_limits_than_fit_are_refused_not_dropped);
  RUN(limits_that_are_off_take_no_key);
  return check_done();
}
