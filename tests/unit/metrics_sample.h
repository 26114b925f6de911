/* metrics_sample.h: reads one sample of /metrics' text, for tests that assert counts. */
#ifndef VG_METRICS_SAMPLE_H
#define VG_METRICS_SAMPLE_H

#include <stdlib.h>
#include <string.h>

#include "metrics.h"

/* The value of the sample named exactly series ("name{labels}"), or -1 when there is none. */
static inline double metrics_sample(const char *series) {
  size_t len;
  char *text = metrics_render(&len);
  double value = -1;
  size_t n = strlen(series);
  for (char *line = text; line && *line;) {
    char *end = strchr(line, '\n');
    if (strncmp(line, series, n) == 0 && line[n] == ' ') value = strtod(line + n + 1, NULL);
    line = end ? end + 1 : NULL;
  }
  free(text);
  return value;
}

#endif
