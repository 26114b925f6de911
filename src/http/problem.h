/* problem.h: every error answer, as application/problem+json (RFC 9457), from one table. */
#ifndef VG_PROBLEM_H
#define VG_PROBLEM_H

#include <stdbool.h>

#include <jansson.h>
#include <ulfius.h>

#include "core/result.h"
#include "core/validate.h"

/* Errors of the HTTP layer itself, which core never sees. */
enum http_error {
  HTTP_ERR_NOT_FOUND,
  HTTP_ERR_METHOD_NOT_ALLOWED,
  HTTP_ERR_PAYLOAD_TOO_LARGE,
  HTTP_ERR_UNSUPPORTED_MEDIA_TYPE,
  HTTP_ERR_MALFORMED_REQUEST,
  HTTP_ERR_NOT_READY,
  HTTP_ERR_COUNT
};

struct problem_kind {
  int status;
  const char *type;
  const char *title;
};

/* The status, type and title for a core result (VG_OK has none: status 0). */
struct problem_kind problem_for_result(vg_result r);
struct problem_kind problem_for_http(enum http_error e);

/* Writes the problem kind with detail into res. extra (may be NULL) is merged into the body and
 * released; an integer "retry_after" in it also becomes the Retry-After header. */
void problem_send(struct _u_response *res, struct problem_kind kind, const char *detail,
                  json_t *extra);

/* problem_send for a core result, adding the headers RFC 6750 and RFC 9470 ask of bearer
 * errors, and errs (may be NULL) as the "errors" member. */
void problem_send_result(struct _u_response *res, vg_result r, const char *detail,
                         const struct vg_field_errors *errs, json_t *extra);

/* What a refusal carries beside the problem's own members, or NULL: attempts_left with a wrong
 * code (0 with the last one), retry_after with a result that tells the client to wait (the
 * limits, a check already running). Handlers pass what their core output holds. */
json_t *problem_extra(vg_result r, int attempts_left, int retry_after);

/* problem_send_result for an operation that takes a bearer token. A request that carried no
 * bearer credentials at all (bearer_sent false: no Authorization header, or another scheme) is
 * only told the scheme, `Bearer realm="verigate"`, with no error code (RFC 6750 §3.1). */
void problem_send_bearer_result(struct _u_response *res, bool bearer_sent, vg_result r,
                                const char *detail, const struct vg_field_errors *errs,
                                json_t *extra);

#endif
