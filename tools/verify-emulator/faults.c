/* faults: test-hook injected failures and delays for the next calls of one Verify operation. */
#include "faults.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct emu_faults {
  pthread_mutex_t lock;
  struct emu_fault armed[EMU_OP_COUNT];
  int remaining[EMU_OP_COUNT];
};

bool emu_operation_parse(const char *name, enum emu_operation *op) {
  static const char *const names[EMU_OP_COUNT] = {"start", "check", "fetch", "update"};
  int i;

  for (i = 0; name != NULL && i < EMU_OP_COUNT; i++) {
    if (strcmp(name, names[i]) == 0) {
      *op = (enum emu_operation)i;
      return true;
    }
  }
  return false;
}

struct emu_faults *emu_faults_create(void) {
  struct emu_faults *faults = calloc(1, sizeof *faults);

  if (faults == NULL) return NULL;
  if (pthread_mutex_init(&faults->lock, NULL) != 0) {
    free(faults);
    return NULL;
  }
  return faults;
}

void emu_faults_destroy(struct emu_faults *faults) {
  if (faults == NULL) return;
  pthread_mutex_destroy(&faults->lock);
  free(faults);
}

void emu_faults_arm(struct emu_faults *faults, enum emu_operation op, const struct emu_fault *fault,
                    int count) {
  pthread_mutex_lock(&faults->lock);
  faults->armed[op] = *fault;
  faults->remaining[op] = count;
  pthread_mutex_unlock(&faults->lock);
}

bool emu_faults_take(struct emu_faults *faults, enum emu_operation op, struct emu_fault *out) {
  bool taken = false;

  pthread_mutex_lock(&faults->lock);
  if (faults->remaining[op] > 0) {
    faults->remaining[op]--;
    *out = faults->armed[op];
    taken = true;
  }
  pthread_mutex_unlock(&faults->lock);
  return taken;
}

void emu_faults_reset(struct emu_faults *faults) {
  pthread_mutex_lock(&faults->lock);
  memset(faults->remaining, 0, sizeof faults->remaining);
  pthread_mutex_unlock(&faults->lock);
}
