/* oath_totp.h: the totp_checker port on liboath (OATH Toolkit, Debian's liboath0): RFC 6238 with
 * HMAC-SHA1, 30-second steps from the Unix epoch, 6 digits, as every authenticator app makes them.
 */
#ifndef VG_OATH_TOTP_H
#define VG_OATH_TOTP_H

#include <stddef.h>
#include <stdint.h>

#include "ports/factors.h"

/* oath_init once, before any thread; false when liboath cannot start. */
bool oath_totp_init(void);
void oath_totp_done(void);

/* The port (stateless: self is NULL). */
struct totp_checker oath_totp_port(void);

/* The code of secret at now with digits digits (6 to 8) and hash (0: SHA-1, 256, 512) into out
 * (digits + 1 bytes); false on a liboath error. For tests against RFC 6238's vectors. */
bool oath_totp_code(const unsigned char *secret, size_t len, int64_t now, unsigned digits, int hash,
                    char *out);

#endif
