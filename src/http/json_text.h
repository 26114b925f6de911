/* json_text.h: a JSON text written straight into one growing buffer, for /dashboard: there,
 * building a jansson tree and dumping it cost more CPU than the rest of the handler
 * (docs/BENCHMARKS.md). Strings are escaped exactly as jansson's json_dumps escapes them, and a
 * string that is not UTF-8 fails the whole text, as json_pack fails; every other answer is
 * built with jansson (json_io.h). */
#ifndef VG_JSON_TEXT_H
#define VG_JSON_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include <ulfius.h>

struct json_text {
  char *buf; /* NUL-terminated while not failed */
  size_t len, cap;
  bool failed; /* out of memory or not UTF-8: json_text_send answers 500 */
};

/* JSON syntax as it is: braces, brackets, commas, "key": parts. */
void json_text_raw(struct json_text *t, const char *syntax);
/* s as a JSON string: quoted and escaped. */
void json_text_string(struct json_text *t, const char *s);
void json_text_int(struct json_text *t, long long v);
void json_text_bool(struct json_text *t, bool v);

/* Sends the text as application/json with status (a 500 problem when it failed) and frees it. */
void json_text_send(struct _u_response *res, int status, struct json_text *t);

#endif
