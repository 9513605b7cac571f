/* Test helpers: the stack's environment file, an HTTP client on libcurl, requests and logins,
 * the event feed, shell and polling. */
#include <curl/curl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "http_client.h"
#include "testlib.h"

#define TL_MAX_VARS 64

static char tl_names[TL_MAX_VARS][64];
static char tl_values[TL_MAX_VARS][512];
static int tl_count = -1;

static void tl_load(void) {
  const char *path = config_env("CLAIMSUITE_STACK_ENV", NULL);
  tl_count = 0;
  if (path == NULL) return;
  FILE *f = fopen(path, "r");
  if (f == NULL) return;
  char line[640];
  while (tl_count < TL_MAX_VARS && fgets(line, sizeof(line), f) != NULL) {
    line[strcspn(line, "\n")] = '\0';
    char *eq = strchr(line, '=');
    if (eq == NULL) continue;
    *eq = '\0';
    snprintf(tl_names[tl_count], sizeof(tl_names[0]), "%.63s", line);
    snprintf(tl_values[tl_count], sizeof(tl_values[0]), "%.511s", eq + 1);
    tl_count++;
  }
  fclose(f);
}

const char *tl_env(const char *name) {
  if (tl_count < 0) tl_load();
  for (int i = 0; i < tl_count; i++)
    if (!strcmp(tl_names[i], name)) return tl_values[i];
  fprintf(stderr, "test environment has no %s (is CLAIMSUITE_STACK_ENV set?)\n", name);
  abort();
}

/* With CLAIMSUITE_RECORD_RESPONSES=DIR, every answer a test receives is appended to
 * DIR/<test binary>.jsonl (rewritten by each run): method, path, query, status, Content-Type and
 * a JSON body (others by their size), for tests/contract/check_responses.py to hold against the
 * OpenAPI documents. */
static FILE *tl_record_file(void) { /* under tl_record's lock */
  static FILE *f;
  static int opened;
  if (opened) return f;
  opened = 1;
  const char *dir = config_env("CLAIMSUITE_RECORD_RESPONSES", NULL);
  char exe[512], path[1024];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (dir == NULL || n <= 0) return NULL;
  exe[n] = '\0';
  const char *name = strrchr(exe, '/') != NULL ? strrchr(exe, '/') + 1 : exe;
  snprintf(path, sizeof(path), "%s/%s.jsonl", dir, name);
  f = fopen(path, "w");
  return f;
}

static void tl_record(const char *method, const char *url, const struct tl_response *r) {
  static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* some tests call from threads */
  if (config_env("CLAIMSUITE_RECORD_RESPONSES", NULL) == NULL) return;
  const char *path = strstr(url, "://");
  path = path != NULL ? strchr(path + 3, '/') : url;
  size_t olen = path != NULL ? (size_t)(path - url) : strlen(url);
  if (path == NULL) path = "/";
  size_t plen = strcspn(path, "?");
  char *type = tl_header(r, "Content-Type");
  json_t *line =
      json_pack("{s:s, s:s%, s:s%, s:s, s:I, s:s?, s:I}", "method", method, "origin", url, olen,
                "path", path, plen, "query", path[plen] == '?' ? path + plen + 1 : "", "status",
                (json_int_t)r->status, "content_type", type, "size", (json_int_t)r->body_len);
  if (line != NULL && r->json != NULL) json_object_set(line, "body", r->json);
  char *text = line != NULL ? json_dumps(line, JSON_COMPACT) : NULL;
  pthread_mutex_lock(&lock);
  FILE *f = tl_record_file();
  if (f != NULL && text != NULL) {
    fputs(text, f);
    fputc('\n', f);
    fflush(f);
  }
  pthread_mutex_unlock(&lock);
  free(text);
  json_decref(line);
  free(type);
}

int tl_http(const char *method, const char *url, const char *const *headers, const char *body,
            size_t body_len, long timeout_ms, struct tl_response *out) {
  memset(out, 0, sizeof(*out));
  CURL *c = curl_easy_init();
  if (c == NULL) return -1;
  struct httpc_body b = {0}, h = {0};
  struct curl_slist *list = NULL;
  /* curl adds these on its own unless told not to: the tests want exact requests */
  list = curl_slist_append(list, "Expect:");
  for (int i = 0; headers != NULL && headers[i] != NULL; i++)
    list = curl_slist_append(list, headers[i]);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 30000L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, httpc_collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, httpc_collect);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
  if (!strcmp(method, "HEAD")) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  if (body != NULL) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
  }
  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
  curl_slist_free_all(list);
  curl_easy_cleanup(c);
  out->body = b.data != NULL ? b.data : calloc(1, 1);
  out->body_len = b.len;
  out->headers = h.data != NULL ? h.data : calloc(1, 1);
  if (rc != CURLE_OK) return -1;
  out->json = json_loadb(b.data, b.len, 0, NULL);
  tl_record(method, url, out);
  return 0;
}

char *tl_header(const struct tl_response *r, const char *name) {
  size_t n = strlen(name);
  const char *p = r->headers;
  while (p != NULL && *p) {
    if (!strncasecmp(p, name, n) && p[n] == ':') {
      p += n + 1;
      while (*p == ' ') p++;
      size_t len = strcspn(p, "\r\n");
      return strndup(p, len);
    }
    p = strchr(p, '\n');
    if (p != NULL) p++;
  }
  return NULL;
}

void tl_response_free(struct tl_response *r) {
  free(r->body);
  free(r->headers);
  json_decref(r->json);
  memset(r, 0, sizeof(*r));
}

long tl_call(const char *base, const char *method, const char *path, const char *token,
             const char *body, const char *extra_header, struct tl_response *r) {
  char url[1024], *auth = NULL;
  const char *h[4] = {0};
  int n = 0;
  snprintf(url, sizeof(url), "%s%s", base, path);
  if (token != NULL) {
    size_t len = strlen(token) + 32;
    auth = malloc(len);
    snprintf(auth, len, "Authorization: Bearer %s", token);
    h[n++] = auth;
  }
  if (body != NULL) h[n++] = "Content-Type: application/json";
  if (extra_header != NULL) h[n++] = extra_header;
  int rc = tl_http(method, url, h, body, body != NULL ? strlen(body) : 0, 0, r);
  free(auth);
  assert_int_equal(rc, 0);
  return r->status;
}

char *tl_urlencode(const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  size_t n = strlen(s);
  char *out = malloc(3 * n + 1), *p = out;
  assert_non_null(out);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        strchr("-._~", c) != NULL) {
      *p++ = (char)c;
    } else {
      *p++ = '%';
      *p++ = hex[c >> 4];
      *p++ = hex[c & 15];
    }
  }
  *p = '\0';
  return out;
}

const char *tl_form(const char *first, ...) {
  static char buf[4096];
  va_list ap;
  size_t len = 0;
  buf[0] = '\0';
  va_start(ap, first);
  for (const char *k = first; k != NULL; k = va_arg(ap, const char *)) {
    const char *v = va_arg(ap, const char *);
    if (v == NULL) continue;
    char *ev = tl_urlencode(v);
    len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s=%s", len ? "&" : "", k, ev);
    free(ev);
  }
  va_end(ap);
  assert_true(len < sizeof(buf));
  return buf;
}

long tl_login(const char *base, const char *email, const char *password, const char *portal,
              struct tl_response *r) {
  char url[512];
  const char *h[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
  const char *body = tl_form("grant_type", "password", "username", email, "password", password,
                             "portal", portal, NULL);
  snprintf(url, sizeof(url), "%s/v1/auth/token", base);
  assert_int_equal(tl_http("POST", url, h, body, strlen(body), 0, r), 0);
  return r->status;
}

int tl_feed(const char *base, const char *service,
            int (*page)(const json_t *items, long long next_after, void *arg), void *arg) {
  long long after = 0;
  for (;;) {
    char url[512];
    struct tl_response r;
    snprintf(url, sizeof(url), "/internal/events?after=%lld&limit=1000", after);
    if (tl_service_call(base, service, "GET", url, NULL, &r) != 200) {
      tl_response_free(&r);
      return -1;
    }
    const json_t *items = json_object_get(r.json, "items");
    long long next = json_integer_value(json_object_get(r.json, "next_after"));
    int rc = page(items, next, arg);
    size_t n = json_array_size(items);
    tl_response_free(&r);
    if (rc != 0) return rc;
    if (n == 0 || next <= after) return 0;
    after = next;
  }
}

int tl_stack(const char *command, const char *args) {
  return tl_sh("bash %s/tests/support/stack.sh %s %s %s", tl_env("SOURCE_DIR"), command,
               tl_env("STACK_DIR"), args);
}

int tl_sh(const char *fmt, ...) {
  char cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof(cmd), fmt, ap);
  va_end(ap);
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

long long tl_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tl_wait(int (*fn)(void *arg), void *arg, long timeout_ms) {
  int v = 0;
  for (long waited = 0; waited <= timeout_ms; waited += 50) {
    if ((v = fn(arg)) != 0) return v;
    usleep(50000);
  }
  return v;
}

static int answers_200(void *url) {
  struct tl_response r;
  int ok = tl_http("GET", url, NULL, NULL, 0, 1000, &r) == 0 && r.status == 200;
  tl_response_free(&r);
  return ok;
}

int tl_wait_200(const char *url, long timeout_ms) {
  return tl_wait(answers_200, (void *)url, timeout_ms);
}
