/* vg-bench-verify: verifications per second of verigate's token module alone (jws.c signature with
 * the algorithm pinned, then every claim check of jwt_tokens.c), in-process, on THREADS threads for
 * SECONDS, each thread walking TOKENS_FILE from its own offset so no two consecutive verifications
 * see the same token (a cache, if verigate ever grows one, would not flatter the figure).
 * Prints one line of key=value pairs. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_jwt.h"
#include "bench_util.h"

#define MAX_THREADS 64

struct verify_job {
  struct token_service tokens;
  char **tokens_text;
  size_t ntokens;
  size_t first, step;
  double deadline;
  unsigned long done, failed;
};

static void *verify_loop(void *arg) {
  struct verify_job *job = arg;
  struct vg_claims claims;
  size_t i = job->first % job->ntokens;
  /* The clock is read every 64 verifications: cheap next to a ~20 us RSA verify, and the loop
   * still stops within a millisecond or two of the deadline. */
  while (job->done % 64 != 0 || bench_now() < job->deadline) {
    if (job->tokens.verify(job->tokens.self, job->tokens_text[i], &claims) != VG_OK)
      job->failed++;
    job->done++;
    i = (i + job->step) % job->ntokens;
  }
  return NULL;
}

int main(int argc, char **argv) {
  int rc = 1;
  size_t ntokens = 0, nthreads, started;
  char **tokens_text = NULL;
  struct jwt_tokens *t = NULL;
  struct verify_job jobs[MAX_THREADS];
  pthread_t threads[MAX_THREADS];

  if (argc != 5) {
    fprintf(stderr, "usage: vg-bench-verify KEY_FILE TOKENS_FILE THREADS SECONDS\n");
    return 2;
  }
  nthreads = (size_t)bench_positive("THREADS", argv[3]);
  double seconds = (double)bench_positive("SECONDS", argv[4]);
  if (nthreads > MAX_THREADS) nthreads = MAX_THREADS;
  if (!(t = bench_jwt_open(argv[1]))) goto cleanup;
  if (!(tokens_text = bench_read_lines(argv[2], &ntokens))) goto cleanup;

  double cpu0 = bench_process_cpu(), t0 = bench_now();
  for (started = 0; started < nthreads; started++) {
    jobs[started] = (struct verify_job){.tokens = jwt_tokens_port(t), .tokens_text = tokens_text,
                                        .ntokens = ntokens, .first = started * ntokens / nthreads,
                                        .step = 1, .deadline = t0 + seconds};
    if (pthread_create(&threads[started], NULL, verify_loop, &jobs[started]) != 0) break;
  }
  unsigned long done = 0, failed = 0;
  for (size_t i = 0; i < started; i++) {
    pthread_join(threads[i], NULL);
    done += jobs[i].done;
    failed += jobs[i].failed;
  }
  double elapsed = bench_now() - t0, cpu = bench_process_cpu() - cpu0;
  if (started < nthreads || done == 0) {
    fprintf(stderr, "vg-bench-verify: could not start %zu threads\n", nthreads);
    goto cleanup;
  }
  printf("verifications=%lu failures=%lu seconds=%.3f rate=%.0f cpu_us_per=%.2f threads=%zu\n",
         done, failed, elapsed, (double)done / elapsed, cpu * 1e6 / (double)done, nthreads);
  /* A token that does not verify means the figure measured a refusal path, not verification. */
  rc = failed == 0 ? 0 : 1;

cleanup:
  bench_free_lines(tokens_text, ntokens);
  jwt_tokens_destroy(t);
  return rc;
}
