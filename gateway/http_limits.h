/* Request rate limits at the gateway, per caller: a user (RATE_LIMIT_PER_MINUTE), an API client
 * or the platform operator (RATE_LIMIT_CLIENT_PER_MINUTE), both by the verified token's subject,
 * and requests on public paths (no token: the login, the customer page) per client address
 * (RATE_LIMIT_ADDRESS_PER_MINUTE; the address is the TCP peer's: behind a load balancer that
 * does not keep it, every client shares one bucket, so raise or turn off that limit there).
 * Each is a bucket of RATE_LIMIT_BURST requests refilled at its rate (rate_limit.h). With
 * REDIS_HOST the buckets are kept in Redis and shared by every gateway replica
 * (rate_limit_redis.h): N replicas allow the limit once. Without it, or for a request Redis cannot
 * judge in time, the bucket is this process's own: a caller may then make up to N times the
 * limit across N replicas. Every answer to
 * a limited request carries the IETF draft's headers (draft-ietf-httpapi-ratelimit-headers):
 * RateLimit-Policy: "user";q=600;w=60 and RateLimit: "user";r=<remaining>;t=<seconds until the
 * bucket is full>; a request over the limit is answered 429 rate-limited with Retry-After. */
#ifndef CLAIMSUITE_GATEWAY_HTTP_LIMITS_H
#define CLAIMSUITE_GATEWAY_HTTP_LIMITS_H

#include <jansson.h>
#include <stdio.h>
#include <ulfius.h>

#include "gw_config.h"

struct gw_limits;

/* The limits cfg (borrowed, outlives it) configures. *out is new. CS_OK or CS_ERR_NOMEM. */
int gw_limits_new(const struct gw_config *cfg, struct gw_limits **out);
void gw_limits_free(struct gw_limits *l); /* NULL-safe */

/* Charges req to its caller's bucket: the subject of claims (the verified token's, borrowed),
 * or, with claims NULL, the client's address. Sets RateLimit and RateLimit-Policy on resp; 1
 * after answering 429 (with Retry-After), 0 when the request may go on (also when that limit is
 * off). */
int gw_limits_check(struct gw_limits *l, const struct _u_request *req, const json_t *claims,
                    struct _u_response *resp);

/* Prometheus text: gateway_rate_limited_total{limit="user|client|address"}; with shared buckets
 * also gateway_rate_limit_store_errors_total (Redis failures) and gateway_rate_limit_local_total
 * (requests judged by this replica's own buckets meanwhile). */
void gw_limits_metrics(struct gw_limits *l, FILE *f);

#endif
