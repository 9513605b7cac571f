/* The SMS that carries a signature's one-time code, sent at once (a code is useful for five
 * minutes, so it does not wait in a queue), the same way the customer service's providers send
 * theirs (services/customer/notify/provider_*.c), so one SMS gateway and one test directory
 * serve both:
 *   file  <NOTIFY_FILE_DIR>/<message id>.json holding {id, channel: "sms", to, body, attempt}
 *         (written aside, then linked into place: a reader never sees half a file);
 *   http  POST SMS_HTTP_URL {id, to, text} with the bearer (SMS_HTTP_TOKEN).
 * Never inside a transaction; the code is in no log. */
#ifndef CLAIMSUITE_ORDERS_OTP_SEND_H
#define CLAIMSUITE_ORDERS_OTP_SEND_H

#include "signing_config.h"

/* Starts the sender with c (borrowed for the process's life): the file provider's directory is
 * made. CS_OK or CS_ERR (logged). */
int orders_otp_send_init(const struct orders_signing_config *c);

/* Sends text (borrowed) to mobile. CS_OK, or CS_ERR_UNAVAILABLE (logged, without the text). */
int orders_otp_send(const char *mobile, const char *text);

#endif
