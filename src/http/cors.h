/* cors.h: CORS for browser SPAs. Only the exact origins of CORS_ALLOWED_ORIGINS are answered;
 * tokens travel in the Authorization header, so credentials (cookies) are never allowed. */
#ifndef VG_CORS_H
#define VG_CORS_H

#include <stdbool.h>

#include <ulfius.h>

/* True when origin is one of the comma-separated allowed origins, compared exactly. */
bool cors_origin_allowed(const char *allowed, const char *origin);

/* Adds the CORS headers of an actual response when req's Origin is allowed. */
void cors_add_headers(const char *allowed, const struct _u_request *req, struct _u_response *res);

/* Answers an OPTIONS preflight for a path that takes methods ("GET" or "POST, GET"). */
void cors_preflight(const char *allowed, const char *methods, const struct _u_request *req,
                    struct _u_response *res);

#endif
