/* phone_mask.h: the only form of a phone number that may be shown to clients or logs. */
#ifndef VG_PHONE_MASK_H
#define VG_PHONE_MASK_H

#include <stddef.h>

#define VG_MASKED_PHONE_MAX 17

/* Writes phone with every digit but the last four replaced by '*' ("+*******4567"). */
void vg_phone_mask(const char *phone, char out[VG_MASKED_PHONE_MAX]);

#endif
