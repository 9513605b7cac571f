/* The probe test service (tests only): one binary, one resource per probe_*.c file. */
#ifndef CLAIMSUITE_PROBE_H
#define CLAIMSUITE_PROBE_H

struct service;

/* Notes: idempotent creates and If-Match (probe_notes.c). */
void probe_notes_routes(struct service *svc);

/* Events: emits outbox events and records what its consumers apply (probe_events.c). Registers
 * the routes and the start/stop hooks of the consumers of svc->cfg.event_feeds. */
void probe_events_routes(struct service *svc);

/* A slow route, for shutdown tests (probe_lifecycle.c). */
void probe_lifecycle_routes(struct service *svc);

#endif
