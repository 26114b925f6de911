/* bench_jwt.h: verigate's own token service, built the way src/app.c builds it, for the benchmark
 * tools that mint or verify tokens in-process. */
#ifndef VG_BENCH_JWT_H
#define VG_BENCH_JWT_H

#include "adapters/jwt_tokens.h"

/* Loads the PEM key at key_file and reads JWT_ALG, JWT_ISSUER, JWT_AUDIENCE and ACCESS_TOKEN_TTL
 * from the environment with verigate's defaults, so tokens match what verigate accepts. NULL with
 * a message on stderr on failure. */
struct jwt_tokens *bench_jwt_open(const char *key_file);

#endif
