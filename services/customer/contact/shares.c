/* The shared documents (shares.h). A share and its news entry are written in one transaction:
 * the customer never reads of a document it cannot see, nor sees one it was not told of. */
#include "shares.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casefile.h"
#include "db.h"
#include "fields.h"
#include "ids.h"
#include "status.h"
#include "store_shares.h"

static const char *member(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

/* A failure of a call that keeps no SQLSTATE of its own (casefile.h, db_commit): the thread's
 * last one names it. */
static int db_failed(struct cs_refusal *err) {
  if (err->sqlstate[0] == '\0')
    snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", db_last_sqlstate());
  return cs_refusal_db(err);
}

/* A news entry for each {document_id, title} of docs (borrowed): kind, and when source is not
 * NULL, source + infix + the document's id as the entry's source. */
static int news_each(PGconn *conn, const char *portal_id, const char *case_id, const json_t *docs,
                     const char *kind, const char *source, const char *infix) {
  size_t i;
  json_t *d;
  char src[256];
  json_array_foreach(docs, i, d) {
    json_t *params = json_pack("{s:s}", "title", member(d, "title") ? member(d, "title") : "");
    if (params == NULL) return CS_ERR_NOMEM;
    if (source != NULL)
      snprintf(src, sizeof(src), "%.150s%s%s", source, infix, member(d, "document_id"));
    int rc = customer_news_add(conn, portal_id, case_id, kind, NULL, params,
                               source != NULL ? src : NULL);
    json_decref(params);
    if (rc != CS_OK) return rc;
  }
  return CS_OK;
}

/* The report types and the setting that shares each automatically. */
static const struct {
  const char *type, *setting;
} reports[] = {{"inspection_report", "inspection_report_sharing"},
               {"customer_settlement_report", "settlement_report_sharing"}};

int customer_shares_auto(PGconn *conn, const json_t *casefile, const json_t *settings,
                         const char *source) {
  const char *case_id = member(casefile, "case_id"), *portal_id = member(casefile, "portal_id");
  char sqlstate[6] = "";
  if (case_id == NULL || portal_id == NULL) return CS_OK; /* nothing of a case to share */
  for (size_t i = 0; i < sizeof(reports) / sizeof(reports[0]); i++) {
    json_t *added = NULL;
    if (!customer_when_holds(member(settings, reports[i].setting), casefile)) continue;
    if (customer_store_shares_auto(conn, case_id, reports[i].type, reports[i].setting, &added,
                                   sqlstate) != CS_OK)
      return CS_ERR_DB;
    int rc = news_each(conn, portal_id, case_id, added, "document_shared", source, ":shared:");
    json_decref(added);
    if (rc != CS_OK) return rc;
  }
  return CS_OK;
}

int customer_shares_document_deleted(PGconn *conn, const char *case_id, const char *document_id,
                                     const char *source) {
  json_t *ended = NULL;
  char sqlstate[6] = "";
  if (customer_store_shares_end(conn, case_id, document_id, NULL, &ended, sqlstate) != CS_OK)
    return CS_ERR_DB;
  if (ended == NULL) return CS_OK; /* it was not shared */
  json_t *one = json_pack("[O]", ended);
  int rc = one == NULL ? CS_ERR_NOMEM
                       : news_each(conn, member(ended, "portal_id"), case_id, one,
                                   "document_sharing_ended", source, ":ended:");
  json_decref(one);
  json_decref(ended);
  return rc;
}

int customer_shares_list(PGconn *conn, const json_t *casefile, json_t **out,
                         struct cs_refusal *err) {
  json_t *rows = NULL;
  *out = NULL;
  if (customer_store_shares(conn, member(casefile, "case_id"), &rows, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  *out = json_pack("{s:o, s:n}", "items", rows, "next_cursor");
  return *out != NULL ? CS_OK : cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
}

/* body's document_ids checked (1..100 distinct UUIDs) into err, and as an array literal into
 * *literal (new, free()) when they are. */
static void ids_rules(const json_t *body, char **literal, struct cs_refusal *err) {
  static const struct http_field fields[] = {{"document_ids", HTTP_FIELD_ARRAY, 1, 0}};
  const json_t *ids = json_object_get(body, "document_ids"), *id;
  char field[48];
  size_t i, j, n;
  *literal = NULL;
  fields_check(body, fields, 1, err);
  if (json_array_size(err->errors) > 0)
    return; /* nothing more is judged of what is absent or mistyped */
  n = json_array_size(ids);
  if (n < 1 || n > CUSTOMER_SHARES_MAX_IDS) {
    cs_refusal_field(err, "document_ids", FIELD_OUT_OF_RANGE, "must hold 1 to 100 document ids");
    return;
  }
  json_array_foreach(ids, i, id) {
    snprintf(field, sizeof(field), "document_ids/%zu", i);
    if (!ids_is_uuid(json_string_value(id))) {
      cs_refusal_field(err, field, FIELD_FORMAT, "must be a document id (UUID)");
      continue;
    }
    for (j = 0; j < i; j++)
      if (json_equal(id, json_array_get(ids, j))) break;
    if (j < i) cs_refusal_field(err, field, FIELD_NOT_UNIQUE, "is listed twice");
  }
  if (json_array_size(err->errors) > 0) return;
  if ((*literal = malloc(n * 37 + 3)) == NULL) return;
  size_t k = 0;
  (*literal)[k++] = '{';
  json_array_foreach(ids, i, id) k +=
      (size_t)sprintf(*literal + k, "%s%s", i ? "," : "", json_string_value(id));
  (*literal)[k++] = '}';
  (*literal)[k] = '\0';
}

/* 1 when the array of strings a holds s. */
static int holds(const json_t *a, const char *s) {
  size_t i;
  json_t *v;
  json_array_foreach(a, i, v) if (!strcmp(json_string_value(v), s)) return 1;
  return 0;
}

int customer_shares_add(PGconn *conn, const struct customer_caller *c, const json_t *casefile,
                        const json_t *body, json_t **out, struct cs_refusal *err) {
  const char *case_id = member(casefile, "case_id"), *portal_id = member(casefile, "portal_id");
  const json_t *ids = json_object_get(body, "document_ids"), *id;
  json_t *found = NULL, *added = NULL, *shared = NULL;
  char *literal = NULL, field[48], detail[128];
  size_t i;
  int rc = CS_REFUSED;
  *out = NULL;
  ids_rules(body, &literal, err);
  if (cs_refusal_validation(err) != CS_OK) goto done;
  if (literal == NULL) {
    rc = cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
    goto done;
  }
  db_begin(conn);
  if (customer_store_documents_of_case(conn, case_id, literal, &found, err->sqlstate) != CS_OK) {
    rc = cs_refusal_db(err);
    goto done;
  }
  json_array_foreach(ids, i, id) {
    if (holds(found, json_string_value(id))) continue;
    snprintf(field, sizeof(field), "document_ids/%zu", i);
    snprintf(detail, sizeof(detail), "no document %s of this case (or it was deleted)",
             json_string_value(id));
    cs_refusal_field(err, field, FIELD_NOT_FOUND, detail);
  }
  if ((rc = cs_refusal_validation(err)) != CS_OK) goto done;
  /* a document deleted meanwhile is left out by the insert itself */
  if (customer_store_shares_add(conn, case_id, literal, c->sub, &added, err->sqlstate) != CS_OK) {
    rc = cs_refusal_db(err);
    goto done;
  }
  if ((rc = news_each(conn, portal_id, case_id, added, "document_shared", NULL, NULL)) != CS_OK ||
      (rc = db_commit(conn)) != CS_OK) {
    rc = db_failed(err);
    goto done;
  }
  if ((rc = customer_shares_list(conn, casefile, out, err)) != CS_OK) goto done;
  shared = json_array();
  json_array_foreach(added, i, id) json_array_append(shared, json_object_get(id, "document_id"));
  json_object_set_new(*out, "shared", shared);
done:
  if (db_in_transaction(conn)) db_rollback(conn);
  free(literal);
  json_decref(found);
  json_decref(added);
  return rc;
}

int customer_shares_end(PGconn *conn, const struct customer_caller *c, const json_t *casefile,
                        const char *document_id, struct cs_refusal *err) {
  const char *case_id = member(casefile, "case_id"), *portal_id = member(casefile, "portal_id");
  json_t *ended = NULL, *one = NULL;
  int rc;
  db_begin(conn);
  if (customer_store_shares_end(conn, case_id, document_id, c->sub, &ended, err->sqlstate) !=
      CS_OK) {
    rc = cs_refusal_db(err);
    goto done;
  }
  if (ended == NULL) {
    rc = cs_refuse(err, PROBLEM_NOT_FOUND, "the document is not shared with the customer");
    goto done;
  }
  if ((one = json_pack("[O]", ended)) == NULL) {
    rc = cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
    goto done;
  }
  if (news_each(conn, portal_id, case_id, one, "document_sharing_ended", NULL, NULL) != CS_OK ||
      db_commit(conn) != CS_OK) {
    rc = db_failed(err);
    goto done;
  }
  rc = CS_OK;
done:
  if (db_in_transaction(conn)) db_rollback(conn);
  json_decref(ended);
  json_decref(one);
  return rc;
}
