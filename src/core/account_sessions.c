/* account_sessions.c: a user's sessions as the user sees them (GET /sessions) and ends them one
 * by one (DELETE /sessions/{id}), and what a session keeps of the client that started it. */
#include "core/auth_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of the UTF-8 sequence that starts with lead; 1 for a byte that starts none. */
static size_t utf8_sequence_length(unsigned char lead) {
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  if (lead >= 0xe0) return lead <= 0xef ? 3 : 1;
  if (lead >= 0xc2) return 2;
  return 1;
}

/* A User-Agent is whatever the client sent: shown back to the user and kept in Redis, it keeps
 * no control byte (no line breaks, escapes or NULs for a page or a log to trip on) and no more
 * than fits, never half a character. */
void auth_session_client(const char *user_agent, const char *ip_prefix,
                         struct vg_session_client *out) {
  memset(out, 0, sizeof *out);
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)(user_agent ? user_agent : ""); *p;) {
    if (*p < 0x20 || *p == 0x7f) {
      p++;
      continue;
    }
    size_t len = utf8_sequence_length(*p);
    size_t have = 1;
    while (have < len && p[have] >= 0x80 && p[have] <= 0xbf) have++;
    if (have < len || (*p >= 0x80 && len == 1)) { /* a broken sequence: its lead byte goes */
      p++;
      continue;
    }
    if (n + len > sizeof out->user_agent - 1) break;
    memcpy(out->user_agent + n, p, len);
    n += len;
    p += len;
  }
  if (ip_prefix && strlen(ip_prefix) < sizeof out->ip_prefix)
    snprintf(out->ip_prefix, sizeof out->ip_prefix, "%s", ip_prefix);
}

vg_result auth_sessions_list(struct auth *a, const char *access_token,
                             struct sessions_output *out) {
  memset(out, 0, sizeof *out);
  struct vg_claims claims;
  vg_result r = auth_require_access(a, access_token, &claims);
  if (r != VG_OK) return r;
  memcpy(out->user_id, claims.sub, sizeof out->user_id);
  memcpy(out->current, claims.sid, sizeof out->current);
  out->items = calloc(VG_SESSIONS_LIST_MAX, sizeof *out->items);
  if (!out->items) return VG_ERR_INTERNAL;
  r = a->sessions.list(a->sessions.self, claims.sub, out->items, VG_SESSIONS_LIST_MAX, &out->count);
  if (r != VG_OK) {
    free(out->items);
    out->items = NULL;
    out->count = 0;
  }
  return r;
}

vg_result auth_session_delete(struct auth *a, const char *access_token, const char *id,
                              struct session_delete_output *out) {
  memset(out, 0, sizeof *out);
  struct vg_claims claims;
  vg_result r = auth_require_access(a, access_token, &claims);
  if (r != VG_OK) return r;
  memcpy(out->user_id, claims.sub, sizeof out->user_id);
  /* Another user's session and one that does not exist get the same answer: a session id says
   * nothing to whoever does not hold it. Its owner never changes, so reading it first and
   * revoking it second leaves no gap that matters. */
  struct vg_session_info session;
  r = id && *id ? a->sessions.get(a->sessions.self, id, &session) : VG_ERR_NOT_FOUND;
  if (r == VG_OK && strcmp(session.user_id, claims.sub) != 0) r = VG_ERR_NOT_FOUND;
  if (r != VG_OK) return r == VG_ERR_NOT_FOUND ? VG_ERR_SESSION_NOT_FOUND : r;
  out->own = strcmp(id, claims.sid) == 0;
  r = a->sessions.revoke_session(a->sessions.self, id, auth_revocation_keep(a));
  /* Ending one's own session is a logout: the token that asked is denied as /logout's is. */
  return r == VG_OK && out->own ? auth_deny_token(a, &claims) : r;
}
