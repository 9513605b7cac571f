/* The one small interface every delivery provider has (provider_file.c, provider_smtp.c,
 * provider_http.c), chosen per channel by EMAIL_PROVIDER / SMS_PROVIDER. A provider is used by
 * the delivery thread alone (its libcurl handle is reused, so connections stay open).
 *
 * Delivery is at least once toward the provider: a crash between a send and the commit of its
 * result sends the message again. So every send carries the message id as a dedupe id (the
 * file's name, the mail's Message-ID, the SMS request's id and Idempotency-Key): a receiver
 * that keeps the ids it has seen shows each message once. */
#ifndef CLAIMSUITE_CUSTOMER_PROVIDER_H
#define CLAIMSUITE_CUSTOMER_PROVIDER_H

#include <stddef.h>

#include "notify_config.h"

/* What became of one send. */
enum notify_outcome {
  NOTIFY_SENT,  /* the provider took it */
  NOTIFY_RETRY, /* not now (unreachable, timeout, a temporary refusal): try again later */
  NOTIFY_DEAD   /* never (the provider refuses this message for good) */
};

/* One message to send; every string borrowed (subject NULL for an SMS). */
struct notify_message {
  const char *id; /* the message id (a UUID): the dedupe id of every provider */
  const char *channel, *recipient, *subject, *body;
  int attempt; /* 1 for the first */
};

struct notify_provider {
  const char *name; /* "file", "smtp", "http": for logs */
  /* Sends m; on anything but NOTIFY_SENT, why (no secrets) into err. */
  enum notify_outcome (*send)(struct notify_provider *p, const struct notify_message *m, char *err,
                              size_t errlen);
  void (*free)(struct notify_provider *p);
  void *state;
};

/* Polled during network sends: non-zero aborts the send (a retry). */
typedef int (*notify_abort_fn)(void *arg);

/* The providers. Each *out is new (notify_provider_free); c is borrowed only during the call.
 * CS_OK or CS_ERR (logged). */
int notify_provider_file_new(const struct customer_notify_config *c, struct notify_provider **out);
int notify_provider_smtp_new(const struct customer_notify_config *c, notify_abort_fn should_abort,
                             void *abort_arg, struct notify_provider **out);
int notify_provider_http_new(const struct customer_notify_config *c, notify_abort_fn should_abort,
                             void *abort_arg, struct notify_provider **out);
void notify_provider_free(struct notify_provider *p); /* NULL-safe */

/* What an SMS gateway's HTTP status means (pure): 2xx sent; 408, 429 and 5xx retry; any other
 * 4xx dead (the gateway refuses this message); anything else retry. */
enum notify_outcome notify_http_outcome(long status);
/* The same of an SMTP reply code (libcurl's CURLINFO_RESPONSE_CODE after a failed send): a 5xx
 * refusal of the message or its recipient is dead; 530/534/535 (authentication, a fault of our
 * configuration, not of the message), 4xx and no reply at all retry. */
enum notify_outcome notify_smtp_outcome(long code);
/* The delay before the retry that follows attempt (1 for the first): base_ms doubled per
 * attempt, at most max_ms (NOTIFY_RETRY_BASE_MS, NOTIFY_RETRY_MAX_MS). Pure. */
long notify_backoff_ms(long base_ms, long max_ms, int attempt);

#endif
