/* Spooled uploads (see proxy_upload.h): which requests spool, why one is refused, how a spooled
 * file is read back and how the body is encoded anew for the upstream. */
#include "proxy_upload.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

#include "blob.h"
#include "http.h"
#include "http_server.h"
#include "http_upload.h"
#include "ids.h"
#include "log.h"
#include "routes_table.h"
#include "status.h"
#include "upstream_client.h"

#define CANONICAL_PATH_MAX 8192
#define BOUNDARY_MAX 64

struct gw_spool {
  struct blob_store *store;
  struct http_uploads uploads; /* the server keeps a pointer to it */
  pthread_mutex_t lock;        /* a spooled file's move, open and unlink: open_spooled */
  int dir_fd;                  /* flock()ed for the same, against other gateways on the dir */
  char dir[PATH_MAX - 256];
  long long max_file_bytes;
};

/* The routing table, for the upload callback, which gets no argument of ours: set once by
 * gw_spool_new, before the server runs. */
static const struct gw_config *routing;

/* 1 when the files of a multipart POST to url_path are spooled: a routed path that needs a
 * token. Public paths (logins) and the gateway's own keep their raw body, limited as any body. */
static int spools(const char *url_path) {
  char canon[CANONICAL_PATH_MAX];
  if (strlen(url_path) >= sizeof(canon) ||
      gw_path_canonical(url_path, canon, sizeof(canon)) != GW_PATH_OK)
    return 0;
  return gw_routes_match(&routing->routes, canon) >= 0 &&
         !gw_path_is_public(&routing->public_paths, canon);
}

int gw_spool_new(const struct gw_config *cfg, struct http_server *srv, struct gw_spool **out) {
  struct gw_spool *s = calloc(1, sizeof(*s));
  *out = NULL;
  if (s == NULL) return CS_ERR_NOMEM;
  if (strlen(cfg->spool_dir) >= sizeof(s->dir) ||
      blob_store_open_dir(cfg->spool_dir, &s->store) != CS_OK) {
    log_error("GATEWAY_SPOOL_DIR %s cannot be used", cfg->spool_dir);
    free(s);
    return CS_ERR;
  }
  if ((s->dir_fd = open(cfg->spool_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
    log_error("GATEWAY_SPOOL_DIR %s cannot be opened: %s", cfg->spool_dir, strerror(errno));
    blob_store_close(s->store);
    free(s);
    return CS_ERR;
  }
  pthread_mutex_init(&s->lock, NULL);
  snprintf(s->dir, sizeof(s->dir), "%s", cfg->spool_dir);
  s->max_file_bytes = cfg->max_file_bytes;
  routing = cfg;
  s->uploads = (struct http_uploads){s->store, cfg->max_file_bytes, spools, NULL, NULL, NULL, NULL};
  http_server_spool_uploads(srv, &s->uploads, GW_UPLOAD_FORM_BYTES);
  *out = s;
  return CS_OK;
}

void gw_spool_free(struct gw_spool *s) {
  if (s == NULL) return;
  blob_store_close(s->store);
  close(s->dir_fd);
  pthread_mutex_destroy(&s->lock);
  free(s);
}

long long gw_spool_max_body(const struct gw_config *cfg) {
  return HTTP_UPLOAD_MAX_FILES * (long long)cfg->max_file_bytes + GW_UPLOAD_FORM_BYTES;
}

struct http_upload *gw_spool_take(const struct _u_request *req) {
  if (strcmp(req->http_verb, "POST") != 0) return NULL; /* the hot path asks no map */
  return http_upload_take(req);
}

/* --- refusals ------------------------------------------------------------------------------- */

/* 1 with the problem to answer when u cannot be forwarded as it is. */
static int refused(const struct gw_spool *s, const struct _u_request *req,
                   const struct http_upload *u, enum problem_kind *kind, char *why, size_t len) {
  const struct _u_map *form = req->map_post_body;
  size_t form_bytes = 0;
  *kind = PROBLEM_BODY_TOO_LARGE;
  if (u->failed || u->unauthenticated) {
    /* unauthenticated: the token did not verify when the files began (the key set was out of
     * reach), so none was kept; it verifies now, but the files are not there to send */
    *kind = PROBLEM_UNAVAILABLE;
    snprintf(why, len, "the uploaded files could not be kept; try again");
    return 1;
  }
  for (size_t i = 0; i < u->nfiles; i++) {
    if (!u->files[i].too_large) continue;
    snprintf(why, len, "a file may be at most %lld bytes", s->max_file_bytes);
    return 1;
  }
  if (u->too_many) {
    snprintf(why, len, "a request may carry at most %d files", HTTP_UPLOAD_MAX_FILES);
    return 1;
  }
  for (int i = 0; form != NULL && i < form->nb_values; i++)
    form_bytes += strlen(form->keys[i]) + form->lengths[i];
  if (form_bytes > GW_UPLOAD_FORM_BYTES) {
    snprintf(why, len, "the form fields of an upload may be at most %ld bytes",
             GW_UPLOAD_FORM_BYTES);
    return 1;
  }
  return 0;
}

/* --- reading a spooled file back -------------------------------------------------------------- */

/* f's file open for reading in *fd, with nothing of it left on disk. The blob store files an
 * upload under its digest (blob.h: DIR/ab/cd/<sha256>), a name two uploads of the same content
 * share: the move there, the open and the unlink happen under one lock (of this process's threads,
 * and of any other gateway given the same directory), so each upload opens the file before any
 * other can unlink it. Its directories go too when empty. */
static int open_spooled(struct gw_spool *s, struct http_upload_file *f, int *fd) {
  char path[PATH_MAX];
  long long size = -1;
  int rc;
  *fd = -1;
  pthread_mutex_lock(&s->lock);
  while (flock(s->dir_fd, LOCK_EX) != 0 && errno == EINTR) {
  }
  rc = http_upload_commit(f); /* drops the file itself when it fails */
  if (rc == CS_OK) {
    rc = blob_open(s->store, f->sha256, fd, &size);
    snprintf(path, sizeof(path), "%s/%.2s/%.2s/%s", s->dir, f->sha256, f->sha256 + 2, f->sha256);
    unlink(path);
    snprintf(path, sizeof(path), "%s/%.2s/%.2s", s->dir, f->sha256, f->sha256 + 2);
    rmdir(path);
    snprintf(path, sizeof(path), "%s/%.2s", s->dir, f->sha256);
    rmdir(path);
  }
  flock(s->dir_fd, LOCK_UN);
  pthread_mutex_unlock(&s->lock);
  if (rc == CS_OK && size != f->size) rc = CS_ERR;
  if (rc != CS_OK) {
    log_error("a spooled upload could not be read back");
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
  return rc;
}

/* --- the body for the upstream -------------------------------------------------------------- */

/* One part: its head (in text), then its content from memory or from a file. The closing
 * delimiter is a part of a head only. */
struct part {
  size_t head_off, head_len;
  const char *mem;
  unsigned long long len;
  int fd; /* -1: the content is mem */
};

struct encoding {
  struct gw_bytes text;                         /* every part's head, one after another */
  struct part parts[HTTP_UPLOAD_MAX_FILES + 1]; /* the files, then the closing delimiter */
  struct part *fields;                          /* the form's parts: allocated, one per field */
  size_t nfields;
  char boundary[BOUNDARY_MAX];
  /* the reading position */
  size_t next;           /* the part being read: fields first, then parts */
  unsigned long long at; /* bytes of it read (head, then content) */
  size_t nparts;
};

/* A field or file name in a part head, as browsers write it (WHATWG): '"', CR and LF escaped. */
static int append_name(struct gw_bytes *b, const char *name) {
  for (const char *p = name; *p; p++) {
    const char *esc = *p == '"' ? "%22" : *p == '\r' ? "%0D" : *p == '\n' ? "%0A" : NULL;
    int rc = esc != NULL ? gw_bytes_append(b, esc, 3) : gw_bytes_append(b, p, 1);
    if (rc != CS_OK) return rc;
  }
  return CS_OK;
}

static int append_str(struct gw_bytes *b, const char *s) {
  return gw_bytes_append(b, s, strlen(s));
}

/* Adds a part head to e->text for p: a field (filename NULL) or a file. */
static int add_head(struct encoding *e, struct part *p, int first, const char *name,
                    const char *filename) {
  p->head_off = e->text.len;
  if ((!first && append_str(&e->text, "\r\n") != CS_OK) || append_str(&e->text, "--") != CS_OK ||
      append_str(&e->text, e->boundary) != CS_OK ||
      append_str(&e->text, "\r\nContent-Disposition: form-data; name=\"") != CS_OK ||
      append_name(&e->text, name) != CS_OK ||
      (filename != NULL &&
       (append_str(&e->text, "\"; filename=\"") != CS_OK ||
        append_name(&e->text, filename) != CS_OK ||
        append_str(&e->text, "\"\r\nContent-Type: application/octet-stream") != CS_OK)) ||
      append_str(&e->text, filename != NULL ? "\r\n\r\n" : "\"\r\n\r\n") != CS_OK)
    return CS_ERR_NOMEM;
  p->head_len = e->text.len - p->head_off;
  return CS_OK;
}

/* The parts of the form fields and of u's files (fds[i] open on file i) into e; the body's
 * length in *length. */
static int encode(struct encoding *e, const struct _u_map *form, const struct http_upload *u,
                  const int *fds, unsigned long long *length) {
  char id[37];
  int first = 1;
  ids_uuid_v4(id);
  snprintf(e->boundary, sizeof(e->boundary), "claimsuite-gateway-%s", id);
  e->nfields = form != NULL ? (size_t)form->nb_values : 0;
  if (e->nfields > 0 && (e->fields = calloc(e->nfields, sizeof(*e->fields))) == NULL)
    return CS_ERR_NOMEM;
  for (size_t i = 0; i < e->nfields; i++, first = 0) {
    struct part *p = &e->fields[i];
    if (add_head(e, p, first, form->keys[i], NULL) != CS_OK) return CS_ERR_NOMEM;
    *p = (struct part){p->head_off, p->head_len, form->values[i], form->lengths[i], -1};
  }
  for (size_t i = 0; i < u->nfiles; i++, first = 0) {
    struct part *p = &e->parts[e->nparts++];
    if (add_head(e, p, first, u->files[i].field, u->files[i].name) != CS_OK) return CS_ERR_NOMEM;
    p->len = (unsigned long long)u->files[i].size;
    p->fd = fds[i];
  }
  struct part *end = &e->parts[e->nparts++];
  end->head_off = e->text.len;
  end->fd = -1;
  if ((!first && append_str(&e->text, "\r\n") != CS_OK) || append_str(&e->text, "--") != CS_OK ||
      append_str(&e->text, e->boundary) != CS_OK || append_str(&e->text, "--\r\n") != CS_OK)
    return CS_ERR_NOMEM;
  end->head_len = e->text.len - end->head_off;
  *length = e->text.len;
  for (size_t i = 0; i < e->nfields; i++) *length += e->fields[i].len;
  for (size_t i = 0; i < e->nparts; i++) *length += e->parts[i].len;
  return CS_OK;
}

/* gw_upstream_body's fill: the next bytes of the body, the files read from disk as they come. */
static long fill(void *arg, char *buf, size_t cap) {
  struct encoding *e = arg;
  size_t n = 0;
  while (n < cap && e->next < e->nfields + e->nparts) {
    const struct part *p =
        e->next < e->nfields ? &e->fields[e->next] : &e->parts[e->next - e->nfields];
    unsigned long long total = p->head_len + p->len;
    size_t want = cap - n;
    if (e->at == total) {
      e->next++;
      e->at = 0;
      continue;
    }
    if (e->at < p->head_len) {
      if (want > p->head_len - e->at) want = (size_t)(p->head_len - e->at);
      memcpy(buf + n, e->text.data + p->head_off + e->at, want);
    } else {
      unsigned long long done = e->at - p->head_len;
      if (want > p->len - done) want = (size_t)(p->len - done);
      if (p->fd < 0) {
        memcpy(buf + n, p->mem + done, want);
      } else {
        ssize_t k = read(p->fd, buf + n, want);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
          log_error("reading a spooled upload back failed");
          return -1;
        }
        want = (size_t)k;
      }
    }
    n += want;
    e->at += want;
  }
  return n > 0 ? (long)n : -1;
}

int gw_spool_forward(struct gw_spool *s, const struct _u_request *req, struct http_upload *u,
                     const struct gw_forward *f, struct _u_response *resp, const char **detail) {
  struct encoding e;
  int fds[HTTP_UPLOAD_MAX_FILES], rc = CS_OK;
  enum problem_kind kind;
  char why[160], content_type[BOUNDARY_MAX + 40];
  memset(&e, 0, sizeof(e));
  for (size_t i = 0; i < HTTP_UPLOAD_MAX_FILES; i++) fds[i] = -1;
  if (refused(s, req, u, &kind, why, sizeof(why))) {
    http_problem(resp, kind, why);
    goto done;
  }
  for (size_t i = 0; i < u->nfiles; i++) {
    if (open_spooled(s, &u->files[i], &fds[i]) != CS_OK) {
      http_problem(resp, PROBLEM_UNAVAILABLE, "the uploaded files could not be kept; try again");
      goto done;
    }
  }
  struct gw_upstream_body src = {0, fill, &e};
  if ((rc = encode(&e, req->map_post_body, u, fds, &src.length)) != CS_OK) {
    *detail = "the gateway is out of memory";
    goto done;
  }
  snprintf(content_type, sizeof(content_type), "multipart/form-data; boundary=%s", e.boundary);
  rc = gw_proxy_forward_body(req, f, content_type, &src, resp, detail);
done:
  for (size_t i = 0; i < HTTP_UPLOAD_MAX_FILES; i++)
    if (fds[i] >= 0) close(fds[i]);
  free(e.text.data);
  free(e.fields);
  http_upload_free(u); /* what was not read back: refused, or not opened */
  return rc;
}
