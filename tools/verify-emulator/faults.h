/* faults: test-hook injected failures and delays for the next calls of one Verify operation. */
#ifndef EMU_FAULTS_H
#define EMU_FAULTS_H

#include <stdbool.h>

enum emu_operation { EMU_OP_START, EMU_OP_CHECK, EMU_OP_FETCH, EMU_OP_UPDATE, EMU_OP_COUNT };

#define EMU_FAULT_MESSAGE_MAX 128

/* What one faulted call does: wait delay_ms, then, when status is non-zero, answer the Twilio error
 * (status, code, message) instead of behaving normally, with Retry-After when retry_after >= 0. */
struct emu_fault {
  int status;
  int code;
  int retry_after;
  int delay_ms;
  char message[EMU_FAULT_MESSAGE_MAX];
};

struct emu_faults;

/* Parses "start", "check", "fetch" or "update". False for anything else. */
bool emu_operation_parse(const char *name, enum emu_operation *op);

/* Returns a store with no faults armed, or NULL when out of memory. */
struct emu_faults *emu_faults_create(void);
void emu_faults_destroy(struct emu_faults *faults);

/* Arms fault for the next count calls of op, replacing whatever was armed for op. */
void emu_faults_arm(struct emu_faults *faults, enum emu_operation op, const struct emu_fault *fault,
                    int count);

/* Consumes one armed call of op: true and *out filled when a fault applies to this call. */
bool emu_faults_take(struct emu_faults *faults, enum emu_operation op, struct emu_fault *out);

void emu_faults_reset(struct emu_faults *faults);

#endif
