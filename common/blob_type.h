/* The type of an uploaded file, decided from its content (libmagic), never from its name, against
 * the allow-list of what a case's documents and reports may be: images, video, PDF and office
 * documents (common/blob_type.c). */
#ifndef CLAIMSUITE_BLOB_TYPE_H
#define CLAIMSUITE_BLOB_TYPE_H

#include <stddef.h>

#define BLOB_TYPE_LEN 128

/* The media type of the first bytes of a file (head, n; blob_writer_head) into type: CS_OK;
 * CS_ERR when libmagic could not be used (logged). */
int blob_type_of(const unsigned char *head, size_t n, char type[BLOB_TYPE_LEN]);
/* 1 when type is on the allow-list. */
int blob_type_allowed(const char *type);
/* 0 when name's extension says another type than the content's (a ".pdf" that is a PNG); 1
 * when it agrees, or the name has no extension this table knows. */
int blob_type_matches_name(const char *type, const char *name);
/* 1 when type is an image or a video (the multimedia of a report). */
int blob_type_is_media(const char *type);

#endif
