/* One change of one case, the domain side (core/case_op.c): what a change function gets, the
 * helpers it records history and events with, and the questions it asks the replica of the policy
 * service's facts. Run by cases_http_case_op (http_case_op.h) through the common write runner.
 *
 * A change function runs twice:
 *   - CASES_OP_CHECK: outside any transaction, on an unlocked read of the case (document, the
 *     caller's case roles, version). It makes every refusal and every read of the replica
 *     (cases_require, cases_op_office, cases_op_user keep the answers in op->facts, so that a
 *     decision is made, and logged, once) and stops before its first write
 *     (cases_op_checking).
 *   - CASES_OP_APPLY: in the transaction, on the case row locked at the same version, so the
 *     same checks take the same path; the questions are answered from op->facts only.
 * When the version differs at the lock, the runner rolls back and checks again. */
#ifndef CLAIMSUITE_CASES_CASE_OP_H
#define CLAIMSUITE_CASES_CASE_OP_H

#include <jansson.h>
#include <libpq-fe.h>

#include "caller.h"
#include "refusal.h"
#include "roles.h"

enum cases_op_phase { CASES_OP_CHECK = 0, CASES_OP_APPLY = 1 };

struct cases_op {
  const struct cases_caller *caller;
  const char *case_id; /* from the path, a UUID (a create: the new id, set in apply) */
  const char *sub_id;  /* a second path id ({task_id}), a UUID, or NULL */
  const char *item_id; /* the path id of an item of the case (a budget, an invoice, a cash
                          offer: cases_op_item in http_case_op.h), a UUID, or NULL */
  json_t *item;        /* that item's document as read with the case, owned */
  json_t *money;       /* routes with CASES_OP_MONEY: what each task has of money, read with the
                          case (cases_store_money_facts in money/store_money.h), owned */
  const json_t *body;  /* the validated body, or NULL when the route has none */
  json_t *current;     /* the case document before the change, owned */
  unsigned case_roles; /* the caller's roles in this case */
  enum cases_op_phase phase;
  json_t *facts;      /* the replica's answers gathered by check, owned */
  json_t *result;     /* the answer, owned: the case document after the change, unless the
                         change function set it (an item's document) */
  int changed;        /* set by cases_history_add: the case's version is bumped */
  char new_id[37];    /* a create's id */
  char location[160]; /* Location of what a change created, or "" */
  struct cs_refusal err;
};
typedef int (*cases_op_fn)(PGconn *conn, struct cases_op *op);

/* The rules of a body that need nothing but the body: no database, no other service. A route
 * runs them right after the type checks of its field table and before anything else, so one
 * 422 names every invalid field and nothing is asked of anyone while the body is invalid. They
 * add field errors to err (borrowed) and must be safe on members of the wrong type (the table
 * has named those; problem_field_append keeps nothing more said of them). */
typedef void (*cases_body_rules)(const json_t *body, struct cs_refusal *err);

/* A change of one case outside the write runner (a form whose files have been streamed, which
 * the runner's JSON body and replays do not fit), op->caller and op->case_id set, phase apply:
 * cases_op_begin opens the transaction, locks the case's row and reads op->current (404 when
 * the case is gone); cases_op_end commits when rc is CS_OK (the case's version bumped when the
 * change added to its history: what only records beside the case, a chat message or a call,
 * leaves it), else rolls back, frees *result (NULL-able) and moves op's refusal to err (what err
 * held is cleared); it clears op and returns CS_OK or CS_REFUSED. */
int cases_op_begin(PGconn *conn, struct cases_op *op);
int cases_op_end(PGconn *conn, struct cases_op *op, int rc, json_t **result,
                 struct cs_refusal *err);
/* The same inside a transaction someone else opened and commits (an event consumer's): join
 * locks the row and reads op->current; leave bumps the version when the change added to the
 * history and returns rc (CS_REFUSED with op->err when that failed). Clear op after. */
int cases_op_join(PGconn *conn, struct cases_op *op);
int cases_op_leave(PGconn *conn, struct cases_op *op, int rc);
/* In such a change: when the caller is a partner user, the case shows a partner upload the
 * insurer has not seen (a document or report it added). CS_OK or CS_REFUSED. */
int cases_op_partner_upload(PGconn *conn, struct cases_op *op);

/* 409 while op's case is closed: "the case is closed; its <what> cannot change until it is
 * reopened". CS_OK otherwise. */
int cases_op_refuse_closed(struct cases_op *op, const char *what);
/* The task task_id of the case document case_doc (borrowed), NULL when it has none. */
const json_t *cases_case_task(const json_t *case_doc, const char *task_id);

/* 1 in the check phase: a change function returns CS_OK here, before its first write. */
int cases_op_checking(const struct cases_op *op);
/* Frees what op owns (current, facts, result, err); the pointers borrowed stay. */
void cases_op_clear(struct cases_op *op);

/* The caller's roles in case_id (0 for internal callers). CS_OK or CS_ERR_DB (sqlstate). */
int cases_roles_of(PGconn *conn, const struct cases_caller *c, const char *case_id, unsigned *mask,
                   char sqlstate[6]);
/* The same into op->case_roles. CS_OK or CS_REFUSED (database). */
int cases_op_roles(PGconn *conn, struct cases_op *op);

/* After an apply: when op->changed, bumps the case's version and reads the new document into
 * op->result; else op->result is op->current. CS_OK or CS_REFUSED. */
int cases_op_finish(PGconn *conn, struct cases_op *op);
/* The Idempotency-Key scope of the caller: its keys belong to it in one portal. */
void cases_idem_scope(const struct cases_caller *c, char scope[128]);

/* Appends to the case's history (before/after borrowed, may be NULL; task_id may be NULL) and
 * marks the case changed. CS_OK or CS_REFUSED (database failure in op->err). */
int cases_history_add(PGconn *conn, struct cases_op *op, const char *action, const char *task_id,
                      const json_t *before, const json_t *after);
/* Adds an event to the outbox: data (stolen) gets case_id, claim_number and actor members, and
 * `case`, the case document after the change (store_core.h); the aggregate is the case. CS_OK or
 * CS_REFUSED. */
int cases_event(PGconn *conn, struct cases_op *op, const char *type, json_t *data);

/* Asks whether the caller may do action (a right name) on this case; amount may be NULL.
 * CS_OK when allowed; CS_REFUSED with 403 (the decision's reason) or 503. API clients
 * act for the insurer (allowed); users are asked, once per check (the decision is logged).
 * An amount above the caller's approval limit is 403 approval-limit-exceeded with "limit" and
 * "amount" in the problem. */
int cases_require(struct cases_op *op, const char *action, const long long *amount);
/* *held 1 when the caller holds any of actions (NULL-terminated right names) through its roles
 * in case_id: a read's question (its scope), not a change's. CS_OK, or CS_REFUSED (database,
 * 503). */
int cases_holds_any(PGconn *conn, const struct cases_caller *c, const char *case_id,
                    const char *const *actions, int *held, struct cs_refusal *err);
/* Refuses with 403 unless the caller is an insurer user or an API client. */
int cases_require_internal(struct cases_op *op, const char *what);
/* The partner office office_id serving portal_id (cases_policy_office): CS_OK with *office a
 * new reference or NULL when it is none; CS_REFUSED (503) when the policy service failed. */
int cases_op_office(struct cases_op *op, const char *portal_id, const char *office_id,
                    json_t **office);
/* The case's portal as the replica has it ({id, timezone, default_budget_limit, currency,
 * roles}): as cases_op_office; *portal NULL when unknown. */
int cases_op_portal(struct cases_op *op, json_t **portal);
/* User user_id as the policy service has it (cases_policy_user): as cases_op_office. */
int cases_op_user(struct cases_op *op, const char *portal_id, const char *user_id, json_t **user);

#endif
