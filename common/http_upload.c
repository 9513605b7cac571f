/* Streamed multipart uploads (see http_upload.h). */
#include "http_upload.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ulfius.h>

#include "ids.h"
#include "log.h"
#include "status.h"

/* The request's entry is found by an id the callback puts in the request's own headers under
 * this name, and by the request's address: a client sending the header cannot reach another
 * request's entry, and an address reused by a later request carries no id. */
#define UPLOAD_HEADER HTTP_UPLOAD_ENTRY_HEADER

struct entry {
  char id[37];
  const struct _u_request *request;
  time_t last;
  struct http_upload *upload;
  struct entry *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *entries;

static void drop_files(struct http_upload *u) {
  for (size_t i = 0; i < u->nfiles; i++) {
    blob_write_abort(u->files[i].writer);
    u->files[i].writer = NULL;
  }
}

void http_upload_free(struct http_upload *u) {
  if (u == NULL) return;
  drop_files(u);
  free(u);
}

/* Unlinks the entries idle too long (their requests are gone) into *gone. Under the lock. */
static void sweep_locked(time_t now, struct entry **gone) {
  for (struct entry **p = &entries; *p != NULL;) {
    if (now - (*p)->last > HTTP_UPLOAD_IDLE_SECONDS) {
      struct entry *e = *p;
      *p = e->next;
      e->next = *gone;
      *gone = e;
    } else {
      p = &(*p)->next;
    }
  }
}

static void free_entries(struct entry *e) {
  while (e != NULL) {
    struct entry *next = e->next;
    http_upload_free(e->upload);
    free(e);
    e = next;
  }
}

/* The entry of request, or a new one (sweeping the idle first; its token checked). Under the
 * lock. */
static struct entry *entry_of(const struct _u_request *request, const struct http_uploads *s,
                              struct entry **gone) {
  const char *id = u_map_get(request->map_header, UPLOAD_HEADER);
  time_t now = time(NULL);
  for (struct entry *e = entries; id != NULL && e != NULL; e = e->next)
    if (e->request == request && !strcmp(e->id, id)) {
      e->last = now;
      return e;
    }
  sweep_locked(now, gone);
  struct entry *e = calloc(1, sizeof(*e));
  if (e == NULL || (e->upload = calloc(1, sizeof(*e->upload))) == NULL) {
    free(e);
    return NULL;
  }
  ids_uuid_v4(e->id);
  e->request = request;
  e->last = now;
  if (s->accepts(request->url_path) == HTTP_UPLOAD_OWN)
    e->upload->unauthenticated = s->own_ok == NULL || !s->own_ok(request, s->own_arg);
  else
    e->upload->unauthenticated = s->token_ok != NULL && !s->token_ok(request, s->token_arg);
  /* the request's headers are its own until its handler returns */
  u_map_put(((struct _u_request *)request)->map_header, UPLOAD_HEADER, e->id);
  e->next = entries;
  entries = e;
  return e;
}

/* One chunk of one file into u. */
static void write_chunk(struct http_upload *u, const struct http_uploads *s, const char *key,
                        const char *filename, const char *data, uint64_t off, size_t size) {
  struct http_upload_file *f;
  if (u->unauthenticated) return; /* its handler answers 401 */
  if (off == 0) {                 /* a new file */
    if (u->nfiles == HTTP_UPLOAD_MAX_FILES) {
      u->too_many = 1;
      return;
    }
    f = &u->files[u->nfiles++];
    snprintf(f->field, sizeof(f->field), "%s", key != NULL ? key : "");
    blob_safe_name(filename, f->name, sizeof(f->name));
    if (blob_write_begin(s->store, s->max_file_bytes, &f->writer) != CS_OK) u->failed = 1;
  } else {
    if (u->nfiles == 0) return;
    f = &u->files[u->nfiles - 1];
  }
  if (f->writer == NULL || size == 0) return;
  int rc = blob_write(f->writer, data, size);
  if (rc == CS_ERR_INVALID) f->too_large = 1; /* nothing of it is kept */
  if (rc != CS_OK) {
    f->size = blob_writer_size(f->writer);
    blob_write_abort(f->writer);
    f->writer = NULL;
    if (rc != CS_ERR_INVALID) u->failed = 1;
  }
}

/* One chunk of a file of request; drop_raw: let the raw body go (http_upload_callback_spooling).
 * The type is the content's (blob_type.h), never the client's word: content_type is not read. */
static int upload_chunk(const struct _u_request *request, const char *key, const char *filename,
                        const char *data, uint64_t off, size_t size, const struct http_uploads *s,
                        int drop_raw) {
  struct entry *gone = NULL;
  if (s == NULL || strcmp(request->http_verb, "POST") != 0 || !s->accepts(request->url_path))
    return U_OK; /* not an upload route: the file is not kept */
  /* ulfius appended this read's raw bytes to the request's body before parsing them; it appends
   * the next read at binary_body_length, so the buffer stays one read long. The request is its
   * own until its handler returns. */
  if (drop_raw) ((struct _u_request *)request)->binary_body_length = 0;
  pthread_mutex_lock(&lock);
  struct entry *e = entry_of(request, s, &gone);
  pthread_mutex_unlock(&lock);
  free_entries(gone);
  if (e == NULL) return U_ERROR;
  /* the entry is this request's alone: only its own (serial) callbacks and handler touch it */
  write_chunk(e->upload, s, key, filename, data, off, size);
  return U_OK;
}

int http_upload_callback(const struct _u_request *request, const char *key, const char *filename,
                         const char *content_type, const char *transfer_encoding, const char *data,
                         uint64_t off, size_t size, void *cls) {
  (void)content_type;
  (void)transfer_encoding;
  return upload_chunk(request, key, filename, data, off, size, cls, 0);
}

int http_upload_callback_spooling(const struct _u_request *request, const char *key,
                                  const char *filename, const char *content_type,
                                  const char *transfer_encoding, const char *data, uint64_t off,
                                  size_t size, void *cls) {
  (void)content_type;
  (void)transfer_encoding;
  return upload_chunk(request, key, filename, data, off, size, cls, 1);
}

/* The request's entry, unlinked (its upload moved to the caller), or NULL. */
static struct http_upload *http_upload_take_raw(const struct _u_request *request) {
  const char *id = u_map_get(request->map_header, UPLOAD_HEADER);
  struct http_upload *u = NULL;
  if (id == NULL) return NULL;
  pthread_mutex_lock(&lock);
  for (struct entry **p = &entries; *p != NULL; p = &(*p)->next) {
    if ((*p)->request == request && !strcmp((*p)->id, id)) {
      struct entry *e = *p;
      *p = e->next;
      u = e->upload;
      free(e);
      break;
    }
  }
  pthread_mutex_unlock(&lock);
  return u;
}

struct http_upload *http_upload_take(const struct _u_request *request) {
  struct http_upload *u = http_upload_take_raw(request);
  for (size_t i = 0; u != NULL && i < u->nfiles; i++) {
    struct http_upload_file *f = &u->files[i];
    size_t n = 0;
    if (f->writer == NULL) continue;
    f->size = blob_writer_size(f->writer);
    const unsigned char *head = blob_writer_head(f->writer, &n);
    if (blob_type_of(head, n, f->type) != CS_OK || blob_write_finish(f->writer, f->sha256) != CS_OK)
      u->failed = 1;
  }
  return u;
}

void http_upload_forget(const struct _u_request *request) {
  /* most requests upload nothing: no lock for them */
  if (request == NULL || u_map_get(request->map_header, UPLOAD_HEADER) == NULL) return;
  http_upload_free(http_upload_take_raw(request));
}

int http_upload_commit(struct http_upload_file *file) {
  struct blob_writer *w = file->writer;
  file->writer = NULL;
  return w != NULL ? blob_write_commit(w) : CS_ERR;
}

void http_upload_drop_all(void) {
  pthread_mutex_lock(&lock);
  struct entry *all = entries;
  entries = NULL;
  pthread_mutex_unlock(&lock);
  free_entries(all);
}
