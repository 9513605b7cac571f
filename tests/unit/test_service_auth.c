/* Service tokens and event signatures (common/service_auth.h): what one service accepts from
 * another, and everything it refuses. */
#define _GNU_SOURCE /* asprintf */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <gnutls/crypto.h>
#include <jansson.h>
#include <orcania.h>

#include "service_auth.h"
#include "status.h"

static const char SECRET[] = "0123456789abcdef0123456789abcdef-test";
static const char OTHER_SECRET[] = "fedcba9876543210fedcba9876543210-test";

static struct service_auth *auth_of(const char *self, const char *secret) {
  struct service_auth *a = NULL;
  assert_int_equal(service_auth_new(self, secret, strlen(secret), &a), CS_OK);
  return a;
}

static void expect_refused(struct service_auth *a, const char *authorization, const char *why) {
  const char *reason = NULL;
  char caller[SERVICE_NAME_MAX] = "";
  assert_int_equal(service_auth_check(a, authorization, caller, &reason), CS_ERR_INVALID);
  assert_non_null(reason);
  if (strcmp(reason, why) != 0) fail_msg("refused with '%s', expected '%s'", reason, why);
}

/* "Bearer " + a token signed like ours with key secret, over the payload given. */
static char *forge(const char *secret, const char *payload) {
  static const char header[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
  unsigned char key[32], mac[32], p64[512], s64[64];
  size_t n = 0, m = 0;
  static const char use[] = "claimsuite service token v1";
  assert_int_equal(
      gnutls_hmac_fast(GNUTLS_MAC_SHA256, secret, strlen(secret), use, strlen(use), key), 0);
  assert_true(o_base64url_encode((const unsigned char *)payload, strlen(payload), p64, &n));
  p64[n] = '\0';
  char *signed_part = NULL, *out = NULL;
  assert_true(asprintf(&signed_part, "%s.%s", header, (char *)p64) > 0);
  assert_int_equal(
      gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, 32, signed_part, strlen(signed_part), mac), 0);
  assert_true(o_base64url_encode(mac, 32, s64, &m));
  s64[m] = '\0';
  assert_true(asprintf(&out, "Bearer %s.%s", signed_part, (char *)s64) > 0);
  free(signed_part);
  return out;
}

static void test_a_service_token_reaches_its_audience_only(void **state) {
  (void)state;
  struct service_auth *cases = auth_of("cases", SECRET), *policy = auth_of("policy", SECRET);
  char bearer[SERVICE_BEARER_MAX], caller[SERVICE_NAME_MAX] = "";
  const char *reason = NULL;
  assert_int_equal(service_auth_bearer(cases, "policy", bearer, sizeof(bearer)), CS_OK);
  assert_int_equal(service_auth_check(policy, bearer, caller, &reason), CS_OK);
  assert_string_equal(caller, "cases");
  /* the same token at the caller itself, or at a third service: another audience */
  expect_refused(cases, bearer, "service token is for another service");
  struct service_auth *orders = auth_of("orders", SECRET);
  expect_refused(orders, bearer, "service token is for another service");
  /* a deployment with another secret takes none of ours */
  struct service_auth *elsewhere = auth_of("policy", OTHER_SECRET);
  expect_refused(elsewhere, bearer, "service token signature invalid");
  service_auth_free(cases);
  service_auth_free(policy);
  service_auth_free(orders);
  service_auth_free(elsewhere);
}

static void test_tampered_or_malformed_tokens(void **state) {
  (void)state;
  struct service_auth *cases = auth_of("cases", SECRET), *policy = auth_of("policy", SECRET);
  char bearer[SERVICE_BEARER_MAX];
  assert_int_equal(service_auth_bearer(cases, "policy", bearer, sizeof(bearer)), CS_OK);
  expect_refused(policy, NULL, "a service token is required");
  expect_refused(policy, "", "a service token is required");
  expect_refused(policy, "Basic Y2FzZXM6c2VjcmV0", "a service token is required");
  expect_refused(policy, "Bearer ", "malformed service token");
  expect_refused(policy, "Bearer a.b.c", "malformed service token");
  /* one character of the signature changed */
  char tampered[SERVICE_BEARER_MAX + 8];
  snprintf(tampered, sizeof(tampered), "%s", bearer);
  size_t n = strlen(tampered);
  tampered[n - 1] = tampered[n - 1] == 'A' ? 'B' : 'A';
  expect_refused(policy, tampered, "service token signature invalid");
  /* the signature cut short, or a fourth part */
  snprintf(tampered, sizeof(tampered), "%s", bearer);
  tampered[n - 2] = '\0';
  expect_refused(policy, tampered, "malformed service token");
  snprintf(tampered, sizeof(tampered), "%s.x", bearer);
  expect_refused(policy, tampered, "malformed service token");
  /* alg none, or another header: never ours */
  snprintf(tampered, sizeof(tampered), "Bearer eyJhbGciOiJub25lIn0%s", strchr(bearer, '.'));
  expect_refused(policy, tampered, "malformed service token");
  service_auth_free(cases);
  service_auth_free(policy);
}

static void test_times_and_claims(void **state) {
  (void)state;
  struct service_auth *policy = auth_of("policy", SECRET);
  long long now = (long long)time(NULL);
  char payload[512];
  const char *reason = NULL;
  struct {
    long long iat, exp;
    const char *iss, *sub, *why; /* why: NULL when accepted */
  } cases[] = {
      {now, now + 60, "claimsuite-services", "cases", NULL},
      {now - 80, now - 20, "claimsuite-services", "cases", NULL}, /* within the leeway */
      {now - 100, now - 40, "claimsuite-services", "cases", "service token expired"},
      {now + 40, now + 100, "claimsuite-services", "cases", "service token times not acceptable"},
      {now, now + 3600, "claimsuite-services", "cases", "service token times not acceptable"},
      {now, now + 60, "claimsuite", "cases", "malformed service token"},
      {now, now + 60, "claimsuite-services", "Cases\\\"", "malformed service token"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    snprintf(payload, sizeof(payload),
             "{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"policy\",\"iat\":%lld,\"exp\":%lld}",
             cases[i].iss, cases[i].sub, cases[i].iat, cases[i].exp);
    char *bearer = forge(SECRET, payload);
    if (cases[i].why == NULL) {
      if (service_auth_check(policy, bearer, NULL, &reason) != CS_OK)
        fail_msg("case %zu refused: %s", i, reason);
    } else {
      expect_refused(policy, bearer, cases[i].why);
    }
    free(bearer);
  }
  /* no aud, duplicate claims, not JSON */
  char *bearer = forge(SECRET,
                       "{\"iss\":\"claimsuite-services\",\"sub\":\"cases\",\"iat\":1,"
                       "\"exp\":99999999999}");
  expect_refused(policy, bearer, "service token is for another service");
  free(bearer);
  bearer = forge(SECRET, "{\"aud\":\"orders\",\"aud\":\"policy\"}");
  expect_refused(policy, bearer, "malformed service token");
  free(bearer);
  bearer = forge(SECRET, "not json");
  expect_refused(policy, bearer, "malformed service token");
  free(bearer);
  service_auth_free(policy);
}

static void test_event_signatures(void **state) {
  (void)state;
  struct service_auth *cases = auth_of("cases", SECRET), *policy = auth_of("policy", SECRET);
  struct service_auth *elsewhere = auth_of("cases", OTHER_SECRET);
  const char msg[] = "{\"seq\":42,\"type\":\"case.created\"}";
  char sig[SERVICE_SIGNATURE_LEN + 1];
  assert_int_equal(service_auth_sign(cases, msg, strlen(msg), sig), CS_OK);
  assert_int_equal(strlen(sig), SERVICE_SIGNATURE_LEN);
  assert_true(service_auth_signed(policy, msg, strlen(msg), sig)); /* any service checks it */
  assert_false(service_auth_signed(policy, msg, strlen(msg) - 1, sig));
  assert_false(service_auth_signed(elsewhere, msg, strlen(msg), sig));
  assert_false(service_auth_signed(policy, msg, strlen(msg), ""));
  assert_false(service_auth_signed(policy, msg, strlen(msg), NULL));
  char other[] = "{\"seq\":43,\"type\":\"case.created\"}";
  assert_false(service_auth_signed(policy, other, strlen(other), sig));
  /* a service token's signature is not an event's, and the other way round */
  char bearer[SERVICE_BEARER_MAX];
  assert_int_equal(service_auth_bearer(cases, "policy", bearer, sizeof(bearer)), CS_OK);
  const char *last_dot = strrchr(bearer, '.');
  size_t signed_len = (size_t)(last_dot - (bearer + 7));
  assert_false(service_auth_signed(policy, bearer + 7, signed_len, last_dot + 1));
  service_auth_free(cases);
  service_auth_free(policy);
  service_auth_free(elsewhere);
}

static void test_secrets_and_names(void **state) {
  (void)state;
  struct service_auth *a = NULL;
  assert_int_equal(service_auth_new("cases", "short", 5, &a), CS_ERR_INVALID);
  assert_null(a);
  assert_int_equal(service_auth_new("Cases!", SECRET, strlen(SECRET), &a), CS_ERR_INVALID);
  assert_int_equal(service_auth_new("", SECRET, strlen(SECRET), &a), CS_ERR_INVALID);
  a = auth_of("cases", SECRET);
  char bearer[SERVICE_BEARER_MAX];
  assert_int_equal(service_auth_bearer(a, "po\"licy", bearer, sizeof(bearer)), CS_ERR);
  assert_int_equal(service_auth_bearer(a, "policy", bearer, 20), CS_ERR);
  service_auth_free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_service_token_reaches_its_audience_only),
      cmocka_unit_test(test_tampered_or_malformed_tokens),
      cmocka_unit_test(test_times_and_claims),
      cmocka_unit_test(test_event_signatures),
      cmocka_unit_test(test_secrets_and_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
