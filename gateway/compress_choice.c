/* Accept-Encoding and content types (see compress_choice.h). */
#include "compress_choice.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *gw_encoding_name(enum gw_encoding e) {
  switch (e) {
    case GW_ENC_GZIP: return "gzip";
    case GW_ENC_BR: return "br";
    default: return "identity";
  }
}

/* The q of one list member's parameters ("; q=0.5"), 1 when absent, -1 when unreadable. */
static double member_q(const char *params, const char *end) {
  const char *p = params;
  while (p < end) {
    while (p < end && (*p == ';' || *p == ' ' || *p == '\t')) p++;
    if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      char buf[16];
      size_t n = (size_t)(end - (p + 2));
      if (n == 0 || n >= sizeof(buf)) return -1;
      memcpy(buf, p + 2, n);
      buf[n] = '\0';
      char *stop = NULL;
      double q = strtod(buf, &stop);
      while (stop != NULL && (*stop == ' ' || *stop == '\t')) stop++;
      if (stop == buf || (stop != NULL && *stop != '\0' && *stop != ';') || q < 0 || q > 1)
        return -1;
      return q;
    }
    while (p < end && *p != ';') p++;
  }
  return 1;
}

enum gw_encoding gw_encoding_choose(const char *accept_encoding) {
  double q_gzip = -1, q_br = -1, q_any = -1; /* -1: not named */
  if (accept_encoding == NULL) return GW_ENC_IDENTITY;
  for (const char *p = accept_encoding; *p;) {
    while (*p == ' ' || *p == '\t' || *p == ',') p++;
    const char *end = p;
    while (*end && *end != ',') end++;
    const char *name_end = p;
    while (name_end < end && *name_end != ';' && *name_end != ' ' && *name_end != '\t') name_end++;
    size_t n = (size_t)(name_end - p);
    double q = member_q(name_end, end);
    if (q >= 0) {
      if ((n == 4 && !strncasecmp(p, "gzip", 4)) || (n == 6 && !strncasecmp(p, "x-gzip", 6)))
        q_gzip = q;
      else if (n == 2 && !strncasecmp(p, "br", 2))
        q_br = q;
      else if (n == 1 && *p == '*')
        q_any = q;
    }
    p = end;
  }
  if (q_gzip < 0) q_gzip = q_any;
  if (q_br < 0) q_br = q_any;
  if (q_br > 0 && q_br >= q_gzip) return GW_ENC_BR;
  if (q_gzip > 0) return GW_ENC_GZIP;
  return GW_ENC_IDENTITY;
}

/* 1 when the media type of ct is exactly type (case-insensitive). */
static int media_is(const char *ct, size_t len, const char *type) {
  return strlen(type) == len && !strncasecmp(ct, type, len);
}

int gw_content_type_compressible(const char *content_type) {
  static const char *const compressed[] = {
      "application/zip",
      "application/gzip",
      "application/x-gzip",
      "application/pdf",
      "application/octet-stream",
      "application/zstd",
      "application/x-brotli",
      "application/x-7z-compressed",
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "font/woff",
      "font/woff2"};
  static const char *const compressed_families[] = {"image/", "video/", "audio/"};
  if (content_type == NULL) return 0;
  const char *ct = content_type;
  while (*ct == ' ' || *ct == '\t') ct++;
  size_t len = 0;
  while (ct[len] && ct[len] != ';' && ct[len] != ' ' && ct[len] != '\t') len++;
  if (len == 0) return 0;
  if (media_is(ct, len, "image/svg+xml")) return 1; /* text */
  for (size_t i = 0; i < sizeof(compressed) / sizeof(compressed[0]); i++) {
    if (media_is(ct, len, compressed[i])) return 0;
  }
  for (size_t i = 0; i < sizeof(compressed_families) / sizeof(compressed_families[0]); i++) {
    size_t fl = strlen(compressed_families[i]);
    if (len > fl && !strncasecmp(ct, compressed_families[i], fl)) return 0;
  }
  return 1;
}
