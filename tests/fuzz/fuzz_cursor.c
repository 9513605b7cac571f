/* Fuzzes list paging (common/paging.c): ?limit= and ?cursor= as paging_parse reads them from a
 * request's query, the cursor decoder alone, and paging_query_integer. A cursor that decodes
 * must encode back to a cursor that decodes to the same position; a refusal names its parameter.
 *
 * Input: "limit\ncursor" (no newline: all of it is the cursor); byte 0 bit 0 leaves limit out. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <ulfius.h>

#include "paging.h"
#include "status.h"
#include "fuzz_text.h"

/* The position a list would put in the next cursor: the last row's sort key and id. */
static json_t *position_of(const json_t *last, const void *arg) {
  (void)arg;
  return json_pack("{s:O?, s:O?}", "created_at", json_object_get(last, "created_at"), "id",
                   json_object_get(last, "id"));
}

static void check_round_trip(const json_t *pos) {
  char *again = paging_cursor_encode(pos);
  if (again == NULL) abort();
  json_t *back = paging_cursor_decode(again);
  /* a position of a cursor longer than any we read is not ours to read back */
  if (strlen(again) <= 2048 && (back == NULL || !json_equal(back, pos))) abort();
  json_decref(back);
  free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 8192) return 0;
  char *text = fuzz_text_after_selector(data, size);
  char *nl = strchr(text, '\n');
  const char *limit = NULL, *cursor = text;
  if (nl != NULL) {
    *nl = '\0';
    limit = text;
    cursor = nl + 1;
  }
  if (data[0] & 1) limit = NULL;

  struct _u_map query;
  u_map_init(&query);
  if (limit != NULL) u_map_put(&query, "limit", limit);
  if (*cursor != '\0' || (data[0] & 2)) u_map_put(&query, "cursor", cursor);

  long n = 0;
  json_t *pos = NULL;
  struct cs_refusal err = {0};
  int rc = paging_parse(&query, &n, &pos, &err);
  if (rc == CS_OK) {
    if (n < 1 || n > PAGING_MAX_LIMIT) abort();
    if (pos != NULL) {
      if (!json_is_object(pos)) abort();
      check_round_trip(pos);
    }
  } else if (rc != CS_REFUSED || pos != NULL || json_array_size(err.errors) != 1) {
    abort();
  }
  cs_refusal_clear(&err);

  /* the cursor alone, and a page built after it as a list builds one */
  json_t *alone = paging_cursor_decode(cursor);
  if ((alone != NULL) != (pos != NULL) && rc == CS_OK && u_map_get(&query, "cursor") != NULL)
    abort();
  if (alone != NULL) {
    json_t *rows = json_pack("[O, O]", alone, alone);
    json_t *page = paging_page(rows, 1, position_of, NULL);
    if (page == NULL || !json_is_string(json_object_get(page, "next_cursor"))) abort();
    json_decref(page);
  }
  json_decref(alone);
  json_decref(pos);

  long long v;
  if (paging_query_integer(&query, "limit", 50, 1, 200, &v) == CS_OK && (v < 1 || v > 200)) abort();
  u_map_clean(&query);
  free(text);
  return 0;
}
