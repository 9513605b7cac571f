/* File types from their content (see blob_type.h). */
#include "blob_type.h"

#include <magic.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "status.h"

/* A libmagic handle is not safe to share between threads: one per thread, loaded once. */
static __thread magic_t thread_magic;

static magic_t handle(void) {
  if (thread_magic != NULL) return thread_magic;
  magic_t m = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
  if (m == NULL) return NULL;
  if (magic_load(m, NULL) != 0) {
    log_error("libmagic: cannot load its database: %s", magic_error(m));
    magic_close(m);
    return NULL;
  }
  return thread_magic = m;
}

int blob_type_of(const unsigned char *head, size_t n, char type[BLOB_TYPE_LEN]) {
  magic_t m = handle();
  const char *t = m != NULL ? magic_buffer(m, head, n) : NULL;
  type[0] = '\0';
  if (t == NULL) {
    if (m != NULL) log_error("libmagic: %s", magic_error(m));
    return CS_ERR;
  }
  snprintf(type, BLOB_TYPE_LEN, "%s", t);
  return CS_OK;
}

static int starts_with(const char *s, const char *prefix) {
  return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

int blob_type_is_media(const char *type) {
  static const char *const media[] = {
      "image/jpeg", "image/png", "image/gif",       "image/webp", "image/heic",       "image/heif",
      "image/tiff", "video/mp4", "video/quicktime", "video/webm", "video/x-matroska", "video/3gpp"};
  for (size_t i = 0; type != NULL && i < sizeof(media) / sizeof(media[0]); i++)
    if (!strcmp(type, media[i])) return 1;
  return 0;
}

int blob_type_allowed(const char *type) {
  static const char *const documents[] = {
      "application/pdf",          "application/msword",
      "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
      "application/rtf",          "text/rtf",
  };
  if (blob_type_is_media(type)) return 1;
  /* docx, xlsx, pptx; odt, ods, odp */
  if (starts_with(type, "application/vnd.openxmlformats-officedocument.") ||
      starts_with(type, "application/vnd.oasis.opendocument."))
    return 1;
  for (size_t i = 0; type != NULL && i < sizeof(documents) / sizeof(documents[0]); i++)
    if (!strcmp(type, documents[i])) return 1;
  return 0;
}
