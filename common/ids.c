/* Identifiers and instants as text (see ids.h). */
#include "ids.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "log.h"

void ids_uuid_v4(char buf[37]) {
  unsigned char b[16];
  if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
    /* getrandom on Linux does not fail for 16 bytes once the pool is ready; be loud if it does */
    log_error("getrandom failed");
    memset(b, 0, sizeof(b));
  }
  b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
  b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
  snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
           b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
           b[15]);
}

int ids_is_uuid(const char *s) {
  if (s == NULL || strlen(s) != 36) return 0;
  for (int i = 0; i < 36; i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return 0;
    } else if (!isxdigit((unsigned char)s[i])) {
      return 0;
    }
  }
  return 1;
}

static int digits(const char *s, int n) {
  for (int i = 0; i < n; i++)
    if (!isdigit((unsigned char)s[i])) return 0;
  return 1;
}

static int valid_ymd(const char *s) {
  if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2))
    return 0;
  int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  /* year 0000 is none (PostgreSQL refuses it, as it does any other that is not a date) */
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) return 0;
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

int ids_is_date(const char *s) { return s != NULL && strlen(s) == 10 && valid_ymd(s); }

int ids_is_timestamp(const char *s) {
  /* YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM) */
  if (s == NULL || strlen(s) < 20 || !valid_ymd(s) || (s[10] != 'T' && s[10] != 't')) return 0;
  const char *t = s + 11;
  if (!digits(t, 2) || t[2] != ':' || !digits(t + 3, 2) || t[5] != ':' || !digits(t + 6, 2))
    return 0;
  if (atoi(t) > 23 || atoi(t + 3) > 59 || atoi(t + 6) > 60) return 0;
  t += 8;
  if (*t == '.') {
    t++;
    if (!isdigit((unsigned char)*t)) return 0;
    while (isdigit((unsigned char)*t)) t++;
  }
  if ((*t == 'Z' || *t == 'z') && t[1] == '\0') return 1;
  /* an offset PostgreSQL takes: up to 15:59 either way */
  return (*t == '+' || *t == '-') && digits(t + 1, 2) && t[3] == ':' && digits(t + 4, 2) &&
         t[6] == '\0' && atoi(t + 1) <= 15 && atoi(t + 4) <= 59;
}

int ids_is_email(const char *s) {
  if (s == NULL) return 0;
  const char *at = strchr(s, '@');
  for (const char *p = s; *p; p++)
    if (isspace((unsigned char)*p)) return 0;
  return at != NULL && at != s && at[1] != '\0' && strchr(at + 1, '@') == NULL;
}
