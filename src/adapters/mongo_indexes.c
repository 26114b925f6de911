/* mongo_indexes.c: see mongo_indexes.h. */
#include "adapters/mongo_indexes.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <yder.h>

#include "adapters/mongo_errors.h"

void mongo_username_key(const char *username, char out[MONGO_USERNAME_KEY_MAX]) {
  size_t i = 0;
  for (; username[i] && i < MONGO_USERNAME_KEY_MAX - 1; i++)
    out[i] = (char)tolower((unsigned char)username[i]);
  out[i] = '\0';
}

static vg_result create_indexes(mongoc_client_t *client, const char *db, const char *collection) {
  bson_error_t error;
  bson_t reply;
  vg_result res = VG_OK;
  /* clang-format off */
  bson_t *cmd = BCON_NEW("createIndexes", collection, "indexes", "[",
    "{", "key", "{", "email", BCON_INT32(1), "}", "name", "email_1", "unique", BCON_BOOL(true), "}",
    "{", "key", "{", "username", BCON_INT32(1), "}", "name", "username_1", "unique", BCON_BOOL(true),
    "}",
    "{", "key", "{", "phone", BCON_INT32(1), "}", "name", MONGO_PHONE_INDEX,
         "unique", BCON_BOOL(true),
         "partialFilterExpression", "{", "phone_verified", BCON_BOOL(true), "}",
    "}",
    "{", "key", "{", "username_key", BCON_INT32(1), "}", "name", "username_key_1",
         "unique", BCON_BOOL(true),
         "partialFilterExpression", "{", "username_key", "{", "$exists", BCON_BOOL(true), "}", "}",
    "}",
  "]");
  /* clang-format on */
  if (!mongoc_client_write_command_with_opts(client, db, cmd, NULL, &reply, &error)) {
    if (mongo_is_duplicate(&error, &reply)) { /* its message holds the value: not logged */
      static const char *names[] = {"a field", "email", "username", "phone"};
      enum vg_unique_field f = mongo_taken(&reply, error.message);
      y_log_message(Y_LOG_LEVEL_ERROR,
                    "mongodb: users holds two users with one %s, so its unique index cannot be "
                    "built",
                    names[(unsigned)f <= VG_UNIQUE_PHONE ? f : 0]);
      res = VG_ERR_INTERNAL;
    } else {
      res = mongo_error(&error, "createIndexes");
    }
  }
  bson_destroy(&reply);
  bson_destroy(cmd);
  return res;
}

#define MONGO_COMMAND_NOT_FOUND 59

/* Whether the index spec is the full unique phone_1 of before phone ownership: unique, on phone,
 * with no partialFilterExpression. */
static bool is_old_phone_index(const bson_t *spec) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, spec, "name") || !BSON_ITER_HOLDS_UTF8(&it) ||
      strcmp(bson_iter_utf8(&it, NULL), MONGO_OLD_PHONE_INDEX) != 0)
    return false;
  if (!bson_iter_init_find(&it, spec, "unique") || !bson_iter_as_bool(&it)) return false;
  return !bson_iter_init_find(&it, spec, "partialFilterExpression");
}

/* Drops the old phone_1 (unique over every number, verified or not) once phone_verified_1 is in
 * place, so that uniqueness holds throughout. Idempotent: nothing to do when it is gone. A server
 * that has no dropIndexes keeps it, and says so at every start. */
static vg_result drop_old_phone_index(mongoc_client_t *client, const char *db,
                                      const char *collection) {
  mongoc_collection_t *coll = mongoc_client_get_collection(client, db, collection);
  mongoc_cursor_t *cursor = mongoc_collection_find_indexes_with_opts(coll, NULL);
  const bson_t *spec;
  bool old = false;
  while (!old && mongoc_cursor_next(cursor, &spec)) old = is_old_phone_index(spec);
  bson_error_t error;
  vg_result res = VG_OK;
  if (mongoc_cursor_error(cursor, &error)) res = mongo_error(&error, "listIndexes");
  mongoc_cursor_destroy(cursor);
  if (res == VG_OK && old) {
    if (mongoc_collection_drop_index_with_opts(coll, MONGO_OLD_PHONE_INDEX, NULL, &error))
      y_log_message(Y_LOG_LEVEL_INFO, "mongodb: dropped the index " MONGO_OLD_PHONE_INDEX
                                      " (a phone unique among all numbers): " MONGO_PHONE_INDEX
                                      " keeps it unique among verified numbers");
    else if (error.domain == MONGOC_ERROR_SERVER && error.code == MONGO_COMMAND_NOT_FOUND)
      /* A server without dropIndexes (the MongoDB-compatible server of the tests): the old index
       * only refuses more, so verigate runs, as before, until an operator drops it. */
      y_log_message(
          Y_LOG_LEVEL_ERROR,
          "mongodb: the server cannot drop the index " MONGO_OLD_PHONE_INDEX
          " (no dropIndexes): until it is dropped (db.users.dropIndex(\"" MONGO_OLD_PHONE_INDEX
          "\")), a number stays unique among all users, verified or not");
    else
      res = mongo_error(&error, "dropIndexes " MONGO_OLD_PHONE_INDEX);
  }
  mongoc_collection_destroy(coll);
  return res;
}

/* Sets the username_key of one user that has none; a duplicate is counted in *clashes. */
static vg_result give_key(mongoc_collection_t *coll, const bson_t *user, int *given, int *clashes) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, user, "username") || !BSON_ITER_HOLDS_UTF8(&it)) return VG_OK;
  char key[MONGO_USERNAME_KEY_MAX];
  mongo_username_key(bson_iter_utf8(&it, NULL), key);
  bson_iter_t id;
  if (!bson_iter_init_find(&id, user, "_id")) return VG_OK;
  bson_t filter = BSON_INITIALIZER;
  bson_append_iter(&filter, "_id", -1, &id);
  bson_t *update = BCON_NEW("$set", "{", "username_key", BCON_UTF8(key), "}");
  bson_t reply;
  bson_error_t error;
  vg_result res = VG_OK;
  if (mongoc_collection_update_one(coll, &filter, update, NULL, &reply, &error))
    (*given)++;
  else if (mongo_is_duplicate(&error, &reply))
    (*clashes)++;
  else
    res = mongo_error(&error, "update username_key");
  bson_destroy(&reply);
  bson_destroy(update);
  bson_destroy(&filter);
  return res;
}

/* Users from before username_key: one pass over those without it (none after the first start). */
static vg_result backfill_username_keys(mongoc_client_t *client, const char *db,
                                        const char *collection) {
  mongoc_collection_t *coll = mongoc_client_get_collection(client, db, collection);
  bson_t *filter = BCON_NEW("username_key", "{", "$exists", BCON_BOOL(false), "}");
  bson_t *opts = BCON_NEW("projection", "{", "username", BCON_INT32(1), "}");
  mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(coll, filter, opts, NULL);
  const bson_t *user;
  int given = 0, clashes = 0;
  vg_result res = VG_OK;
  while (res == VG_OK && mongoc_cursor_next(cursor, &user))
    res = give_key(coll, user, &given, &clashes);
  bson_error_t error;
  if (res == VG_OK && mongoc_cursor_error(cursor, &error)) res = mongo_error(&error, "find");
  mongoc_cursor_destroy(cursor);
  bson_destroy(opts);
  bson_destroy(filter);
  mongoc_collection_destroy(coll);
  if (given > 0) y_log_message(Y_LOG_LEVEL_INFO, "mongodb: %d users given a username_key", given);
  if (clashes > 0)
    y_log_message(Y_LOG_LEVEL_ERROR,
                  "mongodb: %d users have a username that differs only in case from another "
                  "user's: until they are renamed, only exact duplicates of theirs are refused",
                  clashes);
  return res;
}

vg_result mongo_users_ensure_indexes(mongoc_client_pool_t *pool, const char *db,
                                     const char *collection) {
  mongoc_client_t *client = mongoc_client_pool_pop(pool);
  vg_result res = create_indexes(client, db, collection);
  if (res == VG_OK) res = drop_old_phone_index(client, db, collection);
  if (res == VG_OK) res = backfill_username_keys(client, db, collection);
  mongoc_client_pool_push(pool, client);
  return res;
}
