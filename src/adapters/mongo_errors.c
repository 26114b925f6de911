/* mongo_errors.c: see mongo_errors.h. */
#include "adapters/mongo_errors.h"

#include <string.h>

#include <yder.h>

#include "metrics.h"

#define MONGO_DUPLICATE_KEY 11000

/* Server error codes that mean "not now" (failover, shutdown, network) rather than a bug. */
static const uint32_t mongo_unavailable_codes[] = {6,     7,     89,    91,    189,  9001,
                                                   10107, 11600, 11602, 13435, 13436};

/* Maps a driver error to a result and logs it. Not for duplicate keys: their message holds the
 * duplicated value, which is personal data. */
vg_result mongo_error(const bson_error_t *e, const char *op) {
  bool unavailable =
      e->domain == MONGOC_ERROR_SERVER_SELECTION || e->domain == MONGOC_ERROR_STREAM ||
      (e->domain == MONGOC_ERROR_CLIENT && e->code == MONGOC_ERROR_CLIENT_AUTHENTICATE);
  for (size_t i = 0; i < sizeof(mongo_unavailable_codes) / sizeof(*mongo_unavailable_codes); i++) {
    if (e->domain == MONGOC_ERROR_SERVER && e->code == mongo_unavailable_codes[i])
      unavailable = true;
  }
  y_log_message(Y_LOG_LEVEL_ERROR, "mongodb: %s failed (domain %u, code %u): %s", op, e->domain,
                e->code, e->message);
  metrics_backend_error(METRICS_MONGODB);
  return unavailable ? VG_ERR_UNAVAILABLE : VG_ERR_INTERNAL;
}

/* Which unique field a name designates: "email", "email_1", "phone_..." and so on. */
static enum vg_unique_field mongo_field_named(const char *name, size_t len) {
  static const struct {
    const char *name;
    enum vg_unique_field field;
  } fields[] = {
      {"email", VG_UNIQUE_EMAIL}, {"username", VG_UNIQUE_USERNAME}, {"phone", VG_UNIQUE_PHONE}};
  for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++) {
    size_t n = strlen(fields[i].name);
    if (len >= n && strncmp(name, fields[i].name, n) == 0 && (len == n || name[n] == '_')) {
      return fields[i].field;
    }
  }
  return VG_UNIQUE_UNKNOWN;
}

/* The field named after `marker` in a duplicate-key message, such as "index: email_1" or
 * "dup key: { email:". */
static enum vg_unique_field mongo_field_after(const char *msg, const char *marker) {
  const char *p = msg == NULL ? NULL : strstr(msg, marker);
  if (p == NULL) return VG_UNIQUE_UNKNOWN;
  p += strlen(marker);
  return mongo_field_named(p, strcspn(p, " :\"}"));
}

/* Finds the colliding field from the reply's keyPattern (real MongoDB) or else from the
 * message: "E11000 duplicate key error [collection: db.users] index: email_1 dup key: {...}". */
enum vg_unique_field mongo_taken(const bson_t *reply, const char *message) {
  bson_iter_t it, key, first;
  enum vg_unique_field f = VG_UNIQUE_UNKNOWN;
  if (bson_iter_init(&it, reply) &&
      bson_iter_find_descendant(&it, "writeErrors.0.keyPattern", &key) &&
      BSON_ITER_HOLDS_DOCUMENT(&key) && bson_iter_recurse(&key, &first) && bson_iter_next(&first)) {
    f = mongo_field_named(bson_iter_key(&first), strlen(bson_iter_key(&first)));
  }
  if (f == VG_UNIQUE_UNKNOWN) f = mongo_field_after(message, "index: ");
  if (f == VG_UNIQUE_UNKNOWN) f = mongo_field_after(message, "dup key: { ");
  if (f == VG_UNIQUE_UNKNOWN && bson_iter_init(&it, reply) &&
      bson_iter_find_descendant(&it, "writeErrors.0.errmsg", &key) && BSON_ITER_HOLDS_UTF8(&key)) {
    f = mongo_field_after(bson_iter_utf8(&key, NULL), "index: ");
  }
  return f;
}

bool mongo_is_duplicate(const bson_error_t *e, const bson_t *reply) {
  bson_iter_t it, code;
  if ((e->domain == MONGOC_ERROR_SERVER || e->domain == MONGOC_ERROR_COLLECTION) &&
      e->code == MONGO_DUPLICATE_KEY) {
    return true;
  }
  return bson_iter_init(&it, reply) &&
         bson_iter_find_descendant(&it, "writeErrors.0.code", &code) &&
         BSON_ITER_HOLDS_NUMBER(&code) && bson_iter_as_int64(&code) == MONGO_DUPLICATE_KEY;
}
