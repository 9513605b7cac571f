/* Request ids: a client's short plain X-Request-Id is kept, otherwise a UUID v4 is made. Pure
 * apart from the random bytes; unit-tested in tests/unit/test_request_id.c. */
#ifndef CLAIMSUITE_REQUEST_ID_H
#define CLAIMSUITE_REQUEST_ID_H

#include <ulfius.h>

#define REQUEST_ID_MAX 128

/* 1 when s is a request id we keep: 1..REQUEST_ID_MAX characters of [A-Za-z0-9._-]. */
int request_id_valid(const char *s);

/* A new random UUID v4 into out, as ids_uuid_v4 makes them but from a per-thread reserve of
 * random bytes: one getrandom call per 64 ids and no printf (the hot path of every request). */
void request_id_new(char out[37]);

/* The id of req into out: its X-Request-Id when request_id_valid, else request_id_new. */
void request_id_of(const struct _u_request *req, char out[REQUEST_ID_MAX + 1]);

#endif
