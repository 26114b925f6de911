/* app.c: wiring. Nothing here decides anything about authentication. */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <mongoc/mongoc.h>
#include <sodium.h>
#include <yder.h>

#include "adapters/argon2_hasher.h"
#include "adapters/cached_tokens.h"
#include "adapters/cached_users.h"
#include "adapters/factor_sealer.h"
#include "adapters/mongo_factor_store.h"
#include "adapters/oath_totp.h"
#include "adapters/qr_svg.h"
#include "adapters/redis_totp_steps.h"
#include "adapters/jwt_tokens.h"
#include "adapters/libphonenumber.h"
#include "adapters/mongo_user_store.h"
#include "adapters/redis_pending_store.h"
#include "adapters/redis_pool.h"
#include "adapters/redis_rate_limiter.h"
#include "adapters/thread_runner.h"
#include "adapters/redis_session_store.h"
#include "adapters/refresh_sealer.h"
#include "adapters/system_clock.h"
#include "adapters/twilio_verify.h"
#include "core/auth.h"
#include "http/metrics_server.h"
#include "http/server.h"
#include "metrics.h"

/* How long the start waits for MongoDB to create the unique indexes, e.g. while the database
 * container is still starting. */
#define INDEX_WAIT_SECONDS 30
/* The reset codes' sender: each send waits on Twilio (at most TWILIO_TIMEOUT_MS), so two threads
 * send ~10 a second; a queue beyond 256 waiting is a flood, whose sends are dropped unanswered
 * (the limits give them back; the client asks again). */
#define BACKGROUND_THREADS 2
#define BACKGROUND_QUEUE 256

struct app {
  struct mongo_user_store *users;
  struct redis_pool *redis;
  struct redis_pending_store *pending;
  struct redis_rate_limiter *limiter;
  struct redis_session_store *sessions;
  struct refresh_sealer *sealer; /* of the refresh successors kept for the reuse grace */
  struct twilio_verify *twilio;
  struct thread_runner *background; /* the SMS of /password/forgot, sent after the answer */
  struct jwt_tokens *tokens;
  struct argon2_hasher *hasher;
  struct cached_tokens *token_cache; /* NULL when TOKEN_CACHE_SIZE is 0 */
  struct cached_users *user_cache;   /* NULL when USER_CACHE_SIZE or USER_CACHE_MS is 0 */
  struct auth auth;
  struct http_server *server;
  struct metrics_server *metrics; /* NULL unless METRICS_PORT is set */
  /* TOTP (build_factors): all NULL or false while it is off. */
  struct factor_sealer_keys *factor_keys;
  struct redis_totp_steps *totp_steps;
  bool oath_started;
};

static bool ensure_indexes(struct mongo_user_store *users, char *err, size_t errlen) {
  time_t deadline = time(NULL) + INDEX_WAIT_SECONDS;
  for (bool first = true;; first = false) {
    vg_result r =
        mongo_user_store_ensure_indexes(users); /* a try lasts up to the selection timeout */
    if (r == VG_OK) return true;
    if (r != VG_ERR_UNAVAILABLE || time(NULL) >= deadline) break;
    if (first) y_log_message(Y_LOG_LEVEL_WARNING, "MongoDB not answering yet; waiting");
    sleep(1);
  }
  snprintf(err, errlen, "MONGODB_URI: cannot create the unique indexes on users");
  return false;
}

/* The driver's own messages, through yder like every other line (its trace level dropped). */
static void mongoc_to_yder(mongoc_log_level_t level, const char *domain, const char *message,
                           void *data) {
  (void)data;
  unsigned long y = level <= MONGOC_LOG_LEVEL_ERROR     ? Y_LOG_LEVEL_ERROR
                    : level == MONGOC_LOG_LEVEL_WARNING ? Y_LOG_LEVEL_WARNING
                                                        : Y_LOG_LEVEL_DEBUG;
  if (level != MONGOC_LOG_LEVEL_TRACE) y_log_message(y, "mongoc %s: %s", domain, message);
}

/* One line per key: which one signs, which only verify, which sign from a later time. */
static void log_keys(const struct jwt_keyset *keys, const char *alg) {
  int64_t now = (int64_t)time(NULL);
  const struct jwt_key *signer = jwt_keyset_signer(keys, now);
  for (size_t i = 0; i < jwt_keyset_count(keys); i++) {
    const struct jwt_key *k = jwt_keyset_key(keys, i);
    int64_t since = jwt_keyset_since(keys, i);
    if (k == signer)
      y_log_message(Y_LOG_LEVEL_INFO, "%s key kid=%s signs", alg, k->kid);
    else if (since > now)
      y_log_message(Y_LOG_LEVEL_INFO, "%s key kid=%s published; signs from %lld (Unix time)", alg,
                    k->kid, (long long)since);
    else
      y_log_message(Y_LOG_LEVEL_INFO, "%s key kid=%s verifies", alg, k->kid);
  }
}

/* The token service; into rate_limit_secret the rate limiter's secret, and into *sealer the
 * refresh sealer keyed by the same keys. The rate limiter's secret comes from the oldest key of
 * the set, not from the one that signs: a new key is added to every instance's JWT_KEYS_DIR (and
 * signs, on some instances sooner than on others) long before the oldest is removed, so the
 * counters keep their names through a rotation and agree between instances while one is rolled
 * out; removing the oldest key renames them, which forgets the counts (at most a lock period of
 * failures and a day of SMS counts). */
static struct jwt_tokens *build_tokens(const struct config *cfg,
                                       unsigned char rate_limit_secret[RATE_LIMIT_SECRET_BYTES],
                                       struct refresh_sealer **sealer,
                                       char *err, size_t errlen) {
  enum jwt_key_alg alg = cfg->jwt_es256 ? JWT_KEY_ES256 : JWT_KEY_RS256;
  if (!cfg->jwt_private_key_file && !cfg->jwt_keys_dir)
    y_log_message(Y_LOG_LEVEL_WARNING,
                  "JWT_PRIVATE_KEY_FILE and JWT_KEYS_DIR are not set: signing with an ephemeral "
                  "key; tokens will not survive a restart nor be accepted by other instances");
  struct jwt_keyset *keys =
      jwt_keyset_load(cfg->jwt_keys_dir, cfg->jwt_private_key_file, alg, err, errlen);
  if (!keys) return NULL;
  if (!rate_limit_key_derive(jwt_keyset_key(keys, jwt_keyset_count(keys) - 1), rate_limit_secret)) {
    snprintf(err, errlen, "cannot derive the rate-limit secret from the signing key");
    jwt_keyset_free(keys);
    return NULL;
  }
  struct jwt_tokens_config tc = {
      .issuer = cfg->jwt_issuer,
      .audience = cfg->jwt_audience,
      .client_id = cfg->jwt_client_id,
      .mfa_ttl = cfg->mfa_token_ttl,
      .access_ttl = cfg->access_token_ttl,
      .leeway = 5,
  };
  log_keys(keys, cfg->jwt_es256 ? "ES256" : "RS256");
  *sealer = refresh_sealer_create(keys);
  if (!*sealer) {
    snprintf(err, errlen, "cannot derive the refresh sealer's keys");
    jwt_keyset_free(keys);
    return NULL;
  }
  return jwt_tokens_create(&tc, keys, system_clock_port());
}

struct twilio_verify_config app_twilio_config(const struct config *cfg) {
  return (struct twilio_verify_config){
      .base_url = cfg->twilio_base_url,
      .account_sid = cfg->twilio_account_sid,
      .auth_token = cfg->twilio_auth_token,
      .service_sid = cfg->twilio_service_sid,
      .connect_timeout_ms = 2000,
      .timeout_ms = cfg->twilio_timeout_ms,
  };
}

static bool build_adapters(struct app *app, const struct config *cfg, char *err, size_t errlen) {
  char why[200] = "";
  /* One pool for every Redis adapter: REDIS_POOL_SIZE connections in all. */
  app->redis = redis_pool_open(cfg->redis_url, (int)cfg->redis_pool_size, why, sizeof why);
  if (app->redis) app->pending = redis_pending_store_create(app->redis, why, sizeof why);
  if (!app->pending) {
    snprintf(err, errlen, "REDIS_URL: %s", why);
    return false;
  }
  struct twilio_verify_config tv = app_twilio_config(cfg);
  app->twilio = twilio_verify_create(&tv);
  if (!app->twilio) {
    snprintf(err, errlen, "cannot create the Twilio Verify client");
    return false;
  }
  unsigned char rate_limit_secret[RATE_LIMIT_SECRET_BYTES];
  app->tokens = build_tokens(cfg, rate_limit_secret, &app->sealer, err, errlen);
  if (!app->tokens) return false;
  app->limiter = redis_rate_limiter_create(app->redis, rate_limit_secret, why, sizeof why);
  sodium_memzero(rate_limit_secret, sizeof rate_limit_secret);
  if (app->limiter)
    app->sessions = redis_session_store_create(app->redis, app->sealer, why, sizeof why);
  if (!app->sessions) {
    snprintf(err, errlen, "REDIS_URL: %s", why);
    return false;
  }
  /* A queued hash gives up after 2 s (a full default queue drains in well under 1 s). */
  enum vg_argon2_engine engine = cfg->hash_engine == HASH_ENGINE_LIBSODIUM ? VG_ARGON2_LIBSODIUM
                                 : cfg->hash_engine == HASH_ENGINE_LIBARGON2
                                     ? VG_ARGON2_LIBARGON2
                                     : vg_argon2_engine_for_this_kernel();
  y_log_message(Y_LOG_LEVEL_INFO, "password hashes: Argon2id by %s, %d at once",
                vg_argon2_engine_name(engine), cfg->hash_concurrency);
  app->hasher =
      argon2_hasher_create(engine, cfg->hash_concurrency, cfg->hash_queue, 2000, cfg->hash_nice);
  if (!app->hasher) {
    snprintf(err, errlen, "cannot create the password hasher");
    return false;
  }
  /* MongoDB last: everything that only needs the configuration has been checked before the
   * start waits for the database. */
  app->users = mongo_user_store_create(cfg->mongodb_uri, why, sizeof why);
  if (!app->users) {
    snprintf(err, errlen, "MONGODB_URI: %s", why);
    return false;
  }
  if (!ensure_indexes(app->users, err, errlen)) return false;
  return true;
}

/* The token and user ports, each behind its cache unless the configuration turns it off. */
static bool build_caches(struct app *app, const struct config *cfg, char *err, size_t errlen) {
  app->auth.tokens = jwt_tokens_port(app->tokens);
  if (cfg->token_cache_size > 0) {
    app->token_cache =
        cached_tokens_create(app->auth.tokens, system_clock_port(), cfg->token_cache_size);
    if (!app->token_cache) {
      snprintf(err, errlen, "TOKEN_CACHE_SIZE: cannot allocate the token cache");
      return false;
    }
    app->auth.tokens = cached_tokens_port(app->token_cache);
  }
  app->auth.users = mongo_user_store_port(app->users);
  if (cfg->user_cache_size > 0 && cfg->user_cache_ms > 0) {
    app->user_cache =
        cached_users_create(app->auth.users, cfg->user_cache_size, cfg->user_cache_ms);
    if (!app->user_cache) {
      snprintf(err, errlen, "USER_CACHE_SIZE: cannot allocate the user cache");
      return false;
    }
    app->auth.users = cached_users_port(app->user_cache);
  }
  y_log_message(Y_LOG_LEVEL_INFO, "token cache: %u entries; user cache: %u entries for %d ms",
                app->token_cache ? cfg->token_cache_size : 0,
                app->user_cache ? cfg->user_cache_size : 0,
                app->user_cache ? cfg->user_cache_ms : 0);
  return true;
}

/* A /verify holds its login's lock across the Twilio check, the Redis write of the approval, the
 * MongoDB write of phone_verified and the Redis step that consumes the login, so the lock must
 * outlive all of them at their timeouts (a lock that lapsed mid-check would let a second request
 * ask Twilio, which answers 404 once the first check approved). Never longer than a login. */
static int verify_lock_ttl(const struct app *app, const struct config *cfg) {
  int64_t worst_ms = cfg->twilio_timeout_ms + mongo_user_store_worst_ms(app->users) +
                     2 * REDIS_POOL_WORST_S * 1000;
  int64_t ttl = (worst_ms + 999) / 1000 + 1;
  return (int)(ttl < cfg->mfa_token_ttl ? ttl : cfg->mfa_token_ttl);
}

/* TOTP and recovery codes: on with a FACTOR_ENCRYPTION_KEY, else off and said so. */
static bool build_factors(struct app *app, const struct config *cfg, char *err, size_t errlen) {
  struct auth_factors f = auth_factors_default();
  f.issuer = cfg->totp_issuer;
  app->auth.factors = f;
  if (!cfg->factor_key) {
    y_log_message(Y_LOG_LEVEL_WARNING, "TOTP is off: FACTOR_ENCRYPTION_KEY is not set");
    return true;
  }
  unsigned char key[FACTOR_KEY_BYTES];
  char why[200] = "";
  if (factor_key_decode(cfg->factor_key, key)) app->factor_keys = factor_sealer_create(key);
  sodium_memzero(key, sizeof key);
  if (!app->factor_keys) {
    snprintf(err, errlen, "FACTOR_ENCRYPTION_KEY: cannot derive the factor keys");
    return false;
  }
  app->totp_steps = redis_totp_steps_create(app->redis, why, sizeof why);
  app->oath_started = app->totp_steps && oath_totp_init();
  if (!app->oath_started) {
    snprintf(err, errlen, "cannot start TOTP: %s", why[0] ? why : "liboath failed to initialise");
    return false;
  }
  f.enabled = true;
  f.store = mongo_factor_store_port(app->users);
  f.sealer = factor_sealer_port(app->factor_keys);
  f.totp = oath_totp_port();
  f.steps = redis_totp_steps_port(app->totp_steps);
  f.qr = qr_svg_port();
  app->auth.factors = f;
  y_log_message(Y_LOG_LEVEL_INFO, "TOTP is on (issuer %s)", cfg->totp_issuer);
  return true;
}

static bool build_core(struct app *app, const struct config *cfg, char *err, size_t errlen) {
  if (!build_caches(app, cfg, err, errlen) || !build_factors(app, cfg, err, errlen)) return false;
  app->auth.pending = redis_pending_store_port(app->pending);
  app->auth.otp = twilio_verify_port(app->twilio);
  app->auth.hasher = argon2_hasher_port(app->hasher);
  app->auth.clock = system_clock_port();
  app->auth.limiter = redis_rate_limiter_port(app->limiter);
  app->auth.sessions = redis_session_store_port(app->sessions);
  app->auth.phones = libphonenumber_port();
  app->background = thread_runner_create(BACKGROUND_THREADS, BACKGROUND_QUEUE, err, errlen);
  if (!app->background) return false;
  app->auth.background = thread_runner_port(app->background);
  app->auth.abuse = (struct abuse_rules){
      .login_fails_per_account = cfg->login_fails_per_account,
      .login_lock_seconds = cfg->login_lock_seconds,
      .login_fails_per_ip = cfg->login_fails_per_ip,
      .sms_per_phone_10min = cfg->sms_per_phone_10min,
      .sms_per_prefix_hour = cfg->sms_per_prefix_hour,
      .sms_per_phone_day = cfg->sms_per_phone_day,
      .sms_per_ip_hour = cfg->sms_per_ip_hour,
      .sms_max_per_hour = cfg->sms_max_per_hour,
      .signups_per_ip_hour = cfg->signups_per_ip_hour,
      .resets_per_ip_hour = cfg->resets_per_ip_hour,
      .resets_per_address_hour = cfg->resets_per_address_hour,
      .allowed_countries = cfg->sms_allowed_countries,
  };
  struct auth_rules rules = auth_rules_default();
  rules.resend_cooldown = cfg->resend_cooldown;
  rules.max_sends = cfg->max_sends;
  rules.max_attempts = cfg->max_attempts;
  rules.verify_lock_ttl = verify_lock_ttl(app, cfg);
  rules.refresh_ttl = cfg->refresh_token_ttl;
  rules.access_ttl = cfg->access_token_ttl;
  rules.refresh_reuse_grace = cfg->refresh_reuse_grace;
  rules.allowed_channels = cfg->allowed_channels;
  if (auth_init(&app->auth, rules) != VG_OK) {
    snprintf(err, errlen, "cannot initialise the password hasher");
    return false;
  }
  return true;
}

struct app *app_start(const struct config *cfg, char *err, size_t errlen) {
  /* Process-wide library set-up, once, before any thread exists. */
  if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    snprintf(err, errlen, "cannot initialise libsodium or libcurl");
    return NULL;
  }
  mongoc_init();
  mongoc_log_set_handler(mongoc_to_yder, NULL);
  struct app *app = calloc(1, sizeof *app);
  if (!app) return NULL;
  metrics_start();
  if (!build_adapters(app, cfg, err, errlen) || !build_core(app, cfg, err, errlen)) goto fail;
  struct http_server_config hc = {
      .bind_address = cfg->bind_address,
      .port = cfg->port,
      .max_connections = cfg->max_connections,
      .max_connections_per_ip = cfg->max_connections_per_ip,
      .connection_timeout = cfg->connection_timeout,
      .thread_stack_kb = cfg->thread_stack_kb,
      .log_level = cfg->log_level,
      .ipv6_limit_prefix = cfg->ipv6_limit_prefix,
      .trusted_proxies = cfg->trusted_proxies,
      .cors_origins = cfg->cors_origins,
      .issuer = cfg->jwt_issuer,
      .public_url = cfg->public_url,
      .es256 = cfg->jwt_es256,
      .metrics_elsewhere = cfg->metrics_port != 0,
  };
  app->server = http_server_start(&hc, &app->auth, err, errlen);
  if (!app->server) goto fail;
  if (cfg->metrics_port) {
    app->metrics =
        metrics_server_start(cfg->metrics_bind_address, cfg->metrics_port, err, errlen);
    if (!app->metrics) goto fail;
    y_log_message(Y_LOG_LEVEL_INFO, "metrics on http://%s:%u/metrics", cfg->metrics_bind_address,
                  cfg->metrics_port);
  }
  return app;

fail:
  app_stop(app);
  return NULL;
}

struct http_server *app_http_server(struct app *app) {
  return app->server;
}

void app_stop(struct app *app) {
  if (app) {
    metrics_server_stop(app->metrics);
    http_server_stop(app->server);
    /* Its queued sends use the adapters below. */
    thread_runner_destroy(app->background);
    cached_tokens_destroy(app->token_cache); /* before the adapters they wrap */
    cached_users_destroy(app->user_cache);
    jwt_tokens_destroy(app->tokens);
    argon2_hasher_destroy(app->hasher);
    twilio_verify_destroy(app->twilio);
    redis_pending_store_destroy(app->pending);
    redis_rate_limiter_destroy(app->limiter);
    redis_session_store_destroy(app->sessions);
    refresh_sealer_destroy(app->sealer);
    redis_totp_steps_destroy(app->totp_steps);
    factor_sealer_destroy(app->factor_keys);
    if (app->oath_started) oath_totp_done();
    redis_pool_destroy(app->redis); /* after every adapter that borrows it */
    mongo_user_store_destroy(app->users);
    free(app);
  }
  mongoc_cleanup();
  curl_global_cleanup();
}
