/* mongo_factor_store.c: the factors in the user's own document. Each change is one update whose
 * filter states what must still hold (no confirmed TOTP; this unconfirmed box; this recovery
 * hash present), so concurrent requests never both win: of two spends of one recovery code,
 * exactly one matches. The recovery codes are a sub-document whose field names are the hashes
 * (`recovery_codes: {<hash>: true, ...}`) rather than an array, so that one is spent with $unset
 * of its own field: jongodb, the MongoDB-compatible test server, has no $pull. */
#include "adapters/mongo_factor_store.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <mongoc/mongoc.h>

#include "adapters/mongo_errors.h"

#define MONGO_COLLECTION "users"

/* One update_one; *matched whether the filter matched a document. */
static vg_result update(struct mongo_user_store *users, const bson_t *filter, const bson_t *change,
                        bool *matched) {
  bson_t reply;
  bson_error_t error;
  bson_iter_t it;
  vg_result r = VG_OK;
  mongoc_client_pool_t *pool = mongo_user_store_pool(users);
  mongoc_client_t *client = mongoc_client_pool_pop(pool);
  mongoc_collection_t *coll =
      mongoc_client_get_collection(client, mongo_user_store_db(users), MONGO_COLLECTION);
  if (!mongoc_collection_update_one(coll, filter, change, NULL, &reply, &error))
    r = mongo_error(&error, "update");
  else
    *matched = bson_iter_init_find(&it, &reply, "matchedCount") && BSON_ITER_HOLDS_NUMBER(&it) &&
               bson_iter_as_int64(&it) > 0;
  bson_destroy(&reply);
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(pool, client);
  return r;
}

static void read_factors(const bson_t *doc, struct vg_factors *out) {
  bson_iter_t it, child;
  uint32_t len = 0;
  if (bson_iter_init(&it, doc) && bson_iter_find_descendant(&it, "totp.box", &child) &&
      BSON_ITER_HOLDS_UTF8(&child)) {
    const char *box = bson_iter_utf8(&child, &len);
    if (len < sizeof out->box) {
      memcpy(out->box, box, len + 1);
      out->totp = true;
    }
  }
  if (bson_iter_init(&it, doc) && bson_iter_find_descendant(&it, "totp.confirmed", &child) &&
      BSON_ITER_HOLDS_BOOL(&child))
    out->totp_confirmed = out->totp && bson_iter_bool(&child);
  if (bson_iter_init_find(&it, doc, "recovery_codes") && BSON_ITER_HOLDS_DOCUMENT(&it) &&
      bson_iter_recurse(&it, &child))
    while (bson_iter_next(&child)) out->recovery_left++;
}

static vg_result get(void *self, const char *user_id, struct vg_factors *out) {
  struct mongo_user_store *users = self;
  bson_oid_t oid;
  memset(out, 0, sizeof *out);
  if (!mongo_user_store_parse_id(user_id, &oid)) return VG_ERR_NOT_FOUND;
  bson_t *filter = BCON_NEW("_id", BCON_OID(&oid));
  bson_t *opts = BCON_NEW("limit", BCON_INT64(1), "projection", "{", "totp", BCON_INT32(1),
                          "recovery_codes", BCON_INT32(1), "}");
  const bson_t *doc;
  bson_error_t error;
  vg_result r = VG_ERR_NOT_FOUND;
  mongoc_client_pool_t *pool = mongo_user_store_pool(users);
  mongoc_client_t *client = mongoc_client_pool_pop(pool);
  mongoc_collection_t *coll =
      mongoc_client_get_collection(client, mongo_user_store_db(users), MONGO_COLLECTION);
  mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(coll, filter, opts, NULL);
  if (mongoc_cursor_next(cursor, &doc)) {
    read_factors(doc, out);
    r = VG_OK;
  } else if (mongoc_cursor_error(cursor, &error)) {
    r = mongo_error(&error, "find");
  }
  mongoc_cursor_destroy(cursor);
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(pool, client);
  bson_destroy(opts);
  bson_destroy(filter);
  return r;
}

static vg_result put_totp(void *self, const char *user_id, const char *box, int64_t now) {
  bson_oid_t oid;
  bool matched = false;
  if (!mongo_user_store_parse_id(user_id, &oid)) return VG_ERR_NOT_FOUND;
  bson_t *filter =
      BCON_NEW("_id", BCON_OID(&oid), "totp.confirmed", "{", "$ne", BCON_BOOL(true), "}");
  bson_t *change = BCON_NEW("$set", "{", "totp", "{", "box", BCON_UTF8(box), "confirmed",
                            BCON_BOOL(false), "created_at", BCON_DATE_TIME(now), "}", "updated_at",
                            BCON_DATE_TIME(mongo_user_store_now_ms()), "}");
  vg_result r = update(self, filter, change, &matched);
  bson_destroy(change);
  bson_destroy(filter);
  return r == VG_OK && !matched ? VG_ERR_FACTOR_ENROLLED : r;
}

static void append_hashes(bson_t *doc, const char *key,
                          char hashes[VG_RECOVERY_COUNT][VG_RECOVERY_HASH_MAX]) {
  bson_t set;
  BSON_APPEND_DOCUMENT_BEGIN(doc, key, &set);
  for (int i = 0; i < VG_RECOVERY_COUNT; i++) bson_append_bool(&set, hashes[i], -1, true);
  bson_append_document_end(doc, &set);
}

static vg_result confirm_totp(void *self, const char *user_id, const char *box,
                              char hashes[VG_RECOVERY_COUNT][VG_RECOVERY_HASH_MAX]) {
  bson_oid_t oid;
  bool matched = false;
  if (!mongo_user_store_parse_id(user_id, &oid)) return VG_ERR_NOT_FOUND;
  bson_t *filter = BCON_NEW("_id", BCON_OID(&oid), "totp.box", BCON_UTF8(box), "totp.confirmed",
                            BCON_BOOL(false));
  bson_t change = BSON_INITIALIZER, set;
  BSON_APPEND_DOCUMENT_BEGIN(&change, "$set", &set);
  BSON_APPEND_BOOL(&set, "totp.confirmed", true);
  BSON_APPEND_DATE_TIME(&set, "updated_at", mongo_user_store_now_ms());
  append_hashes(&set, "recovery_codes", hashes);
  bson_append_document_end(&change, &set);
  vg_result r = update(self, filter, &change, &matched);
  bson_destroy(&change);
  bson_destroy(filter);
  return r == VG_OK && !matched ? VG_ERR_NOT_FOUND : r;
}

static vg_result delete_totp(void *self, const char *user_id) {
  bson_oid_t oid;
  bool matched = false;
  if (!mongo_user_store_parse_id(user_id, &oid)) return VG_ERR_NOT_FOUND;
  bson_t *filter = BCON_NEW("_id", BCON_OID(&oid), "totp", "{", "$exists", BCON_BOOL(true), "}");
  bson_t *change = BCON_NEW("$unset", "{", "totp", BCON_UTF8(""), "}", "$set", "{", "updated_at",
                            BCON_DATE_TIME(mongo_user_store_now_ms()), "}");
  vg_result r = update(self, filter, change, &matched);
  bson_destroy(change);
  bson_destroy(filter);
  return r == VG_OK && !matched ? VG_ERR_NOT_FOUND : r;
}

static vg_result set_recovery(void *self, const char *user_id,
                              char hashes[VG_RECOVERY_COUNT][VG_RECOVERY_HASH_MAX]) {
  bson_oid_t oid;
  bool matched = false;
  if (!mongo_user_store_parse_id(user_id, &oid)) return VG_ERR_NOT_FOUND;
  bson_t *filter = BCON_NEW("_id", BCON_OID(&oid));
  bson_t change = BSON_INITIALIZER, set;
  BSON_APPEND_DOCUMENT_BEGIN(&change, "$set", &set);
  BSON_APPEND_DATE_TIME(&set, "updated_at", mongo_user_store_now_ms());
  append_hashes(&set, "recovery_codes", hashes);
  bson_append_document_end(&change, &set);
  vg_result r = update(self, filter, &change, &matched);
  bson_destroy(&change);
  bson_destroy(filter);
  return r == VG_OK && !matched ? VG_ERR_NOT_FOUND : r;
}

static vg_result spend_recovery(void *self, const char *user_id, const char *hash, int *left) {
  bson_oid_t oid;
  bool matched = false;
  *left = 0;
  if (!mongo_user_store_parse_id(user_id, &oid)) return VG_ERR_NOT_FOUND;
  char field[32 + VG_RECOVERY_HASH_MAX];
  if (strspn(hash, "0123456789abcdef") != VG_RECOVERY_HASH_MAX - 1) return VG_ERR_NOT_FOUND;
  snprintf(field, sizeof field, "recovery_codes.%s", hash);
  bson_t *filter = BCON_NEW("_id", BCON_OID(&oid), field, "{", "$exists", BCON_BOOL(true), "}");
  bson_t *change = BCON_NEW("$unset", "{", field, BCON_UTF8(""), "}", "$set", "{", "updated_at",
                            BCON_DATE_TIME(mongo_user_store_now_ms()), "}");
  vg_result r = update(self, filter, change, &matched);
  bson_destroy(change);
  bson_destroy(filter);
  if (r != VG_OK) return r;
  if (!matched) return VG_ERR_NOT_FOUND;
  /* The code is spent; how many remain is for the answer only, so a failed read just says 0. */
  struct vg_factors after;
  if (get(self, user_id, &after) == VG_OK) *left = after.recovery_left;
  return VG_OK;
}

struct factor_store mongo_factor_store_port(struct mongo_user_store *users) {
  return (struct factor_store){.self = users,
                               .get = get,
                               .put_totp = put_totp,
                               .confirm_totp = confirm_totp,
                               .delete_totp = delete_totp,
                               .set_recovery = set_recovery,
                               .spend_recovery = spend_recovery};
}
