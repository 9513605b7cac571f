/* Fuzzes multipart/form-data uploads end to end in one process. The multipart bytes themselves
 * are parsed by libmicrohttpd's post processor (through ulfius), not by our code; what is ours
 * and fuzzed here is everything around it: the server core as the gateway and the services run
 * it (common/http_server.c, behind a front as gateway/edge.c puts it), the streaming upload
 * callbacks (common/http_upload.c: the services' and the gateway's spooling one, which lets the
 * raw body go chunk by chunk), the blob store's writer, file names and content types
 * (blob.c, blob_type.c), and a handler taking the files as the routes do (http_upload_take,
 * commit, read back, as gateway/proxy_upload.c does). Each input is one POST sent over a socket
 * pair handed to the server (http_server_add_connection); nothing of an upload may be left in the
 * store's tmp/ once its request is over.
 *
 * Input: byte 0: bit 0 the gateway's spooling server (else a service's), bit 1 the path needs a
 * bearer token (none is sent: no file may be written), bit 2 the first line of the rest is the
 * Content-Type's parameters (else boundary=fuzzboundary); the rest is the body. */
#define _GNU_SOURCE /* nftw */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "blob.h"
#include "http_server.h"
#include "http_upload.h"
#include "log.h"
#include "status.h"

#define MAX_FILE_BYTES 4096
#define MAX_BODY_BYTES (256 * 1024)

struct server {
  struct http_server *srv;
  struct http_uploads uploads; /* the server keeps a pointer to it */
};

static struct server servers[2];
/* which of the two a NOTE is about */
static const char *server_name(const struct http_server *srv) {
  return srv == servers[1].srv ? "the gateway's" : "a service's";
}
static struct blob_store *store;
static char store_dir[256];

static int accepts(const char *url_path) {
  if (strcmp(url_path, "/upload") == 0) return HTTP_UPLOAD_OWN;
  if (strcmp(url_path, "/upload-bearer") == 0) return HTTP_UPLOAD_BEARER;
  return HTTP_UPLOAD_NONE;
}

static int own_ok(const struct _u_request *request, void *arg) {
  (void)request;
  (void)arg;
  return 1; /* the customer page's session, say: always valid here */
}

/* The files as a route takes them: each checked, committed, read back and removed. */
static void take_files(struct http_exchange *x, void *arg) {
  (void)arg;
  struct http_upload *u = http_upload_take(x->req);
  char text[64];
  size_t kept = 0;
  if (u != NULL && u->nfiles > HTTP_UPLOAD_MAX_FILES) abort();
  if (u != NULL && u->unauthenticated && strcmp(x->req->url_path, "/upload-bearer") != 0) abort();
  for (size_t i = 0; u != NULL && i < u->nfiles; i++) {
    struct http_upload_file *f = &u->files[i];
    if (f->name[0] == '\0' || strchr(f->name, '/') != NULL || strchr(f->name, '"') != NULL) abort();
    if (f->writer == NULL) continue;
    if (u->unauthenticated || f->too_large || f->size > MAX_FILE_BYTES || f->type[0] == '\0')
      abort();
    if (u->failed) continue;
    if (http_upload_commit(f) != CS_OK) abort();
    int fd = -1;
    long long size = -1;
    if (blob_open(store, f->sha256, &fd, &size) != CS_OK || size != f->size) abort();
    close(fd);
    char path[512];
    snprintf(path, sizeof(path), "%s/%.2s/%.2s/%s", store_dir, f->sha256, f->sha256 + 2, f->sha256);
    unlink(path);
    kept++;
  }
  snprintf(text, sizeof(text), "{\"files\":%zu}", kept);
  ulfius_set_string_body_response(x->resp, 200, text);
  http_upload_free(u);
}

static void start(struct server *s, int spooling) {
  char err[256];
  const struct http_server_settings settings = {.name = spooling ? "gateway" : "cases",
                                                .bind_address = "127.0.0.1",
                                                .threads = 2, /* a pool, as the services run */
                                                .timeout_s = 5,
                                                .max_connections = 8,
                                                .behind_front = 1,
                                                .max_body_bytes = MAX_BODY_BYTES,
                                                .bodies_as_bytes = spooling,
                                                /* as the gateway runs (gateway/main.c) */
                                                .thread_per_connection = spooling};
  s->uploads = (struct http_uploads){store, MAX_FILE_BYTES, accepts, NULL, NULL, own_ok, NULL};
  if (http_server_new(&settings, &s->srv, err, sizeof(err)) != CS_OK) abort();
  if (spooling)
    http_server_spool_uploads(s->srv, &s->uploads, 64 * 1024);
  else
    http_server_uploads(s->srv, &s->uploads);
  if (http_server_endpoint(s->srv, "POST", "/upload", take_files, NULL, 0) != CS_OK ||
      http_server_endpoint(s->srv, "POST", "/upload-bearer", take_files, NULL, 0) != CS_OK ||
      http_server_start(s->srv) != CS_OK)
    abort();
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

/* The store goes when the fuzzer exits (its blobs are removed as they are read back already). */
static void remove_store(void) { nftw(store_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS); }

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  const char *base = getenv("FUZZ_SCRATCH_DIR");
  snprintf(store_dir, sizeof(store_dir), "%s/claimsuite-fuzz-XXXXXX", base != NULL ? base : "/tmp");
  setenv("ACCESS_LOG", "off", 1);
  log_init("fuzz", "critical");
  if (mkdtemp(store_dir) == NULL || blob_store_open_dir(store_dir, &store) != CS_OK) abort();
  atexit(remove_store);
  start(&servers[0], 0);
  start(&servers[1], 1);
  return 0;
}

/* Files left in the store's tmp/ (uploads being written). */
static int uploads_in_progress(void) {
  char path[300];
  snprintf(path, sizeof(path), "%s/tmp", store_dir);
  DIR *d = opendir(path);
  int n = 0;
  if (d == NULL) abort();
  for (struct dirent *e; (e = readdir(d)) != NULL;)
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

static void send_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return; /* the server answered early and closed: fine */
    p += k;
    n -= (size_t)k;
  }
}

/* A connection handed over and closed at once: it wakes the server's thread. */
static void poke(struct http_server *srv) {
  int fds[2];
  struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(40001)};
  peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) abort();
  if (http_server_add_connection(srv, fds[1], (struct sockaddr *)&peer, sizeof(peer)) != CS_OK)
    abort();
  close(fds[0]);
}

/* The status of the answer read from fd until the server closes, 0 for none; its first bytes
 * in head. libmicrohttpd (0.9.75) sometimes leaves a connection handed over from another thread
 * unserved until something else wakes its thread (seen after thousands of connections, for
 * seconds to minutes): after 2 s of silence the server is woken once by another connection and
 * the stall is noted (run.sh counts the NOTE lines); no answer 6 s later is a failure. */
static int read_answer(struct http_server *srv, int fd, char head[256]) {
  char buf[4096];
  size_t got = 0;
  int poked = 0;
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    int ready = poll(&p, 1, poked ? 6000 : 2000);
    if (ready != 1 && !poked) {
      poke(srv);
      poked = 1;
      continue;
    }
    if (poked == 1 && ready == 1) {
      fprintf(stderr, "NOTE: %s server went on only once woken (%zu bytes before)\n",
              server_name(srv), got);
      poked = 2;
    }
    if (ready != 1) { /* the server must answer, and close */
      fprintf(stderr, "no answer within 8 s (%zu bytes of it came)\n", got);
      abort();
    }
    ssize_t k = read(fd, buf, sizeof(buf));
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    for (ssize_t i = 0; i < k && got < 255; i++) head[got++] = buf[i];
  }
  return strncmp(head, "HTTP/1.1 ", 9) == 0 ? atoi(head + 9) : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > MAX_BODY_BYTES) return 0;
  const struct server *s = &servers[data[0] & 1];
  const char *path = (data[0] & 2) ? "/upload-bearer" : "/upload";
  const char *body = (const char *)data + 1, *params = "boundary=fuzzboundary";
  size_t body_len = size - 1, params_len = strlen(params);
  if (data[0] & 4) {
    const char *nl = memchr(body, '\n', body_len);
    if (nl == NULL || memchr(body, '\r', (size_t)(nl - body)) != NULL ||
        memchr(body, '\0', (size_t)(nl - body)) != NULL)
      return 0;
    params = body;
    params_len = (size_t)(nl - body);
    body_len -= params_len + 1;
    body = nl + 1;
  }
  char *head = malloc(params_len + 256);
  int head_len = sprintf(head,
                         "POST %s HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n"
                         "Content-Type: multipart/form-data; %.*s\r\nContent-Length: %zu\r\n\r\n",
                         path, (int)params_len, params, body_len);

  int fds[2];
  /* as gateway/edge.c hands a connection over: the server's end non-blocking */
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0 ||
      fcntl(fds[1], F_SETFL, O_NONBLOCK) != 0)
    abort();
  struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(40000)};
  peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (http_server_add_connection(s->srv, fds[1], (struct sockaddr *)&peer, sizeof(peer)) != CS_OK)
    abort();
  send_all(fds[0], head, (size_t)head_len);
  send_all(fds[0], body, body_len);
  char answer[256] = "";
  int status = read_answer(s->srv, fds[0], answer);
  close(fds[0]);
  free(head);
  /* never a server error for a client's bytes. No answer at all (0) is libmicrohttpd's and
   * ulfius' way with a body its post processor cannot parse: the connection is closed. */
  if ((status != 0 && status < 200) || status >= 500 || (status == 0 && answer[0] != '\0')) {
    fprintf(stderr, "answered:\n%s\n", answer);
    abort();
  }
  /* the request is over once it is answered and closed; its upload's files go with it */
  for (int i = 0; uploads_in_progress() > 0; i++) {
    if (i == 1000) {
      fprintf(stderr, "an upload was left in the store's tmp/\n");
      abort();
    }
    usleep(1000);
  }
  return 0;
}
