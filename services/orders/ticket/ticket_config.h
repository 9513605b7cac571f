/* The settings of the ticket worker (worker.h), read once at start from the environment by the
 * orders service's wiring; nothing reads them later. */
#ifndef CLAIMSUITE_ORDERS_TICKET_CONFIG_H
#define CLAIMSUITE_ORDERS_TICKET_CONFIG_H

#include <stddef.h>

struct orders_ticket_config {
  char *url;          /* TICKET_URL: where each ticket is POSTed; "" (default): no worker */
  char *auth_header;  /* TICKET_AUTH_HEADER or TICKET_AUTH_HEADER_FILE: one whole header line
                       * sent with every ticket ("Authorization: Bearer ..."), or NULL */
  long timeout_ms;    /* TICKET_TIMEOUT_MS (10000): one call, connecting included */
  long retry_base_ms; /* TICKET_RETRY_BASE_MS (1000): the delay after the first failure */
  long retry_max_ms;  /* TICKET_RETRY_MAX_MS (600000): the cap of the doubling */
  long poll_ms;       /* TICKET_POLL_MS (1000): how often attested orders are looked for */
};

/* Reads and checks every setting. CS_OK, or CS_ERR_INVALID with the variable named in err. */
int orders_ticket_config_read(struct orders_ticket_config *c, char *err, size_t errlen);
void orders_ticket_config_free(struct orders_ticket_config *c); /* NULL-safe; wipes the secret */

#endif
