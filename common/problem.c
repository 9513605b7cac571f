/* The problem type table (see problem.h). */
#include "problem.h"

#include <stddef.h>
#include <string.h>

static const struct problem_type table[PROBLEM_KIND_COUNT] = {
    [PROBLEM_BAD_REQUEST] = {400, "bad-request", "Bad request", NULL},
    [PROBLEM_INVALID_PARAMETER] = {400, "invalid-parameter", "Invalid query parameter", NULL},
    [PROBLEM_MALFORMED_JSON] = {400, "malformed-json", "Malformed JSON",
                                "send one JSON object as the body"},
    [PROBLEM_INVALID_TOKEN_REQUEST] = {400, "invalid-request", "Invalid token request", NULL},
    [PROBLEM_UNSUPPORTED_GRANT_TYPE] = {400, "unsupported-grant-type", "Unsupported grant type",
                                        "use password or client_credentials"},
    [PROBLEM_PORTAL_REQUIRED] = {400, "portal-required", "Portal required",
                                 "name the portal with the portal_id parameter"},
    [PROBLEM_PORTAL_NOT_SERVED] = {400, "portal-not-served", "Portal not available", NULL},
    [PROBLEM_NO_PORTAL] = {400, "no-portal", "No portal", NULL},
    [PROBLEM_INVALID_CREDENTIALS] = {401, "invalid-credentials", "Invalid credentials", NULL},
    [PROBLEM_INVALID_CLIENT] = {401, "invalid-client", "Client authentication failed", NULL},
    [PROBLEM_TOO_MANY_ATTEMPTS] = {429, "too-many-attempts", "Too many failed logins",
                                   "wait before trying again"},
    [PROBLEM_RATE_LIMITED] = {429, "rate-limited", "Rate limit exceeded",
                              "retry after the number of seconds in Retry-After"},
    [PROBLEM_UNAUTHENTICATED] = {401, "unauthenticated", "Authentication required",
                                 "send a bearer token from POST /v1/auth/token"},
    [PROBLEM_INVALID_TOKEN] = {401, "invalid-token", "Invalid token",
                               "get a new token from POST /v1/auth/token"},
    [PROBLEM_FORBIDDEN] = {403, "forbidden", "Forbidden", NULL},
    [PROBLEM_APPROVAL_LIMIT_EXCEEDED] = {403, "approval-limit-exceeded", "Approval limit exceeded",
                                         "an approver with a higher limit may approve it"},
    [PROBLEM_SEPARATION_OF_DUTIES] = {403, "separation-of-duties", "Separation of duties",
                                      "another person of the organisation must take this step"},
    [PROBLEM_NOT_FOUND] = {404, "not-found", "Not found", NULL},
    [PROBLEM_METHOD_NOT_ALLOWED] = {405, "method-not-allowed", "Method not allowed",
                                    "the Allow header lists the methods of this resource"},
    [PROBLEM_URI_TOO_LONG] = {414, "uri-too-long", "URI too long", NULL},
    [PROBLEM_CONFLICT] = {409, "conflict", "Conflict", NULL},
    [PROBLEM_WRONG_STATE] = {409, "wrong-state", "Wrong state", NULL},
    [PROBLEM_PRECONDITION_FAILED] = {412, "precondition-failed", "Precondition failed",
                                     "read the resource again and retry with its ETag"},
    [PROBLEM_PRECONDITION_REQUIRED] = {428, "precondition-required", "Precondition required",
                                       "send If-Match with the resource's ETag"},
    [PROBLEM_REQUEST_TIMEOUT] = {408, "request-timeout", "Request timeout", NULL},
    [PROBLEM_HEADERS_TOO_LARGE] = {431, "headers-too-large", "Request header fields too large",
                                   NULL},
    [PROBLEM_NOT_IMPLEMENTED] = {501, "not-implemented", "Not implemented", NULL},
    [PROBLEM_HTTP_VERSION] = {505, "http-version-not-supported", "HTTP version not supported",
                              NULL},
    [PROBLEM_GONE] = {410, "gone", "Gone", NULL},
    [PROBLEM_BODY_TOO_LARGE] = {413, "body-too-large", "Body too large", NULL},
    [PROBLEM_RANGE_NOT_SATISFIABLE] = {416, "range-not-satisfiable", "Range not satisfiable",
                                       "ask for bytes within the size Content-Range names"},
    [PROBLEM_UNSUPPORTED_MEDIA_TYPE] = {415, "unsupported-media-type", "Unsupported media type",
                                        "send the Content-Type the resource takes"},
    [PROBLEM_VALIDATION] = {422, "validation", "Validation failed",
                            "every invalid field is listed in errors"},
    [PROBLEM_IDEMPOTENCY_KEY_REUSED] = {422, "idempotency-key-reused", "Idempotency key reused",
                                        "use a new Idempotency-Key for a different request"},
    [PROBLEM_INTERNAL] = {500, "internal", "Internal error", NULL},
    [PROBLEM_UPSTREAM_UNAVAILABLE] = {503, "upstream-unavailable", "Upstream unavailable", NULL},
    [PROBLEM_UPSTREAM_BAD_ANSWER] = {502, "upstream-bad-answer", "Bad answer from upstream", NULL},
    [PROBLEM_UNAVAILABLE] = {503, "unavailable", "Service unavailable",
                             "retry after the number of seconds in Retry-After"},
    [PROBLEM_NOT_READY] = {503, "not-ready", "Not ready", NULL},
    [PROBLEM_TIMEOUT] = {504, "timeout", "Timeout", NULL},
    [PROBLEM_UPSTREAM_TIMEOUT] = {504, "upstream-timeout", "Upstream timeout", NULL},
};

static const char *const field_codes[FIELD_CODE_COUNT] = {
    [FIELD_REQUIRED] = "required",       [FIELD_UNKNOWN_FIELD] = "unknown_field",
    [FIELD_WRONG_TYPE] = "wrong_type",   [FIELD_TOO_LONG] = "too_long",
    [FIELD_FORMAT] = "format",           [FIELD_OUT_OF_RANGE] = "out_of_range",
    [FIELD_NOT_ALLOWED] = "not_allowed", [FIELD_NOT_UNIQUE] = "not_unique",
    [FIELD_NOT_FOUND] = "not_found",     [FIELD_INVALID] = "invalid",
};

const struct problem_type *problem_type_of(enum problem_kind kind) {
  if ((unsigned)kind >= PROBLEM_KIND_COUNT) kind = PROBLEM_INTERNAL;
  return &table[kind];
}

const char *problem_field_code_name(enum field_code code) {
  if ((unsigned)code >= FIELD_CODE_COUNT) code = FIELD_INVALID;
  return field_codes[code];
}

json_t *problem_field_error(const char *field, enum field_code code, const char *message) {
  return json_pack("{s:s, s:s, s:s}", "field", field, "code", problem_field_code_name(code),
                   "message", message);
}

void problem_field_append(json_t *errors, const char *field, enum field_code code,
                          const char *message) {
  size_t i;
  const json_t *e;
  json_array_foreach(errors, i, e) {
    const char *f = json_string_value(json_object_get(e, "field"));
    const char *c = json_string_value(json_object_get(e, "code"));
    if (f == NULL || c == NULL || strcmp(f, field) != 0) continue;
    if (!strcmp(c, problem_field_code_name(code)) ||
        !strcmp(c, problem_field_code_name(FIELD_REQUIRED)) ||
        !strcmp(c, problem_field_code_name(FIELD_WRONG_TYPE)))
      return;
  }
  json_array_append_new(errors, problem_field_error(field, code, message));
}
