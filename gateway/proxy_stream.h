/* Big upstream answers relayed as the client takes them: libmicrohttpd pulls the body through a
 * ulfius stream response, block by block, from the upstream connection the answer arrived on
 * (upstream_client.h: struct gw_upstream_stream). Nothing but one block is held. */
#ifndef CLAIMSUITE_GATEWAY_PROXY_STREAM_H
#define CLAIMSUITE_GATEWAY_PROXY_STREAM_H

#include <ulfius.h>

#include "upstream_client.h"

/* Answers resp with status and the body of s (its Content-Length comes from s; the headers are
 * the caller's to set). s is stolen: it is read later, on whichever worker thread then serves the
 * client's connection, and freed (its connection closed) when the answer ends, sent whole or
 * not. CS_OK, or CS_ERR_NOMEM with s freed already. */
int gw_stream_respond(struct _u_response *resp, int status, struct gw_upstream_stream *s);

#endif
