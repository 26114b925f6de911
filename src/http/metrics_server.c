/* metrics_server.c: see metrics_server.h. The listener on METRICS_PORT is a second ulfius instance
 * with one endpoint and none of the API's per-request callbacks: a scraper is no client of the
 * API, its requests are not counted in verigate_http_requests_total, and it is answered by a
 * thread of its own, so a flood of the API never delays a scrape. */
#include "http/metrics_server.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "http/listen.h"
#include "http/problem.h"
#include "metrics.h"

/* A scraper or two, and someone with curl: more connections than that are refused. */
#define METRICS_MAX_CONNECTIONS 16
#define METRICS_CONNECTION_TIMEOUT 10

struct metrics_server {
  struct _u_instance instance;
  struct http_listen listen;
  bool started;
};

void metrics_answer(struct _u_response *res) {
  size_t len;
  char *text = metrics_render(&len);
  if (!text) {
    problem_send_result(res, VG_ERR_INTERNAL, NULL, NULL, NULL);
    return;
  }
  ulfius_set_binary_body_response(res, 200, text, len);
  u_map_put(res->map_header, "Content-Type", METRICS_CONTENT_TYPE);
  free(text);
}

static int on_metrics(const struct _u_request *req, struct _u_response *res, void *data) {
  (void)req, (void)data;
  metrics_answer(res);
  return U_CALLBACK_COMPLETE;
}

static int on_other(const struct _u_request *req, struct _u_response *res, void *data) {
  (void)req, (void)data;
  problem_send(res, problem_for_http(HTTP_ERR_NOT_FOUND), NULL, NULL);
  return U_CALLBACK_COMPLETE;
}

static bool start(struct metrics_server *s) {
  struct MHD_OptionItem options[] = {
      {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)mhd_request_completed, NULL},
      {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)ulfius_uri_logger, NULL},
      {MHD_OPTION_SOCK_ADDR, 0, &s->listen.addr},
      {MHD_OPTION_CONNECTION_LIMIT, METRICS_MAX_CONNECTIONS, NULL},
      {MHD_OPTION_CONNECTION_TIMEOUT, METRICS_CONNECTION_TIMEOUT, NULL},
      {MHD_OPTION_END, 0, NULL},
  };
  unsigned flags =
      MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD | s->listen.mhd_flags;
  return ulfius_start_framework_with_mhd_options(&s->instance, flags, options) == U_OK;
}

struct metrics_server *metrics_server_start(const char *bind_address, unsigned port, char *err,
                                            size_t errlen) {
  struct metrics_server *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  if (!http_listen_parse(&s->listen, bind_address, port)) {
    snprintf(err, errlen, "METRICS_BIND_ADDRESS: '%s' is not an IPv4 or IPv6 address",
             bind_address);
    free(s);
    return NULL;
  }
  if (http_listen_init_instance(&s->instance, &s->listen, port) != U_OK) {
    snprintf(err, errlen, "cannot set up the metrics server");
    free(s);
    return NULL;
  }
  s->instance.max_post_body_size = 1; /* a scrape has no body */
  s->instance.allowed_post_processor = U_POST_PROCESS_NONE;
  if (ulfius_add_endpoint_by_val(&s->instance, "GET", NULL, "/metrics", 0, on_metrics, NULL) !=
          U_OK ||
      ulfius_set_default_endpoint(&s->instance, on_other, NULL) != U_OK ||
      u_map_put(s->instance.default_headers, "Cache-Control", "no-store") != U_OK ||
      u_map_put(s->instance.default_headers, "X-Content-Type-Options", "nosniff") != U_OK) {
    snprintf(err, errlen, "cannot register /metrics");
    metrics_server_stop(s);
    return NULL;
  }
  if (!(s->started = start(s))) {
    snprintf(err, errlen, "cannot listen on %s:%u for METRICS_PORT (in use, or not permitted)",
             bind_address, port);
    metrics_server_stop(s);
    return NULL;
  }
  return s;
}

void metrics_server_stop(struct metrics_server *s) {
  if (!s) return;
  if (s->started) ulfius_stop_framework(&s->instance);
  ulfius_clean_instance(&s->instance);
  free(s);
}
