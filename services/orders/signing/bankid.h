/* The BankID relying-party API v6 (https://www.bankid.com/en/utvecklare/guider): /sign starts a
 * signing order, /collect says where it stands (pending with a hint code, failed with one, or
 * complete with the completion data), /cancel ends it. Over libcurl with the relying party's
 * client certificate (signing_config.h), against BANKID_URL, so the real service, its test
 * environment or the test suite's double sits behind it. Idle handles are kept for reuse
 * (keep-alive). Never called inside a transaction. */
#ifndef CLAIMSUITE_ORDERS_BANKID_H
#define CLAIMSUITE_ORDERS_BANKID_H

#include <jansson.h>
#include <stddef.h>

#include "signing_config.h"

/* Starts the client with c (borrowed for the process's life). CS_OK or CS_ERR. */
int orders_bankid_init(const struct orders_signing_config *c);
void orders_bankid_stop(void); /* frees the idle handles */
/* 1 when BANKID_URL is set. */
int orders_bankid_enabled(void);

/* POST /rp/v6.0/sign for end_user_ip with visible_text (UTF-8, sent base64 as
 * userVisibleData). CS_OK with *out new {orderRef, qrStartToken, qrStartSecret, ...};
 * CS_ERR_INVALID when BankID refused the request (its errorCode into why); CS_ERR_UNAVAILABLE
 * when it could not be reached or answered nothing usable (why says what). */
int orders_bankid_sign(const char *end_user_ip, const char *visible_text, json_t **out, char *why,
                       size_t whylen);
/* POST /rp/v6.0/collect for order_ref: *out new {orderRef, status, hintCode?, completionData?};
 * results as orders_bankid_sign (CS_ERR_INVALID: BankID knows no such order any more). */
int orders_bankid_collect(const char *order_ref, json_t **out, char *why, size_t whylen);
/* POST /rp/v6.0/cancel for order_ref. CS_OK, CS_ERR_INVALID (no such order at BankID: nothing
 * to cancel) or CS_ERR_UNAVAILABLE. */
int orders_bankid_cancel(const char *order_ref, char *why, size_t whylen);

#endif
