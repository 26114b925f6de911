/* probes.c: see probes.h. */
#include "adapters/probes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <curl/curl.h>
#include <hiredis/hiredis.h>
#include <jansson.h>
#include <mongoc/mongoc.h>

#include "adapters/redis_url.h"

#define PROBE_BODY_MAX 8192

bool probe_mongodb(const char *uri_text, char *why, size_t whylen) {
  bson_error_t error;
  mongoc_uri_t *uri = mongoc_uri_new_with_error(uri_text, &error);
  if (!uri) {
    snprintf(why, whylen, "MONGODB_URI cannot be parsed"); /* its text could show a password */
    return false;
  }
  if (!mongoc_uri_has_option(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS))
    mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 2000);
  if (!mongoc_uri_has_option(uri, MONGOC_URI_CONNECTTIMEOUTMS))
    mongoc_uri_set_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, 2000);
  mongoc_client_t *client = mongoc_client_new_from_uri(uri);
  bool ok = false;
  if (client) {
    bson_t *ping = BCON_NEW("ping", BCON_INT32(1));
    ok = mongoc_client_command_simple(client, "admin", ping, NULL, NULL, &error);
    bson_destroy(ping);
    if (!ok) snprintf(why, whylen, "%s", error.message);
    mongoc_client_destroy(client);
  } else {
    snprintf(why, whylen, "cannot create a client for MONGODB_URI");
  }
  mongoc_uri_destroy(uri);
  return ok;
}

/* Runs one command; false with Redis's or the connection's error in why. */
static bool redis_step(redisContext *c, int argc, const char **argv, char *why, size_t whylen) {
  redisReply *r = redisCommandArgv(c, argc, argv, NULL);
  bool ok = r && r->type != REDIS_REPLY_ERROR;
  if (!r)
    snprintf(why, whylen, "%s: %s", argv[0], c->errstr);
  else if (!ok)
    snprintf(why, whylen, "%s: %s", argv[0], r->str);
  freeReplyObject(r);
  return ok;
}

bool probe_redis(const char *url, char *why, size_t whylen) {
  struct redis_url *u = calloc(1, sizeof *u);
  char err[256];
  if (!u || redis_url_parse(url, u, err, sizeof err) != 0) {
    snprintf(why, whylen, "REDIS_URL: %s", u ? err : "out of memory");
    free(u);
    return false;
  }
  struct timeval timeout = {2, 0};
  redisContext *c = redisConnectWithTimeout(u->host, u->port, timeout);
  bool ok = c && !c->err && redisSetTimeout(c, timeout) == REDIS_OK;
  if (!ok) snprintf(why, whylen, "cannot connect to %s:%d: %s", u->host, u->port,
                    c ? c->errstr : "out of memory");
  if (ok && u->password[0]) {
    const char *with_user[] = {"AUTH", u->user, u->password};
    const char *without_user[] = {"AUTH", u->password};
    ok = u->user[0] ? redis_step(c, 3, with_user, why, whylen)
                    : redis_step(c, 2, without_user, why, whylen);
  }
  if (ok && u->db != 0) {
    char db[16];
    snprintf(db, sizeof db, "%d", u->db);
    const char *select[] = {"SELECT", db};
    ok = redis_step(c, 2, select, why, whylen);
  }
  const char *ping[] = {"PING"};
  if (ok) ok = redis_step(c, 1, ping, why, whylen);
  redisFree(c);
  explicit_bzero(u->password, sizeof u->password);
  free(u);
  return ok;
}

struct body {
  char data[PROBE_BODY_MAX];
  size_t len;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata) {
  struct body *b = userdata;
  size_t n = size * nmemb;
  if (n > sizeof b->data - 1 - b->len) return 0;
  memcpy(b->data + b->len, data, n);
  b->len += n;
  return n;
}

/* Twilio's error code in an error body, or 0. */
static int twilio_code(const struct body *b) {
  json_t *root = json_loadb(b->data, b->len, 0, NULL);
  int code = (int)json_integer_value(json_object_get(root, "code"));
  json_decref(root);
  return code;
}

bool probe_twilio(const struct twilio_verify_config *cfg, char *why, size_t whylen) {
  char url[1024];
  snprintf(url, sizeof url, "%s/v2/Services/%s", cfg->base_url, cfg->service_sid);
  CURL *curl = curl_easy_init();
  struct body *b = calloc(1, sizeof *b);
  char error[CURL_ERROR_SIZE] = "";
  long status = 0;
  CURLcode rc = CURLE_OUT_OF_MEMORY;
  if (curl && b) {
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, cfg->timeout_ms);
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, cfg->account_sid);
    curl_easy_setopt(curl, CURLOPT_PASSWORD, cfg->auth_token);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "verigate");
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, b);
    rc = curl_easy_perform(curl);
    if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  }
  if (rc != CURLE_OK)
    snprintf(why, whylen, "%s: %s", cfg->base_url, error[0] ? error : curl_easy_strerror(rc));
  else if (status == 401 || status == 403)
    snprintf(why, whylen,
             "the credentials were refused (HTTP %ld, code %d): check TWILIO_ACCOUNT_SID and "
             "TWILIO_AUTH_TOKEN",
             status, twilio_code(b));
  else if (status == 404)
    snprintf(why, whylen,
             "no Verify service %s on this account (HTTP 404, code %d): check "
             "TWILIO_VERIFY_SERVICE_SID",
             cfg->service_sid, twilio_code(b));
  else if (status != 200)
    snprintf(why, whylen, "fetching the Verify service answered HTTP %ld (code %d)", status,
             twilio_code(b));
  free(b);
  curl_easy_cleanup(curl);
  return rc == CURLE_OK && status == 200;
}
