/* reqlog: a bounded, ordered record of the Twilio-API requests the emulator answered, for tests. */
#include "reqlog.h"

#include <pthread.h>
#include <stdlib.h>

struct emu_reqlog {
  pthread_mutex_t lock;
  size_t capacity;
  size_t next;
  size_t count;
  struct emu_request_record *records;
};

struct emu_reqlog *emu_reqlog_create(size_t capacity) {
  struct emu_reqlog *log = calloc(1, sizeof *log);

  if (log == NULL) return NULL;
  log->capacity = capacity;
  log->records = calloc(capacity, sizeof *log->records);
  if (log->records == NULL || pthread_mutex_init(&log->lock, NULL) != 0) {
    free(log->records);
    free(log);
    return NULL;
  }
  return log;
}

void emu_reqlog_destroy(struct emu_reqlog *log) {
  if (log == NULL) return;
  pthread_mutex_destroy(&log->lock);
  free(log->records);
  free(log);
}

void emu_reqlog_add(struct emu_reqlog *log, const struct emu_request_record *record) {
  pthread_mutex_lock(&log->lock);
  log->records[log->next] = *record;
  log->next = (log->next + 1) % log->capacity;
  if (log->count < log->capacity) log->count++;
  pthread_mutex_unlock(&log->lock);
}

static json_t *string_or_null(const char *s) {
  return s[0] != '\0' ? json_string(s) : json_null();
}

static json_t *record_to_json(const struct emu_request_record *r) {
  return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:b, s:i, s:o}", "method", r->method, "path",
                   r->path, "to", string_or_null(r->to), "channel", string_or_null(r->channel),
                   "locale", string_or_null(r->locale), "app_hash", string_or_null(r->app_hash),
                   "code_present", r->code_present, "status", r->status, "twilio_code",
                   r->twilio_code != 0 ? json_integer(r->twilio_code) : json_null());
}

json_t *emu_reqlog_to_json(struct emu_reqlog *log) {
  json_t *list = json_array();
  size_t oldest;
  size_t count;
  size_t i;

  if (list == NULL) return NULL;
  pthread_mutex_lock(&log->lock);
  count = log->count;
  oldest = (log->next + log->capacity - count) % log->capacity;
  for (i = 0; i < count; i++) {
    /* json_array_append_new steals the record's reference, also on failure. */
    if (json_array_append_new(list, record_to_json(&log->records[(oldest + i) % log->capacity])) !=
        0)
      break;
  }
  pthread_mutex_unlock(&log->lock);
  if (i < count) {
    json_decref(list);
    return NULL;
  }
  return json_pack("{s:o}", "requests", list);
}

void emu_reqlog_reset(struct emu_reqlog *log) {
  pthread_mutex_lock(&log->lock);
  log->next = 0;
  log->count = 0;
  pthread_mutex_unlock(&log->lock);
}
