/* Request ids. See request_id.h. */
#include "request_id.h"
#include "ids.h"

#include <ctype.h>
#include <string.h>
#include <sys/random.h>

#include "http.h"

#define RID_RESERVE 1024

static __thread struct {
  unsigned char bytes[RID_RESERVE];
  size_t used, len;
} rid_reserve;

int request_id_valid(const char *s) {
  size_t n = 0;
  if (s == NULL) return 0;
  for (; s[n] != '\0'; n++) {
    unsigned char c = (unsigned char)s[n];
    if (n >= REQUEST_ID_MAX || !(isalnum(c) || c == '.' || c == '_' || c == '-')) return 0;
  }
  return n > 0;
}

void request_id_new(char out[37]) {
  static const char hex[] = "0123456789abcdef";
  if (rid_reserve.len - rid_reserve.used < 16) {
    ssize_t n = getrandom(rid_reserve.bytes, sizeof(rid_reserve.bytes), 0);
    if (n < 16) { /* interrupted, or no entropy yet: the slow path says so in the log */
      ids_uuid_v4(out);
      return;
    }
    rid_reserve.len = (size_t)n;
    rid_reserve.used = 0;
  }
  unsigned char *b = rid_reserve.bytes + rid_reserve.used;
  rid_reserve.used += 16;
  b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
  b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
  char *o = out;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *o++ = '-';
    *o++ = hex[b[i] >> 4];
    *o++ = hex[b[i] & 0x0f];
  }
  *o = '\0';
  memset(b, 0, 16); /* a used id is not kept around */
}

void request_id_of(const struct _u_request *req, char out[REQUEST_ID_MAX + 1]) {
  const char *given = u_map_get_case(req->map_header, "X-Request-Id");
  if (request_id_valid(given))
    memcpy(out, given, strlen(given) + 1); /* at most 128 bytes */
  else
    request_id_new(out);
}
