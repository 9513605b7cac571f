/* The rules of webhooks that need no database, pure (unit-tested: tests/unit/
 * test_customer_webhooks.c): which event types integrators may subscribe to, which URLs may
 * receive, what of an event is sent, how long a failed delivery waits. */
#ifndef CLAIMSUITE_CUSTOMER_WEBHOOK_RULES_H
#define CLAIMSUITE_CUSTOMER_WEBHOOK_RULES_H

#include <jansson.h>

#define WEBHOOK_MAX_URL 2000
#define WEBHOOK_MAX_DESCRIPTION 500
#define WEBHOOK_MAX_EVENT_TYPES 50
#define WEBHOOK_MAX_EVENT_TYPE 100

/* 1 when type is an event type the suite publishes to integrators. */
int customer_webhooks_type_known(const char *type);
/* 1 when pattern ("case.created", "case.*" or "*") names type. */
int customer_webhooks_type_matches(const char *pattern, const char *type);
/* 1 when pattern names at least one type integrators get. */
int customer_webhooks_pattern_ok(const char *pattern);
/* NULL when url may receive deliveries (https://host...; http://127.0.0.1 or localhost only
 * with allow_http; no credentials, no spaces), else why not (a static string). */
const char *customer_webhooks_url_check(const char *url, int allow_http);
/* The body POSTed for event (borrowed): {type, id, occurred_at, data}, data without the members
 * not meant for integrators (links holding credentials, internal recipient lists). New, or
 * NULL when event lacks id, type or occurred_at. */
json_t *customer_webhooks_payload(const json_t *event);
/* 1 when a delivery may connect to sa (IPv4 or IPv6): never to loopback, private, link-local
 * (cloud metadata), unspecified or multicast addresses, unless allow_local (WEBHOOK_ALLOW_HTTP,
 * tests and development). Checked on the address actually connected to, so a name that
 * resolves to an internal address is refused too. */
struct sockaddr;
int customer_webhooks_address_allowed(const struct sockaddr *sa, int allow_local);
/* The wait after attempt (1 for the first) failed: base_ms doubling, at most max_ms. */
long customer_webhooks_backoff_ms(long base_ms, long max_ms, int attempt);

#endif
