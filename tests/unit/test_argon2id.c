/* test_argon2id.c: the two Argon2id engines write and read the same strings, libsodium's own
 * included, and refuse whatever is not such a string within bounds. */
#include <sodium.h>
#include <string.h>

#include "adapters/argon2id.h"
#include "check.h"

#define T_COST 2
#define M_KIB 65536

static const enum vg_argon2_engine ENGINES[] = {VG_ARGON2_LIBSODIUM, VG_ARGON2_LIBARGON2};

/* "$argon2id$v=19$m=65536,t=2,p=1$" + 22 characters of salt + "$" + 43 of hash. */
static int looks_like_libsodiums(const char *s) {
  const char *head = "$argon2id$v=19$m=65536,t=2,p=1$";
  size_t n = strlen(head);
  if (strncmp(s, head, n) != 0 || strlen(s) != n + 22 + 1 + 43 || s[n + 22] != '$') return 0;
  for (const char *p = s + n; *p; p++)
    if (p != s + n + 22 &&
        !strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", *p))
      return 0;
  return 1;
}

static void each_engine_writes_libsodiums_format_and_reads_the_others(void) {
  char by[2][VG_HASH_MAX];
  for (int e = 0; e < 2; e++) {
    CHECK(vg_argon2id_str(ENGINES[e], by[e], "correct horse", T_COST, M_KIB) == 0);
    CHECK(looks_like_libsodiums(by[e]));
  }
  for (int e = 0; e < 2; e++) {
    for (int w = 0; w < 2; w++) {
      CHECK(vg_argon2_verify(ENGINES[e], by[w], "correct horse") == 0);
      CHECK(vg_argon2_verify(ENGINES[e], by[w], "correct horsf") == 1);
      CHECK(vg_argon2_verify(ENGINES[e], by[w], "") == 1);
    }
    /* libsodium's own verify agrees on what each engine wrote. */
    CHECK(crypto_pwhash_str_verify(by[e], "correct horse", strlen("correct horse")) == 0);
  }
  CHECK(strcmp(by[0], by[1]) != 0); /* random salts */
}

static void minimum_cost_and_argon2i_strings_verify(void) {
  char min[crypto_pwhash_STRBYTES], argon2i[crypto_pwhash_STRBYTES];
  CHECK(crypto_pwhash_str_alg(min, "pw", 2, crypto_pwhash_argon2id_OPSLIMIT_MIN,
                              crypto_pwhash_argon2id_MEMLIMIT_MIN,
                              crypto_pwhash_ALG_ARGON2ID13) == 0);
  CHECK(crypto_pwhash_str_alg(argon2i, "pw", 2, crypto_pwhash_argon2i_OPSLIMIT_MIN,
                              crypto_pwhash_argon2i_MEMLIMIT_MIN,
                              crypto_pwhash_ALG_ARGON2I13) == 0);
  for (int e = 0; e < 2; e++) {
    CHECK(vg_argon2_verify(ENGINES[e], min, "pw") == 0);
    CHECK(vg_argon2_verify(ENGINES[e], min, "pX") == 1);
    CHECK(vg_argon2_verify(ENGINES[e], argon2i, "pw") == 0);
    CHECK(vg_argon2_verify(ENGINES[e], argon2i, "pX") == 1);
  }
}

static void strings_outside_the_format_or_bounds_are_refused(void) {
  char good[crypto_pwhash_STRBYTES];
  CHECK(crypto_pwhash_str_alg(good, "pw", 2, 1, 8192, crypto_pwhash_ALG_ARGON2ID13) == 0);
  const char *tail = strchr(good + 1, '$');      /* "$v=19$..." */
  tail = strchr(strchr(tail + 1, '$') + 1, '$'); /* "$<salt>$<hash>" */
  char bad[12][VG_HASH_MAX + 2];
  const char *params[] = {
      "$argon2d$v=19$m=8,t=1,p=1",        /* Argon2d: not for passwords */
      "$argon2id$v=16$m=8,t=1,p=1",       /* version 1.0 */
      "$argon2id$v=19$m=8,t=1,p=2",       /* more than one lane */
      "$argon2id$v=19$m=2097152,t=1,p=1", /* 2 GiB */
      "$argon2id$v=19$m=8,t=0,p=1",       /* no pass */
      "$argon2id$v=19$m=8,t=65,p=1",      /* too many passes */
      "$argon2id$v=19$m=08,t=1,p=1",      /* leading zero */
      "$argon2id$v=19$m=-8,t=1,p=1",      /* sign */
      "$argon2id$v=19$t=1,m=8,p=1",       /* order */
      "$argon2id$v=19$m=8,t=1,p=1,x=1",   /* more */
  };
  size_t n = sizeof params / sizeof params[0];
  for (size_t i = 0; i < n; i++) snprintf(bad[i], sizeof bad[i], "%s%s", params[i], tail);
  snprintf(bad[n], sizeof bad[n], "%s=", good);         /* padding */
  snprintf(bad[n + 1], sizeof bad[n + 1], "%s$", good); /* a part more */
  for (int e = 0; e < 2; e++) {
    CHECK(vg_argon2_verify(ENGINES[e], good, "pw") == 0); /* the control */
    for (size_t i = 0; i < n + 2; i++) CHECK(vg_argon2_verify(ENGINES[e], bad[i], "pw") == -1);
    CHECK(vg_argon2_verify(ENGINES[e], "", "pw") == -1);
    CHECK(vg_argon2_verify(ENGINES[e], "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$", "pw") == -1);
    CHECK(vg_argon2_verify(ENGINES[e], "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
                           "pw") == -1); /* salt of 4 bytes */
    CHECK(vg_argon2_verify(ENGINES[e], "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$!!!!", "pw") == -1);
  }
}

int main(void) {
  if (sodium_init() < 0) return 1;
  RUN(each_engine_writes_libsodiums_format_and_reads_the_others);
  RUN(minimum_cost_and_argon2i_strings_verify);
  RUN(strings_outside_the_format_or_bounds_are_refused);
  return check_done();
}
