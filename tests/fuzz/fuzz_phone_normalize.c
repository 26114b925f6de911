/* fuzz_phone_normalize.c: libFuzzer target for the phone normaliser: core's rules
 * (auth_phone_normalize in core/phone_rules.c) over the real libphonenumber adapter. Whatever it
 * accepts must be E.164 as vg_check_phone has it, of a kind that can receive an SMS, and a fixed
 * point: read again, with no region, it gives the same number and kind. Whatever it refuses
 * names "phone" or "region" and leaves no number behind.
 *
 * Input: "<region>\n<number>", or just "<number>" (no region). Bytes after a NUL are ignored. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/libphonenumber.h"
#include "core/auth_internal.h"
#include "fuzz_require.h"

static struct auth auth;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  auth.phones = libphonenumber_port();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *input = malloc(size + 1);
  if (!input) return 0;
  memcpy(input, data, size);
  input[size] = '\0';
  const char *region = NULL, *raw = input;
  char *newline = strchr(input, '\n');
  if (newline) {
    *newline = '\0';
    region = input;
    raw = newline + 1;
  }

  struct vg_field_errors errs = {0};
  char *e164 = malloc(VG_PHONE_MAX); /* exactly the size promised, so ASan sees an overrun */
  if (!e164) abort();
  if (auth_phone_normalize(&auth, raw, region, &errs, e164)) {
    FUZZ_REQUIRE(errs.count == 0);
    FUZZ_REQUIRE(vg_check_phone(e164) == NULL);
    char again[VG_PHONE_MAX], third[VG_PHONE_MAX];
    enum vg_phone_kind kind, kind_again;
    FUZZ_REQUIRE(auth.phones.parse(NULL, e164, NULL, again, &kind) == VG_PHONE_PARSED);
    FUZZ_REQUIRE(strcmp(again, e164) == 0);
    FUZZ_REQUIRE(kind == VG_PHONE_KIND_MOBILE || kind == VG_PHONE_KIND_FIXED_OR_MOBILE ||
                 kind == VG_PHONE_KIND_VOIP);
    FUZZ_REQUIRE(auth.phones.parse(NULL, again, NULL, third, &kind_again) == VG_PHONE_PARSED);
    FUZZ_REQUIRE(strcmp(third, again) == 0 && kind_again == kind);
  } else {
    FUZZ_REQUIRE(errs.count >= 1 && e164[0] == '\0');
    for (int i = 0; i < errs.count; i++)
      FUZZ_REQUIRE(strcmp(errs.items[i].field, "phone") == 0 ||
                   strcmp(errs.items[i].field, "region") == 0);
  }
  free(e164);
  free(input);
  return 0;
}
