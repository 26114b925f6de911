/* config: verify-emulator's settings, from the command line and the environment (CLI wins). */
#ifndef EMU_CONFIG_H
#define EMU_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "ids.h"

#define EMU_TOKEN_MAX 128
#define EMU_BIND_MAX 64

struct emu_config {
  unsigned int port;
  char bind[EMU_BIND_MAX];
  char account_sid[EMU_SID_LEN + 1];
  char auth_token[EMU_TOKEN_MAX + 1];
  char service_sid[EMU_SID_LEN + 1];
  long code_ttl;
  int code_length;
  bool default_auth_token; /* the fixed development token, safe to print */
};

enum emu_config_result { EMU_CONFIG_OK, EMU_CONFIG_HELP, EMU_CONFIG_INVALID };

/* The text printed for --help and after an invalid argument. */
extern const char emu_config_usage[];

/* Fills *config from argv, then the environment for what argv left unset. EMU_CONFIG_INVALID
 * leaves a one-line reason in err. */
enum emu_config_result emu_config_load(struct emu_config *config, int argc, char **argv, char *err,
                                       size_t err_len);

#endif
