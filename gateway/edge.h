/* The gateway's edge: it listens on the public port itself and reads every client's bytes before
 * the HTTP server does, so that where a request ends is never in doubt (common/http_frame.h:
 * strict framing, a Content-Length over the limit refused before the body) and a request head
 * must arrive within a deadline (slow clients). What passes goes to the server byte for byte
 * over a socket pair handed to it with the client's address (http_server_add_connection); its
 * answers come back unchanged. A refused request gets one problem+json answer, after every
 * answer to the requests before it, and the connection is closed. */
#ifndef CLAIMSUITE_GATEWAY_EDGE_H
#define CLAIMSUITE_GATEWAY_EDGE_H

#include "http_frame.h"

struct http_server;
struct gw_edge;

struct gw_edge_settings {
  const char *bind_address; /* an IPv4 or IPv6 literal */
  long port;                /* 0: the kernel chooses (gw_edge_port) */
  int threads;              /* threads moving bytes */
  long head_deadline_ms;    /* a request head must be complete this long after it began */
  struct http_frame_limits limits;
};

/* Listens and starts the threads; srv (started, behind_front) gets the connections. *out is new.
 * CS_OK, or CS_ERR with why in err. */
int gw_edge_start(const struct gw_edge_settings *s, struct http_server *srv, struct gw_edge **out,
                  char *err, size_t errlen);
/* The port it listens on. */
int gw_edge_port(struct gw_edge *e);
/* Stops accepting connections (the first step of a drain). */
void gw_edge_stop_accepting(struct gw_edge *e);
/* After the server has stopped: passes on what it still answered, then closes every connection
 * and frees the edge. NULL-safe. */
void gw_edge_free(struct gw_edge *e);

#endif
