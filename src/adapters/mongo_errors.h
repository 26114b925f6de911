/* mongo_errors.h: what a libmongoc error means for the user store. */
#ifndef VG_MONGO_ERRORS_H
#define VG_MONGO_ERRORS_H

#include <stdbool.h>

#include <mongoc/mongoc.h>

#include "ports/user_store.h"

/* Maps a driver error to a result and logs it: VG_ERR_UNAVAILABLE for "not now" (no server,
 * network, failover), VG_ERR_INTERNAL otherwise. Not for duplicate keys: their message holds the
 * duplicated value, which is personal data. */
vg_result mongo_error(const bson_error_t *e, const char *op);

/* Whether the error (or the reply's first write error) is a duplicate key (11000). */
bool mongo_is_duplicate(const bson_error_t *e, const bson_t *reply);

/* Which unique field a duplicate-key error is about, from the reply's keyPattern (real MongoDB)
 * or else from the index named in the message. */
enum vg_unique_field mongo_taken(const bson_t *reply, const char *message);

#endif
