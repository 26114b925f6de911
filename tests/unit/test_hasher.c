/* test_hasher.c: the password hasher port: real hashes, and the bounded gate in front of them
 * (the engines themselves: test_argon2id.c). */
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "adapters/argon2_hasher.h"
#include "check.h"
#include "metrics_sample.h"

#define CALLERS 4
#define ENGINE vg_argon2_engine_for_this_kernel()

static struct password_hasher hasher;
static char stored[VG_HASH_MAX];
static pthread_barrier_t start;

static void hash_then_verify_round_trips(void) {
  struct argon2_hasher *h = argon2_hasher_create(ENGINE, 1, 0, 100, 0);
  hasher = argon2_hasher_port(h);
  CHECK(hasher.hash(hasher.self, "correct horse", stored) == VG_OK);
  CHECK(strncmp(stored, "$argon2id$", 10) == 0);
  CHECK(hasher.verify(hasher.self, stored, "correct horse") == VG_OK);
  CHECK(hasher.verify(hasher.self, stored, "correct horsf") == VG_ERR_INVALID_CREDENTIALS);
  argon2_hasher_destroy(h);
}

static void *verify_once(void *arg) {
  vg_result *r = arg;
  pthread_barrier_wait(&start);
  *r = hasher.verify(hasher.self, stored, "correct horse");
  return NULL;
}

/* CALLERS verifies released together against a gate; counts the answers of each kind. */
static void run_callers(int concurrency, int queue, int wait_ms, int *ok, int *overloaded) {
  struct argon2_hasher *h = argon2_hasher_create(ENGINE, concurrency, queue, wait_ms, 0);
  hasher = argon2_hasher_port(h);
  pthread_t threads[CALLERS];
  vg_result results[CALLERS];
  pthread_barrier_init(&start, NULL, CALLERS);
  for (int i = 0; i < CALLERS; i++) pthread_create(&threads[i], NULL, verify_once, &results[i]);
  *ok = *overloaded = 0;
  for (int i = 0; i < CALLERS; i++) {
    pthread_join(threads[i], NULL);
    *ok += results[i] == VG_OK;
    *overloaded += results[i] == VG_ERR_OVERLOADED;
  }
  pthread_barrier_destroy(&start);
  argon2_hasher_destroy(h);
}

static void full_gate_without_queue_refuses_the_rest(void) {
  int ok, overloaded;
  double rejected = metrics_sample("verigate_hash_rejected_total");
  run_callers(1, 0, 5000, &ok, &overloaded);
  /* One hash takes ~0.1 s, far longer than releasing the threads: one runs, none may wait. */
  CHECK(ok >= 1);
  CHECK(overloaded >= 1);
  CHECK(ok + overloaded == CALLERS);
  /* /metrics counts every refusal, and shows the gate empty again. */
  CHECK(metrics_sample("verigate_hash_rejected_total") == rejected + overloaded);
  CHECK(metrics_sample("verigate_hash_in_flight") == 0);
  CHECK(metrics_sample("verigate_hash_queue_depth") == 0);
}

static void queue_large_enough_serves_everyone(void) {
  int ok, overloaded;
  run_callers(1, CALLERS, 10000, &ok, &overloaded);
  CHECK(ok == CALLERS);
  CHECK(overloaded == 0);
}

static void admit_tells_a_full_gate_without_reserving(void) {
  struct argon2_hasher *h = argon2_hasher_create(ENGINE, 1, 0, 100, 0);
  hasher = argon2_hasher_port(h);
  CHECK(hasher.admit(hasher.self) == VG_OK);
  CHECK(hasher.admit(hasher.self) == VG_OK); /* asking twice takes nothing */
  argon2_hasher_destroy(h);
}

static atomic_int hashes_done;

static void *hash_once(void *arg) {
  (void)arg;
  char out[VG_HASH_MAX];
  hasher.hash(hasher.self, "correct horse", out);
  atomic_fetch_add(&hashes_done, 1);
  return NULL;
}

/* While one hash runs and one waits, /metrics shows both, and admit's refusals are counted. The
 * busy gate is seen by asking admit until it refuses; should both hashes end first (a slow
 * machine), the round is tried again, a few times at most. */
static void metrics_show_the_gate_while_it_is_busy(void) {
  struct argon2_hasher *h = argon2_hasher_create(ENGINE, 1, 1, 10000, 0);
  hasher = argon2_hasher_port(h);
  double rejected = metrics_sample("verigate_hash_rejected_total");
  int refusals = 0;
  bool seen_busy = false;
  for (int round = 0; round < 5 && !seen_busy; round++) {
    pthread_t threads[2];
    atomic_store(&hashes_done, 0);
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, hash_once, NULL);
    bool refused = false;
    while (!refused && atomic_load(&hashes_done) < 2) {
      refused = hasher.admit(hasher.self) == VG_ERR_OVERLOADED;
      if (!refused) sched_yield();
    }
    if (refused) {
      refusals++;
      /* Read right after the refusal: a hash takes ~0.1 s, a read some microseconds. */
      seen_busy = metrics_sample("verigate_hash_in_flight") == 1 &&
                  metrics_sample("verigate_hash_queue_depth") == 1;
    }
    for (int i = 0; i < 2; i++) pthread_join(threads[i], NULL);
  }
  CHECK(seen_busy);
  CHECK(metrics_sample("verigate_hash_rejected_total") == rejected + refusals);
  CHECK(metrics_sample("verigate_hash_in_flight") == 0);
  CHECK(metrics_sample("verigate_hash_queue_depth") == 0);
  argon2_hasher_destroy(h);
}

static void queued_caller_gives_up_after_its_wait(void) {
  int ok, overloaded;
  run_callers(1, CALLERS, 1, &ok, &overloaded); /* 1 ms: nobody can wait out a 0.1 s hash */
  CHECK(ok >= 1);
  CHECK(overloaded >= 1);
}

/* The nice value of the thread whose /proc stat file is path, or -100 when unreadable. */
static int nice_of(const char *path) {
  FILE *f = fopen(path, "r");
  char line[1024];
  int nice = -100;
  if (f && fgets(line, sizeof line, f)) {
    const char *p = strrchr(line, ')'); /* after the command name, which may hold spaces */
    /* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
     * cutime cstime priority nice */
    if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %d",
                    &nice) != 1)
      nice = -100;
  }
  if (f) fclose(f);
  return nice;
}

/* Counts this process's threads named vg-hash, and those of them at nice value nice. */
static void count_hashing_threads(int nice, int *named, int *niced) {
  *named = *niced = 0;
  DIR *dir = opendir("/proc/self/task");
  struct dirent *e;
  while (dir && (e = readdir(dir))) {
    if (e->d_name[0] == '.') continue;
    char path[300], comm[32] = "";
    snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
    FILE *f = fopen(path, "r");
    if (f && fgets(comm, sizeof comm, f) && strcmp(comm, "vg-hash\n") == 0) {
      (*named)++;
      snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
      *niced += nice_of(path) == nice;
    }
    if (f) fclose(f);
  }
  if (dir) closedir(dir);
}

static void hashes_run_on_niced_threads_of_their_own(void) {
  struct argon2_hasher *h = argon2_hasher_create(ENGINE, 2, 0, 100, 7);
  hasher = argon2_hasher_port(h);
  int named, niced;
  CHECK(hasher.hash(hasher.self, "correct horse", stored) == VG_OK);
  count_hashing_threads(7, &named, &niced);
  CHECK(named == 2);
  CHECK(niced == 2);
  CHECK(nice_of("/proc/thread-self/stat") == 0); /* the caller's own thread keeps its priority */
  argon2_hasher_destroy(h);
  count_hashing_threads(7, &named, &niced);
  CHECK(named == 0); /* joined */
}

int main(void) {
  if (sodium_init() < 0) return 1;
  RUN(hash_then_verify_round_trips);
  RUN(full_gate_without_queue_refuses_the_rest);
  RUN(queue_large_enough_serves_everyone);
  RUN(admit_tells_a_full_gate_without_reserving);
  RUN(metrics_show_the_gate_while_it_is_busy);
  RUN(queued_caller_gives_up_after_its_wait);
  RUN(hashes_run_on_niced_threads_of_their_own);
  return check_done();
}
