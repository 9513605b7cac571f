/* Helpers for integration tests: the running stack's addresses, an HTTP client on libcurl,
 * token minting with the stack's signing key, and shell commands. */
#ifndef CLAIMSUITE_TESTLIB_H
#define CLAIMSUITE_TESTLIB_H

#include <jansson.h>
#include <stddef.h>

/* A value of the stack environment file named by $CLAIMSUITE_STACK_ENV (written by
 * tests/support/stack.sh): GATEWAY_URL, POLICY_URL, CASES_URL, CUSTOMER_URL, ORDERS_URL,
 * PROBE_A_URL, PROBE_B_URL, PG_PORT, PG_SUPERUSER_CONNINFO, REDIS_PORT, STACK_DIR, BIN_DIR,
 * SOURCE_DIR, SIGNING_KEY_FILE. Fails the test (aborts) when missing. Borrowed. */
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

/* Fails the test unless r is an RFC 9457 problem+json answer with this status, the type (when
 * not NULL), a title, and an X-Request-Id header. */
void tl_assert_problem(const struct tl_response *r, long status, const char *type);

/* Runs a shell command (printf-style); returns its exit status. */
int tl_sh(const char *fmt, ...);

/* Polls fn(arg) every 50 ms until it returns non-zero or timeout_ms passes; returns the last
 * value. */
int tl_wait(int (*fn)(void *arg), void *arg, long timeout_ms);

#endif
