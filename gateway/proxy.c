/* Forwarding to upstreams on a per-thread reused libcurl easy handle. See proxy.h.
 *
 * Hot path: one request costs the curl_slist of request headers, the body buffer (handed to
 * ulfius without a copy) and the u_map entries of the response headers; the handle, its
 * connection cache and every scratch buffer live as long as the worker thread. */
#include "proxy.h"

#include <ctype.h>
#include <curl/curl.h>
#include <orcania.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "routes_table.h"
#include "status.h"

/* A grown-on-demand byte buffer. */
struct buf {
  char *data;
  size_t len, cap;
};

struct header_ref {
  size_t name, value; /* offsets of NUL-terminated strings in hdr_text */
};

struct proxy_thread {
  CURL *curl;
  struct buf url;       /* base URL + path + query */
  struct buf line;      /* one "Name: value" request header line */
  struct buf hdr_text;  /* response headers, "name\0value\0" each */
  struct header_ref *hdrs;
  size_t nhdrs, hdrs_cap;
  struct buf body;      /* response body; its data is handed to the ulfius response */
  int too_large;
  int head;             /* the request is a HEAD: a Content-Length announces no body */
};

static struct gw_proxy_settings settings;
static pthread_key_t thread_key;
static __thread struct proxy_thread *thread_state_ptr;

/* Makes room for extra more bytes. */
static int buf_reserve(struct buf *b, size_t extra) {
  if (b->len + extra <= b->cap) return CS_OK;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra) cap *= 2;
  char *grown = realloc(b->data, cap);
  if (grown == NULL) return CS_ERR_NOMEM;
  b->data = grown;
  b->cap = cap;
  return CS_OK;
}

static int buf_append(struct buf *b, const char *s, size_t n) {
  if (buf_reserve(b, n + 1) != CS_OK) return CS_ERR_NOMEM;
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
  return CS_OK;
}

static void thread_state_free(void *p) {
  struct proxy_thread *t = p;
  if (t == NULL) return;
  if (t->curl != NULL) curl_easy_cleanup(t->curl);
  free(t->url.data);
  free(t->line.data);
  free(t->hdr_text.data);
  free(t->hdrs);
  free(t->body.data);
  free(t);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata) {
  struct proxy_thread *t = userdata;
  size_t n = size * nmemb;
  if (t->body.len + n > (size_t)settings.max_response_bytes) {
    t->too_large = 1;
    return 0; /* curl fails the transfer with CURLE_WRITE_ERROR */
  }
  if (buf_reserve(&t->body, n) != CS_OK) return 0;
  memcpy(t->body.data + t->body.len, data, n);
  t->body.len += n;
  return n;
}

/* One response header line, CRLF included, not NUL-terminated. A status line starts a new
 * header set (after a 100 Continue the final response comes with its own). */
static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata) {
  struct proxy_thread *t = userdata;
  size_t n = size * nmemb, len = n;
  while (len > 0 && (data[len - 1] == '\r' || data[len - 1] == '\n')) len--;
  if (len >= 5 && !strncmp(data, "HTTP/", 5)) {
    t->nhdrs = 0;
    t->hdr_text.len = 0;
    return n;
  }
  const char *colon = memchr(data, ':', len);
  if (len == 0 || colon == NULL || colon == data || data[0] == ' ' || data[0] == '\t') return n;
  size_t name_len = (size_t)(colon - data);
  const char *v = colon + 1, *ve = data + len;
  while (v < ve && (*v == ' ' || *v == '\t')) v++;
  while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
  if (t->nhdrs == t->hdrs_cap) {
    size_t cap = t->hdrs_cap ? t->hdrs_cap * 2 : 32;
    struct header_ref *grown = realloc(t->hdrs, cap * sizeof(*grown));
    if (grown == NULL) return 0;
    t->hdrs = grown;
    t->hdrs_cap = cap;
  }
  struct header_ref *h = &t->hdrs[t->nhdrs];
  h->name = t->hdr_text.len;
  if (buf_append(&t->hdr_text, data, name_len) != CS_OK) return 0;
  t->hdr_text.len++; /* keep the NUL */
  h->value = t->hdr_text.len;
  if (buf_append(&t->hdr_text, v, (size_t)(ve - v)) != CS_OK) return 0;
  t->hdr_text.len++;
  t->nhdrs++;
  /* Size the body buffer once from Content-Length instead of doubling through it. */
  if (name_len == 14 && !strncasecmp(data, "Content-Length", 14)) {
    unsigned long long cl = strtoull(t->hdr_text.data + h->value, NULL, 10);
    if (!t->head && cl > 0 && cl <= (unsigned long long)settings.max_response_bytes &&
        t->body.len == 0 && cl > t->body.cap) {
      (void)buf_reserve(&t->body, (size_t)cl);
    }
  }
  return n;
}

static struct proxy_thread *thread_state(void) {
  if (thread_state_ptr != NULL) return thread_state_ptr;
  struct proxy_thread *t = calloc(1, sizeof(*t));
  if (t == NULL) return NULL;
  t->curl = curl_easy_init();
  if (t->curl == NULL) {
    free(t);
    return NULL;
  }
  CURL *c = t->curl;
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, settings.connect_timeout_ms);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, settings.timeout_ms);
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L); /* forward the path as received */
  curl_easy_setopt(c, CURLOPT_PROXY, "");      /* upstreams are direct: no proxy variables */
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)settings.max_response_bytes);
  curl_easy_setopt(c, CURLOPT_MAXCONNECTS, (long)GW_UP_COUNT * 2);
  curl_easy_setopt(c, CURLOPT_DNS_CACHE_TIMEOUT, 300L);
  /* Retire idle upstream connections before the services' own idle timeout closes them. */
  curl_easy_setopt(c, CURLOPT_MAXAGE_CONN, 30L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
  if (pthread_setspecific(thread_key, t) != 0) {
    thread_state_free(t);
    return NULL;
  }
  thread_state_ptr = t;
  return t;
}

int gw_proxy_init(const struct gw_proxy_settings *s) {
  settings = *s;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return CS_ERR;
  if (pthread_key_create(&thread_key, thread_state_free) != 0) {
    curl_global_cleanup();
    return CS_ERR;
  }
  return CS_OK;
}

void gw_proxy_cleanup(void) {
  /* The calling thread's state, if it ever forwarded (worker threads free theirs on exit). */
  thread_state_free(thread_state_ptr);
  thread_state_ptr = NULL;
  pthread_key_delete(thread_key);
  curl_global_cleanup();
}

/* Appends "Name: value" (or "Name;" for an empty value, curl's spelling) to list. */
static int add_header(struct proxy_thread *t, struct curl_slist **list, const char *name,
                      const char *value1, const char *value2) {
  t->line.len = 0;
  int empty = (value1 == NULL || value1[0] == '\0') && (value2 == NULL || value2[0] == '\0');
  if (buf_append(&t->line, name, strlen(name)) != CS_OK ||
      buf_append(&t->line, empty ? ";" : ": ", empty ? 1 : 2) != CS_OK ||
      (value1 && buf_append(&t->line, value1, strlen(value1)) != CS_OK) ||
      (value2 && buf_append(&t->line, value2, strlen(value2)) != CS_OK)) {
    return CS_ERR_NOMEM;
  }
  struct curl_slist *grown = curl_slist_append(*list, t->line.data);
  if (grown == NULL) return CS_ERR_NOMEM;
  *list = grown;
  return CS_OK;
}

/* The request headers to send upstream: the client's minus hop-by-hop ones, plus the gateway's
 * X-Request-Id and X-Forwarded-*, minus curl's defaults the client did not send. */
static int build_request_headers(struct proxy_thread *t, const struct _u_request *req,
                                 const struct gw_forward *f, int has_body,
                                 struct curl_slist **out) {
  const struct _u_map *h = req->map_header;
  const char *connection = u_map_get_case(h, "Connection");
  const char *xff = NULL, *xfp = NULL, *xfh = NULL, *host = NULL;
  int has_accept = 0, has_ctype = 0, rc = CS_OK;
  struct curl_slist *list = NULL;
  for (int i = 0; h != NULL && i < h->nb_values; i++) {
    const char *name = h->keys[i], *value = h->values[i];
    if (value == NULL) value = "";
    if (!strcasecmp(name, "Host")) host = value;
    if (gw_header_is_hop_by_hop(name, connection)) continue;
    if (!strcasecmp(name, "X-Forwarded-For")) {
      xff = value;
      continue;
    }
    if (!strcasecmp(name, "X-Request-Id") || !strcasecmp(name, "Expect")) continue;
    if (!strcasecmp(name, "X-Forwarded-Proto")) xfp = value;
    if (!strcasecmp(name, "X-Forwarded-Host")) xfh = value;
    if (!strcasecmp(name, "Accept")) has_accept = 1;
    if (!strcasecmp(name, "Content-Type")) has_ctype = 1;
    if ((rc = add_header(t, &list, name, value, NULL)) != CS_OK) goto done;
  }
  if ((rc = add_header(t, &list, "X-Request-Id", f->request_id, NULL)) != CS_OK) goto done;
  if (f->client_ip != NULL) {
    if (xff != NULL && xff[0] != '\0') {
      char tail[64];
      snprintf(tail, sizeof(tail), ", %s", f->client_ip);
      rc = add_header(t, &list, "X-Forwarded-For", xff, tail);
    } else {
      rc = add_header(t, &list, "X-Forwarded-For", f->client_ip, NULL);
    }
  } else if (xff != NULL) {
    rc = add_header(t, &list, "X-Forwarded-For", xff, NULL);
  }
  if (rc != CS_OK) goto done;
  if (xfp == NULL && (rc = add_header(t, &list, "X-Forwarded-Proto", "http", NULL)) != CS_OK) {
    goto done;
  }
  if (xfh == NULL && host != NULL && host[0] != '\0' &&
      (rc = add_header(t, &list, "X-Forwarded-Host", host, NULL)) != CS_OK) {
    goto done;
  }
  /* "Name:" removes a header curl would add on its own. */
  struct curl_slist *grown;
  if ((grown = curl_slist_append(list, "Expect:")) == NULL) goto nomem;
  list = grown;
  if (!has_accept) {
    if ((grown = curl_slist_append(list, "Accept:")) == NULL) goto nomem;
    list = grown;
  }
  if (has_body && !has_ctype) {
    if ((grown = curl_slist_append(list, "Content-Type:")) == NULL) goto nomem;
    list = grown;
  }
  rc = CS_OK;
  goto done;
nomem:
  rc = CS_ERR_NOMEM;
done:
  if (rc != CS_OK) {
    curl_slist_free_all(list);
    list = NULL;
  }
  *out = list;
  return rc;
}

static int is_token_char(unsigned char c) {
  return isalnum(c) || strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* 1 when MHD will accept the header as is (it refuses the whole response otherwise). */
static int header_sendable(const char *name, const char *value) {
  if (name[0] == '\0') return 0;
  for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
    if (!is_token_char(*p)) return 0;
  }
  for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
    if ((*p < 0x20 && *p != '\t') || *p == 0x7f) return 0;
  }
  return 1;
}

/* Adds one upstream header to the response map. The map's keys are case-sensitive and unique:
 * a repeated Set-Cookie goes in under another spelling of its name ("set-cookie", ...), which
 * HTTP treats as the same header, so every cookie reaches the client; other repeats are joined
 * with ", " as RFC 9110 allows. */
static int put_response_header(struct _u_map *map, const char *name, const char *value) {
  const char *prev = u_map_get_case(map, name);
  if (prev == NULL) return u_map_put(map, name, value) == U_OK ? CS_OK : CS_ERR_NOMEM;
  if (strcasecmp(name, "Set-Cookie") != 0) {
    size_t n = strlen(prev) + strlen(value) + 3;
    char *joined = malloc(n);
    if (joined == NULL) return CS_ERR_NOMEM;
    snprintf(joined, n, "%s, %s", prev, value);
    /* Replace under the spelling already present. */
    for (int i = 0; i < map->nb_values; i++) {
      if (!strcasecmp(map->keys[i], name)) {
        int rc = u_map_put(map, map->keys[i], joined) == U_OK ? CS_OK : CS_ERR_NOMEM;
        free(joined);
        return rc;
      }
    }
    free(joined);
    return CS_ERR;
  }
  char variant[32];
  size_t n = strlen(name);
  if (n >= sizeof(variant)) return CS_ERR;
  for (unsigned k = 1; k < 1024; k++) {
    unsigned bit = 0;
    for (size_t i = 0; i < n; i++) {
      char c = name[i];
      if (isalpha((unsigned char)c)) {
        c = (k >> bit) & 1 ? (char)(isupper((unsigned char)c) ? tolower((unsigned char)c)
                                                             : toupper((unsigned char)c))
                           : c;
        bit++;
      }
      variant[i] = c;
    }
    variant[n] = '\0';
    if (!u_map_has_key(map, variant)) return u_map_put(map, variant, value) == U_OK ? CS_OK : CS_ERR_NOMEM;
  }
  return CS_ERR; /* a thousand cookies in one response: drop the rest */
}

static int copy_response(struct proxy_thread *t, struct _u_response *resp, long status) {
  const char *connection = NULL;
  for (size_t i = 0; i < t->nhdrs; i++) {
    if (!strcasecmp(t->hdr_text.data + t->hdrs[i].name, "Connection")) {
      connection = t->hdr_text.data + t->hdrs[i].value;
    }
  }
  for (size_t i = 0; i < t->nhdrs; i++) {
    const char *name = t->hdr_text.data + t->hdrs[i].name;
    const char *value = t->hdr_text.data + t->hdrs[i].value;
    /* MHD writes Date and Content-Length itself; the request id is the gateway's. */
    if (gw_header_is_hop_by_hop(name, connection) || !strcasecmp(name, "Date") ||
        !strcasecmp(name, "X-Request-Id") || !header_sendable(name, value)) {
      continue;
    }
    int rc = put_response_header(resp->map_header, name, value);
    if (rc == CS_ERR_NOMEM) return rc;
  }
  resp->status = status;
  o_free(resp->binary_body);
  resp->binary_body = NULL;
  resp->binary_body_length = 0;
  if (t->body.len > 0) {
    /* Handed over: ulfius frees it with o_free (free) when the response is done. */
    resp->binary_body = t->body.data;
    resp->binary_body_length = t->body.len;
    t->body.data = NULL;
    t->body.cap = 0;
  }
  t->body.len = 0;
  return CS_OK;
}

static int is_method(const char *m, const char *name) { return strcmp(m, name) == 0; }

/* The request target as received; a raw '#' (which curl would take for a fragment and cut)
 * goes out as %23. */
static int append_target(struct buf *url, const char *target) {
  for (const char *p = target; *p != '\0';) {
    size_t n = strcspn(p, "#");
    if (n > 0 && buf_append(url, p, n) != CS_OK) return CS_ERR_NOMEM;
    p += n;
    if (*p == '#') {
      if (buf_append(url, "%23", 3) != CS_OK) return CS_ERR_NOMEM;
      p++;
    }
  }
  return CS_OK;
}

int gw_proxy_forward(const struct _u_request *req, const struct gw_forward *f,
                     struct _u_response *resp, const char **detail) {
  struct curl_slist *headers = NULL;
  int rc;
  struct proxy_thread *t = thread_state();
  *detail = "the gateway is out of memory";
  if (t == NULL) return CS_ERR_NOMEM;
  CURL *c = t->curl;
  const char *method = req->http_verb;
  int has_body = req->binary_body_length > 0 || is_method(method, "POST") ||
                 is_method(method, "PUT") || is_method(method, "PATCH");

  t->url.len = 0;
  if ((rc = buf_append(&t->url, f->base_url, strlen(f->base_url))) != CS_OK ||
      (rc = append_target(&t->url, req->http_url)) != CS_OK ||
      (rc = build_request_headers(t, req, f, has_body, &headers)) != CS_OK) {
    goto done;
  }
  t->head = is_method(method, "HEAD");
  t->nhdrs = 0;
  t->hdr_text.len = 0;
  t->body.len = 0;
  t->too_large = 0;

  curl_easy_setopt(c, CURLOPT_URL, t->url.data);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  if (is_method(method, "HEAD")) {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
  } else if (has_body) {
    curl_easy_setopt(c, CURLOPT_NOBODY, 0L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->binary_body_length);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->binary_body != NULL ? (const char *)req->binary_body : "");
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, is_method(method, "POST") ? NULL : method);
  } else {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L); /* no body, and clears NOBODY */
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, is_method(method, "GET") ? NULL : method);
  }

  CURLcode cc = curl_easy_perform(c);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
  long status = 0;
  if (cc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (cc == CURLE_OK && status >= 200 && status <= 999) {
    rc = copy_response(t, resp, status);
    goto done;
  }
  switch (cc) {
    case CURLE_OK:
      *detail = "the upstream service sent no valid HTTP status";
      rc = CS_ERR;
      break;
    case CURLE_OPERATION_TIMEDOUT:
      *detail = "the upstream service did not answer in time";
      rc = CS_ERR_TIMEOUT;
      break;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
      *detail = "the upstream service is not reachable";
      rc = CS_ERR_UNAVAILABLE;
      break;
    case CURLE_URL_MALFORMAT:
      *detail = "the request target cannot be forwarded";
      rc = CS_ERR_INVALID;
      break;
    case CURLE_FILESIZE_EXCEEDED:
      *detail = "the upstream service's answer is too large";
      rc = CS_ERR;
      break;
    case CURLE_WRITE_ERROR:
      *detail = t->too_large ? "the upstream service's answer is too large"
                             : "the gateway is out of memory";
      rc = t->too_large ? CS_ERR : CS_ERR_NOMEM;
      break;
    default:
      *detail = "the upstream service's answer was broken off or malformed";
      rc = CS_ERR;
      break;
  }
  log_warning("upstream %s %s: %s", method, f->base_url, curl_easy_strerror(cc));
done:
  curl_slist_free_all(headers);
  t->body.len = 0;
  if (t->body.cap > (1u << 20)) { /* keep no huge buffer after a failed transfer */
    free(t->body.data);
    t->body.data = NULL;
    t->body.cap = 0;
  }
  return rc;
}
