/* The delivery settings of notifications (see notify_config.h). */
#include "notify_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "status.h"

static int one_of(const char *name, const char *value, const char *a, const char *b, char *err,
                  size_t errlen) {
  if (strcmp(value, a) == 0 || strcmp(value, b) == 0) return CS_OK;
  snprintf(err, errlen, "%s must be %s or %s", name, a, b);
  return CS_ERR_INVALID;
}

int customer_notify_config_read(struct customer_notify_config *c, char *err, size_t errlen) {
  memset(c, 0, sizeof(*c));
  if (config_str("EMAIL_PROVIDER", "file", &c->email_provider, err, errlen) != CS_OK ||
      one_of("EMAIL_PROVIDER", c->email_provider, "file", "smtp", err, errlen) != CS_OK ||
      config_str("SMS_PROVIDER", "file", &c->sms_provider, err, errlen) != CS_OK ||
      one_of("SMS_PROVIDER", c->sms_provider, "file", "http", err, errlen) != CS_OK ||
      config_str("NOTIFY_FILE_DIR", "var/outbox", &c->file_dir, err, errlen) != CS_OK ||
      config_long("NOTIFY_RETRY_BASE_MS", 1000, 10, 3600000, &c->retry_base_ms, err, errlen) !=
          CS_OK ||
      config_long("NOTIFY_RETRY_MAX_MS", 3600000, 10, 86400000, &c->retry_max_ms, err, errlen) !=
          CS_OK ||
      config_long("NOTIFY_MAX_ATTEMPTS", 8, 1, 100, &c->max_attempts, err, errlen) != CS_OK ||
      config_long("NOTIFY_POLL_MS", 500, 10, 60000, &c->poll_ms, err, errlen) != CS_OK ||
      config_long("NOTIFY_CONNECT_TIMEOUT_MS", 5000, 100, 60000, &c->connect_timeout_ms, err,
                  errlen) != CS_OK ||
      config_long("NOTIFY_SEND_TIMEOUT_MS", 20000, 100, 300000, &c->send_timeout_ms, err, errlen) !=
          CS_OK)
    goto fail;
  if (strcmp(c->email_provider, "smtp") == 0) {
    if (config_str("SMTP_URL", NULL, &c->smtp_url, err, errlen) != CS_OK ||
        config_str("SMTP_FROM", NULL, &c->smtp_from, err, errlen) != CS_OK ||
        config_str("SMTP_USER", "", &c->smtp_user, err, errlen) != CS_OK ||
        config_secret("SMTP_PASSWORD", c->smtp_user[0] != '\0', 1, 1024, &c->smtp_password, err,
                      errlen) != CS_OK)
      goto fail;
    if (strncmp(c->smtp_url, "smtp://", 7) != 0 && strncmp(c->smtp_url, "smtps://", 8) != 0) {
      snprintf(err, errlen, "SMTP_URL must be smtp://host:port or smtps://host:port");
      goto fail;
    }
  }
  if (strcmp(c->sms_provider, "http") == 0) {
    if (config_str("SMS_HTTP_URL", NULL, &c->sms_http_url, err, errlen) != CS_OK ||
        config_secret("SMS_HTTP_TOKEN", 0, 1, 4096, &c->sms_http_token, err, errlen) != CS_OK)
      goto fail;
    if (strncmp(c->sms_http_url, "http://", 7) != 0 &&
        strncmp(c->sms_http_url, "https://", 8) != 0) {
      snprintf(err, errlen, "SMS_HTTP_URL must be an http(s) URL");
      goto fail;
    }
  }
  return CS_OK;
fail:
  customer_notify_config_free(c);
  return CS_ERR_INVALID;
}

void customer_notify_config_free(struct customer_notify_config *c) {
  if (c == NULL) return;
  free(c->email_provider);
  free(c->sms_provider);
  free(c->file_dir);
  free(c->smtp_url);
  free(c->smtp_from);
  free(c->smtp_user);
  config_secret_free(c->smtp_password);
  free(c->sms_http_url);
  config_secret_free(c->sms_http_token);
  memset(c, 0, sizeof(*c));
}
