/* SQL of the signatures (migrations/0002_signatures.sql). Parameterised only; a signature reads
 * as one JSON object holding what the domain needs, the server-side secrets (qr_start_secret,
 * otp_hash) included: signatures.c decides what an answer shows. Each returns CS_OK, or
 * CS_ERR_DB with sqlstate filled (CS_ERR_NOMEM when out of memory). */
#ifndef CLAIMSUITE_ORDERS_STORE_SIGNATURES_H
#define CLAIMSUITE_ORDERS_STORE_SIGNATURES_H

#include <jansson.h>
#include <libpq-fe.h>

/* A new signature, every string borrowed (NULL where the method has none). */
struct orders_store_signature {
  const char *id, *order_id, *portal_id, *step, *decision, *method, *user_id;
  const char *hint_code, *order_ref, *qr_start_token, *qr_start_secret;
  const char *otp_hash, *sent_to;
  int otp_tries; /* sms_otp: the tries it starts with */
  long ttl_s;    /* it expires this many seconds from now */
};

/* Cancels every pending signature of order_id (one at most) and inserts s, pending: *doc new.
 * *cancelled new array of the ids cancelled. In the caller's transaction. */
int orders_store_signature_insert(PGconn *conn, const struct orders_store_signature *s,
                                  json_t **cancelled, json_t **doc, char sqlstate[6]);

/* The pending BankID signatures of order_id: *rows new [{id, order_ref}]. */
int orders_store_signature_pending_bankid(PGconn *conn, const char *order_id, json_t **rows,
                                          char sqlstate[6]);

/* Signature id of order_id (FOR UPDATE when for_update, in the caller's transaction): *doc new,
 * NULL when there is none. */
int orders_store_signature_get(PGconn *conn, const char *order_id, const char *id, int for_update,
                               json_t **doc, char sqlstate[6]);

/* Ends pending signature id as status (complete, failed, cancelled, expired) with hint_code
 * (may be NULL) and evidence (borrowed, may be NULL): *doc new, NULL when it was no longer
 * pending (nothing changed). */
int orders_store_signature_end(PGconn *conn, const char *id, const char *status,
                               const char *hint_code, const json_t *evidence, json_t **doc,
                               char sqlstate[6]);

/* The hint code of pending signature id, as BankID last said it. */
int orders_store_signature_hint(PGconn *conn, const char *id, const char *hint_code,
                                char sqlstate[6]);

/* One wrong try of pending signature id's code: *tries_left after it; at 0 the signature is
 * failed (hint_code tooManyTries). In the caller's transaction, the row locked. */
int orders_store_signature_wrong_try(PGconn *conn, const char *id, long *tries_left,
                                     char sqlstate[6]);

#endif
