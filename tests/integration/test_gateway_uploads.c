/* Big files through the gateway (gateway/proxy_upload.h, gateway/proxy_stream.h), end to end:
 * a gateway started here in front of the stack's services, with a spool directory of its own,
 * so the test sees what it leaves on disk and how much memory it took (VmHWM).
 *   - a 30 MiB document goes up and comes back byte for byte (SHA-256), whole, by range and
 *     conditionally, with the service's headers, and the gateway never held it in memory;
 *   - a file one byte over 30 MiB is refused by the gateway (413) and never reaches the service;
 *   - a report with two photos of 20 MiB each (40 MiB: above the 32 MiB body limit) goes through;
 *   - form fields arrive as sent; a multipart body's Content-Length over the upload limit is
 *     refused before any of it is read, another body's over HTTP_MAX_BODY_BYTES as before;
 *   - no token, or a bad one: 401, and not a byte spooled, not even while the body arrives;
 *   - a client gone half-way through leaves neither a spooled file nor a document.
 * After every test the spool directory holds no file. */
#define _GNU_SOURCE /* nftw, usleep */
#include <arpa/inet.h>
#include <ftw.h>
#include <gnutls/crypto.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tl_upstream.h"
#include "tl_world.h"

#define PROBLEM(slug) "urn:claimsuite:problem:" slug
#define BOUNDARY "gateway-uploads-test-5d1c"
#define MIB (1024u * 1024u)
#define MAX_FILE (30u * MIB)
/* What the gateway's peak may grow by while big files pass: buffers of about a megabyte (3 MiB
 * measured, 14 MiB under the address sanitizer), never a file (30 MiB and more when one is held
 * whole, by ulfius, the edge or the answer). */
#define MAX_GROWTH_KB (20L * 1024)

static struct tl_world w;
static struct {
  pid_t pid;
  int port;
  char url[64];
  char log[512];
  char spool[512];
} gw;

/* --- files and forms ------------------------------------------------------------------------ */

static const unsigned char png_head[] = {
    0x89, 'P',  'N',  'G', '\r', '\n', 0x1a, '\n', 0,   0,   0,   13,   'I',  'H',  'D',
    'R',  0,    0,    0,   1,    0,    0,    0,    1,   8,   2,   0,    0,    0,    0x90,
    0x77, 0x53, 0xde, 0,   0,    0,    0,    'I',  'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};

/* n bytes that a PNG's signature begins and a seeded generator fills (no two seeds alike). */
static unsigned char *png_file(size_t n, uint64_t seed) {
  unsigned char *d = malloc(n);
  assert_non_null(d);
  uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
  for (size_t i = 0; i + 8 <= n; i += 8) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    memcpy(d + i, &x, 8);
  }
  for (size_t i = n & ~(size_t)7; i < n; i++) d[i] = (unsigned char)i;
  memcpy(d, png_head, n < sizeof(png_head) ? n : sizeof(png_head));
  return d;
}

static void sha256_hex(const void *data, size_t n, char out[65]) {
  unsigned char digest[32];
  assert_int_equal(gnutls_hash_fast(GNUTLS_DIG_SHA256, data, n, digest), 0);
  for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

/* One part of a form: a field (filename NULL) or a file. */
struct part {
  const char *name, *filename;
  const void *data;
  size_t n;
};

static struct part field(const char *name, const char *value) {
  return (struct part){name, NULL, value, strlen(value)};
}

/* The multipart/form-data body of parts (boundary BOUNDARY): new, its length in *len. */
static char *form_body(const struct part *parts, size_t nparts, size_t *len) {
  size_t cap = 256, k = 0;
  for (size_t i = 0; i < nparts; i++) cap += parts[i].n + 512;
  char *b = malloc(cap);
  assert_non_null(b);
  for (size_t i = 0; i < nparts; i++) {
    const struct part *p = &parts[i];
    k += (size_t)snprintf(b + k, cap - k, "--%s\r\nContent-Disposition: form-data; name=\"%s\"",
                          BOUNDARY, p->name);
    if (p->filename != NULL)
      k += (size_t)snprintf(b + k, cap - k, "; filename=\"%s\"\r\nContent-Type: image/png",
                            p->filename);
    k += (size_t)snprintf(b + k, cap - k, "\r\n\r\n");
    memcpy(b + k, p->data, p->n);
    k += p->n;
    k += (size_t)snprintf(b + k, cap - k, "\r\n");
  }
  k += (size_t)snprintf(b + k, cap - k, "--%s--\r\n", BOUNDARY);
  *len = k;
  return b;
}

/* POSTs parts to the test's gateway at path as token: the status. */
static long post_form(const char *token, const char *path, const struct part *parts, size_t nparts,
                      struct tl_response *r) {
  char url[512], auth[2048];
  size_t len;
  char *body = form_body(parts, nparts, &len);
  snprintf(url, sizeof(url), "%s%s", gw.url, path);
  snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
  const char *h[] = {auth, "Content-Type: multipart/form-data; boundary=" BOUNDARY, NULL};
  tl_replica_sync();
  if (tl_http("POST", url, h, body, len, 180000, r) != 0) fail_msg("no answer to the form");
  free(body);
  return r->status;
}

/* GET path from the test's gateway as token, with one extra header line (may be NULL). */
static long get(const char *token, const char *path, const char *extra, struct tl_response *r) {
  char url[512], auth[2048];
  snprintf(url, sizeof(url), "%s%s", gw.url, path);
  snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
  const char *h[] = {auth, extra, NULL};
  if (tl_http("GET", url, h, NULL, 0, 180000, r) != 0) fail_msg("no answer to GET %s", path);
  return r->status;
}

/* --- what the gateway leaves behind ------------------------------------------------------- */

static int files_seen;
static int count_file(const char *path, const struct stat *st, int type, struct FTW *f) {
  (void)path, (void)st, (void)f;
  if (type != FTW_D && type != FTW_DP) files_seen++;
  return 0;
}

/* Files (anything but directories) anywhere under the gateway's spool directory. */
static int spool_files(void) {
  files_seen = 0;
  assert_int_equal(nftw(gw.spool, count_file, 16, FTW_PHYS), 0);
  return files_seen;
}
static int spool_empty(void *arg) {
  (void)arg;
  return spool_files() == 0;
}
static int spool_busy(void *arg) {
  (void)arg;
  return spool_files() > 0;
}

/* The most memory the gateway process has held so far, in KiB (VmHWM). */
static long peak_kb(void) {
  char path[64], line[256];
  long kb = -1;
  snprintf(path, sizeof(path), "/proc/%d/status", (int)gw.pid);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  while (fgets(line, sizeof(line), f) != NULL)
    if (!strncmp(line, "VmHWM:", 6)) kb = strtol(line + 6, NULL, 10);
  fclose(f);
  assert_true(kb > 0);
  return kb;
}

static long documents_of(const char *case_id) {
  return tl_sql_long("SELECT count(*) FROM cases.documents WHERE case_id = $1", 1,
                     (const char *[]){case_id});
}

/* The requests the cases service answered on its route "POST pattern" (its /metrics). */
static long cases_answered(const char *pattern) {
  char url[256], needle[256];
  struct tl_response r;
  long n = 0;
  snprintf(url, sizeof(url), "%s/metrics", tl_env("CASES_URL"));
  snprintf(needle, sizeof(needle), "http_requests_total{service=\"cases\",route=\"POST %s\"",
           pattern);
  assert_int_equal(tl_http("GET", url, NULL, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  for (const char *p = r.body; (p = strstr(p, needle)) != NULL; p++) {
    const char *value = strchr(p, '}');
    if (value != NULL) n += strtol(value + 1, NULL, 10);
  }
  tl_response_free(&r);
  return n;
}

/* A new case of portal A with a task at Q's office (its id into task_out unless NULL). */
static void case_with_task(char case_id[37], char *task_out) {
  tl_world_case(&w, 0, 0, case_id);
  tl_world_task(&w, case_id, "repair", "plumbing", w.q_gbg, task_out);
}

/* Opens a connection to the gateway and sends the head of a document upload of body_len bytes
 * with the header line authz, then sent bytes of body (the caller closes the socket). */
static int partial_upload(const char *case_id, const char *authz, const char *body, size_t body_len,
                          size_t sent) {
  char head[4096];
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)gw.port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  int k = snprintf(head, sizeof(head),
                   "POST /v1/cases/%s/documents HTTP/1.1\r\nHost: x\r\n%s\r\n"
                   "Content-Type: multipart/form-data; boundary=" BOUNDARY
                   "\r\nContent-Length: %zu\r\n\r\n",
                   case_id, authz, body_len);
  assert_int_equal(write(fd, head, (size_t)k), k);
  for (size_t done = 0; done < sent;) {
    ssize_t m = write(fd, body + done, sent - done);
    assert_true(m > 0);
    done += (size_t)m;
  }
  return fd;
}

/* --- the gateway ----------------------------------------------------------------------------- */

static void gateway_start(void) {
  char port_env[32], jwks[600], up[4][600], spool_env[600], openapi[600];
  static const char *const up_var[4] = {"UPSTREAM_POLICY", "UPSTREAM_CASES", "UPSTREAM_CUSTOMER",
                                        "UPSTREAM_ORDERS"};
  static const char *const up_url[4] = {"POLICY_URL", "CASES_URL", "CUSTOMER_URL", "ORDERS_URL"};
  snprintf(port_env, sizeof(port_env), "PORT=%d", gw.port);
  snprintf(jwks, sizeof(jwks), "JWKS_URL=%s/v1/auth/jwks", tl_env("POLICY_URL"));
  snprintf(spool_env, sizeof(spool_env), "GATEWAY_SPOOL_DIR=%s", gw.spool);
  snprintf(openapi, sizeof(openapi), "OPENAPI_DIR=%s", tl_env("SOURCE_DIR"));
  for (int i = 0; i < 4; i++) snprintf(up[i], sizeof(up[i]), "%s=%s", up_var[i], tl_env(up_url[i]));
  const char *env[] = {port_env, jwks, spool_env, openapi, up[0], up[1], up[2], up[3],
                       "BIND_ADDRESS=127.0.0.1", "LOG_LEVEL=info",
                       "UPSTREAM_HEALTH_INTERVAL_MS=200", "UPSTREAM_TIMEOUT_MS=60000",
                       /* under the address sanitizer: freed blocks are not kept aside for long,
                        * so the peak memory says what was held at once */
                       "ASAN_OPTIONS=quarantine_size_mb=4", NULL};
  char bin[600], ready[128];
  snprintf(bin, sizeof(bin), "%s/gateway/gateway", tl_env("BIN_DIR"));
  gw.pid = tl_process_start(bin, env, gw.log);
  assert_true(gw.pid > 0);
  snprintf(ready, sizeof(ready), "%s/readyz", gw.url);
  if (!tl_wait_200(ready, 15000)) {
    tl_sh("tail -20 '%s' >&2", gw.log);
    fail_msg("the gateway did not become ready");
  }
}

/* A gateway that has not moved a big file yet: its peak memory (VmHWM) is its own again. */
static void gateway_restart(void) {
  tl_process_stop(gw.pid, 5000);
  gateway_start();
}

static int setup(void **state) {
  (void)state;
  tl_world_create(&w);
  gw.port = tl_free_port();
  snprintf(gw.url, sizeof(gw.url), "http://127.0.0.1:%d", gw.port);
  snprintf(gw.log, sizeof(gw.log), "%s/logs/test-gateway-uploads.log", tl_env("STACK_DIR"));
  snprintf(gw.spool, sizeof(gw.spool), "%s/test-gateway-uploads-spool", tl_env("STACK_DIR"));
  tl_sh("rm -rf '%s'", gw.spool);
  gateway_start();
  return 0;
}

static int teardown(void **state) {
  (void)state;
  if (gw.pid > 0) tl_process_stop(gw.pid, 5000);
  tl_world_free(&w);
  return 0;
}

/* Every test leaves the spool empty (at once, or within a moment for a client gone). */
static int spool_left_empty(void **state) {
  (void)state;
  if (!tl_wait(spool_empty, NULL, 5000)) {
    fprintf(stderr, "the spool directory %s still holds %d file(s)\n", gw.spool, spool_files());
    return -1;
  }
  return 0;
}

/* --- tests ----------------------------------------------------------------------------------- */

static void test_a_30_mib_document_goes_up_and_comes_back(void **state) {
  (void)state;
  char case_id[37], doc_id[37], sha[65], got[65], path[256], want[128], inm[128];
  struct tl_response r;
  unsigned char *data = png_file(MAX_FILE, 1);
  sha256_hex(data, MAX_FILE, sha);
  case_with_task(case_id, NULL);
  gateway_restart();
  long peak_before = peak_kb();

  const struct part parts[] = {field("type", "other"),
                               field("title", "Cellar, 30 MiB"),
                               {"file", "cellar.png", data, MAX_FILE}};
  snprintf(path, sizeof(path), "/v1/cases/%s/documents", case_id);
  post_form(w.q_worker.token, path, parts, 3, &r);
  tl_expect(&r, 201);
  snprintf(doc_id, sizeof(doc_id), "%s", tl_str(r.json, "id"));
  tl_assert_str(r.json, "sha256", sha);
  tl_assert_str(r.json, "media_type", "image/png");
  tl_assert_str(r.json, "file_name", "cellar.png");
  tl_assert_str(r.json, "title", "Cellar, 30 MiB");
  assert_int_equal(json_integer_value(json_object_get(r.json, "size")), MAX_FILE);
  tl_response_free(&r);
  assert_int_equal(spool_files(), 0); /* forwarded and gone, before the answer */
  assert_int_equal(documents_of(case_id), 1);

  /* whole, streamed through with the service's headers */
  snprintf(path, sizeof(path), "/v1/cases/%s/documents/%s/content", case_id, doc_id);
  get(w.q_worker.token, path, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(r.body_len, MAX_FILE);
  sha256_hex(r.body, r.body_len, got);
  assert_string_equal(got, sha);
  snprintf(want, sizeof(want), "%u", MAX_FILE);
  tl_assert_header(&r, "Content-Length", want);
  tl_assert_header(&r, "Content-Type", "image/png");
  tl_assert_header(&r, "Accept-Ranges", "bytes");
  tl_assert_header(&r, "X-Content-Type-Options", "nosniff");
  snprintf(want, sizeof(want), "\"%s\"", sha);
  tl_assert_header(&r, "ETag", want);
  char *cd = tl_header(&r, "Content-Disposition"), *rid = tl_header(&r, "X-Request-Id");
  assert_non_null(cd);
  assert_non_null(strstr(cd, "filename=\"cellar.png\""));
  assert_non_null(rid);
  free(cd);
  free(rid);
  tl_response_free(&r);

  /* a small range (answered whole), a big one (streamed), one outside, and a conditional GET */
  get(w.q_worker.token, path, "Range: bytes=1000000-1000099", &r);
  tl_expect(&r, 206);
  assert_int_equal(r.body_len, 100);
  assert_memory_equal(r.body, data + 1000000, 100);
  snprintf(want, sizeof(want), "bytes 1000000-1000099/%u", MAX_FILE);
  tl_assert_header(&r, "Content-Range", want);
  tl_assert_header(&r, "Content-Length", "100");
  tl_response_free(&r);
  get(w.q_worker.token, path, "Range: bytes=1048576-", &r);
  tl_expect(&r, 206);
  assert_int_equal(r.body_len, MAX_FILE - MIB);
  assert_memory_equal(r.body, data + MIB, MAX_FILE - MIB);
  snprintf(want, sizeof(want), "bytes %u-%u/%u", MIB, MAX_FILE - 1, MAX_FILE);
  tl_assert_header(&r, "Content-Range", want);
  tl_response_free(&r);
  get(w.q_worker.token, path, "Range: bytes=99999999-", &r);
  tl_assert_problem(&r, 416, PROBLEM("range-not-satisfiable"));
  tl_response_free(&r);
  snprintf(inm, sizeof(inm), "If-None-Match: \"%s\"", sha);
  get(w.q_worker.token, path, inm, &r);
  tl_expect(&r, 304);
  assert_int_equal(r.body_len, 0);
  tl_response_free(&r);

  /* a second download right after: the thread's next call opens a connection of its own */
  get(w.q_worker.token, path, "Range: bytes=0-7", &r);
  tl_expect(&r, 206);
  assert_memory_equal(r.body, png_head, 8);
  tl_response_free(&r);

  long growth = peak_kb() - peak_before;
  print_message("the gateway's peak memory grew by %ld KiB\n", growth);
  if (growth > MAX_GROWTH_KB) fail_msg("the gateway's peak memory grew by %ld KiB", growth);
  free(data);
}

static void test_one_byte_over_30_mib_is_refused_at_the_gateway(void **state) {
  (void)state;
  char case_id[37], path[160];
  struct tl_response r;
  unsigned char *data = png_file(MAX_FILE + 1, 2);
  case_with_task(case_id, NULL);
  long answered = cases_answered("/v1/cases/:id/documents");

  const struct part parts[] = {field("type", "other"), {"file", "big.png", data, MAX_FILE + 1}};
  snprintf(path, sizeof(path), "/v1/cases/%s/documents", case_id);
  post_form(w.q_worker.token, path, parts, 2, &r);
  tl_assert_problem(&r, 413, PROBLEM("body-too-large"));
  assert_non_null(strstr(tl_str(r.json, "detail"), "31457280"));
  tl_response_free(&r);
  assert_int_equal(documents_of(case_id), 0);
  assert_int_equal(cases_answered("/v1/cases/:id/documents"), answered); /* never sent on */
  assert_int_equal(spool_files(), 0);
  free(data);
}

static void test_a_report_with_two_20_mib_photos(void **state) {
  (void)state;
  char case_id[37], task_id[37], path[256], sha[2][65], got[65];
  struct tl_response r;
  unsigned char *photo[2] = {png_file(20 * MIB, 3), png_file(20 * MIB, 4)};
  sha256_hex(photo[0], 20 * MIB, sha[0]);
  sha256_hex(photo[1], 20 * MIB, sha[1]);
  case_with_task(case_id, task_id);
  gateway_restart();
  long peak_before = peak_kb();

  const struct part parts[] = {field("text", "Moisture in two walls"),
                               {"files", "north.png", photo[0], 20 * MIB},
                               {"files", "south.png", photo[1], 20 * MIB}};
  snprintf(path, sizeof(path), "/v1/cases/%s/tasks/%s/reports", case_id, task_id);
  post_form(w.q_worker.token, path, parts, 3, &r);
  tl_expect(&r, 201);
  tl_assert_str(r.json, "text", "Moisture in two walls");
  json_t *files = json_object_get(r.json, "files");
  assert_int_equal(json_array_size(files), 2);
  for (size_t i = 0; i < 2; i++) {
    json_t *f = json_array_get(files, i);
    tl_assert_str(f, "file_name", i == 0 ? "north.png" : "south.png");
    assert_int_equal(json_integer_value(json_object_get(f, "size")), 20 * MIB);
  }
  snprintf(path, sizeof(path), "%s", tl_str(json_array_get(files, 1), "content_url"));
  tl_response_free(&r);
  assert_int_equal(spool_files(), 0);

  get(w.q_worker.token, path, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(r.body_len, 20 * MIB);
  sha256_hex(r.body, r.body_len, got);
  assert_string_equal(got, sha[1]);
  tl_response_free(&r);

  long growth = peak_kb() - peak_before;
  print_message("the gateway's peak memory grew by %ld KiB\n", growth);
  if (growth > MAX_GROWTH_KB) fail_msg("the gateway's peak memory grew by %ld KiB", growth);
  free(photo[0]);
  free(photo[1]);
}

static void test_form_fields_arrive_as_sent(void **state) {
  (void)state;
  char case_id[37], path[160];
  struct tl_response r;
  const char *title = "K\xc3\xa4llare \"norr\"; v\xc3\xa5ning -1\\2";
  case_with_task(case_id, NULL);
  const struct part parts[] = {field("type", "other"),
                               field("title", title),
                               {"file", "sm\xc3\xa5.png", png_head, sizeof(png_head)}};
  snprintf(path, sizeof(path), "/v1/cases/%s/documents", case_id);
  post_form(w.q_worker.token, path, parts, 3, &r);
  tl_expect(&r, 201);
  tl_assert_str(r.json, "title", title);
  tl_assert_str(r.json, "file_name", "sm\xc3\xa5.png");
  assert_int_equal(json_integer_value(json_object_get(r.json, "size")), sizeof(png_head));
  tl_response_free(&r);

  /* the service still judges the form: a file under the wrong field name */
  const struct part wrong[] = {field("type", "other"),
                               {"photo", "a.png", png_head, sizeof(png_head)}};
  post_form(w.q_worker.token, path, wrong, 2, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_response_free(&r);
  assert_int_equal(documents_of(case_id), 1);
  assert_int_equal(spool_files(), 0);
}

static void test_body_limits_are_checked_before_reading(void **state) {
  (void)state;
  char req[1024];
  struct timeval tv = {10, 0};
  /* 10 files of 30 MiB and 1 MiB of form: one byte more is refused from the head alone */
  unsigned long long over = 10ull * MAX_FILE + MIB + 1;
  const char *kinds[] = {"multipart/form-data; boundary=" BOUNDARY, "application/octet-stream"};
  unsigned long long lengths[] = {over, 33ull * MIB};
  for (int i = 0; i < 2; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)gw.port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    int k = snprintf(req, sizeof(req),
                     "POST /v1/cases/00000000-0000-4000-8000-000000000000/documents HTTP/1.1\r\n"
                     "Host: x\r\nAuthorization: Bearer %.400s\r\nContent-Type: %s\r\n"
                     "Content-Length: %llu\r\n\r\n",
                     w.q_worker.token, kinds[i], lengths[i]);
    assert_true(k < (int)sizeof(req));
    assert_int_equal(write(fd, req, (size_t)k), k);
    char resp[2048] = "";
    ssize_t n = recv(fd, resp, sizeof(resp) - 1, 0);
    close(fd);
    assert_true(n > 12);
    resp[n] = '\0';
    if (strncmp(resp, "HTTP/1.1 413", 12) != 0) fail_msg("%s: %.200s", kinds[i], resp);
    assert_non_null(strstr(resp, "application/problem+json"));
  }
  assert_int_equal(spool_files(), 0);
}

static void test_without_a_good_token_nothing_is_spooled(void **state) {
  (void)state;
  char case_id[37], path[160], url[512];
  struct tl_response r;
  size_t len, n = 8 * MIB;
  unsigned char *data = png_file(n, 5);
  case_with_task(case_id, NULL);
  const struct part parts[] = {field("type", "other"), {"file", "x.png", data, n}};
  char *body = form_body(parts, 2, &len);

  /* while the body arrives: not a byte on disk */
  const char *authz[] = {"Authorization: Bearer not.a.token", "X-Nothing: 1"};
  for (int i = 0; i < 2; i++) {
    int fd = partial_upload(case_id, authz[i], body, len, len / 2);
    usleep(300000);
    assert_int_equal(spool_files(), 0);
    close(fd);
  }
  /* and whole: 401, still nothing */
  snprintf(path, sizeof(path), "/v1/cases/%s/documents", case_id);
  snprintf(url, sizeof(url), "%s%s", gw.url, path);
  const char *h[] = {"Authorization: Bearer not.a.token",
                     "Content-Type: multipart/form-data; boundary=" BOUNDARY, NULL};
  assert_int_equal(tl_http("POST", url, h, body, len, 60000, &r), 0);
  tl_assert_problem(&r, 401, PROBLEM("invalid-token"));
  tl_response_free(&r);
  const char *none[] = {"Content-Type: multipart/form-data; boundary=" BOUNDARY, NULL};
  assert_int_equal(tl_http("POST", url, none, body, len, 60000, &r), 0);
  tl_assert_problem(&r, 401, PROBLEM("unauthenticated"));
  tl_response_free(&r);
  assert_int_equal(spool_files(), 0);
  assert_int_equal(documents_of(case_id), 0);
  free(body);
  free(data);
}

static void test_a_client_gone_half_way_leaves_nothing(void **state) {
  (void)state;
  char case_id[37], authz[2048];
  size_t len;
  unsigned char *data = png_file(MAX_FILE, 6);
  case_with_task(case_id, NULL);
  tl_replica_sync();
  const struct part parts[] = {field("type", "other"), {"file", "half.png", data, MAX_FILE}};
  char *body = form_body(parts, 2, &len);
  snprintf(authz, sizeof(authz), "Authorization: Bearer %s", w.q_worker.token);

  int fd = partial_upload(case_id, authz, body, len, len / 2);
  assert_true(tl_wait(spool_busy, NULL, 5000)); /* it was being spooled */
  close(fd);                                    /* half of it, then gone */
  assert_true(tl_wait(spool_empty, NULL, 5000));
  assert_int_equal(documents_of(case_id), 0);
  free(body);
  free(data);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_a_30_mib_document_goes_up_and_comes_back, spool_left_empty),
      cmocka_unit_test_teardown(test_one_byte_over_30_mib_is_refused_at_the_gateway,
                                spool_left_empty),
      cmocka_unit_test_teardown(test_a_report_with_two_20_mib_photos, spool_left_empty),
      cmocka_unit_test_teardown(test_form_fields_arrive_as_sent, spool_left_empty),
      cmocka_unit_test_teardown(test_body_limits_are_checked_before_reading, spool_left_empty),
      cmocka_unit_test_teardown(test_without_a_good_token_nothing_is_spooled, spool_left_empty),
      cmocka_unit_test_teardown(test_a_client_gone_half_way_leaves_nothing, spool_left_empty),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
