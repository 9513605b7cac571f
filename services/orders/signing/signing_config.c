/* The settings of e-ID signing (signing_config.h). */
#include "signing_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "status.h"

static int http_url(const char *name, const char *value, char *err, size_t errlen) {
  if (value[0] == '\0' || !strncmp(value, "http://", 7) || !strncmp(value, "https://", 8))
    return CS_OK;
  snprintf(err, errlen, "%s must be an http(s) URL", name);
  return CS_ERR_INVALID;
}

int orders_signing_config_read(struct orders_signing_config *c, char *err, size_t errlen) {
  memset(c, 0, sizeof(*c));
  if (config_str("BANKID_URL", "", &c->bankid_url, err, errlen) != CS_OK ||
      http_url("BANKID_URL", c->bankid_url, err, errlen) != CS_OK ||
      config_str("BANKID_CERT", "", &c->bankid_cert, err, errlen) != CS_OK ||
      config_str("BANKID_KEY", "", &c->bankid_key, err, errlen) != CS_OK ||
      config_str("BANKID_CA", "", &c->bankid_ca, err, errlen) != CS_OK ||
      config_long("BANKID_TIMEOUT_MS", 10000, 100, 120000, &c->bankid_timeout_ms, err, errlen) !=
          CS_OK ||
      config_str("SMS_PROVIDER", "file", &c->sms_provider, err, errlen) != CS_OK ||
      config_str("NOTIFY_FILE_DIR", "var/outbox", &c->file_dir, err, errlen) != CS_OK ||
      config_str("SMS_HTTP_URL", "", &c->sms_http_url, err, errlen) != CS_OK ||
      config_secret("SMS_HTTP_TOKEN", 0, 1, 4096, &c->sms_http_token, err, errlen) != CS_OK)
    goto fail;
  /* a trailing slash would double the one the paths begin with */
  size_t n = strlen(c->bankid_url);
  while (n > 0 && c->bankid_url[n - 1] == '/') c->bankid_url[--n] = '\0';
  if ((c->bankid_key[0] != '\0') != (c->bankid_cert[0] != '\0')) {
    snprintf(err, errlen, "BANKID_CERT and BANKID_KEY go together");
    goto fail;
  }
  if (strcmp(c->sms_provider, "file") != 0 && strcmp(c->sms_provider, "http") != 0) {
    snprintf(err, errlen, "SMS_PROVIDER must be file or http");
    goto fail;
  }
  if (!strcmp(c->sms_provider, "http") && c->sms_http_url[0] == '\0') {
    snprintf(err, errlen, "SMS_HTTP_URL is required with SMS_PROVIDER=http");
    goto fail;
  }
  if (http_url("SMS_HTTP_URL", c->sms_http_url, err, errlen) != CS_OK) goto fail;
  return CS_OK;
fail:
  orders_signing_config_free(c);
  return CS_ERR_INVALID;
}

void orders_signing_config_free(struct orders_signing_config *c) {
  if (c == NULL) return;
  free(c->bankid_url);
  free(c->bankid_cert);
  free(c->bankid_key);
  free(c->bankid_ca);
  free(c->sms_provider);
  free(c->file_dir);
  free(c->sms_http_url);
  config_secret_free(c->sms_http_token);
  memset(c, 0, sizeof(*c));
}
