/* JSON-lines logging on yder: {"ts","level","service","request_id","msg"} one per line on stdout.
 * The access log (one line per request, log_access) writes the same kind of line itself, with
 * msg "request" and the request's members after msg. */
#ifndef CLAIMSUITE_LOG_H
#define CLAIMSUITE_LOG_H

#include <yder.h>

/* level: "error", "warning", "info" or "debug". Returns CS_OK or CS_ERR_INVALID. */
int log_init(const char *service, const char *level);
void log_close(void);

/* The request id of the calling thread, copied; NULL clears it. */
void log_set_request_id(const char *request_id);
const char *log_request_id(void); /* borrowed, "" when none */

/* The traceparent the calling thread's request sends on its outgoing calls (trace.h), copied;
 * NULL clears it. */
void log_set_traceparent(const char *traceparent);
const char *log_traceparent(void); /* borrowed, "" when none */

/* 1 when messages of level (Y_LOG_LEVEL_*) are written: yder formats a message before it
 * looks at the level, so hot paths ask first. */
int log_enabled(unsigned long level);

/* Formats one JSON line into buf (exposed for tests). Returns the length written. */
size_t log_format_line(char *buf, size_t len, const char *service, unsigned long level,
                       const char *request_id, const char *message);

/* One request as the access log tells it. Strings are borrowed and may be NULL (written as
 * ""); route is the endpoint's pattern ("/v1/cases/:id"), never the raw path. */
struct log_access {
  const char *method, *route;
  long status;
  unsigned long long bytes; /* body bytes answered */
  double duration_ms;
  const char *request_id, *portal, *caller, *trace_id, *span_id, *parent_id;
};

/* Formats a's line into buf, without jansson: {"ts","level","service","request_id","msg":
 * "request","method","route","status","bytes","duration_ms","portal","caller","trace_id",
 * "span_id","parent_id"}, strings escaped (quotes, backslashes, control characters; bytes that
 * are not UTF-8 become U+FFFD). Returns the length, 0 when it does not fit (nothing cut). */
size_t log_format_access(char *buf, size_t len, const char *service, unsigned long level,
                         const struct log_access *a);
/* Writes a's line (level: Y_LOG_LEVEL_*) with one write under the log's lock, whatever the
 * log level: the caller decides whether requests are logged (ACCESS_LOG). */
void log_access(unsigned long level, const struct log_access *a);

#define log_error(...) y_log_message(Y_LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...) y_log_message(Y_LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_info(...) y_log_message(Y_LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) y_log_message(Y_LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
