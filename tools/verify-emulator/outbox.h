/* outbox: where the emulator "delivers" codes, namely one line per send on stdout, so a developer
 * or a test can read the code. The number is masked to its last 4 digits; the code is printed
 * whole. */
#ifndef EMU_OUTBOX_H
#define EMU_OUTBOX_H

/* Prints "verify-emulator: SMS to +*******4567: your verigate code is 123456" and flushes. An SMS
 * with an app hash (AppHash, NULL for none) reads as Twilio writes it for Android's SMS Retriever:
 * "<#> your verigate code is 123456 He42w354ol9". */
void emu_outbox_deliver(const char *channel, const char *to, const char *code,
                        const char *app_hash);

#endif
