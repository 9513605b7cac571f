/* The customer page's settings (settings.h): a portal's document is the defaults with what it
 * saved over them, so a setting added later reads as its default in documents saved before. */
#include "settings.h"

#include <stdio.h>
#include <string.h>

#include "case_staff.h"
#include "ids.h"
#include "logos.h"
#include "preview.h"
#include "settings_schema.h"
#include "status.h"
#include "store_settings.h"

void customer_settings_op_clear(struct customer_settings_op *op) {
  if (op == NULL) return;
  json_decref(op->doc);
  op->doc = NULL;
}

int customer_settings_allowed(const struct customer_caller *c, struct cs_refusal *err) {
  if (customer_caller_is_portal_admin(c)) return CS_OK;
  return cs_refuse(err, PROBLEM_FORBIDDEN,
                   "only an admin (authority level 6) of the insurer or an API client of the "
                   "portal may see and change the customer page's settings");
}

/* The portal's effective document into *doc (new) and its row (new, NULL: never saved). */
static int portal_doc(PGconn *conn, const char *portal_id, int for_update, json_t **doc,
                      json_t **row, struct cs_refusal *err) {
  *doc = NULL;
  *row = NULL;
  if (customer_store_settings_get(conn, portal_id, for_update, row, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  json_t *defaults = customer_settings_defaults();
  *doc = customer_settings_merge(defaults, json_object_get(*row, "doc"));
  json_decref(defaults);
  return *doc != NULL ? CS_OK : cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
}

static json_t *version_of(const json_t *row) {
  json_t *v = json_object_get(row, "version");
  return v != NULL ? json_incref(v) : json_integer(0);
}

static json_t *updated_at_of(const json_t *row) {
  json_t *v = json_object_get(row, "updated_at");
  return v != NULL ? json_incref(v) : json_null();
}

/* The answer of a portal's settings: the document with its read-only members. Steals doc. */
static json_t *portal_answer(const char *portal_id, json_t *doc, const json_t *row) {
  json_object_set_new(doc, "portal_id", json_string(portal_id));
  json_object_set_new(doc, "version", version_of(row));
  json_object_set_new(doc, "updated_at", updated_at_of(row));
  json_object_set_new(doc, "customized", json_boolean(row != NULL));
  return doc;
}

int customer_settings_get(PGconn *conn, const struct customer_caller *c, json_t **out,
                          struct cs_refusal *err) {
  json_t *doc = NULL, *row = NULL;
  *out = NULL;
  if (customer_settings_allowed(c, err) != CS_OK) return CS_REFUSED;
  if (portal_doc(conn, c->portal_id, 0, &doc, &row, err) != CS_OK) goto done;
  *out = portal_answer(c->portal_id, doc, row);
  doc = NULL;
done:
  json_decref(doc);
  json_decref(row);
  return *out != NULL ? CS_OK : CS_REFUSED;
}

/* The portal's document and case_id's override row (new, NULL: none) and effective document. */
static int case_docs(PGconn *conn, const char *portal_id, const char *case_id, json_t **portal,
                     json_t **portal_row, json_t **override_row, json_t **effective,
                     struct cs_refusal *err) {
  *override_row = *effective = NULL;
  if (portal_doc(conn, portal_id, 0, portal, portal_row, err) != CS_OK) return CS_REFUSED;
  if (customer_store_case_settings_get(conn, portal_id, case_id, 0, override_row, err->sqlstate) !=
      CS_OK)
    return cs_refusal_db(err);
  *effective = customer_settings_merge(*portal, json_object_get(*override_row, "doc"));
  return *effective != NULL ? CS_OK : cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
}

int customer_settings_effective(PGconn *conn, const char *portal_id, const char *case_id,
                                json_t **out, struct cs_refusal *err) {
  json_t *portal = NULL, *portal_row = NULL, *row = NULL;
  int rc = case_docs(conn, portal_id, case_id, &portal, &portal_row, &row, out, err);
  json_decref(portal);
  json_decref(portal_row);
  json_decref(row);
  return rc;
}

/* CS_OK when c may see and change case_id's override (case_staff.h: 404 for a case unknown
 * here); else CS_REFUSED. */
static int case_allowed(PGconn *conn, const struct customer_caller *c, const char *case_id,
                        struct cs_refusal *err) {
  json_t *casefile = NULL;
  int rc = customer_case_staff(conn, c, case_id, &casefile, err);
  json_decref(casefile);
  return rc;
}

int customer_casefile_settings(PGconn *conn, const json_t *casefile, json_t **out) {
  struct cs_refusal err = {0};
  const char *portal_id = json_string_value(json_object_get(casefile, "portal_id"));
  const char *case_id = json_string_value(json_object_get(casefile, "case_id"));
  int rc = customer_settings_effective(conn, portal_id, case_id, out, &err);
  cs_refusal_clear(&err);
  return rc == CS_OK ? CS_OK : CS_ERR_DB;
}

int customer_case_settings_get(PGconn *conn, const struct customer_caller *c, const char *case_id,
                               json_t **out, struct cs_refusal *err) {
  json_t *portal = NULL, *portal_row = NULL, *row = NULL, *effective = NULL;
  *out = NULL;
  if (case_allowed(conn, c, case_id, err) != CS_OK) return CS_REFUSED;
  if (case_docs(conn, c->portal_id, case_id, &portal, &portal_row, &row, &effective, err) != CS_OK)
    goto done;
  json_t *override = json_object_get(row, "doc");
  *out = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "case_id", case_id, "portal",
                   portal_answer(c->portal_id, portal, portal_row), "override",
                   override != NULL ? json_incref(override) : json_object(), "effective", effective,
                   "version", version_of(row), "updated_at", updated_at_of(row));
  portal = effective = NULL;
done:
  json_decref(portal);
  json_decref(portal_row);
  json_decref(row);
  json_decref(effective);
  return *out != NULL ? CS_OK : CS_REFUSED;
}

int customer_settings_preview(PGconn *conn, const struct customer_caller *c, const char *case_id,
                              json_t **out, struct cs_refusal *err) {
  json_t *portal = NULL, *portal_row = NULL, *row = NULL, *effective = NULL;
  *out = NULL;
  if (case_id != NULL ? case_allowed(conn, c, case_id, err) : customer_settings_allowed(c, err))
    return CS_REFUSED;
  int rc = case_id == NULL ? portal_doc(conn, c->portal_id, 0, &effective, &portal_row, err)
                           : case_docs(conn, c->portal_id, case_id, &portal, &portal_row, &row,
                                       &effective, err);
  *out = rc == CS_OK ? customer_preview(effective) : NULL;
  if (rc == CS_OK && *out == NULL) rc = cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
  json_decref(portal);
  json_decref(portal_row);
  json_decref(row);
  json_decref(effective);
  return rc;
}

/* ---- the write ------------------------------------------------------------------------ */

/* The version of what the write changes (0: never saved), its row locked when for_update. */
static int current_version(PGconn *conn, struct write_call *w, int for_update, long long *version) {
  const struct customer_caller *c = w->caller;
  const struct customer_settings_op *op = w->op;
  json_t *row = NULL;
  int rc = op->case_id == NULL
               ? customer_store_settings_get(conn, c->portal_id, for_update, &row, w->err.sqlstate)
               : customer_store_case_settings_get(conn, c->portal_id, op->case_id, for_update, &row,
                                                  w->err.sqlstate);
  if (rc != CS_OK) return cs_refusal_db(&w->err);
  *version = json_integer_value(json_object_get(row, "version"));
  json_decref(row);
  return CS_OK;
}

int customer_settings_read(PGconn *conn, struct write_call *w, long long *version) {
  const struct customer_settings_op *op = w->op;
  if (op->case_id != NULL ? case_allowed(conn, w->caller, op->case_id, &w->err)
                          : customer_settings_allowed(w->caller, &w->err))
    return CS_REFUSED;
  if (current_version(conn, w, 0, version) != CS_OK) return CS_REFUSED;
  /* a document never saved (version 0) is the defaults: its first PUT needs no If-Match, but
   * one naming another version is still 412 */
  if (w->precondition(w, *version, *version > 0)) return CS_REFUSED;
  return CS_OK;
}

/* A custom logo must be one the portal uploaded (logos.h). */
static void logo_uploaded(PGconn *conn, const char *portal_id, const json_t *effective,
                          struct cs_refusal *err) {
  const char *logo = json_string_value(json_object_get(effective, "logo"));
  const char *ref = json_string_value(json_object_get(effective, "logo_ref"));
  json_t *doc = NULL;
  if (logo == NULL || strcmp(logo, "custom") != 0 || ref == NULL || err->errors != NULL) return;
  if (ids_is_uuid(ref) && customer_logo_get(conn, portal_id, ref, &doc, err) == CS_OK) {
    json_decref(doc);
    return;
  }
  if (err->sqlstate[0] != '\0') return; /* the database failed: the caller answers it */
  cs_refusal_clear(err);
  cs_refusal_field(err, "logo_ref", FIELD_INVALID,
                   "must be the id of a logo uploaded with POST /v1/customer/settings/logo");
}

int customer_settings_check(PGconn *conn, struct write_call *w) {
  const struct customer_caller *c = w->caller;
  struct customer_settings_op *op = w->op;
  json_t *portal = NULL, *row = NULL, *effective = NULL;
  customer_settings_validate(w->body, op->case_id == NULL, &w->err);
  if (w->err.errors != NULL) return cs_refusal_validation(&w->err);
  op->doc = customer_settings_pick(w->body);
  if (op->case_id == NULL) {
    effective = json_incref(op->doc);
  } else { /* an override is judged by the document it makes with the portal's settings */
    if (portal_doc(conn, c->portal_id, 0, &portal, &row, &w->err) != CS_OK) return CS_REFUSED;
    effective = customer_settings_merge(portal, op->doc);
  }
  customer_settings_rules(effective, &w->err);
  logo_uploaded(conn, c->portal_id, effective, &w->err);
  json_decref(portal);
  json_decref(row);
  json_decref(effective);
  if (w->err.sqlstate[0] != '\0') return cs_refusal_db(&w->err);
  return cs_refusal_validation(&w->err);
}

int customer_settings_lock(PGconn *conn, struct write_call *w, long long *version) {
  const struct customer_caller *c = w->caller;
  const struct customer_settings_op *op = w->op;
  char key[128];
  /* a first save has no row to lock: two of them would both insert; one waits here */
  snprintf(key, sizeof(key), "customer.settings/%s/%s", c->portal_id,
           op->case_id != NULL ? op->case_id : "");
  if (customer_store_lock(conn, key, w->err.sqlstate) != CS_OK) return cs_refusal_db(&w->err);
  return current_version(conn, w, 1, version);
}

int customer_settings_apply(PGconn *conn, struct write_call *w) {
  const struct customer_caller *c = w->caller;
  const struct customer_settings_op *op = w->op;
  json_t *row = NULL;
  int rc;
  if (op->case_id == NULL)
    rc = customer_store_settings_put(conn, c->portal_id, op->doc, c->sub, &row, w->err.sqlstate);
  else
    rc = customer_store_case_settings_put(conn, c->portal_id, op->case_id, op->doc, c->sub, &row,
                                          w->err.sqlstate);
  if (rc != CS_OK || row == NULL) return cs_refusal_db(&w->err);
  json_t *version = json_object_get(row, "version");
  if (op->case_id == NULL)
    rc = write_event(conn, &w->err, "customer_settings.updated", c->portal_id, c->portal_id,
                     json_pack("{s:s, s:O, s:O}", "portal_id", c->portal_id, "version", version,
                               "settings", op->doc));
  else
    rc = write_event(conn, &w->err, "customer_case_settings.updated", c->portal_id, op->case_id,
                     json_pack("{s:s, s:s, s:O, s:O}", "portal_id", c->portal_id, "case_id",
                               op->case_id, "version", version, "override", op->doc));
  json_decref(row);
  if (rc != CS_OK) return rc;
  /* the answer is what a GET now says, read in the same transaction */
  rc = op->case_id == NULL ? customer_settings_get(conn, c, &w->result, &w->err)
                           : customer_case_settings_get(conn, c, op->case_id, &w->result, &w->err);
  return rc;
}
