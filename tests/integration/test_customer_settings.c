/* The customer page's settings (services/customer/settings/): defaults until first saved, a
 * whole valid document saved and read back, every kind of invalid member answered at once, who
 * may see and change them (insurer level 6 and API clients; not level 3, not a partner's admin,
 * not another portal's admin), If-Match (428/412), a case's override and the effective result,
 * and the preview with its contrast warnings.
 *
 * Fixtures: the world of tl_world.h; calls go to the customer service directly (CUSTOMER_URL)
 * once its replica of the policy facts has caught up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tl_customer.h"

static struct tl_world w;
static char case_a[37], case_b[37]; /* cases of portal A the customer service knows */
static char logo_id[37];            /* a logo portal A uploaded */

/* A 300 x 80 PNG (its header: the size is all the service reads) and something that is not. */
static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0,    0, 0, 13,
                                    'I',  'H', 'D', 'R', 0,    0,    1,    0x2C, 0,    0, 0, 0x50,
                                    8,    6,   0,   0,   0,    0x3B, 0x6D, 0x47, 0xFA, 0, 0, 0,
                                    0,    'I', 'E', 'N', 'D',  0xAE, 0x42, 0x60, 0x82};

#define BOUNDARY "claimsuite-logo-boundary-41c2"

/* POSTs one file (data, n) named name as the form field "file" to the logo path as token. */
static long upload_logo(const char *token, const char *name, const void *data, size_t n,
                        struct tl_response *r) {
  char url[256], auth[2048], head[256];
  const char *tail = "\r\n--" BOUNDARY "--\r\n";
  int h = snprintf(head, sizeof(head),
                   "--" BOUNDARY
                   "\r\nContent-Disposition: form-data; name=\"file\";"
                   " filename=\"%s\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                   name);
  size_t len = (size_t)h + n + strlen(tail);
  char *body = malloc(len);
  memcpy(body, head, (size_t)h);
  memcpy(body + h, data, n);
  memcpy(body + h + n, tail, strlen(tail));
  snprintf(url, sizeof(url), "%s/v1/customer/settings/logo", tl_env("CUSTOMER_URL"));
  snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
  const char *headers[] = {auth, "Content-Type: multipart/form-data; boundary=" BOUNDARY, NULL};
  if (tl_http("POST", url, headers, body, len, 60000, r) != 0) fail_msg("no answer to the form");
  free(body);
  return r->status;
}

static long call(const char *method, const char *path, const char *token, const char *body,
                 const char *extra_header, struct tl_response *r) {
  return tl_customer_call(method, path, token, body, extra_header, r);
}

/* A whole valid document unlike the defaults. New reference. */
static json_t *full_doc(void) {
  return json_pack(
      "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:i, s:s, s:s, s:s,"
      " s:[s, s, s], s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:s, s:s}",
      "page_background_color", "#fafafa", "menu_background_color", "#003366",
      "selected_menu_background_color", "#ffcc00", "font_color", "#111111", "selected_font_color",
      "#000000", "heading_font_color", "#003366", "logo", "custom", "logo_ref", logo_id,
      "sms_security_code", 1, "access", "all_contacts", "customer_type", "private", "link_sending",
      "inspector_assigned", "visible_days_after_closing", 60, "case_budget",
      "positive_compensation_decision", "dashboard", "always", "news_feed_title",
      "inspector_assigned", "news_filter", "document_shared", "call_history", "case_reopened",
      "show_plan", 0, "rebuild_plan_tab", "never", "messages_tab", "case_created",
      "messages_direction", "to_customer_only", "reports_tab", "inspector_assigned",
      "inspection_report_sharing", "always", "settlement_report_sharing",
      "positive_compensation_decision", "show_case_handler", 1, "show_case_handler_mobile", 1,
      "show_partner_contact", 1, "more_information_contact",
      "Ring 0771-123 456 om koden inte kommer fram.", "language", "sv");
}

static char *dump(const json_t *doc) { return json_dumps(doc, JSON_COMPACT); }

/* The ETag of the portal's settings as token sees them (expects 200). New string. */
static char *etag_of(const char *path, const char *token) {
  struct tl_response r;
  call("GET", path, token, NULL, NULL, &r);
  tl_expect(&r, 200);
  char *etag = tl_header(&r, "ETag");
  assert_non_null(etag);
  tl_response_free(&r);
  return etag;
}

/* PUT path with doc as token, If-Match the current ETag (none when never saved). */
static long put_current(const char *path, const char *token, const json_t *doc,
                        struct tl_response *r) {
  char *etag = etag_of(path, token), header[96], *body = dump(doc);
  snprintf(header, sizeof(header), "If-Match: %s", etag);
  long status = call("PUT", path, token, body, header, r);
  free(body);
  free(etag);
  return status;
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_defaults_until_saved(void **state) {
  (void)state;
  struct tl_response r;
  call("GET", "/v1/customer/settings", w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_header(&r, "ETag", "\"0\"");
  assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 0);
  assert_true(json_is_false(json_object_get(r.json, "customized")));
  assert_true(json_is_null(json_object_get(r.json, "updated_at")));
  tl_assert_str(r.json, "portal_id", w.portal_a);
  /* the guide's screens: SMS code off, the contact person only, all customer types, the link
   * manually, 30 days, budget never, call history and new tasks in the news */
  assert_true(json_is_false(json_object_get(r.json, "sms_security_code")));
  tl_assert_str(r.json, "access", "contact_person");
  tl_assert_str(r.json, "customer_type", "all");
  tl_assert_str(r.json, "link_sending", "manual");
  assert_int_equal(json_integer_value(json_object_get(r.json, "visible_days_after_closing")), 30);
  tl_assert_str(r.json, "case_budget", "never");
  tl_assert_str(r.json, "dashboard", "always");
  tl_assert_str(r.json, "news_feed_title", "case_created");
  assert_string_equal(tl_joined(json_object_get(r.json, "news_filter")),
                      "call_history,new_tasks_added");
  assert_true(json_is_true(json_object_get(r.json, "show_plan")));
  tl_assert_str(r.json, "messages_direction", "both");
  tl_assert_str(r.json, "inspection_report_sharing", "case_created");
  tl_assert_str(r.json, "settlement_report_sharing", "never");
  tl_assert_str(r.json, "logo", "company_default");
  assert_true(json_is_null(json_object_get(r.json, "logo_ref")));
  tl_assert_str(r.json, "page_background_color", "#ffffff");
  tl_assert_str(r.json, "more_information_contact", "");
  tl_response_free(&r);
  /* the portal's API client sees the same */
  call("GET", "/v1/customer/settings", w.client_a_token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "access", "contact_person");
  tl_response_free(&r);
}

static void test_only_level_6_and_clients(void **state) {
  (void)state;
  struct tl_response r;
  const char *paths[] = {"/v1/customer/settings", "/v1/customer/settings/preview"};
  const char *tokens[] = {w.ia_handler.token, w.p_admin.token, w.p_worker.token};
  const char *body = "{}";
  for (size_t i = 0; i < 2; i++) {
    for (size_t j = 0; j < 3; j++) {
      call("GET", paths[i], tokens[j], NULL, NULL, &r);
      tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
      tl_response_free(&r);
    }
    call("GET", paths[i], NULL, NULL, NULL, &r);
    tl_assert_problem(&r, 401, NULL);
    tl_response_free(&r);
  }
  call("PUT", paths[0], w.ia_handler.token, body, NULL, &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
  call("PUT", paths[0], w.p_admin.token, body, NULL, &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
}

/* A case's override: the insurer's users and clients of its portal, not its partners, not
 * another portal, and only for a case the customer service knows (404, nothing said). */
static void test_case_override_who(void **state) {
  (void)state;
  struct tl_response r;
  char path[160];
  snprintf(path, sizeof(path), "/v1/customer/cases/%s/settings", case_a);
  const char *allowed[] = {w.ia_handler.token, w.ia_admin.token, w.client_a_token};
  for (size_t i = 0; i < 3; i++) {
    call("GET", path, allowed[i], NULL, NULL, &r);
    tl_expect(&r, 200);
    tl_response_free(&r);
  }
  const char *refused[] = {w.p_admin.token, w.p_worker.token};
  for (size_t i = 0; i < 2; i++) {
    call("GET", path, refused[i], NULL, NULL, &r);
    tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
    tl_response_free(&r);
    call("PUT", path, refused[i], "{\"messages_tab\": \"never\"}", NULL, &r);
    tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
    tl_response_free(&r);
  }
  char *in_b = tl_world_token_in(&w, &w.ia_admin, w.portal_b);
  call("GET", path, in_b, NULL, NULL, &r);
  assert_true(r.status == 401 || r.status == 404);
  tl_response_free(&r);
  free(in_b);
  call("GET", "/v1/customer/cases/6a1f9b52-8c8e-4c55-9f1e-1d2c3b4a5f60/settings", w.ia_admin.token,
       NULL, NULL, &r);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_response_free(&r);
  /* nothing was written by the refused PUTs */
  char *n = tl_sql("SELECT count(*)::text FROM customer.case_settings WHERE case_id = $1::uuid", 1,
                   (const char *[]){case_a});
  assert_string_equal(n, "0");
  free(n);
}

static void test_every_invalid_member_at_once(void **state) {
  (void)state;
  struct tl_response r;
  json_t *doc = full_doc();
  char long_text[2100];
  memset(long_text, 'x', sizeof(long_text) - 1);
  long_text[sizeof(long_text) - 1] = '\0';
  json_object_set_new(doc, "font_color", json_string("red"));
  json_object_set_new(doc, "page_background_color", json_integer(12));
  json_object_set_new(doc, "access", json_string("everyone"));
  json_object_set_new(doc, "visible_days_after_closing", json_integer(-1));
  json_object_set_new(doc, "news_filter",
                      json_pack("[s, s, s, i]", "weather", "call_history", "call_history", 7));
  json_object_set_new(doc, "colour", json_string("#000000"));
  json_object_del(doc, "heading_font_color");
  json_object_set_new(doc, "more_information_contact", json_string(long_text));
  json_object_set_new(doc, "case_budget", json_string("sometimes"));
  json_object_set_new(doc, "sms_security_code", json_string("yes"));
  json_object_set_new(doc, "logo_ref", json_integer(3));
  char *body = dump(doc);
  call("PUT", "/v1/customer/settings", w.ia_admin.token, body, NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "font_color", "format");
  tl_assert_field_code(&r, "page_background_color", "wrong_type");
  tl_assert_field_code(&r, "access", "not_allowed");
  tl_assert_field_code(&r, "visible_days_after_closing", "out_of_range");
  tl_assert_field_code(&r, "news_filter/0", "not_allowed");
  tl_assert_field_code(&r, "news_filter/2", "invalid");
  tl_assert_field_code(&r, "news_filter/3", "wrong_type");
  tl_assert_field_code(&r, "colour", "unknown_field");
  tl_assert_field_code(&r, "heading_font_color", "required");
  tl_assert_field_code(&r, "more_information_contact", "too_long");
  tl_assert_field_code(&r, "case_budget", "not_allowed");
  tl_assert_field_code(&r, "sms_security_code", "wrong_type");
  tl_assert_field_code(&r, "logo_ref", "wrong_type");
  assert_int_equal(json_array_size(json_object_get(r.json, "errors")), 13);
  tl_response_free(&r);
  free(body);
  json_decref(doc);

  /* the rules between members, all at once too */
  doc = full_doc();
  json_object_set_new(doc, "show_case_handler", json_false());
  json_object_set_new(doc, "logo_ref", json_null());
  json_object_set_new(doc, "reports_tab", json_string("never"));
  body = dump(doc);
  call("PUT", "/v1/customer/settings", w.ia_admin.token, body, NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "show_case_handler_mobile", "invalid");
  tl_assert_field_code(&r, "logo_ref", "required");
  tl_assert_field_code(&r, "inspection_report_sharing", "invalid");
  tl_assert_field_code(&r, "settlement_report_sharing", "invalid");
  assert_int_equal(json_array_size(json_object_get(r.json, "errors")), 4);
  tl_response_free(&r);
  free(body);
  json_decref(doc);

  /* nothing was stored */
  call("GET", "/v1/customer/settings", w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 0);
  tl_response_free(&r);
}

static void test_whole_document_saved_and_read(void **state) {
  (void)state;
  struct tl_response r;
  json_t *doc = full_doc();
  char *body = dump(doc);
  /* never saved: the first PUT needs no If-Match, but one naming another version is 412 */
  call("PUT", "/v1/customer/settings", w.ia_admin.token, body, "If-Match: \"4\"", &r);
  tl_assert_problem(&r, 412, "urn:claimsuite:problem:precondition-failed");
  tl_response_free(&r);
  call("PUT", "/v1/customer/settings", w.ia_admin.token, body, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_header(&r, "ETag", "\"1\"");
  assert_true(json_is_true(json_object_get(r.json, "customized")));
  tl_response_free(&r);

  call("GET", "/v1/customer/settings", w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_header(&r, "ETag", "\"1\"");
  const char *key;
  json_t *v;
  json_object_foreach(doc, key, v) {
    if (!json_equal(v, json_object_get(r.json, key))) fail_msg("%s differs", key);
  }
  assert_non_null(tl_str(r.json, "updated_at"));
  json_t *got = json_incref(r.json);
  tl_response_free(&r);

  /* the change went out as an event with the whole document */
  const char *params[] = {w.portal_a};
  assert_int_equal(tl_sql_long("SELECT count(*) FROM customer.outbox WHERE type = "
                               "'customer_settings.updated' AND aggregate_id = $1 AND "
                               "data->'settings'->>'access' = 'all_contacts'",
                               1, params),
                   1);

  /* saved: If-Match is required, and must be the current version */
  call("PUT", "/v1/customer/settings", w.ia_admin.token, body, NULL, &r);
  tl_assert_problem(&r, 428, "urn:claimsuite:problem:precondition-required");
  tl_response_free(&r);
  call("PUT", "/v1/customer/settings", w.ia_admin.token, body, "If-Match: \"0\"", &r);
  tl_assert_problem(&r, 412, "urn:claimsuite:problem:precondition-failed");
  tl_response_free(&r);
  /* what GET answered goes back as it is (its read-only members are ignored) */
  json_object_set_new(got, "visible_days_after_closing", json_integer(14));
  free(body);
  body = dump(got);
  call("PUT", "/v1/customer/settings", w.client_a_token, body, "If-Match: \"1\"", &r);
  tl_expect(&r, 200);
  tl_assert_header(&r, "ETag", "\"2\"");
  assert_int_equal(json_integer_value(json_object_get(r.json, "visible_days_after_closing")), 14);
  tl_response_free(&r);
  json_decref(got);
  free(body);
  json_decref(doc);
}

static void test_another_portal_sees_its_own(void **state) {
  (void)state;
  struct tl_response r;
  call("GET", "/v1/customer/settings", w.ib_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "portal_id", w.portal_b);
  assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 0);
  tl_assert_str(r.json, "access", "contact_person");
  tl_response_free(&r);
  /* portal A's admin token used in portal B is not portal B's admin */
  char *in_b = tl_world_token_in(&w, &w.ia_admin, w.portal_b);
  call("GET", "/v1/customer/settings", in_b, NULL, NULL, &r);
  assert_true(r.status == 401 || r.status == 403);
  tl_response_free(&r);
  free(in_b);
}

static void test_case_override_and_effective(void **state) {
  (void)state;
  struct tl_response r;
  char path[160];
  snprintf(path, sizeof(path), "/v1/customer/cases/%s/settings", case_a);
  call("GET", path, w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_header(&r, "ETag", "\"0\"");
  assert_int_equal(json_object_size(json_object_get(r.json, "override")), 0);
  tl_assert_str(json_object_get(r.json, "effective"), "access", "all_contacts");
  tl_response_free(&r);

  /* every member of an override is checked as the portal's are, unknown ones refused */
  call("PUT", path, w.ia_admin.token, "{\"case_budget\": \"soon\", \"logo\": 1, \"x\": true}", NULL,
       &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "case_budget", "not_allowed");
  tl_assert_field_code(&r, "logo", "wrong_type");
  tl_assert_field_code(&r, "x", "unknown_field");
  tl_response_free(&r);
  /* ... and the rules on the document it makes with the portal's (mobile shown there) */
  call("PUT", path, w.ia_admin.token, "{\"show_case_handler\": false}", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "show_case_handler_mobile", "invalid");
  tl_response_free(&r);

  call("PUT", path, w.ia_admin.token,
       "{\"link_sending\": \"manual\", \"case_budget\": \"always\", \"font_color\": \"#000000\"}",
       NULL, &r);
  tl_expect(&r, 200);
  tl_assert_header(&r, "ETag", "\"1\"");
  tl_response_free(&r);
  call("GET", path, w.client_a_token, NULL, NULL, &r);
  tl_expect(&r, 200);
  json_t *override = json_object_get(r.json, "override");
  json_t *effective = json_object_get(r.json, "effective");
  assert_int_equal(json_object_size(override), 3);
  tl_assert_str(override, "case_budget", "always");
  tl_assert_str(effective, "case_budget", "always");
  tl_assert_str(effective, "link_sending", "manual");
  tl_assert_str(effective, "font_color", "#000000");
  tl_assert_str(effective, "access", "all_contacts"); /* the portal's */
  tl_assert_str(json_object_get(r.json, "portal"), "case_budget", "positive_compensation_decision");
  tl_assert_str(r.json, "case_id", case_a);
  tl_response_free(&r);

  const char *params[] = {case_a};
  assert_int_equal(tl_sql_long("SELECT count(*) FROM customer.outbox WHERE type = "
                               "'customer_case_settings.updated' AND aggregate_id = $1",
                               1, params),
                   1);

  /* saved: If-Match required */
  call("PUT", path, w.ia_admin.token, "{}", NULL, &r);
  tl_assert_problem(&r, 428, "urn:claimsuite:problem:precondition-required");
  tl_response_free(&r);
  /* another portal's admin does not reach portal A's case (not even that it exists) */
  call("GET", path, w.ib_admin.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_response_free(&r);
  /* an id that cannot be a case names none */
  call("GET", "/v1/customer/cases/not-a-case/settings", w.ia_admin.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
  /* an empty override gives the portal's settings back */
  json_t *empty = json_object();
  put_current(path, w.ia_admin.token, empty, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_object_size(json_object_get(r.json, "override")), 0);
  tl_assert_str(json_object_get(r.json, "effective"), "case_budget",
                "positive_compensation_decision");
  tl_response_free(&r);
  json_decref(empty);
}

static void test_preview_and_contrast(void **state) {
  (void)state;
  struct tl_response r;
  /* the saved document: yellow menu under black text passes; every pair passes */
  call("GET", "/v1/customer/settings/preview", w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  json_t *p = r.json;
  assert_int_equal(json_array_size(json_object_get(p, "contrast")), 1);
  /* #111111 on the #003366 menu is too dark on dark */
  json_t *warn = json_array_get(json_object_get(p, "contrast"), 0);
  tl_assert_str(warn, "text", "font_color");
  tl_assert_str(warn, "background", "menu_background_color");
  assert_true(json_real_value(json_object_get(warn, "ratio")) < 4.5);
  json_t *logo = json_object_get(json_object_get(p, "appearance"), "logo");
  tl_assert_str(logo, "source", "custom");
  tl_assert_str(logo, "ref", logo_id);
  assert_int_equal(json_integer_value(json_object_get(logo, "height_px")), 40);
  /* tabs: the rebuild plan is never shown; messages go to the customer only */
  json_t *tabs = json_object_get(p, "tabs"), *tab;
  size_t i;
  char names[256] = "";
  json_array_foreach(tabs, i, tab) {
    strcat(names, tl_str(tab, "tab"));
    strcat(names, ",");
    if (!strcmp(tl_str(tab, "tab"), "messages"))
      tl_assert_str(tab, "direction", "to_customer_only");
  }
  assert_string_equal(names, "dashboard,messages,documents,case_budget,");
  json_t *feed = json_object_get(json_object_get(p, "dashboard"), "news_feed");
  tl_assert_str(feed, "from", "inspector_assigned");
  /* in the guide's order, not the order saved */
  assert_string_equal(tl_joined(json_object_get(feed, "kinds")),
                      "call_history,case_reopened,document_shared");
  json_t *contact = json_object_get(p, "contact");
  assert_true(json_is_true(json_object_get(contact, "case_handler_mobile")));
  tl_assert_str(contact, "more_information", "Ring 0771-123 456 om koden inte kommer fram.");
  tl_response_free(&r);

  /* pale grey text on white: every pair on the page background warns */
  call("GET", "/v1/customer/settings", w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  json_t *doc = json_incref(r.json);
  tl_response_free(&r);
  json_object_set_new(doc, "page_background_color", json_string("#ffffff"));
  json_object_set_new(doc, "font_color", json_string("#aaaaaa"));
  json_object_set_new(doc, "heading_font_color", json_string("#777777"));
  json_object_set_new(doc, "menu_background_color", json_string("#ffffff"));
  put_current("/v1/customer/settings", w.ia_admin.token, doc, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  json_decref(doc);
  call("GET", "/v1/customer/settings/preview", w.client_a_token, NULL, NULL, &r);
  tl_expect(&r, 200);
  json_t *contrast = json_object_get(r.json, "contrast");
  assert_int_equal(json_array_size(contrast), 3);
  tl_assert_str(json_array_get(contrast, 0), "text", "font_color");
  tl_assert_str(json_array_get(contrast, 0), "background", "page_background_color");
  tl_assert_str(json_array_get(contrast, 1), "text", "heading_font_color");
  assert_true(json_real_value(json_object_get(json_array_get(contrast, 1), "ratio")) >= 4.47);
  tl_response_free(&r);

  /* a case's preview is of its effective settings */
  char path[160], preview[200];
  snprintf(path, sizeof(path), "/v1/customer/cases/%s/settings", case_b);
  snprintf(preview, sizeof(preview), "/v1/customer/settings/preview?case_id=%s", case_b);
  call("PUT", path, w.ia_admin.token,
       "{\"font_color\": \"#000000\", \"messages_tab\": \"never\", \"dashboard\": \"never\"}", NULL,
       &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  call("GET", preview, w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "contrast")), 1); /* heading only */
  assert_true(json_is_null(json_object_get(r.json, "dashboard")));
  names[0] = '\0';
  json_array_foreach(json_object_get(r.json, "tabs"), i, tab) {
    strcat(names, tl_str(tab, "tab"));
    strcat(names, ",");
  }
  assert_string_equal(names, "documents,case_budget,");
  tl_response_free(&r);
  call("GET", "/v1/customer/settings/preview?case_id=nope", w.ia_admin.token, NULL, NULL, &r);
  tl_assert_problem(&r, 400, "urn:claimsuite:problem:invalid-parameter");
  tl_assert_field_code(&r, "case_id", "format");
  tl_response_free(&r);
}

/* 1 once the customer service's read model has the case (it follows the cases events). */
static int case_known(void *arg) {
  char *one = tl_sql("SELECT 1 FROM customer.cases WHERE case_id = $1::uuid", 1,
                     (const char *[]){(const char *)arg});
  free(one);
  return one != NULL;
}

/* The logo: an image judged by its content, stored with its size, shown 40 px high; only the
 * portal's admins upload it; a custom logo must be one of the portal's. */
static void test_logo_upload(void **state) {
  (void)state;
  struct tl_response r;
  char path[160];
  upload_logo(w.client_a_token, "logo.png", png, sizeof(png), &r);
  tl_expect(&r, 201);
  assert_int_equal(json_integer_value(json_object_get(r.json, "width")), 300);
  assert_int_equal(json_integer_value(json_object_get(r.json, "height")), 80);
  assert_int_equal(json_integer_value(json_object_get(r.json, "display_height")), 40);
  assert_int_equal(json_integer_value(json_object_get(r.json, "display_width")), 150);
  tl_assert_str(r.json, "media_type", "image/png");
  assert_null(json_object_get(r.json, "sha256"));
  char *location = tl_header(&r, "Location");
  snprintf(path, sizeof(path), "%s", location);
  free(location);
  tl_response_free(&r);
  /* the admin sees the image back, as sent */
  call("GET", path, w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(r.body_len, sizeof(png));
  assert_memory_equal(r.body, png, sizeof(png));
  tl_response_free(&r);
  call("GET", path, w.ia_handler.token, NULL, NULL, &r);
  tl_assert_problem(&r, 403, NULL);
  tl_response_free(&r);
  /* a script named .png is no image; a large image is refused; not every user uploads */
  const char svg[] = "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
  upload_logo(w.ia_admin.token, "logo.png", svg, sizeof(svg) - 1, &r);
  tl_assert_problem(&r, 415, NULL);
  tl_response_free(&r);
  size_t big = 1024 * 1024 + 1;
  unsigned char *huge = calloc(1, big);
  memcpy(huge, png, sizeof(png));
  upload_logo(w.ia_admin.token, "big.png", huge, big, &r);
  tl_assert_problem(&r, 413, NULL);
  tl_response_free(&r);
  free(huge);
  upload_logo(w.ia_handler.token, "logo.png", png, sizeof(png), &r);
  tl_assert_problem(&r, 403, NULL);
  tl_response_free(&r);
  upload_logo(w.p_admin.token, "logo.png", png, sizeof(png), &r);
  tl_assert_problem(&r, 403, NULL);
  tl_response_free(&r);
  /* another portal's logo, or one never uploaded, cannot be the page's */
  char *in_b = tl_world_token_in(&w, &w.ib_admin, w.portal_b);
  call("GET", path, in_b, NULL, NULL, &r);
  assert_true(r.status == 401 || r.status == 404);
  tl_response_free(&r);
  free(in_b);
  char override[160];
  snprintf(override, sizeof(override), "/v1/customer/cases/%s/settings", case_a);
  json_t *doc =
      json_pack("{s:s, s:s}", "logo", "custom", "logo_ref", "0c0ffee0-0000-4000-8000-000000000000");
  put_current(override, w.ia_admin.token, doc, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "logo_ref", "invalid");
  tl_response_free(&r);
  json_object_set_new(doc, "logo_ref", json_string(logo_id));
  put_current(override, w.ia_admin.token, doc, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  json_decref(doc);
}

static int setup(void **state) {
  (void)state;
  tl_world_create(&w);
  tl_world_case(&w, 0, 0, case_a);
  tl_world_case(&w, 0, 0, case_b);
  if (!tl_wait(case_known, case_a, 10000) || !tl_wait(case_known, case_b, 10000)) return -1;
  tl_customer_sync();
  struct tl_response r;
  upload_logo(w.ia_admin.token, "acme.png", png, sizeof(png), &r);
  tl_expect(&r, 201);
  snprintf(logo_id, sizeof(logo_id), "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tl_world_free(&w);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults_until_saved),
      cmocka_unit_test(test_only_level_6_and_clients),
      cmocka_unit_test(test_case_override_who),
      cmocka_unit_test(test_every_invalid_member_at_once),
      cmocka_unit_test(test_whole_document_saved_and_read),
      cmocka_unit_test(test_another_portal_sees_its_own),
      cmocka_unit_test(test_case_override_and_effective),
      cmocka_unit_test(test_logo_upload),
      cmocka_unit_test(test_preview_and_contrast),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
