/* The HTTP server core: one ulfius instance, one trampoline in front of every handler (request
 * id, trace context, body limit, conditional GETs, metrics, access log, in-flight count), token
 * checks, the health answers, signals and draining. See http_server.h. */
#include "http_server.h"
#include "http_upload.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "etag.h"
#include "http.h"
#include "jwt.h"
#include "log.h"
#include "metrics.h"
#include "status.h"
#include "trace.h"

#define HTTP_SERVER_MAX_ENDPOINTS 160
#define DRAIN_MAX_MS 10000
#define WWW_AUTH_MAX 160

struct endpoint {
  struct http_server *srv;
  http_handler handler;
  void *arg;
  int flags;
  int metric;
};

struct http_server {
  char name[64];
  char bind_address[INET6_ADDRSTRLEN];
  long port, threads, timeout_s, max_connections, max_connections_per_address, max_body_bytes;
  int behind_front;
  int thread_per_connection;
  int access_log; /* ACCESS_LOG: a line for every request */
  struct sockaddr_storage addr;
  struct _u_instance instance;
  int instance_ready, started;
  struct metrics *metrics;
  struct endpoint endpoints[HTTP_SERVER_MAX_ENDPOINTS]; /* ulfius keeps pointers into this */
  size_t nendpoints;
  struct endpoint fallback;
  struct jwks_cache *jwks;
  struct http_token_memo memo;
  struct http_probes probes;
  char www_missing[WWW_AUTH_MAX], www_invalid[WWW_AUTH_MAX]; /* WWW-Authenticate values */
  atomic_int in_flight;
};

/* --- settings ------------------------------------------------------------------------------ */

/* BIND_ADDRESS and PORT into the socket address to listen on. */
int http_server_address(const char *addr, long port, struct sockaddr_storage *ss, char *err,
                        size_t errlen) {
  struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
  memset(ss, 0, sizeof(*ss));
  if (addr != NULL && inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons((uint16_t)port);
    return CS_OK;
  }
  if (addr != NULL && inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    return CS_OK;
  }
  snprintf(err, errlen, "BIND_ADDRESS must be an IPv4 or IPv6 address, got '%s'",
           addr != NULL ? addr : "");
  return CS_ERR_INVALID;
}

/* ACCESS_LOG: on (default) or off; the usual spellings of a boolean are taken too. */
static int access_log_setting(int *on, char *err, size_t errlen) {
  const char *v = config_env("ACCESS_LOG", "on");
  if (!strcasecmp(v, "on") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1")) {
    *on = 1;
  } else if (!strcasecmp(v, "off") || !strcasecmp(v, "false") || !strcasecmp(v, "no") ||
             !strcmp(v, "0")) {
    *on = 0;
  } else {
    snprintf(err, errlen, "ACCESS_LOG must be on or off, got '%s'", v);
    return CS_ERR_INVALID;
  }
  return CS_OK;
}

int http_server_new(const struct http_server_settings *s, struct http_server **out, char *err,
                    size_t errlen) {
  int rc = CS_ERR_INVALID;
  struct http_server *srv = NULL;
  *out = NULL;
  if (s->port < 0 || s->port > 65535 || s->threads < 1 || s->timeout_s < 1 ||
      s->max_connections < 1 || s->max_body_bytes < 1) {
    snprintf(err, errlen, "the HTTP settings are out of range");
    goto done;
  }
  rc = CS_ERR_NOMEM;
  if ((srv = calloc(1, sizeof(*srv))) == NULL) goto done;
  if ((rc = http_server_address(s->bind_address, s->port, &srv->addr, err, errlen)) != CS_OK)
    goto done;
  snprintf(srv->name, sizeof(srv->name), "%s", s->name);
  snprintf(srv->bind_address, sizeof(srv->bind_address), "%s", s->bind_address);
  srv->port = s->port;
  srv->threads = s->threads;
  srv->timeout_s = s->timeout_s;
  srv->max_connections = s->max_connections;
  srv->max_connections_per_address = s->max_connections_per_address;
  srv->behind_front = s->behind_front;
  srv->thread_per_connection = s->thread_per_connection;
  srv->max_body_bytes = s->max_body_bytes;
  if ((rc = access_log_setting(&srv->access_log, err, errlen)) != CS_OK) goto done;
  rc = CS_ERR_NOMEM;
  if (s->auth_realm != NULL) {
    snprintf(srv->www_missing, WWW_AUTH_MAX, "Bearer realm=\"%s\"", s->auth_realm);
    snprintf(srv->www_invalid, WWW_AUTH_MAX, "Bearer realm=\"%s\", error=\"invalid_token\"",
             s->auth_realm);
  } else {
    snprintf(srv->www_missing, WWW_AUTH_MAX, "Bearer");
    snprintf(srv->www_invalid, WWW_AUTH_MAX, "Bearer error=\"invalid_token\"");
  }
  if ((rc = metrics_new(s->name, &srv->metrics)) != CS_OK) goto done;
  /* ulfius refuses port 0; the socket address given at start decides the port anyway */
  if (ulfius_init_instance(&srv->instance, (unsigned)(s->port > 0 ? s->port : 1), NULL, NULL) !=
      U_OK) {
    snprintf(err, errlen, "the HTTP server could not be prepared");
    rc = CS_ERR;
    goto done;
  }
  srv->instance_ready = 1;
  srv->instance.timeout = (unsigned)s->timeout_s;
  /* one byte above the limit, so a truncated body is recognisable as too large */
  srv->instance.max_post_body_size = (size_t)s->max_body_bytes + 1;
  if (s->bodies_as_bytes) {
    srv->instance.check_utf8 = 0;
    srv->instance.allowed_post_processor = U_POST_PROCESS_NONE;
  }
  *out = srv;
  srv = NULL;
  rc = CS_OK;
done:
  http_server_free(srv);
  return rc;
}

void http_server_free(struct http_server *srv) {
  if (srv == NULL) return;
  http_server_stop(srv);
  if (srv->instance_ready) ulfius_clean_instance(&srv->instance);
  metrics_free(srv->metrics);
  free(srv);
}

struct metrics *http_server_metrics(struct http_server *srv) {
  return srv->metrics;
}

int http_server_in_flight(struct http_server *srv) { return atomic_load(&srv->in_flight); }

int http_server_port(struct http_server *srv) {
  if (!srv->started || srv->instance.mhd_daemon == NULL) return 0;
  /* asked of the socket: libmicrohttpd reports the port argument ulfius gave it */
  const union MHD_DaemonInfo *info =
      MHD_get_daemon_info(srv->instance.mhd_daemon, MHD_DAEMON_INFO_LISTEN_FD);
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  if (info == NULL || getsockname(info->listen_fd, (struct sockaddr *)&ss, &len) != 0) return 0;
  if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* --- the trampoline ------------------------------------------------------------------------- */

static double seconds_since(const struct timespec *t0) {
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* What the core learns of the request a worker thread answers, beyond struct http_exchange:
 * reset by dispatch, filled by http_server_authenticate (or http_exchange_note_caller). */
static __thread struct {
  int authenticated;
  char portal[HTTP_CALLER_MAX], caller[HTTP_CALLER_MAX];
  const struct trace_context *trace;
} current;

static int method_is_read(const char *m) { return !strcmp(m, "GET") || !strcmp(m, "HEAD"); }

/* The answer to a GET or HEAD, made conditional (see http_server.h). Runs after the handler, so
 * every route of every process gets it, the gateway's forwarded answers too (where the
 * service's ETag is kept and its 304 passes through). */
static void conditional_answer(struct http_exchange *x) {
  const struct _u_request *req = x->req;
  struct _u_response *resp = x->resp;
  if (!method_is_read(req->http_verb)) return;
  const char *cache = u_map_get_case(resp->map_header, "Cache-Control");
  if (cache == NULL && current.authenticated) {
    u_map_put(resp->map_header, "Cache-Control", "private, no-cache");
  }
  /* a streamed answer (a file) has no bytes here to hash and does its own revalidation */
  if (resp->status != 200 || resp->stream_callback != NULL) return;
  if (cache != NULL && strstr(cache, "no-store") != NULL) return; /* nobody keeps it */
  const char *etag = u_map_get_case(resp->map_header, "ETag");
  char made[ETAG_OF_BODY_LEN + 1];
  if (etag == NULL) {
    if (resp->binary_body == NULL || resp->binary_body_length == 0) return;
    etag_of_body(resp->binary_body, resp->binary_body_length, made);
    u_map_put(resp->map_header, "ETag", made);
    etag = made;
  }
  if (!etag_none_match(u_map_get_case(req->map_header, "If-None-Match"), etag)) return;
  /* 304: no body and no metadata of the body; ETag, Cache-Control, Vary and the rest stay */
  u_map_remove_from_key_case(resp->map_header, "Content-Type");
  u_map_remove_from_key_case(resp->map_header, "Content-Length");
  u_map_remove_from_key_case(resp->map_header, "Content-Language");
  u_map_remove_from_key_case(resp->map_header, "Content-Disposition");
  ulfius_set_empty_body_response(resp, 304);
}

/* The access log line (see http_server.h for when one is written). A 500 is our bug; other
 * 5xx are a dependency's trouble. The route is the endpoint's pattern, from its metrics label
 * ("GET /v1/cases/:id"), never the raw path, so lines group by endpoint and carry no ids. */
static void access_log(const struct http_exchange *x, double elapsed) {
  const struct _u_response *resp = x->resp;
  unsigned long level = resp->status == 500  ? Y_LOG_LEVEL_ERROR
                        : resp->status > 500 ? Y_LOG_LEVEL_WARNING
                                             : Y_LOG_LEVEL_INFO;
  if (!x->srv->access_log) {
    if (log_enabled(Y_LOG_LEVEL_DEBUG)) {
      if (level == Y_LOG_LEVEL_INFO) level = Y_LOG_LEVEL_DEBUG;
    } else if (level == Y_LOG_LEVEL_INFO || !log_enabled(level)) {
      return;
    }
  }
  const char *label = metrics_label(x->srv->metrics, x->metric);
  const char *space = strchr(label, ' ');
  unsigned long long bytes = resp->binary_body_length;
  if (resp->stream_callback != NULL)
    bytes = resp->stream_size != U_STREAM_SIZE_UNKNOWN ? resp->stream_size : 0;
  const struct trace_context *t = current.trace;
  const struct log_access a = {x->req->http_verb,
                               space != NULL ? space + 1 : label,
                               resp->status,
                               bytes,
                               elapsed * 1e3,
                               x->request_id,
                               current.portal,
                               current.caller,
                               t != NULL ? t->trace_id : "",
                               t != NULL ? t->span_id : "",
                               t != NULL ? t->parent_id : ""};
  log_access(level, &a);
}

/* Every request passes here: no lock, and no allocation of its own but the ETag's header. */
static int dispatch(const struct _u_request *req, struct _u_response *resp, void *user_data) {
  struct endpoint *e = user_data;
  struct http_server *srv = e->srv;
  struct timespec t0;
  char rid[REQUEST_ID_MAX + 1], traceparent[TRACEPARENT_LEN + 1];
  struct trace_context trace;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  atomic_fetch_add(&srv->in_flight, 1);
  request_id_of(req, rid);
  log_set_request_id(rid);
  /* the caller's trace goes on with this request's span as the parent of its calls */
  trace_begin(u_map_get_case(req->map_header, "traceparent"), &trace);
  trace_format(&trace, traceparent);
  log_set_traceparent(traceparent);

  current.authenticated = 0;
  current.portal[0] = current.caller[0] = '\0';
  current.trace = &trace;

  struct http_exchange x = {req, resp, srv, rid, e->metric};
  if (!(e->flags & HTTP_ENDPOINT_CHECK_BODY) || !http_server_body_check(&x)) e->handler(&x, e->arg);
  conditional_answer(&x);

  /* last, so that no handler can drop or replace it */
  u_map_put(resp->map_header, "X-Request-Id", rid);
  double elapsed = seconds_since(&t0);
  metrics_observe(srv->metrics, x.metric, (int)resp->status, elapsed);
  access_log(&x, elapsed);
  log_set_request_id(NULL);
  log_set_traceparent(NULL);
  current.trace = NULL;
  atomic_fetch_sub(&srv->in_flight, 1);
  return U_CALLBACK_COMPLETE;
}

int http_server_endpoint(struct http_server *srv, const char *method, const char *pattern,
                         http_handler handler, void *arg, int flags) {
  if (srv->nendpoints == HTTP_SERVER_MAX_ENDPOINTS || handler == NULL) return CS_ERR;
  struct endpoint *e = &srv->endpoints[srv->nendpoints];
  *e = (struct endpoint){srv, handler, arg, flags, metrics_route(srv->metrics, method, pattern)};
  if (ulfius_add_endpoint_by_val(&srv->instance, method, NULL, pattern, 0, dispatch, e) != U_OK)
    return CS_ERR;
  srv->nendpoints++;
  return CS_OK;
}

int http_server_default_endpoint(struct http_server *srv, const char *label_method,
                                 const char *label, http_handler handler, void *arg, int flags) {
  if (handler == NULL) return CS_ERR;
  srv->fallback =
      (struct endpoint){srv, handler, arg, flags, metrics_route(srv->metrics, label_method, label)};
  return ulfius_set_default_endpoint(&srv->instance, dispatch, &srv->fallback) == U_OK ? CS_OK
                                                                                       : CS_ERR;
}

/* --- body limit and tokens ------------------------------------------------------------------ */

int http_body_over_limit(const struct _u_request *req, long limit) {
  if (req->binary_body_length > (size_t)limit) return 1;
  const char *cl = u_map_get_case(req->map_header, "Content-Length");
  if (cl == NULL) return 0;
  errno = 0;
  char *end = NULL;
  unsigned long long declared = strtoull(cl, &end, 10);
  return errno == ERANGE || (end != cl && declared > (unsigned long long)limit);
}

int http_server_body_check(struct http_exchange *x) {
  if (!http_body_over_limit(x->req, x->srv->max_body_bytes)) return 0;
  char detail[96];
  snprintf(detail, sizeof(detail), "the request body is larger than %ld bytes",
           x->srv->max_body_bytes);
  http_problem(x->resp, PROBLEM_BODY_TOO_LARGE, detail);
  return 1;
}

void http_server_auth(struct http_server *srv, struct jwks_cache *jwks,
                      const struct http_token_memo *memo) {
  srv->jwks = jwks;
  if (memo != NULL)
    srv->memo = *memo;
  else
    memset(&srv->memo, 0, sizeof(srv->memo));
}

static void copy_cut(char *dst, const char *src) {
  if (src == NULL) return;
  size_t n = strnlen(src, HTTP_CALLER_MAX - 1);
  memcpy(dst, src, n);
  dst[n] = '\0';
}

void http_exchange_note_caller(struct http_exchange *x, const char *portal, const char *caller) {
  (void)x; /* the calling thread's request */
  copy_cut(current.portal, portal);
  copy_cut(current.caller, caller);
}

/* A verified token's claims (stolen): noted in x, then handed to the caller or released. */
static void authenticated(struct http_exchange *x, json_t *verified, json_t **claims) {
  current.authenticated = 1;
  http_exchange_note_caller(x, json_string_value(json_object_get(verified, "portal_id")),
                            json_string_value(json_object_get(verified, "sub")));
  if (claims != NULL)
    *claims = verified;
  else
    json_decref(verified);
}

int http_server_authenticate(struct http_exchange *x, json_t **claims) {
  struct http_server *srv = x->srv;
  const char *authz = u_map_get_case(x->req->map_header, "Authorization");
  const char *token = authz != NULL ? jwt_from_authorization(authz) : NULL;
  const char *reason = NULL;
  json_t *verified = NULL;
  int rc;
  if (claims != NULL) *claims = NULL;
  if (token == NULL) {
    http_problem(x->resp, PROBLEM_UNAUTHENTICATED, "a bearer token is required");
    u_map_put(x->resp->map_header, "WWW-Authenticate", srv->www_missing);
    return CS_ERR_INVALID;
  }
  /* the claims are asked for even when the caller wants none: the access log names the caller */
  if (srv->memo.hit != NULL && srv->memo.hit(token, &verified)) {
    authenticated(x, verified, claims);
    return CS_OK;
  }
  rc = srv->jwks != NULL ? jwt_verify(srv->jwks, token, &verified, &reason) : CS_ERR_UNAVAILABLE;
  if (rc == CS_OK) {
    if (srv->memo.put != NULL) srv->memo.put(token, verified);
    authenticated(x, verified, claims);
    return CS_OK;
  }
  if (rc == CS_ERR_UNAVAILABLE) {
    http_problem(x->resp, PROBLEM_UNAVAILABLE,
                 "the keys to verify tokens are not available right now");
    return rc;
  }
  http_problem(x->resp, PROBLEM_INVALID_TOKEN,
               reason != NULL ? reason : "the bearer token is not valid");
  u_map_put(x->resp->map_header, "WWW-Authenticate", srv->www_invalid);
  return CS_ERR_INVALID;
}

/* --- health, readiness, metrics ------------------------------------------------------------- */

void http_server_probes(struct http_server *srv, const struct http_probes *probes) {
  srv->probes = *probes;
}

void http_server_answer_healthz(struct http_exchange *x) { http_server_report_healthz(x, x->srv); }
void http_server_answer_readyz(struct http_exchange *x) { http_server_report_readyz(x, x->srv); }
void http_server_answer_metrics(struct http_exchange *x) { http_server_report_metrics(x, x->srv); }

void http_server_report_healthz(struct http_exchange *x, struct http_server *subject) {
  const struct http_probes *p = &subject->probes;
  json_t *body = json_pack("{s:s}", "status", "ok");
  if (body != NULL && p->health != NULL) p->health(p->arg, body);
  http_json(x->resp, 200, body);
}

void http_server_report_readyz(struct http_exchange *x, struct http_server *subject) {
  const struct http_probes *p = &subject->probes;
  json_t *body = json_pack("{s:s}", "status", "ready");
  const char *detail = NULL;
  if (body == NULL) {
    http_problem(x->resp, PROBLEM_INTERNAL, "the readiness could not be reported");
    return;
  }
  if (p->ready == NULL || p->ready(p->arg, body, &detail)) {
    http_json(x->resp, 200, body);
    return;
  }
  json_object_del(body, "status"); /* the problem has its own */
  http_problem_full(x->resp, PROBLEM_NOT_READY, detail != NULL ? detail : "not ready", NULL, body);
  json_decref(body);
}

void http_server_report_metrics(struct http_exchange *x, struct http_server *subject) {
  const struct http_probes *p = &subject->probes;
  char *extra = p->metrics_text != NULL ? p->metrics_text(p->arg) : NULL;
  char *text = metrics_render(subject->metrics, extra);
  if (text == NULL) {
    http_problem(x->resp, PROBLEM_INTERNAL, "the metrics could not be rendered");
  } else {
    ulfius_set_string_body_response(x->resp, 200, text);
    u_map_put(x->resp->map_header, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  }
  free(text);
  free(extra);
}

/* --- lifecycle ------------------------------------------------------------------------------ */

void http_server_signals_block(void) {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, NULL);
  signal(SIGPIPE, SIG_IGN); /* a client gone mid-answer is an error code, not a death */
}

int http_server_signals_wait(void) {
  sigset_t sigs;
  int sig = 0;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigwait(&sigs, &sig);
  log_info("signal %d: shutting down", sig);
  return sig;
}

/* libmicrohttpd's own complaints, into our log. */
static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap) {
  (void)cls;
  char line[512];
  vsnprintf(line, sizeof(line), fmt, ap);
  /* behind a front the connections are socket pairs: TCP options fail on them, harmlessly,
   * for every answer */
  if (strstr(line, "TCP_NODELAY") != NULL || strstr(line, "TCP_CORK") != NULL ||
      strstr(line, "Failed to push the data") != NULL)
    return;
  size_t n = strlen(line);
  while (n > 0 && line[n - 1] == '\n') line[--n] = '\0';
  log_warning("microhttpd: %s", line);
}

/* A request ends: files it uploaded and no handler took go (a client gone mid-upload), then
 * ulfius frees the request. */
static void request_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                              enum MHD_RequestTerminationCode toe) {
  struct connection_info_struct *ci = con_cls != NULL ? *con_cls : NULL;
  if (ci != NULL) http_upload_forget(ci->request);
  mhd_request_completed(cls, connection, con_cls, toe);
}

/* Room for every allowed connection plus outgoing sockets, if the hard limit lets us. */
static void raise_fd_limit(long connections) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  rlim_t want = (rlim_t)connections * 2 + 256;
  if (rl.rlim_cur >= want) return;
  rl.rlim_cur = (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want) ? want : rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) log_warning("could not raise the open file limit");
}

int http_server_start(struct http_server *srv) {
  raise_fd_limit(srv->max_connections);
  struct MHD_OptionItem ops[16] = {
      {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL}, /* first, or MHD complains */
      /* the two ulfius needs: without them it crashes or leaks */
      {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)request_completed, NULL},
      {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)ulfius_uri_logger, NULL},
      {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)srv->timeout_s, NULL},
      {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)srv->max_connections, NULL},
      {MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONNECTION_MEMORY_BYTES, NULL}};
  size_t n = 6;
  if (!srv->thread_per_connection)
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)srv->threads, NULL};
  /* behind a front, connections arrive through http_server_add_connection */
  if (!srv->behind_front) ops[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &srv->addr};
  /* one address cannot hold every connection (slow clients trickling their headers) */
  if (srv->max_connections_per_address > 0)
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                                       (intptr_t)srv->max_connections_per_address, NULL};
  ops[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
  /* ITC: MHD_quiesce_daemon needs it with a thread pool (draining), and MHD_add_connection */
  unsigned int flags = MHD_USE_ITC | MHD_USE_TURBO | MHD_USE_ERROR_LOG;
  /* a thread per connection waits in poll() on its one socket; epoll is for a pool's threads */
  flags |= srv->thread_per_connection ? MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD
                                      : MHD_USE_EPOLL_INTERNAL_THREAD;
  if (srv->behind_front) flags |= MHD_USE_NO_LISTEN_SOCKET;
  if (srv->addr.ss_family == AF_INET6) flags |= MHD_USE_DUAL_STACK; /* "::" takes IPv4 too */
  if (ulfius_start_framework_with_mhd_options(&srv->instance, flags, ops) != U_OK) {
    log_error("cannot listen on %s:%ld", srv->bind_address, srv->port);
    return CS_ERR;
  }
  srv->started = 1;
  return CS_OK;
}

int http_server_add_connection(struct http_server *srv, int fd, const struct sockaddr *addr,
                               socklen_t len) {
  if (!srv->started || srv->instance.mhd_daemon == NULL) return CS_ERR;
  /* libmicrohttpd closes fd itself when it refuses (over a limit) */
  return MHD_add_connection(srv->instance.mhd_daemon, fd, addr, len) == MHD_YES ? CS_OK : CS_ERR;
}

/* An upload's token, checked before its first byte is written (http_upload.h). */
static int upload_token_ok(const struct _u_request *req, void *arg) {
  struct http_server *srv = arg;
  const char *authz = u_map_get_case(req->map_header, "Authorization");
  const char *token = authz != NULL ? jwt_from_authorization(authz) : NULL;
  json_t *verified = NULL;
  const char *reason = NULL;
  if (token == NULL) return 0;
  if (srv->memo.hit != NULL && srv->memo.hit(token, NULL)) return 1;
  if (srv->jwks == NULL || jwt_verify(srv->jwks, token, &verified, &reason) != CS_OK) return 0;
  if (srv->memo.put != NULL) srv->memo.put(token, verified);
  json_decref(verified);
  return 1;
}

void http_server_uploads(struct http_server *srv, struct http_uploads *u) {
  u->token_ok = upload_token_ok;
  u->token_arg = srv;
  ulfius_set_upload_file_callback_function(&srv->instance, http_upload_callback, u);
}

void http_server_spool_uploads(struct http_server *srv, struct http_uploads *u,
                               long long max_field_bytes) {
  u->token_ok = upload_token_ok;
  u->token_arg = srv;
  /* bodies_as_bytes turned form parsing off: multipart bodies are parsed again, for their files */
  srv->instance.allowed_post_processor |= U_POST_PROCESS_MULTIPART_FORMDATA;
  /* one byte past the limit, so a field ulfius cut is recognisable as too long */
  srv->instance.max_post_param_size = (size_t)max_field_bytes + 1;
  ulfius_set_upload_file_callback_function(&srv->instance, http_upload_callback_spooling, u);
}

void http_server_stop(struct http_server *srv) {
  if (srv == NULL || !srv->started) return;
  srv->started = 0;
  MHD_socket listen_fd = MHD_INVALID_SOCKET;
  if (srv->instance.mhd_daemon != NULL && !srv->behind_front)
    listen_fd = MHD_quiesce_daemon(srv->instance.mhd_daemon);
  for (int ms = 0; ms < DRAIN_MAX_MS && atomic_load(&srv->in_flight) > 0; ms += 10) usleep(10000);
  usleep(50000);                         /* let the last responses leave */
  ulfius_stop_framework(&srv->instance); /* joins the worker threads */
  /* quiesced, the listen socket is ours to close, and only once the threads are gone */
  if (listen_fd != MHD_INVALID_SOCKET) close(listen_fd);
  http_upload_drop_all(); /* uploads of requests that never reached their handler */
}
