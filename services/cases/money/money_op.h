/* What the money changes of a case share (money/money_op.c): the task an item belongs to, its
 * money facts (op->money), the portal's currency, and the history line and event of a step. */
#ifndef CLAIMSUITE_CASES_MONEY_OP_H
#define CLAIMSUITE_CASES_MONEY_OP_H

#include <jansson.h>
#include <libpq-fe.h>

#include "case_op.h"

/* The task task_id of the case (borrowed from op->current): CS_OK, or 404 with err. */
int money_task(struct cases_op *op, const char *task_id, const json_t **task);
/* The company holding task (NULL while it has no office). Borrowed. */
const char *money_task_company(const json_t *task);
/* 1 when the caller is a user of the company holding task. */
int money_is_supplier(const struct cases_op *op, const json_t *task);
/* What task_id has of money (op->money; borrowed, NULL when not read). */
const json_t *money_facts(const struct cases_op *op, const char *task_id);
/* A member of the facts as an integer (0 when absent). */
long long money_fact(const struct cases_op *op, const char *task_id, const char *member);
/* 409 while the case is closed. */
int money_refuse_closed(struct cases_op *op);
/* The portal's currency (ISO 4217, from the replica) into cur: CS_OK, or refused. */
int money_currency(struct cases_op *op, char cur[4]);
/* approve_budget for amount (NULL: the right alone) on op->item: CS_OK, or refused (403; above
 * the limit approval-limit-exceeded, with the item's currency beside limit and amount). */
int money_require_approver(struct cases_op *op, const long long *amount);
/* The currency of a portal as the replica has it (ISO 4217; SEK when it names none) into cur. */
void money_portal_currency(const json_t *portal, char cur[4]);
/* 409 naming the item's status unless it is want. */
int money_require_status(struct cases_op *op, const json_t *item, const char *want,
                         const char *what, const char *action);
/* One step of an item: its history line (before and after borrowed, before may be NULL) and
 * one event of type whose data is data (stolen; the item's id is added as id_member), and the
 * item's document after as the answer (after, a reference taken). */
int money_step(PGconn *conn, struct cases_op *op, const char *type, const char *id_member,
               const json_t *before, json_t *after, json_t *data);

#endif
