/* The HTTP server core every process runs on (the gateway and every service): ulfius on
 * libmicrohttpd started with the options ulfius needs, IPv4/IPv6 listening, request ids, W3C
 * trace context, the body limit, bearer tokens against the JWKS cache (with an optional token
 * memo), per-request metrics and access log, conditional GETs, /healthz /readyz /metrics
 * answered from small per-process callbacks, SIGTERM/SIGINT and draining.
 *
 * Around every handler the core:
 * - takes the request's traceparent when valid (trace.h), else starts a trace, gives the request
 *   a span id of its own and makes "00-<trace id>-<own span id>-<flags>" the traceparent the
 *   thread's outgoing calls send (log_traceparent: http_client.c, the gateway's proxy.c);
 * - answers GET and HEAD conditionally: a 200 with its body in memory and no ETag gets a strong
 *   ETag of its bytes (etag.h); a 200 whose ETag (the handler's own, or that one) is named by
 *   If-None-Match becomes a 304 without body that keeps ETag, Cache-Control and Vary. Streamed
 *   answers (files) and Cache-Control: no-store answers are left alone. Every GET or HEAD
 *   answer to an authenticated caller (http_server_authenticate) without a Cache-Control gets
 *   "private, no-cache": a browser may keep it and must revalidate (a cheap 304), a shared
 *   cache must not keep it;
 * - writes the access line (log_access): method, route pattern, status, body bytes, duration,
 *   request id, portal and caller, trace and span ids. ACCESS_LOG=on (default) writes one per
 *   request whatever LOG_LEVEL; off writes only 5xx (500 at error, others at warning), and
 *   every request at LOG_LEVEL=debug.
 *
 * Life of a process: http_server_signals_block (before any thread) → http_server_new → register
 * endpoints, probes, auth → http_server_start → http_server_signals_wait → http_server_stop →
 * http_server_free. Everything is registered before start; after start the server is read-only
 * except for its atomic counters, so the request path takes no lock and allocates nothing. */
#ifndef CLAIMSUITE_HTTP_SERVER_H
#define CLAIMSUITE_HTTP_SERVER_H

#include <jansson.h>
#include <stddef.h>
#include <sys/socket.h>
#include <ulfius.h>

#include "request_id.h"

struct http_server;
struct jwks_cache;
struct metrics;

/* Copied at http_server_new; strings need not outlive the call. */
struct http_server_settings {
  const char *name;         /* process label in logs and metrics: "gateway", "cases" */
  const char *bind_address; /* BIND_ADDRESS: an IPv4 or IPv6 literal ("::" takes IPv4 too) */
  long port;                /* PORT; 0 lets the kernel choose (tests: see http_server_port) */
  long threads;             /* worker threads (libmicrohttpd thread pool, epoll) */
  long timeout_s;           /* idle connection timeout (also ulfius' instance timeout) */
  long max_connections;     /* connection limit; the open-file limit is raised to fit it */
  long max_connections_per_address; /* connections one client address may hold; 0: no cap */
  int behind_front;    /* 1: no listening socket; a front hands connections over (add_connection) */
  long max_body_bytes; /* a larger body is answered 413 */
  int bodies_as_bytes; /* 1: no UTF-8 check, no form parsing (bodies forwarded as they are) */
  const char *auth_realm; /* realm named in WWW-Authenticate, NULL for none */
  /* 1: every connection has a thread of its own instead of sharing a pool's (threads unused).
   * A pool thread serves many connections, and a handler that waits on another server (the
   * gateway forwarding to an upstream that went silent) would hold up every one of them. */
  int thread_per_connection;
};

#define HTTP_CALLER_MAX 96 /* bytes kept of a portal id or caller name for the access log */

/* What a handler gets for one request. request_id is the thread's for the whole request. */
struct http_exchange {
  const struct _u_request *req;
  struct _u_response *resp;
  struct http_server *srv;
  const char *request_id;
  int metric; /* metrics label observed when the handler returns; the handler may change it */
};

/* Records who asked x (either may be NULL: unchanged) for its access line, e.g. the service
 * that called with a service token; http_server_authenticate records a token's portal_id and
 * sub itself. Copied, cut at HTTP_CALLER_MAX - 1 bytes; kept by the calling thread for the
 * request (the struct above is initialised positionally by its users, so it does not grow). */
void http_exchange_note_caller(struct http_exchange *x, const char *portal, const char *caller);

/* Writes the response into x->resp; arg is the one given at registration. */
typedef void (*http_handler)(struct http_exchange *x, void *arg);

enum http_endpoint_flags {
  HTTP_ENDPOINT_CHECK_BODY = 1 /* answer 413 before the handler when the body is over the limit */
};

/* Streams the files of multipart bodies of the routes u accepts to its blob store
 * (http_upload.h); u must outlive srv. Before start only. */
struct http_uploads;
void http_server_uploads(struct http_server *srv, struct http_uploads *u);
/* The same for a server that sends uploads on (the gateway, bodies_as_bytes): multipart bodies
 * are parsed, a form field is kept up to max_field_bytes + 1 bytes (longer ones are cut there),
 * and the raw body of a request taking files is not kept (http_upload_callback_spooling). */
void http_server_spool_uploads(struct http_server *srv, struct http_uploads *u,
                               long long max_field_bytes);

/* Checks the settings (CS_ERR_INVALID + a message naming the variable in err, e.g. a
 * BIND_ADDRESS that is not an address, an ACCESS_LOG not on or off) and prepares the server;
 * nothing listens yet. ACCESS_LOG (on|off, also true|false|1|0|yes|no; default on) is read
 * here. *out is new. */
int http_server_new(const struct http_server_settings *settings, struct http_server **out,
                    char *err, size_t errlen);
/* Stops the server if needed (http_server_stop), then frees it and its metrics. NULL-safe. */
void http_server_free(struct http_server *srv);

/* The per-route request metrics of this server (borrowed, lives as long as srv): register more
 * labels with metrics_route before start. */
struct metrics *http_server_metrics(struct http_server *srv);

/* Registers handler for method + pattern (ulfius pattern; both strings must outlive srv). The
 * metrics label is "<method> <pattern>". CS_ERR when the table is full. Before start only. */
int http_server_endpoint(struct http_server *srv, const char *method, const char *pattern,
                         http_handler handler, void *arg, int flags);
/* Registers the handler of requests no endpoint matched; its metrics label is
 * "<label_method> <label>" (strings copied). Before start only. */
int http_server_default_endpoint(struct http_server *srv, const char *label_method,
                                 const char *label, http_handler handler, void *arg, int flags);

/* --- Checks a handler calls (the core calls the body check itself with CHECK_BODY) --- */

/* 1 when the declared (Content-Length) or received body is over limit. ulfius keeps at most
 * limit + 1 bytes and truncates silently, so a body of limit + 1 bytes means "too large". */
int http_body_over_limit(const struct _u_request *req, long limit);
/* 1 after answering 413 when x's body is over the server's limit, else 0. */
int http_server_body_check(struct http_exchange *x);

/* Optional memory of tokens that verified recently (token_memo.h is the one the gateway and the
 * services use). hit: 1 when token verified recently and is still valid, then *claims (when
 * claims is not NULL) a new reference to its claims. put: remember a verified token with its
 * claims (borrowed). Both are called from worker threads. */
struct http_token_memo {
  int (*hit)(const char *token, json_t **claims);
  void (*put)(const char *token, json_t *claims);
};

/* The key set tokens are verified against (borrowed, must outlive srv) and the optional memo
 * (borrowed, may be NULL). Before start only. */
void http_server_auth(struct http_server *srv, struct jwks_cache *jwks,
                      const struct http_token_memo *memo);
/* CS_OK when the request carries a valid bearer token; with claims non-NULL *claims is a new
 * reference to the verified payload (from the memo when it has the token); either way x notes
 * the token's portal_id and sub (http_exchange_note_caller) and that it is authenticated.
 * Otherwise the answer is
 * written and the error returned: 401 unauthenticated (no token) or invalid-token, both with
 * WWW-Authenticate (CS_ERR_INVALID), or 503 when no key set can be had (CS_ERR_UNAVAILABLE). */
int http_server_authenticate(struct http_exchange *x, json_t **claims);

/* --- /healthz, /readyz, /metrics: the core answers, the process says what is particular --- */

struct http_probes {
  /* Adds members to the /healthz answer {"status":"ok"} (body borrowed). May be NULL. */
  void (*health)(void *arg, json_t *body);
  /* 1 when ready, 0 when not (with *detail, static). Either way it may add members saying what
   * was checked (e.g. "checks": {"database": "unreachable"}) to body (borrowed): they go into
   * the 200 {"status":"ready", ...} or into the 503 not-ready problem. */
  int (*ready)(void *arg, json_t *body, const char **detail);
  /* Exposition text appended to /metrics: a new string (free()) or NULL. May be NULL. */
  char *(*metrics_text)(void *arg);
  void *arg;
};

/* The callbacks (copied) behind the three answers below. Before start only. */
void http_server_probes(struct http_server *srv, const struct http_probes *probes);
/* 200 {"status":"ok", ...health members}. */
void http_server_answer_healthz(struct http_exchange *x);
/* 200 {"status":"ready", ...} or a 503 not-ready problem with the detail and members of ready. */
void http_server_answer_readyz(struct http_exchange *x);
/* 200 Prometheus text: the request metrics, then metrics_text. */
void http_server_answer_metrics(struct http_exchange *x);
/* The same three about subject (its probes and metrics) rather than x's own server: what an
 * operator's port answers about the public one. */
void http_server_report_healthz(struct http_exchange *x, struct http_server *subject);
void http_server_report_readyz(struct http_exchange *x, struct http_server *subject);
void http_server_report_metrics(struct http_exchange *x, struct http_server *subject);

/* --- Lifecycle --- */

/* Blocks SIGTERM and SIGINT in the calling thread, so every thread started afterwards inherits
 * the mask and only http_server_signals_wait sees them; ignores SIGPIPE. Call first in main. */
void http_server_signals_block(void);
/* Waits for SIGTERM or SIGINT and returns it (logged). */
int http_server_signals_wait(void);

/* Raises the open-file limit for max_connections and starts listening. CS_ERR (logged) when the
 * address cannot be bound. */
int http_server_start(struct http_server *srv);
/* BIND_ADDRESS (an IPv4 or IPv6 literal) and PORT as a socket address. CS_OK, or
 * CS_ERR_INVALID with a message naming BIND_ADDRESS in err. */
int http_server_address(const char *addr, long port, struct sockaddr_storage *ss, char *err,
                        size_t errlen);
/* Hands a connection accepted by a front to the server (behind_front), with the client's
 * address (what the handlers and the per-address limit see). The server owns fd from here, and
 * closes it when it refuses. CS_OK or CS_ERR. */
int http_server_add_connection(struct http_server *srv, int fd, const struct sockaddr *addr,
                               socklen_t len);
/* Drains: stops accepting, lets requests in progress finish (up to 10 s), then stops the
 * worker threads. NULL-safe; does nothing when not started or already stopped. */
void http_server_stop(struct http_server *srv);

/* Requests being answered right now (for the metrics text). */
int http_server_in_flight(struct http_server *srv);
/* The port listened on (useful with port 0), 0 when not started. */
int http_server_port(struct http_server *srv);

#endif
