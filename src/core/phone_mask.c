/* phone_mask.c: hides all but the last four digits of a phone number. */
#include "core/phone_mask.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

void vg_phone_mask(const char *phone, char out[VG_MASKED_PHONE_MAX]) {
  size_t len = strnlen(phone, VG_MASKED_PHONE_MAX - 1);
  for (size_t i = 0; i < len; i++) {
    bool keep = i + 4 >= len || !isdigit((unsigned char)phone[i]);
    out[i] = keep ? phone[i] : '*';
  }
  out[len] = '\0';
}
