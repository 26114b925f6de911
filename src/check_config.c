/* check_config.c: see check_config.h. Every check runs, so one run names every problem. */
#include "check_config.h"

#include <stdio.h>

#include <curl/curl.h>
#include <mongoc/mongoc.h>

#include "app.h"
#include "adapters/jwt_keyset.h"
#include "adapters/probes.h"

static bool report(const char *what, bool ok, const char *why) {
  if (ok)
    printf("ok %s\n", what);
  else
    printf("error %s: %s\n", what, why);
  fflush(stdout);
  return ok;
}

static bool check_keys(const struct config *cfg, char *why, size_t whylen) {
  if (!cfg->jwt_private_key_file && !cfg->jwt_keys_dir) {
    snprintf(why, whylen, "JWT_PRIVATE_KEY_FILE and JWT_KEYS_DIR are not set (an ephemeral key "
                          "would sign: tokens would not survive a restart)");
    return report("jwt keys", true, why);
  }
  struct jwt_keyset *keys =
      jwt_keyset_load(cfg->jwt_keys_dir, cfg->jwt_private_key_file,
                      cfg->jwt_es256 ? JWT_KEY_ES256 : JWT_KEY_RS256, why, whylen);
  jwt_keyset_free(keys);
  return report("jwt keys", keys != NULL, why);
}

int check_config_run(const struct config *cfg) {
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    report("twilio", false, "cannot initialise libcurl");
    return 1;
  }
  mongoc_init();
  mongoc_log_set_handler(NULL, NULL); /* the driver's own chatter is not a check's answer */
  char why[512] = "";
  bool ok = report("config", true, "");
  ok &= report("mongodb", probe_mongodb(cfg->mongodb_uri, why, sizeof why), why);
  ok &= report("redis", probe_redis(cfg->redis_url, why, sizeof why), why);
  struct twilio_verify_config tv = app_twilio_config(cfg);
  ok &= report("twilio", probe_twilio(&tv, why, sizeof why), why);
  ok &= check_keys(cfg, why, sizeof why);
  mongoc_cleanup();
  curl_global_cleanup();
  return ok ? 0 : 1;
}
