/* test_keyset.c: JWT_KEYS_DIR: which key signs, that every key is published and verifies by its
 * kid (access tokens and mfa_tokens alike), that an unknown kid is refused, and what a broken
 * directory is told. Keys are generated into a temporary directory with the mtimes each test
 * needs. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "adapters/jwt_keys.h"
#include "adapters/jwt_keyset.h"
#include "adapters/jwt_tokens.h"
#include "adapters/mfa_jwt.h"
#include "adapters/refresh_sealer.h"
#include "check.h"

#define T0 1700000000
#define SUB "650000000000000000000001"

static char dir[64];
static int64_t now = T0;

static int64_t clock_now(void *self) {
  return *(int64_t *)self;
}

static void path_of(const char *name, char out[256]) {
  snprintf(out, 256, "%s/%s", dir, name);
}

/* A new key of alg written as dir/name, its mtime set to mtime; returns its kid (static). */
static const char *write_key(const char *name, enum jwt_key_alg alg, int64_t mtime) {
  static char kid[64];
  char err[256], path[256];
  struct jwt_key *key = jwt_key_load(NULL, alg, err, sizeof err);
  CHECK(key != NULL);
  if (!key) return "";
  path_of(name, path);
  FILE *f = fopen(path, "w");
  CHECK(f && PEM_write_PrivateKey(f, key->pkey, NULL, NULL, 0, NULL, NULL));
  if (f) fclose(f);
  struct timespec times[2] = {{(time_t)mtime, 0}, {(time_t)mtime, 0}};
  CHECK(utimensat(AT_FDCWD, path, times, 0) == 0);
  snprintf(kid, sizeof kid, "%s", key->kid);
  jwt_key_free(key);
  return kid;
}

static void write_file(const char *name, const char *text) {
  char path[256];
  path_of(name, path);
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

static void empty_dir(void) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -f %s/* %s/.[!.]*", dir, dir);
  CHECK(system(cmd) == 0);
}

static struct jwt_keyset *load(char *err) {
  return jwt_keyset_load(dir, NULL, JWT_KEY_RS256, err, 256);
}

static const char *signer_kid(const struct jwt_keyset *ks, int64_t at) {
  const struct jwt_key *k = jwt_keyset_signer(ks, at);
  return k ? k->kid : "";
}

static struct jwt_tokens *tokens_of(struct jwt_keyset *ks) {
  struct jwt_tokens_config cfg = {
      .issuer = "verigate", .audience = "verigate", .mfa_ttl = 300, .access_ttl = 900, .leeway = 5};
  return jwt_tokens_create(&cfg, ks, (struct clock_port){.self = &now, .now = clock_now});
}

static char *issue_kind(struct token_service ts, enum vg_token_kind kind) {
  char *t = NULL;
  struct vg_claims c;
  CHECK(ts.issue(ts.self, kind, SUB, now, kind == VG_TOKEN_ACCESS ? "session-1" : NULL, NULL, &t, &c) ==
        VG_OK);
  return t;
}

static char *issue(struct token_service ts) {
  return issue_kind(ts, VG_TOKEN_ACCESS);
}

/* The kid in token's header. */
static const char *kid_of(const char *token, char out[64]) {
  unsigned char buf[1024];
  size_t n = 0;
  const char *dot = strchr(token, '.');
  out[0] = '\0';
  if (!dot || sodium_base642bin(buf, sizeof buf, token, (size_t)(dot - token), NULL, &n, NULL,
                                sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    return out;
  json_t *h = json_loadb((const char *)buf, n, 0, NULL);
  snprintf(out, 64, "%s", json_string_value(json_object_get(h, "kid")) ?: "");
  json_decref(h);
  return out;
}

static void keyset_newest_file_signs_and_every_key_is_published(void) {
  empty_dir();
  char a[64], b[64], c[64], err[256] = "";
  snprintf(a, sizeof a, "%s", write_key("a.pem", JWT_KEY_RS256, T0 - 300));
  snprintf(b, sizeof b, "%s", write_key("b.pem", JWT_KEY_RS256, T0 - 100));
  snprintf(c, sizeof c, "%s", write_key("c.pem", JWT_KEY_RS256, T0 - 200));
  write_file("README.txt", "not a key, not read");
  struct jwt_keyset *ks = load(err);
  CHECK(ks != NULL);
  if (!ks) return;
  CHECK(jwt_keyset_count(ks) == 3);
  CHECK_STR(signer_kid(ks, T0), b);
  const char *order[] = {b, c, a};
  for (size_t i = 0; i < 3; i++) CHECK_STR(jwt_keyset_key(ks, i)->kid, order[i]);
  CHECK(jwt_keyset_since(ks, 0) == T0 - 100);
  char *jwks = jwt_keyset_jwks(ks);
  json_t *doc = json_loads(jwks ? jwks : "", 0, NULL);
  json_t *keys = json_object_get(doc, "keys");
  CHECK(json_array_size(keys) == 3);
  for (size_t i = 0; i < json_array_size(keys); i++) {
    json_t *k = json_array_get(keys, i);
    CHECK_STR(json_string_value(json_object_get(k, "kid")), order[i]);
    CHECK(json_object_get(k, "d") == NULL); /* public halves only */
  }
  json_decref(doc);
  free(jwks);
  jwt_keyset_free(ks);
}

static void keyset_same_mtime_goes_to_the_later_name(void) {
  empty_dir();
  char err[256] = "", second[64];
  write_key("2024-01.pem", JWT_KEY_RS256, T0 - 50);
  snprintf(second, sizeof second, "%s", write_key("2024-02.pem", JWT_KEY_RS256, T0 - 50));
  struct jwt_keyset *ks = load(err);
  CHECK(ks && strcmp(signer_kid(ks, T0), second) == 0);
  jwt_keyset_free(ks);
}

static void keyset_future_key_is_published_before_it_signs(void) {
  empty_dir();
  char err[256] = "", current[64], next[64];
  snprintf(current, sizeof current, "%s", write_key("current.pem", JWT_KEY_RS256, T0 - 3600));
  snprintf(next, sizeof next, "%s", write_key("next.pem", JWT_KEY_RS256, T0 + 600));
  struct jwt_keyset *ks = load(err);
  CHECK(ks && jwt_keyset_count(ks) == 2);
  if (!ks) return;
  CHECK(jwt_keyset_find(ks, next) != NULL);
  CHECK_STR(signer_kid(ks, T0), current);
  CHECK_STR(signer_kid(ks, T0 + 599), current);
  CHECK_STR(signer_kid(ks, T0 + 600), next);
  CHECK_STR(signer_kid(ks, T0 - 7200), current); /* none has come yet: the oldest */
  jwt_keyset_free(ks);
}

/* The rotation itself: tokens of the old key keep verifying once a newer one signs. */
static void tokens_of_an_older_key_verify_and_unknown_kids_are_refused(void) {
  empty_dir();
  char err[256] = "", a[64], b[64], kid[64];
  snprintf(a, sizeof a, "%s", write_key("a.pem", JWT_KEY_RS256, T0 - 600));
  struct jwt_tokens *before = tokens_of(load(err));
  CHECK(before != NULL);
  if (!before) return;
  char *old = issue(jwt_tokens_port(before));
  CHECK_STR(kid_of(old, kid), a);

  snprintf(b, sizeof b, "%s", write_key("b.pem", JWT_KEY_RS256, T0 - 60));
  struct jwt_tokens *after = tokens_of(load(err));
  CHECK(after != NULL);
  if (!after) return;
  struct token_service ts = jwt_tokens_port(after);
  struct vg_claims c;
  CHECK(ts.verify(ts.self, old, &c) == VG_OK);
  char *fresh = issue(ts);
  CHECK_STR(kid_of(fresh, kid), b);
  CHECK(ts.verify(ts.self, fresh, &c) == VG_OK);
  struct token_service was = jwt_tokens_port(before);
  CHECK(was.verify(was.self, fresh, &c) == VG_ERR_INVALID_TOKEN); /* b is unknown there */

  /* A token of a key that is not in the set, and one whose kid names a key that did not sign. */
  struct jwt_tokens *stranger = tokens_of(jwt_keyset_load(NULL, NULL, JWT_KEY_RS256, err, 256));
  char *foreign = stranger ? issue(jwt_tokens_port(stranger)) : NULL;
  CHECK(foreign && ts.verify(ts.self, foreign, &c) == VG_ERR_INVALID_TOKEN);
  char swapped[4096];
  json_t *h = json_pack("{s:s, s:s, s:s}", "alg", "RS256", "typ", "at+jwt", "kid", a);
  char *hs = json_dumps(h, JSON_COMPACT), head[512];
  sodium_bin2base64(head, sizeof head, (unsigned char *)hs, strlen(hs),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  snprintf(swapped, sizeof swapped, "%s%s", head, strchr(fresh, '.'));
  CHECK(ts.verify(ts.self, swapped, &c) == VG_ERR_INVALID_TOKEN); /* b's signature, a's kid */
  free(hs);
  json_decref(h);
  free(foreign);
  free(fresh);
  free(old);
  jwt_tokens_destroy(stranger);
  jwt_tokens_destroy(after);
  jwt_tokens_destroy(before);
}

/* The same rotation for mfa_tokens: their kid names the signing key whose secret made them. */
static void mfa_tokens_follow_the_rotation(void) {
  empty_dir();
  char err[256] = "", a[64], b[64], kid[64];
  snprintf(a, sizeof a, "%s", write_key("a.pem", JWT_KEY_RS256, T0 - 600));
  struct jwt_tokens *before = tokens_of(load(err));
  CHECK(before != NULL);
  if (!before) return;
  char *old = issue_kind(jwt_tokens_port(before), VG_TOKEN_MFA);
  CHECK_STR(kid_of(old, kid), a);

  snprintf(b, sizeof b, "%s", write_key("b.pem", JWT_KEY_RS256, T0 - 60));
  struct jwt_keyset *ks = load(err);
  struct mfa_jwt *secrets = ks ? mfa_jwt_create(ks) : NULL; /* the same secrets tokens derives */
  struct jwt_tokens *after = tokens_of(ks);
  CHECK(after && secrets);
  if (!after || !secrets) return;
  struct token_service ts = jwt_tokens_port(after);
  struct vg_claims c;
  CHECK(ts.verify(ts.self, old, &c) == VG_OK && c.kind == VG_TOKEN_MFA); /* a's, still in the set */
  char *fresh = issue_kind(ts, VG_TOKEN_MFA);
  CHECK_STR(kid_of(fresh, kid), b);
  CHECK(ts.verify(ts.self, fresh, &c) == VG_OK && c.kind == VG_TOKEN_MFA);
  struct token_service was = jwt_tokens_port(before);
  CHECK(was.verify(was.self, fresh, &c) == VG_ERR_INVALID_TOKEN); /* b is unknown there */

  const unsigned char *sa = mfa_jwt_secret(secrets, a), *sb = mfa_jwt_secret(secrets, b);
  CHECK(sa && sb && memcmp(sa, sb, MFA_JWT_SECRET_BYTES) != 0); /* one secret per key */

  /* b's MAC under a's kid: the kid picks the secret, so it is refused. */
  unsigned char mac[32];
  unsigned int n = 0;
  char swapped[4096], head[512];
  json_t *h = json_pack("{s:s, s:s, s:s}", "alg", "HS256", "kid", a, "typ", "JWT");
  char *hs = json_dumps(h, JSON_COMPACT);
  sodium_bin2base64(head, sizeof head, (unsigned char *)hs, strlen(hs),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  snprintf(swapped, sizeof swapped, "%s%s", head, strchr(fresh, '.'));
  CHECK(ts.verify(ts.self, swapped, &c) == VG_ERR_INVALID_TOKEN);
  /* and with a's MAC over that same input it verifies: only the secret was wrong */
  size_t input = (size_t)(strrchr(swapped, '.') - swapped);
  HMAC(EVP_sha256(), sa, MFA_JWT_SECRET_BYTES, (unsigned char *)swapped, input, mac, &n);
  sodium_bin2base64(swapped + input + 1, sizeof swapped - input - 1, mac, n,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  CHECK(ts.verify(ts.self, swapped, &c) == VG_OK);

  /* Once a leaves the set, its mfa_tokens are refused. */
  char path[256];
  path_of("a.pem", path);
  unlink(path);
  struct jwt_tokens *without_a = tokens_of(load(err));
  struct token_service wa = without_a ? jwt_tokens_port(without_a) : ts;
  CHECK(without_a && wa.verify(wa.self, old, &c) == VG_ERR_INVALID_TOKEN);
  CHECK(without_a && wa.verify(wa.self, fresh, &c) == VG_OK);
  free(hs);
  json_decref(h);
  free(fresh);
  free(old);
  mfa_jwt_free(secrets);
  jwt_tokens_destroy(without_a);
  jwt_tokens_destroy(after);
  jwt_tokens_destroy(before);
}

/* A successor kept for the reuse grace is sealed with the key that signs, names it, and opens
 * on an instance where another key signs by then; a box is bound to its record, unreadable
 * without the key, and never holds the token in clear. */
static void refresh_successors_are_sealed_per_key_and_survive_a_rotation(void) {
  empty_dir();
  char err[256] = "", a[64], b[64], kid[REFRESH_SEALER_KID_MAX], box[REFRESH_SEALED_MAX];
  char opened[VG_REFRESH_TOKEN_MAX];
  const char *token = "3q2-7wQ0hYb1m3yCkqk3n1c0PqE7hJ2vX8wLz5tUaRs", *record = "ab12";
  snprintf(a, sizeof a, "%s", write_key("a.pem", JWT_KEY_RS256, T0 - 600));
  snprintf(b, sizeof b, "%s", write_key("b.pem", JWT_KEY_RS256, T0 + 60)); /* signs from T0 + 60 */
  struct jwt_keyset *ks = load(err);
  struct refresh_sealer *s = ks ? refresh_sealer_create(ks) : NULL;
  CHECK(s != NULL);
  if (!s) return;
  CHECK(refresh_sealer_seal(s, T0, token, record, kid, box));
  CHECK_STR(kid, a);
  CHECK(strlen(box) == REFRESH_SEALED_MAX - 1 && strstr(box, token) == NULL);
  for (size_t i = 0; i + 8 <= strlen(token); i++) {
    char part[9];
    memcpy(part, token + i, 8);
    part[8] = '\0';
    CHECK(strstr(box, part) == NULL);
  }
  /* b signs now; the box still names a, and a is still in the set. */
  CHECK(refresh_sealer_open(s, kid, box, record, opened));
  CHECK_STR(opened, token);
  char kid_b[REFRESH_SEALER_KID_MAX], box_b[REFRESH_SEALED_MAX];
  CHECK(refresh_sealer_seal(s, T0 + 60, token, record, kid_b, box_b));
  CHECK_STR(kid_b, b);
  CHECK(strcmp(box_b, box) != 0);
  CHECK(refresh_sealer_open(s, kid_b, box_b, record, opened) && strcmp(opened, token) == 0);
  /* The wrong key, the wrong record, an unknown kid, a flipped byte: refused, nothing written. */
  CHECK(!refresh_sealer_open(s, b, box, record, opened) && opened[0] == '\0');
  CHECK(!refresh_sealer_open(s, a, box, "ab13", opened) && opened[0] == '\0');
  CHECK(!refresh_sealer_open(s, "no-such-kid", box, record, opened));
  box[40] = box[40] == 'A' ? 'B' : 'A';
  CHECK(!refresh_sealer_open(s, a, box, record, opened));
  CHECK(!refresh_sealer_open(s, a, "short", record, opened));
  refresh_sealer_destroy(s);
  jwt_keyset_free(ks);
}

static void keyset_counts_a_key_found_twice_once(void) {
  empty_dir();
  char err[256] = "", src[256], dst[256], cmd[600];
  write_key("a.pem", JWT_KEY_RS256, T0 - 100);
  path_of("a.pem", src);
  path_of("copy-of-a.pem", dst);
  snprintf(cmd, sizeof cmd, "cp %s %s", src, dst);
  CHECK(system(cmd) == 0);
  struct jwt_keyset *ks = load(err);
  CHECK(ks && jwt_keyset_count(ks) == 1);
  jwt_keyset_free(ks);
}

static void keyset_refusals_name_the_variable_and_the_file(void) {
  char err[256] = "";
  empty_dir();
  CHECK(load(err) == NULL);
  CHECK(strstr(err, "JWT_KEYS_DIR") && strstr(err, "no *.pem"));
  CHECK(jwt_keyset_load("/nonexistent/keys", NULL, JWT_KEY_RS256, err, sizeof err) == NULL);
  CHECK(strstr(err, "JWT_KEYS_DIR") && strstr(err, "/nonexistent/keys"));
  write_key("good.pem", JWT_KEY_RS256, T0);
  write_file("broken.pem", "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n");
  CHECK(load(err) == NULL);
  CHECK(strstr(err, "JWT_KEYS_DIR") && strstr(err, "broken.pem"));
  empty_dir();
  write_key("good.pem", JWT_KEY_RS256, T0);
  write_key("ec.pem", JWT_KEY_ES256, T0); /* every key must be of JWT_ALG's type */
  CHECK(load(err) == NULL);
  CHECK(strstr(err, "JWT_KEYS_DIR") && strstr(err, "ec.pem") && strstr(err, "RS256"));
  CHECK(jwt_keyset_load(NULL, "/nonexistent/key.pem", JWT_KEY_RS256, err, sizeof err) == NULL);
  CHECK(strstr(err, "JWT_PRIVATE_KEY_FILE") && strstr(err, "/nonexistent/key.pem"));
}

static void keyset_one_file_or_a_generated_key(void) {
  char err[256] = "", path[256], kid[64];
  empty_dir();
  snprintf(kid, sizeof kid, "%s", write_key("only.pem", JWT_KEY_ES256, T0 + 3600));
  path_of("only.pem", path);
  struct jwt_keyset *ks = jwt_keyset_load(NULL, path, JWT_KEY_ES256, err, sizeof err);
  CHECK(ks && jwt_keyset_count(ks) == 1);
  CHECK(ks && strcmp(signer_kid(ks, T0), kid) == 0); /* one key signs, whatever its mtime */
  jwt_keyset_free(ks);
  ks = jwt_keyset_load(NULL, NULL, JWT_KEY_ES256, err, sizeof err);
  CHECK(ks && jwt_keyset_count(ks) == 1 && strcmp(signer_kid(ks, T0), kid) != 0);
  jwt_keyset_free(ks);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/vg-keyset-XXXXXX");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  RUN(keyset_newest_file_signs_and_every_key_is_published);
  RUN(keyset_same_mtime_goes_to_the_later_name);
  RUN(keyset_future_key_is_published_before_it_signs);
  RUN(tokens_of_an_older_key_verify_and_unknown_kids_are_refused);
  RUN(mfa_tokens_follow_the_rotation);
  RUN(refresh_successors_are_sealed_per_key_and_survive_a_rotation);
  RUN(keyset_counts_a_key_found_twice_once);
  RUN(keyset_refusals_name_the_variable_and_the_file);
  RUN(keyset_one_file_or_a_generated_key);
  empty_dir();
  rmdir(dir);
  return check_done();
}
