/* test_discovery.c: the RFC 8414 metadata: absolute URLs under the configured base only, no
 * OAuth grant verigate does not have, nothing published without a base. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "http/discovery.h"

static json_t *load(const char *issuer, const char *base, bool es256) {
  char *text = discovery_document(issuer, base, es256);
  json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
  free(text);
  return doc;
}

static const char *field(json_t *doc, const char *key) {
  return json_string_value(json_object_get(doc, key));
}

static void discovery_gives_absolute_urls_under_the_base(void) {
  json_t *doc = load("https://auth.example.com", "https://gw.example.com/auth/", false);
  CHECK(doc != NULL);
  CHECK_STR(field(doc, "issuer"), "https://auth.example.com");
  CHECK_STR(field(doc, "jwks_uri"), "https://gw.example.com/auth/.well-known/jwks.json");
  json_t *named = json_object_get(doc, "verigate_endpoints");
  const char *names[][2] = {{"signup", "/signup"},
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
                            {"recovery_codes", "/factors/recovery-codes"}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    char want[128];
    snprintf(want, sizeof want, "https://gw.example.com/auth%s", names[i][1]);
    CHECK_STR(field(named, names[i][0]), want);
  }
  CHECK(json_object_size(named) == sizeof names / sizeof names[0]);
  json_t *algs = json_object_get(doc, "verigate_access_token_signing_alg_values_supported");
  CHECK(json_array_size(algs) == 1 &&
        strcmp(json_string_value(json_array_get(algs, 0)), "RS256") == 0);
  /* RFC 8414 requires it; verigate has no authorization endpoint, so it is empty. */
  CHECK(json_array_size(json_object_get(doc, "response_types_supported")) == 0);
  /* /token/refresh takes JSON, not an OAuth grant: claiming either would mislead a client. */
  CHECK(json_object_get(doc, "token_endpoint") == NULL);
  CHECK(json_object_get(doc, "grant_types_supported") == NULL);
  CHECK(json_object_get(doc, "token_endpoint_auth_methods_supported") == NULL);
  json_decref(doc);
}

static void discovery_names_es256_when_configured(void) {
  json_t *doc = load("verigate", "http://127.0.0.1:8080", true);
  json_t *algs = json_object_get(doc, "verigate_access_token_signing_alg_values_supported");
  CHECK_STR(json_string_value(json_array_get(algs, 0)), "ES256");
  CHECK_STR(field(doc, "jwks_uri"), "http://127.0.0.1:8080/.well-known/jwks.json");
  json_decref(doc);
}

static void discovery_publishes_nothing_without_a_base(void) {
  CHECK(discovery_document("verigate", NULL, false) == NULL);
}

int main(void) {
  RUN(discovery_gives_absolute_urls_under_the_base);
  RUN(discovery_names_es256_when_configured);
  RUN(discovery_publishes_nothing_without_a_base);
  return check_done();
}
