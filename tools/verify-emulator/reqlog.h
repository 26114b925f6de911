/* reqlog: a bounded, ordered record of the Twilio-API requests the emulator answered, for tests.
 * It holds what a test needs to assert about verigate's calls and never a code or a credential. */
#ifndef EMU_REQLOG_H
#define EMU_REQLOG_H

#include <jansson.h>
#include <stdbool.h>

#include "store.h"

#define EMU_REQLOG_CAPACITY 1000

struct emu_request_record {
  char method[8];
  char path[192];
  char to[EMU_TO_MAX]; /* the request's To parameter; empty when it had none */
  /* The request's Channel, Locale and AppHash parameters as sent (printable characters only);
   * empty when it had none. */
  char channel[32];
  char locale[32];
  char app_hash[32];
  bool code_present; /* whether the request carried a Code parameter */
  int status;        /* HTTP status answered */
  int twilio_code;   /* Twilio error code answered, 0 when none */
};

struct emu_reqlog;

/* Returns an empty log keeping the last capacity records, or NULL when out of memory. */
struct emu_reqlog *emu_reqlog_create(size_t capacity);
void emu_reqlog_destroy(struct emu_reqlog *log);

/* Appends a copy of record, dropping the oldest when full. */
void emu_reqlog_add(struct emu_reqlog *log, const struct emu_request_record *record);

/* Returns a new reference to {"requests":[{method,path,to,channel,locale,app_hash,code_present,
 * status,twilio_code}, ...]}, oldest first; to, channel, locale, app_hash and twilio_code are
 * null when absent. NULL when out of memory. */
json_t *emu_reqlog_to_json(struct emu_reqlog *log);

void emu_reqlog_reset(struct emu_reqlog *log);

#endif
