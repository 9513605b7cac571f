/* Files outside PostgreSQL: a store of blobs behind one interface, content addressed by
 * SHA-256 (common/blob.c). An upload is streamed into a temporary file while its digest and size
 * are counted (never held whole in memory), and is moved into place only once the row naming it
 * has committed; an upload refused or cut off leaves nothing behind.
 *
 * The one store today is a local directory (blob_store_open_dir): BLOB_DIR/tmp/ holds uploads
 * being written, BLOB_DIR/ab/cd/<sha256> the blobs. Another store (S3-compatible: a multipart
 * upload to a staging key, then a copy to the key of the digest) is another struct blob_ops;
 * callers do not change (docs/architecture.md). */
#ifndef CLAIMSUITE_BLOB_H
#define CLAIMSUITE_BLOB_H

#include <stddef.h>

#define BLOB_SHA256_HEX 65    /* 64 hex digits and the terminator */
#define BLOB_HEAD_BYTES 65536 /* the first bytes of a blob are kept for its type (blob_type.h) */

struct blob_store;
struct blob_writer;

/* The local directory store at dir (created with tmp/ when missing; leftovers of uploads cut off
 * by a crash are removed from tmp/). CS_OK with *out, or CS_ERR (logged). */
int blob_store_open_dir(const char *dir, struct blob_store **out);
void blob_store_close(struct blob_store *s); /* NULL-safe */

/* Starts an upload of at most max_bytes. CS_OK with *w, or CS_ERR. */
int blob_write_begin(struct blob_store *s, long long max_bytes, struct blob_writer **w);
/* Appends n bytes: CS_OK; CS_ERR_INVALID when the upload passes its max_bytes (the bytes past
 * it are not written; abort it); CS_ERR on a write failure. */
int blob_write(struct blob_writer *w, const void *data, size_t n);
/* The bytes written so far, and the first of them (at most BLOB_HEAD_BYTES; borrowed). */
long long blob_writer_size(const struct blob_writer *w);
const unsigned char *blob_writer_head(const struct blob_writer *w, size_t *n);
/* Ends the writing (flushed to disk): the digest as 64 lower-case hex digits. The blob is still
 * the upload's own until committed. CS_OK or CS_ERR. */
int blob_write_finish(struct blob_writer *w, char sha256[BLOB_SHA256_HEX]);
/* After the row naming the blob committed: the blob in place (the same content stored before is
 * kept, the upload dropped), w freed. CS_OK or CS_ERR (the row then names a blob that is not
 * there: logged). */
int blob_write_commit(struct blob_writer *w);
/* Drops the upload and frees w. NULL-safe. */
void blob_write_abort(struct blob_writer *w);

/* Opens the blob with digest sha256 for reading: CS_OK with *fd (the caller closes it) and its
 * *size; CS_ERR_NOT_FOUND; CS_ERR_INVALID for a digest that is not 64 hex digits. */
int blob_open(struct blob_store *s, const char *sha256, int *fd, long long *size);

/* A file name safe to store and to send back in Content-Disposition: the last path component,
 * control characters, quotes, backslashes and slashes dropped, spaces at either end trimmed, at
 * most out_len - 1 bytes cut at a UTF-8 character boundary; "file" when nothing is left. */
void blob_safe_name(const char *name, char *out, size_t out_len);

#endif
