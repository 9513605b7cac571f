/* The settings of the ticket worker (see ticket_config.h). */
#include "ticket_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "status.h"

/* A header line of our own making: a token name, a colon, a value, and nothing that could end
 * the line and smuggle a second header into the request. */
static int header_line_ok(const char *h) {
  size_t name = strspn(h, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-");
  if (name == 0 || h[name] != ':' || h[name + 1] == '\0') return 0;
  for (const char *p = h; *p != '\0'; p++)
    if ((unsigned char)*p < 0x20 && *p != '\t') return 0;
  return 1;
}

int orders_ticket_config_read(struct orders_ticket_config *c, char *err, size_t errlen) {
  memset(c, 0, sizeof(*c));
  if (config_str("TICKET_URL", "", &c->url, err, errlen) != CS_OK ||
      config_secret("TICKET_AUTH_HEADER", 0, 3, 4096, &c->auth_header, err, errlen) != CS_OK ||
      config_long("TICKET_TIMEOUT_MS", 10000, 100, 300000, &c->timeout_ms, err, errlen) != CS_OK ||
      config_long("TICKET_RETRY_BASE_MS", 1000, 10, 3600000, &c->retry_base_ms, err, errlen) !=
          CS_OK ||
      config_long("TICKET_RETRY_MAX_MS", 600000, 10, 86400000, &c->retry_max_ms, err, errlen) !=
          CS_OK ||
      config_long("TICKET_POLL_MS", 1000, 10, 60000, &c->poll_ms, err, errlen) != CS_OK)
    goto fail;
  if (c->url[0] != '\0' && strncmp(c->url, "http://", 7) != 0 &&
      strncmp(c->url, "https://", 8) != 0) {
    snprintf(err, errlen, "TICKET_URL must be an http(s) URL or empty");
    goto fail;
  }
  if (c->auth_header != NULL && !header_line_ok(c->auth_header)) {
    snprintf(err, errlen, "TICKET_AUTH_HEADER must be one header line \"Name: value\"");
    goto fail;
  }
  return CS_OK;
fail:
  orders_ticket_config_free(c);
  return CS_ERR_INVALID;
}

void orders_ticket_config_free(struct orders_ticket_config *c) {
  if (c == NULL) return;
  free(c->url);
  config_secret_free(c->auth_header);
  memset(c, 0, sizeof(*c));
}
