/* qr_svg.c: a QR code as a small SVG: one <path> with an "M x y hNv1h-Nz" rectangle per run of
 * dark modules in a row, in a viewBox of the symbol's width plus the quiet zone. */
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
      for (int x = 0; x < qr->width;) {
        int run = 0;
        while (x + run < qr->width && (qr->data[y * qr->width + x + run] & 1)) run++;
        if (run > 0)
          n += (size_t)snprintf(out + n, cap - n, "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, run,
                                run);
        x += run > 0 ? run : 1;
      }
    snprintf(out + n, cap - n, "\" fill=\"#000\"/></svg>");
  }
  QRcode_free(qr);
  return out;
}

struct qr_code qr_svg_port(void) {
  return (struct qr_code){.self = NULL, .svg = svg};
}
