/* fuzz_json_request.c: libFuzzer target for a request body on its way from the socket to core:
 * json_read_object (media type, size, syntax, object), json_string_member (member types, NUL),
 * the signup/login/verify validators on every string that comes out, the same strings through
 * core's auth_signup, auth_login and auth_verify (tests/fakes/ stand in for the stores; the phone
 * goes through the real libphonenumber plan), and the
 * problem+json answer. ASan and UBSan find memory errors; the checks below abort on a broken
 * promise of the code under test.
 *
 * Input: "<Content-Type value>\n<body>". Without a newline the whole input is the body and no
 * Content-Type header is sent. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <ulfius.h>

#include "../fakes/fake_ports.h"
#include "core/auth.h"
#include "adapters/libphonenumber.h"
#include "core/validate.h"
#include "http/json_io.h"
#include "http/problem.h"
#include "fuzz_require.h"

#define FUZZ_CLIENT_IP "203.0.113.7"

static struct fake_world world; /* reset for every input: each one signs up on an empty store */

/* Every validator on a string that json_string_member let through. */
static void check_strings(const char *const *values, size_t count) {
  for (size_t i = 0; i < count; i++) {
    const char *s = values[i];
    if (!s) continue;
    vg_check_name(s);
    vg_check_username(s);
    vg_check_password(s);
    vg_check_phone(s);
    vg_check_code(s);
    char email[VG_EMAIL_MAX];
    if (vg_email_normalize(s, email, sizeof email)) {
      char again[VG_EMAIL_MAX];
      FUZZ_REQUIRE(vg_email_normalize(email, again, sizeof again));
      FUZZ_REQUIRE(strcmp(email, again) == 0);
    }
    char masked[VG_MASKED_PHONE_MAX];
    vg_phone_mask(s, masked);
  }
}

/* A successful signup stores what was sent (the email normalised, the phone in E.164 as the
 * numbering plan reads it), so the account can log in with it. */
static void check_created(const struct signup_input *in, const struct vg_user *user) {
  char email[VG_EMAIL_MAX];
  FUZZ_REQUIRE(vg_email_normalize(in->email, email, sizeof email));
  FUZZ_REQUIRE(strcmp(user->email, email) == 0);
  FUZZ_REQUIRE(strcmp(user->name, in->name) == 0);
  FUZZ_REQUIRE(strcmp(user->username, in->username) == 0);
  char e164[VG_PHONE_MAX], region[3] = "";
  enum vg_phone_kind kind;
  for (int i = 0; in->region && i < 2; i++) region[i] = (char)toupper((unsigned char)in->region[i]);
  FUZZ_REQUIRE(world.auth.phones.parse(NULL, in->phone, in->region ? region : NULL, e164, &kind) ==
               VG_PHONE_PARSED);
  FUZZ_REQUIRE(strcmp(user->phone, e164) == 0 && vg_check_phone(user->phone) == NULL);
}

/* The body through core as /signup, then /login and /verify with the same members. */
static vg_result run_core(json_t *body, struct vg_field_errors *errs) {
  fake_world_init(&world);
  world.auth.phones = libphonenumber_port(); /* the real plan: the fakes stand in for stores */
  struct signup_input in = {
      .name = json_string_member(body, "name", errs),
      .username = json_string_member(body, "username", errs),
      .email = json_string_member(body, "email", errs),
      .password = json_string_member(body, "password", errs),
      .phone = json_string_member(body, "phone", errs),
      .region = json_string_member(body, "region", errs),
      .client_ip = FUZZ_CLIENT_IP,
  };
  const char *code = json_string_member(body, "code", errs);
  const char *values[] = {in.name, in.username, in.email, in.password, in.phone, in.region, code};
  check_strings(values, sizeof values / sizeof values[0]);

  struct vg_user user;
  int retry_after;
  vg_result r = auth_signup(&world.auth, &in, errs, &user, &retry_after);
  /* A refusal for bad input names a field; an accepted signup names none. */
  FUZZ_REQUIRE(r != VG_ERR_VALIDATION || errs->count > 0);
  FUZZ_REQUIRE(r != VG_OK || errs->count == 0);
  if (r != VG_OK) return r;
  check_created(&in, &user);

  struct vg_field_errors login_errs = {0};
  struct login_output login;
  const struct delivery_input delivery = {
      .channel = json_string_member(body, "channel", &login_errs),
      .locale = json_string_member(body, "locale", &login_errs),
      .accept_language = json_string_member(body, "accept_language", &login_errs),
      .app_hash = json_string_member(body, "app_hash", &login_errs),
  };
  r = auth_login(&world.auth, in.email, in.password, FUZZ_CLIENT_IP, &delivery, &login_errs,
                 &login);
  /* Only the delivery members can be refused now, and a refusal names one. */
  FUZZ_REQUIRE(r != VG_ERR_VALIDATION || login_errs.count > 0);
  /* The fake hasher keeps "h:" + password in VG_HASH_MAX bytes; a longer password is the
   * fake's limit, not core's (Argon2id takes any length). */
  if (strlen(in.password) + 3 <= VG_HASH_MAX && login_errs.count == 0) FUZZ_REQUIRE(r == VG_OK);
  if (r != VG_OK) return r;
  /* Twilio is never sent a locale it does not list, nor an app hash that is not one. */
  const struct vg_delivery *sent = &world.otp.last_delivery;
  const char *listed = vg_locale_find(sent->locale);
  FUZZ_REQUIRE(sent->locale[0] == '\0' || (listed && strcmp(listed, sent->locale) == 0));
  FUZZ_REQUIRE(sent->app_hash[0] == '\0' ||
               (vg_check_app_hash(sent->app_hash) == NULL && sent->channel == VG_CHANNEL_SMS));

  struct vg_field_errors verify_errs = {0};
  struct verify_output verify;
  r = auth_verify(&world.auth, login.mfa_token, code, NULL, &verify_errs, &verify);
  FUZZ_REQUIRE(r != VG_OK || strcmp(code, world.otp.correct_code) == 0);
  free(login.mfa_token);
  free(verify.access_token);
  return r;
}

/* The answer verigate would send for r, which must be a JSON object whatever errs holds. */
static void render(vg_result r, const struct vg_field_errors *errs) {
  if (r == VG_OK) return;
  struct _u_response res;
  if (ulfius_init_response(&res) != U_OK) return;
  problem_send_result(&res, r, NULL, errs, NULL);
  json_t *sent = json_loadb(res.binary_body, res.binary_body_length, 0, NULL);
  FUZZ_REQUIRE(json_is_object(sent));
  json_decref(sent);
  ulfius_clean_response(&res);
}

static void read_body(const struct _u_request *req, bool allow_empty) {
  struct _u_response res;
  if (ulfius_init_response(&res) != U_OK) return;
  json_t *body = NULL;
  bool ok = json_read_object(req, &res, allow_empty, &body);
  FUZZ_REQUIRE(ok == (body != NULL));
  FUZZ_REQUIRE(ok || res.status == 400 || res.status == 413 || res.status == 415);
  ulfius_clean_response(&res);
  if (!ok) return;
  FUZZ_REQUIRE(json_is_object(body));
  struct vg_field_errors errs = {0};
  vg_result r = run_core(body, &errs);
  render(r, &errs);
  json_decref(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *newline = memchr(data, '\n', size);
  const uint8_t *body = newline ? newline + 1 : data;
  size_t body_len = size - (size_t)(body - data);

  struct _u_request req;
  if (ulfius_init_request(&req) != U_OK) return 0;
  if (newline) {
    /* A header value is a C string: it ends at the first NUL, as it would off the wire. */
    char *type = strndup((const char *)data, (size_t)(newline - data));
    if (type) u_map_put(req.map_header, "Content-Type", type);
    free(type);
  }
  if (body_len && ulfius_set_binary_body_request(&req, (const char *)body, body_len) != U_OK)
    goto done;

  read_body(&req, false);
  if (body_len == 0) read_body(&req, true);

done:
  ulfius_clean_request(&req);
  return 0;
}
