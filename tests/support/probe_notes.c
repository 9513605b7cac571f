/* Notes: a small resource of the probe service that exercises the common HTTP helpers the way a
 * business resource does: validated JSON, Idempotency-Key on create, ETag and If-Match on
 * change, cursor paging, an outbox event in the same transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "db.h"
#include "http.h"
#include "idempotency.h"
#include "ids.h"
#include "paging.h"
#include "probe.h"
#include "refusal.h"
#include "service.h"
#include "status.h"

#define NOTE_COLUMNS "id, title, body, version, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

static const struct http_field note_create_fields[] = {
    {"title", HTTP_FIELD_STRING, 1, 200},
    {"body", HTTP_FIELD_STRING, 0, 10000},
};

static const struct http_field note_patch_fields[] = {
    {"title", HTTP_FIELD_STRING, 0, 200},
    {"body", HTTP_FIELD_STRING, 0, 10000},
};

static const char *owner_of(struct request_ctx *ctx) {
  return json_string_value(json_object_get(ctx->claims, "sub"));
}

static json_t *note_json(PGresult *res, int row) {
  return json_pack("{s:s, s:s, s:s?, s:i, s:s}", "id", PQgetvalue(res, row, 0), "title",
                   PQgetvalue(res, row, 1), "body",
                   PQgetisnull(res, row, 2) ? NULL : PQgetvalue(res, row, 2), "version",
                   atoi(PQgetvalue(res, row, 3)), "created_at", PQgetvalue(res, row, 4));
}

static void set_etag(struct request_ctx *ctx, const char *version) {
  char etag[32];
  http_etag_format(etag, sizeof(etag), version);
  u_map_put(ctx->resp->map_header, "ETag", etag);
}

static void answer_stored(struct request_ctx *ctx, const struct idem_stored *s) {
  ulfius_set_string_body_response(ctx->resp, (unsigned)s->status, s->body);
  u_map_put(ctx->resp->map_header, "Content-Type", "application/json");
  u_map_put(ctx->resp->map_header, "Idempotent-Replayed", "true");
  if (s->location != NULL) u_map_put(ctx->resp->map_header, "Location", s->location);
}

static void notes_create(struct request_ctx *ctx) {
  json_t *body = NULL, *note = NULL;
  PGconn *conn = NULL;
  PGresult *res = NULL;
  struct idem_stored stored = {0};
  char sqlstate[6] = "", id[37], location[64];
  const char *key = http_header(ctx->req, "Idempotency-Key");

  if (http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK ||
      http_validate(body, note_create_fields, 2, ctx->resp) != CS_OK)
    goto done;
  if (key != NULL && (key[0] == '\0' || strlen(key) > IDEM_KEY_MAX)) {
    http_problem(ctx->resp, PROBLEM_BAD_REQUEST, "Idempotency-Key must be 1 to 200 characters");
    goto done;
  }
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  if (db_begin(conn) != CS_OK) goto db_error;
  if (key != NULL) {
    enum idem_outcome outcome;
    if (idem_claim(conn, owner_of(ctx), key, "POST", "/notes", ctx->req->binary_body,
                   ctx->req->binary_body_length, &outcome, &stored) != CS_OK)
      goto db_error;
    if (outcome == IDEM_REPLAY) {
      answer_stored(ctx, &stored);
      goto done;
    }
    if (outcome == IDEM_MISMATCH) {
      http_problem(ctx->resp, PROBLEM_IDEMPOTENCY_KEY_REUSED,
                   "this Idempotency-Key was used with a different request");
      goto done;
    }
  }
  ids_uuid_v4(id);
  const char *params[] = {id, owner_of(ctx), json_string_value(json_object_get(body, "title")),
                          json_string_value(json_object_get(body, "body"))};
  if (db_exec(conn,
              "INSERT INTO notes (id, owner, title, body) VALUES ($1, $2, $3, $4)"
              " RETURNING " NOTE_COLUMNS,
              4, params, &res, sqlstate) != CS_OK)
    goto db_error;
  note = note_json(res, 0);
  if (bus_outbox_add(conn, "note.created", NULL, id, note) != CS_OK) goto db_error;
  snprintf(location, sizeof(location), "/notes/%s", id);
  char *text = json_dumps(note, JSON_COMPACT | JSON_PRESERVE_ORDER);
  int recorded = key == NULL || idem_record(conn, owner_of(ctx), key, 201, text, location) == CS_OK;
  free(text);
  if (!recorded || db_commit(conn) != CS_OK) goto db_error;
  set_etag(ctx, "1");
  u_map_put(ctx->resp->map_header, "Location", location);
  http_json(ctx->resp, 201, note);
  note = NULL;
  goto done;
db_error:
  service_db_problem(ctx, sqlstate[0] ? sqlstate : NULL);
done:
  if (conn != NULL) service_db_release(ctx, conn); /* rolls back an unfinished transaction */
  idem_stored_clear(&stored);
  PQclear(res);
  json_decref(note);
  json_decref(body);
}

static void notes_get(struct request_ctx *ctx) {
  const char *id = u_map_get(ctx->req->map_url, "id");
  PGconn *conn = NULL;
  PGresult *res = NULL;
  if (!ids_is_uuid(id)) {
    http_problem(ctx->resp, PROBLEM_NOT_FOUND, "no such note");
    return;
  }
  if (service_db_acquire(ctx, &conn) != CS_OK) return;
  const char *params[] = {id, owner_of(ctx)};
  if (db_exec(conn, "SELECT " NOTE_COLUMNS " FROM notes WHERE id = $1 AND owner = $2", 2, params,
              &res, NULL) != CS_OK) {
    service_db_problem(ctx, NULL);
  } else if (PQntuples(res) == 0) {
    http_problem(ctx->resp, PROBLEM_NOT_FOUND, "no such note");
  } else {
    set_etag(ctx, PQgetvalue(res, 0, 3));
    http_json(ctx->resp, 200, note_json(res, 0));
  }
  PQclear(res);
  service_db_release(ctx, conn);
}

static void notes_patch(struct request_ctx *ctx) {
  const char *id = u_map_get(ctx->req->map_url, "id");
  json_t *body = NULL;
  PGconn *conn = NULL;
  PGresult *res = NULL;
  char etag[32];
  if (!ids_is_uuid(id)) {
    http_problem(ctx->resp, PROBLEM_NOT_FOUND, "no such note");
    return;
  }
  if (http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK ||
      http_validate(body, note_patch_fields, 2, ctx->resp) != CS_OK)
    goto done;
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  const char *key[] = {id, owner_of(ctx)};
  if (db_begin(conn) != CS_OK ||
      db_exec(conn, "SELECT version FROM notes WHERE id = $1 AND owner = $2 FOR UPDATE", 2, key,
              &res, NULL) != CS_OK) {
    service_db_problem(ctx, NULL);
    goto done;
  }
  if (PQntuples(res) == 0) {
    http_problem(ctx->resp, PROBLEM_NOT_FOUND, "no such note");
    goto done;
  }
  http_etag_format(etag, sizeof(etag), PQgetvalue(res, 0, 0));
  if (http_check_if_match(ctx->req, ctx->resp, etag, 1) != CS_OK) goto done;
  PQclear(res);
  res = NULL;
  const json_t *title = json_object_get(body, "title"), *text = json_object_get(body, "body");
  const char *params[] = {id, json_string_value(title), text ? "1" : "0", json_string_value(text)};
  if (db_exec(conn,
              "UPDATE notes SET title = coalesce($2, title),"
              " body = CASE WHEN $3 = '1' THEN $4 ELSE body END, version = version + 1"
              " WHERE id = $1 RETURNING " NOTE_COLUMNS,
              4, params, &res, NULL) != CS_OK ||
      db_commit(conn) != CS_OK) {
    service_db_problem(ctx, NULL);
    goto done;
  }
  set_etag(ctx, PQgetvalue(res, 0, 3));
  http_json(ctx->resp, 200, note_json(res, 0));
done:
  PQclear(res);
  if (conn != NULL) service_db_release(ctx, conn);
  json_decref(body);
}

/* Newest first; the cursor holds the last row's (created_at, id). */
static void notes_list(struct request_ctx *ctx) {
  long limit;
  json_t *pos = NULL, *items = json_array();
  PGconn *conn = NULL;
  PGresult *res = NULL;
  char limit_s[24];
  struct cs_refusal bad = {0};
  if (paging_parse(ctx->req->map_url, &limit, &pos, &bad) != CS_OK) {
    service_refusal_answer(ctx, &bad);
    cs_refusal_clear(&bad);
    goto done;
  }
  snprintf(limit_s, sizeof(limit_s), "%ld", limit + 1);
  const char *params[] = {owner_of(ctx), limit_s,
                          pos ? json_string_value(json_object_get(pos, "created_at")) : NULL,
                          pos ? json_string_value(json_object_get(pos, "id")) : NULL};
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  if (db_exec(conn,
              "SELECT " NOTE_COLUMNS " FROM notes WHERE owner = $1"
              " AND ($3::timestamptz IS NULL OR (created_at, id) < ($3::timestamptz, $4::uuid))"
              " ORDER BY created_at DESC, id DESC LIMIT $2::int",
              4, params, &res, NULL) != CS_OK) {
    http_problem(ctx->resp, PROBLEM_INVALID_PARAMETER, "cursor is not valid");
    goto done;
  }
  int n = PQntuples(res), shown = n > limit ? (int)limit : n;
  for (int i = 0; i < shown; i++) json_array_append_new(items, note_json(res, i));
  json_t *page = json_pack("{s:O, s:n}", "items", items, "next_cursor");
  if (n > limit) {
    json_t *last = json_pack("{s:s, s:s}", "created_at", PQgetvalue(res, shown - 1, 4), "id",
                             PQgetvalue(res, shown - 1, 0));
    char *next = paging_cursor_encode(last);
    json_object_set_new(page, "next_cursor", json_string(next));
    free(next);
    json_decref(last);
  }
  http_json(ctx->resp, 200, page);
done:
  PQclear(res);
  if (conn != NULL) service_db_release(ctx, conn);
  json_decref(pos);
  json_decref(items);
}

void probe_notes_routes(struct service *svc) {
  service_route(svc, "POST", "/notes", notes_create, ROUTE_AUTHENTICATED);
  service_route(svc, "GET", "/notes", notes_list, ROUTE_AUTHENTICATED);
  service_route(svc, "GET", "/notes/:id", notes_get, ROUTE_AUTHENTICATED);
  service_route(svc, "PATCH", "/notes/:id", notes_patch, ROUTE_AUTHENTICATED);
}
