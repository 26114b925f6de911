/* libphonenumber.h: the phone_numbers port on Google's libphonenumber (C++, Debian's
 * libphonenumber-dev), behind a C interface. */
#ifndef VG_ADAPTER_LIBPHONENUMBER_H
#define VG_ADAPTER_LIBPHONENUMBER_H

#include "ports/phone_numbers.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The port on the library's process-wide instance; loads its metadata on first use. */
struct phone_numbers libphonenumber_port(void);

#ifdef __cplusplus
}
#endif

#endif
