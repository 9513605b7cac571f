/* Streamed answers on ulfius (see proxy_stream.h). */
#include "proxy_stream.h"

#include "status.h"

/* libmicrohttpd asks for at most this much per call; it also bounds what one call may wait for. */
#define STREAM_BLOCK_BYTES (64 * 1024)

/* Called by libmicrohttpd when the client's connection can take more: blocks until the upstream
 * sends some (the upstream's pace, bounded by UPSTREAM_TIMEOUT_MS per wait). A stalled or broken
 * upstream ends the answer short, and libmicrohttpd closes the client's connection: the client
 * sees a body shorter than its Content-Length, never a wrong one. */
static ssize_t stream_block(void *arg, uint64_t offset, char *out, size_t max) {
  (void)offset; /* blocks are asked for in order */
  long n = gw_upstream_stream_read(arg, out, max);
  if (n > 0) return n;
  return n == 0 ? U_STREAM_END : U_STREAM_ERROR;
}

/* The answer is over (sent, or the client went away): the upstream connection goes with it. */
static void stream_end(void *arg) { gw_upstream_stream_free(arg); }

int gw_stream_respond(struct _u_response *resp, int status, struct gw_upstream_stream *s) {
  if (ulfius_set_stream_response(resp, (unsigned)status, stream_block, stream_end,
                                 gw_upstream_stream_length(s), STREAM_BLOCK_BYTES, s) != U_OK) {
    gw_upstream_stream_free(s);
    return CS_ERR_NOMEM;
  }
  return CS_OK;
}
