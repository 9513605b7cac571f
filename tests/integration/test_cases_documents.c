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

/* A multipart body: the form fields type and title (NULL: left out) and one file (name, bytes;
 * data NULL: no file). New buffer, its length in *len. */
static char *form(const char *type, const char *title, const char *name, const void *data, size_t n,
                  size_t *len) {
  size_t cap = n + 1024;
  char *b = malloc(cap);
  size_t k = 0;
  if (type != NULL)
    k += (size_t)snprintf(
        b + k, cap - k,
        "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\n%s\r\n", type);
  if (title != NULL)
    k += (size_t)snprintf(
        b + k, cap - k,
        "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n%s\r\n", title);
  if (data != NULL) {
    k += (size_t)snprintf(b + k, cap - k,
                          "--" BOUNDARY
                          "\r\nContent-Disposition: form-data; name=\"file\"; "
                          "filename=\"%s\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                          name);
    memcpy(b + k, data, n);
    k += n;
    k += (size_t)snprintf(b + k, cap - k, "\r\n");
  }
  k += (size_t)snprintf(b + k, cap - k, "--" BOUNDARY "--\r\n");
  *len = k;
  return b;
}

/* POSTs a form to the case's documents as token: the status. */
static long upload(const char *token, const char *case_id, const char *type, const char *title,
                   const char *name, const void *data, size_t n, struct tl_response *r) {
  char url[256], auth[2048];
  size_t len;
  char *body = form(type, title, name, data, n, &len);
  snprintf(url, sizeof(url), "%s/v1/cases/%s/documents", tl_env("CASES_URL"), case_id);
  snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
  const char *headers[] = {auth, "Content-Type: multipart/form-data; boundary=" BOUNDARY, NULL};
  tl_replica_sync();
  if (tl_http("POST", url, headers, body, len, 60000, r) != 0) fail_msg("no answer to the upload");
  free(body);
  return r->status;
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

static void case_with_task(char case_id[37]) {
  struct tl_response r;
  char body[96], path[160], task_id[37];
  tl_world_case(&w, 0, 0, case_id);
  snprintf(path, sizeof(path), "/v1/cases/%s/tasks", case_id);
  tl_cases("POST", path, w.ia_handler.token, "{\"type\":\"repair\",\"trade\":\"plumbing\"}", NULL,
           &r);
  tl_expect(&r, 201);
  char *loc = tl_header(&r, "Location");
  snprintf(task_id, sizeof(task_id), "%s", strrchr(loc, '/') + 1);
  free(loc);
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/cases/%s/tasks/%s/office", case_id, task_id);
  snprintf(body, sizeof(body), "{\"office_id\":\"%s\"}", w.q_gbg);
  tl_cases("PUT", path, w.ia_handler.token, body, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
}

static void test_upload_and_read_back(void **state) {
  (void)state;
  char case_id[37], path[256], doc_id[37];
  struct tl_response r;
  case_with_task(case_id);

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
  case_with_task(case_id);

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
  char case_id[37], body[96], path[200];
  struct tl_response r;
  tl_world_define_role(&w, "external_case_handler", "[]"); /* whatever the definition says */
  case_with_task(case_id);
  snprintf(path, sizeof(path), "/v1/cases/%s/external-case-handler/office", case_id);
  snprintf(body, sizeof(body), "{\"office_id\":\"%s\"}", w.p_sthlm);
  tl_cases("PUT", path, w.ia_handler.token, body, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/cases/%s/external-case-handler/user", case_id);
  snprintf(body, sizeof(body), "{\"user_id\":\"%s\"}", w.p_ech.id);
  tl_cases("PUT", path, w.p_admin.token, body, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);

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

/* An upload whose client goes away half-way leaves no row and no file. */
static int nothing_left(void *arg) { return uploads_left() == 0 && documents_of(arg) == 0; }

static void test_cut_off_upload_leaves_nothing(void **state) {
  (void)state;
  char case_id[37], head[4096];
  case_with_task(case_id);
  tl_replica_sync();
  size_t n = 4u * 1024 * 1024, len;
  unsigned char *data = calloc(1, n);
  memcpy(data, png, sizeof(png));
  char *body = form("other", NULL, "half.png", data, n, &len);
  const char *url = tl_env("CASES_URL"); /* http://127.0.0.1:PORT */
  int port = atoi(strrchr(url, ':') + 1);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  int k = snprintf(head, sizeof(head),
                   "POST /v1/cases/%s/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                   "Content-Type: multipart/form-data; boundary=" BOUNDARY
                   "\r\n"
                   "Content-Length: %zu\r\n\r\n",
                   case_id, w.q_worker.token, len);
  assert_int_equal(write(fd, head, (size_t)k), k);
  size_t sent = 0;
  while (sent < len / 2) { /* half of it, then gone */
    ssize_t m = write(fd, body + sent, len / 2 - sent);
    assert_true(m > 0);
    sent += (size_t)m;
  }
  usleep(300000);
  assert_int_equal(uploads_left(), 1); /* it was being written */
  close(fd);
  assert_true(tl_wait(nothing_left, case_id, 5000));
  free(body);
  free(data);
}

int main(void) {
  tl_world_create(&w);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_upload_and_read_back),
      cmocka_unit_test(test_refused_uploads_leave_nothing),
      cmocka_unit_test(test_external_case_handler_always_has_documents),
      cmocka_unit_test(test_cut_off_upload_leaves_nothing),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  tl_world_free(&w);
  return failed;
}
