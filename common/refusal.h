/* Why a domain call refused a request, for the HTTP layer to answer as problem+json
 * (service_refusal_answer in service.h). Domain functions fill one and return CS_REFUSED. */
#ifndef CLAIMSUITE_REFUSAL_H
#define CLAIMSUITE_REFUSAL_H

#include <jansson.h>

struct cs_refusal {
  int status;       /* HTTP status (400, 403, 404, 409, 412, 422, 503...), 0: a database failure */
  const char *slug; /* problem type slug, static, may be NULL */
  char detail[256];
  json_t *errors;   /* [{field, message}] or NULL, owned */
  json_t *extra;    /* further members of the problem (e.g. allowed transitions), owned */
  char sqlstate[6]; /* database failures: filled by the failing call */
};

/* Fills r and returns CS_REFUSED; detail is printf-style. */
int cs_refuse(struct cs_refusal *r, int status, const char *slug, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Adds one {field, message} to r->errors. */
void cs_refusal_field(struct cs_refusal *r, const char *field, const char *message);
/* CS_REFUSED with 422 "validation" when r->errors holds anything, else CS_OK. */
int cs_refusal_validation(struct cs_refusal *r);
/* A database failure (r->sqlstate filled by the caller): CS_REFUSED with status 0. */
int cs_refusal_db(struct cs_refusal *r);
void cs_refusal_clear(struct cs_refusal *r); /* frees errors and extra, zeroes r */

#endif
