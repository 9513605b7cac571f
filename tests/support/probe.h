/* The probe test service (tests only): one binary, one resource per probe_*.c file. */
#ifndef CLAIMSUITE_PROBE_H
#define CLAIMSUITE_PROBE_H

struct service;

/* Notes: idempotent creates and If-Match (probe_notes.c). */
void probe_notes_routes(struct service *svc);

/* Events: emits outbox events and records what its consumers apply (probe_events.c). Registers
 * the routes and one consumer per feed of EVENT_FEEDS (service_consume); apply_delay_ms slows
 * every apply (0..10000, else 0). CS_OK or CS_ERR. */
int probe_events_routes(struct service *svc, long apply_delay_ms);

/* A slow route, for shutdown tests (probe_lifecycle.c). */
void probe_lifecycle_routes(struct service *svc);

/* The benchmark's ceiling: GET /probe/ceiling/{id}, one row by primary key (probe_ceiling.c). */
void probe_ceiling_routes(struct service *svc);

#endif
