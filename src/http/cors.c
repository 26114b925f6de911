/* cors.c: the Fetch standard's CORS protocol, for an allow-list of exact origins. */
#include "http/cors.h"

#include <string.h>

/* How long a browser may cache a preflight answer, in seconds. */
#define PREFLIGHT_MAX_AGE "600"

bool cors_origin_allowed(const char *allowed, const char *origin) {
  if (!allowed || !origin || !*origin) return false;
  size_t len = strlen(origin);
  while (*allowed) {
    while (*allowed == ' ' || *allowed == ',') allowed++;
    size_t n = strcspn(allowed, ", ");
    if (n == len && strncmp(allowed, origin, n) == 0) return true;
    allowed += n;
  }
  return false;
}

/* The answer depends on Origin, so shared caches must keep one copy per origin. */
static const char *allowed_origin(const char *allowed, const struct _u_request *req,
                                  struct _u_response *res) {
  u_map_put(res->map_header, "Vary", "Origin");
  const char *origin = u_map_get_case(req->map_header, "Origin");
  return cors_origin_allowed(allowed, origin) ? origin : NULL;
}

void cors_add_headers(const char *allowed, const struct _u_request *req, struct _u_response *res) {
  if (!allowed || !*allowed) return;
  const char *origin = allowed_origin(allowed, req, res);
  if (!origin) return;
  u_map_put(res->map_header, "Access-Control-Allow-Origin", origin);
  u_map_put(res->map_header, "Access-Control-Expose-Headers",
            "Retry-After, WWW-Authenticate, X-Request-Id");
}

void cors_preflight(const char *allowed, const char *methods, const struct _u_request *req,
                    struct _u_response *res) {
  ulfius_set_empty_body_response(res, 204);
  u_map_put(res->map_header, "Allow", methods);
  if (!allowed || !*allowed) return;
  const char *origin = allowed_origin(allowed, req, res);
  if (!origin) return; /* no CORS headers: the browser refuses the call */
  u_map_put(res->map_header, "Access-Control-Allow-Origin", origin);
  u_map_put(res->map_header, "Access-Control-Allow-Methods", methods);
  u_map_put(res->map_header, "Access-Control-Allow-Headers",
            "Authorization, Content-Type, X-Request-Id");
  u_map_put(res->map_header, "Access-Control-Max-Age", PREFLIGHT_MAX_AGE);
}
