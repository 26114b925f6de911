/* argon2id.c: see argon2id.h. The string format is the one of the Argon2 reference and of
 * libsodium: "$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>". */
#include "adapters/argon2id.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <argon2.h>
#include <sodium.h>

#define SALT_BYTES 16
#define HASH_BYTES 32
#define PART_MAX 64                   /* salt or hash bytes we read at most */
#define M_KIB_MAX (UINT32_C(1) << 20) /* 1 GiB: no hash of ours asks for more */
#define T_MAX 64
#define HUGE_PAGE ((size_t)2 << 20)

struct argon2_string {
  argon2_type type;
  uint32_t m_kib, t_cost;
  uint8_t salt[PART_MAX], hash[PART_MAX];
  size_t salt_len, hash_len;
};

/* ---- memory for libargon2: whole huge pages, advised as such ---- */

static size_t huge_span(size_t bytes) {
  return (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
}

/* A mapping aligned on a huge page (the kernel can only back aligned 2 MiB with one), trimmed of
 * the slack that aligning it took. Small requests (minimum-cost hashes) come from malloc. */
static int huge_alloc(uint8_t **memory, size_t bytes) {
  if (bytes < HUGE_PAGE) {
    *memory = malloc(bytes);
    return *memory ? 0 : -1;
  }
  size_t span = huge_span(bytes), mapped = span + HUGE_PAGE;
  uint8_t *raw = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return -1;
  uint8_t *start = (uint8_t *)(((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
  if (start > raw) munmap(raw, (size_t)(start - raw));
  if (raw + mapped > start + span) munmap(start + span, (size_t)(raw + mapped - (start + span)));
  (void)madvise(start, span, MADV_HUGEPAGE); /* advice: without it the hash is only slower */
  *memory = start;
  return 0;
}

/* libargon2 has wiped the memory before it calls this. */
static void huge_free(uint8_t *memory, size_t bytes) {
  if (bytes < HUGE_PAGE)
    free(memory);
  else
    munmap(memory, huge_span(bytes));
}

/* ---- the string ---- */

/* A decimal of 1-10 digits, no sign, no leading zero, at most max; advances *p past it. */
static bool read_number(const char **p, uint32_t max, uint32_t *out) {
  const char *s = *p;
  uint64_t v = 0;
  size_t n = 0;
  while (s[n] >= '0' && s[n] <= '9' && n < 11) v = v * 10 + (uint64_t)(s[n++] - '0');
  if (n == 0 || n > 10 || (n > 1 && s[0] == '0') || v > max) return false;
  *out = (uint32_t)v;
  *p = s + n;
  return true;
}

static bool read_literal(const char **p, const char *literal) {
  size_t n = strlen(literal);
  if (strncmp(*p, literal, n) != 0) return false;
  *p += n;
  return true;
}

/* Base64 (standard alphabet, no padding) up to end into out; advances *p to end. */
static bool read_base64(const char **p, const char *end, uint8_t *out, size_t min, size_t *len) {
  size_t n = 0;
  if (sodium_base642bin(out, PART_MAX, *p, (size_t)(end - *p), NULL, &n, NULL,
                        sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0 ||
      n < min)
    return false;
  *len = n;
  *p = end;
  return true;
}

static bool parse(const char *text, struct argon2_string *s) {
  const char *p = text;
  uint32_t version, lanes;
  if (read_literal(&p, "$argon2id$"))
    s->type = Argon2_id;
  else if (read_literal(&p, "$argon2i$"))
    s->type = Argon2_i;
  else
    return false;
  if (!read_literal(&p, "v=") || !read_number(&p, ARGON2_VERSION_13, &version) ||
      version != ARGON2_VERSION_13 || !read_literal(&p, "$m=") ||
      !read_number(&p, M_KIB_MAX, &s->m_kib) || s->m_kib < 8 || !read_literal(&p, ",t=") ||
      !read_number(&p, T_MAX, &s->t_cost) || s->t_cost < 1 || !read_literal(&p, ",p=") ||
      !read_number(&p, 1, &lanes) || lanes != 1 || !read_literal(&p, "$"))
    return false;
  const char *salt_end = strchr(p, '$');
  return salt_end && read_base64(&p, salt_end, s->salt, ARGON2_MIN_SALT_LENGTH, &s->salt_len) &&
         read_literal(&p, "$") && read_base64(&p, p + strlen(p), s->hash, 16, &s->hash_len);
}

static int write_string(char out[VG_HASH_MAX], const struct argon2_string *s) {
  char salt[sodium_base64_ENCODED_LEN(PART_MAX, sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
  char hash[sizeof salt];
  sodium_bin2base64(salt, sizeof salt, s->salt, s->salt_len,
                    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
  sodium_bin2base64(hash, sizeof hash, s->hash, s->hash_len,
                    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
  int n = snprintf(out, VG_HASH_MAX, "$%s$v=%d$m=%u,t=%u,p=1$%s$%s",
                   s->type == Argon2_id ? "argon2id" : "argon2i", ARGON2_VERSION_13, s->m_kib,
                   s->t_cost, salt, hash);
  return n > 0 && n < VG_HASH_MAX ? 0 : -1;
}

/* ---- libargon2 ---- */

/* Hashes password with the parameters and salt of s into out (s->hash_len bytes). */
static int argon2_compute(const struct argon2_string *s, const char *password, uint8_t *out) {
  argon2_context ctx = {
      .out = out,
      .outlen = (uint32_t)s->hash_len,
      .pwd = (uint8_t *)password, /* only written with ARGON2_FLAG_CLEAR_PASSWORD, not set */
      .pwdlen = (uint32_t)strlen(password),
      .salt = (uint8_t *)s->salt,
      .saltlen = (uint32_t)s->salt_len,
      .t_cost = s->t_cost,
      .m_cost = s->m_kib,
      .lanes = 1,
      .threads = 1,
      .version = ARGON2_VERSION_13,
      .allocate_cbk = huge_alloc,
      .free_cbk = huge_free,
      .flags = ARGON2_DEFAULT_FLAGS,
  };
  return argon2_ctx(&ctx, s->type) == ARGON2_OK ? 0 : -1;
}

/* ---- the interface ---- */

enum vg_argon2_engine vg_argon2_engine_for_this_kernel(void) {
  char mode[128] = "";
  FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
  if (f) {
    if (!fgets(mode, sizeof mode, f)) mode[0] = '\0';
    fclose(f);
  }
  return strstr(mode, "[madvise]") ? VG_ARGON2_LIBARGON2 : VG_ARGON2_LIBSODIUM;
}

const char *vg_argon2_engine_name(enum vg_argon2_engine engine) {
  return engine == VG_ARGON2_LIBARGON2 ? "libargon2 on huge pages" : "libsodium";
}

int vg_argon2id_str(enum vg_argon2_engine engine, char out[VG_HASH_MAX], const char *password,
                    unsigned t_cost, unsigned m_kib) {
  _Static_assert(crypto_pwhash_STRBYTES <= VG_HASH_MAX, "hash buffer too small");
  if (engine == VG_ARGON2_LIBSODIUM)
    return crypto_pwhash_str_alg(out, password, strlen(password), t_cost, (size_t)m_kib * 1024,
                                 crypto_pwhash_ALG_ARGON2ID13) == 0
               ? 0
               : -1;
  struct argon2_string s = {.type = Argon2_id,
                            .m_kib = m_kib,
                            .t_cost = t_cost,
                            .salt_len = SALT_BYTES,
                            .hash_len = HASH_BYTES};
  randombytes_buf(s.salt, SALT_BYTES);
  int r = argon2_compute(&s, password, s.hash) == 0 ? write_string(out, &s) : -1;
  sodium_memzero(s.hash, sizeof s.hash);
  return r;
}

int vg_argon2_verify(enum vg_argon2_engine engine, const char *hash, const char *password) {
  struct argon2_string s;
  if (!parse(hash, &s)) return -1;
  if (engine == VG_ARGON2_LIBSODIUM)
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0 ? 0 : 1;
  uint8_t computed[PART_MAX];
  int r = argon2_compute(&s, password, computed);
  if (r == 0) r = sodium_memcmp(computed, s.hash, s.hash_len) == 0 ? 0 : 1;
  sodium_memzero(computed, sizeof computed);
  return r;
}
