/* check_token.c: how a C service accepts verigate's access tokens, with the libraries verigate
 * itself uses (OpenSSL, jansson, libsodium): the header exactly RS256 + at+jwt (RFC 9068), the
 * RS256 signature by verigate's public key, then iss, aud, exp and iat (5 s of skew) and aal2.
 *
 *   vg-check-token PUBLIC_KEY_PEM ISSUER AUDIENCE TOKEN
 * prints the user id (sub) and exits 0, or prints why not on stderr and exits 1.
 * The PEM public key: `openssl pkey -in jwt_private_key.pem -pubout`. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

/* One base64url part of the token (len bytes) into out; its length, or 0. */
static size_t unb64(const char *in, size_t len, unsigned char *out, size_t cap) {
  size_t n = 0;
  return sodium_base642bin(out, cap, in, len, NULL, &n, NULL,
                           sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0
             ? n
             : 0;
}

/* The string member key of o, or "" when it is missing or not a string. */
static const char *str(json_t *o, const char *key) {
  const char *v = json_string_value(json_object_get(o, key));
  return v ? v : "";
}

static json_t *part_json(const char *in, size_t len) {
  unsigned char buf[4096];
  size_t n = unb64(in, len, buf, sizeof buf);
  return n ? json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, NULL) : NULL;
}

static bool rs256_ok(EVP_PKEY *key, const char *input, size_t len, const char *sig, size_t slen) {
  unsigned char raw[1024];
  size_t n = unb64(sig, slen, raw, sizeof raw);
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  bool ok = n && md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
            EVP_DigestVerify(md, raw, n, (const unsigned char *)input, len) == 1;
  EVP_MD_CTX_free(md);
  return ok;
}

static bool aud_ok(json_t *aud, const char *want) {
  if (json_is_string(aud)) return strcmp(json_string_value(aud), want) == 0;
  size_t i;
  json_t *v;
  json_array_foreach(
      aud, i, v) if (json_is_string(v) && strcmp(json_string_value(v), want) == 0) return true;
  return false;
}

/* NULL when the token is one of verigate's aal2 access tokens for this service, else why not. */
static const char *check(EVP_PKEY *key, const char *iss, const char *aud, const char *token,
                         json_t **claims) {
  const char *dot1 = strchr(token, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
  if (!dot2 || strchr(dot2 + 1, '.')) return "not a JWS in compact form";
  json_t *h = part_json(token, (size_t)(dot1 - token));
  /* Pinned before the signature is looked at: an mfa_token (HS256, typ JWT) stops here. */
  bool header_ok = h && json_is_string(json_object_get(h, "kid")) &&
                   strcmp(str(h, "alg"), "RS256") == 0 && strcmp(str(h, "typ"), "at+jwt") == 0;
  json_decref(h);
  if (!header_ok) return "the header is not {alg: RS256, kid, typ: at+jwt}";
  if (!rs256_ok(key, token, (size_t)(dot2 - token), dot2 + 1, strlen(dot2 + 1)))
    return "bad signature";
  json_t *c = *claims = part_json(dot1 + 1, (size_t)(dot2 - dot1 - 1));
  json_int_t now = (json_int_t)time(NULL);
  if (!c || !json_is_string(json_object_get(c, "sub"))) return "no claims or no sub";
  if (strcmp(str(c, "iss"), iss) != 0) return "wrong iss";
  if (!aud_ok(json_object_get(c, "aud"), aud)) return "wrong aud";
  if (!json_is_integer(json_object_get(c, "exp")) ||
      json_integer_value(json_object_get(c, "exp")) + 5 <= now)
    return "expired";
  if (!json_is_integer(json_object_get(c, "iat")) ||
      json_integer_value(json_object_get(c, "iat")) - 5 > now)
    return "issued in the future";
  if (strcmp(str(c, "aal"), "aal2") != 0) return "not aal2: the SMS step is missing";
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 5 || sodium_init() < 0) {
    fprintf(stderr, "usage: %s PUBLIC_KEY_PEM ISSUER AUDIENCE TOKEN\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "r");
  EVP_PKEY *key = f ? PEM_read_PUBKEY(f, NULL, NULL, NULL) : NULL;
  if (f) fclose(f);
  if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
    fprintf(stderr, "%s: not an RSA public key in PEM\n", argv[1]);
    EVP_PKEY_free(key);
    return 2;
  }
  json_t *claims = NULL;
  const char *why = check(key, argv[2], argv[3], argv[4], &claims);
  if (why)
    fprintf(stderr, "refused: %s\n", why);
  else
    printf("%s\n", json_string_value(json_object_get(claims, "sub")));
  json_decref(claims);
  EVP_PKEY_free(key);
  return why ? 1 : 0;
}
