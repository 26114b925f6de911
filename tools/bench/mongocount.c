/* vg-bench-mongocount: a counting TCP relay between verigate and the MongoDB-compatible test
 * server, because jongodb has no serverStatus (no opcounters) to read. It relays bytes unchanged
 * both ways and, for every message the client sends, prints the command's name (the first key of
 * an OP_MSG body, or of a legacy OP_QUERY) on its own line of stdout: the benchmark counts the
 * lines a single request adds. Only for that short measurement: one thread per connection.
 *   vg-bench-mongocount LISTEN_PORT UPSTREAM_PORT      (both on 127.0.0.1) */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_util.h"

#define OP_QUERY 2004
#define OP_MSG 2013

static int upstream_port;

/* The start of the message being read; the command name sits in its first hundred bytes. */
struct wire {
  unsigned char head[160];
  size_t have;  /* bytes of the current message seen so far */
  uint32_t len; /* its length, once its first 4 bytes are in */
};

static uint32_t le32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The first element name of the BSON document at doc (within the head), or NULL. */
static const char *first_key(const unsigned char *doc, const unsigned char *end) {
  if (doc + 6 > end || doc[4] == 0) return NULL;
  const unsigned char *key = doc + 5;
  return memchr(key, 0, (size_t)(end - key)) ? (const char *)key : NULL;
}

static void report(const struct wire *w) {
  const unsigned char *end = w->head + (w->len < sizeof w->head ? w->len : sizeof w->head);
  uint32_t op = le32(w->head + 12);
  const char *name = NULL;
  if (op == OP_MSG && w->head[20] == 0) { /* flagBits, then a kind-0 section: the body */
    name = first_key(w->head + 21, end);
  } else if (op == OP_QUERY) { /* flags, collection name, skip, limit, then the query */
    const unsigned char *coll = w->head + 20;
    const unsigned char *nul = coll < end ? memchr(coll, 0, (size_t)(end - coll)) : NULL;
    if (nul) name = first_key(nul + 1 + 8, end);
  }
  if (name)
    printf("%s\n", name);
  else
    printf("op%u\n", op);
  fflush(stdout);
}

/* Follows message boundaries in the client's byte stream; 0 on a length no message can have. */
static int wire_feed(struct wire *w, const unsigned char *p, size_t n) {
  while (n > 0) {
    size_t want = w->have < 4 ? 4 - w->have : w->len - w->have;
    size_t take = n < want ? n : want;
    if (w->have < sizeof w->head) {
      size_t room = sizeof w->head - w->have;
      memcpy(w->head + w->have, p, take < room ? take : room);
    }
    w->have += take;
    p += take;
    n -= take;
    if (w->have == 4 && w->len == 0 && (w->len = le32(w->head)) < 21) return 0;
    if (w->len && w->have == w->len) {
      report(w);
      w->have = 0;
      w->len = 0;
    }
  }
  return 1;
}

static int connect_upstream(void) {
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)upstream_port)};
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    close(fd);
    fd = -1;
  }
  return fd;
}

/* Relays one connection until either side closes. */
static void *relay(void *arg) {
  int client = (int)(intptr_t)arg, server = connect_upstream();
  struct wire w = {0};
  unsigned char buf[65536];
  struct pollfd fds[2] = {{.fd = client, .events = POLLIN}, {.fd = server, .events = POLLIN}};
  int counting = 1;
  while (server >= 0 && poll(fds, 2, -1) > 0) {
    int from = fds[0].revents ? 0 : 1;
    if (!fds[from].revents) continue;
    ssize_t n = read(fds[from].fd, buf, sizeof buf);
    if (n <= 0) break;
    if (from == 0 && counting) counting = wire_feed(&w, buf, (size_t)n);
    for (ssize_t off = 0, sent; off < n; off += sent)
      if ((sent = write(fds[1 - from].fd, buf + off, (size_t)(n - off))) <= 0) goto cleanup;
  }
cleanup:
  if (server >= 0) close(server);
  close(client);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: vg-bench-mongocount LISTEN_PORT UPSTREAM_PORT\n");
    return 2;
  }
  long listen_port = bench_positive("LISTEN_PORT", argv[1]);
  upstream_port = (int)bench_positive("UPSTREAM_PORT", argv[2]);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)listen_port)};
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 64) != 0) {
    perror("vg-bench-mongocount: listen");
    return 1;
  }
  for (;;) {
    int client = accept(fd, NULL, NULL);
    if (client < 0) continue;
    pthread_t t;
    if (pthread_create(&t, NULL, relay, (void *)(intptr_t)client) != 0)
      close(client);
    else
      pthread_detach(t);
  }
}
