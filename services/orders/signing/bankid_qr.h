/* The animated QR code of a BankID order (the relying-party guidelines, "animated QR code"): the
 * app is shown "bankid.<qrStartToken>.<seconds>.<qrAuthCode>", where seconds is the time since
 * the order was started and qrAuthCode the HMAC-SHA256 of those seconds (decimal text) keyed
 * with qrStartSecret, as lower-case hex. It changes every second, and the secret never leaves
 * the server: a QR code photographed and sent on is stale a second later. Pure. */
#ifndef CLAIMSUITE_ORDERS_BANKID_QR_H
#define CLAIMSUITE_ORDERS_BANKID_QR_H

#include <stddef.h>

/* The QR data of the order whose start token and secret these are, seconds after it began, into
 * out (len bytes; 160 is room for any token BankID gives). CS_OK, or CS_ERR_INVALID when an
 * argument is missing or out is too small, CS_ERR when the HMAC failed. */
int orders_bankid_qr(const char *qr_start_token, const char *qr_start_secret, long seconds,
                     char *out, size_t len);

#endif
