/* The e-ID signature of an order's step as a resource (issue 15, step 5): a signing order by
 * BankID (bankid.h) or by a one-time code sent by SMS (otp.h), for the step the caller may sign
 * now (order/orders.h: orders_signing_step, its 403/404/409). One pending signature per order: a
 * new one cancels the old. Only its signer (who started it) sees it; anyone else gets 404. A
 * completed signature applies the signed decision to the order (orders_step_signed) in the same
 * transaction that keeps its evidence. No HTTP here; BankID is never called inside a
 * transaction. */
#ifndef CLAIMSUITE_ORDERS_SIGNATURES_H
#define CLAIMSUITE_ORDERS_SIGNATURES_H

#include <jansson.h>
#include <libpq-fe.h>

#include "caller.h"
#include "refusal.h"
#include "write.h"

#define ORDERS_BANKID_TTL_S 180 /* a BankID order lives 3 minutes at BankID too */

/* The state of one start (w->op); w->caller is the struct orders_caller, w->id the order's id,
 * w->body the request's body. */
struct orders_signature_op {
  char end_user_ip[64]; /* set by the route: the signer's address, for BankID */
  const char *step;     /* check: the step signed (static) */
  char id[37];          /* check: the new signature's id */
  json_t *bankid;       /* check: BankID's answer to /sign (owned) */
  char otp_hash[65];    /* check: the code's stored form */
  char sent_to[64];     /* check: the masked number the code went to */
};
void orders_signature_op_clear(struct orders_signature_op *op);

/* Write hooks of POST /v1/orders/{id}/signatures {method, decision}: check validates the body
 * (422 for every error at once), asks the order which step the caller signs, ends a pending
 * BankID order of the order at BankID, then starts the new one at BankID (503 when it cannot be
 * reached or is not configured) or makes the code and sends it by SMS to the caller's mobile
 * (409 without one); apply stores it, cancelling the pending one, and answers 202 with it. */
int orders_signature_start_check(PGconn *conn, struct write_call *w);
int orders_signature_start_apply(PGconn *conn, struct write_call *w);

/* GET .../signatures/{sid}: the signature as its signer sees it (*out new). A pending BankID
 * one is collected first: its hint code, its failure, or its completion (the evidence kept, the
 * order's step signed); a pending one past its time expires (cancelled at BankID). Its answer
 * holds the animated QR data while it is pending. CS_OK or CS_REFUSED. */
int orders_signature_poll(PGconn *conn, const struct orders_caller *c, const char *order_id,
                          const char *id, json_t **out, struct cs_refusal *err);

/* DELETE .../signatures/{sid}: cancels a pending signature (at BankID too). A cancelled one:
 * CS_OK again; a completed, failed or expired one: 409. */
int orders_signature_cancel(PGconn *conn, const struct orders_caller *c, const char *order_id,
                            const char *id, struct cs_refusal *err);

/* POST .../signatures/{sid}/otp {code}: the right code completes it (the order's step signed,
 * *out new, the signature); a wrong one 401 with tries_left, the fifth wrong one burns it (429,
 * and so does every try after); expired 410; used (complete) or cancelled 409; a BankID
 * signature takes no code (409). */
int orders_signature_otp(PGconn *conn, const struct orders_caller *c, const char *order_id,
                         const char *id, const json_t *body, json_t **out, struct cs_refusal *err);

#endif
