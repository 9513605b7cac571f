/* Lists as pages: ?limit= (default 50, 1..200) and ?cursor= (opaque), and the one shape of every
 * list answer, {"items": [...], "next_cursor": "..." | null}. A cursor is the position of the
 * last item shown (a JSON object chosen by the list), as unpadded base64url. No HTTP answers
 * here: a bad parameter is a refusal (refusal.h) for the HTTP layer to answer. */
#ifndef CLAIMSUITE_PAGING_H
#define CLAIMSUITE_PAGING_H

#include <jansson.h>

#include "refusal.h"

struct _u_map;

#define PAGING_DEFAULT_LIMIT 50
#define PAGING_MAX_LIMIT 200

/* Reads limit and cursor of query (a request's URL parameters, borrowed): *position is the
 * decoded cursor (a new reference), NULL without one. CS_OK, or CS_REFUSED with a 400
 * (PROBLEM_INVALID_PARAMETER) naming the bad parameter. */
int paging_parse(const struct _u_map *query, long *limit, json_t **position,
                 struct cs_refusal *err);

/* The integer parameter name of query: def when absent; CS_ERR_INVALID unless it is a decimal
 * integer in [min, max]. */
int paging_query_integer(const struct _u_map *query, const char *name, long long def, long long min,
                         long long max, long long *out);

/* Position <-> cursor. encode returns a new string (free()) or NULL when out of memory; decode
 * returns a new reference, or NULL when the cursor is not one of ours. */
char *paging_cursor_encode(const json_t *position);
json_t *paging_cursor_decode(const char *cursor);

/* The position of an item shown last (borrowed): a new object, NULL when out of memory. */
typedef json_t *(*paging_position_fn)(const json_t *last, const void *arg);

/* The page of rows (stolen), read with limit + 1 rows: more than limit rows means another page,
 * whose cursor is position(last item shown, arg). A new object {items, next_cursor}, NULL when
 * out of memory. */
json_t *paging_page(json_t *rows, long limit, paging_position_fn position, const void *arg);
/* The same answer as text, for a page PostgreSQL built: items is the JSON text of the items
 * shown, comma-joined (borrowed, "" for none); last (borrowed) the last item shown when another
 * page follows, else NULL. A new string (free()), NULL when out of memory. */
char *paging_page_text(const char *items, const json_t *last, paging_position_fn position,
                       const void *arg);

#endif
