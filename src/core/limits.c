/* limits.c: the abuse limits: password guessing per account and per IP, SMS cost per number,
 * per IP and in total, signups per IP, and the countries SMS may go to. The counters live in the
 * rate_limiter port, so every limit holds across any number of instances. */
#include <string.h>

#include "core/auth_internal.h"

#define FAIL_WINDOW (15 * 60)
#define MINUTES_10 (10 * 60)
#define HOUR (60 * 60)
#define DAY (24 * 60 * 60)

/* A limit that applies only when the subject is known (a client IP may not be). */
static int when_known(const char *subject, int limit) {
  return subject && *subject ? limit : 0;
}

vg_result limits_login_reserve(struct auth *a, const char *account, const char *ip,
                               struct vg_reservation *res, int *retry_after) {
  const struct abuse_rules *r = &a->abuse;
  /* The lock is keyed by the address as typed (normalised), not by the user, so an address
   * with no account locks exactly like one with an account and the answer tells nothing. The
   * failure is counted here, before the password is checked, so that of a burst at most the
   * limit get past: the check gives it back when the password proves right (in the SMS take's
   * step) or cannot be made (an outage, a full hash queue). */
  *res = (struct vg_reservation){
      .lock = {"login-lock", account, r->login_fails_per_account > 0 ? 1 : 0,
               r->login_lock_seconds},
      .ip = {"login-fail-ip", ip, when_known(ip, r->login_fails_per_ip), FAIL_WINDOW},
      .account = {"login-fail-account", account, r->login_fails_per_account, FAIL_WINDOW},
  };
  return a->limiter.reserve(a->limiter.self, res, retry_after);
}

void limits_login_give_back(struct auth *a, struct vg_reservation *res, bool succeeded) {
  if (res->taken) a->limiter.give_back(a->limiter.self, res, succeeded);
}

/* The limits every SMS counts against, in the order they are reported; the global budget first. */
#define SMS_LIMITS 5

/* A number's block of 1,000: its E.164 form less the last 3 digits ("+14155552" of
 * "+14155552671"). SMS pumping sends to runs of numbers in ranges that pay their holder per
 * message; the numbering plan check refuses the premium ranges it knows, and this limit bounds
 * how much of the global budget any one block can take. */
static void phone_block(const char *phone, char out[VG_PHONE_MAX]) {
  size_t len = strlen(phone);
  size_t keep = len > 3 ? len - 3 : 0;
  if (keep >= VG_PHONE_MAX) keep = VG_PHONE_MAX - 1;
  memcpy(out, phone, keep);
  out[keep] = '\0';
}

static void sms_limits(const struct auth *a, const char *phone, const char *ip,
                       char block[VG_PHONE_MAX], struct vg_limit out[SMS_LIMITS]) {
  const struct abuse_rules *r = &a->abuse;
  phone_block(phone, block);
  out[0] = (struct vg_limit){"sms-all-hour", "all", r->sms_max_per_hour, HOUR};
  out[1] = (struct vg_limit){"sms-phone-10min", phone, r->sms_per_phone_10min, MINUTES_10};
  out[2] = (struct vg_limit){"sms-phone-day", phone, r->sms_per_phone_day, DAY};
  out[3] = (struct vg_limit){"sms-ip-hour", ip, when_known(ip, r->sms_per_ip_hour), HOUR};
  out[4] =
      (struct vg_limit){"sms-prefix-hour", block, when_known(block, r->sms_per_prefix_hour), HOUR};
}

void limits_untake_sms(struct auth *a, const char *phone, const char *ip) {
  struct vg_limit sms[SMS_LIMITS];
  char block[VG_PHONE_MAX];
  sms_limits(a, phone, ip, block, sms);
  a->limiter.untake(a->limiter.self, sms, SMS_LIMITS);
}

vg_result limits_take_sms(struct auth *a, const char *phone, const char *ip,
                          struct vg_reservation *back, int *retry_after) {
  struct vg_limit sms[SMS_LIMITS];
  char block[VG_PHONE_MAX];
  sms_limits(a, phone, ip, block, sms);
  int which;
  vg_result res = a->limiter.take(a->limiter.self, sms, SMS_LIMITS,
                                  back && back->taken ? back : NULL, &which, retry_after);
  if (res != VG_ERR_RATE_LIMITED) return res;
  return which == 0 ? VG_ERR_SMS_BUDGET : VG_ERR_SMS_RATE_LIMITED;
}

vg_result limits_take_signup(struct auth *a, const char *ip, int *retry_after) {
  struct vg_limit signup = {"signup-ip-hour", ip, when_known(ip, a->abuse.signups_per_ip_hour),
                            HOUR};
  int which;
  return a->limiter.take(a->limiter.self, &signup, 1, NULL, &which, retry_after);
}

/* E.164 country calling codes are a prefix code: no code is the start of another, so a
 * number belongs to the listed code it starts with, if any. */
bool limits_country_allowed(const struct auth *a, const char *phone) {
  const char *list = a->abuse.allowed_countries;
  if (!list || !*list) return true;
  const char *digits = phone[0] == '+' ? phone + 1 : phone;
  while (*list) {
    size_t len = strcspn(list, ",");
    if (len > 0 && strncmp(digits, list, len) == 0) return true;
    list += len;
    if (*list == ',') list++;
  }
  return false;
}

/* /password/forgot: per client IP and per address typed, whether or not an account has it, so
 * that a refusal tells nothing about the address. */
static void forgot_limits(const struct auth *a, const char *address, const char *ip,
                          struct vg_limit out[2]) {
  out[0] =
      (struct vg_limit){"reset-ip-hour", ip, when_known(ip, a->abuse.resets_per_ip_hour), HOUR};
  out[1] = (struct vg_limit){"reset-address-hour", address, a->abuse.resets_per_address_hour, HOUR};
}

vg_result limits_take_forgot(struct auth *a, const char *address, const char *ip,
                             int *retry_after) {
  struct vg_limit limits[2];
  forgot_limits(a, address, ip, limits);
  int which;
  return a->limiter.take(a->limiter.self, limits, 2, NULL, &which, retry_after);
}

void limits_untake_forgot(struct auth *a, const char *address, const char *ip) {
  struct vg_limit limits[2];
  forgot_limits(a, address, ip, limits);
  a->limiter.untake(a->limiter.self, limits, 2);
}

/* A reset code's limits: one per address per cooldown (a limit of 1 over the cooldown's window),
 * then, when phone is not NULL, every SMS limit; the count of them. */
static int reset_send_limits(const struct auth *a, const char *address, const char *phone,
                             const char *ip, char block[VG_PHONE_MAX],
                             struct vg_limit out[1 + SMS_LIMITS]) {
  int cooldown = a->rules.resend_cooldown;
  out[0] = (struct vg_limit){"reset-send", address, cooldown > 0 ? 1 : 0, cooldown};
  if (!phone) return 1;
  sms_limits(a, phone, ip, block, out + 1);
  return 1 + SMS_LIMITS;
}

vg_result limits_take_reset_send(struct auth *a, const char *address, const char *phone,
                                 const char *ip) {
  struct vg_limit limits[1 + SMS_LIMITS];
  char block[VG_PHONE_MAX];
  int n = reset_send_limits(a, address, phone, ip, block, limits);
  int which, retry_after;
  vg_result r = a->limiter.take(a->limiter.self, limits, n, NULL, &which, &retry_after);
  if (r != VG_ERR_RATE_LIMITED) return r;
  return which == 0   ? VG_ERR_RESEND_COOLDOWN
         : which == 1 ? VG_ERR_SMS_BUDGET
                      : VG_ERR_SMS_RATE_LIMITED;
}

void limits_untake_reset_send(struct auth *a, const char *address, const char *phone,
                              const char *ip) {
  struct vg_limit limits[1 + SMS_LIMITS];
  char block[VG_PHONE_MAX];
  int n = reset_send_limits(a, address, phone, ip, block, limits);
  a->limiter.untake(a->limiter.self, limits, n);
}

/* As a proved password gives back a reservation that set the lock: the lock goes and so does the
 * account's count of failures, in one step; the IP's failures stay counted. */
vg_result limits_login_clear(struct auth *a, const char *account) {
  const struct abuse_rules *r = &a->abuse;
  if (r->login_fails_per_account <= 0) return VG_OK;
  struct vg_reservation res = {
      .lock = {"login-lock", account, 1, r->login_lock_seconds},
      .ip = {"login-fail-ip", "", 0, FAIL_WINDOW},
      .account = {"login-fail-account", account, r->login_fails_per_account, FAIL_WINDOW},
      .taken = true,
      .locked = true,
  };
  return a->limiter.give_back(a->limiter.self, &res, true);
}
