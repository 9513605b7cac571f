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
#define LOG_TRACEPARENT_MAX 55

static char log_service[64] = "claimsuite";
static unsigned long log_level = Y_LOG_LEVEL_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread char log_rid[LOG_REQUEST_ID_MAX + 1];
static __thread char log_tp[LOG_TRACEPARENT_MAX + 1];

static const char *level_name(unsigned long level) {
  switch (level) {
    case Y_LOG_LEVEL_ERROR: return "error";
    case Y_LOG_LEVEL_WARNING: return "warning";
    case Y_LOG_LEVEL_DEBUG: return "debug";
    default: return "info";
  }
}

/* Now as RFC 3339 UTC with milliseconds: 24 characters. */
static void timestamp(char ts[40]) {
  struct timeval tv;
  struct tm tm;
  gettimeofday(&tv, NULL);
  gmtime_r(&tv.tv_sec, &tm);
  size_t n = strftime(ts, 40, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(ts + n, 40 - n, ".%03ldZ", (long)(tv.tv_usec / 1000));
}

size_t log_format_line(char *buf, size_t len, const char *service, unsigned long level,
                       const char *request_id, const char *message) {
  char ts[40];
  timestamp(ts);

  /* jansson escapes the message, so a log line is always one valid JSON object. */
  json_t *line =
      json_pack("{s:s, s:s, s:s, s:s, s:s}", "ts", ts, "level", level_name(level), "service",
                service, "request_id", request_id ? request_id : "", "msg", message ? message : "");
  if (line == NULL) return 0;
  size_t written = json_dumpb(line, buf, len > 1 ? len - 1 : 0, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(line);
  if (written >= len) written = 0; /* did not fit: drop rather than print half a line */
  buf[written] = '\0';
  return written;
}

/* --- the access line: formatted by hand, as it is written for every request ---------------- */

struct out {
  char *p, *end; /* end: the last byte, kept for the NUL */
  int full;
};

static void out_raw(struct out *o, const char *s, size_t n) {
  if (o->full || (size_t)(o->end - o->p) < n) {
    o->full = 1;
    return;
  }
  memcpy(o->p, s, n);
  o->p += n;
}

static void out_str(struct out *o, const char *s) { out_raw(o, s, strlen(s)); }

/* Length of the UTF-8 sequence at s (2..4, s[0] >= 0x80), 0 when the bytes there are not one
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF). A NUL stops it. */
static size_t utf8_len(const unsigned char *s) {
  size_t n = s[0] < 0xc2 ? 0 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : s[0] < 0xf5 ? 4 : 0;
  for (size_t i = 1; i < n; i++)
    if ((s[i] & 0xc0) != 0x80) return 0;
  if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
      (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
    return 0;
  return n;
}

/* s as the inside of a JSON string. */
static void out_escaped(struct out *o, const char *s) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
  while (*p != '\0' && !o->full) {
    const unsigned char *run = p; /* plain bytes go out in one copy */
    while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') p++;
    out_raw(o, (const char *)run, (size_t)(p - run));
    if (*p == '\0') break;
    if (*p == '"' || *p == '\\') {
      char esc[2] = {'\\', (char)*p++};
      out_raw(o, esc, 2);
    } else if (*p < 0x20) {
      char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 0x0f]};
      out_raw(o, esc, 6);
      p++;
    } else {
      size_t n = utf8_len(p);
      if (n > 0) {
        out_raw(o, (const char *)p, n);
        p += n;
      } else {
        out_str(o, "\\ufffd");
        p++;
      }
    }
  }
}

/* ,"name":"value" */
static void out_member(struct out *o, const char *name, const char *value) {
  out_str(o, ",\"");
  out_str(o, name);
  out_str(o, "\":\"");
  out_escaped(o, value);
  out_raw(o, "\"", 1);
}

size_t log_format_access(char *buf, size_t len, const char *service, unsigned long level,
                         const struct log_access *a) {
  char ts[40], num[96];
  if (len == 0) return 0;
  struct out o = {buf, buf + len - 1, 0};
  timestamp(ts);
  out_str(&o, "{\"ts\":\"");
  out_str(&o, ts);
  out_str(&o, "\"");
  out_member(&o, "level", level_name(level));
  out_member(&o, "service", service);
  out_member(&o, "request_id", a->request_id);
  out_member(&o, "msg", "request");
  out_member(&o, "method", a->method);
  out_member(&o, "route", a->route);
  double ms = a->duration_ms >= 0 && a->duration_ms < 1e9 ? a->duration_ms : 0;
  snprintf(num, sizeof(num), ",\"status\":%ld,\"bytes\":%llu,\"duration_ms\":%.3f", a->status,
           a->bytes, ms);
  out_str(&o, num);
  out_member(&o, "portal", a->portal);
  out_member(&o, "caller", a->caller);
  out_member(&o, "trace_id", a->trace_id);
  out_member(&o, "span_id", a->span_id);
  out_member(&o, "parent_id", a->parent_id);
  out_raw(&o, "}", 1);
  if (o.full) {
    buf[0] = '\0';
    return 0;
  }
  *o.p = '\0';
  return (size_t)(o.p - buf);
}

void log_access(unsigned long level, const struct log_access *a) {
  char buf[2048];
  size_t n = log_format_access(buf, sizeof(buf) - 1, log_service, level, a);
  if (n == 0) return;
  buf[n++] = '\n';
  pthread_mutex_lock(&log_lock);
  fwrite(buf, 1, n, stdout);
  fflush(stdout);
  pthread_mutex_unlock(&log_lock);
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
  if (!strcmp(level, "error"))
    lvl = Y_LOG_LEVEL_ERROR;
  else if (!strcmp(level, "warning"))
    lvl = Y_LOG_LEVEL_WARNING;
  else if (!strcmp(level, "info"))
    lvl = Y_LOG_LEVEL_INFO;
  else if (!strcmp(level, "debug"))
    lvl = Y_LOG_LEVEL_DEBUG;
  else
    return CS_ERR_INVALID;
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

void log_set_traceparent(const char *traceparent) {
  if (traceparent == NULL) {
    log_tp[0] = '\0';
    return;
  }
  snprintf(log_tp, sizeof(log_tp), "%s", traceparent);
}

const char *log_traceparent(void) { return log_tp; }
