/* vg-bench-argon: how long one crypto_pwhash_str_verify takes at the cost verigate hashes with
 * (libsodium's INTERACTIVE limits, src/adapters/argon2_hasher.c), as the median of RUNS timed
 * verifies of a matching password: the slowest step of a login, from which the benchmark derives
 * the Argon2id bound on login -> verify flows (cores / this time). With THREADS > 1 the verifies
 * run that many at once, as verigate's hash pool does, to show what memory contention adds.
 * With "min" the hash is made at libsodium's minimum cost instead (1 pass, 8 KiB), as for the
 * users vg-bench-store inserts: what a login of such a user spends in the hash.
 * crypto_pwhash_str_verify is the yardstick for the bound; with "verigate" the verifies go
 * through verigate's own engine instead (src/adapters/argon2id.h: libargon2 on huge pages where
 * the kernel gives them on advice), so the report can show both.
 * Prints one line of key=value pairs. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "adapters/argon2id.h"
#include "bench_util.h"

#define MAX_THREADS 16
#define MAX_RUNS 64

static const char PASSWORD[] = "bench password, long enough";

static int use_engine; /* "verigate": verify as verigate does */

struct argon_job {
  const char *hash;
  size_t runs;
  double seconds[MAX_RUNS]; /* wall time of each verify */
  int failed;
};

static void *verify_runs(void *arg) {
  struct argon_job *job = arg;
  for (size_t i = 0; i < job->runs; i++) {
    double t0 = bench_now();
    int r = use_engine ? vg_argon2_verify(vg_argon2_engine_for_this_kernel(), job->hash, PASSWORD)
                       : crypto_pwhash_str_verify(job->hash, PASSWORD, strlen(PASSWORD));
    if (r != 0) job->failed = 1;
    job->seconds[i] = bench_now() - t0;
  }
  return NULL;
}

int main(int argc, char **argv) {
  static struct argon_job jobs[MAX_THREADS];
  pthread_t threads[MAX_THREADS];
  double all[MAX_THREADS * MAX_RUNS];
  char hash[crypto_pwhash_STRBYTES];

  int minimum = 0;
  for (int i = 3; i < argc; i++) {
    if (strcmp(argv[i], "min") == 0)
      minimum = 1;
    else if (strcmp(argv[i], "verigate") == 0)
      use_engine = 1;
    else
      argc = 0; /* usage */
  }
  if (argc < 2 || argc > 5) {
    fprintf(stderr, "usage: vg-bench-argon RUNS [THREADS [min] [verigate]]\n");
    return 2;
  }
  size_t runs = (size_t)bench_positive("RUNS", argv[1]);
  size_t nthreads = argc >= 3 ? (size_t)bench_positive("THREADS", argv[2]) : 1;
  unsigned long long ops =
      minimum ? crypto_pwhash_argon2id_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE;
  size_t mem = minimum ? crypto_pwhash_argon2id_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE;
  if (runs > MAX_RUNS) runs = MAX_RUNS;
  if (nthreads > MAX_THREADS) nthreads = MAX_THREADS;
  if (sodium_init() < 0 || crypto_pwhash_str_alg(hash, PASSWORD, strlen(PASSWORD), ops, mem,
                                                 crypto_pwhash_ALG_ARGON2ID13) != 0) {
    fprintf(stderr, "vg-bench-argon: libsodium failed (out of memory?)\n");
    return 1;
  }

  size_t started, n = 0;
  int failed = 0;
  for (started = 0; started < nthreads; started++) {
    jobs[started] = (struct argon_job){.hash = hash, .runs = runs};
    if (pthread_create(&threads[started], NULL, verify_runs, &jobs[started]) != 0) break;
  }
  for (size_t i = 0; i < started; i++) {
    pthread_join(threads[i], NULL);
    failed |= jobs[i].failed;
    for (size_t r = 0; r < runs; r++) all[n++] = jobs[i].seconds[r];
  }
  if (started < nthreads || failed || n == 0) {
    fprintf(stderr, "vg-bench-argon: a verify failed or a thread did not start\n");
    return 1;
  }
  printf("verify_s=%.6f runs=%zu threads=%zu opslimit=%llu memlimit_kib=%zu engine=%s\n",
         bench_median(all, n), runs, nthreads, ops, mem >> 10,
         use_engine ? vg_argon2_engine_name(vg_argon2_engine_for_this_kernel())
                    : "crypto_pwhash_str_verify");
  return 0;
}
