/* json_text.c: see json_text.h. */
#include "http/json_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"
#include "http/json_io.h"

#define FIRST_CAP 512 /* a /dashboard answer is ~300 bytes */

static void append(struct json_text *t, const char *s, size_t n) {
  if (t->failed) return;
  if (t->len + n + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : FIRST_CAP;
    while (t->len + n + 1 > cap) cap *= 2;
    char *grown = realloc(t->buf, cap);
    if (!grown) {
      t->failed = true;
      return;
    }
    t->buf = grown;
    t->cap = cap;
  }
  memcpy(t->buf + t->len, s, n);
  t->len += n;
  t->buf[t->len] = '\0';
}

void json_text_raw(struct json_text *t, const char *syntax) {
  append(t, syntax, strlen(syntax));
}

/* The letter of JSON's two-character escape for byte c, or 0 when it has none. */
static char short_escape(unsigned char c) {
  static const char pairs[][2] = {{'"', '"'},  {'\\', '\\'}, {'b', '\b'}, {'f', '\f'},
                                  {'n', '\n'}, {'r', '\r'},  {'t', '\t'}};
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
    if ((unsigned char)pairs[i][1] == c) return pairs[i][0];
  return 0;
}

/* As jansson's dump_string without JSON_ENSURE_ASCII or JSON_ESCAPE_SLASH: '"', '\\' and the C0
 * controls are escaped, everything else (UTF-8 included) is copied. */
void json_text_string(struct json_text *t, const char *s) {
  if (!s || vg_utf8_length(s) < 0) {
    t->failed = true;
    return;
  }
  append(t, "\"", 1);
  const char *run = s; /* start of the bytes copied as they are */
  for (const char *p = s; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    append(t, run, (size_t)(p - run));
    char esc[8];
    char letter = short_escape(c);
    int n = letter ? snprintf(esc, sizeof esc, "\\%c", letter)
                   : snprintf(esc, sizeof esc, "\\u%04X", c);
    append(t, esc, (size_t)n);
    run = p + 1;
  }
  append(t, run, strlen(run));
  append(t, "\"", 1);
}

void json_text_int(struct json_text *t, long long v) {
  char digits[24];
  int n = snprintf(digits, sizeof digits, "%lld", v);
  append(t, digits, (size_t)n);
}

void json_text_bool(struct json_text *t, bool v) {
  json_text_raw(t, v ? "true" : "false");
}

void json_text_send(struct _u_response *res, int status, struct json_text *t) {
  if (t->failed || !t->buf)
    json_send(res, status, NULL, JSON_PLAIN); /* NULL: the 500 problem */
  else {
    ulfius_set_binary_body_response(res, (unsigned int)status, t->buf, t->len);
    u_map_put(res->map_header, "Content-Type", "application/json");
  }
  free(t->buf);
  *t = (struct json_text){0};
}
