/* vg-bench-store: MongoDB as verigate sees it, through verigate's own mongo_user_store adapter.
 *   lookup URI USERS_FILE THREADS SECONDS [id|email]
 *       find_by_id (or find_by_email) on THREADS threads for SECONDS, over the users of
 *       USERS_FILE (id, email, phone, tab-separated) round-robin: the lookup rate the store
 *       sustains in the same run, so a reader can tell verigate's cost from the store's.
 *   insert URI FIRST COUNT PASSWORD
 *       inserts users FIRST .. FIRST+COUNT-1 whose stored hash is Argon2id at libsodium's
 *       MINIMUM cost (1 pass, 8 KiB), and prints them as USERS_FILE lines. A login of such a user
 *       runs every step of verigate's login at full cost except the hash, which then costs
 *       microseconds: what it measures is the CPU a login spends beyond Argon2id.
 *   census URI
 *       collections and documents in the URI's database, to show that logins leave none behind.
 * Prints key=value pairs (lookup, census) or user lines (insert). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mongoc/mongoc.h>
#include <sodium.h>

#include "adapters/mongo_user_store.h"
#include "bench_util.h"

#define MAX_THREADS 64

struct lookup_job {
  struct user_store users;
  char (*keys)[VG_EMAIL_MAX];
  size_t nkeys, first;
  int by_email;
  double deadline;
  unsigned long done, failed;
};

static void *lookup_loop(void *arg) {
  struct lookup_job *job = arg;
  struct vg_user user;
  for (size_t i = job->first; job->done % 16 != 0 || bench_now() < job->deadline; i++) {
    const char *key = job->keys[i % job->nkeys];
    vg_result r = job->by_email ? job->users.find_by_email(job->users.self, key, &user)
                                : job->users.find_by_id(job->users.self, key, &user);
    if (r != VG_OK) job->failed++;
    job->done++;
  }
  return NULL;
}

static int run_lookups(struct mongo_user_store *s, int argc, char **argv) {
  int rc = 1;
  size_t nlines = 0, started = 0;
  char **lines = NULL;
  char(*keys)[VG_EMAIL_MAX] = NULL;
  struct lookup_job jobs[MAX_THREADS];
  pthread_t threads[MAX_THREADS];

  if (argc < 6 || argc > 7) return 2;
  size_t nthreads = (size_t)bench_positive("THREADS", argv[4]);
  double seconds = (double)bench_positive("SECONDS", argv[5]);
  int by_email = argc == 7 && strcmp(argv[6], "email") == 0;
  if (nthreads > MAX_THREADS) nthreads = MAX_THREADS;
  if (!(lines = bench_read_lines(argv[3], &nlines))) goto cleanup;
  if (!(keys = calloc(nlines, sizeof *keys))) goto cleanup;
  for (size_t i = 0; i < nlines; i++) {
    if (!bench_column(lines[i], by_email ? 1 : 0, keys[i], sizeof *keys)) {
      fprintf(stderr, "%s: line %zu has no %s\n", argv[3], i + 1, by_email ? "email" : "id");
      goto cleanup;
    }
  }

  double t0 = bench_now();
  for (started = 0; started < nthreads; started++) {
    jobs[started] = (struct lookup_job){.users = mongo_user_store_port(s), .keys = keys,
                                        .nkeys = nlines, .first = started * nlines / nthreads,
                                        .by_email = by_email, .deadline = t0 + seconds};
    if (pthread_create(&threads[started], NULL, lookup_loop, &jobs[started]) != 0) break;
  }
  unsigned long done = 0, failed = 0;
  for (size_t i = 0; i < started; i++) {
    pthread_join(threads[i], NULL);
    done += jobs[i].done;
    failed += jobs[i].failed;
  }
  double elapsed = bench_now() - t0;
  if (started == nthreads && done > 0) {
    printf("lookups=%lu failures=%lu seconds=%.3f rate=%.0f threads=%zu by=%s\n", done, failed,
           elapsed, (double)done / elapsed, nthreads, by_email ? "email" : "id");
    rc = failed == 0 ? 0 : 1;
  }

cleanup:
  free(keys);
  bench_free_lines(lines, nlines);
  return rc;
}

static int run_insert(struct mongo_user_store *s, int argc, char **argv) {
  struct user_store users = mongo_user_store_port(s);
  struct vg_user u;
  enum vg_unique_field taken;
  if (argc != 6) return 2;
  size_t first = (size_t)bench_positive("FIRST", argv[3]);
  size_t count = (size_t)bench_positive("COUNT", argv[4]);
  const char *password = argv[5];
  if (sodium_init() < 0) return 1;
  for (size_t i = first; i < first + count; i++) {
    memset(&u, 0, sizeof u);
    snprintf(u.name, sizeof u.name, "Bench User %zu", i);
    snprintf(u.username, sizeof u.username, "bench%zu", i);
    snprintf(u.email, sizeof u.email, "bench%zu@example.com", i);
    /* E.164 with 7 digits of index: the caller keeps FIRST + COUNT under 10 million. */
    snprintf(u.phone, sizeof u.phone, "+14152%06u", (unsigned)(i % 1000000));
    /* The hash string names its own cost, and verigate verifies whatever cost it names. */
    if (crypto_pwhash_str_alg(u.password_hash, password, strlen(password),
                              crypto_pwhash_argon2id_OPSLIMIT_MIN,
                              crypto_pwhash_argon2id_MEMLIMIT_MIN,
                              crypto_pwhash_ALG_ARGON2ID13) != 0 ||
        users.insert(users.self, &u, &taken) != VG_OK) {
      fprintf(stderr, "vg-bench-store: cannot insert user %zu\n", i);
      return 1;
    }
    printf("%s\t%s\t%s\n", u.id, u.email, u.phone);
  }
  return fflush(stdout) == 0 ? 0 : 1;
}

/* Documents per collection, not through the adapter: it has no reason to count. jongodb has no
 * listCollections, so when that fails only "users", verigate's one collection, is counted. */
static int run_census(const char *uri_text) {
  int rc = 1;
  bson_error_t error;
  char **names = NULL;
  char *users_only[] = {"users", NULL};
  long long documents = 0, users = 0;
  mongoc_uri_t *uri = mongoc_uri_new_with_error(uri_text, &error);
  mongoc_client_t *client = uri ? mongoc_client_new_from_uri(uri) : NULL;
  const char *dbname = uri && mongoc_uri_get_database(uri) ? mongoc_uri_get_database(uri)
                                                           : "verigate";
  mongoc_database_t *db = client ? mongoc_client_get_database(client, dbname) : NULL;
  if (!db) goto cleanup;
  names = mongoc_database_get_collection_names_with_opts(db, NULL, &error);
  char **list = names ? names : users_only;
  size_t collections = 0;
  for (; list[collections]; collections++) {
    mongoc_collection_t *coll = mongoc_database_get_collection(db, list[collections]);
    bson_t filter = BSON_INITIALIZER;
    int64_t n = mongoc_collection_count_documents(coll, &filter, NULL, NULL, NULL, &error);
    mongoc_collection_destroy(coll);
    if (n < 0) {
      fprintf(stderr, "vg-bench-store: count failed: %s\n", error.message);
      goto cleanup;
    }
    documents += n;
    if (strcmp(list[collections], "users") == 0) users = n;
  }
  if (names)
    printf("collections=%zu documents=%lld users=%lld\n", collections, documents, users);
  else
    printf("collections=unlisted documents=%lld users=%lld\n", documents, users);
  rc = 0;

cleanup:
  bson_strfreev(names);
  mongoc_database_destroy(db);
  mongoc_client_destroy(client);
  mongoc_uri_destroy(uri);
  return rc;
}

/* Drops the driver's log lines: its warning that jongodb lacks endSessions is noise here. */
static void quiet(mongoc_log_level_t level, const char *domain, const char *message, void *data) {
  (void)level, (void)domain, (void)message, (void)data;
}

int main(int argc, char **argv) {
  char err[256] = "";
  int rc = 2;
  const char *mode = argc > 2 ? argv[1] : "";
  mongoc_init();
  mongoc_log_set_handler(quiet, NULL);
  if (strcmp(mode, "census") == 0 && argc == 3) {
    rc = run_census(argv[2]);
  } else if (strcmp(mode, "lookup") == 0 || strcmp(mode, "insert") == 0) {
    struct mongo_user_store *s = mongo_user_store_create(argv[2], err, sizeof err);
    if (!s) {
      fprintf(stderr, "vg-bench-store: %s\n", err);
      rc = 1;
    } else {
      rc = mode[0] == 'l' ? run_lookups(s, argc, argv) : run_insert(s, argc, argv);
      mongo_user_store_destroy(s);
    }
  }
  if (rc == 2)
    fprintf(stderr,
            "usage: vg-bench-store lookup URI USERS_FILE THREADS SECONDS [id|email]\n"
            "       vg-bench-store insert URI FIRST COUNT PASSWORD\n"
            "       vg-bench-store census URI\n");
  mongoc_cleanup();
  return rc;
}
