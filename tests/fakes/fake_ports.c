/* fake_ports.c: the in-memory fakes of fake_ports.h, for core unit tests only. */
#include "fake_ports.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- clock ---- */

static int64_t clock_now(void *self) {
  return ((struct fake_clock *)self)->now;
}

struct clock_port fake_clock_port(struct fake_clock *c) {
  return (struct clock_port){.self = c, .now = clock_now};
}

/* ---- user_store ---- */
/* Unique indexes: email, username (in any case), and phone among verified numbers only. */

static struct vg_user *user_where(struct fake_user_store *s, size_t offset, const char *value) {
  for (int i = 0; i < s->count; i++)
    if (strcmp((char *)&s->users[i] + offset, value) == 0) return &s->users[i];
  return NULL;
}

/* Usernames are one whatever their case (the port's contract). */
static bool username_taken(struct fake_user_store *s, const char *username) {
  for (int i = 0; i < s->count; i++)
    if (strcasecmp(s->users[i].username, username) == 0) return true;
  return false;
}

static vg_result users_insert(void *self, struct vg_user *user, enum vg_unique_field *taken) {
  struct fake_user_store *s = self;
  if (s->down) return VG_ERR_UNAVAILABLE;
  *taken = VG_UNIQUE_UNKNOWN;
  if (user_where(s, offsetof(struct vg_user, email), user->email))
    *taken = VG_UNIQUE_EMAIL;
  else if (username_taken(s, user->username))
    *taken = VG_UNIQUE_USERNAME;
  if (*taken != VG_UNIQUE_UNKNOWN) return VG_ERR_CONFLICT;
  if (s->count == FAKE_USERS_MAX) return VG_ERR_INTERNAL;
  snprintf(user->id, sizeof user->id, "%024x", (unsigned)++s->next_id);
  s->users[s->count++] = *user;
  return VG_OK;
}

static vg_result users_find_by_email(void *self, const char *email, struct vg_user *out) {
  struct fake_user_store *s = self;
  if (s->down) return VG_ERR_UNAVAILABLE;
  struct vg_user *u = user_where(s, offsetof(struct vg_user, email), email);
  if (!u) return VG_ERR_NOT_FOUND;
  *out = *u;
  return VG_OK;
}

static vg_result users_find_by_id(void *self, const char *id, struct vg_user *out) {
  struct fake_user_store *s = self;
  if (s->down) return VG_ERR_UNAVAILABLE;
  struct vg_user *u = fake_user_store_by_id(s, id);
  if (!u) return VG_ERR_NOT_FOUND;
  *out = *u;
  return VG_OK;
}

static vg_result users_find_by_verified_phone(void *self, const char *phone, struct vg_user *out) {
  struct fake_user_store *s = self;
  if (s->down) return VG_ERR_UNAVAILABLE;
  for (int i = 0; i < s->count; i++)
    if (s->users[i].phone_verified && strcmp(s->users[i].phone, phone) == 0) {
      *out = s->users[i];
      return VG_OK;
    }
  return VG_ERR_NOT_FOUND;
}

/* The phone "index" holds among verified numbers only. */
static vg_result users_update(void *self, const char *id, const struct vg_user_change *change,
                              enum vg_unique_field *taken) {
  struct fake_user_store *s = self;
  if (change->phone_verified) s->verified_writes++;
  if (s->down) return VG_ERR_UNAVAILABLE;
  struct vg_user *u = fake_user_store_by_id(s, id);
  if (!u) return VG_ERR_NOT_FOUND;
  const char *phone = change->phone ? change->phone : u->phone;
  /* Only a write that leaves the number verified enters the partial index (an unverified
   * number's user may still change its password). */
  bool verified = change->phone || change->phone_verified || u->phone_verified;
  for (int i = 0; verified && i < s->count; i++)
    if (&s->users[i] != u && s->users[i].phone_verified && strcmp(s->users[i].phone, phone) == 0) {
      if (taken) *taken = VG_UNIQUE_PHONE;
      return VG_ERR_CONFLICT;
    }
  if (change->password_hash)
    snprintf(u->password_hash, sizeof u->password_hash, "%s", change->password_hash);
  if (change->phone) snprintf(u->phone, sizeof u->phone, "%s", change->phone);
  if (change->phone || change->phone_verified) u->phone_verified = true;
  return VG_OK;
}

static vg_result users_remove(void *self, const char *id) {
  struct fake_user_store *s = self;
  if (s->down || s->remove_fails) return VG_ERR_UNAVAILABLE;
  return fake_user_store_delete(s, id) ? VG_OK : VG_ERR_NOT_FOUND;
}

static vg_result users_ping(void *self) {
  return ((struct fake_user_store *)self)->down ? VG_ERR_UNAVAILABLE : VG_OK;
}

struct user_store fake_user_store_port(struct fake_user_store *s) {
  return (struct user_store){.self = s,
                             .insert = users_insert,
                             .find_by_email = users_find_by_email,
                             .find_by_id = users_find_by_id,
                             .find_by_verified_phone = users_find_by_verified_phone,
                             .update = users_update,
                             .remove = users_remove,
                             .ping = users_ping};
}

struct vg_user *fake_user_store_by_id(struct fake_user_store *s, const char *id) {
  return user_where(s, offsetof(struct vg_user, id), id);
}

bool fake_user_store_delete(struct fake_user_store *s, const char *id) {
  struct vg_user *u = fake_user_store_by_id(s, id);
  if (!u) return false;
  *u = s->users[--s->count];
  return true;
}

/* ---- pending_store ---- */

void fake_pending_store_init(struct fake_pending_store *s, struct fake_clock *clock) {
  memset(s, 0, sizeof *s);
  s->clock = clock;
}

static struct fake_pending_entry *entry(struct fake_pending_store *s, const char *jti) {
  for (int i = 0; i < FAKE_PENDING_MAX; i++) {
    struct fake_pending_entry *e = &s->entries[i];
    if (!e->used) continue;
    if (e->expires_at <= s->clock->now)
      e->used = false; /* expired, as Redis would */
    else if (strcmp(e->jti, jti) == 0)
      return e;
  }
  return NULL;
}

static struct fake_lock *lock_of(struct fake_pending_store *s, const char *jti) {
  for (int i = 0; i < FAKE_PENDING_MAX; i++) {
    struct fake_lock *l = &s->locks[i];
    if (!l->used) continue;
    if (l->expires_at <= s->clock->now)
      l->used = false;
    else if (strcmp(l->jti, jti) == 0)
      return l;
  }
  return NULL;
}

static vg_result pending_create(void *self, const char *jti, const struct vg_pending *p, int ttl) {
  struct fake_pending_store *s = self;
  if (s->down) return VG_ERR_UNAVAILABLE;
  if (ttl <= 0) return VG_ERR_INTERNAL;
  struct fake_pending_entry *e = entry(s, jti);
  for (int i = 0; !e && i < FAKE_PENDING_MAX; i++)
    if (!s->entries[i].used) e = &s->entries[i];
  if (!e) return VG_ERR_INTERNAL;
  e->used = true;
  snprintf(e->jti, sizeof e->jti, "%s", jti);
  e->p = *p;
  e->expires_at = s->clock->now + ttl;
  if (s->create_lost) return VG_ERR_UNAVAILABLE;
  s->creates++;
  s->last_ttl = ttl;
  return VG_OK;
}

static vg_result pending_get(void *self, const char *jti, struct vg_pending *out) {
  struct fake_pending_store *s = self;
  if (s->down) return VG_ERR_UNAVAILABLE;
  struct fake_pending_entry *e = entry(s, jti);
  if (!e) return VG_ERR_NOT_FOUND;
  *out = e->p;
  return VG_OK;
}

/* The limit is checked before the cooldown, as the Redis script does. */
static vg_result pending_reserve_send(void *self, const char *jti, int64_t now, int cooldown,
                                      int max_sends, int *sends, int *retry_after) {
  struct fake_pending_store *s = self;
  if (s->down) return VG_ERR_UNAVAILABLE;
  struct fake_pending_entry *e = entry(s, jti);
  if (!e) return VG_ERR_NOT_FOUND;
  if (e->p.sends >= max_sends) return VG_ERR_RESEND_LIMIT;
  if (now - e->p.last_send_at < cooldown) {
    *retry_after = (int)(cooldown - (now - e->p.last_send_at));
    return VG_ERR_RESEND_COOLDOWN;
  }
  *sends = ++e->p.sends;
  e->p.last_send_at = now;
  return VG_OK;
}

static vg_result pending_record_send(void *self, const char *jti, const char *sid,
                                     const struct vg_delivery *d) {
  struct fake_pending_store *s = self;
  if (s->down) return VG_ERR_UNAVAILABLE;
  struct fake_pending_entry *e = entry(s, jti);
  if (!e) return VG_ERR_NOT_FOUND;
  snprintf(e->p.verification_sid, sizeof e->p.verification_sid, "%s", sid);
  e->p.delivery = *d;
  return VG_OK;
}

static vg_result pending_release_send(void *self, const char *jti, int64_t previous_send_at) {
  struct fake_pending_store *s = self;
  if (s->down) return VG_ERR_UNAVAILABLE;
  s->releases++;
  struct fake_pending_entry *e = entry(s, jti);
  if (!e) return VG_ERR_NOT_FOUND;
  if (e->p.sends > 0) e->p.sends--;
  e->p.last_send_at = previous_send_at;
  return VG_OK;
}

/* Never creates a record: a wrong code for a gone login is not counted anywhere. */
static vg_result pending_add_attempt(void *self, const char *jti, int *attempts) {
  struct fake_pending_store *s = self;
  if (s->down) return VG_ERR_UNAVAILABLE;
  struct fake_pending_entry *e = entry(s, jti);
  if (!e) return VG_ERR_NOT_FOUND;
  *attempts = ++e->p.attempts;
  return VG_OK;
}

/* Like the Redis script: no record, no lock; else SET NX EX with a new owner, and the record. */
static vg_result pending_lock(void *self, const char *jti, int ttl, char owner[VG_LOCK_OWNER_MAX],
                              struct vg_pending *out) {
  struct fake_pending_store *s = self;
  if (s->down) return VG_ERR_UNAVAILABLE;
  struct fake_pending_entry *e = entry(s, jti);
  if (!e) return VG_ERR_NOT_FOUND;
  if (lock_of(s, jti)) return VG_ERR_VERIFY_IN_PROGRESS;
  *out = e->p;
  for (int i = 0; i < FAKE_PENDING_MAX; i++) {
    struct fake_lock *l = &s->locks[i];
    if (l->used) continue;
    l->used = true;
    snprintf(l->jti, sizeof l->jti, "%s", jti);
    snprintf(l->owner, sizeof l->owner, "owner%d", ++s->owners);
    snprintf(owner, VG_LOCK_OWNER_MAX, "%s", l->owner);
    l->expires_at = s->clock->now + (ttl > 0 ? ttl : 1);
    return VG_OK;
  }
  return VG_ERR_INTERNAL;
}

/* Compare and delete, like the Redis script: another owner's lock stays. */
static void release_if_owner(struct fake_pending_store *s, const char *jti, const char *owner) {
  struct fake_lock *l = lock_of(s, jti);
  if (l && owner && strcmp(l->owner, owner) == 0) l->used = false;
}

static vg_result pending_unlock(void *self, const char *jti, const char *owner) {
  struct fake_pending_store *s = self;
  if (s->down) return VG_ERR_UNAVAILABLE;
  release_if_owner(s, jti, owner);
  return VG_OK;
}

static vg_result pending_approve(void *self, const char *jti) {
  struct fake_pending_store *s = self;
  if (s->down) return VG_ERR_UNAVAILABLE;
  struct fake_pending_entry *e = entry(s, jti);
  if (!e) return VG_ERR_NOT_FOUND;
  e->p.approved = true;
  s->approves++;
  return VG_OK;
}

vg_result fake_pending_store_consume(struct fake_pending_store *s, const char *jti,
                                     const char *owner) {
  struct fake_pending_entry *e = entry(s, jti);
  if (!e) return VG_ERR_NOT_FOUND;
  e->used = false;
  release_if_owner(s, jti, owner);
  return VG_OK;
}

static vg_result pending_remove(void *self, const char *jti) {
  struct fake_pending_store *s = self;
  if (s->down) return VG_ERR_UNAVAILABLE;
  struct fake_pending_entry *e = entry(s, jti);
  if (e) e->used = false;
  return VG_OK;
}

static vg_result pending_ping(void *self) {
  return ((struct fake_pending_store *)self)->down ? VG_ERR_UNAVAILABLE : VG_OK;
}

struct pending_store fake_pending_store_port(struct fake_pending_store *s) {
  return (struct pending_store){.self = s,
                                .create = pending_create,
                                .get = pending_get,
                                .reserve_send = pending_reserve_send,
                                .record_send = pending_record_send,
                                .release_send = pending_release_send,
                                .add_attempt = pending_add_attempt,
                                .lock = pending_lock,
                                .unlock = pending_unlock,
                                .approve = pending_approve,
                                .remove = pending_remove,
                                .ping = pending_ping};
}

struct vg_pending *fake_pending_store_find(struct fake_pending_store *s, const char *jti) {
  struct fake_pending_entry *e = entry(s, jti);
  return e ? &e->p : NULL;
}

int fake_pending_store_count(struct fake_pending_store *s) {
  int n = 0;
  for (int i = 0; i < FAKE_PENDING_MAX; i++)
    if (s->entries[i].used && s->entries[i].expires_at > s->clock->now) n++;
  return n;
}

bool fake_pending_store_locked(struct fake_pending_store *s, const char *jti) {
  return lock_of(s, jti) != NULL;
}

/* ---- otp_sender ---- */

static vg_result otp_start(void *self, const char *phone, const struct vg_delivery *d,
                           char sid[VG_SID_MAX], int *retry_after) {
  struct fake_otp_sender *o = self;
  o->starts++;
  o->last_delivery = *d;
  snprintf(o->last_phone, sizeof o->last_phone, "%s", phone);
  vg_result r = o->next_start;
  o->next_start = VG_OK;
  if (r != VG_OK) {
    *retry_after = o->next_start_retry_after;
    return r;
  }
  snprintf(sid, VG_SID_MAX, "VE%032x", (unsigned)o->starts);
  o->approved = false;
  return VG_OK;
}

static vg_result otp_check(void *self, const char *phone, const char *code, int *retry_after) {
  struct fake_otp_sender *o = self;
  o->checks++;
  snprintf(o->last_phone, sizeof o->last_phone, "%s", phone);
  snprintf(o->last_code, sizeof o->last_code, "%s", code);
  vg_result r = o->next_check;
  o->next_check = VG_OK;
  if (r != VG_OK) {
    *retry_after = o->next_check_retry_after;
    return r;
  }
  if (o->approved) return VG_ERR_VERIFICATION_EXPIRED;
  if (strcmp(code, o->correct_code) != 0) return VG_ERR_WRONG_CODE;
  o->approved = true;
  return VG_OK;
}

static vg_result otp_cancel(void *self, const char *sid) {
  struct fake_otp_sender *o = self;
  o->cancels++;
  snprintf(o->last_canceled_sid, sizeof o->last_canceled_sid, "%s", sid);
  return VG_OK;
}

struct otp_sender fake_otp_sender_port(struct fake_otp_sender *o) {
  return (struct otp_sender){
      .self = o, .start = otp_start, .check = otp_check, .cancel = otp_cancel};
}

/* ---- token_service ---- */

static vg_result tokens_issue(void *self, enum vg_token_kind kind, const char *sub,
                              int64_t auth_time, const char *sid, const char *amr, char **token,
                              struct vg_claims *claims) {
  struct fake_token_service *t = self;
  *token = NULL;
  if (t->fail_issue || t->count == FAKE_TOKENS_MAX) return VG_ERR_INTERNAL;
  struct fake_issued_token *it = &t->issued[t->count++];
  memset(it, 0, sizeof *it);
  it->claims.kind = kind;
  snprintf(it->claims.sub, sizeof it->claims.sub, "%s", kind == VG_TOKEN_RESET || !sub ? "" : sub);
  snprintf(it->claims.jti, sizeof it->claims.jti, "jti%d", t->count);
  it->claims.iat = t->clock->now;
  it->claims.exp = t->clock->now + (kind == VG_TOKEN_ACCESS ? t->access_ttl : t->mfa_ttl);
  it->claims.auth_time = auth_time;
  if (sid) snprintf(it->claims.sid, sizeof it->claims.sid, "%s", sid);
  if (kind == VG_TOKEN_ACCESS)
    snprintf(it->claims.amr, sizeof it->claims.amr, "%s", amr ? amr : "sms");
  char text[FAKE_TOKEN_LEN];
  static const char *const prefix[] = {"mfa", "at", "reset"};
  snprintf(text, sizeof text, "%s:%s:%s", prefix[kind], it->claims.sub, it->claims.jti);
  memcpy(it->token, text, sizeof text);
  *token = strdup(it->token);
  if (!*token) return VG_ERR_INTERNAL;
  *claims = it->claims;
  return VG_OK;
}

static vg_result tokens_verify(void *self, const char *token, struct vg_claims *claims) {
  struct fake_token_service *t = self;
  memset(claims, 0, sizeof *claims);
  for (int i = 0; token && i < t->count; i++) {
    if (strcmp(t->issued[i].token, token) != 0) continue;
    if (t->issued[i].claims.exp <= t->clock->now) return VG_ERR_INVALID_TOKEN;
    *claims = t->issued[i].claims;
    return VG_OK;
  }
  return VG_ERR_INVALID_TOKEN;
}

static const char *tokens_jwks(void *self) {
  (void)self;
  return "{\"keys\":[]}";
}

struct token_service fake_token_service_port(struct fake_token_service *t) {
  return (struct token_service){
      .self = t, .issue = tokens_issue, .verify = tokens_verify, .jwks = tokens_jwks};
}

/* ---- password_hasher ---- */

static vg_result hasher_hash(void *self, const char *password, char out[VG_HASH_MAX]) {
  ((struct fake_hasher *)self)->hashes++;
  snprintf(out, VG_HASH_MAX, "h:%s", password);
  return VG_OK;
}

static vg_result hasher_verify(void *self, const char *hash, const char *password) {
  struct fake_hasher *h = self;
  if (h->during_verify) {
    void (*during)(void *) = h->during_verify;
    h->during_verify = NULL;
    during(h->during_ctx);
  }
  if (h->next_verify != VG_OK) {
    vg_result r = h->next_verify;
    h->next_verify = VG_OK;
    return r;
  }
  h->verifies++;
  return strncmp(hash, "h:", 2) == 0 && strcmp(hash + 2, password) == 0
             ? VG_OK
             : VG_ERR_INVALID_CREDENTIALS;
}

static vg_result hasher_admit(void *self) {
  return ((struct fake_hasher *)self)->full ? VG_ERR_OVERLOADED : VG_OK;
}

struct password_hasher fake_hasher_port(struct fake_hasher *h) {
  return (struct password_hasher){
      .self = h, .hash = hasher_hash, .verify = hasher_verify, .admit = hasher_admit};
}

/* ---- phone_numbers ---- */

static enum vg_phone_kind phone_kind(const char *e164) {
  static const struct {
    const char *prefix;
    enum vg_phone_kind kind;
  } kinds[] = {{"+1800", VG_PHONE_KIND_TOLL_FREE},
               {"+1900", VG_PHONE_KIND_PREMIUM_RATE},
               {"+4484", VG_PHONE_KIND_SHARED_COST},
               {"+4420", VG_PHONE_KIND_FIXED_LINE}};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (strncmp(e164, kinds[i].prefix, strlen(kinds[i].prefix)) == 0) return kinds[i].kind;
  return VG_PHONE_KIND_MOBILE;
}

static enum vg_phone_parse phones_parse(void *self, const char *raw, const char *region,
                                        char e164[VG_PHONE_MAX], enum vg_phone_kind *kind) {
  struct fake_phone_numbers *p = self;
  p->calls++;
  e164[0] = '\0';
  char digits[64] = "";
  size_t n = 0;
  for (const char *c = raw[0] == '+' ? raw + 1 : raw; *c; c++) {
    if (*c == ' ' || *c == '-') continue;
    if (*c < '0' || *c > '9' || n + 1 >= sizeof digits) return VG_PHONE_NOT_A_NUMBER;
    digits[n++] = *c;
  }
  digits[n] = '\0';
  if (raw[0] == '+') {
    snprintf(e164, VG_PHONE_MAX, "+%.15s", digits);
  } else if (!region) {
    return VG_PHONE_NO_COUNTRY;
  } else if (strcmp(region, "US") == 0) {
    snprintf(e164, VG_PHONE_MAX, "+1%.14s", digits);
  } else if (strcmp(region, "GB") == 0) {
    snprintf(e164, VG_PHONE_MAX, "+44%.13s", digits[0] == '0' ? digits + 1 : digits);
  } else {
    return VG_PHONE_BAD_REGION;
  }
  if (n > 15 || vg_check_phone(e164)) {
    e164[0] = '\0';
    return VG_PHONE_NOT_IN_PLAN;
  }
  *kind = phone_kind(e164);
  return VG_PHONE_PARSED;
}

struct phone_numbers fake_phone_numbers_port(struct fake_phone_numbers *p) {
  return (struct phone_numbers){.self = p, .parse = phones_parse};
}

/* ---- the world ---- */

static struct fake_counter *counter(struct fake_rate_limiter *r, const struct vg_limit *l,
                                    bool create) {
  char key[160];
  snprintf(key, sizeof key, "%s|%s", l->scope, l->subject);
  for (int i = 0; i < r->n; i++) {
    struct fake_counter *c = &r->counters[i];
    if (strcmp(c->key, key) != 0) continue;
    if (c->expires > r->clock->now) return c;
    c->count = 0; /* window over: start a new one */
    c->expires = r->clock->now + l->window;
    return create ? c : NULL;
  }
  if (!create || r->n == FAKE_COUNTERS_MAX) return NULL;
  struct fake_counter *c = &r->counters[r->n++];
  snprintf(c->key, sizeof c->key, "%s", key);
  c->count = 0;
  c->expires = r->clock->now + l->window;
  return c;
}

static vg_result limiter_find(struct fake_rate_limiter *r, const struct vg_limit *limits, int n,
                              int *which, int *retry_after) {
  *which = -1;
  *retry_after = 0;
  if (r->down) return VG_ERR_UNAVAILABLE;
  for (int i = 0; i < n; i++) {
    if (limits[i].limit <= 0) continue;
    struct fake_counter *c = counter(r, &limits[i], false);
    if (c && c->count >= limits[i].limit) {
      *which = i;
      *retry_after = (int)(c->expires - r->clock->now);
      return VG_ERR_RATE_LIMITED;
    }
  }
  return VG_OK;
}

static void limiter_give_back(struct fake_rate_limiter *r, struct vg_reservation *res,
                              bool succeeded) {
  struct fake_counter *c;
  if (res->locked && (c = counter(r, &res->lock, false))) c->count = 0;
  if (res->account.limit > 0 && (c = counter(r, &res->account, false)) && c->count > 0)
    c->count = succeeded ? 0 : c->count - 1;
  if (res->ip.limit > 0 && (c = counter(r, &res->ip, false)) && c->count > 0) c->count--;
  res->taken = res->locked = false;
}

static vg_result limiter_take(void *self, const struct vg_limit *limits, int n,
                              struct vg_reservation *back, int *which, int *retry_after) {
  struct fake_rate_limiter *r = self;
  r->calls++;
  if (r->next_take != VG_OK) {
    vg_result failed = r->next_take;
    r->next_take = VG_OK;
    return failed;
  }
  if (back && !r->down) limiter_give_back(r, back, true);
  vg_result res = limiter_find(self, limits, n, which, retry_after);
  for (int i = 0; res == VG_OK && i < n; i++)
    if (limits[i].limit > 0) counter(self, &limits[i], true)->count++;
  return res;
}

static vg_result limiter_untake(void *self, const struct vg_limit *limits, int n) {
  struct fake_rate_limiter *r = self;
  r->calls++;
  if (r->down) return VG_ERR_UNAVAILABLE;
  for (int i = 0; i < n; i++) {
    struct fake_counter *c = limits[i].limit > 0 ? counter(r, &limits[i], false) : NULL;
    if (c && c->count > 0) c->count--;
  }
  return VG_OK;
}

static vg_result limiter_reserve(void *self, struct vg_reservation *res, int *retry_after) {
  struct fake_rate_limiter *r = self;
  r->calls++;
  res->taken = res->locked = false;
  struct vg_limit gate[3] = {res->lock, res->ip, res->account};
  int which;
  vg_result found = limiter_find(r, gate, 3, &which, retry_after);
  if (found != VG_OK) return found;
  if (res->ip.limit > 0) counter(r, &res->ip, true)->count++;
  if (res->account.limit > 0) {
    struct fake_counter *c = counter(r, &res->account, true);
    if (++c->count >= res->account.limit && res->lock.limit > 0) {
      struct fake_counter *lock = counter(r, &res->lock, true);
      lock->count = 1;
      lock->expires = r->clock->now + res->lock.window;
      c->expires = lock->expires;
      res->locked = true;
    }
  }
  res->taken = true;
  return VG_OK;
}

static vg_result limiter_give_back_port(void *self, struct vg_reservation *res, bool succeeded) {
  struct fake_rate_limiter *r = self;
  r->calls++;
  if (r->down) return VG_ERR_UNAVAILABLE;
  limiter_give_back(r, res, succeeded);
  return VG_OK;
}

/* Not keyed: the fake only needs tags that differ between subjects and never are the subject. */
static void limiter_tag(void *self, const char *subject, char out[VG_ACCOUNT_TAG_MAX]) {
  (void)self;
  unsigned long long h = 1469598103934665603ULL; /* FNV-1a */
  for (const char *p = subject; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ULL;
  snprintf(out, VG_ACCOUNT_TAG_MAX, "%016llx", h);
}

struct rate_limiter fake_rate_limiter_port(struct fake_rate_limiter *r) {
  return (struct rate_limiter){.self = r,
                               .take = limiter_take,
                               .untake = limiter_untake,
                               .reserve = limiter_reserve,
                               .give_back = limiter_give_back_port,
                               .tag = limiter_tag};
}

int fake_rate_limiter_count(struct fake_rate_limiter *r, const char *scope, const char *subject) {
  struct vg_limit l = {scope, subject, 1, 1};
  struct fake_counter *c = counter(r, &l, false);
  return c ? c->count : 0;
}

const struct signup_input FAKE_ALICE = {
    .name = "Alice Liddell",
    .username = "alice",
    .email = "alice@example.com",
    .password = "correct horse",
    .phone = "+15551234567",
};

struct vg_claims fake_world_claims_of(const struct fake_world *w, const char *token) {
  struct vg_claims c;
  memset(&c, 0, sizeof c);
  for (int i = 0; i < w->tokens.count; i++)
    if (strcmp(w->tokens.issued[i].token, token) == 0) c = w->tokens.issued[i].claims;
  return c;
}

void fake_world_init(struct fake_world *w) {
  memset(w, 0, sizeof *w);
  w->clock.now = FAKE_EPOCH;
  fake_pending_store_init(&w->pending, &w->clock);
  snprintf(w->otp.correct_code, sizeof w->otp.correct_code, "123456");
  w->tokens.clock = &w->clock;
  w->tokens.mfa_ttl = 300;
  w->tokens.access_ttl = 900;
  w->auth.users = fake_user_store_port(&w->users);
  w->auth.pending = fake_pending_store_port(&w->pending);
  w->auth.otp = fake_otp_sender_port(&w->otp);
  w->auth.tokens = fake_token_service_port(&w->tokens);
  w->auth.hasher = fake_hasher_port(&w->hasher);
  w->auth.clock = fake_clock_port(&w->clock);
  w->limiter.clock = &w->clock;
  w->auth.limiter = fake_rate_limiter_port(&w->limiter);
  fake_session_store_init(&w->sessions, &w->clock);
  w->sessions.pending = &w->pending;
  w->auth.sessions = fake_session_store_port(&w->sessions);
  w->auth.phones = fake_phone_numbers_port(&w->phones);
  w->auth.abuse = abuse_rules_default();
  auth_init(&w->auth, auth_rules_default());
}
