/* The catalogue and the public base URL, loaded once (texts.h). */
#include "texts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "config.h"
#include "status.h"

static struct customer_catalogue *catalogue;
static char *base_url, *messages_dir;

void customer_texts_free(void) {
  customer_catalogue_free(catalogue);
  catalogue = NULL;
  free(base_url);
  free(messages_dir);
  base_url = messages_dir = NULL;
}

int customer_texts_load(const char *migrations_dir) {
  char err[512], def[4096];
  size_t n;
  /* the catalogue sits in the source tree (and in the image) next to the migrations */
  if (snprintf(def, sizeof(def), "%s/services/customer/messages", migrations_dir) >=
      (int)sizeof(def)) {
    fprintf(stderr, "customer: configuration error: MIGRATIONS_DIR is too long\n");
    return 2;
  }
  if (config_str("PUBLIC_BASE_URL", "http://localhost:8080", &base_url, err, sizeof(err)) !=
          CS_OK ||
      config_str("MESSAGES_DIR", def, &messages_dir, err, sizeof(err)) != CS_OK)
    goto fail;
  if (strncmp(base_url, "http://", 7) != 0 && strncmp(base_url, "https://", 8) != 0) {
    snprintf(err, sizeof(err), "PUBLIC_BASE_URL must be an http(s) URL");
    goto fail;
  }
  /* links are base + "/v1/...": one slash between them */
  while ((n = strlen(base_url)) > 0 && base_url[n - 1] == '/') base_url[n - 1] = '\0';
  if (customer_catalogue_load(messages_dir, &catalogue, err, sizeof(err)) != CS_OK) goto fail;
  return 0;
fail:
  fprintf(stderr, "customer: configuration error: %s\n", err);
  customer_texts_free();
  return 2;
}

const struct customer_catalogue *customer_texts_catalogue(void) { return catalogue; }

const char *customer_texts_base_url(void) { return base_url; }
