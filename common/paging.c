/* Pages of lists (see paging.h). */
#include "paging.h"

#include <orcania.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ulfius.h>

#include "status.h"

/* A 400 naming one parameter. */
static int bad_parameter(struct cs_refusal *err, const char *field, enum field_code code,
                         const char *detail, const char *message) {
  cs_refuse(err, PROBLEM_INVALID_PARAMETER, "%s", detail);
  json_decref(err->errors);
  err->errors = json_pack("[o]", problem_field_error(field, code, message));
  return CS_REFUSED;
}

int paging_parse(const struct _u_map *query, long *limit, json_t **position,
                 struct cs_refusal *err) {
  const char *l = u_map_get(query, "limit");
  const char *cursor = u_map_get(query, "cursor");
  *limit = PAGING_DEFAULT_LIMIT;
  *position = NULL;
  if (l != NULL) {
    char *end = NULL;
    long v = strtol(l, &end, 10);
    if (end == l || *end != '\0' || v < 1 || v > PAGING_MAX_LIMIT)
      return bad_parameter(err, "limit", FIELD_OUT_OF_RANGE, "limit must be between 1 and 200",
                           "must be an integer between 1 and 200");
    *limit = v;
  }
  if (cursor != NULL && (*position = paging_cursor_decode(cursor)) == NULL)
    return bad_parameter(err, "cursor", FIELD_FORMAT, "cursor is not valid",
                         "must be a next_cursor value from a previous page");
  return CS_OK;
}

char *paging_cursor_encode(const json_t *position) {
  char *text = json_dumps(position, JSON_COMPACT | JSON_SORT_KEYS);
  if (text == NULL) return NULL;
  size_t len = strlen(text), out_len = 0;
  unsigned char *out = malloc(len * 4 / 3 + 8);
  if (out != NULL && !o_base64url_encode((const unsigned char *)text, len, out, &out_len)) {
    free(out);
    out = NULL;
  }
  if (out != NULL) out[out_len] = '\0';
  free(text);
  return (char *)out;
}

json_t *paging_cursor_decode(const char *cursor) {
  size_t len = strlen(cursor), out_len = 0;
  if (len == 0 || len > 2048) return NULL;
  unsigned char *out = malloc(len + 4);
  json_t *pos = NULL;
  if (out != NULL && o_base64url_decode((const unsigned char *)cursor, len, out, &out_len)) {
    pos = json_loadb((const char *)out, out_len, JSON_REJECT_DUPLICATES, NULL);
    if (pos != NULL && !json_is_object(pos)) {
      json_decref(pos);
      pos = NULL;
    }
  }
  free(out);
  return pos;
}

json_t *paging_page(json_t *rows, long limit, paging_position_fn position, const void *arg) {
  json_t *page = NULL, *next = json_null();
  if (!json_is_array(rows) || limit < 1) goto done;
  if (json_array_size(rows) > (size_t)limit) {
    /* the extra row only says that there is more: drop it and point after the last shown */
    while (json_array_size(rows) > (size_t)limit) json_array_remove(rows, (size_t)limit);
    json_t *pos = position(json_array_get(rows, (size_t)limit - 1), arg);
    char *cursor = pos != NULL ? paging_cursor_encode(pos) : NULL;
    json_decref(pos);
    if (cursor == NULL) goto done;
    json_decref(next);
    next = json_string(cursor);
    free(cursor);
  }
  page = json_pack("{s:O, s:O}", "items", rows, "next_cursor", next);
done:
  json_decref(rows);
  json_decref(next);
  return page;
}

char *paging_page_text(const char *items, const json_t *last, paging_position_fn position,
                       const void *arg) {
  char *cursor = NULL, *text = NULL;
  if (last != NULL) {
    json_t *pos = position(last, arg);
    cursor = pos != NULL ? paging_cursor_encode(pos) : NULL; /* base64url: nothing to escape */
    json_decref(pos);
    if (cursor == NULL) return NULL;
  }
  size_t len = strlen(items) + (cursor != NULL ? strlen(cursor) : 0) + 48;
  if ((text = malloc(len)) != NULL) {
    if (cursor != NULL)
      snprintf(text, len, "{\"items\":[%s],\"next_cursor\":\"%s\"}", items, cursor);
    else
      snprintf(text, len, "{\"items\":[%s],\"next_cursor\":null}", items);
  }
  free(cursor);
  return text;
}

int paging_query_integer(const struct _u_map *query, const char *name, long long def, long long min,
                         long long max, long long *out) {
  const char *v = u_map_get(query, name);
  if (v == NULL) {
    *out = def;
    return CS_OK;
  }
  char *end = NULL;
  long long n = strtoll(v, &end, 10);
  if (end == v || *end != '\0' || n < min || n > max) return CS_ERR_INVALID;
  *out = n;
  return CS_OK;
}
