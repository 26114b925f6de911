/* config.h: verigate's settings, all from environment variables (README has the table). */
#ifndef VG_CONFIG_H
#define VG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* The largest value a *_FILE variable's file may hold. */
#define CONFIG_FILE_MAX 8192
#define CONFIG_OWNED_MAX 8

struct config {
  unsigned port;
  const char *bind_address;
  unsigned max_connections;        /* each open connection has a thread of its own */
  unsigned max_connections_per_ip; /* 0: no per-IP limit */
  unsigned connection_timeout;     /* seconds a client may stay silent */
  unsigned thread_stack_kb;        /* stack of each connection's thread */
  int hash_nice;                   /* nice value of the Argon2id threads */
  const char *mongodb_uri;
  const char *redis_url;
  unsigned redis_pool_size;
  const char *twilio_account_sid;
  const char *twilio_auth_token;
  const char *twilio_service_sid;
  const char *twilio_base_url;
  long twilio_timeout_ms;
  const char *jwt_private_key_file; /* NULL: an ephemeral key is generated */
  const char *jwt_keys_dir;         /* NULL: one key (above); else every *.pem in it */
  bool jwt_es256;                   /* false: RS256 */
  const char *jwt_issuer;
  const char *jwt_audience;
  const char *jwt_client_id; /* the access token's client_id (RFC 9068); default the audience */
  /* PUBLIC_URL: the base of the absolute URLs the discovery document gives (jwks_uri, the
   * endpoints), never the client's Host header; default JWT_ISSUER when that is such a URL.
   * NULL: no discovery document. */
  const char *public_url;
  int mfa_token_ttl;
  int access_token_ttl;
  int refresh_token_ttl;
  int refresh_reuse_grace; /* seconds a spent refresh token still gets its successor; 0 = none */
  int resend_cooldown;
  int max_sends;
  int max_attempts;
  enum { HASH_ENGINE_AUTO, HASH_ENGINE_LIBSODIUM, HASH_ENGINE_LIBARGON2 } hash_engine;
  int hash_concurrency;        /* Argon2id hashes at once */
  int hash_queue;              /* hashes waiting for a slot; beyond, 503 */
  const char *trusted_proxies; /* CIDR list; "" trusts no X-Forwarded-For */
  int ipv6_limit_prefix;       /* per-IP limits count an IPv6 client by this network */
  const char *cors_origins;    /* exact origins, comma-separated; "" allows no browser origin */
  /* Abuse limits (0 turns one off); README's Security model explains each. */
  int login_fails_per_account, login_lock_seconds, login_fails_per_ip;
  int sms_per_phone_10min, sms_per_phone_day, sms_per_ip_hour, sms_per_prefix_hour,
      sms_max_per_hour;
  int signups_per_ip_hour;
  /* /password/forgot */
  int resets_per_ip_hour, resets_per_address_hour;
  const char *sms_allowed_countries; /* "1,44,33"; "" allows all */
  unsigned allowed_channels;         /* ALLOWED_CHANNELS as a VG_CHANNEL_BIT set, never empty */
  /* In-process caches (0 turns one off); README's Architecture says what they keep. */
  unsigned token_cache_size;     /* verified tokens */
  unsigned user_cache_size;      /* users read by id */
  int user_cache_ms;             /* how long a user read by id is kept */
  unsigned long log_level;       /* a yder Y_LOG_LEVEL_* */
  bool log_json;                 /* LOG_FORMAT=json: one JSON object per line (log.h) */
  int shutdown_grace;            /* seconds requests in flight get to finish after SIGTERM/SIGINT */
  char *owned[CONFIG_OWNED_MAX]; /* values read from *_FILE files; config_free wipes them */
  size_t owned_count;
  unsigned metrics_port;            /* 0: GET /metrics on the main port; else only on this one */
  const char *metrics_bind_address; /* where metrics_port listens; default bind_address */
  /* FACTOR_ENCRYPTION_KEY (or _FILE): 32 bytes in base64 that seal TOTP secrets and key the
   * recovery-code hashes; NULL turns TOTP off. TOTP_ISSUER: the otpauth URI's issuer. */
  const char *factor_key;
  const char *totp_issuer;
};

/* Reads every setting through get (getenv in production), and the files TWILIO_AUTH_TOKEN_FILE,
 * REDIS_URL_FILE and MONGODB_URI_FILE name (each instead of its variable, never with it). Returns
 * false with every problem in err, one line per variable, each naming it (never a value read
 * from a file). The strings stay owned by get's source, or by c for those read from files:
 * config_free releases them, also after a failed load. */
bool config_load(struct config *c, const char *(*get)(const char *name, void *ctx), void *ctx,
                 char *err, size_t errlen);
void config_free(struct config *c);

#endif
