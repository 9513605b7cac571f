/* JSON-lines logging: yder hands every message to our callback, which adds the service and the
 * calling thread's request id and writes one line to stdout. */
#include "log.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "status.h"

#define LOG_REQUEST_ID_MAX 128

static char log_service[64] = "claimsuite";
static unsigned long log_level = Y_LOG_LEVEL_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread char log_rid[LOG_REQUEST_ID_MAX + 1];

static const char *level_name(unsigned long level) {
  switch (level) {
    case Y_LOG_LEVEL_ERROR: return "error";
    case Y_LOG_LEVEL_WARNING: return "warning";
    case Y_LOG_LEVEL_DEBUG: return "debug";
    default: return "info";
  }
}

size_t log_format_line(char *buf, size_t len, const char *service, unsigned long level,
                       const char *request_id, const char *message) {
  struct timeval tv;
  struct tm tm;
  char ts[40];
  gettimeofday(&tv, NULL);
  gmtime_r(&tv.tv_sec, &tm);
  size_t n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(ts + n, sizeof(ts) - n, ".%03ldZ", (long)(tv.tv_usec / 1000));

  /* jansson escapes the message, so a log line is always one valid JSON object. */
  json_t *line = json_pack("{s:s, s:s, s:s, s:s, s:s}", "ts", ts, "level", level_name(level),
                           "service", service, "request_id", request_id ? request_id : "",
                           "msg", message ? message : "");
  if (line == NULL) return 0;
  size_t written = json_dumpb(line, buf, len > 1 ? len - 1 : 0, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(line);
  if (written >= len) written = 0; /* did not fit: drop rather than print half a line */
  buf[written] = '\0';
  return written;
}

static void log_callback(void *cls, const char *app, const time_t date, unsigned long level,
                         const char *message) {
  (void)cls;
  (void)app;
  (void)date;
  char buf[8192];
  /* rhonabwy reports every rejected token at error level ("r_jws_verify_sig_ecdsa - ..."); a
   * forged token is the caller's problem, answered with 401, and must not flood the error log */
  if (level == Y_LOG_LEVEL_ERROR && message != NULL && !strncmp(message, "r_", 2)) {
    if (log_level < Y_LOG_LEVEL_DEBUG) return;
    level = Y_LOG_LEVEL_DEBUG;
  }
  size_t n = log_format_line(buf, sizeof(buf), log_service, level, log_rid, message);
  if (n == 0) return;
  pthread_mutex_lock(&log_lock);
  fputs(buf, stdout);
  fputc('\n', stdout);
  fflush(stdout);
  pthread_mutex_unlock(&log_lock);
}

int log_init(const char *service, const char *level) {
  unsigned long lvl;
  if (!strcmp(level, "error")) lvl = Y_LOG_LEVEL_ERROR;
  else if (!strcmp(level, "warning")) lvl = Y_LOG_LEVEL_WARNING;
  else if (!strcmp(level, "info")) lvl = Y_LOG_LEVEL_INFO;
  else if (!strcmp(level, "debug")) lvl = Y_LOG_LEVEL_DEBUG;
  else return CS_ERR_INVALID;
  snprintf(log_service, sizeof(log_service), "%s", service);
  log_level = lvl;
  if (y_init_logs(service, Y_LOG_MODE_CALLBACK, lvl, NULL, NULL) != 1) return CS_ERR;
  if (y_set_logs_callback(log_callback, NULL, NULL) != 1) return CS_ERR;
  return CS_OK;
}

void log_close(void) { y_close_logs(); }

int log_enabled(unsigned long level) { return level <= log_level; }

void log_set_request_id(const char *request_id) {
  if (request_id == NULL) {
    log_rid[0] = '\0';
    return;
  }
  snprintf(log_rid, sizeof(log_rid), "%s", request_id);
}

const char *log_request_id(void) { return log_rid; }
