/* main.c: verigate's entry point: configuration, start, wait for SIGINT/SIGTERM, orderly stop. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <malloc.h>

#include <curl/curl.h>
#include <yder.h>

#include "app.h"
#include "check_config.h"
#include "config.h"
#include "http/server.h"
#include "log.h"
#include "version.h"

static const char *env_get(const char *name, void *ctx) {
  (void)ctx;
  return getenv(name);
}

/* For container health checks: GET /healthz on this instance's port; exit 0 when it answers 200. */
static int healthcheck(void) {
  const char *port = getenv("PORT");
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%s/healthz", port && *port ? port : "8080");
  CURL *curl = curl_easy_init();
  if (!curl) return 1;
  long status = 0;
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_NOBODY, 0L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 2000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, (curl_write_callback)fwrite);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, stderr);
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  return status == 200 ? 0 : 1;
}

/* Blocks the stop signals in every thread and waits for one in this one. */
static int wait_for_stop_signal(const sigset_t *set) {
  int sig = 0;
  sigwait(set, &sig);
  return sig;
}

static bool before(const struct timespec *deadline) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec < deadline->tv_sec ||
         (now.tv_sec == deadline->tv_sec && now.tv_nsec < deadline->tv_nsec);
}

/* Waits until no request is in flight (true), or the deadline passes or another stop signal
 * comes (false). */
static bool wait_idle(struct http_server *server, const sigset_t *stop,
                      const struct timespec *deadline) {
  while (http_server_in_flight(server) > 0) {
    if (!before(deadline)) return false;
    const struct timespec tick = {0, 20 * 1000 * 1000};
    if (sigtimedwait(stop, NULL, &tick) > 0) {
      y_log_message(Y_LOG_LEVEL_WARNING, "second stop signal: not waiting any longer");
      return false;
    }
  }
  return true;
}

/* After SIGTERM/SIGINT: /readyz answers 503 at once, so the load balancer stops sending; the
 * requests in flight, and any still arriving, are served (answers say `Connection: close`) until
 * none is in flight, grace_seconds have passed or a second signal comes; then the listening
 * socket closes (new connections are refused). Returns how many requests are still running. */
static int drain(struct http_server *server, const sigset_t *stop, int grace_seconds) {
  struct timespec deadline;
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  deadline.tv_sec += grace_seconds;
  http_server_drain(server);
  bool idle = wait_idle(server, stop, &deadline);
  http_server_close_listener(server);
  if (idle) wait_idle(server, stop, &deadline); /* one the listener took just before it closed */
  return http_server_in_flight(server);
}

/* Every problem of the configuration on stderr, one line each; false when there is one. */
static bool load_config(struct config *cfg) {
  char err[2048] = "";
  if (config_load(cfg, env_get, NULL, err, sizeof err)) return true;
  for (char *line = strtok(err, "\n"); line; line = strtok(NULL, "\n"))
    fprintf(stderr, "verigate: configuration error: %s\n", line);
  config_free(cfg);
  return false;
}

/* `--check-config`: 0 when the configuration is valid and every service answers, 1 when one
 * does not, 2 when the configuration itself is invalid. */
static int check_config(void) {
  struct config cfg;
  if (!load_config(&cfg)) return 2;
  int rc = check_config_run(&cfg);
  config_free(&cfg);
  return rc;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--healthcheck") == 0) return healthcheck();
  if (argc == 2 && strcmp(argv[1], "--check-config") == 0) return check_config();
  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    printf("verigate %s (%s)\n", VG_VERSION, VG_COMMIT);
    return 0;
  }
  if (argc > 1) {
    fprintf(stderr,
            "usage: verigate [--healthcheck | --check-config | --version]\n(configuration comes "
            "from the environment; see README.md)\n");
    return 2;
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, NULL); /* before any thread starts, so all inherit it */
  /* Every connection has a thread (README, Threads), and each request allocates small blocks
   * through ulfius: with glibc's default of 8 arenas per core, 64 busy connections share 16
   * arenas and wait on their locks. 64 arenas cost 5-15 % less CPU per request (bench figures 1
   * and 2, measured in turn) for a few MiB more under a flood. MALLOC_ARENA_MAX still wins. */
  if (!getenv("MALLOC_ARENA_MAX")) mallopt(M_ARENA_MAX, 64);
  signal(SIGPIPE, SIG_IGN);

  struct config cfg;
  char err[256] = "";
  if (!load_config(&cfg)) return 2;
  vg_log_start(cfg.log_level, cfg.log_json ? VG_LOG_JSON : VG_LOG_TEXT, "verigate starting");
  struct app *app = app_start(&cfg, err, sizeof err);
  if (!app) {
    y_log_message(Y_LOG_LEVEL_ERROR, "cannot start: %s", err);
    y_close_logs();
    return 1;
  }
  y_log_message(Y_LOG_LEVEL_INFO, "listening on http://%s:%u", cfg.bind_address, cfg.port);
  int sig = wait_for_stop_signal(&stop);
  y_log_message(Y_LOG_LEVEL_INFO, "signal %d: draining (at most %d s)", sig, cfg.shutdown_grace);
  int running = drain(app_http_server(app), &stop, cfg.shutdown_grace);
  if (running > 0) {
    /* Their handlers use the stores app_stop would free, and libmicrohttpd's stop would wait for
     * them (it joins every connection's thread): leave without tearing down; the kernel closes
     * every socket, and each cut request's client sees its connection end. */
    y_log_message(Y_LOG_LEVEL_WARNING, "shutdown grace over: %d request%s still running, cut",
                  running, running == 1 ? "" : "s");
    _exit(0);
  }
  y_log_message(Y_LOG_LEVEL_INFO, "stopping");
  app_stop(app);
  y_close_logs();
  config_free(&cfg);
  return 0;
}
