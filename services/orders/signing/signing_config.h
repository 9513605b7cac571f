/* The settings of e-ID signing, read once at start (the service's wiring calls
 * orders_signing_config_read; nothing reads them later):
 *   BANKID_URL        the BankID relying-party API's base URL (https://appapi2.bankid.com in
 *                     production, a test server or the test suite's double); "" turns the
 *                     bankid method off (503)
 *   BANKID_CERT, BANKID_KEY, BANKID_CA   the relying party's client certificate and key (PEM
 *                     files) and the CA that signs BankID's server certificate; optional, so a
 *                     double may speak plain http
 *   BANKID_TIMEOUT_MS one call, all included (10000)
 *   SMS_PROVIDER      file (default) or http: how the one-time code goes out (otp_send.h)
 *   NOTIFY_FILE_DIR   the file provider's directory (var/outbox), shared with the customer
 *                     service's notifications
 *   SMS_HTTP_URL, SMS_HTTP_TOKEN(_FILE)  the http provider's gateway and bearer */
#ifndef CLAIMSUITE_ORDERS_SIGNING_CONFIG_H
#define CLAIMSUITE_ORDERS_SIGNING_CONFIG_H

#include <stddef.h>

struct orders_signing_config {
  char *bankid_url, *bankid_cert, *bankid_key, *bankid_ca; /* "" when not set */
  long bankid_timeout_ms;
  char *sms_provider, *file_dir, *sms_http_url; /* sms_http_url "" unless http */
  char *sms_http_token;                         /* NULL when none */
};

/* Reads and checks every setting. CS_OK, or CS_ERR_INVALID with the variable named in err. */
int orders_signing_config_read(struct orders_signing_config *c, char *err, size_t errlen);
void orders_signing_config_free(struct orders_signing_config *c); /* NULL-safe */

#endif
