/* test_redis_url.c: what redis_url_parse accepts, what it fills in, and what it refuses. */
#include <string.h>

#include "adapters/redis_url.h"
#include "check.h"

static struct redis_url url;
static char err[256];

static int parse(const char *s) {
  err[0] = '\0';
  return redis_url_parse(s, &url, err, sizeof(err));
}

static void parse_takes_every_part(void) {
  CHECK(parse("redis://alice:s3cret@cache.example.com:6380/3") == 0);
  CHECK_STR(url.host, "cache.example.com");
  CHECK(url.port == 6380);
  CHECK(url.db == 3);
  CHECK_STR(url.user, "alice");
  CHECK_STR(url.password, "s3cret");
}

static void parse_defaults_port_and_db_for_a_bare_host(void) {
  CHECK(parse("redis://localhost") == 0);
  CHECK_STR(url.host, "localhost");
  CHECK(url.port == 6379);
  CHECK(url.db == 0);
  CHECK_STR(url.user, "");
  CHECK_STR(url.password, "");
}

static void parse_accepts_an_empty_path(void) {
  CHECK(parse("redis://127.0.0.1:6390/") == 0);
  CHECK_STR(url.host, "127.0.0.1");
  CHECK(url.port == 6390);
  CHECK(url.db == 0);
}

static void parse_takes_a_password_without_user(void) {
  CHECK(parse("redis://:pw@h/1") == 0);
  CHECK_STR(url.user, "");
  CHECK_STR(url.password, "pw");
  CHECK_STR(url.host, "h");
  CHECK(url.db == 1);
}

static void parse_percent_decodes_credentials(void) {
  CHECK(parse("redis://u%40x:p%3Aa%2Fs%25s@h") == 0);
  CHECK_STR(url.user, "u@x");
  CHECK_STR(url.password, "p:a/s%s");
}

static void parse_splits_credentials_at_the_last_at_sign(void) {
  CHECK(parse("redis://:p@ss@h:1") == 0);
  CHECK_STR(url.password, "p@ss");
  CHECK_STR(url.host, "h");
  CHECK(url.port == 1);
}

static void parse_takes_a_bracketed_ipv6_host(void) {
  CHECK(parse("redis://[::1]:7000/2") == 0);
  CHECK_STR(url.host, "::1");
  CHECK(url.port == 7000);
  CHECK(url.db == 2);
  CHECK(parse("redis://[::1]") == 0);
  CHECK(url.port == 6379);
}

static void parse_accepts_the_scheme_in_any_case(void) {
  CHECK(parse("REDIS://h") == 0);
  CHECK_STR(url.host, "h");
}

static void parse_refuses_bad_ports(void) {
  CHECK(parse("redis://h:0") == -1);
  CHECK(parse("redis://h:65536") == -1);
  CHECK(parse("redis://h:") == -1);
  CHECK(parse("redis://h:12a") == -1);
  CHECK(parse("redis://h:-1") == -1);
  CHECK(parse("redis://h:99999999999999999999") == -1);
  CHECK(strstr(err, "port") != NULL);
}

static void parse_refuses_bad_databases(void) {
  CHECK(parse("redis://h/x") == -1);
  CHECK(strstr(err, "database") != NULL);
  CHECK(parse("redis://h/-1") == -1);
  CHECK(parse("redis://h/1/2") == -1);
  CHECK(parse("redis://h/99999999999") == -1);
}

static void parse_refuses_other_schemes(void) {
  CHECK(parse("http://h") == -1);
  CHECK(strstr(err, "scheme") != NULL);
  CHECK(parse("unix:///tmp/redis.sock") == -1);
  CHECK(parse("h:6379") == -1);
  CHECK(parse("redis:/h") == -1);
}

static void parse_explains_that_tls_is_unsupported(void) {
  CHECK(parse("rediss://h:6380") == -1);
  CHECK(strstr(err, "hiredis") != NULL);
  CHECK(strstr(err, "TLS") != NULL);
}

static void parse_refuses_missing_or_malformed_parts(void) {
  CHECK(parse(NULL) == -1);
  CHECK(parse("") == -1);
  CHECK(parse("redis://") == -1);
  CHECK(strstr(err, "host") != NULL);
  CHECK(parse("redis://:6379") == -1);
  CHECK(parse("redis://:pw@") == -1);
  CHECK(parse("redis://user@h") == -1);
  CHECK(parse("redis://user:@h") == -1);
  CHECK(parse("redis://:p%4@h") == -1);
  CHECK(parse("redis://:p%00@h") == -1);
  CHECK(parse("redis://h?db=1") == -1);
  CHECK(parse("redis://h#x") == -1);
  CHECK(parse("redis://ho st") == -1);
  CHECK(parse("redis://::1") == -1);
  CHECK(parse("redis://[::1") == -1);
  CHECK(parse("redis://[::1]x") == -1);
}

static void parse_refuses_overlong_input(void) {
  char big[REDIS_URL_MAX + 64];
  memset(big, 'a', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  memcpy(big, "redis://", 8);
  CHECK(parse(big) == -1);
  CHECK(strstr(err, "too long") != NULL);

  char host[REDIS_URL_HOST_MAX + 16] = "redis://";
  memset(host + 8, 'h', REDIS_URL_HOST_MAX);
  host[8 + REDIS_URL_HOST_MAX] = '\0';
  CHECK(parse(host) == -1);
  CHECK(strstr(err, "host") != NULL);

  char pw[REDIS_URL_PASSWORD_MAX + 32] = "redis://:";
  memset(pw + 9, 'p', REDIS_URL_PASSWORD_MAX);
  strcpy(pw + 9 + REDIS_URL_PASSWORD_MAX, "@h");
  CHECK(parse(pw) == -1);
  CHECK(strstr(err, "password") != NULL);
}

static void parse_never_echoes_the_password_or_keeps_it_on_failure(void) {
  CHECK(parse("redis://:topsecret@h:bad") == -1);
  CHECK(strstr(err, "topsecret") == NULL);
  CHECK_STR(url.password, "");
}

int main(void) {
  RUN(parse_takes_every_part);
  RUN(parse_defaults_port_and_db_for_a_bare_host);
  RUN(parse_accepts_an_empty_path);
  RUN(parse_takes_a_password_without_user);
  RUN(parse_percent_decodes_credentials);
  RUN(parse_splits_credentials_at_the_last_at_sign);
  RUN(parse_takes_a_bracketed_ipv6_host);
  RUN(parse_accepts_the_scheme_in_any_case);
  RUN(parse_refuses_bad_ports);
  RUN(parse_refuses_bad_databases);
  RUN(parse_refuses_other_schemes);
  RUN(parse_explains_that_tls_is_unsupported);
  RUN(parse_refuses_missing_or_malformed_parts);
  RUN(parse_refuses_overlong_input);
  RUN(parse_never_echoes_the_password_or_keeps_it_on_failure);
  return check_done();
}
