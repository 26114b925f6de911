/* mongo_indexes.h: the unique indexes of the users collection, which decide every "already
 * exists" (duplicate key 11000; no check-then-insert): email_1, username_1, phone_verified_1 (on
 * phone, partial: among documents with phone_verified true, so a number belongs to the account
 * that verified it first and registering one proves nothing), and
 * username_key_1 on username_key, the username in lower case, so that "Ann" and "ann" are one
 * username while each user keeps the case it chose. (A case-insensitive collation index would do
 * the same on MongoDB, but the MongoDB-compatible server of the tests takes ~150 ms per write
 * with one on a collection of 256 users.) */
#ifndef VG_MONGO_INDEXES_H
#define VG_MONGO_INDEXES_H

#include <stddef.h>

#include <mongoc/mongoc.h>

#include "ports/user_store.h"

#define MONGO_USERNAME_KEY_MAX 64
#define MONGO_PHONE_INDEX "phone_verified_1"
#define MONGO_OLD_PHONE_INDEX "phone_1" /* unique over all numbers: dropped at start */

/* username in lower case (usernames are ASCII by validation) into out. */
void mongo_username_key(const char *username, char out[MONGO_USERNAME_KEY_MAX]);

/* Creates the indexes if missing, drops the old phone_1 (see MONGO_OLD_PHONE_INDEX) when it is
 * there, then gives a username_key to every user without one (users
 * from before it existed). username_key_1 is partial (only documents holding the field), so a
 * database that holds two usernames differing only in case still starts: the second of each pair
 * stays without a key and is logged as a count, never by name, and until it is renamed only
 * exact duplicates of it are refused. VG_ERR_UNAVAILABLE when the server does not answer,
 * VG_ERR_INTERNAL when it refuses (two users with one email, say: logged without the value). */
vg_result mongo_users_ensure_indexes(mongoc_client_pool_t *pool, const char *db,
                                     const char *collection);

#endif
