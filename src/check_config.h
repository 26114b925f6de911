/* check_config.h: `verigate --check-config`: with a configuration that loaded, reaches MongoDB
 * (ping), Redis (AUTH/SELECT as the URL says, PING), Twilio's Verify service (a fetch of the
 * service resource) and reads the signing keys, printing one line per check on stdout:
 * "ok mongodb" or "error redis: <why>" (never a secret). */
#ifndef VG_CHECK_CONFIG_H
#define VG_CHECK_CONFIG_H

#include "config.h"

/* 0 when every check passed, else 1. */
int check_config_run(const struct config *cfg);

#endif
