/* Finding an embedded file of the customer page and its media type (see page_assets.h). */
#include "page_assets.h"

#include <string.h>

const struct customer_page_asset *customer_page_asset_find(const char *name) {
  if (name == NULL || name[0] == '\0') name = "index.html";
  for (size_t i = 0; i < customer_page_asset_count; i++) {
    if (strcmp(customer_page_assets[i].name, name) == 0) return &customer_page_assets[i];
  }
  return NULL;
}

const char *customer_page_media_type(const char *name) {
  static const struct {
    const char *ext, *type;
  } types[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"}, /* module scripts need a JavaScript type */
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
  };
  const char *dot = strrchr(name, '.');
  if (dot != NULL) {
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
      if (strcmp(dot, types[i].ext) == 0) return types[i].type;
    }
  }
  return "application/octet-stream";
}
