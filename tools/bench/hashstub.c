/* libvg-bench-hashstub.so: preloaded into the verigate that scripts/bench starts (LD_PRELOAD),
 * never part of verigate itself. It stands in for libsodium's crypto_pwhash_str_verify on the
 * hashes of the benchmark's minimum-cost users (vg-bench-store insert: Argon2id at 1 pass and
 * 8 KiB), answering by comparing the password with VG_BENCH_PASSWORD; every other hash goes to
 * libsodium. So a login of such a user runs every step of a real login but the hash itself, and
 * its CPU time is what the issue calls "CPU per login beyond the Argon2id hash" (figure 5),
 * measured rather than estimated: subtracting a hash timed elsewhere would miss what the hash
 * costs inside a busy multithreaded process (its memory is mapped and unmapped on every call,
 * and unmapping there interrupts the other core to flush its TLB). */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

/* How libsodium writes a hash at crypto_pwhash_argon2id_OPSLIMIT_MIN / _MEMLIMIT_MIN. */
static const char MINIMUM_COST[] = "$argon2id$v=19$m=8,t=1,p=1$";

typedef int (*verify_fn)(const char *, const char *, unsigned long long);

static verify_fn real_verify;
static const char *bench_password;

/* At load, before verigate's main and its threads. */
__attribute__((constructor)) static void setup(void) {
  real_verify = (verify_fn)dlsym(RTLD_NEXT, "crypto_pwhash_str_verify");
  bench_password = getenv("VG_BENCH_PASSWORD");
}

int crypto_pwhash_str_verify(const char *str, const char *passwd, unsigned long long passwdlen) {
  if (bench_password && strncmp(str, MINIMUM_COST, sizeof MINIMUM_COST - 1) == 0)
    return strlen(bench_password) == passwdlen && memcmp(bench_password, passwd, passwdlen) == 0
               ? 0
               : -1;
  return real_verify ? real_verify(str, passwd, passwdlen) : -1;
}
