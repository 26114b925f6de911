/* metrics_server.h: GET /metrics: the answer, and the listener of its own on METRICS_PORT, so that
 * the metrics need not be public where the API is. */
#ifndef VG_METRICS_SERVER_H
#define VG_METRICS_SERVER_H

#include <stddef.h>

#include <ulfius.h>

/* Writes every metric into res: 200 in the Prometheus text format, or a 500 problem. */
void metrics_answer(struct _u_response *res);

/* Serves GET /metrics alone on bind_address:port (anything else: 404), on a few threads of its
 * own. NULL with a message in err when it cannot listen. */
struct metrics_server *metrics_server_start(const char *bind_address, unsigned port, char *err,
                                            size_t errlen);

/* Stops listening and frees the server; NULL is a no-op. */
void metrics_server_stop(struct metrics_server *server);

#endif
