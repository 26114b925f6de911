/* log.h: verigate's log lines, in yder's console format ("<UTC date> - verigate LEVEL: message";
 * warnings and errors on stderr, the rest on stdout), with "req=<id> " before the message of every
 * line logged on a thread while it answers a request, whichever layer logs it: an adapter's
 * warning about Twilio, Redis or MongoDB names the request that met it. */
#ifndef VG_LOG_H
#define VG_LOG_H

/* Starts yder at level (Y_LOG_LEVEL_*) with verigate's writer; message is the first line. */
void vg_log_start(unsigned long level, const char *message);

/* From here to vg_log_request_end, this thread's lines carry request_id (copied; at most 64
 * characters are kept). */
void vg_log_request_begin(const char *request_id);
void vg_log_request_end(void);

#endif
