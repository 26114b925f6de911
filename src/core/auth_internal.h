/* auth_internal.h: helpers shared by the use case files of core; not for other layers. */
#ifndef VG_AUTH_INTERNAL_H
#define VG_AUTH_INTERNAL_H

#include "core/auth.h"

/* Verifies token and requires its kind: VG_ERR_INVALID_TOKEN, or VG_ERR_INSUFFICIENT_AAL for an
 * mfa_token where an access_token is required. */
vg_result auth_require_token(struct auth *a, const char *token, enum vg_token_kind kind,
                             struct vg_claims *claims);

/* Adds "is required" for a NULL value, or check's message, unless the caller already refused
 * field (for example as the wrong JSON type). check may be NULL. */
void auth_require_field(struct vg_field_errors *errs, const char *field, const char *value,
                        const char *(*check)(const char *));

#endif
