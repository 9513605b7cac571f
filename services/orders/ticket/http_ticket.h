/* The ticket's place in the orders service: its settings read once at start (ticket_config.h)
 * and the start and stop hooks of the worker that opens the tickets (worker.h). No routes: the
 * ticket is seen through its order (ticket_ref, status ticket_opened). */
#ifndef CLAIMSUITE_ORDERS_HTTP_TICKET_H
#define CLAIMSUITE_ORDERS_HTTP_TICKET_H

struct service;

/* Reads the ticket settings and registers the worker's hooks; without TICKET_URL no worker
 * runs and the start says so in the log. Before service_run. 0, or 2 on a configuration error
 * (printed). */
int orders_ticket_wire(struct service *svc);

#endif
