/* cached_tokens.h: a token_service decorator that remembers tokens which verified, so a repeated
 * token (an access token on every /dashboard) skips the signature check. Only successful
 * verifications are kept, keyed by the BLAKE2b-256 of the whole token, until the token's exp; a
 * refusal is never kept, so garbage cannot evict good entries. issue() and jwks() go straight
 * to the inner service. Revocation is core's, checked after verify on every request. */
#ifndef VG_CACHED_TOKENS_H
#define VG_CACHED_TOKENS_H

#include <stddef.h>

#include "ports/clock.h"
#include "ports/token_service.h"

struct cached_tokens;

/* Keeps up to capacity verified tokens (ttl_cache.h rounds it up); clock gives the wall-clock
 * seconds exp is compared with. inner must outlive the decorator. sodium_init() must have
 * succeeded. NULL on allocation failure. */
struct cached_tokens *cached_tokens_create(struct token_service inner, struct clock_port clock,
                                           size_t capacity);
/* No call may be running; inner is left alone. NULL is ignored. */
void cached_tokens_destroy(struct cached_tokens *t);
/* The port; valid while t lives. Thread-safe if inner is. */
struct token_service cached_tokens_port(struct cached_tokens *t);

#endif
