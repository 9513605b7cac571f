/* Why a domain call refused a request, for the HTTP layer to answer as problem+json
 * (service_refusal_answer in service.h). Domain functions fill one and return CS_REFUSED. */
#ifndef CLAIMSUITE_REFUSAL_H
#define CLAIMSUITE_REFUSAL_H

#include <jansson.h>

#include "problem.h"

struct cs_refusal {
  enum problem_kind kind; /* what kind of refusal (problem.h); unused for a database failure */
  int db_failure;         /* 1: a statement failed, sqlstate says which */
  char detail[256];
  json_t *errors;   /* [{field, code, message}] or NULL, owned */
  json_t *extra;    /* further members of the problem (e.g. allowed transitions), owned */
  char sqlstate[6]; /* database failures: filled by the failing call */
};

/* Fills r and returns CS_REFUSED; detail is printf-style. */
int cs_refuse(struct cs_refusal *r, enum problem_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Adds one {field, code, message} to r->errors (field: a path such as "contacts/0/email"),
 * unless problem_field_append finds it said already. */
void cs_refusal_field(struct cs_refusal *r, const char *field, enum field_code code,
                      const char *message);
/* A timestamp query parameter (?updated_since): 1 when v is absent (NULL) or an RFC 3339
 * timestamp PostgreSQL reads of at most CS_TIMESTAMP_PARAM_MAX characters; else 0, with a
 * field error for field in r. */
#define CS_TIMESTAMP_PARAM_MAX 39
int cs_refusal_timestamp_param(struct cs_refusal *r, const char *field, const char *v);
/* CS_REFUSED with PROBLEM_VALIDATION when r->errors holds anything, else CS_OK. */
int cs_refusal_validation(struct cs_refusal *r);
/* A database failure (r->sqlstate filled by the caller): CS_REFUSED, answered by its SQLSTATE. */
int cs_refusal_db(struct cs_refusal *r);
void cs_refusal_clear(struct cs_refusal *r); /* frees errors and extra, zeroes r */

#endif
