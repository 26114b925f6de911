/* user_store.h: where users live (MongoDB in production). */
#ifndef VG_PORT_USER_STORE_H
#define VG_PORT_USER_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/result.h"
#include "ports/factors.h"
#include "ports/password_hasher.h"

#define VG_ID_MAX 25    /* 24 hex characters of an ObjectId + NUL */
#define VG_NAME_MAX 401 /* 100 characters of up to 4 UTF-8 bytes + NUL */
#define VG_USERNAME_MAX 33
#define VG_EMAIL_MAX 255
#define VG_PHONE_MAX 17 /* '+' and at most 15 digits + NUL */

struct vg_user {
  char id[VG_ID_MAX];
  char name[VG_NAME_MAX];
  char username[VG_USERNAME_MAX];
  char email[VG_EMAIL_MAX];
  char phone[VG_PHONE_MAX];
  char password_hash[VG_HASH_MAX];
  bool phone_verified;
  int64_t created_at; /* milliseconds since the Unix epoch */
  bool totp;          /* a confirmed TOTP factor is enrolled (ports/factors.h) */
  char totp_box[VG_TOTP_BOX_MAX]; /* its sealed secret, when totp */
};

/* What user_store.update changes: NULL and false leave a field as it is. */
struct vg_user_change {
  const char *password_hash; /* a new hash (password change, reset) */
  const char *phone;         /* a new number, E.164, stored as verified (phone change) */
  bool phone_verified;       /* marks the current number verified */
};

/* Which unique field a conflicting insert collided on. */
enum vg_unique_field { VG_UNIQUE_UNKNOWN, VG_UNIQUE_EMAIL, VG_UNIQUE_USERNAME, VG_UNIQUE_PHONE };

struct user_store {
  void *self;
  /* Inserts user; fills user->id. VG_ERR_CONFLICT (and *taken) when another user has its email,
   * or its username in any case ("Ann" and "ann" are one username; each user keeps the case it
   * chose). A phone is unique among verified numbers only, and a new user's is unverified: two
   * users may register one number, and the first to verify it keeps it. */
  vg_result (*insert)(void *self, struct vg_user *user, enum vg_unique_field *taken);
  /* VG_ERR_NOT_FOUND when no user has that (normalised) email. */
  vg_result (*find_by_email)(void *self, const char *email, struct vg_user *out);
  vg_result (*find_by_id)(void *self, const char *id, struct vg_user *out);
  /* The user whose VERIFIED number is phone (E.164): at most one, by the partial unique index.
   * VG_ERR_NOT_FOUND when no user has verified it (unverified holders are not looked at). */
  vg_result (*find_by_verified_phone)(void *self, const char *phone, struct vg_user *out);
  /* Applies change to user id in one atomic write (and updated_at). VG_ERR_NOT_FOUND when no
   * user has id; VG_ERR_CONFLICT (and *taken, which may be NULL) when a unique index refuses it. */
  vg_result (*update)(void *self, const char *id, const struct vg_user_change *change,
                      enum vg_unique_field *taken);
  /* Deletes user id and everything its document holds. VG_ERR_NOT_FOUND when there is none. */
  vg_result (*remove)(void *self, const char *id);
  /* VG_OK when the store answers, VG_ERR_UNAVAILABLE otherwise. */
  vg_result (*ping)(void *self);
};

#endif
