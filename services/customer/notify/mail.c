/* An email as SMTP carries it (see mail.h). */
#include "mail.h"

#include <orcania.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest encoded-word is 75 characters (RFC 2047 §2): "=?UTF-8?B?" + 60 + "?=" is 72,
 * and 60 base64 characters carry 45 bytes. */
#define WORD_BYTES 45

/* A growing string. */
struct buf {
  char *s;
  size_t len, cap;
  int failed;
};

static void put(struct buf *b, const char *s, size_t n) {
  if (b->failed) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = (b->len + n + 1) * 2;
    char *g = realloc(b->s, cap);
    if (g == NULL) {
      b->failed = 1;
      return;
    }
    b->s = g;
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s) { put(b, s, strlen(s)); }

static void put_base64(struct buf *b, const unsigned char *s, size_t n) {
  size_t out_len = 0, cap = 4 * ((n + 2) / 3) + 1;
  unsigned char *out = malloc(cap);
  if (out == NULL || (n > 0 && !o_base64_encode(s, n, out, &out_len))) {
    b->failed = 1;
  } else {
    put(b, (const char *)out, out_len);
  }
  free(out);
}

static char *done(struct buf *b) {
  if (!b->failed && b->s == NULL) put(b, "", 0);
  if (!b->failed) return b->s;
  free(b->s);
  return NULL;
}

static int plain(const char *s) {
  if (strstr(s, "=?") != NULL || strlen(s) > 900) return 0;
  for (; *s != '\0'; s++)
    if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) return 0;
  return 1;
}

char *notify_mail_subject(const char *subject) {
  struct buf b = {0};
  if (plain(subject)) {
    puts_(&b, subject);
    return done(&b);
  }
  const unsigned char *s = (const unsigned char *)subject;
  size_t n = strlen(subject), at = 0;
  while (at < n) {
    size_t take = n - at < WORD_BYTES ? n - at : WORD_BYTES;
    /* never end a word inside a UTF-8 sequence: back off over continuation bytes */
    while (at + take < n && take > 1 && (s[at + take] & 0xC0) == 0x80) take--;
    if (at > 0) puts_(&b, "\r\n ");
    puts_(&b, "=?UTF-8?B?");
    put_base64(&b, s + at, take);
    puts_(&b, "?=");
    at += take;
  }
  return done(&b);
}

char *notify_mail_format(const char *from, const char *to, const char *subject, const char *body,
                         const char *id, time_t now) {
  struct buf b = {0};
  char date[64];
  struct tm tm;
  const char *at = strrchr(from, '@');
  char *subj = notify_mail_subject(subject != NULL ? subject : "");
  if (subj == NULL) return NULL;
  gmtime_r(&now, &tm);
  /* English names whatever the locale: RFC 5322's date-time */
  static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  snprintf(date, sizeof(date), "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7],
           tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  puts_(&b, "From: <");
  puts_(&b, from);
  puts_(&b, ">\r\nTo: <");
  puts_(&b, to);
  puts_(&b, ">\r\nSubject: ");
  puts_(&b, subj);
  puts_(&b, "\r\nDate: ");
  puts_(&b, date);
  puts_(&b, "\r\nMessage-ID: <");
  puts_(&b, id);
  puts_(&b, "@");
  puts_(&b, at != NULL && at[1] != '\0' ? at + 1 : "claimsuite.invalid");
  puts_(&b,
        ">\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n");
  free(subj);
  /* text in its canonical form (RFC 2045: lines end in CRLF), then base64 lines of 76
   * characters: 57 bytes each */
  struct buf text = {0};
  for (const char *c = body; *c != '\0'; c++) {
    if (*c == '\n' && (c == body || c[-1] != '\r')) put(&text, "\r", 1);
    put(&text, c, 1);
  }
  if (text.failed) b.failed = 1;
  for (size_t i = 0; i < text.len; i += 57) {
    put_base64(&b, (const unsigned char *)text.s + i, text.len - i < 57 ? text.len - i : 57);
    puts_(&b, "\r\n");
  }
  free(text.s);
  return done(&b);
}
