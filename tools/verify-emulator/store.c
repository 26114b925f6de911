/* store: the emulator's verifications, in memory and mutex-protected. */
#include "store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EMU_HISTORY 64

struct emu_node {
  struct emu_verification v;
  struct emu_node *next;
};

struct emu_store {
  pthread_mutex_t lock;
  long code_ttl;
  int code_length;
  struct emu_node *pending;
  /* Ring of finished verifications, newest at history[(history_next - 1) % EMU_HISTORY]. */
  struct emu_verification history[EMU_HISTORY];
  size_t history_next;
  size_t history_count;
};

int64_t emu_clock_ms(void) {
  struct timespec now;

  clock_gettime(CLOCK_REALTIME, &now);
  return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

const char *emu_status_name(enum emu_status status) {
  switch (status) {
    case EMU_STATUS_PENDING:
      return "pending";
    case EMU_STATUS_APPROVED:
      return "approved";
    case EMU_STATUS_CANCELED:
      return "canceled";
    case EMU_STATUS_MAX_ATTEMPTS:
      return "max_attempts_reached";
    case EMU_STATUS_EXPIRED:
      return "expired";
  }
  return "failed";
}

struct emu_store *emu_store_create(long code_ttl_seconds, int code_length) {
  struct emu_store *store = calloc(1, sizeof *store);

  if (store == NULL) return NULL;
  if (pthread_mutex_init(&store->lock, NULL) != 0) {
    free(store);
    return NULL;
  }
  store->code_ttl = code_ttl_seconds;
  store->code_length = code_length;
  return store;
}

static void free_pending(struct emu_store *store) {
  struct emu_node *node = store->pending;

  while (node != NULL) {
    struct emu_node *next = node->next;
    free(node);
    node = next;
  }
  store->pending = NULL;
}

void emu_store_destroy(struct emu_store *store) {
  if (store == NULL) return;
  free_pending(store);
  pthread_mutex_destroy(&store->lock);
  free(store);
}

/* Gives *link's verification its final status, copies it to *out (when non-NULL) and moves it
 * out of the pending set into the history. */
static void finish(struct emu_store *store, struct emu_node **link, enum emu_status status,
                   time_t now, struct emu_verification *out) {
  struct emu_node *node = *link;

  node->v.status = status;
  node->v.updated = now;
  if (out != NULL) *out = node->v;
  store->history[store->history_next] = node->v;
  store->history_next = (store->history_next + 1) % EMU_HISTORY;
  if (store->history_count < EMU_HISTORY) store->history_count++;
  *link = node->next;
  free(node);
}

/* Expiry is lazy: every operation first retires what outlived the code TTL since creation. */
static void sweep_expired(struct emu_store *store, int64_t now_ms) {
  time_t now = (time_t)(now_ms / 1000);
  struct emu_node **link = &store->pending;

  while (*link != NULL) {
    if (now_ms >= (*link)->v.expires_ms)
      finish(store, link, EMU_STATUS_EXPIRED, now, NULL);
    else
      link = &(*link)->next;
  }
}

static struct emu_node **find_by_to(struct emu_store *store, const char *to) {
  struct emu_node **link;

  for (link = &store->pending; *link != NULL; link = &(*link)->next) {
    if (strcmp((*link)->v.to, to) == 0) return link;
  }
  return NULL;
}

static struct emu_node **find_by_sid(struct emu_store *store, const char *sid) {
  struct emu_node **link;

  for (link = &store->pending; *link != NULL; link = &(*link)->next) {
    if (strcmp((*link)->v.sid, sid) == 0) return link;
  }
  return NULL;
}

static void add_send_attempt(struct emu_verification *v, const char *channel, time_t now) {
  struct emu_send_attempt *attempt = &v->attempts[v->sends++];

  attempt->time = now;
  snprintf(attempt->channel, sizeof attempt->channel, "%s", channel);
  emu_ids_sid("VL", attempt->sid);
  snprintf(v->channel, sizeof v->channel, "%s", channel);
  v->updated = now;
}

enum emu_store_result emu_store_start(struct emu_store *store, const char *to, const char *channel,
                                      int64_t now_ms, struct emu_verification *out) {
  time_t now = (time_t)(now_ms / 1000);
  enum emu_store_result result = EMU_STORE_OK;
  struct emu_node **link;
  struct emu_node *node;

  pthread_mutex_lock(&store->lock);
  sweep_expired(store, now_ms);
  link = find_by_to(store, to);
  if (link != NULL) {
    node = *link;
    if (node->v.sends >= EMU_MAX_SENDS)
      result = EMU_STORE_MAX_SENDS;
    else
      add_send_attempt(&node->v, channel, now);
    *out = node->v;
    goto unlock;
  }
  node = calloc(1, sizeof *node);
  if (node == NULL) {
    result = EMU_STORE_NO_MEMORY;
    goto unlock;
  }
  emu_ids_sid("VE", node->v.sid);
  snprintf(node->v.to, sizeof node->v.to, "%s", to);
  emu_ids_code(store->code_length, node->v.code);
  node->v.status = EMU_STATUS_PENDING;
  node->v.created = now;
  node->v.expires_ms = now_ms + (int64_t)store->code_ttl * 1000;
  add_send_attempt(&node->v, channel, now);
  node->next = store->pending;
  store->pending = node;
  *out = node->v;
unlock:
  pthread_mutex_unlock(&store->lock);
  return result;
}

enum emu_store_result emu_store_fetch(struct emu_store *store, const char *sid, int64_t now_ms,
                                      struct emu_verification *out) {
  struct emu_node **link;

  pthread_mutex_lock(&store->lock);
  sweep_expired(store, now_ms);
  link = find_by_sid(store, sid);
  if (link != NULL) *out = (*link)->v;
  pthread_mutex_unlock(&store->lock);
  return link != NULL ? EMU_STORE_OK : EMU_STORE_NOT_FOUND;
}

enum emu_store_result emu_store_update(struct emu_store *store, const char *sid,
                                       enum emu_status status, int64_t now_ms,
                                       struct emu_verification *out) {
  time_t now = (time_t)(now_ms / 1000);
  struct emu_node **link;

  pthread_mutex_lock(&store->lock);
  sweep_expired(store, now_ms);
  link = find_by_sid(store, sid);
  if (link != NULL) finish(store, link, status, now, out);
  pthread_mutex_unlock(&store->lock);
  return link != NULL ? EMU_STORE_OK : EMU_STORE_NOT_FOUND;
}

enum emu_store_result emu_store_check(struct emu_store *store, const char *to, const char *sid,
                                      const char *code, int64_t now_ms,
                                      struct emu_verification *out) {
  time_t now = (time_t)(now_ms / 1000);
  enum emu_store_result result = EMU_STORE_OK;
  struct emu_node **link;
  struct emu_verification *v;

  pthread_mutex_lock(&store->lock);
  sweep_expired(store, now_ms);
  link = sid != NULL ? find_by_sid(store, sid) : find_by_to(store, to);
  if (link == NULL || (sid != NULL && to != NULL && strcmp((*link)->v.to, to) != 0)) {
    result = EMU_STORE_NOT_FOUND;
    goto unlock;
  }
  v = &(*link)->v;
  if (v->checks >= EMU_MAX_CHECKS) {
    finish(store, link, EMU_STATUS_MAX_ATTEMPTS, now, out);
    result = EMU_STORE_MAX_CHECKS;
    goto unlock;
  }
  v->checks++;
  if (strcmp(v->code, code) == 0) {
    finish(store, link, EMU_STATUS_APPROVED, now, out);
    goto unlock;
  }
  v->updated = now;
  *out = *v;
unlock:
  pthread_mutex_unlock(&store->lock);
  return result;
}

bool emu_store_latest(struct emu_store *store, const char *to, int64_t now_ms,
                      struct emu_verification *out) {
  struct emu_node **link;
  bool found = false;
  size_t i;

  pthread_mutex_lock(&store->lock);
  sweep_expired(store, now_ms);
  link = find_by_to(store, to);
  if (link != NULL) {
    *out = (*link)->v;
    found = true;
  }
  for (i = 1; !found && i <= store->history_count; i++) {
    const struct emu_verification *old =
        &store->history[(store->history_next + EMU_HISTORY - i) % EMU_HISTORY];
    if (strcmp(old->to, to) == 0) {
      *out = *old;
      found = true;
    }
  }
  pthread_mutex_unlock(&store->lock);
  return found;
}

void emu_store_reset(struct emu_store *store) {
  pthread_mutex_lock(&store->lock);
  free_pending(store);
  store->history_next = 0;
  store->history_count = 0;
  pthread_mutex_unlock(&store->lock);
}
