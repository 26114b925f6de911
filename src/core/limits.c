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

vg_result limits_login_gate(struct auth *a, const char *account, const char *ip, int *retry_after,
                            bool *had_fails) {
  const struct abuse_rules *r = &a->abuse;
  /* The lock is keyed by the address as typed (normalised), not by the user, so an address
   * with no account locks exactly like one with an account and the answer tells nothing. The
   * account's failure count comes back in the same round trip: a login that succeeds clears it
   * only when there is one (reaching it locks the account and clears it, so it is below the
   * limit here unless two failures race). */
  struct vg_limit gate[] = {
      {"login-lock", account, r->login_fails_per_account > 0 ? 1 : 0, r->login_lock_seconds},
      {"login-fail-ip", ip, when_known(ip, r->login_fails_per_ip), FAIL_WINDOW},
      {"login-fail-account", account, r->login_fails_per_account, FAIL_WINDOW},
  };
  int which, counts[3] = {0};
  vg_result res = a->limiter.check(a->limiter.self, gate, 3, &which, retry_after, counts);
  *had_fails = counts[2] > 0;
  return res;
}

void limits_login_failed(struct auth *a, const char *account, const char *ip) {
  const struct abuse_rules *r = &a->abuse;
  int count = 0;
  if (r->login_fails_per_account > 0) {
    struct vg_limit fails = {"login-fail-account", account, r->login_fails_per_account,
                             FAIL_WINDOW};
    struct vg_limit lock = {"login-lock", account, 1, r->login_lock_seconds};
    if (a->limiter.add(a->limiter.self, &fails, &count) == VG_OK &&
        count >= r->login_fails_per_account) {
      a->limiter.add(a->limiter.self, &lock, &count);
      a->limiter.clear(a->limiter.self, &fails);
    }
  }
  if (when_known(ip, r->login_fails_per_ip) > 0) {
    struct vg_limit by_ip = {"login-fail-ip", ip, r->login_fails_per_ip, FAIL_WINDOW};
    a->limiter.add(a->limiter.self, &by_ip, &count);
  }
}

void limits_login_succeeded(struct auth *a, const char *account) {
  struct vg_limit fails = {"login-fail-account", account, a->abuse.login_fails_per_account,
                           FAIL_WINDOW};
  if (fails.limit > 0) a->limiter.clear(a->limiter.self, &fails);
}

/* The four limits every SMS counts against, in the order they are reported. */
static void sms_limits(const struct auth *a, const char *phone, const char *ip,
                       struct vg_limit out[4]) {
  const struct abuse_rules *r = &a->abuse;
  out[0] = (struct vg_limit){"sms-all-hour", "all", r->sms_max_per_hour, HOUR};
  out[1] = (struct vg_limit){"sms-phone-10min", phone, r->sms_per_phone_10min, MINUTES_10};
  out[2] = (struct vg_limit){"sms-phone-day", phone, r->sms_per_phone_day, DAY};
  out[3] = (struct vg_limit){"sms-ip-hour", ip, when_known(ip, r->sms_per_ip_hour), HOUR};
}

void limits_untake_sms(struct auth *a, const char *phone, const char *ip) {
  struct vg_limit sms[4];
  sms_limits(a, phone, ip, sms);
  a->limiter.untake(a->limiter.self, sms, 4);
}

vg_result limits_take_sms(struct auth *a, const char *phone, const char *ip, int *retry_after) {
  struct vg_limit sms[4];
  sms_limits(a, phone, ip, sms);
  int which;
  vg_result res = a->limiter.take(a->limiter.self, sms, 4, &which, retry_after);
  if (res != VG_ERR_RATE_LIMITED) return res;
  return which == 0 ? VG_ERR_SMS_BUDGET : VG_ERR_SMS_RATE_LIMITED;
}

vg_result limits_take_signup(struct auth *a, const char *ip, int *retry_after) {
  struct vg_limit signup = {"signup-ip-hour", ip, when_known(ip, a->abuse.signups_per_ip_hour),
                            HOUR};
  int which;
  return a->limiter.take(a->limiter.self, &signup, 1, &which, retry_after);
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
