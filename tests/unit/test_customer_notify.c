/* The pure parts of notifications (services/customer/notify/): the rules of notices and
 * messages, the mail as SMTP carries it (headers, RFC 2047 subject, base64 body), what a
 * provider's reply means, and the retry backoff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "../../services/customer/notify/mail.c"
#include "../../services/customer/notify/notify.c"
#include "../../services/customer/notify/provider.c"
#include "../../services/customer/notify/store_notify.c"

#define PORTAL "5d0c7bd4-0c4b-4a57-9d5e-1c7c3f0a2b11"

static void test_user_rules(void **state) {
  (void)state;
  json_t *data = json_pack("{s:s}", "case_id", "x"), *arr = json_array();
  assert_null(customer_notify_user_check(PORTAL, "u1", "case.assigned", "T", NULL, data, NULL));
  assert_null(customer_notify_user_check(PORTAL, "u1", "chat_message", "T", "b", NULL, "/c/1"));
  assert_non_null(customer_notify_user_check("not-a-uuid", "u1", "k", "T", NULL, NULL, NULL));
  assert_non_null(customer_notify_user_check(PORTAL, "", "k", "T", NULL, NULL, NULL));
  assert_non_null(customer_notify_user_check(PORTAL, "u1", "Case", "T", NULL, NULL, NULL));
  assert_non_null(customer_notify_user_check(PORTAL, "u1", "1case", "T", NULL, NULL, NULL));
  assert_non_null(customer_notify_user_check(PORTAL, "u1", "case-x", "T", NULL, NULL, NULL));
  assert_non_null(customer_notify_user_check(PORTAL, "u1", "k", "", NULL, NULL, NULL));
  assert_non_null(customer_notify_user_check(PORTAL, "u1", "k", "T", NULL, arr, NULL));
  char long_title[CUSTOMER_NOTIFY_MAX_TITLE + 2];
  memset(long_title, 'a', sizeof(long_title) - 1);
  long_title[sizeof(long_title) - 1] = '\0';
  assert_non_null(customer_notify_user_check(PORTAL, "u1", "k", long_title, NULL, NULL, NULL));
  long_title[CUSTOMER_NOTIFY_MAX_TITLE] = '\0';
  assert_null(customer_notify_user_check(PORTAL, "u1", "k", long_title, NULL, NULL, NULL));
  json_decref(data);
  json_decref(arr);
}

static void test_send_rules(void **state) {
  (void)state;
  assert_null(customer_notify_send_check("email", "a@b.se", "Hej", "body", NULL));
  assert_null(customer_notify_send_check("sms", "+46701234567", NULL, "body", "ev-1:sms"));
  assert_null(customer_notify_send_check("sms", "0701234567", NULL, "body", NULL));
  assert_non_null(customer_notify_send_check("fax", "a@b.se", "Hej", "body", NULL));
  assert_non_null(customer_notify_send_check("email", "not-an-address", "Hej", "body", NULL));
  assert_non_null(customer_notify_send_check("email", "a@b.se", NULL, "body", NULL));
  /* a CR or LF in a header value would add headers of its own */
  assert_non_null(customer_notify_send_check("email", "a@b.se", "Hej\r\nBcc: x@y.se", "b", NULL));
  assert_non_null(customer_notify_send_check("email", "a@b.se\nBcc:x@y.se", "Hej", "b", NULL));
  assert_non_null(customer_notify_send_check("sms", "+4670-123", NULL, "body", NULL));
  assert_non_null(customer_notify_send_check("sms", "+12345", NULL, "body", NULL));
  assert_non_null(customer_notify_send_check("sms", "+46701234567", NULL, "", NULL));
  assert_non_null(customer_notify_send_check("sms", "+46701234567", NULL, "b", ""));
}

/* The encoded-words of s decoded and joined: what a mail reader shows. */
static char *decode_words(const char *s) {
  static char out[1024];
  size_t len = 0;
  const char *p = s;
  while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
    p += 10;
    const char *end = strstr(p, "?=");
    assert_non_null(end);
    assert_true(end - p + 12 <= 75); /* the longest encoded-word */
    unsigned char dec[128];
    size_t n = 0;
    assert_true(o_base64_decode((const unsigned char *)p, (size_t)(end - p), dec, &n));
    /* each word is whole UTF-8: it never starts with a continuation byte */
    assert_true(n == 0 || (dec[0] & 0xC0) != 0x80);
    memcpy(out + len, dec, n);
    len += n;
    p = end + 2;
  }
  out[len] = '\0';
  return out;
}

static void test_subject(void **state) {
  (void)state;
  char *s = notify_mail_subject("Your case was updated");
  assert_string_equal(s, "Your case was updated");
  free(s);
  s = notify_mail_subject("Ärendet är uppdaterat");
  assert_string_equal(s, "=?UTF-8?B?w4RyZW5kZXQgw6RyIHVwcGRhdGVyYXQ=?=");
  free(s);
  /* "=?" in plain text would read as an encoded-word: encoded too */
  s = notify_mail_subject("a =?b?= c");
  assert_string_equal(decode_words(s), "a =?b?= c");
  free(s);
  /* a long subject of two-byte characters: several words, folded, none splitting a character */
  char long_subject[400] = "";
  for (int i = 0; i < 60; i++) strcat(long_subject, "åäö");
  s = notify_mail_subject(long_subject);
  assert_non_null(strstr(s, "?=\r\n =?UTF-8?B?"));
  assert_string_equal(decode_words(s), long_subject);
  free(s);
}

static void test_mail(void **state) {
  (void)state;
  /* 2024-03-05 07:08:09 UTC */
  char *m = notify_mail_format("noreply@claims.example", "kund@example.se", "Hej", "rad 1\nrad 2",
                               "0b7e5c1a-1111-4222-8333-944445555666", 1709622489);
  assert_non_null(m);
  assert_non_null(strstr(m, "From: <noreply@claims.example>\r\n"));
  assert_non_null(strstr(m, "\r\nTo: <kund@example.se>\r\n"));
  assert_non_null(strstr(m, "\r\nSubject: Hej\r\n"));
  assert_non_null(strstr(m, "\r\nDate: Tue, 05 Mar 2024 07:08:09 +0000\r\n"));
  assert_non_null(
      strstr(m, "\r\nMessage-ID: <0b7e5c1a-1111-4222-8333-944445555666@claims.example>\r\n"));
  assert_non_null(strstr(m, "\r\nContent-Type: text/plain; charset=UTF-8\r\n"));
  assert_non_null(strstr(m, "\r\nContent-Transfer-Encoding: base64\r\n\r\n"));
  /* the body in canonical form: "rad 1\r\nrad 2" */
  assert_non_null(strstr(m, "\r\n\r\ncmFkIDENCnJhZCAy\r\n"));
  free(m);
  /* a long body: lines of 76 characters at most */
  char body[1000];
  memset(body, 'x', sizeof(body) - 1);
  body[sizeof(body) - 1] = '\0';
  m = notify_mail_format("a@b", "c@d", "s", body, "id", 0);
  const char *p = strstr(m, "\r\n\r\n") + 4;
  while (*p != '\0') {
    const char *eol = strstr(p, "\r\n");
    assert_non_null(eol);
    assert_true(eol - p <= 76);
    p = eol + 2;
  }
  free(m);
}

static void test_outcomes(void **state) {
  (void)state;
  assert_int_equal(notify_http_outcome(200), NOTIFY_SENT);
  assert_int_equal(notify_http_outcome(202), NOTIFY_SENT);
  assert_int_equal(notify_http_outcome(400), NOTIFY_DEAD);
  assert_int_equal(notify_http_outcome(404), NOTIFY_DEAD);
  assert_int_equal(notify_http_outcome(422), NOTIFY_DEAD);
  assert_int_equal(notify_http_outcome(408), NOTIFY_RETRY);
  assert_int_equal(notify_http_outcome(429), NOTIFY_RETRY);
  assert_int_equal(notify_http_outcome(500), NOTIFY_RETRY);
  assert_int_equal(notify_http_outcome(503), NOTIFY_RETRY);
  assert_int_equal(notify_http_outcome(302), NOTIFY_RETRY);
  assert_int_equal(notify_smtp_outcome(550), NOTIFY_DEAD);
  assert_int_equal(notify_smtp_outcome(553), NOTIFY_DEAD);
  assert_int_equal(notify_smtp_outcome(535), NOTIFY_RETRY); /* our credentials, not the mail */
  assert_int_equal(notify_smtp_outcome(451), NOTIFY_RETRY);
  assert_int_equal(notify_smtp_outcome(0), NOTIFY_RETRY);
}

static void test_backoff(void **state) {
  (void)state;
  assert_int_equal(notify_backoff_ms(1000, 3600000, 1), 1000);
  assert_int_equal(notify_backoff_ms(1000, 3600000, 2), 2000);
  assert_int_equal(notify_backoff_ms(1000, 3600000, 3), 4000);
  assert_int_equal(notify_backoff_ms(1000, 3600000, 8), 128000);
  assert_int_equal(notify_backoff_ms(1000, 5000, 4), 5000);         /* capped */
  assert_int_equal(notify_backoff_ms(1000, 3600000, 100), 3600000); /* no overflow */
  assert_int_equal(notify_backoff_ms(1000, 500, 1), 500);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_user_rules), cmocka_unit_test(test_send_rules),
      cmocka_unit_test(test_subject),    cmocka_unit_test(test_mail),
      cmocka_unit_test(test_outcomes),   cmocka_unit_test(test_backoff),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
