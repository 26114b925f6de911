/* test_oath.c: the TOTP adapters: liboath against RFC 6238 Appendix B's vectors, the checker's
 * window and step, the sealer (secretbox, bound to the user, keyed recovery hashes) and the QR
 * code's SVG. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "adapters/factor_sealer.h"
#include "adapters/oath_totp.h"
#include "adapters/qr_svg.h"
#include "check.h"

static const unsigned char KEY1[] = "12345678901234567890";
static const unsigned char KEY256[] = "12345678901234567890123456789012";
static const unsigned char KEY512[] =
    "1234567890123456789012345678901234567890123456789012345678901234";

static void rfc6238_appendix_b_vectors(void) {
  static const struct {
    long long t;
    const char *sha1, *sha256, *sha512;
  } v[] = {
      {59, "94287082", "46119246", "90693936"},
      {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"},
      {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"},
      {20000000000LL, "65353130", "77737706", "47863826"},
  };
  for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
    char out[9];
    CHECK(oath_totp_code(KEY1, 20, v[i].t, 8, 0, out) && strcmp(out, v[i].sha1) == 0);
    CHECK(oath_totp_code(KEY256, 32, v[i].t, 8, 256, out) && strcmp(out, v[i].sha256) == 0);
    CHECK(oath_totp_code(KEY512, 64, v[i].t, 8, 512, out) && strcmp(out, v[i].sha512) == 0);
  }
}

static void checker_accepts_one_step_either_side_and_names_it(void) {
  struct totp_checker c = oath_totp_port();
  const int64_t now = 1111111111; /* step 37037037 */
  char code[9];
  int64_t step = 0;
  for (int d = -1; d <= 1; d++) {
    CHECK(oath_totp_code(KEY1, 20, now + d * 30, 6, 0, code));
    CHECK(c.check(c.self, KEY1, 20, code, now, 1, &step) == VG_OK);
    CHECK(step == now / 30 + d);
  }
  CHECK(oath_totp_code(KEY1, 20, now + 60, 6, 0, code));
  CHECK(c.check(c.self, KEY1, 20, code, now, 1, &step) == VG_ERR_WRONG_CODE);
  CHECK(oath_totp_code(KEY1, 20, now - 60, 6, 0, code));
  CHECK(c.check(c.self, KEY1, 20, code, now, 1, &step) == VG_ERR_WRONG_CODE);
  /* Only six digits: an 8-digit code of the same step, or letters, never reach liboath. */
  CHECK(oath_totp_code(KEY1, 20, now, 8, 0, code));
  CHECK(c.check(c.self, KEY1, 20, code, now, 1, &step) == VG_ERR_WRONG_CODE);
  CHECK(c.check(c.self, KEY1, 20, "12a456", now, 1, &step) == VG_ERR_WRONG_CODE);
  CHECK(c.check(c.self, KEY1, 20, "", now, 1, &step) == VG_ERR_WRONG_CODE);
}

static void sealer_opens_only_for_its_user_and_key(void) {
  unsigned char key[FACTOR_KEY_BYTES], other_key[FACTOR_KEY_BYTES];
  randombytes_buf(key, sizeof key);
  randombytes_buf(other_key, sizeof other_key);
  struct factor_sealer_keys *k = factor_sealer_create(key), *o = factor_sealer_create(other_key);
  struct factor_sealer s = factor_sealer_port(k), so = factor_sealer_port(o);
  const char *alice = "665f1c2ab3e4d5f6a7b8c9d0", *bob = "665f1c2ab3e4d5f6a7b8c9d1";
  char box[VG_TOTP_BOX_MAX], box2[VG_TOTP_BOX_MAX];
  unsigned char secret[VG_TOTP_SECRET_BYTES];
  size_t len = 0;
  CHECK(s.seal(s.self, alice, KEY1, 20, box) == VG_OK);
  CHECK(s.seal(s.self, alice, KEY1, 20, box2) == VG_OK);
  CHECK(strcmp(box, box2) != 0); /* a random nonce each time */
  CHECK(strncmp(box, "k1.", 3) == 0 && strlen(box) < VG_TOTP_BOX_MAX);
  CHECK(s.open(s.self, alice, box, secret, &len) == VG_OK && len == 20 &&
        memcmp(secret, KEY1, 20) == 0);
  CHECK(s.open(s.self, bob, box, secret, &len) == VG_ERR_INTERNAL);
  CHECK(so.open(so.self, alice, box, secret, &len) == VG_ERR_INTERNAL);
  box[strlen(box) - 2] ^= 1;
  CHECK(s.open(s.self, alice, box, secret, &len) == VG_ERR_INTERNAL);

  char h1[VG_RECOVERY_HASH_MAX], h2[VG_RECOVERY_HASH_MAX], h3[VG_RECOVERY_HASH_MAX];
  s.hash_recovery(s.self, alice, "ABCDEFGHJKLM", h1);
  s.hash_recovery(s.self, bob, "ABCDEFGHJKLM", h2);
  so.hash_recovery(so.self, alice, "ABCDEFGHJKLM", h3);
  CHECK(strlen(h1) == 64 && strcmp(h1, h2) != 0 && strcmp(h1, h3) != 0);
  factor_sealer_destroy(k);
  factor_sealer_destroy(o);
}

static void factor_key_must_be_32_bytes_of_base64(void) {
  unsigned char key[FACTOR_KEY_BYTES];
  CHECK(factor_key_decode("MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=", key));
  CHECK(factor_key_decode("MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE", key));
  CHECK(!factor_key_decode("MDEyMzQ1Njc4OTAxMjM0NQ==", key)); /* 16 bytes */
  CHECK(!factor_key_decode("not base64 at all!", key));
}

static void qr_svg_is_one_path_of_the_right_width(void) {
  struct qr_code q = qr_svg_port();
  char *svg = q.svg(q.self,
                    "otpauth://totp/verigate:ada@example.com?secret="
                    "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=verigate");
  CHECK(svg != NULL);
  int modules = 0, box = 0;
  const char *m = svg ? strstr(svg, "data-modules=\"") : NULL;
  const char *v = svg ? strstr(svg, "viewBox=\"0 0 ") : NULL;
  CHECK(m && v && sscanf(m, "data-modules=\"%d\"", &modules) == 1 &&
        sscanf(v, "viewBox=\"0 0 %d", &box) == 1);
  CHECK(modules >= 21 && (modules - 17) % 4 == 0 && box == modules + 8);
  CHECK(svg && strstr(svg, "<path d=\"M") != NULL && strcmp(svg + strlen(svg) - 6, "</svg>") == 0);
  free(svg);
}

int main(void) {
  if (sodium_init() < 0 || !oath_totp_init()) return 1;
  RUN(rfc6238_appendix_b_vectors);
  RUN(checker_accepts_one_step_either_side_and_names_it);
  RUN(sealer_opens_only_for_its_user_and_key);
  RUN(factor_key_must_be_32_bytes_of_base64);
  RUN(qr_svg_is_one_path_of_the_right_width);
  oath_totp_done();
  return check_done();
}
