/* SQL of the customer page's logos (see store_logos.h). */
#include "store_logos.h"

#include <stdio.h>

#include "db_json.h"

/* A logo as the API shows it, with the width it takes at the page's 40 px height. */
#define LOGO_DOCUMENT                                                                     \
  "json_build_object('id', l.id, 'media_type', l.media_type, 'size', l.size, 'width',"    \
  " l.width, 'height', l.height, 'display_height', 40, 'display_width', greatest(1,"      \
  " round(l.width * 40.0 / l.height)), 'uploaded_at', to_char(l.uploaded_at AT TIME ZONE" \
  " 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), 'sha256', l.sha256)"

int customer_store_logo_insert(PGconn *conn, const struct customer_store_logo *l, json_t **doc,
                               char sqlstate[6]) {
  char size[24], width[16], height[16];
  snprintf(size, sizeof(size), "%lld", l->size);
  snprintf(width, sizeof(width), "%ld", l->width);
  snprintf(height, sizeof(height), "%ld", l->height);
  const char *p[] = {l->id, l->portal_id, l->sha256, l->media_type,
                     size,  width,        height,    l->uploaded_by};
  return db_json_row(conn,
                     "INSERT INTO logos AS l (id, portal_id, sha256, media_type, size, width,"
                     " height, uploaded_by) VALUES ($1::uuid, $2::uuid, $3, $4, $5::bigint,"
                     " $6::int, $7::int, $8) RETURNING " LOGO_DOCUMENT,
                     8, p, doc, sqlstate);
}

int customer_store_logo_get(PGconn *conn, const char *portal_id, const char *id, json_t **doc,
                            char sqlstate[6]) {
  const char *p[] = {portal_id, id};
  return db_json_row_prepared(conn, "customer_logo_get",
                              "SELECT " LOGO_DOCUMENT
                              " FROM logos l WHERE l.portal_id = $1::uuid"
                              " AND l.id = $2::uuid",
                              2, p, doc, sqlstate);
}
