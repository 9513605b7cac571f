/* The blob store and its local directory implementation (see blob.h). */
#include "blob.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "status.h"

/* What a store does; the local directory's below. */
struct blob_ops {
  int (*begin)(struct blob_store *s, struct blob_writer *w);
  int (*append)(struct blob_writer *w, const void *data, size_t n);
  int (*finish)(struct blob_writer *w);
  int (*commit)(struct blob_writer *w);
  void (*abort)(struct blob_writer *w);
  int (*open)(struct blob_store *s, const char *sha256, int *fd, long long *size);
};

struct blob_store {
  const struct blob_ops *ops;
  char dir[PATH_MAX - 128];
};

struct blob_writer {
  struct blob_store *store;
  gnutls_hash_hd_t hash;
  long long size, max;
  unsigned char *head;
  size_t head_len;
  char sha256[BLOB_SHA256_HEX];
  /* the local store's upload */
  int fd;
  char tmp_path[PATH_MAX];
};

/* ---- the local directory ------------------------------------------------------------------ */

#define STALE_UPLOAD_SECONDS 86400 /* an upload this old in tmp/ was cut off by a crash */

static void blob_path(const struct blob_store *s, const char *sha256, char *out, size_t len) {
  snprintf(out, len, "%s/%.2s/%.2s/%s", s->dir, sha256, sha256 + 2, sha256);
}

static int make_dir(const char *path) {
  if (mkdir(path, 0750) == 0 || errno == EEXIST) return CS_OK;
  log_error("blob store: cannot create %s: %s", path, strerror(errno));
  return CS_ERR;
}

static int local_begin(struct blob_store *s, struct blob_writer *w) {
  snprintf(w->tmp_path, sizeof(w->tmp_path), "%s/tmp/upload-XXXXXX", s->dir);
  w->fd = mkstemp(w->tmp_path);
  if (w->fd >= 0) return CS_OK;
  log_error("blob store: cannot create an upload in %s/tmp: %s", s->dir, strerror(errno));
  w->tmp_path[0] = '\0';
  return CS_ERR;
}

static int local_append(struct blob_writer *w, const void *data, size_t n) {
  const char *p = data;
  while (n > 0) {
    ssize_t k = write(w->fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      log_error("blob store: writing %s failed: %s", w->tmp_path, strerror(errno));
      return CS_ERR;
    }
    p += k;
    n -= (size_t)k;
  }
  return CS_OK;
}

static int local_finish(struct blob_writer *w) {
  if (fsync(w->fd) != 0) {
    log_error("blob store: flushing %s failed: %s", w->tmp_path, strerror(errno));
    return CS_ERR;
  }
  return CS_OK;
}

static void local_abort(struct blob_writer *w) {
  if (w->fd >= 0) close(w->fd);
  w->fd = -1;
  if (w->tmp_path[0] != '\0') unlink(w->tmp_path);
  w->tmp_path[0] = '\0';
}

static int local_commit(struct blob_writer *w) {
  const struct blob_store *s = w->store;
  char path[PATH_MAX], dir[PATH_MAX];
  snprintf(dir, sizeof(dir), "%s/%.2s", s->dir, w->sha256);
  if (make_dir(dir) != CS_OK) return CS_ERR;
  snprintf(dir, sizeof(dir), "%s/%.2s/%.2s", s->dir, w->sha256, w->sha256 + 2);
  if (make_dir(dir) != CS_OK) return CS_ERR;
  blob_path(s, w->sha256, path, sizeof(path));
  struct stat st;
  if (stat(path, &st) == 0) { /* the same content is there already */
    local_abort(w);
    return CS_OK;
  }
  if (rename(w->tmp_path, path) != 0) {
    log_error("blob store: cannot move %s into place: %s", w->tmp_path, strerror(errno));
    return CS_ERR;
  }
  w->tmp_path[0] = '\0';
  /* the rename itself survives a crash once its directory is flushed */
  int dfd = open(dir, O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  local_abort(w);
  return CS_OK;
}

static int local_open(struct blob_store *s, const char *sha256, int *fd, long long *size) {
  char path[PATH_MAX];
  struct stat st;
  blob_path(s, sha256, path, sizeof(path));
  *fd = open(path, O_RDONLY | O_CLOEXEC);
  if (*fd < 0) return errno == ENOENT ? CS_ERR_NOT_FOUND : CS_ERR;
  if (fstat(*fd, &st) != 0) {
    close(*fd);
    *fd = -1;
    return CS_ERR;
  }
  *size = (long long)st.st_size;
  return CS_OK;
}

static const struct blob_ops local_ops = {local_begin,  local_append, local_finish,
                                          local_commit, local_abort,  local_open};

/* Removes uploads of tmp/ older than a day: cut off by a crash (a running upload is younger). */
static void remove_stale_uploads(const char *tmp) {
  DIR *d = opendir(tmp);
  struct dirent *e;
  char path[PATH_MAX + 256];
  struct stat st;
  if (d == NULL) return;
  time_t now = time(NULL);
  while ((e = readdir(d)) != NULL) {
    if (strncmp(e->d_name, "upload-", 7) != 0) continue;
    snprintf(path, sizeof(path), "%s/%s", tmp, e->d_name);
    if (stat(path, &st) == 0 && now - st.st_mtime > STALE_UPLOAD_SECONDS) unlink(path);
  }
  closedir(d);
}

int blob_store_open_dir(const char *dir, struct blob_store **out) {
  char tmp[PATH_MAX];
  *out = NULL;
  if (dir == NULL || dir[0] == '\0' || strlen(dir) >= sizeof((*out)->dir)) {
    log_error("blob store: no usable directory given");
    return CS_ERR;
  }
  snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
  if (make_dir(dir) != CS_OK || make_dir(tmp) != CS_OK) return CS_ERR;
  remove_stale_uploads(tmp);
  struct blob_store *s = calloc(1, sizeof(*s));
  if (s == NULL) return CS_ERR_NOMEM;
  s->ops = &local_ops;
  snprintf(s->dir, sizeof(s->dir), "%s", dir);
  *out = s;
  return CS_OK;
}

void blob_store_close(struct blob_store *s) { free(s); }

/* ---- the interface ------------------------------------------------------------------------- */

int blob_write_begin(struct blob_store *s, long long max_bytes, struct blob_writer **out) {
  struct blob_writer *w = calloc(1, sizeof(*w));
  *out = NULL;
  if (w == NULL || (w->head = malloc(BLOB_HEAD_BYTES)) == NULL) {
    free(w);
    return CS_ERR_NOMEM;
  }
  w->store = s;
  w->max = max_bytes;
  w->fd = -1;
  if (gnutls_hash_init(&w->hash, GNUTLS_DIG_SHA256) < 0) {
    free(w->head);
    free(w);
    return CS_ERR;
  }
  if (s->ops->begin(s, w) != CS_OK) {
    gnutls_hash_deinit(w->hash, NULL);
    free(w->head);
    free(w);
    return CS_ERR;
  }
  *out = w;
  return CS_OK;
}

int blob_write(struct blob_writer *w, const void *data, size_t n) {
  if ((long long)n > w->max - w->size) return CS_ERR_INVALID;
  if (w->head_len < BLOB_HEAD_BYTES) {
    size_t k = BLOB_HEAD_BYTES - w->head_len < n ? BLOB_HEAD_BYTES - w->head_len : n;
    memcpy(w->head + w->head_len, data, k);
    w->head_len += k;
  }
  if (gnutls_hash(w->hash, data, n) < 0 || w->store->ops->append(w, data, n) != CS_OK)
    return CS_ERR;
  w->size += (long long)n;
  return CS_OK;
}

long long blob_writer_size(const struct blob_writer *w) { return w->size; }

const unsigned char *blob_writer_head(const struct blob_writer *w, size_t *n) {
  *n = w->head_len;
  return w->head;
}

int blob_write_finish(struct blob_writer *w, char sha256[BLOB_SHA256_HEX]) {
  unsigned char digest[32];
  gnutls_hash_output(w->hash, digest);
  for (int i = 0; i < 32; i++) snprintf(w->sha256 + 2 * i, 3, "%02x", digest[i]);
  memcpy(sha256, w->sha256, BLOB_SHA256_HEX);
  return w->store->ops->finish(w);
}

static void writer_free(struct blob_writer *w) {
  gnutls_hash_deinit(w->hash, NULL);
  free(w->head);
  free(w);
}

int blob_write_commit(struct blob_writer *w) {
  int rc = w->store->ops->commit(w);
  if (rc != CS_OK) w->store->ops->abort(w);
  writer_free(w);
  return rc;
}

void blob_write_abort(struct blob_writer *w) {
  if (w == NULL) return;
  w->store->ops->abort(w);
  writer_free(w);
}

static int is_digest(const char *s) {
  size_t n = 0;
  for (; s != NULL && s[n] != '\0'; n++)
    if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f'))) return 0;
  return n == 64;
}

int blob_open(struct blob_store *s, const char *sha256, int *fd, long long *size) {
  *fd = -1;
  *size = 0;
  if (!is_digest(sha256)) return CS_ERR_INVALID;
  return s->ops->open(s, sha256, fd, size);
}

/* ---- names ------------------------------------------------------------------------------- */

void blob_safe_name(const char *name, char *out, size_t out_len) {
  const char *base = name != NULL ? name : "";
  size_t n = 0;
  for (const char *p = base; *p; p++)
    if (*p == '/' || *p == '\\') base = p + 1; /* the last path component */
  for (const unsigned char *p = (const unsigned char *)base; *p && n + 1 < out_len; p++) {
    if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\' || *p == '/') continue;
    if (n == 0 && *p == ' ') continue;
    out[n++] = (char)*p;
  }
  /* never end inside a UTF-8 sequence cut by the length, nor with spaces or dots */
  while (n > 0 && ((unsigned char)out[n - 1] & 0xC0) == 0x80) {
    size_t start = n - 1;
    while (start > 0 && ((unsigned char)out[start] & 0xC0) == 0x80) start--;
    unsigned char lead = (unsigned char)out[start];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (n - start >= need) break;
    n = start;
  }
  if (n > 0 && ((unsigned char)out[n - 1] & 0xC0) == 0xC0) n--; /* a lead byte alone */
  while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '.')) n--;
  out[n] = '\0';
  if (n == 0) snprintf(out, out_len, "file");
}
