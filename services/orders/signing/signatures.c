/* The e-ID signatures of an order's steps (signatures.h). */
#include "signatures.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bankid.h"
#include "bankid_qr.h"
#include "db.h"
#include "fields.h"
#include "ids.h"
#include "log.h"
#include "orders.h"
#include "otp.h"
#include "otp_send.h"
#include "status.h"
#include "store_signatures.h"

#define NO_SUCH_SIGNATURE "no such signature"
#define MAX_CODE 32

void orders_signature_op_clear(struct orders_signature_op *op) {
  if (op == NULL) return;
  json_decref(op->bankid);
  explicit_bzero(op, sizeof(*op));
}

static const char *text(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

static int is(const json_t *o, const char *key, const char *value) {
  const char *v = text(o, key);
  return v != NULL && !strcmp(v, value);
}

static int db_failed(struct cs_refusal *err) {
  if (err->sqlstate[0] == '\0')
    snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", db_last_sqlstate());
  return cs_refusal_db(err);
}

/* The signature as its signer sees it: never its secrets (the QR secret, the code's hash);
 * while a BankID one is pending, the QR data of this second. A new reference, or NULL. */
static json_t *view(const json_t *s) {
  json_t *v = json_pack(
      "{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}", "id",
      json_object_get(s, "id"), "order_id", json_object_get(s, "order_id"), "step",
      json_object_get(s, "step"), "decision", json_object_get(s, "decision"), "method",
      json_object_get(s, "method"), "status", json_object_get(s, "status"), "hint_code",
      json_object_get(s, "hint_code"), "expires_at", json_object_get(s, "expires_at"), "created_at",
      json_object_get(s, "created_at"), "completed_at", json_object_get(s, "completed_at"));
  if (v == NULL) return NULL;
  if (is(s, "method", "sms_otp")) {
    json_object_set(v, "sent_to", json_object_get(s, "sent_to"));
    json_object_set(v, "tries_left", json_object_get(s, "otp_tries_left"));
  } else if (is(s, "status", "pending")) {
    char qr[256];
    long seconds = (long)json_integer_value(json_object_get(s, "seconds"));
    if (orders_bankid_qr(text(s, "qr_start_token"), text(s, "qr_start_secret"), seconds, qr,
                         sizeof(qr)) == CS_OK)
      json_object_set_new(v, "qr_data", json_string(qr));
  }
  return v;
}

/* ---- start ------------------------------------------------------------------------------ */

/* What the signer sees in the BankID app (simpleMarkdownV1): the order and what is signed. */
static void visible_text(const char *order_id, const char *step, const char *decision, char *out,
                         size_t len) {
  const char *what = !strcmp(step, "agent_approval") ? "the agent's approval"
                     : !strcmp(step, "agent_attest") ? "the agent's attest"
                                                     : "the customer's attest";
  snprintf(out, len, "# Order %s\n\nI sign %s of this order: **%s**.", order_id, what,
           !strcmp(decision, "approve") ? "approve" : "reject");
}

/* The body's fields, every error at once; then the method and decision among theirs. */
static int start_body(const json_t *body, struct cs_refusal *err) {
  static const struct http_field fields[] = {{"method", HTTP_FIELD_STRING, 1, 16},
                                             {"decision", HTTP_FIELD_STRING, 1, 16}};
  fields_check(body, fields, 2, err);
  const char *method = text(body, "method"), *decision = text(body, "decision");
  if (method != NULL && strcmp(method, "bankid") != 0 && strcmp(method, "sms_otp") != 0)
    cs_refusal_field(err, "method", FIELD_NOT_ALLOWED, "must be bankid or sms_otp");
  if (decision != NULL && strcmp(decision, "approve") != 0 && strcmp(decision, "reject") != 0)
    cs_refusal_field(err, "decision", FIELD_NOT_ALLOWED, "must be approve or reject");
  return cs_refusal_validation(err);
}

/* A pending BankID order of order_id is ended at BankID before another starts (the app would
 * otherwise show the old one); the row itself is cancelled in apply. Best effort: BankID ends
 * an order on its own after three minutes. */
static void cancel_pending_at_bankid(PGconn *conn, const char *order_id) {
  json_t *rows = NULL, *row;
  char sqlstate[6] = "", why[256];
  size_t i;
  if (orders_store_signature_pending_bankid(conn, order_id, &rows, sqlstate) != CS_OK) return;
  json_array_foreach(rows, i, row) {
    if (orders_bankid_cancel(text(row, "order_ref"), why, sizeof(why)) == CS_ERR_UNAVAILABLE)
      log_warning("signature %s could not be cancelled at BankID: %s", text(row, "id"), why);
  }
  json_decref(rows);
}

static int start_bankid(struct orders_signature_op *op, const char *order_id, const char *decision,
                        struct cs_refusal *err) {
  char visible[512], why[256];
  if (!orders_bankid_enabled())
    return cs_refuse(err, PROBLEM_UNAVAILABLE, "signing with BankID is not available here");
  visible_text(order_id, op->step, decision, visible, sizeof(visible));
  int rc = orders_bankid_sign(op->end_user_ip, visible, &op->bankid, why, sizeof(why));
  if (rc == CS_ERR_INVALID) {
    log_warning("BankID refused a signing order: %s", why);
    return cs_refuse(err, PROBLEM_UPSTREAM_BAD_ANSWER, "BankID refused the signing order (%s)",
                     why);
  }
  if (rc != CS_OK) return cs_refuse(err, PROBLEM_UNAVAILABLE, "BankID cannot be reached now");
  return CS_OK;
}

static int start_otp(struct orders_signature_op *op, const struct orders_caller *c,
                     const char *order_id, struct cs_refusal *err) {
  char code[ORDERS_OTP_DIGITS + 1], sms[320];
  if (c->mobile[0] == '\0')
    return cs_refuse(err, PROBLEM_CONFLICT,
                     "you have no mobile number to send a code to; ask your organisation's "
                     "administrator to add one, or sign with BankID");
  if (orders_otp_new(code) != CS_OK || orders_otp_hash(op->id, code, op->otp_hash) != CS_OK)
    return cs_refuse(err, PROBLEM_INTERNAL, "a code could not be made");
  snprintf(sms, sizeof(sms),
           "Your code to sign order %.8s: %s. It is valid for %d minutes. Never give it to "
           "anyone.",
           order_id, code, ORDERS_OTP_TTL_S / 60);
  int rc = orders_otp_send(c->mobile, sms);
  explicit_bzero(code, sizeof(code));
  explicit_bzero(sms, sizeof(sms));
  if (rc != CS_OK) return cs_refuse(err, PROBLEM_UNAVAILABLE, "the code could not be sent");
  orders_otp_mask(c->mobile, op->sent_to, sizeof(op->sent_to));
  return CS_OK;
}

int orders_signature_start_check(PGconn *conn, struct write_call *w) {
  struct orders_signature_op *op = w->op;
  const struct orders_caller *c = w->caller;
  if (start_body(w->body, &w->err) != CS_OK) return CS_REFUSED;
  const char *method = text(w->body, "method"), *decision = text(w->body, "decision");
  if (orders_signing_step(conn, c, w->id, decision, &op->step, &w->err) != CS_OK) return CS_REFUSED;
  ids_uuid_v4(op->id);
  cancel_pending_at_bankid(conn, w->id);
  if (!strcmp(method, "bankid")) return start_bankid(op, w->id, decision, &w->err);
  return start_otp(op, c, w->id, &w->err);
}

int orders_signature_start_apply(PGconn *conn, struct write_call *w) {
  struct orders_signature_op *op = w->op;
  const struct orders_caller *c = w->caller;
  int bankid = op->bankid != NULL;
  json_t *cancelled = NULL, *doc = NULL;
  struct orders_store_signature s = {
      .id = op->id,
      .order_id = w->id,
      .portal_id = c->portal_id,
      .step = op->step,
      .decision = text(w->body, "decision"),
      .method = bankid ? "bankid" : "sms_otp",
      .user_id = c->sub,
      .hint_code = bankid ? "outstandingTransaction" : NULL,
      .order_ref = bankid ? text(op->bankid, "orderRef") : NULL,
      .qr_start_token = bankid ? text(op->bankid, "qrStartToken") : NULL,
      .qr_start_secret = bankid ? text(op->bankid, "qrStartSecret") : NULL,
      .otp_hash = bankid ? NULL : op->otp_hash,
      .sent_to = bankid ? NULL : op->sent_to,
      .otp_tries = ORDERS_OTP_TRIES,
      .ttl_s = bankid ? ORDERS_BANKID_TTL_S : ORDERS_OTP_TTL_S};
  if (orders_store_signature_insert(conn, &s, &cancelled, &doc, w->err.sqlstate) != CS_OK ||
      doc == NULL) {
    json_decref(cancelled);
    return db_failed(&w->err);
  }
  if (json_array_size(cancelled) > 0)
    log_info("signature %s of order %s replaced a pending one", op->id, w->id);
  w->result = view(doc);
  w->status = 202;
  snprintf(w->location, sizeof(w->location), "/v1/orders/%s/signatures/%s", w->id, op->id);
  json_decref(cancelled);
  json_decref(doc);
  return w->result != NULL ? CS_OK : cs_refuse(&w->err, PROBLEM_INTERNAL, "out of memory");
}

/* ---- the signer's signature ---------------------------------------------------------------- */

/* Signature id of order_id when c is its signer (*s new), else 404. */
static int signers(PGconn *conn, const struct orders_caller *c, const char *order_id,
                   const char *id, int for_update, json_t **s, struct cs_refusal *err) {
  *s = NULL;
  if (orders_store_signature_get(conn, order_id, id, for_update, s, err->sqlstate) != CS_OK)
    return db_failed(err);
  if (*s == NULL || !is(*s, "user_id", c->sub) || !is(*s, "portal_id", c->portal_id)) {
    json_decref(*s);
    *s = NULL;
    return cs_refuse(err, PROBLEM_NOT_FOUND, NO_SUCH_SIGNATURE);
  }
  return CS_OK;
}

/* Ends pending signature s (borrowed) as status on its own; *s_out new: the row as it is now
 * (ended by another request meanwhile: as that one left it). */
static int end_alone(PGconn *conn, const json_t *s, const char *status, const char *hint,
                     json_t **out, struct cs_refusal *err) {
  if (orders_store_signature_end(conn, text(s, "id"), status, hint, NULL, out, err->sqlstate) !=
      CS_OK)
    return db_failed(err);
  if (*out == NULL && orders_store_signature_get(conn, text(s, "order_id"), text(s, "id"), 0, out,
                                                 err->sqlstate) != CS_OK)
    return db_failed(err);
  return *out != NULL ? CS_OK : cs_refuse(err, PROBLEM_NOT_FOUND, NO_SUCH_SIGNATURE);
}

/* The time now as RFC 3339 UTC, for the evidence of a code. */
static void now_utc(char *out, size_t len) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* In one transaction: s (pending) completes with evidence (borrowed) and the order's step is
 * signed. *out new: the completed row. A refusal of the order (it moved on meanwhile) leaves
 * the signature pending and is answered. */
static int complete(PGconn *conn, const json_t *s, const json_t *evidence, json_t **out,
                    struct cs_refusal *err) {
  json_t *locked = NULL;
  int rc = CS_REFUSED;
  *out = NULL;
  if (db_begin(conn) != CS_OK) return db_failed(err);
  if (orders_store_signature_get(conn, text(s, "order_id"), text(s, "id"), 1, &locked,
                                 err->sqlstate) != CS_OK) {
    rc = db_failed(err);
    goto done;
  }
  if (locked == NULL || !is(locked, "status", "pending")) {
    /* another request ended it first: answer it as that one left it */
    rc = CS_OK;
    *out = json_incref(locked);
    goto done;
  }
  if (orders_store_signature_end(conn, text(s, "id"), "complete", NULL, evidence, out,
                                 err->sqlstate) != CS_OK) {
    rc = db_failed(err);
    goto done;
  }
  if (orders_step_signed(conn, text(s, "order_id"), text(s, "step"), text(s, "user_id"),
                         text(s, "decision"), text(s, "id"), evidence, err) != CS_OK)
    goto done;
  if (db_commit(conn) != CS_OK) {
    rc = db_failed(err);
    goto done;
  }
  log_info("signature %s of order %s complete (%s)", text(s, "id"), text(s, "order_id"),
           text(s, "method"));
  rc = CS_OK;
done:
  if (db_in_transaction(conn)) db_rollback(conn);
  if (rc != CS_OK) {
    json_decref(*out);
    *out = NULL;
  }
  json_decref(locked);
  return rc;
}

/* A pending signature past its time: expired, and cancelled at BankID. */
static int expire(PGconn *conn, const json_t *s, json_t **out, struct cs_refusal *err) {
  char why[256];
  if (is(s, "method", "bankid") &&
      orders_bankid_cancel(text(s, "order_ref"), why, sizeof(why)) == CS_ERR_UNAVAILABLE)
    log_warning("expired signature %s could not be cancelled at BankID: %s", text(s, "id"), why);
  return end_alone(conn, s, "expired", "expiredTransaction", out, err);
}

/* Asks BankID where pending s stands and keeps what it says: *out new, the row now. */
static int collect(PGconn *conn, const json_t *s, json_t **out, struct cs_refusal *err) {
  json_t *answer = NULL, *evidence = NULL;
  char why[256];
  int rc = orders_bankid_collect(text(s, "order_ref"), &answer, why, sizeof(why));
  *out = NULL;
  if (rc == CS_ERR_INVALID) /* BankID no longer knows the order */
    return end_alone(conn, s, "failed", "noSuchOrder", out, err);
  if (rc != CS_OK) return cs_refuse(err, PROBLEM_UNAVAILABLE, "BankID cannot be reached now");
  const char *status = text(answer, "status"), *hint = text(answer, "hintCode");
  if (!strcmp(status, "pending")) {
    if (hint != NULL && strlen(hint) <= 64 &&
        orders_store_signature_hint(conn, text(s, "id"), hint, err->sqlstate) != CS_OK)
      rc = db_failed(err);
    else
      rc = orders_store_signature_get(conn, text(s, "order_id"), text(s, "id"), 0, out,
                                      err->sqlstate) == CS_OK
               ? CS_OK
               : db_failed(err);
  } else if (!strcmp(status, "complete") &&
             json_is_object(json_object_get(answer, "completionData"))) {
    /* the evidence: BankID's completion data whole (the signer's personal number and name,
     * the device, the signature and the OCSP response), with the order it belongs to */
    evidence = json_pack("{s:s, s:s?, s:O}", "method", "bankid", "order_ref", text(s, "order_ref"),
                         "completion_data", json_object_get(answer, "completionData"));
    rc = evidence != NULL ? complete(conn, s, evidence, out, err)
                          : cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
  } else {
    rc = end_alone(conn, s, "failed", hint != NULL && strlen(hint) <= 64 ? hint : "unknown", out,
                   err);
  }
  json_decref(evidence);
  json_decref(answer);
  return rc;
}

int orders_signature_poll(PGconn *conn, const struct orders_caller *c, const char *order_id,
                          const char *id, json_t **out, struct cs_refusal *err) {
  json_t *s = NULL, *now = NULL;
  int rc;
  *out = NULL;
  if ((rc = signers(conn, c, order_id, id, 0, &s, err)) != CS_OK) return rc;
  if (!is(s, "status", "pending") || is(s, "method", "sms_otp")) {
    if (is(s, "status", "pending") && json_is_true(json_object_get(s, "expired")))
      rc = expire(conn, s, &now, err);
    else
      now = json_incref(s);
  } else if (json_is_true(json_object_get(s, "expired"))) {
    rc = expire(conn, s, &now, err);
  } else {
    rc = collect(conn, s, &now, err);
  }
  if (rc == CS_OK && (*out = view(now)) == NULL)
    rc = cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
  json_decref(now);
  json_decref(s);
  return rc;
}

/* 409 for a signature that is not pending, naming its status. */
static int not_pending(const json_t *s, struct cs_refusal *err, const char *detail) {
  cs_refuse(err, PROBLEM_WRONG_STATE, "%s", detail);
  err->extra =
      json_pack("{s:O?, s:[]}", "current_state", json_object_get(s, "status"), "allowed_next");
  return CS_REFUSED;
}

int orders_signature_cancel(PGconn *conn, const struct orders_caller *c, const char *order_id,
                            const char *id, struct cs_refusal *err) {
  json_t *s = NULL, *now = NULL;
  char why[256];
  int rc;
  if ((rc = signers(conn, c, order_id, id, 0, &s, err)) != CS_OK) return rc;
  if (is(s, "status", "cancelled")) {
    rc = CS_OK;
  } else if (!is(s, "status", "pending")) {
    rc = not_pending(s, err, "the signature has ended; only a pending one can be cancelled");
  } else {
    /* cancelled here whatever BankID says: a completion collected later counts for nothing */
    if (is(s, "method", "bankid") &&
        orders_bankid_cancel(text(s, "order_ref"), why, sizeof(why)) == CS_ERR_UNAVAILABLE)
      log_warning("signature %s could not be cancelled at BankID: %s", id, why);
    rc = end_alone(conn, s, "cancelled", "cancelled", &now, err);
    if (rc == CS_OK && !is(now, "status", "cancelled"))
      rc = not_pending(now, err, "the signature ended before it could be cancelled");
  }
  json_decref(now);
  json_decref(s);
  return rc;
}

/* ---- the one-time code -------------------------------------------------------------------- */

static int refuse_code(const json_t *s, struct cs_refusal *err) {
  if (is(s, "status", "complete")) return not_pending(s, err, "the code was used already");
  if (is(s, "status", "expired")) return cs_refuse(err, PROBLEM_GONE, "the code has expired");
  if (is(s, "status", "failed")) {
    cs_refuse(err, PROBLEM_TOO_MANY_ATTEMPTS,
              "the code was tried too often; start a new signature for a new code");
    err->extra = json_pack("{s:i}", "tries_left", 0);
    return CS_REFUSED;
  }
  return not_pending(s, err, "the signature was cancelled");
}

int orders_signature_otp(PGconn *conn, const struct orders_caller *c, const char *order_id,
                         const char *id, const json_t *body, json_t **out, struct cs_refusal *err) {
  static const struct http_field fields[] = {{"code", HTTP_FIELD_STRING, 1, MAX_CODE}};
  char hash[ORDERS_OTP_HASH_LEN + 1], at[32];
  json_t *s = NULL, *now = NULL, *evidence = NULL, *locked = NULL;
  long tries_left = 0;
  int rc;
  *out = NULL;
  fields_check(body, fields, 1, err);
  const char *code = text(body, "code");
  if (code != NULL && !orders_otp_well_formed(code))
    cs_refusal_field(err, "code", FIELD_FORMAT, "must be the 6 digits sent by SMS");
  if (cs_refusal_validation(err) != CS_OK) return CS_REFUSED;
  if ((rc = signers(conn, c, order_id, id, 0, &s, err)) != CS_OK) return rc;
  if (!is(s, "method", "sms_otp")) {
    rc = not_pending(s, err, "a BankID signature takes no code");
    goto done;
  }
  if (!is(s, "status", "pending")) {
    rc = refuse_code(s, err);
    goto done;
  }
  if (json_is_true(json_object_get(s, "expired"))) {
    if ((rc = end_alone(conn, s, "expired", "expiredTransaction", &now, err)) == CS_OK)
      rc = refuse_code(now, err);
    goto done;
  }
  if (orders_otp_hash(id, code, hash) != CS_OK) {
    rc = cs_refuse(err, PROBLEM_INTERNAL, "the code could not be checked");
    goto done;
  }
  if (orders_otp_same(hash, text(s, "otp_hash"))) {
    now_utc(at, sizeof(at));
    evidence = json_pack("{s:s, s:O?, s:s}", "method", "sms_otp", "sent_to",
                         json_object_get(s, "sent_to"), "at", at);
    rc = evidence != NULL ? complete(conn, s, evidence, &now, err)
                          : cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
    /* another request ended it first (a second right code, a cancel): as it says */
    if (rc == CS_OK && !is(now, "status", "complete")) rc = refuse_code(now, err);
    if (rc == CS_OK && (*out = view(now)) == NULL)
      rc = cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
    goto done;
  }
  /* a wrong code: one try less, counted under the row's lock so two tries at once take two */
  if (db_begin(conn) != CS_OK) {
    rc = db_failed(err);
    goto done;
  }
  if (orders_store_signature_get(conn, order_id, id, 1, &locked, err->sqlstate) != CS_OK) {
    rc = db_failed(err);
  } else if (locked == NULL || !is(locked, "status", "pending")) {
    rc = locked != NULL ? refuse_code(locked, err)
                        : cs_refuse(err, PROBLEM_NOT_FOUND, NO_SUCH_SIGNATURE);
  } else if (orders_store_signature_wrong_try(conn, id, &tries_left, err->sqlstate) != CS_OK ||
             db_commit(conn) != CS_OK) {
    rc = db_failed(err);
  } else {
    log_info("signature %s: a wrong code (%ld tries left)", id, tries_left);
    if (tries_left > 0) {
      cs_refuse(err, PROBLEM_INVALID_CREDENTIALS, "the code is not right");
      err->extra = json_pack("{s:I}", "tries_left", (json_int_t)tries_left);
      rc = CS_REFUSED;
    } else {
      json_object_set_new(locked, "status", json_string("failed")); /* burnt by this try */
      rc = refuse_code(locked, err);
    }
  }
  if (db_in_transaction(conn)) db_rollback(conn);
done:
  json_decref(locked);
  json_decref(evidence);
  json_decref(now);
  json_decref(s);
  return rc;
}
