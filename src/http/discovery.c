/* discovery.c: the authorization server metadata (RFC 8414), built once from the settings. */
#include "http/discovery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* verigate's endpoints: RFC 8414 names none of them (its token_endpoint speaks OAuth grants). */
static const char *const endpoints[][2] = {
    {"signup", "/signup"},
    {"login", "/login"},
    {"resend", "/resend"},
    {"verify", "/verify"},
    {"refresh", "/token/refresh"},
    {"logout", "/logout"},
    {"dashboard", "/dashboard"},
    {"password_forgot", "/password/forgot"},
    {"password_reset", "/password/reset"},
    {"sessions", "/sessions"},
    {"account", "/me"},
    {"password_change", "/me/password"},
    {"phone_change", "/me/phone"},
    {"phone_change_verify", "/me/phone/verify"},
    {"totp", "/factors/totp"},
    {"totp_confirm", "/factors/totp/confirm"},
    {"recovery_codes", "/factors/recovery-codes"},
};

/* base + path into a new JSON string (base has no trailing '/'). */
static json_t *url(const char *base, size_t base_len, const char *path) {
  char buf[512];
  int n = snprintf(buf, sizeof buf, "%.*s%s", (int)base_len, base, path);
  return n > 0 && (size_t)n < sizeof buf ? json_string(buf) : NULL;
}

char *discovery_document(const char *issuer, const char *public_url, bool es256) {
  if (!public_url) return NULL;
  size_t len = strlen(public_url);
  while (len > 0 && public_url[len - 1] == '/') len--;
  json_t *named = json_object();
  for (size_t i = 0; named && i < sizeof endpoints / sizeof endpoints[0]; i++)
    json_object_set_new(named, endpoints[i][0], url(public_url, len, endpoints[i][1]));
  /* json_pack's "o" steals each reference, also when packing fails. */
  json_t *doc = json_pack(
      "{s:s, s:o, s:[], s:[s], s:[s], s:o}", "issuer", issuer, "jwks_uri",
      url(public_url, len, "/.well-known/jwks.json"), "response_types_supported",
      "verigate_access_token_signing_alg_values_supported", es256 ? "ES256" : "RS256",
      "verigate_access_token_typ_values_supported", "at+jwt", "verigate_endpoints", named);
  char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(doc);
  return text;
}
