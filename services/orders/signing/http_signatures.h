/* Routes of an order's e-ID signatures (signatures.h):
 *   POST   /v1/orders/{order_id}/signatures                  start one (202)
 *   GET    /v1/orders/{order_id}/signatures/{signature_id}   poll it
 *   DELETE /v1/orders/{order_id}/signatures/{signature_id}   cancel it (204)
 *   POST   /v1/orders/{order_id}/signatures/{signature_id}/otp   answer its SMS code */
#ifndef CLAIMSUITE_ORDERS_HTTP_SIGNATURES_H
#define CLAIMSUITE_ORDERS_HTTP_SIGNATURES_H

#include "service.h"

/* Reads the signing settings (signing_config.h), starts the BankID client and the SMS sender,
 * and registers the routes. 0, or 2 for a configuration error (printed). */
int orders_signing_wire(struct service *svc);

#endif
