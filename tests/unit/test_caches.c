/* test_caches.c: the in-process caches: ttl_cache on its own (expiry, eviction, bounds, full-key
 * comparison, concurrent use), and the token and user decorators over counting fakes. */
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "adapters/cached_tokens.h"
#include "adapters/cached_users.h"
#include "adapters/ttl_cache.h"
#include "check.h"

static void ttl_cache_returns_a_value_until_it_expires(void) {
  struct ttl_cache *c = ttl_cache_create(16, sizeof(int));
  int v = 7, out = 0;
  ttl_cache_put(c, "alpha", 5, 100, &v);
  CHECK(ttl_cache_get(c, "alpha", 5, 99, &out) && out == 7);
  out = 0;
  CHECK(!ttl_cache_get(c, "alpha", 5, 100, &out) && out == 0); /* expired at its expiry */
  CHECK(!ttl_cache_get(c, "beta", 4, 0, &out));
  ttl_cache_destroy(c);
}

static void ttl_cache_put_replaces_the_value_of_a_key(void) {
  struct ttl_cache *c = ttl_cache_create(16, sizeof(int));
  int one = 1, two = 2, out = 0;
  ttl_cache_put(c, "k", 1, 100, &one);
  ttl_cache_put(c, "k", 1, 200, &two);
  CHECK(ttl_cache_get(c, "k", 1, 150, &out) && out == 2);
  ttl_cache_destroy(c);
}

static void ttl_cache_remove_forgets_a_key(void) {
  struct ttl_cache *c = ttl_cache_create(16, sizeof(int));
  int v = 1, out;
  ttl_cache_put(c, "gone", 4, 100, &v);
  ttl_cache_put(c, "kept", 4, 100, &v);
  ttl_cache_remove(c, "gone", 4);
  ttl_cache_remove(c, "never", 5);
  CHECK(!ttl_cache_get(c, "gone", 4, 0, &out));
  CHECK(ttl_cache_get(c, "kept", 4, 0, &out));
  ttl_cache_destroy(c);
}

static void ttl_cache_compares_whole_keys(void) {
  struct ttl_cache *c = ttl_cache_create(64, sizeof(int));
  unsigned char a[TTL_CACHE_KEY_MAX], b[TTL_CACHE_KEY_MAX];
  memset(a, 'x', sizeof a);
  memcpy(b, a, sizeof b);
  b[TTL_CACHE_KEY_MAX - 1] = 'y';
  int va = 1, vb = 2, out = 0;
  ttl_cache_put(c, a, sizeof a, 100, &va);
  CHECK(!ttl_cache_get(c, b, sizeof b, 0, &out));
  ttl_cache_put(c, b, sizeof b, 100, &vb);
  CHECK(ttl_cache_get(c, a, sizeof a, 0, &out) && out == 1);
  CHECK(ttl_cache_get(c, b, sizeof b, 0, &out) && out == 2);
  CHECK(!ttl_cache_get(c, a, sizeof a - 1, 0, &out)); /* a prefix is another key */
  ttl_cache_destroy(c);
}

static void ttl_cache_ignores_keys_longer_than_its_maximum(void) {
  struct ttl_cache *c = ttl_cache_create(16, sizeof(int));
  unsigned char k[TTL_CACHE_KEY_MAX + 1];
  memset(k, 'k', sizeof k);
  int v = 1, out;
  ttl_cache_put(c, k, sizeof k, 100, &v);
  CHECK(!ttl_cache_get(c, k, sizeof k, 0, &out));
  ttl_cache_destroy(c);
}

static void ttl_cache_rounds_capacity_up_to_a_power_of_two(void) {
  size_t asked[] = {1, 4, 5, 100, 16384};
  size_t got[] = {TTL_CACHE_WAYS, 4, 8, 128, 16384};
  for (int i = 0; i < 5; i++) {
    struct ttl_cache *c = ttl_cache_create(asked[i], 8);
    CHECK(c && ttl_cache_capacity(c) == got[i]);
    ttl_cache_destroy(c);
  }
  CHECK(ttl_cache_create(SIZE_MAX, 8) == NULL);
}

static void ttl_cache_of_capacity_zero_stores_nothing(void) {
  struct ttl_cache *c = ttl_cache_create(0, sizeof(int));
  int v = 1, out;
  CHECK(c && ttl_cache_capacity(c) == 0);
  ttl_cache_put(c, "k", 1, 100, &v);
  CHECK(!ttl_cache_get(c, "k", 1, 0, &out));
  ttl_cache_remove(c, "k", 1);
  ttl_cache_destroy(c);
}

/* Capacity TTL_CACHE_WAYS is one bucket, so every key competes for the same ways. */
static void ttl_cache_full_bucket_evicts_the_entry_expiring_first(void) {
  struct ttl_cache *c = ttl_cache_create(TTL_CACHE_WAYS, sizeof(int));
  const char *keys[] = {"a", "b", "c", "d"};
  int64_t expires[] = {40, 10, 30, 20};
  int v = 0, out;
  for (int i = 0; i < 4; i++) ttl_cache_put(c, keys[i], 1, expires[i], &v);
  ttl_cache_put(c, "e", 1, 50, &v);
  CHECK(!ttl_cache_get(c, "b", 1, 0, &out));
  CHECK(ttl_cache_get(c, "a", 1, 0, &out) && ttl_cache_get(c, "c", 1, 0, &out));
  CHECK(ttl_cache_get(c, "d", 1, 0, &out) && ttl_cache_get(c, "e", 1, 0, &out));
  /* "d" expires first (20): an entry put at 25 takes its way, not a live one's. */
  ttl_cache_put(c, "f", 1, 60, &v);
  CHECK(!ttl_cache_get(c, "d", 1, 25, &out));
  CHECK(ttl_cache_get(c, "a", 1, 25, &out) && ttl_cache_get(c, "c", 1, 25, &out));
  CHECK(ttl_cache_get(c, "e", 1, 25, &out) && ttl_cache_get(c, "f", 1, 25, &out));
  ttl_cache_destroy(c);
}

static void ttl_cache_never_holds_more_than_its_capacity(void) {
  struct ttl_cache *c = ttl_cache_create(64, sizeof(uint32_t));
  enum { KEYS = 10000 };
  for (uint32_t i = 0; i < KEYS; i++) ttl_cache_put(c, &i, sizeof i, 1000 + i, &i);
  CHECK(ttl_cache_capacity(c) == 64);
  int held = 0;
  for (uint32_t i = 0; i < KEYS; i++) {
    uint32_t out = UINT32_MAX;
    if (ttl_cache_get(c, &i, sizeof i, 0, &out)) {
      held++;
      CHECK(out == i);
    }
  }
  CHECK(held > 0 && held <= 64);
  uint32_t last = KEYS - 1, out = 0;
  CHECK(ttl_cache_get(c, &last, sizeof last, 0, &out) && out == last);
  /* Still works after all that churn. */
  uint32_t k = KEYS + 1;
  ttl_cache_put(c, &k, sizeof k, 1, &k);
  CHECK(ttl_cache_get(c, &k, sizeof k, 0, &out) && out == k);
  ttl_cache_destroy(c);
}

/* Each value is a key number and a fill of one byte: a value read whole has one fill byte and
 * its own key's number. */
#define THREADS 8
#define ROUNDS 20000
#define THREAD_KEYS 256
struct filled {
  uint32_t key;
  unsigned char fill[252];
};
static struct ttl_cache *shared;
static pthread_barrier_t start;
static int torn[THREADS];

static void *hammer(void *arg) {
  int id = (int)(intptr_t)arg;
  uint32_t seed = 2463534242u + (uint32_t)id;
  pthread_barrier_wait(&start);
  for (int round = 0; round < ROUNDS; round++) {
    seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5; /* xorshift32 */
    uint32_t key = seed % THREAD_KEYS;
    struct filled v;
    if (seed & 0x10000) {
      v.key = key;
      memset(v.fill, (unsigned char)(id * 31 + round), sizeof v.fill);
      ttl_cache_put(shared, &key, sizeof key, 1000000, &v);
    } else if (ttl_cache_get(shared, &key, sizeof key, 0, &v)) {
      bool whole = v.key == key;
      for (size_t i = 1; i < sizeof v.fill; i++) whole = whole && v.fill[i] == v.fill[0];
      if (!whole) torn[id]++;
    }
  }
  return NULL;
}

static void ttl_cache_values_are_never_torn_by_concurrent_callers(void) {
  shared = ttl_cache_create(128, sizeof(struct filled)); /* fewer ways than keys: evictions */
  pthread_t threads[THREADS];
  pthread_barrier_init(&start, NULL, THREADS);
  for (int i = 0; i < THREADS; i++) pthread_create(&threads[i], NULL, hammer, (void *)(intptr_t)i);
  int total = 0;
  for (int i = 0; i < THREADS; i++) {
    pthread_join(threads[i], NULL);
    total += torn[i];
  }
  CHECK(total == 0);
  pthread_barrier_destroy(&start);
  ttl_cache_destroy(shared);
}

/* A token service that accepts tokens starting "good" until exp (+5 s leeway, as jwt_tokens),
 * and counts its calls. */
static int64_t wall_now;
static int64_t good_exp;
static int verify_calls, issue_calls;

static int64_t fake_now(void *self) {
  (void)self;
  return wall_now;
}

static vg_result fake_verify(void *self, const char *token, struct vg_claims *claims) {
  (void)self;
  verify_calls++;
  if (strncmp(token, "good", 4) != 0 || good_exp <= wall_now - 5) return VG_ERR_INVALID_TOKEN;
  memset(claims, 0, sizeof *claims);
  claims->kind = VG_TOKEN_ACCESS;
  snprintf(claims->sub, sizeof claims->sub, "%s", token);
  snprintf(claims->jti, sizeof claims->jti, "jti-of-%s", token);
  claims->iat = good_exp - 900;
  claims->exp = good_exp;
  return VG_OK;
}

static vg_result fake_issue(void *self, enum vg_token_kind kind, const char *sub, int64_t auth_time,
                            const char *sid, const char *amr, char **token,
                            struct vg_claims *claims) {
  (void)self, (void)kind, (void)sub, (void)auth_time, (void)sid, (void)amr, (void)claims;
  issue_calls++;
  *token = NULL;
  return VG_OK;
}

static const char *fake_jwks(void *self) {
  (void)self;
  return "{\"keys\":[]}";
}

static struct cached_tokens *tokens_over_fake(size_t capacity) {
  wall_now = 1000000;
  good_exp = wall_now + 900;
  verify_calls = issue_calls = 0;
  struct token_service inner = {.issue = fake_issue, .verify = fake_verify, .jwks = fake_jwks};
  return cached_tokens_create(inner, (struct clock_port){.now = fake_now}, capacity);
}

static void cached_tokens_answers_a_repeated_token_without_the_inner_service(void) {
  struct cached_tokens *t = tokens_over_fake(64);
  struct token_service s = cached_tokens_port(t);
  struct vg_claims first, again;
  CHECK(s.verify(s.self, "good-1", &first) == VG_OK);
  memset(&again, 0xa5, sizeof again);
  CHECK(s.verify(s.self, "good-1", &again) == VG_OK);
  CHECK(verify_calls == 1);
  CHECK(memcmp(&first, &again, sizeof first) == 0);
  CHECK_STR(again.sub, "good-1");
  CHECK(again.exp == good_exp);
  cached_tokens_destroy(t);
}

static void cached_tokens_asks_the_inner_service_for_another_token(void) {
  struct cached_tokens *t = tokens_over_fake(64);
  struct token_service s = cached_tokens_port(t);
  struct vg_claims c;
  CHECK(s.verify(s.self, "good-1", &c) == VG_OK);
  CHECK(s.verify(s.self, "good-2", &c) == VG_OK);
  CHECK(verify_calls == 2);
  CHECK_STR(c.sub, "good-2");
  cached_tokens_destroy(t);
}

static void cached_tokens_never_keeps_a_refusal(void) {
  struct cached_tokens *t = tokens_over_fake(64);
  struct token_service s = cached_tokens_port(t);
  struct vg_claims c;
  CHECK(s.verify(s.self, "forged", &c) == VG_ERR_INVALID_TOKEN);
  CHECK(s.verify(s.self, "forged", &c) == VG_ERR_INVALID_TOKEN);
  CHECK(verify_calls == 2);
  cached_tokens_destroy(t);
}

/* One bucket holds every entry: a flood of refused tokens must not push out the good ones. */
static void cached_tokens_refused_tokens_evict_nothing(void) {
  struct cached_tokens *t = tokens_over_fake(TTL_CACHE_WAYS);
  struct token_service s = cached_tokens_port(t);
  struct vg_claims c;
  char token[32];
  for (int i = 0; i < TTL_CACHE_WAYS; i++) {
    snprintf(token, sizeof token, "good-%d", i);
    CHECK(s.verify(s.self, token, &c) == VG_OK);
  }
  for (int i = 0; i < 100; i++) {
    snprintf(token, sizeof token, "garbage-%d", i);
    CHECK(s.verify(s.self, token, &c) == VG_ERR_INVALID_TOKEN);
  }
  int before = verify_calls;
  for (int i = 0; i < TTL_CACHE_WAYS; i++) {
    snprintf(token, sizeof token, "good-%d", i);
    CHECK(s.verify(s.self, token, &c) == VG_OK);
  }
  CHECK(verify_calls == before);
  cached_tokens_destroy(t);
}

static void cached_tokens_verifies_again_once_exp_has_passed(void) {
  struct cached_tokens *t = tokens_over_fake(64);
  struct token_service s = cached_tokens_port(t);
  struct vg_claims c;
  CHECK(s.verify(s.self, "good-1", &c) == VG_OK);
  wall_now = good_exp - 1;
  CHECK(s.verify(s.self, "good-1", &c) == VG_OK);
  CHECK(verify_calls == 1);
  wall_now = good_exp; /* the inner service's leeway still accepts it: its answer counts */
  CHECK(s.verify(s.self, "good-1", &c) == VG_OK);
  CHECK(verify_calls == 2);
  CHECK(s.verify(s.self, "good-1", &c) == VG_OK); /* not kept past its exp */
  CHECK(verify_calls == 3);
  wall_now = good_exp + 5;
  CHECK(s.verify(s.self, "good-1", &c) == VG_ERR_INVALID_TOKEN);
  CHECK(verify_calls == 4);
  cached_tokens_destroy(t);
}

static void cached_tokens_passes_issue_and_jwks_through(void) {
  struct cached_tokens *t = tokens_over_fake(64);
  struct token_service s = cached_tokens_port(t);
  char *token;
  struct vg_claims c;
  CHECK(s.issue(s.self, VG_TOKEN_MFA, "u1", 0, NULL, NULL, &token, &c) == VG_OK);
  CHECK(s.issue(s.self, VG_TOKEN_MFA, "u1", 0, NULL, NULL, &token, &c) == VG_OK);
  CHECK(issue_calls == 2);
  CHECK_STR(s.jwks(s.self), "{\"keys\":[]}");
  cached_tokens_destroy(t);
}

/* A user store of one user, "u1", plus ids that answer NOT_FOUND ("missing") and UNAVAILABLE
 * ("down"); it counts each call. */
static struct {
  bool phone_verified;
  int find_by_id, find_by_email, updates, removes, insert, ping;
  struct user_store racing; /* when set, find_by_id runs its update after reading */
} store;

static vg_result fake_find_by_id(void *self, const char *id, struct vg_user *out) {
  (void)self;
  store.find_by_id++;
  if (strcmp(id, "down") == 0) return VG_ERR_UNAVAILABLE;
  if (strcmp(id, "u1") != 0) return VG_ERR_NOT_FOUND;
  memset(out, 0, sizeof *out);
  snprintf(out->id, sizeof out->id, "%s", id);
  snprintf(out->email, sizeof out->email, "ada@example.com");
  snprintf(out->password_hash, sizeof out->password_hash, "$argon2id$v=19$m=65536,t=2,p=1$x$y");
  out->phone_verified = store.phone_verified;
  if (store.racing.self) {
    struct user_store racing = store.racing;
    store.racing.self = NULL;
    racing.update(racing.self, id, &(struct vg_user_change){.phone_verified = true}, NULL);
  }
  return VG_OK;
}

static vg_result fake_find_by_email(void *self, const char *email, struct vg_user *out) {
  store.find_by_email++;
  (void)email;
  return fake_find_by_id(self, "u1", out);
}

static vg_result fake_update(void *self, const char *id, const struct vg_user_change *change,
                             enum vg_unique_field *taken) {
  (void)self, (void)id, (void)taken;
  store.updates++;
  store.phone_verified = store.phone_verified || change->phone_verified;
  return VG_OK;
}

static vg_result fake_remove(void *self, const char *id) {
  (void)self, (void)id;
  store.removes++;
  return VG_OK;
}

static vg_result fake_insert(void *self, struct vg_user *user, enum vg_unique_field *taken) {
  (void)self, (void)user, (void)taken;
  store.insert++;
  return VG_OK;
}

static vg_result fake_ping(void *self) {
  (void)self;
  store.ping++;
  return VG_OK;
}

static struct cached_users *users_over_fake(int ttl_ms) {
  memset(&store, 0, sizeof store);
  struct user_store inner = {
      .insert = fake_insert,
      .find_by_email = fake_find_by_email,
      .find_by_id = fake_find_by_id,
      .update = fake_update,
      .remove = fake_remove,
      .ping = fake_ping,
  };
  return cached_users_create(inner, 64, ttl_ms);
}

static void cached_users_answers_within_the_ttl_from_the_cache(void) {
  struct cached_users *u = users_over_fake(60000);
  struct user_store s = cached_users_port(u);
  struct vg_user first, again;
  CHECK(s.find_by_id(s.self, "u1", &first) == VG_OK);
  CHECK(s.find_by_id(s.self, "u1", &again) == VG_OK);
  CHECK(store.find_by_id == 1);
  CHECK(memcmp(&first, &again, sizeof first) == 0);
  CHECK_STR(again.email, "ada@example.com");
  cached_users_destroy(u);
}

/* Neither a miss nor a hit hands out the password hash, and the cache never holds it; login
 * still reads it, through find_by_email. */
static void cached_users_never_keep_or_give_the_password_hash(void) {
  struct cached_users *u = users_over_fake(60000);
  struct user_store s = cached_users_port(u);
  struct vg_user miss, hit, login;
  CHECK(s.find_by_id(s.self, "u1", &miss) == VG_OK && miss.password_hash[0] == '\0');
  CHECK(s.find_by_id(s.self, "u1", &hit) == VG_OK && hit.password_hash[0] == '\0');
  CHECK(store.find_by_id == 1 && strcmp(hit.email, "ada@example.com") == 0);
  CHECK(s.find_by_email(s.self, "ada@example.com", &login) == VG_OK);
  CHECK(strncmp(login.password_hash, "$argon2id$", 10) == 0);
  cached_users_destroy(u);
}

static void cached_users_reads_the_store_again_after_the_ttl(void) {
  struct cached_users *u = users_over_fake(20);
  struct user_store s = cached_users_port(u);
  struct vg_user user;
  CHECK(s.find_by_id(s.self, "u1", &user) == VG_OK);
  nanosleep(&(struct timespec){.tv_nsec = 50 * 1000000L}, NULL);
  CHECK(s.find_by_id(s.self, "u1", &user) == VG_OK);
  CHECK(store.find_by_id == 2);
  cached_users_destroy(u);
}

static void cached_users_update_drops_the_entry(void) {
  struct cached_users *u = users_over_fake(60000);
  struct user_store s = cached_users_port(u);
  struct vg_user user;
  CHECK(s.find_by_id(s.self, "u1", &user) == VG_OK && !user.phone_verified);
  CHECK(s.update(s.self, "u1", &(struct vg_user_change){.phone_verified = true}, NULL) == VG_OK);
  CHECK(store.updates == 1);
  CHECK(s.find_by_id(s.self, "u1", &user) == VG_OK && user.phone_verified);
  CHECK(store.find_by_id == 2);
  cached_users_destroy(u);
}

static void cached_users_remove_drops_the_entry(void) {
  struct cached_users *u = users_over_fake(60000);
  struct user_store s = cached_users_port(u);
  struct vg_user user;
  CHECK(s.find_by_id(s.self, "u1", &user) == VG_OK);
  CHECK(s.remove(s.self, "u1") == VG_OK && store.removes == 1);
  CHECK(s.find_by_id(s.self, "u1", &user) == VG_OK);
  CHECK(store.find_by_id == 2);
  cached_users_destroy(u);
}

/* The update lands after the store read the user but before the read is cached. */
static void cached_users_drops_a_read_that_raced_an_update(void) {
  struct cached_users *u = users_over_fake(60000);
  struct user_store s = cached_users_port(u);
  struct vg_user user;
  store.racing = s;
  CHECK(s.find_by_id(s.self, "u1", &user) == VG_OK && !user.phone_verified);
  CHECK(store.updates == 1);
  CHECK(s.find_by_id(s.self, "u1", &user) == VG_OK && user.phone_verified);
  CHECK(store.find_by_id == 2);
  cached_users_destroy(u);
}

static void cached_users_never_keeps_not_found_or_unavailable(void) {
  struct cached_users *u = users_over_fake(60000);
  struct user_store s = cached_users_port(u);
  struct vg_user user;
  CHECK(s.find_by_id(s.self, "missing", &user) == VG_ERR_NOT_FOUND);
  CHECK(s.find_by_id(s.self, "missing", &user) == VG_ERR_NOT_FOUND);
  CHECK(s.find_by_id(s.self, "down", &user) == VG_ERR_UNAVAILABLE);
  CHECK(s.find_by_id(s.self, "down", &user) == VG_ERR_UNAVAILABLE);
  CHECK(store.find_by_id == 4);
  cached_users_destroy(u);
}

static void cached_users_find_by_email_always_reaches_the_store(void) {
  struct cached_users *u = users_over_fake(60000);
  struct user_store s = cached_users_port(u);
  struct vg_user user;
  enum vg_unique_field taken;
  CHECK(s.find_by_id(s.self, "u1", &user) == VG_OK);
  CHECK(s.find_by_email(s.self, "ada@example.com", &user) == VG_OK);
  CHECK(s.find_by_email(s.self, "ada@example.com", &user) == VG_OK);
  CHECK(store.find_by_email == 2);
  CHECK(s.insert(s.self, &user, &taken) == VG_OK && store.insert == 1);
  CHECK(s.ping(s.self) == VG_OK && store.ping == 1);
  cached_users_destroy(u);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  RUN(ttl_cache_returns_a_value_until_it_expires);
  RUN(ttl_cache_put_replaces_the_value_of_a_key);
  RUN(ttl_cache_remove_forgets_a_key);
  RUN(ttl_cache_compares_whole_keys);
  RUN(ttl_cache_ignores_keys_longer_than_its_maximum);
  RUN(ttl_cache_rounds_capacity_up_to_a_power_of_two);
  RUN(ttl_cache_of_capacity_zero_stores_nothing);
  RUN(ttl_cache_full_bucket_evicts_the_entry_expiring_first);
  RUN(ttl_cache_never_holds_more_than_its_capacity);
  RUN(ttl_cache_values_are_never_torn_by_concurrent_callers);
  RUN(cached_tokens_answers_a_repeated_token_without_the_inner_service);
  RUN(cached_tokens_asks_the_inner_service_for_another_token);
  RUN(cached_tokens_never_keeps_a_refusal);
  RUN(cached_tokens_refused_tokens_evict_nothing);
  RUN(cached_tokens_verifies_again_once_exp_has_passed);
  RUN(cached_tokens_passes_issue_and_jwks_through);
  RUN(cached_users_answers_within_the_ttl_from_the_cache);
  RUN(cached_users_never_keep_or_give_the_password_hash);
  RUN(cached_users_reads_the_store_again_after_the_ttl);
  RUN(cached_users_update_drops_the_entry);
  RUN(cached_users_remove_drops_the_entry);
  RUN(cached_users_drops_a_read_that_raced_an_update);
  RUN(cached_users_never_keeps_not_found_or_unavailable);
  RUN(cached_users_find_by_email_always_reaches_the_store);
  return check_done();
}
