/* vg-bench-flows: drives verigate the way an app does, where wrk cannot express the flow. Every
 * client is a thread with two reused libcurl easy handles (verigate, emulator), so connections
 * stay open as a browser's would.
 *   signup  --url U --first F --count N --clients C --password P
 *       signs users F .. F+N-1 up through POST /signup and prints them as USERS_FILE lines
 *       (id, email, phone, tab-separated).
 *   flows   --url U --emulator E --users FILE --password P --clients C --seconds S
 *           [--max-flows N] [--abandon-every K] [--pid PID]
 *       login -> code from the emulator's test hook -> verify, repeated until S seconds or N
 *       flows begun (each one login); with K, every K-th login of a user is abandoned after the password step (its
 *       pending login is left to expire in Redis), and that user's next login completes.
 *   split   --url U --emulator E --users FILE --password P --clients C --rounds R --pid PID
 *       rounds of "every user logs in" then "every user verifies", with verigate's CPU time
 *       (its CPU clock) read between the phases: CPU per login and per verify, separately.
 *   totp    (the options of split)
 *       first enrolls every user in TOTP (an SMS login, POST /factors/totp, a confirming code made
 *       with liboath), then split's rounds with "factor": "totp" logins (no SMS) and TOTP
 *       verifies: CPU per TOTP login and per TOTP verify. A step works once per user, so each
 *       round waits, when it must, until the next step is inside verigate's window.
 * Each client owns the users i with i % C == its number, so no two clients share a phone and
 * every SMS verification at the emulator is finished before the same phone logs in again.
 * 503 answers (the hash pool full) are counted and retried after their Retry-After, capped at 1 s.
 * Prints one line of key=value pairs (signup: the user lines). */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <liboath/oath.h>

#include "bench_util.h"

#define MAX_CLIENTS 512
#define TOKEN_MAX 4096

struct user {
  char id[32], email[256], phone[32];
  char mfa[TOKEN_MAX]; /* split mode: the mfa_token between the two phases */
  unsigned logins;
  char secret[20];     /* totp mode: the enrolled secret */
  long long last_step; /* totp mode: the last step spent */
};

struct options {
  const char *mode, *url, *emulator, *users_file, *password;
  long clients, seconds, max_flows, abandon_every, pid, rounds, first, count;
};

struct client {
  const struct options *opt;
  CURL *verigate, *emulator;
  struct user *users; /* all users; this client takes every opt->clients-th from index */
  size_t nusers, index;
  double deadline;
  /* results */
  unsigned long flows, logins, abandoned, overloaded, errors;
  char last_error[96];
};

static atomic_long flows_started;

static int totp_mode(const struct options *o) {
  return strcmp(o->mode, "totp") == 0;
}

static void totp_code(struct user *u, char out[8]);

struct buffer {
  char data[65536]; /* an enrollment's answer carries its QR code */
  size_t len;
};

static size_t collect(char *ptr, size_t size, size_t n, void *userdata) {
  struct buffer *b = userdata;
  size_t len = size * n, room = sizeof b->data - 1 - b->len;
  memcpy(b->data + b->len, ptr, len < room ? len : room);
  b->len += len < room ? len : room;
  b->data[b->len] = '\0';
  return len;
}

/* One request on a reused handle: POST when body is given, else GET. Returns the HTTP status
 * (0 on a transport error); the body lands in out and Retry-After in *retry_after. */
static long http(CURL *h, const char *url, const char *bearer, const char *body,
                 struct buffer *out, long *retry_after) {
  char auth[TOKEN_MAX + 32];
  struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
  if (bearer) {
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", bearer);
    headers = curl_slist_append(headers, auth);
  }
  out->len = 0;
  out->data[0] = '\0';
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  if (body)
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
  else
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
  long status = 0;
  curl_off_t wait = 0;
  if (curl_easy_perform(h) == CURLE_OK) {
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &wait);
  }
  curl_slist_free_all(headers);
  *retry_after = (long)wait;
  return status;
}

/* Copies string member name of the JSON body into out; 0 when absent or too long. */
static int member(const struct buffer *b, const char *name, char *out, size_t size) {
  json_t *doc = json_loadb(b->data, b->len, 0, NULL);
  const char *v = json_string_value(json_object_get(doc, name));
  int ok = v && strlen(v) < size;
  if (ok) memcpy(out, v, strlen(v) + 1);
  json_decref(doc);
  return ok;
}

static void fail(struct client *c, const char *step, long status) {
  c->errors++;
  snprintf(c->last_error, sizeof c->last_error, "%s:%ld", step, status);
}

/* Sleeps for a 503's Retry-After (at most 1 s, never past the deadline). */
static void back_off(struct client *c, long retry_after) {
  double left = c->deadline - bench_now();
  double wait = retry_after > 0 ? (double)retry_after : 0.05;
  if (wait > 1) wait = 1;
  if (wait > left) wait = left > 0 ? left : 0;
  struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
  nanosleep(&ts, NULL);
}

/* The password step: 1 with u->mfa filled, 0 on error (counted) or when the deadline passed. With
 * totp the login asks for TOTP: no SMS. */
static int login_as(struct client *c, struct user *u, int totp) {
  char url[512], body[1024];
  struct buffer out;
  long retry;
  snprintf(url, sizeof url, "%s/login", c->opt->url);
  snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"%s\"%s}", u->email,
           c->opt->password, totp ? ",\"factor\":\"totp\"" : "");
  while (bench_now() < c->deadline) {
    long status = http(c->verigate, url, NULL, body, &out, &retry);
    if (status == 503) {
      c->overloaded++;
      back_off(c, retry);
      continue;
    }
    c->logins++;
    u->logins++;
    if (status == 200 && member(&out, "mfa_token", u->mfa, sizeof u->mfa)) return 1;
    fail(c, "login", status);
    return 0;
  }
  return 0;
}

static int login(struct client *c, struct user *u) {
  return login_as(c, u, totp_mode(c->opt));
}

/* The second step: the code from the emulator's test hook, then POST /verify. */
static int verify(struct client *c, struct user *u) {
  char url[512], code[16], body[64], access[TOKEN_MAX];
  struct buffer out;
  long retry;
  snprintf(url, sizeof url, "%s/__emulator/verifications?to=%%2B%s", c->opt->emulator,
           u->phone + 1);
  long status = http(c->emulator, url, NULL, NULL, &out, &retry);
  if (status != 200 || !member(&out, "code", code, sizeof code)) {
    fail(c, "code", status);
    return 0;
  }
  snprintf(url, sizeof url, "%s/verify", c->opt->url);
  snprintf(body, sizeof body, "{\"code\":\"%s\"}", code);
  status = http(c->verigate, url, u->mfa, body, &out, &retry);
  if (status == 200 && member(&out, "access_token", access, sizeof access)) return 1;
  fail(c, "verify", status);
  return 0;
}

/* totp mode's second step: the authenticator's next code. */
static int verify_totp(struct client *c, struct user *u) {
  char url[512], code[8], body[64], access[TOKEN_MAX];
  struct buffer out;
  long retry;
  totp_code(u, code);
  snprintf(url, sizeof url, "%s/verify", c->opt->url);
  snprintf(body, sizeof body, "{\"factor\":\"totp\",\"code\":\"%s\"}", code);
  long status = http(c->verigate, url, u->mfa, body, &out, &retry);
  if (status == 200 && member(&out, "access_token", access, sizeof access)) return 1;
  fail(c, "verify_totp", status);
  return 0;
}

/* RFC 4648 base32 (no padding) into out; the number of bytes, or 0. */
static size_t base32_decode(const char *in, char *out, size_t cap) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  size_t n = 0;
  unsigned buffer = 0;
  int bits = 0;
  for (const char *p = in; *p; p++) {
    const char *at = strchr(alphabet, *p);
    if (!at) return 0;
    buffer = (buffer << 5) | (unsigned)(at - alphabet);
    bits += 5;
    if (bits >= 8) {
      if (n == cap) return 0;
      out[n++] = (char)((buffer >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return n;
}

static long long step_now(void) {
  return (long long)time(NULL) / 30;
}

/* The user's next code: the step after the last one spent (the caller waited until it is inside
 * verigate's window of one step either side). */
static void totp_code(struct user *u, char out[8]) {
  long long step = u->last_step + 1;
  if (step < step_now()) step = step_now();
  oath_totp_generate((const char *)u->secret, sizeof u->secret, (time_t)(step * 30), 30, 0, 6,
                     out);
  u->last_step = step;
}

/* totp mode's set-up, not measured: an SMS login, then enrollment and its confirmation. */
static int enroll(struct client *c, struct user *u) {
  char url[512], body[64], access[TOKEN_MAX], secret[64], code[8];
  struct buffer out;
  long retry;
  if (!login_as(c, u, 0)) return 0;
  snprintf(url, sizeof url, "%s/__emulator/verifications?to=%%2B%s", c->opt->emulator,
           u->phone + 1);
  long status = http(c->emulator, url, NULL, NULL, &out, &retry);
  if (status != 200 || !member(&out, "code", code, sizeof code)) return fail(c, "code", status), 0;
  snprintf(url, sizeof url, "%s/verify", c->opt->url);
  snprintf(body, sizeof body, "{\"code\":\"%s\"}", code);
  status = http(c->verigate, url, u->mfa, body, &out, &retry);
  if (status != 200 || !member(&out, "access_token", access, sizeof access))
    return fail(c, "verify", status), 0;
  snprintf(url, sizeof url, "%s/factors/totp", c->opt->url);
  status = http(c->verigate, url, access, "", &out, &retry);
  if (status != 201 || !member(&out, "secret", secret, sizeof secret) ||
      base32_decode(secret, u->secret, sizeof u->secret) != sizeof u->secret)
    return fail(c, "enroll", status), 0;
  u->last_step = step_now() - 1;
  totp_code(u, code);
  snprintf(url, sizeof url, "%s/factors/totp/confirm", c->opt->url);
  snprintf(body, sizeof body, "{\"code\":\"%s\"}", code);
  status = http(c->verigate, url, access, body, &out, &retry);
  if (status != 200) return fail(c, "confirm", status), 0;
  return 1;
}

static void *run_enrollments(void *arg) {
  struct client *c = arg;
  for (size_t i = c->index; i < c->nusers; i += (size_t)c->opt->clients)
    enroll(c, &c->users[i]);
  return NULL;
}

/* Before a totp round: until every user's next step is at most one step ahead of now. */
static void wait_for_steps(const struct user *users, size_t n) {
  long long latest = 0;
  for (size_t i = 0; i < n; i++)
    if (users[i].last_step > latest) latest = users[i].last_step;
  while (step_now() < latest) {
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

static void *run_flows(void *arg) {
  struct client *c = arg;
  long k = c->opt->abandon_every;
  if (c->index >= c->nusers) return NULL; /* more clients than users: this one has none */
  for (size_t i = c->index; bench_now() < c->deadline; i += (size_t)c->opt->clients) {
    if (i >= c->nusers) i = c->index;
    if (c->opt->max_flows && atomic_fetch_add(&flows_started, 1) >= c->opt->max_flows) break;
    struct user *u = &c->users[i];
    /* Login k-1 of every k of this user is abandoned, so the next one (same SMS verification,
     * one more send) completes it: a phone never reaches Twilio's 5 sends. */
    int abandon = k > 0 && u->logins % (unsigned long)k == (unsigned long)(k - 1);
    if (!login(c, u)) continue;
    if (abandon)
      c->abandoned++;
    else if (verify(c, u))
      c->flows++;
  }
  return NULL;
}

static void *run_split_logins(void *arg) {
  struct client *c = arg;
  for (size_t i = c->index; i < c->nusers; i += (size_t)c->opt->clients)
    if (!login(c, &c->users[i])) c->users[i].mfa[0] = '\0';
  return NULL;
}

static void *run_split_verifies(void *arg) {
  struct client *c = arg;
  for (size_t i = c->index; i < c->nusers; i += (size_t)c->opt->clients)
    if (c->users[i].mfa[0] &&
        (totp_mode(c->opt) ? verify_totp(c, &c->users[i]) : verify(c, &c->users[i])))
      c->flows++;
  return NULL;
}

static void *run_signups(void *arg) {
  struct client *c = arg;
  char url[512], body[1024];
  struct buffer out;
  long retry;
  snprintf(url, sizeof url, "%s/signup", c->opt->url);
  for (size_t i = c->index; i < c->nusers; i += (size_t)c->opt->clients) {
    struct user *u = &c->users[i];
    size_t n = (size_t)c->opt->first + i;
    snprintf(u->email, sizeof u->email, "bench%zu@example.com", n);
    snprintf(u->phone, sizeof u->phone, "+14152%06u", (unsigned)(n % 1000000));
    snprintf(body, sizeof body,
             "{\"name\":\"Bench User %zu\",\"username\":\"bench%zu\",\"email\":\"%s\","
             "\"password\":\"%s\",\"phone\":\"%s\"}",
             n, n, u->email, c->opt->password, u->phone);
    long status;
    while ((status = http(c->verigate, url, NULL, body, &out, &retry)) == 503 &&
           bench_now() < c->deadline) {
      c->overloaded++;
      back_off(c, retry);
    }
    if (status == 201 && member(&out, "id", u->id, sizeof u->id))
      c->flows++;
    else
      fail(c, "signup", status);
  }
  return NULL;
}

/* Runs fn on every client at once and waits for all; 0 when a thread could not start. */
static int run_clients(struct client *clients, long n, void *(*fn)(void *)) {
  pthread_t threads[MAX_CLIENTS];
  long started;
  for (started = 0; started < n; started++)
    if (pthread_create(&threads[started], NULL, fn, &clients[started]) != 0) break;
  for (long i = 0; i < started; i++) pthread_join(threads[i], NULL);
  return started == n;
}

static struct user *load_users(const char *path, size_t *n) {
  char **lines = bench_read_lines(path, n);
  struct user *users = lines ? calloc(*n, sizeof *users) : NULL;
  for (size_t i = 0; users && i < *n; i++) {
    if (!bench_column(lines[i], 0, users[i].id, sizeof users[i].id) ||
        !bench_column(lines[i], 1, users[i].email, sizeof users[i].email) ||
        !bench_column(lines[i], 2, users[i].phone, sizeof users[i].phone)) {
      fprintf(stderr, "%s: line %zu is not id, email, phone\n", path, i + 1);
      free(users);
      users = NULL;
    }
  }
  bench_free_lines(lines, *n);
  return users;
}

static int parse(int argc, char **argv, struct options *o) {
  static const struct option longopts[] = {
      {"url", 1, 0, 'u'},     {"emulator", 1, 0, 'e'},      {"users", 1, 0, 'f'},
      {"password", 1, 0, 'p'}, {"clients", 1, 0, 'c'},      {"seconds", 1, 0, 's'},
      {"max-flows", 1, 0, 'm'}, {"abandon-every", 1, 0, 'a'}, {"pid", 1, 0, 'P'},
      {"rounds", 1, 0, 'r'},   {"first", 1, 0, 'F'},        {"count", 1, 0, 'n'},
      {0, 0, 0, 0}};
  *o = (struct options){.mode = argc > 1 ? argv[1] : "", .password = "correct horse battery",
                        .clients = 64, .seconds = 10, .rounds = 3, .first = 1, .count = 1};
  int ch;
  optind = 2;
  while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (ch) {
      case 'u': o->url = optarg; break;
      case 'e': o->emulator = optarg; break;
      case 'f': o->users_file = optarg; break;
      case 'p': o->password = optarg; break;
      case 'c': o->clients = bench_positive("--clients", optarg); break;
      case 's': o->seconds = bench_positive("--seconds", optarg); break;
      case 'm': o->max_flows = bench_positive("--max-flows", optarg); break;
      case 'a': o->abandon_every = bench_positive("--abandon-every", optarg); break;
      case 'P': o->pid = bench_positive("--pid", optarg); break;
      case 'r': o->rounds = bench_positive("--rounds", optarg); break;
      case 'F': o->first = bench_positive("--first", optarg); break;
      case 'n': o->count = bench_positive("--count", optarg); break;
      default: return 0;
    }
  }
  if (o->clients > MAX_CLIENTS) o->clients = MAX_CLIENTS;
  int signup = strcmp(o->mode, "signup") == 0;
  int split = strcmp(o->mode, "split") == 0 || strcmp(o->mode, "totp") == 0;
  if (!signup && !split && strcmp(o->mode, "flows") != 0) return 0;
  if (!o->url || (!signup && (!o->emulator || !o->users_file)) || (split && !o->pid)) return 0;
  return o->abandon_every != 1; /* abandoning every login would never finish a verification */
}

int main(int argc, char **argv) {
  struct options opt;
  struct client *clients = NULL;
  struct user *users = NULL;
  size_t nusers = 0;
  int rc = 1;
  if (!parse(argc, argv, &opt)) {
    fprintf(stderr,
            "usage: vg-bench-flows signup --url U --first F --count N [--clients C] [--password P]\n"
            "       vg-bench-flows flows --url U --emulator E --users FILE [--clients C]\n"
            "              [--seconds S] [--max-flows N] [--abandon-every K>1] [--pid PID]\n"
            "       vg-bench-flows split|totp --url U --emulator E --users FILE --pid PID [--rounds R]\n");
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  if (opt.mode[0] == 's' && opt.mode[1] == 'i') {
    nusers = (size_t)opt.count;
    users = calloc(nusers, sizeof *users);
  } else {
    users = load_users(opt.users_file, &nusers);
  }
  clients = calloc((size_t)opt.clients, sizeof *clients);
  if (!users || !clients) goto cleanup;
  double t0 = bench_now();
  for (long i = 0; i < opt.clients; i++) {
    struct client *c = &clients[i];
    *c = (struct client){.opt = &opt, .users = users, .nusers = nusers, .index = (size_t)i,
                         .deadline = t0 + (double)opt.seconds, .verigate = curl_easy_init(),
                         .emulator = curl_easy_init()};
    if (!c->verigate || !c->emulator) goto cleanup;
    for (CURL *h = c->verigate; h; h = h == c->verigate ? c->emulator : NULL) {
      curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
      curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 30000L);
    }
  }

  double cpu_login = 0, cpu_verify = 0, cpu0 = opt.pid ? bench_pid_cpu(opt.pid) : 0;
  int ok = 1;
  if (strcmp(opt.mode, "signup") == 0) {
    for (long i = 0; i < opt.clients; i++) clients[i].deadline = t0 + 120; /* bounded retries */
    ok = run_clients(clients, opt.clients, run_signups);
  } else if (strcmp(opt.mode, "flows") == 0) {
    ok = run_clients(clients, opt.clients, run_flows);
  } else {
    if (totp_mode(&opt)) {
      for (long i = 0; i < opt.clients; i++) clients[i].deadline = bench_now() + 120;
      ok = run_clients(clients, opt.clients, run_enrollments);
      for (long i = 0; i < opt.clients; i++) clients[i].logins = 0;
      cpu0 = bench_pid_cpu(opt.pid);
    }
    for (long r = 0; ok && r < opt.rounds; r++) {
      if (totp_mode(&opt)) wait_for_steps(users, nusers);
      for (long i = 0; i < opt.clients; i++) clients[i].deadline = bench_now() + 120;
      double a = bench_pid_cpu(opt.pid);
      ok = run_clients(clients, opt.clients, run_split_logins);
      double b = bench_pid_cpu(opt.pid);
      ok = ok && run_clients(clients, opt.clients, run_split_verifies);
      cpu_login += b - a;
      cpu_verify += bench_pid_cpu(opt.pid) - b;
    }
  }
  double elapsed = bench_now() - t0, cpu = opt.pid ? bench_pid_cpu(opt.pid) - cpu0 : 0;

  unsigned long flows = 0, logins = 0, abandoned = 0, overloaded = 0, errors = 0;
  const char *last_error = "none";
  for (long i = 0; i < opt.clients; i++) {
    flows += clients[i].flows;
    logins += clients[i].logins;
    abandoned += clients[i].abandoned;
    overloaded += clients[i].overloaded;
    errors += clients[i].errors;
    if (clients[i].errors) last_error = clients[i].last_error;
  }
  if (!ok) fprintf(stderr, "vg-bench-flows: could not start %ld client threads\n", opt.clients);
  if (strcmp(opt.mode, "signup") == 0) {
    for (size_t i = 0; i < nusers; i++)
      if (users[i].id[0]) printf("%s\t%s\t%s\n", users[i].id, users[i].email, users[i].phone);
    fprintf(stderr, "signups=%lu overloaded=%lu errors=%lu last_error=%s seconds=%.2f\n", flows,
            overloaded, errors, last_error, elapsed);
  } else {
    printf("flows=%lu logins=%lu abandoned=%lu overloaded=%lu errors=%lu last_error=%s "
           "seconds=%.3f rate=%.2f cpu_ms_per_flow=%.3f",
           flows, logins, abandoned, overloaded, errors, last_error, elapsed,
           (double)flows / elapsed, flows ? cpu * 1e3 / (double)flows : 0);
    if (strcmp(opt.mode, "split") == 0 || totp_mode(&opt))
      printf(" cpu_ms_per_login=%.3f cpu_ms_per_verify=%.3f",
             logins ? cpu_login * 1e3 / (double)logins : 0,
             flows ? cpu_verify * 1e3 / (double)flows : 0);
    printf("\n");
  }
  rc = ok && errors == 0 ? 0 : 1;

cleanup:
  for (long i = 0; clients && i < opt.clients; i++) {
    curl_easy_cleanup(clients[i].verigate);
    curl_easy_cleanup(clients[i].emulator);
  }
  free(clients);
  free(users);
  curl_global_cleanup();
  return rc;
}
