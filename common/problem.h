/* The one table of problem types (RFC 9457). Each kind of refusal owns its HTTP status, its
 * type URI (HTTP_PROBLEM_TYPE_PREFIX + slug), its title and an optional hint; code that refuses
 * names the kind and never picks a status number. One slug per meaning: add a kind here only
 * for a meaning no kind has yet, and keep every slug once published (clients match on it).
 * Field errors carry a stable machine code next to the human message (enum field_code). */
#ifndef CLAIMSUITE_PROBLEM_H
#define CLAIMSUITE_PROBLEM_H

#include <jansson.h>

#define PROBLEM_TYPE_PREFIX "urn:claimsuite:problem:"

enum problem_kind {
  PROBLEM_INTERNAL, /* 500: a fault of ours, logged; first, so that a refusal nobody filled in
                       (all zero) is answered as what it is */
  /* 400: the request itself is malformed */
  PROBLEM_BAD_REQUEST,       /* a path, header or form the server cannot read */
  PROBLEM_INVALID_PARAMETER, /* a query parameter out of its range or form */
  PROBLEM_MALFORMED_JSON,    /* the body is not one JSON object */
  /* OAuth token endpoint (each also carries OAuth's own "error" member) */
  PROBLEM_INVALID_TOKEN_REQUEST,  /* 400 invalid_request */
  PROBLEM_UNSUPPORTED_GRANT_TYPE, /* 400 unsupported_grant_type */
  PROBLEM_PORTAL_REQUIRED,        /* 400: a user of several portals must name one */
  PROBLEM_PORTAL_NOT_SERVED,      /* 400: the named portal is not one of the user's */
  PROBLEM_NO_PORTAL,              /* 400: the user's company serves no portal */
  PROBLEM_INVALID_CREDENTIALS,    /* 401 invalid_grant */
  PROBLEM_INVALID_CLIENT,         /* 401 invalid_client */
  PROBLEM_TOO_MANY_ATTEMPTS,      /* 429: login throttled */
  PROBLEM_RATE_LIMITED,           /* 429 + Retry-After: the caller's request rate is over its
                                     limit (the gateway's RateLimit policy) */
  /* who is asking */
  PROBLEM_UNAUTHENTICATED,         /* 401: no bearer token */
  PROBLEM_INVALID_TOKEN,           /* 401: a token that does not verify, or a caller gone */
  PROBLEM_FORBIDDEN,               /* 403: the caller may not do this */
  PROBLEM_APPROVAL_LIMIT_EXCEEDED, /* 403: an amount above the approver's limit ("limit",
                                      "amount") */
  PROBLEM_SEPARATION_OF_DUTIES,    /* 403: the same person may not do both steps (approve and
                                      attest, order and attest) */
  /* what is asked about */
  PROBLEM_NOT_FOUND,          /* 404: no such resource, or one the caller may not see */
  PROBLEM_METHOD_NOT_ALLOWED, /* 405, with Allow */
  PROBLEM_URI_TOO_LONG,       /* 414 */
  PROBLEM_REQUEST_TIMEOUT,    /* 408: the request head did not arrive in time */
  PROBLEM_HEADERS_TOO_LARGE,  /* 431 */
  PROBLEM_NOT_IMPLEMENTED,    /* 501: a transfer coding other than chunked */
  PROBLEM_HTTP_VERSION,       /* 505: an HTTP version other than 1.0 and 1.1 */
  /* the state of the resource */
  PROBLEM_CONFLICT,              /* 409: it exists already (a unique value taken) */
  PROBLEM_WRONG_STATE,           /* 409: not in a state that allows this (e.g. a closed case) */
  PROBLEM_PRECONDITION_FAILED,   /* 412: If-Match does not match */
  PROBLEM_PRECONDITION_REQUIRED, /* 428: If-Match is required */
  PROBLEM_GONE,                  /* 410: there was such a resource, and it is gone for good */
  /* the body */
  PROBLEM_BODY_TOO_LARGE,         /* 413 */
  PROBLEM_RANGE_NOT_SATISFIABLE,  /* 416: a byte range outside the file (Content-Range says its
                                     size) */
  PROBLEM_UNSUPPORTED_MEDIA_TYPE, /* 415 */
  PROBLEM_VALIDATION,             /* 422: fields invalid; "errors" lists every one */
  PROBLEM_IDEMPOTENCY_KEY_REUSED, /* 422: the key was used for another request */
  /* the server and what it depends on */
  PROBLEM_UPSTREAM_UNAVAILABLE, /* 503: the gateway could not reach a service (an outage) */
  PROBLEM_UPSTREAM_BAD_ANSWER,  /* 502: a service answered something unusable */
  PROBLEM_UNAVAILABLE,          /* 503 + Retry-After: a dependency is down or busy */
  PROBLEM_NOT_READY,            /* 503: readiness check failed */
  PROBLEM_TIMEOUT,              /* 504: the database took too long */
  PROBLEM_UPSTREAM_TIMEOUT,     /* 504: the gateway gave up waiting for a service */
  PROBLEM_KIND_COUNT
};

struct problem_type {
  int status;        /* HTTP status */
  const char *slug;  /* type URI is PROBLEM_TYPE_PREFIX slug */
  const char *title; /* short, the same for every problem of the kind */
  const char *hint;  /* what the client can do, or NULL */
};

/* The row of kind (never NULL: an unknown kind reads as PROBLEM_INTERNAL). */
const struct problem_type *problem_type_of(enum problem_kind kind);

/* Machine codes of field errors: {field, code, message}. field names nested members as a
 * path ("contacts/0/email"). */
enum field_code {
  FIELD_REQUIRED,      /* required and absent or null */
  FIELD_UNKNOWN_FIELD, /* not a member this body takes */
  FIELD_WRONG_TYPE,    /* a string where a number belongs, ... */
  FIELD_TOO_LONG,      /* a string or array over its maximum */
  FIELD_FORMAT,        /* the right type in the wrong form (a date, an email, a UUID) */
  FIELD_OUT_OF_RANGE,  /* a number or date outside what is allowed (also one too large to read) */
  FIELD_NOT_ALLOWED,   /* a value not among the allowed ones, or not for this caller */
  FIELD_NOT_UNIQUE,    /* taken by another resource */
  FIELD_NOT_FOUND,     /* names something that does not exist (or the caller may not see) */
  FIELD_INVALID,       /* breaks a rule involving other fields */
  FIELD_CODE_COUNT
};

/* "required", "unknown_field", ...: the stable spelling of code. */
const char *problem_field_code_name(enum field_code code);

/* One field error {field, code, message}: a new object (NULL when out of memory). */
json_t *problem_field_error(const char *field, enum field_code code, const char *message);
/* Appends one to errors (an array, borrowed), unless errors says the same of field already,
 * or says field is absent or of the wrong type (nothing more can be judged of such a value).
 * A field may have several errors of different codes. */
void problem_field_append(json_t *errors, const char *field, enum field_code code,
                          const char *message);

#endif
