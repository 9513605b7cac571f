/* The event feed's rules (feed.h): its query and who may read it. */
#include "feed.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paging.h"
#include "status.h"

static const char *const known_params[] = {"after", "limit", "wait", "types"};

/* *n from name when it is a decimal integer in [min, max] (kept when absent), else an error. */
static void integer_param(const struct _u_map *params, const char *name, long long min,
                          long long max, long long *n, struct cs_refusal *err) {
  if (paging_query_integer(params, name, *n, min, max, n) == CS_OK) return;
  char message[96];
  snprintf(message, sizeof(message), "must be an integer between %lld and %lld", min, max);
  cs_refusal_field(err, name, FIELD_OUT_OF_RANGE, message);
}

/* types: comma-separated prefixes of lower-case letters, digits, '.' and '_'. */
static void types_param(const struct _u_map *params, struct cases_feed_query *q,
                        struct cs_refusal *err) {
  const char *v = u_map_get(params, "types");
  if (v == NULL) return;
  const char *p = v;
  for (;;) {
    size_t len = strcspn(p, ",");
    int ok = len >= 1 && len <= 64 && q->ntypes < CASES_FEED_MAX_TYPES;
    for (size_t i = 0; ok && i < len; i++)
      ok = (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '.' ||
           p[i] == '_';
    if (!ok) {
      cs_refusal_field(err, "types", FIELD_FORMAT,
                       "must be at most 16 comma-separated event type prefixes such as case. "
                       "or task.added (lower-case letters, digits, . and _)");
      return;
    }
    memcpy(q->types[q->ntypes], p, len);
    q->types[q->ntypes++][len] = '\0';
    if (p[len] == '\0') return;
    p += len + 1;
  }
}

int cases_feed_query_parse(const struct _u_map *params, struct cases_feed_query *q,
                           struct cs_refusal *err) {
  long long limit = 100, wait = 0;
  memset(q, 0, sizeof(*q));
  const char **keys = u_map_enum_keys(params);
  for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
    int known = 0;
    for (size_t k = 0; k < sizeof(known_params) / sizeof(known_params[0]); k++)
      known = known || strcmp(keys[i], known_params[k]) == 0;
    if (!known)
      cs_refusal_field(err, keys[i], FIELD_UNKNOWN_FIELD, "is not a parameter of the event feed");
  }
  integer_param(params, "after", 0, (long long)1 << 62, &q->after, err);
  integer_param(params, "limit", 1, CASES_FEED_MAX_LIMIT, &limit, err);
  integer_param(params, "wait", 0, CASES_FEED_MAX_WAIT_S, &wait, err);
  types_param(params, q, err);
  q->limit = (long)limit;
  q->wait_s = (long)wait;
  if (json_array_size(err->errors) > 0)
    return cs_refuse(err, PROBLEM_INVALID_PARAMETER, "the query has invalid parameters");
  return CS_OK;
}

int cases_feed_may_read(const struct cases_caller *c, struct cs_refusal *err) {
  if (cases_caller_is_internal(c)) return CS_OK;
  return cs_refuse(err, PROBLEM_FORBIDDEN,
                   "the event feed is for the insurer's users and API clients; partners follow "
                   "their cases through the case list and the dashboard");
}
