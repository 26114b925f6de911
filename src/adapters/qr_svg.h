/* qr_svg.h: the qr_code port on libqrencode (Debian's libqrencode4): error correction M, 8-bit
 * mode, the smallest version that holds the text, drawn as one SVG path of unit squares with a
 * quiet zone of 4 modules. */
#ifndef VG_QR_SVG_H
#define VG_QR_SVG_H

#include "ports/factors.h"

struct qr_code qr_svg_port(void);

#endif
