/* mongo_user_store.h: the user_store port on MongoDB (libmongoc), collection "users" of the
 * URI's database ("verigate" when the URI names none). Thread-safe: one client pool, and every
 * call pops a client and pushes it back. mongoc_init()/mongoc_cleanup() are the caller's. */
#ifndef VG_MONGO_USER_STORE_H
#define VG_MONGO_USER_STORE_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#include <bson/bson.h>

#include "ports/user_store.h"

struct mongo_user_store;

/* Parses uri, adds short timeouts it does not set itself (server selection 2 s, connect 2 s,
 * socket 5 s) and builds the pool; MongoDB need not be up yet. NULL + message on failure. */
struct mongo_user_store *mongo_user_store_create(const char *uri, char *err, size_t errlen);
/* Creates the unique indexes if missing and gives older users their username_key
 * (mongo_indexes.h). VG_ERR_UNAVAILABLE when the server does not answer, VG_ERR_INTERNAL when it
 * refuses (logged). */
vg_result mongo_user_store_ensure_indexes(struct mongo_user_store *s);
/* No call may be running. */
void mongo_user_store_destroy(struct mongo_user_store *s);
/* Milliseconds one operation may take at most: server selection plus the socket timeout. */
int64_t mongo_user_store_worst_ms(const struct mongo_user_store *s);
/* The client pool and database name, for the adapters of other ports on the same collection
 * (mongo_factor_store.h); valid while s lives. */
typedef struct _mongoc_client_pool_t mongoc_client_pool_t;
mongoc_client_pool_t *mongo_user_store_pool(struct mongo_user_store *s);
/* A user id (24 hex digits) as an ObjectId; false for anything else, which names no user. */
bool mongo_user_store_parse_id(const char *id, bson_oid_t *oid);
/* Now, as the documents' dates are written: milliseconds since the Unix epoch. */
int64_t mongo_user_store_now_ms(void);
const char *mongo_user_store_db(const struct mongo_user_store *s);
/* The port; valid while s lives. */
struct user_store mongo_user_store_port(struct mongo_user_store *s);

#endif
