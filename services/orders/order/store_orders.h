/* SQL of the orders and their history (store_orders.c): plain jansson documents in and out, no
 * rules. Every function returns CS_OK or CS_ERR_DB / CS_ERR_NOMEM with sqlstate (6 bytes)
 * filled on a database failure. An order document is {id, portal_id, status, order_type,
 * customer_company_id, agent_company_id, ordered_by, details, approval, approved_by,
 * attestant_id, agent_attested_by, customer_attested_by, reject_reason, ticket_ref, version,
 * created_at, updated_at}. */
#ifndef CLAIMSUITE_ORDERS_STORE_H
#define CLAIMSUITE_ORDERS_STORE_H

#include <jansson.h>
#include <libpq-fe.h>

/* A new order in status submitted: *doc new. details borrowed. */
int orders_store_insert(PGconn *conn, const char *id, const char *portal_id, const char *order_type,
                        const char *customer_company_id, const char *agent_company_id,
                        const char *ordered_by, const json_t *details, json_t **doc,
                        char *sqlstate);

/* The order id of portal_id (locked FOR UPDATE when for_update, in conn's open transaction):
 * *doc new, NULL when there is none. */
int orders_store_get(PGconn *conn, const char *portal_id, const char *id, int for_update,
                     json_t **doc, char *sqlstate);
/* The same without the portal (the signing and ticket parts, in their transaction). */
int orders_store_get_any(PGconn *conn, const char *id, int for_update, json_t **doc,
                         char *sqlstate);

/* What a transition changes: status always; each other member only when not NULL. */
struct orders_change {
  const char *status;
  const json_t *approval;
  const char *approved_by;
  const char *attestant_id;
  const char *agent_attested_by;
  const char *customer_attested_by;
  const char *reject_reason;
  const char *ticket_ref;
};
/* Applies ch to order id and bumps its version: *doc new (the order after). */
int orders_store_update(PGconn *conn, const char *id, const struct orders_change *ch, json_t **doc,
                        char *sqlstate);

/* One history line (sent with the transaction's next statement): actor_id and actor_company
 * NULL for the service itself, from_status NULL for the create, signature_id NULL for an
 * unsigned step, detail borrowed (NULL: {}). */
int orders_store_history_add(PGconn *conn, const char *order_id, const char *actor_id,
                             const char *actor_company, const char *action, const char *from_status,
                             const char *to_status, const char *signature_id, const json_t *detail);
/* The history of order id, oldest first: *items new array of {at, actor_id, actor_company,
 * action, from_status, to_status, signature_id, detail}. */
int orders_store_history(PGconn *conn, const char *id, json_t **items, char *sqlstate);

/* Which orders a list reads. */
struct orders_store_filter {
  const char *portal_id;
  const char *company_id;
  int agent_side;       /* 1: the orders to company_id as agent; 0: those it ordered */
  const char *status;   /* NULL: any */
  int action_required;  /* only those waiting for user_id (orders.h) */
  const char *user_id;  /* the caller */
  const char *roles;    /* the caller's org roles as a text[] literal */
  const char *after_at; /* the cursor's position (created_at, id), or NULLs: the first page */
  const char *after_id;
  long limit;                /* rows to read */
  const char *updated_since; /* RFC 3339: orders changed at or after it; NULL: any */
};
/* The orders of f, newest first: *rows a new array of documents. */
int orders_store_list(PGconn *conn, const struct orders_store_filter *f, json_t **rows,
                      char *sqlstate);

#endif
