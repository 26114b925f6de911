/* delivery.h: the rules of a code's delivery options (channel, locale, app_hash) as a request
 * gives them. Pure functions on C strings, unit-tested directly. */
#ifndef VG_DELIVERY_H
#define VG_DELIVERY_H

#include <stdbool.h>

#include "core/validate.h"
#include "ports/delivery.h"

/* What a /login or /resend request says about delivery; every member may be NULL (absent). */
struct delivery_input {
  const char *channel;         /* "sms", "call" or "whatsapp" */
  const char *locale;          /* a locale Twilio lists, in any case ("pt-br") */
  const char *accept_language; /* the Accept-Language header, used when locale is absent */
  const char *app_hash;        /* 11 characters of [A-Za-z0-9+/] */
  const char *factor;          /* /login only: "sms" (a code is sent) or "totp" (none is) */
};

/* Twilio's spelling of the locale tag (matched without regard to case: "PT-br" is "pt-BR"), or
 * NULL when Twilio does not list it. */
const char *vg_locale_find(const char *tag);

/* The locale an Accept-Language header (RFC 9110 section 12.5.4) asks for: its ranges by weight
 * (q=0 never), each matched exactly and then by its language alone ("de-AT" gets "de"); the first
 * that Twilio lists, in Twilio's spelling, or NULL when none is. */
const char *vg_locale_from_accept_language(const char *header);

/* NULL when value is an SMS Retriever app hash (11 characters of [A-Za-z0-9+/]), else why not. */
const char *vg_check_app_hash(const char *value);

/* The delivery of a send: in's values, or those of fallback for what in leaves out (a new login's
 * fallback is the first allowed channel, sms by default, with no locale and no app hash; a
 * resend's, the login's own). The Accept-Language header counts only when neither in's locale
 * nor fallback's is given, so a locale the login chose is not undone by a browser's header. A
 * remembered app hash stays through a switch to another channel (which sends none) for the next
 * SMS. allowed: VG_CHANNEL_BIT set of the channels a
 * request may name. False, with the reasons in errs, for a channel not allowed, a locale Twilio
 * does not list, a malformed app_hash, or an app_hash with a channel other than sms. */
bool vg_delivery_resolve(const struct delivery_input *in, const struct vg_delivery *fallback,
                         unsigned allowed, struct vg_field_errors *errs, struct vg_delivery *out);

#endif
