/* JSON-lines logging on yder: {"ts","level","service","request_id","msg"} one per line on stdout. */
#ifndef CLAIMSUITE_LOG_H
#define CLAIMSUITE_LOG_H

#include <yder.h>

/* level: "error", "warning", "info" or "debug". Returns CS_OK or CS_ERR_INVALID. */
int log_init(const char *service, const char *level);
void log_close(void);

/* The request id of the calling thread, copied; NULL clears it. */
void log_set_request_id(const char *request_id);
const char *log_request_id(void); /* borrowed, "" when none */

/* 1 when messages of level (Y_LOG_LEVEL_*) are written: yder formats a message before it
 * looks at the level, so hot paths ask first. */
int log_enabled(unsigned long level);

/* Formats one JSON line into buf (exposed for tests). Returns the length written. */
size_t log_format_line(char *buf, size_t len, const char *service, unsigned long level,
                       const char *request_id, const char *message);

#define log_error(...) y_log_message(Y_LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...) y_log_message(Y_LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_info(...) y_log_message(Y_LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) y_log_message(Y_LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
