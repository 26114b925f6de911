/* config: verify-emulator's settings, from the command line and the environment (CLI wins). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"

/* Fixed, obviously fake development values, used when nothing else is given. */
#define EMU_DEFAULT_ACCOUNT_SID "AC00000000000000000000000000000000"
#define EMU_DEFAULT_AUTH_TOKEN "verify-emulator-dev-token"
#define EMU_DEFAULT_SERVICE_SID "VA00000000000000000000000000000000"

const char emu_config_usage[] =
    "usage: verify-emulator --port N [--bind ADDRESS] [--account-sid AC...] [--auth-token TOKEN]\n"
    "                       [--service-sid VA...] [--code-ttl SECONDS] [--code-length N]\n"
    "environment (the command line wins): VERIFY_EMULATOR_PORT, TWILIO_ACCOUNT_SID,\n"
    "  TWILIO_AUTH_TOKEN, TWILIO_VERIFY_SERVICE_SID, VERIFY_EMULATOR_CODE_TTL\n"
    "defaults: --bind 127.0.0.1, --code-ttl 600, --code-length 6, fixed development credentials\n";

/* The raw text of each setting, from the environment first and then overridden by argv. */
struct raw_settings {
  const char *port;
  const char *bind;
  const char *account_sid;
  const char *auth_token;
  const char *service_sid;
  const char *code_ttl;
  const char *code_length;
};

static bool parse_long(const char *text, long min, long max, long *out) {
  char *end;
  long value;

  if (text == NULL || *text == '\0') return false;
  errno = 0;
  value = strtol(text, &end, 10);
  if (errno != 0 || *end != '\0' || value < min || value > max) return false;
  *out = value;
  return true;
}

static bool valid_bind_address(const char *text) {
  unsigned char buf[sizeof(struct in6_addr)];

  return inet_pton(AF_INET, text, buf) == 1 || inet_pton(AF_INET6, text, buf) == 1;
}

static enum emu_config_result read_argv(struct raw_settings *raw, int argc, char **argv, char *err,
                                        size_t err_len) {
  /* Every valued option returns 0 from getopt_long; its index picks the setting it fills. */
  static const struct option options[] = {{"port", required_argument, NULL, 0},
                                          {"bind", required_argument, NULL, 0},
                                          {"account-sid", required_argument, NULL, 0},
                                          {"auth-token", required_argument, NULL, 0},
                                          {"service-sid", required_argument, NULL, 0},
                                          {"code-ttl", required_argument, NULL, 0},
                                          {"code-length", required_argument, NULL, 0},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
  const char **settings[] = {&raw->port,        &raw->bind,     &raw->account_sid, &raw->auth_token,
                             &raw->service_sid, &raw->code_ttl, &raw->code_length};
  int index = 0;
  int opt;

  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":h", options, &index)) != -1) {
    if (opt == 0) {
      *settings[index] = optarg;
    } else if (opt == 'h') {
      return EMU_CONFIG_HELP;
    } else {
      snprintf(err, err_len, "%s %s", argv[optind - 1],
               opt == ':' ? "needs a value" : "is not a known argument");
      return EMU_CONFIG_INVALID;
    }
  }
  if (optind < argc) {
    snprintf(err, err_len, "unexpected argument %s", argv[optind]);
    return EMU_CONFIG_INVALID;
  }
  return EMU_CONFIG_OK;
}

static enum emu_config_result invalid(char *err, size_t err_len, const char *what) {
  snprintf(err, err_len, "%s", what);
  return EMU_CONFIG_INVALID;
}

enum emu_config_result emu_config_load(struct emu_config *config, int argc, char **argv, char *err,
                                       size_t err_len) {
  struct raw_settings raw = {
      .port = getenv("VERIFY_EMULATOR_PORT"),
      .account_sid = getenv("TWILIO_ACCOUNT_SID"),
      .auth_token = getenv("TWILIO_AUTH_TOKEN"),
      .service_sid = getenv("TWILIO_VERIFY_SERVICE_SID"),
      .code_ttl = getenv("VERIFY_EMULATOR_CODE_TTL"),
  };
  enum emu_config_result result = read_argv(&raw, argc, argv, err, err_len);
  long number;

  if (result != EMU_CONFIG_OK) return result;
  memset(config, 0, sizeof *config);
  if (raw.port == NULL)
    return invalid(err, err_len, "--port (or VERIFY_EMULATOR_PORT) is required");
  if (!parse_long(raw.port, 1, 65535, &number))
    return invalid(err, err_len, "--port must be a number from 1 to 65535");
  config->port = (unsigned int)number;
  if (raw.bind == NULL) raw.bind = "127.0.0.1";
  if (strlen(raw.bind) >= sizeof config->bind || !valid_bind_address(raw.bind))
    return invalid(err, err_len, "--bind must be a numeric IPv4 or IPv6 address");
  snprintf(config->bind, sizeof config->bind, "%s", raw.bind);
  if (raw.account_sid == NULL) raw.account_sid = EMU_DEFAULT_ACCOUNT_SID;
  if (!emu_valid_sid(raw.account_sid, "AC"))
    return invalid(err, err_len, "--account-sid must be AC followed by 32 hex digits");
  snprintf(config->account_sid, sizeof config->account_sid, "%s", raw.account_sid);
  config->default_auth_token = raw.auth_token == NULL;
  if (raw.auth_token == NULL) raw.auth_token = EMU_DEFAULT_AUTH_TOKEN;
  if (*raw.auth_token == '\0' || strlen(raw.auth_token) > EMU_TOKEN_MAX ||
      strchr(raw.auth_token, ':'))
    return invalid(err, err_len, "--auth-token must be 1-128 characters without ':'");
  snprintf(config->auth_token, sizeof config->auth_token, "%s", raw.auth_token);
  if (raw.service_sid == NULL) raw.service_sid = EMU_DEFAULT_SERVICE_SID;
  if (!emu_valid_sid(raw.service_sid, "VA"))
    return invalid(err, err_len, "--service-sid must be VA followed by 32 hex digits");
  snprintf(config->service_sid, sizeof config->service_sid, "%s", raw.service_sid);
  if (!parse_long(raw.code_ttl != NULL ? raw.code_ttl : "600", 1, 86400, &config->code_ttl))
    return invalid(err, err_len, "--code-ttl must be a number of seconds from 1 to 86400");
  if (!parse_long(raw.code_length != NULL ? raw.code_length : "6", 4, 10, &number))
    return invalid(err, err_len, "--code-length must be from 4 to 10");
  config->code_length = (int)number;
  return EMU_CONFIG_OK;
}
