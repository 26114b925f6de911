/* json_io.c: strict JSON body handling: media type, size, syntax, object, member types. */
#include "http/json_io.h"

#include <string.h>
#include <strings.h>

#include "http/problem.h"

void json_send(struct _u_response *res, int status, json_t *body, enum json_media media) {
  char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  if (!text) {
    status = 500;
    text = strdup(
        "{\"type\":\"/problems/internal-error\",\"title\":\"Internal error\","
        "\"status\":500,\"detail\":\"Internal error\"}");
    media = JSON_PROBLEM;
  }
  ulfius_set_string_body_response(res, (unsigned int)status, text ? text : "");
  free(text);
  u_map_put(res->map_header, "Content-Type",
            media == JSON_PROBLEM ? "application/problem+json" : "application/json");
}

/* application/json, with or without parameters such as charset. */
static bool is_json_media_type(const char *value) {
  if (!value) return false;
  while (*value == ' ') value++;
  size_t n = strlen("application/json");
  if (strncasecmp(value, "application/json", n) != 0) return false;
  return value[n] == '\0' || value[n] == ';' || value[n] == ' ';
}

bool json_read_object(const struct _u_request *req, struct _u_response *res, bool allow_empty,
                      json_t **out) {
  *out = NULL;
  size_t len = req->binary_body_length; /* at most JSON_BODY_MAX: request.c answered larger */
  if (len == 0 && allow_empty) {
    *out = json_object();
    return *out != NULL;
  }
  if (!is_json_media_type(u_map_get_case(req->map_header, "Content-Type"))) {
    problem_send(res, problem_for_http(HTTP_ERR_UNSUPPORTED_MEDIA_TYPE),
                 "The request body must be application/json", NULL);
    return false;
  }
  json_error_t error;
  json_t *body = json_loadb(req->binary_body, len, JSON_REJECT_DUPLICATES, &error);
  if (!json_is_object(body)) {
    json_decref(body);
    problem_send(
        res, problem_for_http(HTTP_ERR_MALFORMED_REQUEST),
        body ? "The request body must be a JSON object" : "The request body is not valid JSON",
        NULL);
    return false;
  }
  *out = body;
  return true;
}

const char *json_string_member(json_t *obj, const char *name, struct vg_field_errors *errs) {
  json_t *value = json_object_get(obj, name);
  if (!value || json_is_null(value)) return NULL;
  if (!json_is_string(value)) {
    vg_field_errors_add(errs, name, "must be a string");
    return NULL;
  }
  const char *s = json_string_value(value);
  /* An embedded NUL would make C see a different string than the client sent. */
  if (strlen(s) != json_string_length(value)) {
    vg_field_errors_add(errs, name, "must not contain NUL characters");
    return NULL;
  }
  return s;
}
