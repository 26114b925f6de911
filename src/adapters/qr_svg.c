/* qr_svg.c: a QR code as a small SVG: one <path> with an "M x y h1v1h-1z" square per dark
 * module, in a viewBox of the symbol's width plus the quiet zone. */
#include "adapters/qr_svg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#define QUIET 4

static char *svg(void *self, const char *text) {
  (void)self;
  QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (!qr) return NULL;
  int size = qr->width + 2 * QUIET;
  /* At most one square of up to 24 characters per module, and the frame. */
  size_t cap = (size_t)qr->width * (size_t)qr->width * 24 + 512;
  char *out = malloc(cap);
  if (out) {
    size_t n = (size_t)snprintf(out, cap,
                                "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                                "shape-rendering=\"crispEdges\" data-modules=\"%d\">"
                                "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path d=\"",
                                size, size, qr->width, size, size);
    for (int y = 0; y < qr->width; y++)
      for (int x = 0; x < qr->width; x++)
        if (qr->data[y * qr->width + x] & 1)
          n += (size_t)snprintf(out + n, cap - n, "M%d %dh1v1h-1z", x + QUIET, y + QUIET);
    snprintf(out + n, cap - n, "\" fill=\"#000\"/></svg>");
  }
  QRcode_free(qr);
  return out;
}

struct qr_code qr_svg_port(void) {
  return (struct qr_code){.self = NULL, .svg = svg};
}
