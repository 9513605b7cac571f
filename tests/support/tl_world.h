/* A small claims world for the cases tests, inserted into the policy schema as the database
 * superuser with names unique to the run, and calls to the cases service with tokens minted
 * with the stack's signing key (the users exist in the policy service, so the cases service's
 * look-ups of the caller succeed).
 *
 *   portal A (insurer IA):
 *     ia_admin    insurer admin, level 6           ia_handler  insurer case handler, level 3
 *     partner P serves A and B:
 *       office p_sthlm  Stockholm (59.3293, 18.0686), category "Water"
 *         p_admin   level 6                         p_ech     marked external case handler,
 *         p_worker  level 3                                   level 3, own budget limit 50000
 *       office p_upps   Uppsala (59.8586, 17.6389), no marked user
 *         p_upps_worker level 3
 *     partner Q serves A only:
 *       office q_gbg    Göteborg (57.7089, 11.9746)
 *         q_ech     marked external case handler, level 3 (no own limit)
 *         q_worker  level 3
 *       office q_nocoord (no coordinates), no users
 *   portal B (insurer IB):  ib_admin  insurer admin, level 6
 *   portal A's default budget limit is 10000; its role definitions are empty.
 *   client_a: an API client token of portal A (kind "client").
 * Every user's token is valid for an hour and names the portal it acts in (p_* users act in
 * portal A; use tl_world_token_in for portal B). */
#ifndef CLAIMSUITE_TL_WORLD_H
#define CLAIMSUITE_TL_WORLD_H

#include <jansson.h>

#include "testlib.h"

struct tl_person {
  char id[37];
  char email[128];
  char company_id[37];
  const char *company_kind;
  char *token; /* in portal A (portal B for ib_admin) */
};

struct tl_world {
  char sfx[13]; /* unique to the run, also in names and emails */
  char portal_a[37], portal_b[37];
  char insurer_a[37], insurer_b[37], partner_p[37], partner_q[37];
  char p_sthlm[37], p_upps[37], q_gbg[37], q_nocoord[37];
  struct tl_person ia_admin, ia_handler, ib_admin;
  struct tl_person p_admin, p_ech, p_worker, p_upps_worker, q_ech, q_worker;
  char client_a_id[37];
  char *client_a_token;
};

/* Creates the world (fails the test on any error). Call once per test executable. */
void tl_world_create(struct tl_world *w);
void tl_world_free(struct tl_world *w);

/* A token of person acting in portal_id. New string. */
char *tl_world_token_in(const struct tl_world *w, const struct tl_person *p, const char *portal_id);

/* Sets portal A's definition of role (external_case_handler, project_manager,
 * inspector_extra_authority) to rights (a JSON array text, e.g. "[\"approve_budget\"]"),
 * through the policy service's API as ia_admin. */
void tl_world_define_role(const struct tl_world *w, const char *role, const char *rights_json);

/* GET path on the policy service as ia_admin for its ETag, then method path with body and it as
 * If-Match (a change of portal A's settings, an office, a role); fails the test unless both
 * answer 200. */
void tl_world_policy_change(const struct tl_world *w, const char *method, const char *path,
                            const char *body);

/* Marks (or unmarks) person as external case handler through the policy service's API, as the
 * insurer's admin ia_admin does it in the portal (PATCH /v1/users/{id} with If-Match). */
void tl_world_mark_external(const struct tl_world *w, const struct tl_person *p, int marked);

/* Calls the cases service directly (CASES_URL) with token (may be NULL) and a JSON body (may
 * be NULL); extra_header may be NULL ("If-Match: ...", "Idempotency-Key: ..."). Returns the
 * status; r holds the answer (free with tl_response_free). */
/* Waits (polling, at most 10 s) until the cases service has applied every fact the policy
 * service has published: what a test changed in policy is then what cases decides from. */
void tl_replica_sync(void);
/* A call to the cases service once its replica has caught up (tl_replica_sync). */
long tl_cases(const char *method, const char *path, const char *token, const char *body,
              const char *extra_header, struct tl_response *r);

/* The item of case_id in GET /v1/cases?<query> as token (expects 200): a new reference, or NULL
 * when the page does not hold it. */
json_t *tl_cases_listed(const char *token, const char *query, const char *case_id);

/* The cases GET /v1/cases?limit=200&<query> lists for token (one page; the test fails on a
 * second), each named by its fixture name (names[i] for ids[i], nfix of them; else its id),
 * sorted and comma-joined into buf (returned); their number into *n. */
const char *tl_cases_listed_names(const char *token, const char *query, const char *const *ids,
                                  const char *const *names, size_t nfix, char *buf, size_t len,
                                  size_t *n);

/* The count of the row named row in a dashboard answer, -1 when the row is absent. */
long long tl_dashboard_count(const struct tl_response *r, const char *row);
/* The same of token's dashboard (GET /v1/dashboard, expects 200). */
long long tl_dashboard_row(const char *token, const char *row);

/* Creates a case in portal A as ia_handler at the given coordinates (Stockholm when lat is
 * NULL-like: pass 0,0 for none) with a unique claim number; copies its id to id_out (37 bytes).
 * Fails the test unless 201. */
void tl_world_case(const struct tl_world *w, double lat, double lon, char id_out[37]);

/* Adds a task (type, trade NULL for none) to case_id as ia_handler and, when office_id is not
 * NULL, gives it to that office; its id into task_out (37 bytes) unless NULL. Fails the test on
 * any other answer than success. */
void tl_world_task(const struct tl_world *w, const char *case_id, const char *type,
                   const char *trade, const char *office_id, char *task_out);
/* Gives case_id's external case handler role to office_id (as ia_handler), then to user (NULL:
 * none; as the insurer). Fails the test on any other answer than success. */
void tl_world_ech(const struct tl_world *w, const char *case_id, const char *office_id,
                  const struct tl_person *user);

#endif
