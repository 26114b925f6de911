/* vg-bench-pbkdf2: how long the password hash of Glewlwyd's database user backend takes, for
 * scripts/bench --peer: PBKDF2-HMAC-SHA256 through the libnettle Glewlwyd itself calls
 * (nettle_pbkdf2_hmac_sha256), timed RUNS times, the median printed. The stored password (as the
 * g_user_password table holds it: base64 of a 32-byte digest followed by its salt) is checked
 * first, so the iteration count timed is the one that stored password was made with.
 * libnettle is opened at run time: its headers (nettle-dev) are not among verigate's build
 * dependencies, and its library comes with Glewlwyd. Prints one line of key=value pairs. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "bench_util.h"

#define DIGEST_BYTES 32
#define MAX_RUNS 1000

/* nettle/pbkdf2.h, NETTLE_8 ABI. */
typedef void (*pbkdf2_sha256_fn)(size_t key_length, const uint8_t *key, unsigned iterations,
                                 size_t salt_length, const uint8_t *salt, size_t length,
                                 uint8_t *dst);

int main(int argc, char **argv) {
  static double seconds[MAX_RUNS];
  unsigned char stored[256], digest[DIGEST_BYTES];

  if (argc != 5) {
    fprintf(stderr, "usage: vg-bench-pbkdf2 STORED_PASSWORD PASSWORD ITERATIONS RUNS\n");
    return 2;
  }
  const char *encoded = argv[1], *password = argv[2];
  unsigned iterations = (unsigned)bench_positive("ITERATIONS", argv[3]);
  size_t runs = (size_t)bench_positive("RUNS", argv[4]);
  if (runs > MAX_RUNS) runs = MAX_RUNS;

  size_t len = strlen(encoded);
  if (len == 0 || len % 4 != 0 || len / 4 * 3 > sizeof stored) {
    fprintf(stderr, "vg-bench-pbkdf2: the stored password is not base64 of a digest and salt\n");
    return 1;
  }
  int n = EVP_DecodeBlock(stored, (const unsigned char *)encoded, (int)len);
  while (n > 0 && len > 0 && encoded[--len] == '=') n--; /* EVP_DecodeBlock counts the padding */
  if (n <= DIGEST_BYTES) {
    fprintf(stderr, "vg-bench-pbkdf2: the stored password has no salt after its digest\n");
    return 1;
  }
  const uint8_t *salt = stored + DIGEST_BYTES;
  size_t salt_len = (size_t)n - DIGEST_BYTES;

  void *nettle = dlopen("libnettle.so.8", RTLD_NOW);
  pbkdf2_sha256_fn pbkdf2 =
      nettle ? (pbkdf2_sha256_fn)dlsym(nettle, "nettle_pbkdf2_hmac_sha256") : NULL;
  if (pbkdf2 == NULL) {
    fprintf(stderr, "vg-bench-pbkdf2: no nettle_pbkdf2_hmac_sha256 in libnettle.so.8: %s\n",
            dlerror());
    return 1;
  }

  pbkdf2(strlen(password), (const uint8_t *)password, iterations, salt_len, salt, DIGEST_BYTES,
         digest);
  int matches = memcmp(digest, stored, DIGEST_BYTES) == 0;
  for (size_t i = 0; i < runs; i++) {
    double t0 = bench_now();
    pbkdf2(strlen(password), (const uint8_t *)password, iterations, salt_len, salt, DIGEST_BYTES,
           digest);
    seconds[i] = bench_now() - t0;
  }
  printf("iterations=%u matches=%d runs=%zu hash_ms=%.4f\n", iterations, matches, runs,
         bench_median(seconds, runs) * 1e3);
  dlclose(nettle);
  return matches ? 0 : 1;
}
