/* File types from their content (see blob_type.h). */
#include "blob_type.h"

#include <magic.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "status.h"

/* A libmagic handle is not safe to share between threads: one per thread, loaded once and
 * closed when its thread ends (a key's destructor: the half a megabyte it holds goes too). */
static pthread_key_t magic_key;
static pthread_once_t magic_once = PTHREAD_ONCE_INIT;
static int magic_key_ok;

static void close_magic(void *m) { magic_close(m); }
static void make_key(void) { magic_key_ok = pthread_key_create(&magic_key, close_magic) == 0; }

static magic_t handle(void) {
  pthread_once(&magic_once, make_key);
  if (!magic_key_ok) return NULL;
  magic_t m = pthread_getspecific(magic_key);
  if (m != NULL) return m;
  if ((m = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR)) == NULL) return NULL;
  if (magic_load(m, NULL) != 0 || pthread_setspecific(magic_key, m) != 0) {
    log_error("libmagic: cannot load its database: %s", magic_error(m));
    magic_close(m);
    return NULL;
  }
  return m;
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

/* What an extension says, as a media type or a prefix of one (ending in '.'). */
static const struct {
  const char *ext, *type;
} by_extension[] = {
    {"pdf", "application/pdf"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"png", "image/png"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"heic", "image/hei"},
    {"heif", "image/hei"},
    {"tif", "image/tiff"},
    {"tiff", "image/tiff"},
    {"mp4", "video/mp4"},
    {"m4v", "video/mp4"},
    {"mov", "video/quicktime"},
    {"webm", "video/webm"},
    {"mkv", "video/x-matroska"},
    {"3gp", "video/3gpp"},
    {"doc", "application/msword"},
    {"xls", "application/vnd.ms-excel"},
    {"ppt", "application/vnd.ms-powerpoint"},
    {"docx", "application/vnd.openxmlformats-officedocument."},
    {"xlsx", "application/vnd.openxmlformats-officedocument."},
    {"pptx", "application/vnd.openxmlformats-officedocument."},
    {"odt", "application/vnd.oasis.opendocument."},
    {"ods", "application/vnd.oasis.opendocument."},
    {"odp", "application/vnd.oasis.opendocument."},
    {"rtf", "rtf"},
};

int blob_type_matches_name(const char *type, const char *name) {
  const char *dot = name != NULL ? strrchr(name, '.') : NULL;
  char ext[8];
  size_t n = 0;
  if (dot == NULL || type == NULL) return 1;
  for (const char *p = dot + 1; *p && n + 1 < sizeof(ext); p++)
    ext[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
  ext[n] = '\0';
  for (size_t i = 0; i < sizeof(by_extension) / sizeof(by_extension[0]); i++) {
    if (strcmp(by_extension[i].ext, ext) != 0) continue;
    const char *want = by_extension[i].type;
    if (!strcmp(want, "rtf")) return strstr(type, "rtf") != NULL;
    return starts_with(type, want);
  }
  return 1;
}
