/* redis_pool.c: fixed-size pool of blocking hiredis connections with bounded waits. */
#include "adapters/redis_pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yder.h>

#define REDIS_POOL_WAIT_S 2    /* longest wait for a free connection */
#define REDIS_POOL_CONNECT_S 1 /* TCP connect timeout */
#define REDIS_POOL_COMMAND_S 2 /* per-command read/write timeout */
_Static_assert(REDIS_POOL_WAIT_S + REDIS_POOL_CONNECT_S + REDIS_POOL_COMMAND_S <=
                   REDIS_POOL_WORST_S,
               "REDIS_POOL_WORST_S must cover a call's waits");

struct redis_pool {
  struct redis_url url;
  pthread_mutex_t lock;
  pthread_cond_t freed; /* signalled whenever a slot is given back */
  int available;        /* slots not checked out; an idle slot may hold no connection yet */
  int nidle;
  redisContext **idle; /* connected contexts nobody holds, nidle of them */
  int size;
};

struct redis_pool *redis_pool_create(const struct redis_url *url, int size, char *err,
                                     size_t errlen) {
  struct redis_pool *p = NULL;
  pthread_condattr_t attr;
  if (size < 1) {
    snprintf(err, errlen, "redis pool size must be at least 1");
    return NULL;
  }
  p = calloc(1, sizeof(*p));
  if (p == NULL || (p->idle = calloc((size_t)size, sizeof(*p->idle))) == NULL) {
    snprintf(err, errlen, "redis pool: out of memory");
    goto fail;
  }
  p->url = *url;
  p->size = p->available = size;
  /* Waits are measured on the monotonic clock so a wall-clock jump cannot stretch them. */
  if (pthread_condattr_init(&attr) != 0) goto fail_init;
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  int rc = pthread_cond_init(&p->freed, &attr);
  pthread_condattr_destroy(&attr);
  if (rc != 0) goto fail_init;
  if (pthread_mutex_init(&p->lock, NULL) != 0) {
    pthread_cond_destroy(&p->freed);
    goto fail_init;
  }
  return p;

fail_init:
  snprintf(err, errlen, "redis pool: cannot create its lock");
fail:
  if (p != NULL) {
    free(p->idle);
    free(p);
  }
  return NULL;
}

void redis_pool_destroy(struct redis_pool *p) {
  if (p == NULL) return;
  for (int i = 0; i < p->nidle; i++) redisFree(p->idle[i]);
  pthread_mutex_destroy(&p->lock);
  pthread_cond_destroy(&p->freed);
  free(p->idle);
  explicit_bzero(&p->url, sizeof(p->url)); /* the password */
  free(p);
}

/* Runs a setup command that must answer +OK. what names it in the log, never its arguments. */
static int redis_pool_setup(redisContext *c, int argc, const char **argv, const char *what) {
  redisReply *r = redisCommandArgv(c, argc, argv, NULL);
  int ok = r != NULL && r->type == REDIS_REPLY_STATUS;
  if (!ok) {
    y_log_message(Y_LOG_LEVEL_ERROR, "redis: %s failed: %s", what,
                  r == NULL                      ? c->errstr
                  : r->type == REDIS_REPLY_ERROR ? r->str
                                                 : "unexpected reply");
  }
  if (r != NULL) freeReplyObject(r);
  return ok;
}

/* A new connection with timeouts set, authenticated and on the configured database. */
static redisContext *redis_pool_connect(const struct redis_url *u) {
  struct timeval connect_tv = {REDIS_POOL_CONNECT_S, 0}, command_tv = {REDIS_POOL_COMMAND_S, 0};
  char db[16];
  redisContext *c = redisConnectWithTimeout(u->host, u->port, connect_tv);
  if (c == NULL) {
    y_log_message(Y_LOG_LEVEL_ERROR, "redis: out of memory while connecting");
    return NULL;
  }
  if (c->err) {
    y_log_message(Y_LOG_LEVEL_ERROR, "redis: connect to %s:%d failed: %s", u->host, u->port,
                  c->errstr);
    goto fail;
  }
  if (redisSetTimeout(c, command_tv) != REDIS_OK) {
    y_log_message(Y_LOG_LEVEL_ERROR, "redis: cannot set the command timeout: %s", c->errstr);
    goto fail;
  }
  if (u->password[0] != '\0') {
    const char *with_user[] = {"AUTH", u->user, u->password};
    const char *without_user[] = {"AUTH", u->password};
    int ok = u->user[0] != '\0' ? redis_pool_setup(c, 3, with_user, "AUTH")
                                : redis_pool_setup(c, 2, without_user, "AUTH");
    if (!ok) goto fail;
  }
  if (u->db != 0) {
    snprintf(db, sizeof(db), "%d", u->db);
    const char *select[] = {"SELECT", db};
    if (!redis_pool_setup(c, 2, select, "SELECT")) goto fail;
  }
  return c;

fail:
  redisFree(c);
  return NULL;
}

/* Takes a slot, waiting at most REDIS_POOL_WAIT_S. Returns the slot's idle context, or NULL
 * when the slot has none (the caller connects). *ok is 0 when no slot freed up in time. */
static redisContext *redis_pool_take_slot(struct redis_pool *p, int *ok) {
  struct timespec deadline;
  redisContext *c = NULL;
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  deadline.tv_sec += REDIS_POOL_WAIT_S;
  *ok = 1;
  pthread_mutex_lock(&p->lock);
  while (p->available == 0) {
    if (pthread_cond_timedwait(&p->freed, &p->lock, &deadline) == ETIMEDOUT && p->available == 0) {
      *ok = 0;
      goto cleanup;
    }
  }
  p->available--;
  if (p->nidle > 0) c = p->idle[--p->nidle];
cleanup:
  pthread_mutex_unlock(&p->lock);
  return c;
}

redisContext *redis_pool_checkout(struct redis_pool *p, bool *reused) {
  int ok;
  redisContext *c = redis_pool_take_slot(p, &ok);
  *reused = false;
  if (!ok) {
    y_log_message(Y_LOG_LEVEL_ERROR, "redis: all %d connections busy for %d s", p->size,
                  REDIS_POOL_WAIT_S);
    return NULL;
  }
  if (c != NULL && c->err == 0) {
    *reused = true;
    return c;
  }
  if (c != NULL) redisFree(c);
  /* Connecting happens outside the lock so one slow connect does not stall the others. */
  c = redis_pool_connect(&p->url);
  if (c == NULL) redis_pool_checkin(p, NULL, true);
  return c;
}

void redis_pool_checkin(struct redis_pool *p, redisContext *c, bool broken) {
  if (c != NULL && (broken || c->err != 0)) {
    redisFree(c);
    c = NULL;
    broken = true;
  }
  pthread_mutex_lock(&p->lock);
  if (c != NULL) {
    p->idle[p->nidle++] = c;
  } else if (broken) {
    while (p->nidle > 0) redisFree(p->idle[--p->nidle]);
  }
  p->available++;
  pthread_cond_signal(&p->freed);
  pthread_mutex_unlock(&p->lock);
}

struct redis_pool *redis_pool_open(const char *url, int size, char *err, size_t errlen) {
  struct redis_url u;
  struct redis_pool *p = NULL;
  if (redis_url_parse(url, &u, err, errlen) == 0) p = redis_pool_create(&u, size, err, errlen);
  explicit_bzero(&u, sizeof u); /* the password now lives only in the pool */
  return p;
}
