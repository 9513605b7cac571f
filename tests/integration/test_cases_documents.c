/* The documents of a case against the running stack (services/cases/documents/, the blob store
 * common/blob.h, streamed uploads common/http_upload.h): a multipart upload stored under its
 * SHA-256 and read back whole, by byte range and conditionally; who sees them (the partner
 * holding a task, the external case handler always, nobody unlinked: 404); a file whose content
 * is not what its name says, a type not on the list, a missing file or type, and a file one byte
 * over the limit refused, each leaving no row and no file; a soft delete by its adder. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "tl_world.h"

#define PROBLEM(slug) "urn:claimsuite:problem:" slug
#define BOUNDARY "claimsuite-test-boundary-7f3a"

static struct tl_world w;

static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0,    0, 0, 13,
                                    'I',  'H', 'D', 'R', 0,    0,    0,    1,    0,    0, 0, 1,
                                    8,    2,   0,   0,   0,    0x90, 0x77, 0x53, 0xde, 0, 0, 0,
                                    0,    'I', 'E', 'N', 'D',  0xae, 0x42, 0x60, 0x82};

/* One part of a multipart form: a field (filename NULL) or a file. */
struct part {
  const char *name, *filename;
  const void *data;
  size_t n;
};

/* The multipart body of parts (those with data NULL left out). New buffer, its length in *len. */
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

/* A text field's part (value NULL: left out). */
static struct part field(const char *name, const char *value) {
  return (struct part){name, NULL, value, value != NULL ? strlen(value) : 0};
}

/* POSTs parts to the cases service's path as token: the status. */
static long post_form(const char *token, const char *path, const struct part *parts, size_t nparts,
                      struct tl_response *r) {
  char url[256], auth[2048];
  size_t len;
  char *body = form_of(parts, nparts, &len);
  snprintf(url, sizeof(url), "%s%s", tl_env("CASES_URL"), path);
  snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
  const char *headers[] = {auth, "Content-Type: multipart/form-data; boundary=" BOUNDARY, NULL};
  tl_replica_sync();
  if (tl_http("POST", url, headers, body, len, 60000, r) != 0) fail_msg("no answer to the form");
  free(body);
  return r->status;
}

/* POSTs a document (type, title, one file: data NULL for none) as token: the status. */
static long upload(const char *token, const char *case_id, const char *type, const char *title,
                   const char *name, const void *data, size_t n, struct tl_response *r) {
  char path[160];
  const struct part parts[] = {field("type", type), field("title", title), {"file", name, data, n}};
  snprintf(path, sizeof(path), "/v1/cases/%s/documents", case_id);
  return post_form(token, path, parts, 3, r);
}

static long get(const char *token, const char *path, const char *extra, struct tl_response *r) {
  return tl_cases("GET", path, token, NULL, extra, r);
}

static long documents_of(const char *case_id) {
  return tl_sql_long("SELECT count(*) FROM cases.documents WHERE case_id = $1", 1,
                     (const char *[]){case_id});
}

/* Files in the blob store's tmp/: uploads not moved into place. */
static int uploads_left(void) {
  char path[512];
  snprintf(path, sizeof(path), "%s/tmp", tl_env("BLOB_DIR"));
  DIR *d = opendir(path);
  struct dirent *e;
  int n = 0;
  if (d == NULL) return -1;
  while ((e = readdir(d)) != NULL) n += strncmp(e->d_name, "upload-", 7) == 0;
  closedir(d);
  return n;
}

/* A new case of portal A with a plumbing task at Q's office in Göteborg; its task's id into
 * task_out unless NULL. */
static void case_with_task(char case_id[37], char *task_out) {
  tl_world_case(&w, 0, 0, case_id);
  tl_world_task(&w, case_id, "repair", "plumbing", w.q_gbg, task_out);
}

/* Gives the case's external case handler role to p_ech (office Stockholm). */
static void give_ech(const char *case_id) { tl_world_ech(&w, case_id, w.p_sthlm, &w.p_ech); }

static void test_upload_and_read_back(void **state) {
  (void)state;
  char case_id[37], path[256], doc_id[37];
  struct tl_response r;
  case_with_task(case_id, NULL);

  upload(w.q_worker.token, case_id, "other", "Water in the cellar",
         "C:\\photos\\sk\xc3\xa4"
         "da.png",
         png, sizeof(png), &r);
  tl_expect(&r, 201);
  snprintf(doc_id, sizeof(doc_id), "%s", tl_str(r.json, "id"));
  tl_assert_str(r.json, "media_type", "image/png");
  tl_assert_str(r.json, "file_name",
                "sk\xc3\xa4"
                "da.png");
  tl_assert_str(r.json, "title", "Water in the cellar");
  assert_int_equal(json_integer_value(json_object_get(r.json, "size")), sizeof(png));
  char *hex = malloc(2 * sizeof(png) + 1);
  for (size_t i = 0; i < sizeof(png); i++) sprintf(hex + 2 * i, "%02x", png[i]);
  char *sha = tl_sql("SELECT encode(sha256(decode($1, 'hex')), 'hex')", 1, (const char *[]){hex});
  tl_assert_str(r.json, "sha256", sha);
  free(hex);
  tl_response_free(&r);
  char blob[512];
  struct stat st;
  snprintf(blob, sizeof(blob), "%s/%.2s/%.2s/%s", tl_env("BLOB_DIR"), sha, sha + 2, sha);
  assert_int_equal(stat(blob, &st), 0);
  assert_int_equal(st.st_size, sizeof(png));
  assert_int_equal(uploads_left(), 0);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.outbox WHERE aggregate_id = $1 AND "
                               "type = 'document.added'",
                               1, (const char *[]){case_id}),
                   1);

  /* the list, the metadata, the bytes */
  snprintf(path, sizeof(path), "/v1/cases/%s/documents", case_id);
  get(w.ia_handler.token, path, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/cases/%s/documents/%s/content", case_id, doc_id);
  get(w.q_worker.token, path, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(r.body_len, sizeof(png));
  assert_memory_equal(r.body, png, sizeof(png));
  tl_assert_header(&r, "Content-Type", "image/png");
  char *cd = tl_header(&r, "Content-Disposition"), *etag = tl_header(&r, "ETag");
  assert_non_null(strstr(cd, "filename*=UTF-8''sk%C3%A4da.png"));
  char want[80];
  snprintf(want, sizeof(want), "\"%s\"", sha);
  assert_string_equal(etag, want);
  free(cd);
  tl_response_free(&r);

  /* a byte range, one past the end, and a conditional GET */
  get(w.q_worker.token, path, "Range: bytes=1-3", &r);
  tl_expect(&r, 206);
  assert_int_equal(r.body_len, 3);
  assert_memory_equal(r.body, "PNG", 3);
  char cr[64];
  snprintf(cr, sizeof(cr), "bytes 1-3/%zu", sizeof(png));
  tl_assert_header(&r, "Content-Range", cr);
  tl_response_free(&r);
  get(w.q_worker.token, path, "Range: bytes=-4", &r);
  tl_expect(&r, 206);
  assert_memory_equal(r.body, png + sizeof(png) - 4, 4);
  tl_response_free(&r);
  get(w.q_worker.token, path, "Range: bytes=9999-", &r);
  tl_assert_problem(&r, 416, PROBLEM("range-not-satisfiable"));
  tl_response_free(&r);
  char inm[100];
  snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
  get(w.q_worker.token, path, inm, &r);
  tl_expect(&r, 304);
  tl_response_free(&r);
  free(etag);

  /* an unlinked partner and another portal's insurer reach none of it */
  get(w.p_worker.token, path, NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/cases/%s/documents/%s", case_id, doc_id);
  get(w.ib_admin.token, path, NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  upload(w.p_worker.token, case_id, "other", NULL, "x.png", png, sizeof(png), &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);

  /* deleted softly, by its adder only */
  tl_cases("DELETE", path, w.q_ech.token, NULL, NULL, &r); /* sees the case, did not add it */
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
  tl_cases("DELETE", path, w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 204);
  tl_response_free(&r);
  get(w.q_worker.token, path, NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.case_history WHERE case_id = $1 AND "
                               "action = 'document.deleted'",
                               1, (const char *[]){case_id}),
                   1);
  free(sha);
}

static void test_refused_uploads_leave_nothing(void **state) {
  (void)state;
  char case_id[37];
  struct tl_response r;
  case_with_task(case_id, NULL);

  /* a PNG named as a PDF */
  upload(w.q_worker.token, case_id, "other", NULL, "report.pdf", png, sizeof(png), &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_error(&r, "file", "not what its name says");
  tl_response_free(&r);
  /* a script, whatever its name */
  const char *script = "#!/bin/sh\necho hello\n";
  upload(w.q_worker.token, case_id, "other", NULL, "invoice.txt", script, strlen(script), &r);
  tl_assert_problem(&r, 415, PROBLEM("unsupported-media-type"));
  tl_response_free(&r);
  /* no file; no type */
  upload(w.q_worker.token, case_id, "other", NULL, NULL, NULL, 0, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_error(&r, "file", NULL);
  tl_response_free(&r);
  upload(w.q_worker.token, case_id, NULL, NULL, "a.png", png, sizeof(png), &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_error(&r, "type", NULL);
  tl_response_free(&r);

  /* one byte over 30 MiB */
  size_t big = 30u * 1024 * 1024 + 1;
  unsigned char *data = malloc(big);
  memset(data, 0, big);
  memcpy(data, png, sizeof(png));
  upload(w.q_worker.token, case_id, "other", NULL, "big.png", data, big, &r);
  tl_assert_problem(&r, 413, PROBLEM("body-too-large"));
  tl_response_free(&r);
  /* exactly 30 MiB is taken */
  upload(w.q_worker.token, case_id, "other", NULL, "big.png", data, big - 1, &r);
  tl_expect(&r, 201);
  tl_response_free(&r);
  free(data);

  assert_int_equal(documents_of(case_id), 1);
  assert_int_equal(uploads_left(), 0);
}

static void test_external_case_handler_always_has_documents(void **state) {
  (void)state;
  char case_id[37], path[200];
  struct tl_response r;
  tl_world_define_role(&w, "external_case_handler", "[]"); /* whatever the definition says */
  case_with_task(case_id, NULL);
  give_ech(case_id);

  upload(w.p_ech.token, case_id, "inspection_report", "Inspection", "photo.png", png, sizeof(png),
         &r);
  tl_expect(&r, 201);
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/cases/%s/documents", case_id);
  get(w.p_ech.token, path, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
  tl_response_free(&r);
}

/* ---- reported information of a task --------------------------------------------------------- */

/* POSTs a report: text (NULL: none) and nfiles (at most 4) copies of the PNG named a.png, b.png,
 * ...; the status. */
static long report(const char *token, const char *case_id, const char *task_id, const char *text,
                   int nfiles, struct tl_response *r) {
  static const char *const names[] = {"a.png", "b.png", "c.png", "d.png"};
  struct part parts[5] = {field("text", text)};
  char path[200];
  for (int i = 0; i < nfiles; i++)
    parts[1 + i] = (struct part){"files", names[i], png, sizeof(png)};
  snprintf(path, sizeof(path), "/v1/cases/%s/tasks/%s/reports", case_id, task_id);
  return post_form(token, path, parts, 1 + (size_t)nfiles, r);
}

static void test_task_reports(void **state) {
  (void)state;
  char case_id[37], task_id[37], path[256], file_url[300];
  struct tl_response r;
  case_with_task(case_id, task_id);

  /* the partner doing the task reports text and two photos */
  report(w.q_worker.token, case_id, task_id, "Moisture 32 % in the wall", 2, &r);
  tl_expect(&r, 201);
  json_t *files = json_object_get(r.json, "files");
  assert_int_equal(json_array_size(files), 2);
  tl_assert_str(json_array_get(files, 1), "file_name", "b.png");
  tl_assert_str(json_array_get(files, 1), "media_type", "image/png");
  snprintf(file_url, sizeof(file_url), "%s", tl_str(json_array_get(files, 1), "content_url"));
  tl_response_free(&r);
  assert_int_equal(uploads_left(), 0);

  /* read by the insurer and the partner; the file whole */
  snprintf(path, sizeof(path), "/v1/cases/%s/tasks/%s/reports", case_id, task_id);
  get(w.ia_handler.token, path, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
  tl_assert_str(json_array_get(json_object_get(r.json, "items"), 0), "text",
                "Moisture 32 % in the wall");
  tl_response_free(&r);
  get(w.q_worker.token, file_url, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(r.body_len, sizeof(png));
  tl_response_free(&r);
  snprintf(path, sizeof(path), "%.*s", (int)(strstr(file_url, "/files/") - file_url), file_url);
  get(w.q_worker.token, path, NULL, &r); /* the report itself */
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "files")), 2);
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/cases/%s/tasks/%s/reports", case_id, case_id);
  get(w.q_worker.token, path, NULL, &r); /* no such task */
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  snprintf(path, sizeof(path), "%.*s/9", (int)(strrchr(file_url, '/') - file_url), file_url);
  get(w.q_worker.token, path, NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);

  /* nobody unlinked reads it, even with the file's address */
  get(w.p_worker.token, file_url, NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);

  /* the insurer reports too; an empty report is refused; a closed case takes none */
  report(w.ia_handler.token, case_id, task_id, NULL, 1, &r);
  tl_expect(&r, 201);
  tl_response_free(&r);
  report(w.q_worker.token, case_id, task_id, NULL, 0, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_error(&r, "text", NULL);
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/cases/%s/reports", case_id);
  get(w.q_worker.token, path, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
  tl_response_free(&r);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.outbox WHERE aggregate_id = $1 AND "
                               "type = 'report.added'",
                               1, (const char *[]){case_id}),
                   2);
  /* the task's reports stay with it */
  snprintf(path, sizeof(path), "/v1/cases/%s/tasks/%s", case_id, task_id);
  tl_cases("DELETE", path, w.ia_handler.token, NULL, NULL, &r);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
}

static void test_reports_external_case_handler_reads_partner_does_not_write(void **state) {
  (void)state;
  char case_id[37], task_id[37], path[200];
  struct tl_response r;
  tl_world_define_role(&w, "external_case_handler", "[]");
  case_with_task(case_id, task_id);
  give_ech(case_id);

  report(w.q_worker.token, case_id, task_id, "Drying started", 0, &r);
  tl_expect(&r, 201);
  tl_response_free(&r);
  /* the handler always has the reported information; it does not hold the task */
  snprintf(path, sizeof(path), "/v1/cases/%s/reports", case_id);
  get(w.p_ech.token, path, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
  tl_response_free(&r);
  report(w.p_ech.token, case_id, task_id, "Not mine to report", 0, &r);
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
}

/* ---- partners' uploads the insurer has not seen --------------------------------------------- */

static long long partner_uploads_row(const char *token) {
  return tl_dashboard_row(token, "cases_with_partner_uploads");
}

static void test_partner_uploads_until_seen(void **state) {
  (void)state;
  char case_id[37], task_id[37], path[160];
  struct tl_response r;
  case_with_task(case_id, task_id);
  long long before = partner_uploads_row(w.ia_handler.token);
  assert_int_equal(partner_uploads_row(w.q_worker.token), -1); /* the insurer's row */

  upload(w.ia_handler.token, case_id, "other", NULL, "own.png", png, sizeof(png), &r);
  tl_expect(&r, 201); /* the insurer's own upload is no news to it */
  tl_response_free(&r);
  assert_int_equal(partner_uploads_row(w.ia_handler.token), before);
  report(w.q_worker.token, case_id, task_id, "Photos of the wall", 1, &r);
  tl_expect(&r, 201);
  tl_response_free(&r);
  assert_int_equal(partner_uploads_row(w.ia_handler.token), before + 1);
  json_t *listed = tl_cases_listed(w.ia_handler.token, "partner_uploads=true", case_id);
  assert_non_null(listed);
  json_decref(listed);

  snprintf(path, sizeof(path), "/v1/cases/%s/uploads/seen", case_id);
  tl_cases("POST", path, w.q_worker.token, NULL, NULL, &r);
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
  tl_cases("POST", path, w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 204);
  tl_response_free(&r);
  assert_int_equal(partner_uploads_row(w.ia_handler.token), before);
  listed = tl_cases_listed(w.ia_handler.token, "partner_uploads=true", case_id);
  assert_null(listed);
  upload(w.q_worker.token, case_id, "other", NULL, "more.png", png, sizeof(png), &r);
  tl_expect(&r, 201); /* a new one is news again */
  tl_response_free(&r);
  assert_int_equal(partner_uploads_row(w.ia_admin.token), before + 1);
}

/* An upload whose client goes away half-way leaves no row and no file. */
static int nothing_left(void *arg) { return uploads_left() == 0 && documents_of(arg) == 0; }

/* Sends half of a 4 MiB upload to case_id with the Authorization header authz and waits 300 ms
 * with the connection open: the socket (the caller closes it). */
static int half_upload(const char *case_id, const char *authz) {
  char head[4096];
  size_t n = 4u * 1024 * 1024, len;
  unsigned char *data = calloc(1, n);
  memcpy(data, png, sizeof(png));
  const struct part parts[] = {field("type", "other"), {"file", "half.png", data, n}};
  char *body = form_of(parts, 2, &len);
  const char *url = tl_env("CASES_URL"); /* http://127.0.0.1:PORT */
  int port = atoi(strrchr(url, ':') + 1);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  int k = snprintf(head, sizeof(head),
                   "POST /v1/cases/%s/documents HTTP/1.1\r\nHost: x\r\n%s\r\n"
                   "Content-Type: multipart/form-data; boundary=" BOUNDARY
                   "\r\n"
                   "Content-Length: %zu\r\n\r\n",
                   case_id, authz, len);
  assert_int_equal(write(fd, head, (size_t)k), k);
  size_t sent = 0;
  while (sent < len / 2) {
    ssize_t m = write(fd, body + sent, len / 2 - sent);
    assert_true(m > 0);
    sent += (size_t)m;
  }
  usleep(300000);
  free(body);
  free(data);
  return fd;
}

/* No file is written for a caller whose token does not verify, not even for a while. */
static void test_upload_without_a_valid_token_writes_nothing(void **state) {
  (void)state;
  char case_id[37];
  case_with_task(case_id, NULL);
  tl_replica_sync();
  int fd = half_upload(case_id, "Authorization: Bearer not.a.token");
  assert_int_equal(uploads_left(), 0);
  close(fd);
  fd = half_upload(case_id, "X-Nothing: 1");
  assert_int_equal(uploads_left(), 0);
  close(fd);
}

static void test_cut_off_upload_leaves_nothing(void **state) {
  (void)state;
  char case_id[37], authz[2048];
  case_with_task(case_id, NULL);
  tl_replica_sync();
  snprintf(authz, sizeof(authz), "Authorization: Bearer %s", w.q_worker.token);
  int fd = half_upload(case_id, authz);
  assert_int_equal(uploads_left(), 1); /* it was being written */
  close(fd);                           /* half of it, then gone */
  assert_true(tl_wait(nothing_left, case_id, 5000));
}

/* ---- the inspection report ---------------------------------------------------------------- */

static int report_document(void *arg) {
  return tl_sql_long(
             "SELECT count(*) FROM cases.documents WHERE case_id = $1 AND"
             " type = 'inspection_report'",
             1, (const char *[]){arg}) > 0;
}

static void set_status(const char *case_id, const char *task_id, const char *token,
                       const char *status) {
  struct tl_response r;
  char path[200], body[64];
  snprintf(path, sizeof(path), "/v1/cases/%s/tasks/%s/status", case_id, task_id);
  snprintf(body, sizeof(body), "{\"status\": \"%s\"}", status);
  tl_cases("POST", path, token, body, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
}

/* Completing an inspection puts a PDF of it in the case's documents, built after the
 * completion's answer by the service following its own events; the customer page hears of it. */
static void test_inspection_report_after_completion(void **state) {
  (void)state;
  char case_id[37], task_id[37], path[300], body[128];
  struct tl_response r;
  tl_world_case(&w, 0, 0, case_id);
  tl_world_task(&w, case_id, "inspection", NULL, w.p_sthlm, task_id);
  snprintf(path, sizeof(path), "/v1/cases/%s/tasks/%s/user", case_id, task_id);
  snprintf(body, sizeof(body), "{\"user_id\": \"%s\"}", w.p_worker.id);
  tl_cases("PUT", path, w.p_admin.token, body, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  set_status(case_id, task_id, w.p_worker.token, "3");
  report(w.p_worker.token, case_id, task_id, "Damp in the north wall, 40 cm up; see photo", 1, &r);
  tl_expect(&r, 201);
  tl_response_free(&r);
  assert_false(report_document(case_id)); /* started, not complete: no report yet */

  set_status(case_id, task_id, w.p_worker.token, "4");
  assert_int_equal(tl_wait(report_document, case_id, 10000), 1);
  char *doc_id = tl_sql(
      "SELECT id::text FROM cases.documents WHERE case_id = $1 AND"
      " type = 'inspection_report'",
      1, (const char *[]){case_id});
  snprintf(path, sizeof(path), "/v1/cases/%s/documents/%s", case_id, doc_id);
  get(w.ia_handler.token, path, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "media_type", "application/pdf");
  tl_assert_str(r.json, "added_by", "system:inspection-report");
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/cases/%s/documents/%s/content", case_id, doc_id);
  get(w.p_worker.token, path, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_header(&r, "Content-Type", "application/pdf");
  assert_true(r.body_len > 1000);
  assert_memory_equal(r.body, "%PDF-", 5);
  tl_response_free(&r);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.outbox WHERE aggregate_id = $1 AND"
                               " type = 'inspection.report_created' AND data->>'document_id' = $2",
                               2, (const char *[]){case_id, doc_id}),
                   1);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.case_history WHERE case_id = $1 AND"
                               " action = 'document.added' AND actor_kind = 'system'",
                               1, (const char *[]){case_id}),
                   1);
  /* once: the completion's event applied once, whatever else the consumer hears */
  assert_int_equal(documents_of(case_id), 1);
  free(doc_id);
}

int main(void) {
  tl_world_create(&w);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_upload_and_read_back),
      cmocka_unit_test(test_refused_uploads_leave_nothing),
      cmocka_unit_test(test_external_case_handler_always_has_documents),
      cmocka_unit_test(test_cut_off_upload_leaves_nothing),
      cmocka_unit_test(test_upload_without_a_valid_token_writes_nothing),
      cmocka_unit_test(test_task_reports),
      cmocka_unit_test(test_reports_external_case_handler_reads_partner_does_not_write),
      cmocka_unit_test(test_partner_uploads_until_seen),
      cmocka_unit_test(test_inspection_report_after_completion),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  tl_world_free(&w);
  return failed;
}
