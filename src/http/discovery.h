/* discovery.h: the RFC 8414 authorization server metadata of
 * /.well-known/oauth-authorization-server, made once at start. */
#ifndef VG_DISCOVERY_H
#define VG_DISCOVERY_H

#include <stdbool.h>

/* The metadata as JSON text, every URL under public_url (PUBLIC_URL, or JWT_ISSUER when that is
 * an https URL; a trailing '/' is dropped), never under a client's Host header: `issuer`,
 * `jwks_uri`, `response_types_supported` (empty: verigate has no authorization endpoint), the
 * access token's algorithm, and verigate's own endpoints under `verigate_endpoints`. No
 * `token_endpoint` or `grant_types_supported`: /token/refresh takes JSON, not an OAuth grant.
 * Returns NULL when public_url is NULL (nothing to publish) or on allocation failure; the caller
 * frees the text with free(). */
char *discovery_document(const char *issuer, const char *public_url, bool es256);

#endif
