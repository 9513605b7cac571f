/* W3C Trace Context (https://www.w3.org/TR/trace-context/): the traceparent header parsed,
 * formatted and made. A request keeps the trace id it came with (or starts a trace) and gets a
 * span id of its own, which it sends on as the parent id of the calls it makes. Pure apart from
 * the random bytes; unit-tested in tests/unit/test_trace.c. */
#ifndef CLAIMSUITE_TRACE_H
#define CLAIMSUITE_TRACE_H

#include <stddef.h>

#define TRACE_ID_HEX 32    /* characters of a trace id */
#define TRACE_SPAN_HEX 16  /* characters of a span (parent) id */
#define TRACEPARENT_LEN 55 /* "00-" trace "-" span "-" flags */

struct trace_context {
  char trace_id[TRACE_ID_HEX + 1];
  char parent_id[TRACE_SPAN_HEX + 1]; /* the caller's span; "" when this request began the trace */
  char span_id[TRACE_SPAN_HEX + 1];   /* this request's own span */
  unsigned flags;                     /* trace-flags, 0..255 (bit 0: sampled) */
};

/* 1 when header (may be NULL) is a valid traceparent, and then its trace id, parent id and
 * flags go into trace_id, parent_id and *flags (each may be NULL); 0 otherwise, nothing written.
 * Valid: lowercase hex only; version 00 is exactly 55 characters; a later version (not ff) may
 * carry more after a '-' at position 55 and is read as 00; neither id all zeros. */
int trace_parse(const char *header, char trace_id[TRACE_ID_HEX + 1],
                char parent_id[TRACE_SPAN_HEX + 1], unsigned *flags);

/* The context of a request that arrived with header (may be NULL): its trace id, parent id and
 * flags when header is valid, else a new random trace id, no parent and flags 01; in both
 * cases a new random span id. */
void trace_begin(const char *header, struct trace_context *out);

/* The traceparent a request with context c sends on: "00-<trace id>-<c's span id>-<flags>"
 * (TRACEPARENT_LEN characters and a NUL). */
void trace_format(const struct trace_context *c, char out[TRACEPARENT_LEN + 1]);

/* n random bytes as 2n lowercase hex digits and a NUL into out, never all zeros: from a
 * per-thread reserve filled by getrandom (one system call per few hundred ids). */
void trace_random_hex(char *out, size_t n);

#endif
