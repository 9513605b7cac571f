/* HTTP helpers on ulfius + jansson: problem+json, JSON bodies, validation, ETags. Ids and
 * instants are in ids.h, pages and cursors in paging.h. */
#ifndef CLAIMSUITE_HTTP_H
#define CLAIMSUITE_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <ulfius.h>

#include "fields.h"
#include "problem.h"

/* libmicrohttpd's memory per connection (MHD_OPTION_CONNECTION_MEMORY_LIMIT), which bounds one
 * read: ulfius grows a request body by one realloc per read, so the default 32 KiB makes a big
 * upload quadratic (a 32 MiB body took ~27 s under the address sanitizer, ~3 s with this). */
#define HTTP_CONNECTION_MEMORY_BYTES (256 * 1024)

/* Answers an RFC 9457 problem of kind (problem.h: the kind owns status, type and title):
 * {type, title, status, detail?, hint?, errors?} plus the members of extra. detail may be NULL;
 * errors ([{field, code, message}]) is stolen and may be NULL; extra is borrowed and may be
 * NULL. A 503 carries Retry-After: 1 unless one is set. Always returns CS_OK. */
int http_problem_full(struct _u_response *resp, enum problem_kind kind, const char *detail,
                      json_t *errors, const json_t *extra);
int http_problem(struct _u_response *resp, enum problem_kind kind, const char *detail);

/* Sets a JSON body and Content-Type. body is stolen. */
int http_json(struct _u_response *resp, int status, json_t *body);
/* body (stolen) as the text http_json sends: a new string (free()), NULL when it cannot be
 * encoded. */
char *http_json_encode(json_t *body);
/* Sets text, JSON already (e.g. built by PostgreSQL), as the body, with Content-Type. */
int http_json_text(struct _u_response *resp, int status, const char *text);

/* Parses the request body as one JSON object (duplicate keys rejected). On failure writes a
 * 400/415 problem and returns CS_ERR_INVALID. *out is a new reference. */
int http_parse_json_object(const struct _u_request *req, struct _u_response *resp, json_t **out);

/* Checks body against fields; unknown fields are reported too. On failure writes one 422
 * problem listing every bad field and returns CS_ERR_INVALID. */
int http_validate(const json_t *body, const struct http_field *fields, size_t nfields,
                  struct _u_response *resp);

/* Path parameter name when it is a UUID; otherwise answers 404 "no such <what>" and returns
 * NULL (an id that cannot exist names nothing). */
const char *http_path_uuid(const struct _u_request *req, struct _u_response *resp, const char *name,
                           const char *what);

/* ETag for a row version: "\"<version>\"" into buf. */
void http_etag_format(char *buf, size_t len, const char *version);
/* Sets the ETag header from resource's integer "version" (borrowed); none without one. */
void http_etag_header(struct _u_response *resp, const json_t *resource);
/* Answers resource (stolen) with status and its ETag (http_etag_header). */
int http_json_resource(struct _u_response *resp, int status, json_t *resource);
/* With If-Match present and not matching etag (or "*"), writes 412 and returns CS_ERR_CONFLICT.
 * When require is set and If-Match is absent, writes 428. */
int http_check_if_match(const struct _u_request *req, struct _u_response *resp, const char *etag,
                        int require);
/* The same against the ETag of a row version. */
int http_check_if_match_version(const struct _u_request *req, struct _u_response *resp,
                                long long version, int require);

/* The request header value or NULL (case-insensitive). Borrowed. */
const char *http_header(const struct _u_request *req, const char *name);

#endif
