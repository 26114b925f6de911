/* json_io.h: JSON request bodies in, JSON responses out. */
#ifndef VG_JSON_IO_H
#define VG_JSON_IO_H

#include <stdbool.h>

#include <jansson.h>
#include <ulfius.h>

#include "core/validate.h"

#define JSON_BODY_MAX 16384 /* bytes; anything larger is refused with 413 */

enum json_media { JSON_PLAIN, JSON_PROBLEM };

/* Sends body (stolen; NULL sends a 500 problem) with status and the media type's Content-Type. */
void json_send(struct _u_response *res, int status, json_t *body, enum json_media media);

/* Reads the request body as a JSON object into *out (the caller decrefs it). An empty body gives
 * an empty object when allow_empty. On failure the problem (413, 415 or 400) is already written
 * to res and false returned. */
bool json_read_object(const struct _u_request *req, struct _u_response *res, bool allow_empty,
                      json_t **out);

/* The string member name of obj, or NULL when it is absent, null or not a string; a present
 * member of the wrong type is added to errs, so it never reaches core as something else. */
const char *json_string_member(json_t *obj, const char *name, struct vg_field_errors *errs);

#endif
