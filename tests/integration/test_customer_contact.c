/* The customer contact of a case against the running stack (services/customer/contact/): case
 * documents shared with the customer by hand (news entries for sharing and unsharing, each
 * once) and automatically as the case's settings say (never again after an unsharing by hand,
 * and no longer once the document is deleted in the cases service); the messages both ways,
 * with text and files (read back from the blob store), newest first and paged, the direction
 * setting, the messages tab's "when", "mark all as read", the case handler's inbox notice and
 * the customer_contact.changed event the cases service counts; and every refusal: the wrong
 * user, the other portal, the bad body, the oversized and the wrong-typed file.
 *
 * Fixtures: the world of tl_world.h; cases are made through the cases API, and the customer
 * service's read model is waited for; the customer's session comes from an access link granted
 * by hand (services/customer/access/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "tl_customer.h"

#define PROBLEM(slug) "urn:claimsuite:problem:" slug
#define BOUNDARY "claimsuite-contact-boundary-51c9"
#define MAX_FILE (30L * 1024 * 1024)

static struct tl_world w;

static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0,    0, 0, 13,
                                    'I',  'H', 'D', 'R', 0,    0,    0,    1,    0,    0, 0, 1,
                                    8,    2,   0,   0,   0,    0x90, 0x77, 0x53, 0xde, 0, 0, 0,
                                    0,    'I', 'E', 'N', 'D',  0xae, 0x42, 0x60, 0x82};

/* ---- calls -------------------------------------------------------------------------------- */

static long customer(const char *method, const char *path, const char *token, const char *body,
                     const char *extra, struct tl_response *r) {
  return tl_call(tl_env("CUSTOMER_URL"), method, path, token, body, extra, r);
}

/* One part of a multipart form: a field (filename NULL) or a file; data NULL: left out. */
struct part {
  const char *name, *filename;
  const void *data;
  size_t n;
};

static struct part field(const char *name, const char *value) {
  return (struct part){name, NULL, value, value != NULL ? strlen(value) : 0};
}

/* The multipart body of parts. New buffer, its length in *len. */
static char *form_of(const struct part *parts, size_t nparts, size_t *len) {
  size_t cap = 1024, k = 0;
  for (size_t i = 0; i < nparts; i++) cap += parts[i].n + 256;
  char *b = malloc(cap);
  for (size_t i = 0; i < nparts; i++) {
    const struct part *p = &parts[i];
    if (p->data == NULL) continue;
    k += (size_t)snprintf(b + k, cap - k,
                          "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"%s\"", p->name);
    if (p->filename != NULL)
      k += (size_t)snprintf(b + k, cap - k,
                            "; filename=\"%s\"\r\nContent-Type: application/octet-stream",
                            p->filename);
    k += (size_t)snprintf(b + k, cap - k, "\r\n\r\n");
    memcpy(b + k, p->data, p->n);
    k += p->n;
    k += (size_t)snprintf(b + k, cap - k, "\r\n");
  }
  k += (size_t)snprintf(b + k, cap - k, "--" BOUNDARY "--\r\n");
  *len = k;
  return b;
}

/* POSTs parts to base+path with one header line (a bearer token's or a cookie's): the status. */
static long post_form(const char *base, const char *path, const char *header,
                      const struct part *parts, size_t nparts, struct tl_response *r) {
  char url[300];
  size_t len;
  char *body = form_of(parts, nparts, &len);
  snprintf(url, sizeof(url), "%s%s", base, path);
  const char *headers[] = {header, "Content-Type: multipart/form-data; boundary=" BOUNDARY, NULL};
  if (tl_http("POST", url, headers, body, len, 120000, r) != 0) fail_msg("no answer to the form");
  free(body);
  return r->status;
}

static const char *bearer(const char *token) {
  static char h[2048];
  snprintf(h, sizeof(h), "Authorization: Bearer %s", token);
  return h;
}

/* ---- waiting on the read model ------------------------------------------------------------ */

struct row_wait {
  const char *query, *a, *b;
  int present; /* wait for the row to be there (1) or gone (0) */
};

static int row_state(void *arg) {
  const struct row_wait *d = arg;
  char *v = tl_sql(d->query, d->b != NULL ? 2 : 1, (const char *[]){d->a, d->b});
  free(v);
  return (v != NULL) == d->present;
}

/* Waits (10 s at most) until query with parameters a (and b unless NULL) answers a row
 * (present 1) or none (present 0). */
static void wait_row(const char *query, const char *a, const char *b, int present) {
  struct row_wait d = {query, a, b, present};
  if (!tl_wait(row_state, &d, 10000))
    fail_msg("not %s in time: %s", present ? "seen" : "gone", query);
}

static long count_of(const char *query, const char *a, const char *b) {
  return tl_sql_long(query, b != NULL ? 2 : 1, (const char *[]){a, b});
}

static long news_of(const char *case_id, const char *kind) {
  return count_of("SELECT count(*) FROM customer.news WHERE case_id = $1::uuid AND kind = $2",
                  case_id, kind);
}

static int shared(const char *case_id, const char *doc_id) {
  return count_of(
             "SELECT count(*) FROM customer.shares WHERE case_id = $1::uuid"
             " AND document_id = $2::uuid",
             case_id, doc_id) == 1;
}

/* ---- fixtures ----------------------------------------------------------------------------- */

/* A case the customer service knows (tl_customer.h); its claim number into claim (64 bytes)
 * and the policyholder's phone into phone (24 bytes) unless NULL. */
static void contact_case(char id[37], char *claim, char *phone) {
  char tel[24];
  tl_customer_case(&w, id, tel, claim);
  if (phone != NULL) snprintf(phone, 24, "%s", tel);
}

/* Uploads a document of type to case_id through the cases API and waits until the customer
 * service knows it; its id into doc_id. */
static void add_document(const char *case_id, const char *type, const char *title,
                         char doc_id[37]) {
  char path[160];
  struct tl_response r;
  const struct part parts[] = {
      field("type", type), field("title", title), {"file", "report.png", png, sizeof(png)}};
  snprintf(path, sizeof(path), "/v1/cases/%s/documents", case_id);
  tl_replica_sync();
  post_form(tl_env("CASES_URL"), path, bearer(w.ia_handler.token), parts, 3, &r);
  tl_expect(&r, 201);
  snprintf(doc_id, 37, "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
  wait_row("SELECT 1 FROM customer.case_documents WHERE document_id = $1::uuid", doc_id, NULL, 1);
}

static void put_override(const char *case_id, const char *body) {
  char path[160];
  struct tl_response r;
  snprintf(path, sizeof(path), "/v1/customer/cases/%s/settings", case_id);
  customer("GET", path, w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  char *etag = tl_header(&r, "ETag"), if_match[64];
  snprintf(if_match, sizeof(if_match), "If-Match: %s", etag);
  free(etag);
  tl_response_free(&r);
  customer("PUT", path, w.ia_admin.token, body, if_match, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
}

static long shares_call(const char *method, const char *case_id, const char *sub, const char *token,
                        const char *body, struct tl_response *r) {
  char path[200];
  snprintf(path, sizeof(path), "/v1/customer/cases/%s/shares%s", case_id, sub);
  return customer(method, path, token, body, NULL, r);
}

static long messages_call(const char *method, const char *case_id, const char *sub,
                          const char *token, const char *body, struct tl_response *r) {
  char path[240];
  snprintf(path, sizeof(path), "/v1/customer/cases/%s/messages%s", case_id, sub);
  return customer(method, path, token, body, NULL, r);
}

/* POSTs a message form to the staff's route as token. */
static long staff_form(const char *case_id, const char *token, const struct part *parts, size_t n,
                       struct tl_response *r) {
  char path[160];
  snprintf(path, sizeof(path), "/v1/customer/cases/%s/messages", case_id);
  return post_form(tl_env("CUSTOMER_URL"), path, bearer(token), parts, n, r);
}

static long portal_call(const char *method, const char *path, const char *cookie, const char *body,
                        struct tl_response *r) {
  return customer(method, path, NULL, body, cookie, r);
}

/* The data of the newest customer_contact.changed event of case_id (new), NULL: none. */
static json_t *last_contact_event(const char *case_id) {
  char *data = tl_sql(
      "SELECT data::text FROM customer.outbox WHERE type = 'customer_contact.changed'"
      " AND aggregate_id = $1 ORDER BY pos DESC LIMIT 1",
      1, (const char *[]){case_id});
  json_t *j = data != NULL ? json_loads(data, 0, NULL) : NULL;
  free(data);
  return j;
}

/* ---- sharing ------------------------------------------------------------------------------ */

static void test_share_by_hand(void **state) {
  (void)state;
  char case_id[37], other_case[37], doc[37], foreign_doc[37], body[400];
  struct tl_response r;
  contact_case(case_id, NULL, NULL);
  contact_case(other_case, NULL, NULL);
  add_document(case_id, "other", "Fotos af skaden", doc);
  add_document(other_case, "other", "Another case's photo", foreign_doc);
  assert_false(shared(case_id, doc)); /* "other" documents are shared by hand only */

  snprintf(body, sizeof(body), "{\"document_ids\": [\"%s\"]}", doc);
  shares_call("POST", case_id, "", w.ia_handler.token, body, &r);
  tl_expect(&r, 200);
  assert_string_equal(tl_joined(json_object_get(r.json, "shared")), doc);
  json_t *item = json_array_get(json_object_get(r.json, "items"), 0);
  tl_assert_str(item, "document_id", doc);
  tl_assert_str(item, "title", "Fotos af skaden");
  tl_assert_str(item, "type", "other");
  tl_assert_str(item, "media_type", "image/png");
  tl_assert_str(item, "shared_by", w.ia_handler.id);
  assert_true(json_is_false(json_object_get(item, "automatic")));
  tl_response_free(&r);
  assert_int_equal(news_of(case_id, "document_shared"), 1);
  assert_int_equal(count_of("SELECT count(*) FROM customer.news WHERE case_id = $1::uuid AND"
                            " kind = 'document_shared' AND params->>'title' = $2",
                            case_id, "Fotos af skaden"),
                   1);

  /* shared again: kept, no second news entry */
  shares_call("POST", case_id, "", w.client_a_token, body, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "shared")), 0);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
  tl_response_free(&r);
  assert_int_equal(news_of(case_id, "document_shared"), 1);

  shares_call("GET", case_id, "", w.ia_admin.token, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
  tl_assert_str(json_array_get(json_object_get(r.json, "items"), 0), "document_id", doc);
  assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
  tl_response_free(&r);

  /* a document of another case, and an unknown one: each named */
  snprintf(body, sizeof(body),
           "{\"document_ids\": [\"%s\", \"%s\", \"00000000-0000-4000-8000-000000000000\"]}", doc,
           foreign_doc);
  shares_call("POST", case_id, "", w.ia_handler.token, body, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "document_ids/1", "not_found");
  tl_assert_field_code(&r, "document_ids/2", "not_found");
  assert_null(tl_error_for(json_object_get(r.json, "errors"), "document_ids/0", NULL));
  tl_response_free(&r);
  assert_false(shared(case_id, foreign_doc));

  /* the body's shape */
  static const struct {
    const char *body, *field, *code;
  } bad[] = {
      {"{}", "document_ids", "required"},
      {"{\"document_ids\": []}", "document_ids", "out_of_range"},
      {"{\"document_ids\": \"x\"}", "document_ids", "wrong_type"},
      {"{\"document_ids\": [\"not-a-uuid\"]}", "document_ids/0", "format"},
      {"{\"document_ids\": [1]}", "document_ids/0", "format"},
      {"{\"document_ids\": [\"00000000-0000-4000-8000-000000000000\"], \"x\": 1}", "x",
       "unknown_field"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    shares_call("POST", case_id, "", w.ia_handler.token, bad[i].body, &r);
    tl_assert_problem(&r, 422, PROBLEM("validation"));
    tl_assert_field_code(&r, bad[i].field, bad[i].code);
    tl_response_free(&r);
  }
  /* a duplicate id, and 101 of them */
  snprintf(body, sizeof(body), "{\"document_ids\": [\"%s\", \"%s\"]}", doc, doc);
  shares_call("POST", case_id, "", w.ia_handler.token, body, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "document_ids/1", "not_unique");
  tl_response_free(&r);
  char many[6000] = "{\"document_ids\": [";
  for (int i = 0; i < 101; i++)
    snprintf(many + strlen(many), sizeof(many) - strlen(many),
             "%s\"00000000-0000-4000-8000-%012d\"", i ? ", " : "", i);
  strcat(many, "]}");
  shares_call("POST", case_id, "", w.ia_handler.token, many, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "document_ids", "out_of_range");
  tl_response_free(&r);
  shares_call("POST", case_id, "", w.ia_handler.token, "{\"document_ids\": [", &r);
  tl_assert_problem(&r, 400, NULL);
  tl_response_free(&r);

  /* the wrong user, the other portal, no token, a case id that is none */
  snprintf(body, sizeof(body), "{\"document_ids\": [\"%s\"]}", doc);
  const char *outsiders[] = {w.p_worker.token, w.ib_admin.token};
  for (size_t i = 0; i < 2; i++) {
    shares_call("GET", case_id, "", outsiders[i], NULL, &r);
    tl_assert_problem(&r, 404, PROBLEM("not-found"));
    tl_response_free(&r);
    shares_call("POST", case_id, "", outsiders[i], body, &r);
    tl_assert_problem(&r, 404, PROBLEM("not-found"));
    tl_response_free(&r);
    char sub[64];
    snprintf(sub, sizeof(sub), "/%s", doc);
    shares_call("DELETE", case_id, sub, outsiders[i], NULL, &r);
    tl_assert_problem(&r, 404, PROBLEM("not-found"));
    tl_response_free(&r);
  }
  assert_true(shared(case_id, doc));
  shares_call("GET", case_id, "", NULL, NULL, &r);
  tl_assert_problem(&r, 401, NULL);
  tl_response_free(&r);
  shares_call("GET", "not-a-case", "", w.ia_handler.token, NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);

  /* unshared by hand: gone, one news entry; unsharing again is 404 */
  char sub[64];
  snprintf(sub, sizeof(sub), "/%s", doc);
  shares_call("DELETE", case_id, sub, w.ia_handler.token, NULL, &r);
  tl_expect(&r, 204);
  tl_response_free(&r);
  assert_false(shared(case_id, doc));
  assert_int_equal(news_of(case_id, "document_sharing_ended"), 1);
  assert_int_equal(count_of("SELECT count(*) FROM customer.news WHERE case_id = $1::uuid AND"
                            " kind = 'document_sharing_ended' AND params->>'title' = $2",
                            case_id, "Fotos af skaden"),
                   1);
  shares_call("DELETE", case_id, sub, w.ia_handler.token, NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  assert_int_equal(news_of(case_id, "document_sharing_ended"), 1);
  shares_call("GET", case_id, "", w.ia_handler.token, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
  tl_response_free(&r);
}

static void test_automatic_sharing(void **state) {
  (void)state;
  char case_id[37], report[37], report2[37], settlement[37], photo[37], sub[64];
  struct tl_response r;
  contact_case(case_id, NULL, NULL);
  put_override(case_id,
               "{\"inspection_report_sharing\": \"case_created\", \"settlement_report_sharing\":"
               " \"never\"}");
  add_document(case_id, "inspection_report", "Vandskade besigtigelse", report);
  wait_row("SELECT 1 FROM customer.shares WHERE case_id = $1::uuid AND document_id = $2::uuid",
           case_id, report, 1);
  assert_int_equal(count_of("SELECT count(*) FROM customer.shares WHERE document_id = $1::uuid"
                            " AND shared_by = $2",
                            report, "automatic:inspection_report_sharing"),
                   1);
  assert_int_equal(news_of(case_id, "document_shared"), 1);
  /* the settlement report's setting is never: not shared */
  add_document(case_id, "customer_settlement_report", "Kundeopgørelse", settlement);
  assert_false(shared(case_id, settlement));
  shares_call("GET", case_id, "", w.ia_handler.token, NULL, &r);
  tl_expect(&r, 200);
  json_t *items = json_object_get(r.json, "items");
  assert_int_equal(json_array_size(items), 1);
  assert_true(json_is_true(json_object_get(json_array_get(items, 0), "automatic")));
  tl_response_free(&r);

  /* unshared by hand: a later event of the case does not share it again */
  snprintf(sub, sizeof(sub), "/%s", report);
  shares_call("DELETE", case_id, sub, w.ia_handler.token, NULL, &r);
  tl_expect(&r, 204);
  tl_response_free(&r);
  add_document(case_id, "inspection_report", "Besigtigelse, tillæg", report2);
  wait_row("SELECT 1 FROM customer.shares WHERE case_id = $1::uuid AND document_id = $2::uuid",
           case_id, report2, 1);
  assert_false(shared(case_id, report));
  assert_int_equal(news_of(case_id, "document_shared"), 2);

  /* a shared document deleted in the cases service: no longer shared, and the customer told */
  add_document(case_id, "other", "Foto", photo);
  char body[200];
  snprintf(body, sizeof(body), "{\"document_ids\": [\"%s\"]}", photo);
  shares_call("POST", case_id, "", w.ia_handler.token, body, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  long ended = news_of(case_id, "document_sharing_ended");
  char path[200];
  snprintf(path, sizeof(path), "/v1/cases/%s/documents/%s", case_id, report2);
  tl_cases("DELETE", path, w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 204);
  tl_response_free(&r);
  wait_row("SELECT 1 FROM customer.shares WHERE case_id = $1::uuid AND document_id = $2::uuid",
           case_id, report2, 0);
  assert_int_equal(news_of(case_id, "document_sharing_ended"), ended + 1);
  assert_true(shared(case_id, photo));
  shares_call("GET", case_id, "", w.ia_handler.token, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
  tl_assert_str(json_array_get(json_object_get(r.json, "items"), 0), "document_id", photo);
  tl_response_free(&r);
  /* a deleted document is not shared by hand either */
  snprintf(body, sizeof(body), "{\"document_ids\": [\"%s\"]}", report2);
  shares_call("POST", case_id, "", w.ia_handler.token, body, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "document_ids/0", "not_found");
  tl_response_free(&r);
}

/* ---- messages, the staff's side ----------------------------------------------------------- */

static void test_staff_messages(void **state) {
  (void)state;
  char case_id[37], other_case[37], sub[160];
  struct tl_response r;
  contact_case(case_id, NULL, NULL);
  contact_case(other_case, NULL, NULL);
  long news = news_of(case_id, "message_to_customer");

  messages_call("POST", case_id, "", w.ia_handler.token, "{\"text\": \"Vi kommer tirsdag.\"}", &r);
  tl_expect(&r, 201);
  char *location = tl_header(&r, "Location");
  snprintf(sub, sizeof(sub), "/v1/customer/cases/%s/messages/%s", case_id, tl_str(r.json, "id"));
  assert_string_equal(location, sub);
  free(location);
  tl_assert_str(r.json, "direction", "to_customer");
  tl_assert_str(r.json, "text", "Vi kommer tirsdag.");
  json_t *sender = json_object_get(r.json, "sender");
  tl_assert_str(sender, "kind", "staff");
  char *name = tl_sql("SELECT name FROM policy.users WHERE id = $1::uuid", 1,
                      (const char *[]){w.ia_handler.id});
  tl_assert_str(sender, "name", name);
  free(name);
  assert_true(json_is_null(json_object_get(sender, "email")));
  assert_true(json_is_null(json_object_get(r.json, "file")));
  assert_true(json_is_false(json_object_get(r.json, "unread")));
  tl_response_free(&r);
  assert_int_equal(news_of(case_id, "message_to_customer"), news + 1);

  /* text and a file: the file read back whole */
  const struct part with_file[] = {field("text", "Billede af skaden"),
                                   {"file", "skade.png", png, sizeof(png)}};
  staff_form(case_id, w.client_a_token, with_file, 2, &r);
  tl_expect(&r, 201);
  char file_message[37];
  snprintf(file_message, sizeof(file_message), "%s", tl_str(r.json, "id"));
  json_t *file = json_object_get(r.json, "file");
  tl_assert_str(file, "file_name", "skade.png");
  tl_assert_str(file, "media_type", "image/png");
  assert_int_equal(json_integer_value(json_object_get(file, "size")), sizeof(png));
  snprintf(sub, sizeof(sub), "/v1/customer/cases/%s/messages/%s/file", case_id, file_message);
  tl_assert_str(file, "download", sub);
  tl_assert_str(json_object_get(r.json, "sender"), "name", "API client");
  tl_response_free(&r);
  customer("GET", sub, w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(r.body_len, sizeof(png));
  assert_memory_equal(r.body, png, sizeof(png));
  tl_assert_header(&r, "Content-Type", "image/png");
  char *disposition = tl_header(&r, "Content-Disposition");
  assert_non_null(strstr(disposition, "skade.png"));
  free(disposition);
  tl_response_free(&r);
  /* a file alone */
  const struct part file_only[] = {{"file", "plan.png", png, sizeof(png)}};
  staff_form(case_id, w.ia_handler.token, file_only, 1, &r);
  tl_expect(&r, 201);
  tl_assert_str(r.json, "text", "");
  tl_response_free(&r);

  /* newest first, paged */
  messages_call("GET", case_id, "?limit=2", w.ia_handler.token, NULL, &r);
  tl_expect(&r, 200);
  json_t *items = json_object_get(r.json, "items");
  assert_int_equal(json_array_size(items), 2);
  tl_assert_str(json_array_get(items, 0), "text", "");
  tl_assert_str(json_array_get(items, 1), "id", file_message);
  assert_int_equal(json_integer_value(json_object_get(r.json, "unread")), 0);
  const char *cursor = tl_str(r.json, "next_cursor");
  assert_non_null(cursor);
  snprintf(sub, sizeof(sub), "?limit=2&cursor=%s", cursor);
  tl_response_free(&r);
  messages_call("GET", case_id, sub, w.ia_handler.token, NULL, &r);
  tl_expect(&r, 200);
  items = json_object_get(r.json, "items");
  assert_int_equal(json_array_size(items), 1);
  tl_assert_str(json_array_get(items, 0), "text", "Vi kommer tirsdag.");
  assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
  tl_response_free(&r);
  messages_call("GET", case_id, "?limit=0", w.ia_handler.token, NULL, &r);
  tl_assert_problem(&r, 400, PROBLEM("invalid-parameter"));
  tl_response_free(&r);
  messages_call("GET", case_id, "?cursor=bm9wZQ", w.ia_handler.token, NULL, &r);
  tl_assert_problem(&r, 400, NULL);
  tl_response_free(&r);
  /* another case's message has no file here */
  snprintf(sub, sizeof(sub), "/%s/file", file_message);
  messages_call("GET", other_case, sub, w.ia_handler.token, NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);

  /* bad bodies */
  char big[10100] = "{\"text\": \"";
  memset(big + strlen(big), 'x', 10001);
  strcpy(big + 10 + 10001, "\"}");
  static const struct {
    const char *body, *field, *code;
  } bad[] = {
      {"{}", "text", "required"},
      {"{\"text\": \"\"}", "text", "required"},
      {"{\"text\": 5}", "text", "wrong_type"},
      {"{\"text\": \"hej\", \"to\": 1}", "to", "unknown_field"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    messages_call("POST", case_id, "", w.ia_handler.token, bad[i].body, &r);
    tl_assert_problem(&r, 422, PROBLEM("validation"));
    tl_assert_field_code(&r, bad[i].field, bad[i].code);
    tl_response_free(&r);
  }
  messages_call("POST", case_id, "", w.ia_handler.token, big, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "text", "too_long");
  tl_response_free(&r);
  messages_call("POST", case_id, "", w.ia_handler.token, "{\"text\": ", &r);
  tl_assert_problem(&r, 400, NULL);
  tl_response_free(&r);
  const struct part nothing[] = {field("text", "")};
  staff_form(case_id, w.ia_handler.token, nothing, 1, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "text", "required");
  tl_response_free(&r);
  const struct part stray[] = {field("text", "hej"), field("subject", "x")};
  staff_form(case_id, w.ia_handler.token, stray, 2, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "subject", "unknown_field");
  tl_response_free(&r);
  const struct part belied[] = {{"file", "kontrakt.pdf", png, sizeof(png)}};
  staff_form(case_id, w.ia_handler.token, belied, 1, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "file", "invalid");
  tl_response_free(&r);
  const struct part two[] = {{"file", "a.png", png, sizeof(png)},
                             {"file", "b.png", png, sizeof(png)}};
  staff_form(case_id, w.ia_handler.token, two, 2, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "file", "too_long");
  tl_response_free(&r);
  const char script[] = "#!/bin/sh\necho hello\n";
  const struct part shell[] = {{"file", "run.sh", script, sizeof(script) - 1}};
  staff_form(case_id, w.ia_handler.token, shell, 1, &r);
  tl_assert_problem(&r, 415, PROBLEM("unsupported-media-type"));
  tl_response_free(&r);
  /* one byte over 30 MiB */
  char *huge = malloc(MAX_FILE + 1);
  memcpy(huge, png, sizeof(png));
  memset(huge + sizeof(png), 0, MAX_FILE + 1 - sizeof(png));
  const struct part oversized[] = {{"file", "big.png", huge, MAX_FILE + 1}};
  staff_form(case_id, w.ia_handler.token, oversized, 1, &r);
  tl_assert_problem(&r, 413, PROBLEM("body-too-large"));
  tl_response_free(&r);
  free(huge);
  /* nothing of the refused was kept: the three sent before only */
  assert_int_equal(
      count_of("SELECT count(*) FROM customer.messages WHERE case_id = $1::uuid", case_id, NULL),
      3);

  /* the wrong user, the other portal */
  const char *outsiders[] = {w.p_worker.token, w.ib_admin.token};
  for (size_t i = 0; i < 2; i++) {
    messages_call("GET", case_id, "", outsiders[i], NULL, &r);
    tl_assert_problem(&r, 404, PROBLEM("not-found"));
    tl_response_free(&r);
    messages_call("POST", case_id, "", outsiders[i], "{\"text\": \"hej\"}", &r);
    tl_assert_problem(&r, 404, PROBLEM("not-found"));
    tl_response_free(&r);
    messages_call("POST", case_id, "/read", outsiders[i], NULL, &r);
    tl_assert_problem(&r, 404, PROBLEM("not-found"));
    tl_response_free(&r);
    snprintf(sub, sizeof(sub), "/%s/file", file_message);
    messages_call("GET", case_id, sub, outsiders[i], NULL, &r);
    tl_assert_problem(&r, 404, PROBLEM("not-found"));
    tl_response_free(&r);
  }

  /* messages only from the customer: the staff are refused */
  put_override(case_id, "{\"messages_direction\": \"from_customer_only\"}");
  messages_call("POST", case_id, "", w.ia_handler.token, "{\"text\": \"hej\"}", &r);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  assert_non_null(strstr(tl_str(r.json, "detail"), "from_customer_only"));
  tl_response_free(&r);
  staff_form(case_id, w.ia_handler.token, file_only, 1, &r);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  assert_int_equal(
      count_of("SELECT count(*) FROM customer.messages WHERE case_id = $1::uuid", case_id, NULL),
      3);
  /* nothing the customer wrote: nothing to mark, no event */
  messages_call("POST", case_id, "/read", w.ia_handler.token, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_integer_value(json_object_get(r.json, "marked")), 0);
  tl_response_free(&r);
  assert_null(last_contact_event(case_id));
}

/* ---- messages both ways ------------------------------------------------------------------- */

/* A message sent again with its Idempotency-Key (a client that lost the answer) is the first
 * message again, written once; the key with another message is refused. Both sides. */
static void test_messages_idempotent(void **state) {
  (void)state;
  char case_id[37], phone[24], cookie[512], path[200], first[37], url[300];
  struct tl_response r;
  contact_case(case_id, NULL, phone);
  snprintf(path, sizeof(path), "/v1/customer/cases/%s/messages", case_id);
  const char *key = "Idempotency-Key: besked-1";
  customer("POST", path, w.ia_handler.token, "{\"text\": \"Vi kommer tirsdag.\"}", key, &r);
  tl_expect(&r, 201);
  snprintf(first, sizeof(first), "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
  customer("POST", path, w.ia_handler.token, "{\"text\": \"Vi kommer tirsdag.\"}", key, &r);
  tl_expect(&r, 201);
  tl_assert_str(r.json, "id", first);
  tl_assert_header(&r, "Idempotent-Replayed", "true");
  tl_response_free(&r);
  customer("POST", path, w.ia_handler.token, "{\"text\": \"Vi kommer onsdag.\"}", key, &r);
  tl_assert_problem(&r, 422, PROBLEM("idempotency-key-reused"));
  tl_response_free(&r);
  assert_int_equal(count_of("SELECT count(*) FROM customer.messages WHERE case_id = $1::uuid",
                            case_id, NULL),
                   1);
  /* the customer's key is the customer's own: the same key is a new message there */
  tl_customer_open_page(&w, case_id, phone, cookie);
  struct tl_response a, b;
  snprintf(url, sizeof(url), "%s/v1/customer-portal/messages", tl_env("CUSTOMER_URL"));
  const char *json_headers[] = {cookie, key, "Content-Type: application/json", NULL};
  const char *text = "{\"text\": \"Tak!\"}";
  assert_int_equal(tl_http("POST", url, json_headers, text, strlen(text), 0, &a), 0);
  assert_int_equal(tl_http("POST", url, json_headers, text, strlen(text), 0, &b), 0);
  tl_expect(&a, 201);
  tl_expect(&b, 201);
  assert_string_equal(tl_str(a.json, "id"), tl_str(b.json, "id"));
  assert_string_not_equal(tl_str(a.json, "id"), first);
  tl_response_free(&a);
  tl_response_free(&b);
  assert_int_equal(count_of("SELECT count(*) FROM customer.messages WHERE case_id = $1::uuid",
                            case_id, NULL),
                   2);
}

static void test_customer_messages(void **state) {
  (void)state;
  char case_id[37], other_case[37], claim[64], phone[24], other_phone[24], cookie[512],
      other_cookie[512], path[200];
  struct tl_response r;
  contact_case(case_id, claim, phone);
  contact_case(other_case, NULL, other_phone);
  tl_customer_open_page(&w, case_id, phone, cookie);
  tl_customer_open_page(&w, other_case, other_phone, other_cookie);

  messages_call("POST", case_id, "", w.ia_handler.token, "{\"text\": \"Velkommen\"}", &r);
  tl_expect(&r, 201);
  tl_response_free(&r);
  const struct part with_file[] = {field("text", "Tilbud"),
                                   {"file", "tilbud.png", png, sizeof(png)}};
  staff_form(case_id, w.ia_handler.token, with_file, 2, &r);
  tl_expect(&r, 201);
  char file_message[37];
  snprintf(file_message, sizeof(file_message), "%s", tl_str(r.json, "id"));
  tl_response_free(&r);

  /* the customer sees the staff's messages unread, and their file */
  portal_call("GET", "/v1/customer-portal/messages", cookie, NULL, &r);
  tl_expect(&r, 200);
  json_t *items = json_object_get(r.json, "items");
  assert_int_equal(json_array_size(items), 2);
  assert_int_equal(json_integer_value(json_object_get(r.json, "unread")), 2);
  json_t *first = json_array_get(items, 0);
  assert_true(json_is_true(json_object_get(first, "unread")));
  snprintf(path, sizeof(path), "/v1/customer-portal/messages/%s/file", file_message);
  tl_assert_str(json_object_get(first, "file"), "download", path);
  tl_response_free(&r);
  portal_call("GET", path, cookie, NULL, &r);
  tl_expect(&r, 200);
  assert_memory_equal(r.body, png, sizeof(png));
  tl_response_free(&r);
  /* another case's session sees neither */
  portal_call("GET", path, other_cookie, NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  portal_call("GET", "/v1/customer-portal/messages", other_cookie, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
  tl_response_free(&r);
  portal_call("POST", "/v1/customer-portal/messages/read", cookie, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_integer_value(json_object_get(r.json, "marked")), 2);
  tl_response_free(&r);
  portal_call("GET", "/v1/customer-portal/messages", cookie, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_integer_value(json_object_get(r.json, "unread")), 0);
  tl_response_free(&r);

  /* the customer writes: the staff see it unread, the case handler is told, the event counts */
  long notices = count_of(
      "SELECT count(*) FROM customer.notifications WHERE user_id = $1"
      " AND kind = 'customer.message'",
      w.ia_handler.id, NULL);
  portal_call("POST", "/v1/customer-portal/messages", cookie,
              "{\"text\": \"Hvornår kommer tømreren?\"}", &r);
  tl_expect(&r, 201);
  tl_assert_str(r.json, "direction", "from_customer");
  json_t *sender = json_object_get(r.json, "sender");
  tl_assert_str(sender, "kind", "customer");
  tl_assert_str(sender, "name", "Bente Larsen");
  assert_non_null(strstr(tl_str(sender, "email"), "bente-"));
  assert_true(json_is_false(json_object_get(r.json, "unread"))); /* the customer's own */
  char customer_message[37];
  snprintf(customer_message, sizeof(customer_message), "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
  messages_call("GET", case_id, "", w.ia_handler.token, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_integer_value(json_object_get(r.json, "unread")), 1);
  first = json_array_get(json_object_get(r.json, "items"), 0);
  tl_assert_str(first, "id", customer_message);
  assert_true(json_is_true(json_object_get(first, "unread")));
  tl_response_free(&r);
  assert_int_equal(count_of("SELECT count(*) FROM customer.notifications WHERE user_id = $1"
                            " AND kind = 'customer.message'",
                            w.ia_handler.id, NULL),
                   notices + 1);
  char title[200];
  snprintf(title, sizeof(title), "The customer wrote on case %s", claim);
  assert_int_equal(count_of("SELECT count(*) FROM customer.notifications WHERE user_id = $1"
                            " AND kind = 'customer.message' AND title = $2",
                            w.ia_handler.id, title),
                   1);
  json_t *event = last_contact_event(case_id);
  assert_non_null(event);
  tl_assert_str(event, "case_id", case_id);
  tl_assert_str(event, "claim_number", claim);
  assert_int_equal(json_integer_value(json_object_get(event, "unread_from_customer")), 1);
  assert_non_null(tl_str(event, "last_message_at"));
  json_decref(event);

  /* "mark all as read": the count, and the event says 0 */
  messages_call("POST", case_id, "/read", w.ia_handler.token, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_integer_value(json_object_get(r.json, "marked")), 1);
  tl_response_free(&r);
  event = last_contact_event(case_id);
  assert_int_equal(json_integer_value(json_object_get(event, "unread_from_customer")), 0);
  json_decref(event);
  messages_call("POST", case_id, "/read", w.ia_handler.token, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_integer_value(json_object_get(r.json, "marked")), 0);
  tl_response_free(&r);

  /* the customer uploads a photo: stored, and the staff download it as sent */
  const struct part photo[] = {field("text", "Billede af loftet"),
                               {"file", "loft.png", png, sizeof(png)}};
  post_form(tl_env("CUSTOMER_URL"), "/v1/customer-portal/messages", cookie, photo, 2, &r);
  tl_expect(&r, 201);
  tl_assert_str(json_object_get(r.json, "file"), "media_type", "image/png");
  char photo_message[37];
  snprintf(photo_message, sizeof(photo_message), "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
  char staff_file[200];
  snprintf(staff_file, sizeof(staff_file), "/v1/customer/cases/%s/messages/%s/file", case_id,
           photo_message);
  customer("GET", staff_file, w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(r.body_len, sizeof(png));
  assert_memory_equal(r.body, png, sizeof(png));
  tl_response_free(&r);
  /* without a session nothing is stored */
  const char *with_files = "SELECT count(*) FROM customer.messages WHERE file_sha256 IS NOT NULL";
  long files = tl_sql_long(with_files, 0, NULL);
  post_form(tl_env("CUSTOMER_URL"), "/v1/customer-portal/messages",
            "Cookie: claimsuite_customer=forged", photo, 2, &r);
  tl_assert_problem(&r, 401, NULL);
  tl_response_free(&r);
  assert_int_equal(tl_sql_long(with_files, 0, NULL), files);
  messages_call("POST", case_id, "/read", w.ia_handler.token, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);

  /* bad bodies from the customer */
  portal_call("POST", "/v1/customer-portal/messages", cookie, "{\"text\": \"\"}", &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "text", "required");
  tl_response_free(&r);

  /* messages to the customer only: the customer is refused */
  put_override(case_id, "{\"messages_direction\": \"to_customer_only\"}");
  portal_call("POST", "/v1/customer-portal/messages", cookie, "{\"text\": \"hallo?\"}", &r);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  /* no messages tab: every route is 404 */
  put_override(case_id, "{\"messages_tab\": \"never\"}");
  portal_call("GET", "/v1/customer-portal/messages", cookie, NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  portal_call("POST", "/v1/customer-portal/messages", cookie, "{\"text\": \"hallo?\"}", &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  portal_call("POST", "/v1/customer-portal/messages/read", cookie, NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  portal_call("GET", path, cookie, NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  /* no session at all, and a staff token is none */
  portal_call("GET", "/v1/customer-portal/messages", NULL, NULL, &r);
  tl_assert_problem(&r, 401, NULL);
  tl_response_free(&r);
  customer("GET", "/v1/customer-portal/messages", w.ia_admin.token, NULL, NULL, &r);
  tl_assert_problem(&r, 401, NULL);
  tl_response_free(&r);
}

static int setup(void **state) {
  (void)state;
  tl_world_create(&w);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tl_world_free(&w);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_share_by_hand),
      cmocka_unit_test(test_automatic_sharing),
      cmocka_unit_test(test_staff_messages),
      cmocka_unit_test(test_messages_idempotent),
      cmocka_unit_test(test_customer_messages),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
