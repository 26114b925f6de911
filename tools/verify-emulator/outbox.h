/* outbox: where the emulator "delivers" codes, namely one line per send on stdout, so a developer
 * or a test can read the code. The number is masked to its last 4 digits; the code is printed
 * whole. */
#ifndef EMU_OUTBOX_H
#define EMU_OUTBOX_H

/* Prints "verify-emulator: SMS to +*******4567: your verigate code is 123456" and flushes. */
void emu_outbox_deliver(const char *channel, const char *to, const char *code);

#endif
