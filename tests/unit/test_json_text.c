/* test_json_text.c: the hand-written JSON of /dashboard says what jansson would have said. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "http/json_text.h"

/* jansson's text for the string s: the oracle. */
static char *jansson_text(const char *s) {
  json_t *v = json_string(s);
  char *text = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
  json_decref(v);
  return text;
}

static int same_as_jansson(const char *s) {
  struct json_text t = {0};
  json_text_string(&t, s);
  char *expected = jansson_text(s);
  int same = !t.failed && expected && strcmp(t.buf, expected) == 0;
  if (!same) fprintf(stderr, "  ours: %s\n  jansson: %s\n", t.buf ? t.buf : "(none)", expected);
  free(expected);
  free(t.buf);
  return same;
}

static void strings_are_escaped_as_jansson_escapes_them(void) {
  const char *cases[] = {"",
                         "plain",
                         "quote \" and backslash \\",
                         "slash / stays",
                         "tab\tnewline\nreturn\rback\bfeed\f",
                         "del \x7f stays",
                         "Zoë Ünïcödé",
                         "emoji \xF0\x9F\x98\x80",
                         "line sep \xE2\x80\xA8",
                         "\"\\\"",
                         "trailing escape\n"};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) CHECK(same_as_jansson(cases[i]));
  char one[2] = {0};
  for (int c = 1; c < 0x80; c++) {
    one[0] = (char)c; /* every ASCII byte alone, the C0 controls included */
    CHECK(same_as_jansson(one));
  }
}

static void a_string_that_is_not_utf8_fails_the_text(void) {
  const char *bad[] = {"\xC3", "a\xFF", "\xED\xA0\x80" /* a surrogate */, "\xC0\xAF"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct json_text t = {0};
    json_text_raw(&t, "{\"a\":");
    json_text_string(&t, bad[i]);
    CHECK(t.failed);
    CHECK(json_string(bad[i]) == NULL); /* jansson refuses it too */
    free(t.buf);
  }
}

static void a_long_text_grows_and_parses_back(void) {
  struct json_text t = {0};
  char big[3000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  json_text_raw(&t, "{\"big\":");
  json_text_string(&t, big);
  json_text_raw(&t, ",\"n\":");
  json_text_int(&t, -9007199254740993LL);
  json_text_raw(&t, ",\"ok\":");
  json_text_bool(&t, true);
  json_text_raw(&t, "}");
  CHECK(!t.failed && t.len == strlen(t.buf));
  json_t *back = json_loads(t.buf, 0, NULL);
  CHECK(back && strcmp(json_string_value(json_object_get(back, "big")), big) == 0);
  CHECK(back && json_integer_value(json_object_get(back, "n")) == -9007199254740993LL);
  CHECK(back && json_is_true(json_object_get(back, "ok")));
  json_decref(back);
  free(t.buf);
}

static void send_answers_the_text_or_a_500_problem(void) {
  struct _u_response res;
  ulfius_init_response(&res);
  struct json_text t = {0};
  json_text_raw(&t, "{\"a\":");
  json_text_string(&t, "b");
  json_text_raw(&t, "}");
  json_text_send(&res, 200, &t);
  CHECK(res.status == 200 && res.binary_body_length == 9 &&
        memcmp(res.binary_body, "{\"a\":\"b\"}", 9) == 0);
  CHECK_STR(u_map_get(res.map_header, "Content-Type"), "application/json");
  CHECK(t.buf == NULL); /* freed and reset */
  ulfius_clean_response(&res);

  ulfius_init_response(&res);
  json_text_string(&t, "\xFF");
  json_text_send(&res, 200, &t);
  CHECK(res.status == 500);
  CHECK_STR(u_map_get(res.map_header, "Content-Type"), "application/problem+json");
  ulfius_clean_response(&res);
}

int main(void) {
  RUN(strings_are_escaped_as_jansson_escapes_them);
  RUN(a_string_that_is_not_utf8_fails_the_text);
  RUN(a_long_text_grows_and_parses_back);
  RUN(send_answers_the_text_or_a_500_problem);
  return check_done();
}
