/* test_config.c: config_load over a fake environment: defaults, and each refusal naming its
 * variable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yder.h>

#include "check.h"
#include "config.h"
#include "cpu_quota.h"
#include "ports/delivery.h"

#define ACCOUNT_SID "AC0123456789abcdef0123456789abcdef"
#define SERVICE_SID "VA0123456789abcdef0123456789ABCDEF"

#define ENV_MAX 16
static const char *env[ENV_MAX][2];
static struct config cfg;
static char err[2048];

static const char *get(const char *name, void *ctx) {
  (void)ctx;
  for (int i = 0; i < ENV_MAX && env[i][0]; i++)
    if (strcmp(env[i][0], name) == 0) return env[i][1];
  return NULL;
}

/* Replaces or adds name; a NULL value unsets it. */
static void set(const char *name, const char *value) {
  int i = 0;
  while (i < ENV_MAX - 1 && env[i][0] && strcmp(env[i][0], name) != 0) i++;
  if (!env[i][0]) env[i][0] = name;
  env[i][1] = value;
}

/* Only the three required Twilio variables. */
static void minimal_env(void) {
  memset(env, 0, sizeof env);
  set("TWILIO_ACCOUNT_SID", ACCOUNT_SID);
  set("TWILIO_AUTH_TOKEN", "secret-token");
  set("TWILIO_VERIFY_SERVICE_SID", SERVICE_SID);
}

static bool load(void) {
  err[0] = '\0';
  config_free(&cfg);
  return config_load(&cfg, get, NULL, err, sizeof err);
}

/* With name set to value, loading fails and err names the variable. */
static bool refused(const char *name, const char *value) {
  minimal_env();
  set(name, value);
  bool ok = load();
  return !ok && strstr(err, name) != NULL;
}

static void config_defaults_with_only_twilio_set(void) {
  minimal_env();
  CHECK(load());
  CHECK_STR(err, "");
  CHECK(cfg.port == 8080);
  CHECK_STR(cfg.bind_address, "0.0.0.0");
  CHECK(cfg.max_connections == 1024 && cfg.max_connections_per_ip == 128);
  CHECK(cfg.connection_timeout == 30 && cfg.thread_stack_kb == 256);
  CHECK(cfg.hash_nice == 10 && cfg.redis_pool_size == 48);
  CHECK(cfg.ipv6_limit_prefix == 64 && cfg.sms_per_prefix_hour == 20);
  CHECK_STR(cfg.mongodb_uri, "mongodb://127.0.0.1:27017/verigate");
  CHECK_STR(cfg.redis_url, "redis://127.0.0.1:6379/0");
  CHECK_STR(cfg.twilio_account_sid, ACCOUNT_SID);
  CHECK_STR(cfg.twilio_auth_token, "secret-token");
  CHECK_STR(cfg.twilio_service_sid, SERVICE_SID);
  CHECK_STR(cfg.twilio_base_url, "https://verify.twilio.com");
  CHECK(cfg.twilio_timeout_ms == 5000);
  CHECK(cfg.jwt_private_key_file == NULL);
  CHECK(!cfg.jwt_es256);
  CHECK_STR(cfg.jwt_issuer, "verigate");
  CHECK_STR(cfg.jwt_audience, "verigate");
  CHECK_STR(cfg.jwt_client_id, "verigate");
  CHECK(cfg.mfa_token_ttl == 300);
  CHECK(cfg.access_token_ttl == 900);
  CHECK(cfg.resend_cooldown == 30);
  CHECK(cfg.max_sends == 5);
  CHECK(cfg.max_attempts == 5);
  CHECK(cfg.log_level == Y_LOG_LEVEL_INFO);
  CHECK(cfg.hash_engine == HASH_ENGINE_AUTO);
}

static void config_takes_set_values(void) {
  minimal_env();
  set("PORT", "9000");
  set("JWT_ALG", "ES256");
  set("MFA_TOKEN_TTL", "600");
  set("MAX_CONNECTIONS", "64");
  set("MAX_CONNECTIONS_PER_IP", "0");
  set("THREAD_STACK_KB", "512");
  set("REDIS_POOL_SIZE", "12");
  set("JWT_AUDIENCE", "api.example.com");
  set("LOG_LEVEL", "debug");
  set("HASH_ENGINE", "libargon2");
  set("TWILIO_VERIFY_BASE_URL", "http://127.0.0.1:4010");
  CHECK(load());
  CHECK(cfg.hash_engine == HASH_ENGINE_LIBARGON2);
  CHECK(cfg.port == 9000);
  CHECK(cfg.jwt_es256);
  CHECK(cfg.mfa_token_ttl == 600);
  CHECK(cfg.max_connections == 64 && cfg.max_connections_per_ip == 0);
  CHECK(cfg.thread_stack_kb == 512);
  CHECK(cfg.redis_pool_size == 12);
  CHECK_STR(cfg.jwt_client_id, "api.example.com"); /* follows the audience unless set */
  set("JWT_CLIENT_ID", "spa-web");
  CHECK(load());
  CHECK_STR(cfg.jwt_client_id, "spa-web");
  CHECK(cfg.log_level == Y_LOG_LEVEL_DEBUG);
  CHECK_STR(cfg.twilio_base_url, "http://127.0.0.1:4010");
}

static void config_names_each_missing_required_variable(void) {
  const char *required[] = {"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_VERIFY_SERVICE_SID"};
  for (int i = 0; i < 3; i++) {
    CHECK(refused(required[i], NULL));
    CHECK(refused(required[i], "")); /* empty counts as unset */
  }
}

static void config_refuses_bad_ports(void) {
  CHECK(refused("PORT", "0"));
  CHECK(refused("PORT", "70000"));
  CHECK(refused("PORT", "abc"));
  CHECK(refused("PORT", "80x"));
  CHECK(refused("PORT", "-1"));
  CHECK(refused("PORT", "99999999999999999999999"));
}

static void config_refuses_bad_sids(void) {
  CHECK(refused("TWILIO_ACCOUNT_SID", "AC123"));
  CHECK(refused("TWILIO_ACCOUNT_SID", "XX0123456789abcdef0123456789abcdef"));
  CHECK(refused("TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdeg"));
  CHECK(refused("TWILIO_ACCOUNT_SID", ACCOUNT_SID "0"));
  CHECK(refused("TWILIO_VERIFY_SERVICE_SID", ACCOUNT_SID));
  CHECK(refused("TWILIO_VERIFY_SERVICE_SID", "VA0123"));
  minimal_env();
  set("TWILIO_ACCOUNT_SID", "SK0123456789abcdef0123456789abcdef"); /* an API key SID */
  CHECK(load());
}

static void config_refuses_other_invalid_values(void) {
  CHECK(refused("JWT_ALG", "HS256"));
  CHECK(refused("JWT_ALG", "none"));
  CHECK(refused("MFA_TOKEN_TTL", "601"));
  CHECK(refused("MFA_TOKEN_TTL", "29"));
  CHECK(refused("LOG_LEVEL", "loud"));
  CHECK(refused("MONGODB_URI", "http://db:27017"));
  CHECK(refused("TWILIO_VERIFY_BASE_URL", "ftp://verify.twilio.com"));
  /* The auth token must not travel in clear beyond this machine. */
  CHECK(refused("TWILIO_VERIFY_BASE_URL", "http://verify.twilio.com"));
  CHECK(refused("TWILIO_VERIFY_BASE_URL", "http://127.0.0.1.attacker.example/"));
  CHECK(refused("TWILIO_VERIFY_BASE_URL", "http://[::1].example:80"));
  const char *loopbacks[] = {"http://127.0.0.1:4010", "http://localhost:8081/", "http://[::1]:9",
                             "http://127.3.2.1"};
  for (size_t i = 0; i < sizeof loopbacks / sizeof loopbacks[0]; i++) {
    set("TWILIO_VERIFY_BASE_URL", loopbacks[i]);
    CHECK(load());
  }
  set("TWILIO_VERIFY_BASE_URL", "http://verify-emulator:8081");
  CHECK(!load());
  set("TWILIO_VERIFY_ALLOW_HTTP", "1");
  CHECK(load());
  set("TWILIO_VERIFY_ALLOW_HTTP", NULL);
  CHECK(refused("MAX_CODE_ATTEMPTS", "6"));
  CHECK(refused("MAX_SENDS_PER_LOGIN", "0"));
  CHECK(refused("MAX_CONNECTIONS", "0") && refused("MAX_CONNECTIONS", "15"));
  CHECK(refused("CONNECTION_TIMEOUT", "0"));
  /* A stack too small for libcurl + GnuTLS or libphonenumber is refused, not crashed on. */
  CHECK(refused("THREAD_STACK_KB", "64") && refused("THREAD_STACK_KB", "16385"));
  CHECK(refused("HASH_NICE", "20") && refused("HASH_NICE", "-1"));
  CHECK(refused("IPV6_LIMIT_PREFIX", "31") && refused("IPV6_LIMIT_PREFIX", "129"));
  CHECK(refused("SMS_PER_PREFIX_HOUR", "-1"));
  CHECK(refused("HASH_ENGINE", "argon2") && refused("HASH_ENGINE", "LIBSODIUM"));
}

static void config_token_lifecycle_settings(void) {
  minimal_env();
  CHECK(load());
  CHECK(cfg.refresh_token_ttl == 2592000 && cfg.jwt_keys_dir == NULL);
  set("REFRESH_TOKEN_TTL", "3600");
  set("JWT_KEYS_DIR", "/etc/verigate/keys");
  CHECK(load());
  CHECK(cfg.refresh_token_ttl == 3600);
  CHECK_STR(cfg.jwt_keys_dir, "/etc/verigate/keys");
  CHECK(refused("REFRESH_TOKEN_TTL", "3599"));
  CHECK(refused("REFRESH_TOKEN_TTL", "31536001"));
  /* One key source: both set is refused, naming both. */
  minimal_env();
  set("JWT_KEYS_DIR", "/etc/verigate/keys");
  set("JWT_PRIVATE_KEY_FILE", "/etc/verigate/jwt.pem");
  CHECK(!load());
  CHECK(strstr(err, "JWT_KEYS_DIR") && strstr(err, "JWT_PRIVATE_KEY_FILE"));
}

static void config_refresh_reuse_grace(void) {
  minimal_env();
  CHECK(load());
  CHECK(cfg.refresh_reuse_grace == 10);
  set("REFRESH_REUSE_GRACE_SECONDS", "0"); /* 0 turns the grace off */
  CHECK(load());
  CHECK(cfg.refresh_reuse_grace == 0);
  set("REFRESH_REUSE_GRACE_SECONDS", "60");
  CHECK(load());
  CHECK(cfg.refresh_reuse_grace == 60);
  CHECK(refused("REFRESH_REUSE_GRACE_SECONDS", "61"));
  CHECK(refused("REFRESH_REUSE_GRACE_SECONDS", "-1"));
  CHECK(refused("REFRESH_REUSE_GRACE_SECONDS", "10s"));
}

static void config_cache_settings(void) {
  minimal_env();
  CHECK(load());
  CHECK(cfg.token_cache_size == 16384);
  CHECK(cfg.user_cache_size == 4096);
  CHECK(cfg.user_cache_ms == 1000);
  set("TOKEN_CACHE_SIZE", "0"); /* 0 turns a cache off */
  set("USER_CACHE_SIZE", "262144");
  set("USER_CACHE_MS", "0");
  CHECK(load());
  CHECK(cfg.token_cache_size == 0 && cfg.user_cache_size == 262144 && cfg.user_cache_ms == 0);
  CHECK(refused("TOKEN_CACHE_SIZE", "-1"));
  CHECK(refused("TOKEN_CACHE_SIZE", "1048577"));
  CHECK(refused("TOKEN_CACHE_SIZE", "lots"));
  CHECK(refused("USER_CACHE_SIZE", "262145"));
  CHECK(refused("USER_CACHE_MS", "60001"));
  CHECK(refused("USER_CACHE_MS", "-1"));
}

static void config_public_url(void) {
  minimal_env();
  CHECK(load());
  CHECK(cfg.public_url == NULL); /* JWT_ISSUER "verigate" is no URL: no discovery document */
  set("JWT_ISSUER", "https://auth.example.com");
  CHECK(load());
  CHECK_STR(cfg.public_url, "https://auth.example.com");
  set("JWT_ISSUER", "http://auth.example.com"); /* not a URL to publish: no discovery */
  CHECK(load());
  CHECK(cfg.public_url == NULL);
  set("PUBLIC_URL", "https://gw.example.com/auth/");
  CHECK(load());
  CHECK_STR(cfg.public_url, "https://gw.example.com/auth/");
  const char *good[] = {"http://127.0.0.1:8080", "http://localhost:8080/", "http://[::1]:8080",
                        "https://a.example:8443/v1"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    set("PUBLIC_URL", good[i]);
    CHECK(load());
    CHECK_STR(cfg.public_url, good[i]);
  }
  const char *bad[] = {"auth.example.com",
                       "ftp://a.example",
                       "http://auth.example.com",
                       "https://",
                       "https:///path",
                       "https://a.example/?x=1",
                       "https://a.example/#top",
                       "https://user@a.example",
                       "https://a.example/a b",
                       "https://a.example/\"",
                       "https://a.example/\xc3\xa9",
                       "javascript:alert(1)"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECK(refused("PUBLIC_URL", bad[i]));
}

static int lines_of(const char *text) {
  int n = *text ? 1 : 0;
  for (const char *p = text; *p; p++) n += *p == '\n';
  return n;
}

static void config_metrics_port(void) {
  minimal_env();
  CHECK(load());
  CHECK(cfg.metrics_port == 0); /* /metrics on the main port */
  CHECK_STR(cfg.metrics_bind_address, "0.0.0.0");
  set("BIND_ADDRESS", "::");
  set("METRICS_PORT", "9100");
  CHECK(load());
  CHECK(cfg.metrics_port == 9100);
  CHECK_STR(cfg.metrics_bind_address, "::"); /* BIND_ADDRESS unless set */
  set("METRICS_BIND_ADDRESS", "127.0.0.1");
  CHECK(load());
  CHECK_STR(cfg.metrics_bind_address, "127.0.0.1");
  CHECK(refused("METRICS_PORT", "70000"));
  CHECK(refused("METRICS_PORT", "-1"));
  CHECK(refused("METRICS_PORT", "8080")); /* the main port's default */
  minimal_env();
  set("PORT", "9000");
  set("METRICS_PORT", "9000");
  CHECK(!load() && strstr(err, "METRICS_PORT") != NULL);
}

static void config_reports_every_problem_at_once(void) {
  minimal_env();
  set("PORT", "0");
  set("LOG_LEVEL", "loud");
  set("TWILIO_ACCOUNT_SID", NULL);
  set("JWT_ALG", "none");
  CHECK(!load());
  CHECK(strstr(err, "PORT") != NULL);
  CHECK(strstr(err, "LOG_LEVEL") != NULL);
  CHECK(strstr(err, "TWILIO_ACCOUNT_SID") != NULL);
  CHECK(strstr(err, "JWT_ALG") != NULL);
  CHECK(lines_of(err) == 4); /* one line per variable */
}

static void config_log_format(void) {
  minimal_env();
  CHECK(load() && !cfg.log_json); /* text by default */
  set("LOG_FORMAT", "json");
  CHECK(load() && cfg.log_json);
  CHECK(refused("LOG_FORMAT", "xml") && refused("LOG_FORMAT", "JSON"));
}

static void config_allowed_channels(void) {
  minimal_env();
  CHECK(load() &&
        cfg.allowed_channels == (VG_CHANNEL_BIT(VG_CHANNEL_SMS) | VG_CHANNEL_BIT(VG_CHANNEL_CALL)));
  set("ALLOWED_CHANNELS", "whatsapp");
  CHECK(load() && cfg.allowed_channels == VG_CHANNEL_BIT(VG_CHANNEL_WHATSAPP));
  set("ALLOWED_CHANNELS", "call,sms,whatsapp");
  CHECK(load() && cfg.allowed_channels == VG_CHANNELS_ALL);
  CHECK(refused("ALLOWED_CHANNELS", "sms,email") && refused("ALLOWED_CHANNELS", "SMS"));
  CHECK(refused("ALLOWED_CHANNELS", "sms,") && refused("ALLOWED_CHANNELS", ",sms"));
  CHECK(refused("ALLOWED_CHANNELS", ",") && refused("ALLOWED_CHANNELS", "sms, call"));
}

static void config_shutdown_grace(void) {
  minimal_env();
  CHECK(load());
  CHECK(cfg.shutdown_grace == 20);
  set("SHUTDOWN_GRACE_SECONDS", "0");
  CHECK(load());
  CHECK(cfg.shutdown_grace == 0);
  CHECK(refused("SHUTDOWN_GRACE_SECONDS", "-1"));
  CHECK(refused("SHUTDOWN_GRACE_SECONDS", "3601"));
}

static void config_hash_concurrency_follows_the_cpus_this_process_may_use(void) {
  minimal_env();
  CHECK(load());
  int cpus = cpu_quota_available();
  CHECK(cfg.hash_concurrency == (cpus < 64 ? cpus : 64));
  CHECK(cfg.hash_queue == 4 * cfg.hash_concurrency);
}

static char dir[] = "/tmp/vg_test_config_XXXXXX";

/* A file in dir holding len bytes of content (0: all of the string); returns its path. */
static const char *file_with(const char *name, const char *content, size_t len) {
  static char paths[8][256];
  static int next;
  char *path = paths[next++ % 8];
  snprintf(path, 256, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  fwrite(content, 1, len ? len : strlen(content), f);
  fclose(f);
  return path;
}

static void config_reads_secrets_from_files(void) {
  minimal_env();
  set("TWILIO_AUTH_TOKEN", NULL);
  set("TWILIO_AUTH_TOKEN_FILE", file_with("token", "token-from-file\n", 0));
  set("REDIS_URL_FILE", file_with("redis", "redis://:pw@10.0.0.1:6380/2", 0));
  set("MONGODB_URI_FILE", file_with("mongo", "mongodb://u:p@db:27017/vg\n", 0));
  CHECK(load());
  CHECK_STR(cfg.twilio_auth_token, "token-from-file"); /* one trailing newline stripped */
  CHECK_STR(cfg.redis_url, "redis://:pw@10.0.0.1:6380/2");
  CHECK_STR(cfg.mongodb_uri, "mongodb://u:p@db:27017/vg");
  /* What a file holds goes through the same checks as the variable. */
  set("MONGODB_URI_FILE", file_with("mongo2", "http://db\n", 0));
  CHECK(!load() && strstr(err, "MONGODB_URI") && !strstr(err, "http://db"));
}

static void config_refuses_bad_secret_files_without_showing_them(void) {
  minimal_env();
  set("TWILIO_AUTH_TOKEN_FILE", file_with("token2", "s3cret", 0));
  CHECK(!load()); /* both the variable and its file */
  CHECK(strstr(err, "TWILIO_AUTH_TOKEN and TWILIO_AUTH_TOKEN_FILE are both set") != NULL);
  set("TWILIO_AUTH_TOKEN", NULL);
  set("TWILIO_AUTH_TOKEN_FILE", "/nonexistent/vg-token");
  CHECK(!load());
  CHECK(strstr(err, "TWILIO_AUTH_TOKEN_FILE") && strstr(err, "/nonexistent/vg-token"));
  const char *bad[][2] = {{"two-lines", "s3cret\nmore"}, {"empty", "\n"}, {"crlf", "s3cret\r\n"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    set("TWILIO_AUTH_TOKEN_FILE", file_with(bad[i][0], bad[i][1], 0));
    CHECK(!load() && strstr(err, "TWILIO_AUTH_TOKEN_FILE") && !strstr(err, "s3cret"));
  }
  static char big[CONFIG_FILE_MAX + 2];
  memset(big, 'x', sizeof big);
  set("TWILIO_AUTH_TOKEN_FILE", file_with("big", big, sizeof big));
  CHECK(!load() && strstr(err, "TWILIO_AUTH_TOKEN_FILE") && strstr(err, "larger than"));
  set("TWILIO_AUTH_TOKEN_FILE", NULL);
  CHECK(!load() && strstr(err, "TWILIO_AUTH_TOKEN (or TWILIO_AUTH_TOKEN_FILE) is required"));
}

int main(void) {
  RUN(config_defaults_with_only_twilio_set);
  RUN(config_takes_set_values);
  RUN(config_names_each_missing_required_variable);
  RUN(config_refuses_bad_ports);
  RUN(config_refuses_bad_sids);
  RUN(config_refuses_other_invalid_values);
  RUN(config_token_lifecycle_settings);
  RUN(config_refresh_reuse_grace);
  RUN(config_cache_settings);
  RUN(config_metrics_port);
  RUN(config_public_url);
  RUN(config_reports_every_problem_at_once);
  RUN(config_shutdown_grace);
  RUN(config_allowed_channels);
  RUN(config_log_format);
  RUN(config_hash_concurrency_follows_the_cpus_this_process_may_use);
  if (!mkdtemp(dir)) return 1;
  RUN(config_reads_secrets_from_files);
  RUN(config_refuses_bad_secret_files_without_showing_them);
  config_free(&cfg);
  char cmd[64];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) return 1;
  return check_done();
}
