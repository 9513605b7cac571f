/* Helpers for the tests: the running stack's addresses, an HTTP client on libcurl, token
 * minting with the stack's signing key, superuser SQL, shared assertions and shell commands. */
#ifndef CLAIMSUITE_TESTLIB_H
#define CLAIMSUITE_TESTLIB_H

#include <jansson.h>
#include <stddef.h>

/* A value of the stack environment file named by $CLAIMSUITE_STACK_ENV (written by
 * tests/support/stack.sh): GATEWAY_URL, POLICY_URL, CASES_URL, CUSTOMER_URL, ORDERS_URL,
 * PROBE_A_URL, PROBE_B_URL, PG_PORT, PG_SUPERUSER_CONNINFO, REDIS_PORT, STACK_DIR, BIN_DIR,
 * SOURCE_DIR, SIGNING_KEY_FILE, OPERATOR_CLIENT_ID and OPERATOR_SECRET (the platform operator's
 * credential). Fails the test (aborts) when missing. Borrowed. */
const char *tl_env(const char *name);

struct tl_response {
  long status;
  char *body;          /* NUL-terminated copy of the body */
  size_t body_len;
  char *headers;       /* raw response header block */
  json_t *json;        /* parsed body when it is JSON, else NULL */
};

/* headers: NULL-terminated array of "Name: value" strings, may be NULL. body may be NULL.
 * timeout_ms 0 means 30 s. Returns 0 when a response (any status) arrived. */
int tl_http(const char *method, const char *url, const char *const *headers, const char *body,
            size_t body_len, long timeout_ms, struct tl_response *out);
/* The value of a response header (case-insensitive), new string or NULL. */
char *tl_header(const struct tl_response *r, const char *name);
void tl_response_free(struct tl_response *r);

/* A token signed with the stack's signing key (ES256, its kid) with claims: sub, iat, exp =
 * now + ttl_s (negative for an expired token), plus every key of extra (borrowed, may be NULL).
 * New string. */
char *tl_token(const char *sub, long ttl_s, const json_t *extra);

/* method base+path with a bearer token (may be NULL), a JSON body (may be NULL) and one extra
 * header line (may be NULL); fails the test when no answer came. Returns the status; r holds the
 * answer (free with tl_response_free). */
long tl_call(const char *base, const char *method, const char *path, const char *token,
             const char *body, const char *extra_header, struct tl_response *r);

/* s form-encoded (RFC 3986 unreserved kept, everything else %XX). New string. */
char *tl_urlencode(const char *s);
/* "k1=v1&k2=v2..." from NULL-terminated name/value pairs, the values encoded (a NULL value skips
 * the pair). A static buffer, valid until the next call. */
const char *tl_form(const char *first, ...);
/* POST base/v1/auth/token, the password grant (portal NULL: none). Returns the status. */
long tl_login(const char *base, const char *email, const char *password, const char *portal,
              struct tl_response *r);

/* Fails the test unless r->status == status, printing the body. */
void tl_expect(const struct tl_response *r, long status);
/* Fails the test unless r is an RFC 9457 problem+json answer with this status, the type (when
 * not NULL), a title, and an X-Request-Id header. */
void tl_assert_problem(const struct tl_response *r, long status, const char *type);
/* Fails the test unless header name of r is there and equals expected. */
void tl_assert_header(const struct tl_response *r, const char *name, const char *expected);

/* The string member key of o, NULL when absent or no string. */
const char *tl_str(const json_t *o, const char *key);
/* Fails the test unless the string member key of o equals expected. */
void tl_assert_str(const json_t *o, const char *key, const char *expected);
/* The element of array whose "id" is id, or NULL. Borrowed. */
json_t *tl_item(const json_t *array, const char *id);
/* The strings of array a comma-joined (fails unless a is an array). A static buffer. */
const char *tl_joined(const json_t *a);
/* Sorts the n strings of s in place and joins them with commas into buf. Returns buf. */
const char *tl_sort_join(const char **s, size_t n, char *buf, size_t len);
/* The first error of errors (a problem's "errors" array) for field whose message contains needle
 * (NULL: any), or NULL. Borrowed. */
const json_t *tl_error_for(const json_t *errors, const char *field, const char *needle);
/* Fails the test unless the problem r has such an error. */
void tl_assert_field_error(const struct tl_response *r, const char *field, const char *needle);
/* Fails the test unless the problem r has an error for field with this machine code. */
void tl_assert_field_code(const struct tl_response *r, const char *field, const char *code);

/* SQL as the database superuser on one connection (search_path: policy, cases, public; UTF8),
 * opened on first use. Fails the test on an error. The first column of the first row as a new
 * string, or NULL. */
char *tl_sql(const char *query, int nparams, const char *const *params);
/* The same with the parameters as arguments (at most 16), the answer dropped. */
void tl_sql_run(const char *query, int nparams, ...);
/* The first column of the first row as a number; fails the test when there is none. */
long tl_sql_long(const char *query, int nparams, const char *const *params);
void tl_sql_close(void);

/* Reads the event feed base/internal/events of service from the start, as another service of
 * the stack, 1000 events a page, until an empty page: page(items, next_after, arg) for each page.
 * Stops when page returns non-zero and returns that; 0 at the end of the feed, -1 when a page did
 * not answer 200. */
int tl_feed(const char *base, const char *service,
            int (*page)(const json_t *items, long long next_after, void *arg), void *arg);

/* ---- as another service of the stack (tl_service.c) ---------------------------------------- */
/* "Authorization: Bearer <service token>" for a call of service (a static buffer, valid until
 * the next call). */
const char *tl_service_authorization(const char *service);
/* method base+path [body] as another service of the stack calls service; returns the status. */
long tl_service_call(const char *base, const char *service, const char *method, const char *path,
                     const char *body, struct tl_response *r);
/* text as a relay of the stack publishes it on a channel: signed. New (free()). */
char *tl_signed_message(const char *text);

/* Runs a shell command (printf-style); returns its exit status. */
int tl_sh(const char *fmt, ...);

/* Polls fn(arg) every 50 ms until it returns non-zero or timeout_ms passes; returns the last
 * value. */
int tl_wait(int (*fn)(void *arg), void *arg, long timeout_ms);
/* A monotonic clock in milliseconds, for the figures a test prints. */
long long tl_now_ms(void);
/* 1 once GET url answers 200 within timeout_ms (each try waits at most 1 s), else 0. */
int tl_wait_200(const char *url, long timeout_ms);
/* tests/support/stack.sh command STACK_DIR args; returns its exit status. */
int tl_stack(const char *command, const char *args);

#endif
