/* vg-bench-tokens: mints COUNT distinct valid access tokens (RFC 9068, typ at+jwt) with verigate's
 * own signing key, for the user ids in column 1 of USERS_FILE taken round-robin, one per line on
 * stdout. Benchmark-only: verigate itself only issues access tokens after a verified SMS code, and
 * this tool is never an endpoint. Signing is spread over THREADS threads (RS256 signs cost about
 * 1 ms each, and the benchmark needs 10,000). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_jwt.h"
#include "bench_util.h"

struct mint_job {
  struct token_service tokens;
  char **ids;
  size_t nids;
  char **out; /* out[i]: token i, malloc'd by the token service */
  size_t count;
  size_t first, step; /* this thread mints tokens first, first + step, ... */
  int failed;
};

static void *mint(void *arg) {
  struct mint_job *job = arg;
  struct vg_claims claims;
  /* auth_time as verigate sets it: when the second factor was passed, i.e. now. */
  int64_t auth_time = (int64_t)time(NULL);
  for (size_t i = job->first; i < job->count && !job->failed; i += job->step) {
    if (job->tokens.issue(job->tokens.self, VG_TOKEN_ACCESS, job->ids[i % job->nids], auth_time,
                          "bench", NULL, &job->out[i], &claims) != VG_OK)
      job->failed = 1;
  }
  return NULL;
}

int main(int argc, char **argv) {
  int rc = 1;
  size_t nids = 0, count, nthreads;
  char **lines = NULL, **ids = NULL, **out = NULL;
  struct jwt_tokens *t = NULL;
  struct mint_job jobs[16];
  pthread_t threads[16];
  size_t started = 0;

  if (argc < 4 || argc > 5) {
    fprintf(stderr, "usage: vg-bench-tokens KEY_FILE USERS_FILE COUNT [THREADS] > tokens\n");
    return 2;
  }
  count = (size_t)bench_positive("COUNT", argv[3]);
  nthreads = argc == 5 ? (size_t)bench_positive("THREADS", argv[4]) : 1;
  if (nthreads > 16) nthreads = 16;
  if (!(t = bench_jwt_open(argv[1]))) goto cleanup;
  if (!(lines = bench_read_lines(argv[2], &nids))) goto cleanup;
  ids = calloc(nids, sizeof *ids);
  out = calloc(count, sizeof *out);
  if (!ids || !out) goto cleanup;
  /* Column 1 is the user id; the tab that ends it becomes the end of the string. */
  for (size_t i = 0; i < nids; i++) {
    ids[i] = lines[i];
    ids[i][strcspn(ids[i], "\t")] = '\0';
  }

  for (started = 0; started < nthreads; started++) {
    jobs[started] = (struct mint_job){.tokens = jwt_tokens_port(t), .ids = ids, .nids = nids,
                                      .out = out, .count = count, .first = started,
                                      .step = nthreads};
    if (pthread_create(&threads[started], NULL, mint, &jobs[started]) != 0) break;
  }
  int failed = started < nthreads;
  for (size_t i = 0; i < started; i++) {
    pthread_join(threads[i], NULL);
    failed |= jobs[i].failed;
  }
  if (failed) {
    fprintf(stderr, "vg-bench-tokens: signing failed\n");
    goto cleanup;
  }
  for (size_t i = 0; i < count; i++) puts(out[i]);
  rc = fflush(stdout) == 0 ? 0 : 1;

cleanup:
  for (size_t i = 0; out && i < count; i++) free(out[i]);
  free(out);
  free(ids);
  bench_free_lines(lines, nids);
  jwt_tokens_destroy(t);
  return rc;
}
