/* mongo_user_store.c: users in MongoDB. Uniqueness is left to the server's unique indexes
 * (mongo_indexes.h): a duplicate-key error (11000) is the one truth for "already exists", so
 * there is no race. */
#include "adapters/mongo_user_store.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <mongoc/mongoc.h>
#include <yder.h>

#include "adapters/mongo_errors.h"
#include "adapters/mongo_indexes.h"

#define MONGO_DEFAULT_DB "verigate"
#define MONGO_COLLECTION "users"

struct mongo_user_store {
  mongoc_client_pool_t *pool;
  char *db;         /* bson_strdup'd */
  int64_t worst_ms; /* the longest one operation may take under the URI's timeouts */
};
int64_t mongo_user_store_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
/* Appends a bounded C string; the struct's buffers are not trusted to hold a NUL. */
static void mongo_append_str(bson_t *doc, const char *key, const char *value, size_t cap) {
  bson_append_utf8(doc, key, -1, value, (int)strnlen(value, cap));
}
static vg_result mongo_insert(void *self, struct vg_user *user, enum vg_unique_field *taken) {
  struct mongo_user_store *s = self;
  bson_t doc = BSON_INITIALIZER, reply;
  bson_error_t error;
  bson_oid_t oid;
  vg_result res = VG_OK;
  /* The id is made here, not by the server, so it is known without reading the reply. */
  bson_oid_init(&oid, NULL);
  int64_t created = user->created_at != 0 ? user->created_at : mongo_user_store_now_ms();
  BSON_APPEND_OID(&doc, "_id", &oid);
  mongo_append_str(&doc, "name", user->name, sizeof(user->name));
  mongo_append_str(&doc, "username", user->username, sizeof(user->username));
  char username_key[MONGO_USERNAME_KEY_MAX];
  mongo_username_key(user->username, username_key);
  BSON_APPEND_UTF8(&doc, "username_key", username_key);
  mongo_append_str(&doc, "email", user->email, sizeof(user->email));
  mongo_append_str(&doc, "phone", user->phone, sizeof(user->phone));
  mongo_append_str(&doc, "password_hash", user->password_hash, sizeof(user->password_hash));
  BSON_APPEND_BOOL(&doc, "phone_verified", user->phone_verified);
  BSON_APPEND_DATE_TIME(&doc, "created_at", created);
  BSON_APPEND_DATE_TIME(&doc, "updated_at", created);

  mongoc_client_t *client = mongoc_client_pool_pop(s->pool);
  mongoc_collection_t *coll = mongoc_client_get_collection(client, s->db, MONGO_COLLECTION);
  if (mongoc_collection_insert_one(coll, &doc, NULL, &reply, &error)) {
    bson_oid_to_string(&oid, user->id);
    user->created_at = created;
  } else if (mongo_is_duplicate(&error, &reply)) {
    res = VG_ERR_CONFLICT;
    if (taken != NULL) *taken = mongo_taken(&reply, error.message);
  } else {
    res = mongo_error(&error, "insert");
  }
  bson_destroy(&reply);
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(s->pool, client);
  bson_destroy(&doc);
  return res;
}

/* Copies a string field into a bounded buffer; false when missing, not a string, or too long. */
static bool mongo_get_str(const bson_t *doc, const char *key, char *out, size_t cap) {
  bson_iter_t it;
  uint32_t len = 0;
  if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_UTF8(&it)) return false;
  const char *v = bson_iter_utf8(&it, &len);
  if (len >= cap) return false;
  memcpy(out, v, len);
  out[len] = '\0';
  return true;
}

/* Fills out from a stored document; a field missing or of the wrong type is a broken record,
 * logged by name (never by value) under the user's id. */
static vg_result mongo_user_from_doc(const bson_t *doc, struct vg_user *out) {
  bson_iter_t it;
  const char *bad = NULL;
  memset(out, 0, sizeof(*out));
  if (!bson_iter_init_find(&it, doc, "_id") || !BSON_ITER_HOLDS_OID(&it))
    bad = "_id";
  else
    bson_oid_to_string(bson_iter_oid(&it), out->id);

  if (bad == NULL && !mongo_get_str(doc, "name", out->name, sizeof(out->name))) bad = "name";
  if (bad == NULL && !mongo_get_str(doc, "username", out->username, sizeof(out->username)))
    bad = "username";
  if (bad == NULL && !mongo_get_str(doc, "email", out->email, sizeof(out->email))) bad = "email";
  if (bad == NULL && !mongo_get_str(doc, "phone", out->phone, sizeof(out->phone))) bad = "phone";
  if (bad == NULL &&
      !mongo_get_str(doc, "password_hash", out->password_hash, sizeof(out->password_hash))) {
    bad = "password_hash";
  }
  if (bad == NULL) {
    if (bson_iter_init_find(&it, doc, "phone_verified") && BSON_ITER_HOLDS_BOOL(&it)) {
      out->phone_verified = bson_iter_bool(&it);
    } else {
      bad = "phone_verified";
    }
  }
  if (bad == NULL) {
    if (bson_iter_init_find(&it, doc, "created_at") && BSON_ITER_HOLDS_DATE_TIME(&it)) {
      out->created_at = bson_iter_date_time(&it);
    } else {
      bad = "created_at";
    }
  }
  /* Optional: users without a TOTP have no totp member. */
  bson_iter_t totp;
  if (bad == NULL && bson_iter_init(&it, doc) &&
      bson_iter_find_descendant(&it, "totp.confirmed", &totp) && BSON_ITER_HOLDS_BOOL(&totp) &&
      bson_iter_bool(&totp) && bson_iter_init(&it, doc) &&
      bson_iter_find_descendant(&it, "totp.box", &totp) && BSON_ITER_HOLDS_UTF8(&totp)) {
    uint32_t len = 0;
    const char *box = bson_iter_utf8(&totp, &len);
    out->totp = len < sizeof out->totp_box;
    if (out->totp) memcpy(out->totp_box, box, len + 1);
  }
  if (bad == NULL) return VG_OK;
  y_log_message(Y_LOG_LEVEL_ERROR, "mongodb: user %s has a missing or malformed %s",
                out->id[0] != '\0' ? out->id : "(no id)", bad);
  memset(out, 0, sizeof(*out));
  return VG_ERR_INTERNAL;
}

static vg_result mongo_find_one(struct mongo_user_store *s, const bson_t *filter,
                                struct vg_user *out) {
  const bson_t *doc;
  bson_error_t error;
  vg_result res;
  bson_t *opts = BCON_NEW("limit", BCON_INT64(1));
  mongoc_client_t *client = mongoc_client_pool_pop(s->pool);
  mongoc_collection_t *coll = mongoc_client_get_collection(client, s->db, MONGO_COLLECTION);
  mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(coll, filter, opts, NULL);
  if (mongoc_cursor_next(cursor, &doc)) {
    res = mongo_user_from_doc(doc, out);
  } else if (mongoc_cursor_error(cursor, &error)) {
    res = mongo_error(&error, "find");
  } else {
    res = VG_ERR_NOT_FOUND;
  }
  mongoc_cursor_destroy(cursor);
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(s->pool, client);
  bson_destroy(opts);
  return res;
}

static vg_result mongo_find_by_email(void *self, const char *email, struct vg_user *out) {
  bson_t filter = BSON_INITIALIZER;
  if (email == NULL || strnlen(email, VG_EMAIL_MAX) >= VG_EMAIL_MAX) return VG_ERR_NOT_FOUND;
  BSON_APPEND_UTF8(&filter, "email", email);
  vg_result res = mongo_find_one(self, &filter, out);
  bson_destroy(&filter);
  return res;
}

static vg_result mongo_find_by_verified_phone(void *self, const char *phone, struct vg_user *out) {
  if (phone == NULL || strnlen(phone, VG_PHONE_MAX) >= VG_PHONE_MAX) return VG_ERR_NOT_FOUND;
  /* The filter holds the index's partialFilterExpression, so phone_verified_1 serves it. */
  bson_t *filter = BCON_NEW("phone", BCON_UTF8(phone), "phone_verified", BCON_BOOL(true));
  vg_result res = mongo_find_one(self, filter, out);
  bson_destroy(filter);
  return res;
}

bool mongo_user_store_parse_id(const char *id, bson_oid_t *oid) {
  if (id == NULL || strnlen(id, VG_ID_MAX) != VG_ID_MAX - 1 ||
      !bson_oid_is_valid(id, VG_ID_MAX - 1)) {
    return false;
  }
  bson_oid_init_from_string(oid, id);
  return true;
}

static vg_result mongo_find_by_id(void *self, const char *id, struct vg_user *out) {
  bson_t filter = BSON_INITIALIZER;
  bson_oid_t oid;
  if (!mongo_user_store_parse_id(id, &oid)) return VG_ERR_NOT_FOUND;
  BSON_APPEND_OID(&filter, "_id", &oid);
  vg_result res = mongo_find_one(self, &filter, out);
  bson_destroy(&filter);
  return res;
}

/* Runs one write of user id: update_one with update, or delete_one when update is NULL. */
static vg_result mongo_write(struct mongo_user_store *s, const char *id, const bson_t *update,
                             enum vg_unique_field *taken) {
  bson_t reply;
  bson_error_t error;
  bson_iter_t it;
  bson_oid_t oid;
  vg_result res = VG_OK;
  if (!mongo_user_store_parse_id(id, &oid)) return VG_ERR_NOT_FOUND;
  bson_t *filter = BCON_NEW("_id", BCON_OID(&oid));
  mongoc_client_t *client = mongoc_client_pool_pop(s->pool);
  mongoc_collection_t *coll = mongoc_client_get_collection(client, s->db, MONGO_COLLECTION);
  bool ok = update ? mongoc_collection_update_one(coll, filter, update, NULL, &reply, &error)
                   : mongoc_collection_delete_one(coll, filter, NULL, &reply, &error);
  const char *count = update ? "matchedCount" : "deletedCount";
  if (!ok && mongo_is_duplicate(&error, &reply)) {
    res = VG_ERR_CONFLICT;
    if (taken != NULL) *taken = mongo_taken(&reply, error.message);
  } else if (!ok) {
    res = mongo_error(&error, update ? "update" : "delete");
  } else if (!bson_iter_init_find(&it, &reply, count) || !BSON_ITER_HOLDS_NUMBER(&it) ||
             bson_iter_as_int64(&it) == 0) {
    res = VG_ERR_NOT_FOUND;
  }
  bson_destroy(&reply);
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(s->pool, client);
  bson_destroy(filter);
  return res;
}

static vg_result mongo_update(void *self, const char *id, const struct vg_user_change *change,
                              enum vg_unique_field *taken) {
  bson_t update = BSON_INITIALIZER, set;
  BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
  if (change->password_hash)
    mongo_append_str(&set, "password_hash", change->password_hash, VG_HASH_MAX);
  if (change->phone) mongo_append_str(&set, "phone", change->phone, VG_PHONE_MAX);
  if (change->phone || change->phone_verified) BSON_APPEND_BOOL(&set, "phone_verified", true);
  BSON_APPEND_DATE_TIME(&set, "updated_at", mongo_user_store_now_ms());
  bson_append_document_end(&update, &set);
  vg_result res = mongo_write(self, id, &update, taken);
  bson_destroy(&update);
  return res;
}

static vg_result mongo_remove(void *self, const char *id) {
  return mongo_write(self, id, NULL, NULL);
}

static vg_result mongo_ping(void *self) {
  struct mongo_user_store *s = self;
  bson_error_t error;
  bson_t *cmd = BCON_NEW("ping", BCON_INT32(1));
  mongoc_client_t *client = mongoc_client_pool_pop(s->pool);
  bool ok = mongoc_client_command_simple(client, s->db, cmd, NULL, NULL, &error);
  mongoc_client_pool_push(s->pool, client);
  bson_destroy(cmd);
  if (ok) return VG_OK;
  mongo_error(&error, "ping");
  return VG_ERR_UNAVAILABLE;
}
mongoc_client_pool_t *mongo_user_store_pool(struct mongo_user_store *s) {
  return s->pool;
}

const char *mongo_user_store_db(const struct mongo_user_store *s) {
  return s->db;
}

int64_t mongo_user_store_worst_ms(const struct mongo_user_store *s) {
  return s->worst_ms;
}

vg_result mongo_user_store_ensure_indexes(struct mongo_user_store *s) {
  return mongo_users_ensure_indexes(s->pool, s->db, MONGO_COLLECTION);
}

/* Sets an int32 URI option only when the operator's URI left it out. */
static bool mongo_default_option(mongoc_uri_t *uri, const char *key, int32_t value) {
  return mongoc_uri_has_option(uri, key) || mongoc_uri_set_option_as_int32(uri, key, value);
}

struct mongo_user_store *mongo_user_store_create(const char *uri_string, char *err, size_t errlen) {
  bson_error_t error;
  struct mongo_user_store *s = NULL;
  mongoc_uri_t *uri = mongoc_uri_new_with_error(uri_string, &error);
  if (uri == NULL) {
    snprintf(err, errlen, "mongodb uri: %s", error.message);
    goto cleanup;
  }
  if (!mongo_default_option(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 2000) ||
      !mongo_default_option(uri, MONGOC_URI_CONNECTTIMEOUTMS, 2000) ||
      !mongo_default_option(uri, MONGOC_URI_SOCKETTIMEOUTMS, 5000) ||
      (mongoc_uri_get_appname(uri) == NULL && !mongoc_uri_set_appname(uri, "verigate"))) {
    snprintf(err, errlen, "mongodb uri: cannot set the default timeouts");
    goto cleanup;
  }
  s = bson_malloc0(sizeof(*s));
  /* Selecting a server (which connects within it), then the operation on its socket. A socket
   * timeout of 0 means none: counted as the driver's default, 300 s. */
  int32_t socket_ms = mongoc_uri_get_option_as_int32(uri, MONGOC_URI_SOCKETTIMEOUTMS, 300000);
  s->worst_ms =
      (int64_t)mongoc_uri_get_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 30000) +
      (socket_ms > 0 ? socket_ms : 300000);
  const char *db = mongoc_uri_get_database(uri);
  s->db = bson_strdup(db != NULL && db[0] != '\0' ? db : MONGO_DEFAULT_DB);
  s->pool = mongoc_client_pool_new_with_error(uri, &error);
  if (s->pool == NULL) {
    snprintf(err, errlen, "mongodb pool: %s", error.message);
    goto fail;
  }
  /* Version 2 reports server errors in MONGOC_ERROR_SERVER with the server's own codes. */
  if (!mongoc_client_pool_set_error_api(s->pool, MONGOC_ERROR_API_VERSION_2)) {
    snprintf(err, errlen, "mongodb pool: cannot set the error API");
    goto fail;
  }
  goto cleanup;
fail:
  mongo_user_store_destroy(s);
  s = NULL;
cleanup:
  if (uri != NULL) mongoc_uri_destroy(uri);
  return s;
}

void mongo_user_store_destroy(struct mongo_user_store *s) {
  if (s == NULL) return;
  if (s->pool != NULL) mongoc_client_pool_destroy(s->pool);
  bson_free(s->db);
  bson_free(s);
}

struct user_store mongo_user_store_port(struct mongo_user_store *s) {
  struct user_store port = {
      .self = s,
      .insert = mongo_insert,
      .find_by_email = mongo_find_by_email,
      .find_by_id = mongo_find_by_id,
      .find_by_verified_phone = mongo_find_by_verified_phone,
      .update = mongo_update,
      .remove = mongo_remove,
      .ping = mongo_ping,
  };
  return port;
}
