/* config.c: parsing and range checks of the environment; invalid values stop the start, all of
 * them named at once. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <yder.h>

#include "cpu_quota.h"
#include "ports/delivery.h"

struct source {
  const char *(*get)(const char *name, void *ctx);
  void *ctx;
  char *err; /* every problem found, one line each */
  size_t errlen;
  bool ok;
};

/* Adds a line to the problems: every invalid variable is reported at once, not the first only. */
static void fail(struct source *s, const char *message) {
  size_t used = s->ok ? 0 : strlen(s->err);
  if (s->ok && s->errlen > 0) s->err[0] = '\0';
  if (used + 1 < s->errlen)
    snprintf(s->err + used, s->errlen - used, "%s%s", used ? "\n" : "", message);
  s->ok = false;
}

static const char *text(struct source *s, const char *name, const char *fallback) {
  const char *v = s->get(name, s->ctx);
  return v && *v ? v : fallback;
}

/* The content of path into *out (malloc'd, the caller's), without one trailing newline. */
static bool read_value_file(const char *path, char **out, char *why, size_t whylen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
    return false;
  }
  char *buf = malloc(CONFIG_FILE_MAX + 2);
  size_t n = buf ? fread(buf, 1, CONFIG_FILE_MAX + 1, f) : 0;
  bool failed = !buf || ferror(f);
  fclose(f);
  if (failed || n > CONFIG_FILE_MAX) {
    snprintf(why, whylen, failed ? "cannot read %s" : "%s is larger than %d bytes", path,
             CONFIG_FILE_MAX);
    free(buf);
    return false;
  }
  if (n > 0 && buf[n - 1] == '\n') n--;
  buf[n] = '\0';
  if (n == 0 || strlen(buf) != n || strpbrk(buf, "\r\n")) {
    snprintf(why, whylen, "%s is empty, or holds a NUL byte or more than one line", path);
    explicit_bzero(buf, n);
    free(buf);
    return false;
  }
  *out = buf;
  return true;
}

/* name's value, or the content of the file that name_FILE names (a secret mounted as a file):
 * one of the two, never both. A value read from a file is kept in c until config_free. */
static const char *text_or_file(struct config *c, struct source *s, const char *name,
                                const char *fallback) {
  char file_var[64], message[PATH_MAX + 160];
  snprintf(file_var, sizeof file_var, "%s_FILE", name);
  const char *v = text(s, name, NULL), *path = text(s, file_var, NULL);
  if (!path) return v ? v : fallback;
  if (v) {
    snprintf(message, sizeof message, "%s and %s are both set: set one of them", name, file_var);
    fail(s, message);
    return fallback;
  }
  char why[PATH_MAX + 64], *content = NULL;
  if (c->owned_count == CONFIG_OWNED_MAX || !read_value_file(path, &content, why, sizeof why)) {
    snprintf(message, sizeof message, "%s: %s", file_var, why);
    fail(s, message);
    return fallback;
  }
  c->owned[c->owned_count++] = content;
  return content;
}

static void missing(struct source *s, const char *name, const char *or_file) {
  char message[160];
  snprintf(message, sizeof message, "%s%s%s%s is required", name, or_file ? " (or " : "",
           or_file ? or_file : "", or_file ? ")" : "");
  fail(s, message);
}

static const char *required(struct source *s, const char *name) {
  const char *v = text(s, name, NULL);
  if (!v) missing(s, name, NULL);
  return v;
}

/* A required secret, which may come from name_FILE. */
static const char *required_secret(struct config *c, struct source *s, const char *name) {
  char file_var[64];
  snprintf(file_var, sizeof file_var, "%s_FILE", name);
  if (!text(s, name, NULL) && !text(s, file_var, NULL)) {
    missing(s, name, file_var);
    return NULL;
  }
  return text_or_file(c, s, name, NULL);
}

static long number(struct source *s, const char *name, long fallback, long min, long max) {
  const char *v = text(s, name, NULL);
  if (!v) return fallback;
  char *end;
  errno = 0;
  long n = strtol(v, &end, 10);
  if (errno || end == v || *end || n < min || n > max) {
    char message[128];
    snprintf(message, sizeof message, "%s must be a whole number from %ld to %ld", name, min, max);
    fail(s, message);
    return fallback;
  }
  return n;
}

/* prefix followed by exactly 32 hexadecimal digits, as Twilio SIDs are. */
static bool is_sid(const char *v, const char *prefix) {
  if (!v || strncmp(v, prefix, 2) != 0 || strlen(v) != 34) return false;
  for (const char *p = v + 2; *p; p++)
    if (!isxdigit((unsigned char)*p)) return false;
  return true;
}

/* auto: the engine that gets huge pages on this kernel (src/adapters/argon2id.h). */
static int hash_engine(struct source *s) {
  const char *v = text(s, "HASH_ENGINE", "auto");
  if (strcmp(v, "auto") == 0) return HASH_ENGINE_AUTO;
  if (strcmp(v, "libsodium") == 0) return HASH_ENGINE_LIBSODIUM;
  if (strcmp(v, "libargon2") == 0) return HASH_ENGINE_LIBARGON2;
  fail(s, "HASH_ENGINE must be auto, libsodium or libargon2");
  return HASH_ENGINE_AUTO;
}

static unsigned long log_level(struct source *s) {
  const char *v = text(s, "LOG_LEVEL", "info");
  if (strcmp(v, "error") == 0) return Y_LOG_LEVEL_ERROR;
  if (strcmp(v, "warning") == 0) return Y_LOG_LEVEL_WARNING;
  if (strcmp(v, "info") == 0) return Y_LOG_LEVEL_INFO;
  if (strcmp(v, "debug") == 0) return Y_LOG_LEVEL_DEBUG;
  fail(s, "LOG_LEVEL must be one of error, warning, info, debug");
  return Y_LOG_LEVEL_INFO;
}

/* Whether the authority at the start of rest ("host[:port]/...") is a loopback host:
 * localhost, 127.0.0.0/8 or [::1]. */
static bool is_loopback_url(const char *rest) {
  size_t len = strcspn(rest, "/?#");
  char host[64];
  if (len == 0 || len >= sizeof host) return false;
  memcpy(host, rest, len);
  host[len] = '\0';
  if (host[0] == '[') return strncmp(host, "[::1]", 5) == 0 && (host[5] == '\0' || host[5] == ':');
  char *colon = strchr(host, ':');
  if (colon) *colon = '\0';
  struct in_addr a;
  return strcmp(host, "localhost") == 0 ||
         (inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127);
}

static void load_twilio(struct config *c, struct source *s) {
  c->twilio_account_sid = required(s, "TWILIO_ACCOUNT_SID");
  c->twilio_auth_token = required_secret(c, s, "TWILIO_AUTH_TOKEN");
  c->twilio_service_sid = required(s, "TWILIO_VERIFY_SERVICE_SID");
  if (c->twilio_account_sid && !is_sid(c->twilio_account_sid, "AC") &&
      !is_sid(c->twilio_account_sid, "SK"))
    fail(s, "TWILIO_ACCOUNT_SID must be an account SID (AC...) or API key SID (SK...)");
  if (c->twilio_service_sid && !is_sid(c->twilio_service_sid, "VA"))
    fail(s, "TWILIO_VERIFY_SERVICE_SID must be 'VA' followed by 32 hexadecimal digits");
  c->twilio_base_url = text(s, "TWILIO_VERIFY_BASE_URL", "https://verify.twilio.com");
  /* Over http:// the auth token travels in clear: only to this machine, unless asked for. */
  bool insecure_ok = strcmp(text(s, "TWILIO_VERIFY_ALLOW_HTTP", "0"), "1") == 0;
  if (strncmp(c->twilio_base_url, "https://", 8) != 0 &&
      (strncmp(c->twilio_base_url, "http://", 7) != 0 ||
       (!is_loopback_url(c->twilio_base_url + 7) && !insecure_ok)))
    fail(s,
         "TWILIO_VERIFY_BASE_URL must start with https:// (http:// only to a loopback host such "
         "as the emulator's, or with TWILIO_VERIFY_ALLOW_HTTP=1 on a private network)");
  c->twilio_timeout_ms = number(s, "TWILIO_TIMEOUT_MS", 5000, 500, 30000);
}

/* https://host[:port][/path], or http:// to a loopback host: an absolute base URL without
 * userinfo, query or fragment, of printable ASCII that needs no escaping in JSON or a URL. */
static bool is_public_url(const char *v) {
  size_t len = strlen(v);
  size_t scheme = strncmp(v, "https://", 8) == 0 ? 8 : strncmp(v, "http://", 7) == 0 ? 7 : 0;
  if (!scheme || len > 200 || strcspn(v + scheme, "/") == 0) return false;
  for (const char *p = v; *p; p++)
    if (*p <= 0x20 || *p >= 0x7f || strchr("\"\\<>`{}|^?#@%", *p)) return false;
  return scheme == 8 || is_loopback_url(v + scheme);
}

static void load_public_url(struct config *c, struct source *s) {
  c->public_url = text(s, "PUBLIC_URL", NULL);
  if (c->public_url && !is_public_url(c->public_url))
    fail(s,
         "PUBLIC_URL must be the https:// URL clients reach verigate at, like "
         "https://auth.example.com (http:// only to a loopback host; no query, fragment or "
         "user)");
  if (!c->public_url && is_public_url(c->jwt_issuer)) c->public_url = c->jwt_issuer;
}

static void load_tokens(struct config *c, struct source *s) {
  c->jwt_private_key_file = text(s, "JWT_PRIVATE_KEY_FILE", NULL);
  c->jwt_keys_dir = text(s, "JWT_KEYS_DIR", NULL);
  if (c->jwt_private_key_file && c->jwt_keys_dir)
    fail(s, "JWT_PRIVATE_KEY_FILE and JWT_KEYS_DIR are both set: set one of them");
  const char *alg = text(s, "JWT_ALG", "RS256");
  if (strcmp(alg, "RS256") != 0 && strcmp(alg, "ES256") != 0)
    fail(s, "JWT_ALG must be RS256 or ES256");
  c->jwt_es256 = strcmp(alg, "ES256") == 0;
  c->jwt_issuer = text(s, "JWT_ISSUER", "verigate");
  c->jwt_audience = text(s, "JWT_AUDIENCE", "verigate");
  c->jwt_client_id = text(s, "JWT_CLIENT_ID", c->jwt_audience);
  load_public_url(c, s);
  /* An mfa_token must not outlive Twilio's 10-minute code. */
  c->mfa_token_ttl = (int)number(s, "MFA_TOKEN_TTL", 300, 30, 600);
  c->access_token_ttl = (int)number(s, "ACCESS_TOKEN_TTL", 900, 60, 86400);
  c->refresh_token_ttl = (int)number(s, "REFRESH_TOKEN_TTL", 2592000, 3600, 31536000);
  c->refresh_reuse_grace = (int)number(s, "REFRESH_REUSE_GRACE_SECONDS", 10, 0, 60);
}

/* "https://a.example, http://localhost:5173": scheme://host[:port], nothing after. */
static bool is_origin_list(const char *v) {
  while (*v) {
    while (*v == ' ' || *v == ',') v++;
    size_t n = strcspn(v, ", ");
    if (n == 0) break;
    size_t scheme = strncmp(v, "https://", 8) == 0 ? 8 : strncmp(v, "http://", 7) == 0 ? 7 : 0;
    if (!scheme || n == scheme || memchr(v + scheme, '/', n - scheme) || memchr(v, '*', n))
      return false;
    v += n;
  }
  return true;
}

/* "1,44,33": calling codes of one to three digits, first non-zero. */
static bool is_country_list(const char *v) {
  while (*v) {
    size_t len = strspn(v, "0123456789");
    if (len < 1 || len > 3 || v[0] == '0') return false;
    v += len;
    if (*v == ',')
      v++;
    else if (*v)
      return false;
  }
  return true;
}

/* "sms,call": channel names separated by commas, at least one; 0 when the list is not that. */
static unsigned channel_set(const char *v) {
  unsigned set = 0;
  while (*v) {
    char name[16];
    size_t len = strcspn(v, ",");
    enum vg_channel channel;
    if (len == 0 || len >= sizeof name) return 0;
    memcpy(name, v, len);
    name[len] = '\0';
    if (!vg_channel_from_name(name, &channel)) return 0;
    set |= VG_CHANNEL_BIT(channel);
    v += len;
    if (*v == ',' && *++v == '\0') return 0;
  }
  return set;
}

static void load_limits(struct config *c, struct source *s) {
  c->login_fails_per_account = (int)number(s, "LOGIN_FAILS_PER_ACCOUNT", 5, 0, 1000);
  c->login_lock_seconds = (int)number(s, "LOGIN_LOCK_SECONDS", 900, 1, 86400);
  c->login_fails_per_ip = (int)number(s, "LOGIN_FAILS_PER_IP", 50, 0, 100000);
  c->sms_per_phone_10min = (int)number(s, "SMS_PER_PHONE_10MIN", 5, 0, 1000);
  c->sms_per_prefix_hour = (int)number(s, "SMS_PER_PREFIX_HOUR", 20, 0, 100000);
  c->sms_per_phone_day = (int)number(s, "SMS_PER_PHONE_DAY", 10, 0, 10000);
  c->sms_per_ip_hour = (int)number(s, "SMS_PER_IP_HOUR", 20, 0, 100000);
  c->sms_max_per_hour = (int)number(s, "SMS_MAX_PER_HOUR", 1000, 0, 10000000);
  c->signups_per_ip_hour = (int)number(s, "SIGNUPS_PER_IP_HOUR", 10, 0, 100000);
  c->resets_per_ip_hour = (int)number(s, "RESETS_PER_IP_HOUR", 10, 0, 100000);
  c->resets_per_address_hour = (int)number(s, "RESETS_PER_ADDRESS_HOUR", 5, 0, 1000);
  c->sms_allowed_countries = text(s, "SMS_ALLOWED_COUNTRIES", "");
  if (!is_country_list(c->sms_allowed_countries))
    fail(s, "SMS_ALLOWED_COUNTRIES must be calling codes separated by commas, like 1,44,33");
  c->allowed_channels = channel_set(text(s, "ALLOWED_CHANNELS", "sms,call"));
  if (c->allowed_channels == 0)
    fail(s, "ALLOWED_CHANNELS must be one or more of sms, call, whatsapp, separated by commas");
}

/* Whether v is 32 bytes in standard base64 (padded or not), as `openssl rand -base64 32` writes. */
static bool is_key_32(const char *v) {
  unsigned char buf[40];
  size_t len = 0;
  bool ok = sodium_base642bin(buf, sizeof buf, v, strlen(v), NULL, &len, NULL,
                              sodium_base64_VARIANT_ORIGINAL) == 0 ||
            sodium_base642bin(buf, sizeof buf, v, strlen(v), NULL, &len, NULL,
                              sodium_base64_VARIANT_ORIGINAL_NO_PADDING) == 0;
  sodium_memzero(buf, sizeof buf);
  return ok && len == 32;
}

static void load_factors(struct config *c, struct source *s) {
  c->factor_key = text_or_file(c, s, "FACTOR_ENCRYPTION_KEY", NULL);
  if (c->factor_key && !is_key_32(c->factor_key))
    fail(s, "FACTOR_ENCRYPTION_KEY must be 32 random bytes in base64 (openssl rand -base64 32)");
  c->totp_issuer = text(s, "TOTP_ISSUER", "verigate");
  if (strlen(c->totp_issuer) > 64 || strchr(c->totp_issuer, ':'))
    fail(s, "TOTP_ISSUER must be at most 64 characters, without ':'");
}

bool config_load(struct config *c, const char *(*get)(const char *name, void *ctx), void *ctx,
                 char *err, size_t errlen) {
  struct source s = {.get = get, .ctx = ctx, .err = err, .errlen = errlen, .ok = true};
  memset(c, 0, sizeof *c);
  if (errlen > 0) err[0] = '\0';
  c->port = (unsigned)number(&s, "PORT", 8080, 1, 65535);
  c->bind_address = text(&s, "BIND_ADDRESS", "0.0.0.0");
  c->max_connections = (unsigned)number(&s, "MAX_CONNECTIONS", 1024, 16, 65536);
  c->max_connections_per_ip = (unsigned)number(&s, "MAX_CONNECTIONS_PER_IP", 128, 0, 65536);
  c->connection_timeout = (unsigned)number(&s, "CONNECTION_TIMEOUT", 30, 1, 3600);
  /* Below 128 KiB, libcurl + GnuTLS or libphonenumber may overflow it; a thread's stack costs only
   * the pages it touches, so the ceiling is generous. */
  c->thread_stack_kb = (unsigned)number(&s, "THREAD_STACK_KB", 256, 128, 16384);
  c->mongodb_uri = text_or_file(c, &s, "MONGODB_URI", "mongodb://127.0.0.1:27017/verigate");
  if (strncmp(c->mongodb_uri, "mongodb://", 10) != 0 &&
      strncmp(c->mongodb_uri, "mongodb+srv://", 14) != 0)
    fail(&s, "MONGODB_URI must start with mongodb:// or mongodb+srv://");
  c->redis_url = text_or_file(c, &s, "REDIS_URL", "redis://127.0.0.1:6379/0");
  c->redis_pool_size = (unsigned)number(&s, "REDIS_POOL_SIZE", 48, 1, 2048);
  load_twilio(c, &s);
  load_tokens(c, &s);
  c->resend_cooldown = (int)number(&s, "RESEND_COOLDOWN_SECONDS", 30, 0, 600);
  /* Twilio itself refuses a 6th send (60203) and a 6th check (60202). */
  c->max_sends = (int)number(&s, "MAX_SENDS_PER_LOGIN", 5, 1, 5);
  c->max_attempts = (int)number(&s, "MAX_CODE_ATTEMPTS", 5, 1, 5);
  /* Each Argon2id hash holds 64 MiB: concurrency bounds that memory, the queue bounds waiting.
   * By default one hash per CPU this process may use (its cgroup's quota, its affinity). */
  int cpus = cpu_quota_available();
  c->hash_concurrency = (int)number(&s, "HASH_CONCURRENCY", cpus < 64 ? cpus : 64, 1, 64);
  c->hash_queue = (int)number(&s, "HASH_QUEUE", 4L * c->hash_concurrency, 0, 1024);
  c->hash_engine = hash_engine(&s);
  c->hash_nice = (int)number(&s, "HASH_NICE", 10, 0, 19);
  c->trusted_proxies = text(&s, "TRUSTED_PROXIES", "");
  c->ipv6_limit_prefix = (int)number(&s, "IPV6_LIMIT_PREFIX", 64, 32, 128);
  c->cors_origins = text(&s, "CORS_ALLOWED_ORIGINS", "");
  if (!is_origin_list(c->cors_origins))
    fail(&s,
         "CORS_ALLOWED_ORIGINS must be exact origins like https://app.example.com, "
         "separated by commas (no '*', no path)");
  load_limits(c, &s);
  c->token_cache_size = (unsigned)number(&s, "TOKEN_CACHE_SIZE", 16384, 0, 1048576);
  c->user_cache_size = (unsigned)number(&s, "USER_CACHE_SIZE", 4096, 0, 262144);
  c->user_cache_ms = (int)number(&s, "USER_CACHE_MS", 1000, 0, 60000);
  c->log_level = log_level(&s);
  const char *log_format = text(&s, "LOG_FORMAT", "text");
  c->log_json = strcmp(log_format, "json") == 0;
  if (!c->log_json && strcmp(log_format, "text") != 0) fail(&s, "LOG_FORMAT must be text or json");
  c->shutdown_grace = (int)number(&s, "SHUTDOWN_GRACE_SECONDS", 20, 0, 3600);
  c->metrics_port = (unsigned)number(&s, "METRICS_PORT", 0, 0, 65535);
  if (c->metrics_port == c->port) fail(&s, "METRICS_PORT must differ from PORT (or be 0)");
  c->metrics_bind_address = text(&s, "METRICS_BIND_ADDRESS", c->bind_address);
  load_factors(c, &s);
  return s.ok;
}

void config_free(struct config *c) {
  for (size_t i = 0; i < c->owned_count; i++) {
    explicit_bzero(c->owned[i], strlen(c->owned[i])); /* a secret read from a file */
    free(c->owned[i]);
  }
  c->owned_count = 0;
}
