/* test_validate.c: the input rules of src/core/validate.c and the phone mask. */
#include <string.h>

#include "check.h"
#include "core/phone_mask.h"
#include "core/validate.h"

static char normalised[300];

static bool email(const char *in) {
  normalised[0] = '\0';
  return vg_email_normalize(in, normalised, sizeof normalised); /* room for more than 254 */
}

/* s made of n copies of unit. */
static const char *repeat(const char *unit, int n) {
  static char buf[1024];
  buf[0] = '\0';
  for (int i = 0; i < n; i++) strcat(buf, unit);
  return buf;
}

static void email_is_trimmed_and_lower_cased(void) {
  CHECK(email("  Alice.Smith@Example.COM \t\n"));
  CHECK_STR(normalised, "alice.smith@example.com");
  CHECK(email("bob+tag@mail.example.org"));
  CHECK_STR(normalised, "bob+tag@mail.example.org");
}

static void email_rejects_implausible_addresses(void) {
  CHECK(!email(""));
  CHECK(!email("   "));
  CHECK(!email("alice.example.com"));       /* no '@' */
  CHECK(!email("alice@bob@example.com"));   /* two '@' */
  CHECK(!email("@example.com"));            /* empty local part */
  CHECK(!email("alice@localhost"));         /* no dot in the domain */
  CHECK(!email("alice@example."));          /* nothing after the dot */
  CHECK(!email("alice@.com"));              /* nothing before the dot */
  CHECK(!email("alice smith@example.com")); /* space inside */
  CHECK(!email("alice@exa mple.com"));
  CHECK(!email("alice\x01@example.com")); /* control character */
  CHECK(
      !email("al\xff"
             "ce@example.com")); /* not UTF-8 */
}

static void email_allows_254_characters_and_no_more(void) {
  char addr[300];
  const char *domain = "@example.com"; /* 12 characters */
  memset(addr, 'a', 254 - 12);
  strcpy(addr + 254 - 12, domain);
  CHECK(strlen(addr) == 254);
  CHECK(email(addr));
  memset(addr, 'a', 255 - 12);
  strcpy(addr + 255 - 12, domain);
  CHECK(!email(addr));
}

static void email_refuses_an_output_buffer_too_small(void) {
  char small[8];
  CHECK(!vg_email_normalize("alice@example.com", small, sizeof small));
}

static void name_counts_code_points_not_bytes(void) {
  CHECK(vg_check_name("A") == NULL);
  CHECK(vg_check_name(repeat("a", 100)) == NULL);
  CHECK(vg_check_name(repeat("a", 101)) != NULL);
  CHECK(vg_check_name(repeat("\xc3\xa9", 100)) == NULL); /* 100 'é' = 200 bytes */
  CHECK(vg_check_name(repeat("\xc3\xa9", 101)) != NULL);
  CHECK(vg_check_name(repeat("\xf0\x9f\x98\x80", 100)) == NULL); /* 4-byte emoji */
  CHECK(vg_check_name("") != NULL);
}

static void name_rejects_invalid_utf8(void) {
  CHECK(vg_check_name("Al\xff"
                      "ce") != NULL);
  CHECK(vg_check_name("\xc3") != NULL);             /* truncated sequence */
  CHECK(vg_check_name("\xc0\xaf") != NULL);         /* overlong '/' */
  CHECK(vg_check_name("\xed\xa0\x80") != NULL);     /* surrogate U+D800 */
  CHECK(vg_check_name("\xf4\x90\x80\x80") != NULL); /* above U+10FFFF */
  CHECK(vg_utf8_length("h\xc3\xa9llo") == 5);
  CHECK(vg_utf8_length("\xff") == -1);
}

static void name_rejects_control_characters(void) {
  CHECK(vg_check_name("Alice\nSmith") != NULL);
  CHECK(vg_check_name("Alice\tSmith") != NULL);
  CHECK(vg_check_name("Alice\x7f") != NULL);
  CHECK(vg_check_name("Alice Smith") == NULL);
}

static void username_is_3_to_32_of_a_small_alphabet(void) {
  CHECK(vg_check_username("bob") == NULL);
  CHECK(vg_check_username("Bob_the.builder-42") == NULL);
  CHECK(vg_check_username(repeat("u", 32)) == NULL);
  CHECK(vg_check_username(repeat("u", 33)) != NULL);
  CHECK(vg_check_username("bo") != NULL);
  CHECK(vg_check_username("bob smith") != NULL);
  CHECK(vg_check_username("bob@home") != NULL);
  CHECK(vg_check_username("b\xc3\xa9"
                          "b") != NULL);
}

static void password_is_8_to_128_characters(void) {
  CHECK(vg_check_password("12345678") == NULL);
  CHECK(vg_check_password("1234567") != NULL);
  CHECK(vg_check_password(repeat("p", 128)) == NULL);
  CHECK(vg_check_password(repeat("p", 129)) != NULL);
  CHECK(vg_check_password(repeat("\xc3\xa9", 8)) == NULL); /* characters, not bytes */
  CHECK(vg_check_password(repeat("\xc3\xa9", 4)) != NULL);
  CHECK(vg_check_password("abcdefg\xff") != NULL);
}

static void phone_is_e164(void) {
  CHECK(vg_check_phone("+15551234567") == NULL);
  CHECK(vg_check_phone("+12345678") == NULL);         /* 8 digits */
  CHECK(vg_check_phone("+123456789012345") == NULL);  /* 15 digits */
  CHECK(vg_check_phone("+1234567") != NULL);          /* 7 */
  CHECK(vg_check_phone("+1234567890123456") != NULL); /* 16 */
  CHECK(vg_check_phone("15551234567") != NULL);       /* no '+' */
  CHECK(vg_check_phone("+05551234567") != NULL);      /* country code cannot start with 0 */
  CHECK(vg_check_phone("+1555123456a") != NULL);
  CHECK(vg_check_phone("+1 555 123 4567") != NULL);
  CHECK(vg_check_phone("+") != NULL);
  CHECK(vg_check_phone("") != NULL);
}

static void code_is_4_to_10_digits(void) {
  CHECK(vg_check_code("1234") == NULL);
  CHECK(vg_check_code("123456") == NULL);
  CHECK(vg_check_code("0123456789") == NULL);
  CHECK(vg_check_code("123") != NULL);
  CHECK(vg_check_code("01234567890") != NULL);
  CHECK(vg_check_code("12a456") != NULL);
  CHECK(vg_check_code(" 123456") != NULL);
  CHECK(vg_check_code("") != NULL);
}

static void field_errors_keep_order_and_stop_at_the_maximum(void) {
  struct vg_field_errors errs = {0};
  for (int i = 0; i < VG_FIELD_ERRORS_MAX + 3; i++) vg_field_errors_add(&errs, "f", "m");
  CHECK(errs.count == VG_FIELD_ERRORS_MAX);
  struct vg_field_errors two = {0};
  vg_field_errors_add(&two, "a", "x");
  vg_field_errors_add(&two, "b", "y");
  CHECK(two.count == 2);
  CHECK_STR(two.items[0].field, "a");
  CHECK_STR(two.items[1].message, "y");
}

static void phone_mask_shows_only_the_last_four_digits(void) {
  char out[VG_MASKED_PHONE_MAX];
  vg_phone_mask("+15551234567", out);
  CHECK_STR(out, "+*******4567");
  vg_phone_mask("+12345678", out);
  CHECK_STR(out, "+****5678");
  vg_phone_mask("+123456789012345", out);
  CHECK_STR(out, "+***********2345");
  vg_phone_mask("+15551234567", out);
  CHECK(strstr(out, "555") == NULL);
}

int main(void) {
  RUN(email_is_trimmed_and_lower_cased);
  RUN(email_rejects_implausible_addresses);
  RUN(email_allows_254_characters_and_no_more);
  RUN(email_refuses_an_output_buffer_too_small);
  RUN(name_counts_code_points_not_bytes);
  RUN(name_rejects_invalid_utf8);
  RUN(name_rejects_control_characters);
  RUN(username_is_3_to_32_of_a_small_alphabet);
  RUN(password_is_8_to_128_characters);
  RUN(phone_is_e164);
  RUN(code_is_4_to_10_digits);
  RUN(field_errors_keep_order_and_stop_at_the_maximum);
  RUN(phone_mask_shows_only_the_last_four_digits);
  return check_done();
}
