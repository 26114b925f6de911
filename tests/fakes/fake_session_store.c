/* fake_session_store.c: the in-memory session_store of fake_session_store.h. */
#include "fake_session_store.h"

#include <stdio.h>
#include <string.h>

#include "fake_ports.h"

void fake_session_store_init(struct fake_session_store *s, struct fake_clock *clock) {
  memset(s, 0, sizeof *s);
  s->clock = clock;
}

static int64_t now_of(const struct fake_session_store *s) {
  return s->clock->now;
}

struct fake_session *fake_session_store_find(struct fake_session_store *s, const char *id) {
  for (int i = 0; id && i < s->session_count; i++)
    if (strcmp(s->sessions[i].s.id, id) == 0) return &s->sessions[i];
  return NULL;
}

static struct fake_refresh *refresh_of(struct fake_session_store *s, const char *token) {
  for (int i = 0; token && i < s->token_count; i++)
    if (strcmp(s->tokens[i].token, token) == 0 && s->tokens[i].expires_at > now_of(s))
      return &s->tokens[i];
  return NULL;
}

const char *fake_session_store_live_token(struct fake_session_store *s, const char *id) {
  for (int i = 0; i < s->token_count; i++) {
    struct fake_refresh *t = &s->tokens[i];
    if (strcmp(t->session, id) == 0 && !t->used && t->expires_at > now_of(s)) return t->token;
  }
  return NULL;
}

static vg_result new_token(struct fake_session_store *s, const char *session, int ttl,
                           char out[VG_REFRESH_TOKEN_MAX]) {
  if (s->token_count == FAKE_REFRESH_MAX) return VG_ERR_INTERNAL;
  struct fake_refresh *t = &s->tokens[s->token_count++];
  snprintf(t->token, sizeof t->token, "rt%d", s->token_count);
  char id[sizeof t->session];
  snprintf(id, sizeof id, "%s", session); /* session may point into the table itself */
  memcpy(t->session, id, sizeof id);
  t->used = false;
  t->expires_at = now_of(s) + ttl;
  t->next[0] = '\0';
  t->grace_until = 0;
  memcpy(out, t->token, sizeof t->token);
  return VG_OK;
}

/* As the Redis script: the unspent token goes, the session stays as a marker for keep s. */
static void revoke(struct fake_session_store *s, struct fake_session *f, int keep) {
  for (int i = 0; i < s->token_count; i++)
    if (strcmp(s->tokens[i].session, f->s.id) == 0 && !s->tokens[i].used)
      s->tokens[i].expires_at = now_of(s);
  f->revoked = true;
  f->expires_at = now_of(s) + keep;
}

static bool barred(const struct fake_session_store *s, const char *user_id, int64_t login_at) {
  for (int i = 0; i < s->bar_count; i++)
    if (strcmp(s->bars[i].user_id, user_id) == 0 && s->bars[i].until > now_of(s) &&
        login_at < s->bars[i].before)
      return true;
  return false;
}

static vg_result store_start(void *self, const char *pending_jti, const char *lock_owner,
                             const char *user_id, int64_t login_at, int64_t auth_time,
                             const char *amr, const struct vg_session_client *client, int ttl,
                             int keep, struct vg_session *session,
                             char token[VG_REFRESH_TOKEN_MAX]) {
  struct fake_session_store *s = self;
  s->starts++;
  if (s->down) return VG_ERR_UNAVAILABLE;
  if (s->session_count == FAKE_SESSIONS_MAX || ttl <= 0 || keep <= 0) return VG_ERR_INTERNAL;
  /* One atomic step, as the Redis script: no login, no session. */
  if (fake_pending_store_consume(s->pending, pending_jti, lock_owner) != VG_OK)
    return VG_ERR_NOT_FOUND;
  if (barred(s, user_id, login_at))
    return VG_ERR_NOT_FOUND; /* the login consumed, as the script does */
  struct fake_session *f = &s->sessions[s->session_count++];
  memset(f, 0, sizeof *f);
  f->refreshed = auth_time;
  if (client) f->client = *client;
  snprintf(f->s.id, sizeof f->s.id, "s%d", s->session_count);
  snprintf(f->s.user_id, sizeof f->s.user_id, "%s", user_id);
  f->s.auth_time = auth_time;
  snprintf(f->s.amr, sizeof f->s.amr, "%s", amr ? amr : "sms");
  f->expires_at = now_of(s) + ttl + keep;
  *session = f->s;
  return new_token(s, f->s.id, ttl, token);
}

static vg_result store_rotate(void *self, const char *token, int ttl, int keep, int grace,
                              struct vg_session *session, char next[VG_REFRESH_TOKEN_MAX],
                              bool *reused, bool *retried) {
  struct fake_session_store *s = self;
  memset(session, 0, sizeof *session);
  *reused = false;
  *retried = false;
  if (s->down) return VG_ERR_UNAVAILABLE;
  struct fake_refresh *t = refresh_of(s, token);
  struct fake_session *f = t ? fake_session_store_find(s, t->session) : NULL;
  if (!t || !f) return VG_ERR_NOT_FOUND;
  if (t->used) {
    /* As the Redis script: within the grace, the successor again while it is still unspent. */
    const char *live = fake_session_store_live_token(s, f->s.id);
    if (t->grace_until > now_of(s) && !f->revoked && live && strcmp(live, t->next) == 0) {
      *retried = true;
      *session = f->s;
      memcpy(next, t->next, VG_REFRESH_TOKEN_MAX);
      return VG_OK;
    }
    revoke(s, f, keep);
    *reused = true;
    memcpy(session->user_id, f->s.user_id, sizeof session->user_id);
    return VG_ERR_NOT_FOUND;
  }
  if (f->revoked || f->expires_at <= now_of(s)) return VG_ERR_NOT_FOUND;
  t->used = true;
  f->expires_at = now_of(s) + ttl + keep;
  f->refreshed = now_of(s);
  *session = f->s;
  vg_result r = new_token(s, f->s.id, ttl, next);
  if (r == VG_OK && grace > 0) {
    memcpy(t->next, next, VG_REFRESH_TOKEN_MAX);
    t->grace_until = now_of(s) + grace;
  }
  return r;
}

static vg_result store_revoke_session(void *self, const char *id, int keep) {
  struct fake_session_store *s = self;
  if (s->down) return VG_ERR_UNAVAILABLE;
  struct fake_session *f = fake_session_store_find(s, id);
  if (f) revoke(s, f, keep);
  return VG_OK;
}

static vg_result store_revoke_user(void *self, const char *user_id, const char *except_id,
                                   int keep) {
  struct fake_session_store *s = self;
  if (s->down) return VG_ERR_UNAVAILABLE;
  for (int i = 0; i < s->session_count; i++) {
    struct fake_session *f = &s->sessions[i];
    if (strcmp(f->s.user_id, user_id) == 0 && !f->revoked && f->expires_at > now_of(s) &&
        !(except_id && strcmp(f->s.id, except_id) == 0))
      revoke(s, f, keep);
  }
  return VG_OK;
}

static vg_result store_deny(void *self, const char *jti, int ttl) {
  struct fake_session_store *s = self;
  if (s->down) return VG_ERR_UNAVAILABLE;
  if (s->denied_count == FAKE_DENIED_MAX) return VG_ERR_INTERNAL;
  struct fake_denied *d = &s->denied[s->denied_count++];
  snprintf(d->jti, sizeof d->jti, "%s", jti);
  d->expires_at = now_of(s) + ttl;
  s->last_deny_ttl = ttl;
  return VG_OK;
}

static vg_result store_is_revoked(void *self, const char *jti, const char *id, bool *revoked) {
  struct fake_session_store *s = self;
  *revoked = true;
  if (s->down) return VG_ERR_UNAVAILABLE;
  *revoked = false;
  for (int i = 0; i < s->denied_count; i++)
    if (strcmp(s->denied[i].jti, jti) == 0 && s->denied[i].expires_at > now_of(s)) *revoked = true;
  struct fake_session *f = fake_session_store_find(s, id);
  if (f && f->revoked && f->expires_at > now_of(s)) *revoked = true;
  return VG_OK;
}

static bool live(const struct fake_session_store *s, const struct fake_session *f) {
  return !f->revoked && f->expires_at > now_of(s);
}

static struct vg_session_info info_of(const struct fake_session *f) {
  struct vg_session_info i;
  memset(&i, 0, sizeof i);
  memcpy(i.id, f->s.id, sizeof i.id);
  memcpy(i.user_id, f->s.user_id, sizeof i.user_id);
  i.created = f->s.auth_time;
  i.refreshed = f->refreshed;
  i.client = f->client;
  return i;
}

static vg_result store_list(void *self, const char *user_id, struct vg_session_info *out, int max,
                            int *count) {
  struct fake_session_store *s = self;
  *count = 0;
  if (s->down) return VG_ERR_UNAVAILABLE;
  /* Newest first: later sessions were started later (or at the same second, then by id). */
  for (int i = s->session_count - 1; i >= 0 && *count < max; i--)
    if (strcmp(s->sessions[i].s.user_id, user_id) == 0 && live(s, &s->sessions[i]))
      out[(*count)++] = info_of(&s->sessions[i]);
  return VG_OK;
}

static vg_result store_get(void *self, const char *id, struct vg_session_info *out) {
  struct fake_session_store *s = self;
  memset(out, 0, sizeof *out);
  if (s->down) return VG_ERR_UNAVAILABLE;
  struct fake_session *f = fake_session_store_find(s, id);
  if (!f || !live(s, f)) return VG_ERR_NOT_FOUND;
  *out = info_of(f);
  return VG_OK;
}

static vg_result store_bar_user(void *self, const char *user_id, int64_t before) {
  struct fake_session_store *s = self;
  if (s->down || (s->fail_bar_after > 0 && --s->fail_bar_after == 0)) return VG_ERR_UNAVAILABLE;
  int64_t until = before > 0 ? now_of(s) + VG_LOGIN_BAR_SECONDS : 0;
  for (int i = 0; i < s->bar_count; i++)
    if (strcmp(s->bars[i].user_id, user_id) == 0) {
      s->bars[i].before = before;
      s->bars[i].until = until;
      return VG_OK;
    }
  if (before <= 0) return VG_OK;
  if (s->bar_count == FAKE_BARS_MAX) return VG_ERR_INTERNAL;
  snprintf(s->bars[s->bar_count].user_id, VG_ID_MAX, "%s", user_id);
  s->bars[s->bar_count].before = before;
  s->bars[s->bar_count++].until = until;
  return VG_OK;
}

struct session_store fake_session_store_port(struct fake_session_store *s) {
  return (struct session_store){.self = s,
                                .start = store_start,
                                .rotate = store_rotate,
                                .revoke_session = store_revoke_session,
                                .revoke_user = store_revoke_user,
                                .deny = store_deny,
                                .is_revoked = store_is_revoked,
                                .list = store_list,
                                .get = store_get,
                                .bar_user = store_bar_user};
}
