/* SQL of the case rows every resource shares: the case document, visibility, the caller's case
 * roles, history and the version. Parameterised statements only (core/store_core.c). Every
 * function: CS_OK, or CS_ERR_DB with sqlstate (6 bytes) filled. */
#ifndef CLAIMSUITE_CASES_STORE_CORE_H
#define CLAIMSUITE_CASES_STORE_CORE_H

#include <jansson.h>
#include <libpq-fe.h>

/* The case document of id as stored now (no visibility check): a new reference, NULL when
 * absent. */
int cases_store_document(PGconn *conn, const char *id, json_t **out, char sqlstate[6]);
/* The same when the case is visible in portal_id to scope (cases_caller_scope: NULL or a
 * company id), *out NULL otherwise. */
int cases_store_visible_document(PGconn *conn, const char *portal_id, const char *scope,
                                 const char *id, json_t **out, char sqlstate[6]);
/* The same as JSON text as PostgreSQL built it (new, free(); NULL when not visible) and its
 * version: for answering a read without parsing the document. */
int cases_store_visible_document_text(PGconn *conn, const char *portal_id, const char *scope,
                                      const char *id, char **text, char version[24],
                                      char sqlstate[6]);
/* 1 in *visible when the case is visible (cheaper than building its document). */
int cases_store_visible(PGconn *conn, const char *portal_id, const char *scope, const char *id,
                        int *visible, char sqlstate[6]);
/* What user_id holds in case_id: the external case handler role, the project_management
 * task, an inspection task (1 or 0 each). */
struct cases_store_holdings {
  int ech, project_management, inspection;
};
int cases_store_holdings(PGconn *conn, const char *case_id, const char *user_id,
                         struct cases_store_holdings *out, char sqlstate[6]);

/* One line of a case's history: who did what to the case (and task), before/after as JSON
 * text (may be NULL). Added inside the open transaction; the insert goes out with its next
 * statement or its commit (db_exec_later), where a failure of it shows. */
struct cases_store_history {
  const char *case_id, *portal_id, *actor_id, *actor_kind, *company_id, *action, *task_id;
  const char *before, *after;
};
int cases_store_history_add(PGconn *conn, const struct cases_store_history *h);
/* Locks case id's row FOR UPDATE (in the caller's transaction) and reads its version only:
 * *version -1 when there is no such case. */
int cases_store_lock_version(PGconn *conn, const char *id, long long *version, char sqlstate[6]);
/* A partner uploaded to the case now (cases.partner_upload_at). */
int cases_store_partner_upload(PGconn *conn, const char *case_id, char sqlstate[6]);
/* The insurer has seen the case's partner uploads until now. */
int cases_store_partner_uploads_seen(PGconn *conn, const char *case_id, char sqlstate[6]);
/* Adds an event of case_id to the outbox (as bus_outbox_add, sent with the next statement or the
 * commit) whose data (borrowed) gains `case`: the case document as the transaction has it when
 * the insert runs, after the change's statements, with the version the change's bump gives it
 * when bumped (the bump comes last). CS_OK, or CS_ERR_DB / CS_ERR_NOMEM. */
int cases_store_event_with_case(PGconn *conn, const char *type, const char *portal_id,
                                const char *case_id, const json_t *data, int bumped);
/* Bumps the case's version and updated_at. */
int cases_store_bump(PGconn *conn, const char *case_id, char sqlstate[6]);

#endif
