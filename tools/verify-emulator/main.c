/* verify-emulator: an in-memory emulator of Twilio Verify v2 for development and tests, never for
 * production (TWILIO_VERIFY.md). main parses the settings, serves until SIGINT or SIGTERM, and
 * releases everything in reverse order. */
#include <arpa/inet.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <ulfius.h>
#include <yder.h>

#include "config.h"
#include "emulator.h"

/* Binds instance to config->bind, IPv4 or IPv6; U_OK on success. */
static int init_instance(struct _u_instance *instance, const struct emu_config *config,
                         struct sockaddr_in *v4, struct sockaddr_in6 *v6) {
  memset(v4, 0, sizeof *v4);
  memset(v6, 0, sizeof *v6);
  if (inet_pton(AF_INET, config->bind, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)config->port);
    return ulfius_init_instance(instance, config->port, v4, NULL);
  }
  if (inet_pton(AF_INET6, config->bind, &v6->sin6_addr) != 1) return U_ERROR_PARAMS;
  v6->sin6_family = AF_INET6;
  v6->sin6_port = htons((uint16_t)config->port);
  return ulfius_init_instance_ipv6(instance, config->port, v6, U_USE_IPV6, NULL);
}

static void print_banner(const struct emu_config *config) {
  const char *open = strchr(config->bind, ':') != NULL ? "[" : "";
  const char *close = *open != '\0' ? "]" : "";

  printf("verify-emulator: listening on http://%s%s%s:%u (service %s)\n", open, config->bind, close,
         config->port, config->service_sid);
  printf("verify-emulator: account %s, auth token %s, code ttl %lds, code length %d\n",
         config->account_sid, config->default_auth_token ? config->auth_token : "(as given)",
         config->code_ttl, config->code_length);
  fflush(stdout);
}

/* Waits for SIGINT or SIGTERM: blocked in every thread, they reach only this sigwait. */
static void wait_for_stop(const sigset_t *stop_signals) {
  int signal_number;

  while (sigwait(stop_signals, &signal_number) != 0)
    ;
}

int main(int argc, char **argv) {
  struct emu_config config;
  struct emulator emu = {0};
  struct _u_instance instance;
  struct sockaddr_in v4;
  struct sockaddr_in6 v6;
  sigset_t stop_signals;
  char err[160];
  int rc = 1;

  switch (emu_config_load(&config, argc, argv, err, sizeof err)) {
    case EMU_CONFIG_HELP:
      fputs(emu_config_usage, stdout);
      return 0;
    case EMU_CONFIG_INVALID:
      fprintf(stderr, "verify-emulator: %s\n%s", err, emu_config_usage);
      return 2;
    case EMU_CONFIG_OK:
      break;
  }
  if (sodium_init() < 0) {
    fputs("verify-emulator: libsodium failed to initialise\n", stderr);
    return 1;
  }
  /* ulfius reports why it could not start (address in use, ...) through yder, on stderr. */
  y_init_logs("verify-emulator", Y_LOG_MODE_CONSOLE, Y_LOG_LEVEL_WARNING, NULL, "starting");
  /* Block the stop signals before ulfius starts its threads, which inherit the mask. */
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

  emu.config = &config;
  emu.started = time(NULL);
  emu.store = emu_store_create(config.code_ttl, config.code_length);
  emu.faults = emu_faults_create();
  emu.reqlog = emu_reqlog_create(EMU_REQLOG_CAPACITY);
  if (emu.store == NULL || emu.faults == NULL || emu.reqlog == NULL) {
    fputs("verify-emulator: out of memory\n", stderr);
    goto release_state;
  }
  if (init_instance(&instance, &config, &v4, &v6) != U_OK) {
    fputs("verify-emulator: cannot initialise the HTTP server\n", stderr);
    goto release_state;
  }
  instance.max_post_body_size = 64 * 1024;
  /* One catch-all endpoint: dispatch.c routes, so it can log every answer and pick 404 or 405. */
  if (ulfius_add_endpoint_by_val(&instance, "*", NULL, "*", 0, emu_dispatch, &emu) != U_OK ||
      ulfius_start_framework(&instance) != U_OK) {
    fprintf(stderr, "verify-emulator: cannot listen on %s port %u\n", config.bind, config.port);
    goto release_instance;
  }
  print_banner(&config);
  wait_for_stop(&stop_signals);
  ulfius_stop_framework(&instance);
  fputs("verify-emulator: stopped\n", stdout);
  rc = 0;
release_instance:
  ulfius_clean_instance(&instance);
release_state:
  emu_reqlog_destroy(emu.reqlog);
  emu_faults_destroy(emu.faults);
  emu_store_destroy(emu.store);
  y_close_logs();
  return rc;
}
