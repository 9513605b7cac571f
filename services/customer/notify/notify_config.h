/* The delivery settings of notifications, read once at start from the environment (the
 * customer service's wiring calls customer_notify_config_read; nothing reads them later). */
#ifndef CLAIMSUITE_CUSTOMER_NOTIFY_CONFIG_H
#define CLAIMSUITE_CUSTOMER_NOTIFY_CONFIG_H

#include <stddef.h>

struct customer_notify_config {
  char *email_provider;    /* EMAIL_PROVIDER: "file" (default) or "smtp" */
  char *sms_provider;      /* SMS_PROVIDER: "file" (default) or "http" */
  char *file_dir;          /* NOTIFY_FILE_DIR (var/outbox): the file providers' directory */
  char *smtp_url;          /* SMTP_URL: smtp://host:port or smtps://... (smtp only) */
  char *smtp_from;         /* SMTP_FROM: the envelope and From address (smtp only) */
  char *smtp_user;         /* SMTP_USER (optional) */
  char *smtp_password;     /* SMTP_PASSWORD or SMTP_PASSWORD_FILE (with SMTP_USER) */
  char *sms_http_url;      /* SMS_HTTP_URL: where {id, to, text} is POSTed (http only) */
  char *sms_http_token;    /* SMS_HTTP_TOKEN or SMS_HTTP_TOKEN_FILE: a bearer (optional) */
  long retry_base_ms;      /* NOTIFY_RETRY_BASE_MS (1000): the first retry's delay */
  long retry_max_ms;       /* NOTIFY_RETRY_MAX_MS (3600000): the cap of the doubling */
  long max_attempts;       /* NOTIFY_MAX_ATTEMPTS (8): then the message is dead */
  long poll_ms;            /* NOTIFY_POLL_MS (500): how often the queue is looked at */
  long connect_timeout_ms; /* NOTIFY_CONNECT_TIMEOUT_MS (5000) */
  long send_timeout_ms;    /* NOTIFY_SEND_TIMEOUT_MS (20000): one send, all included */
};

/* Reads and checks every setting (a provider's required ones only when it is chosen).
 * CS_OK, or CS_ERR_INVALID with the variable named in err. */
int customer_notify_config_read(struct customer_notify_config *c, char *err, size_t errlen);
void customer_notify_config_free(struct customer_notify_config *c); /* NULL-safe */

#endif
