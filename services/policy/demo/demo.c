/* The demo loader (demo.h): the Demo portal is created as the operator creates any portal
 * (portals.h), with fixed ids, then the rest of the demo is inserted (store_demo.c). */
#include "demo.h"

#include <jansson.h>
#include <libpq-fe.h>

#include "db.h"
#include "log.h"
#include "portals.h"
#include "refusal.h"
#include "status.h"
#include "store_demo.h"

/* The Demo portal as a POST /v1/portals body. Swedish public holidays (and the eves offices
 * close on) of 2026 and 2027. Organisation numbers are made up; the mobile number is from the
 * range PTS keeps for fiction. */
static const char demo_portal[] =
    "{\"name\": \"Demo\", \"timezone\": \"Europe/Stockholm\","
    " \"office_hours\": {\"start\": \"08:00\", \"end\": \"16:00\"},"
    " \"office_days\": [1, 2, 3, 4, 5],"
    " \"public_holidays\": ["
    "  \"2026-01-01\", \"2026-01-06\", \"2026-04-03\", \"2026-04-06\", \"2026-05-01\","
    "  \"2026-05-14\", \"2026-06-06\", \"2026-06-19\", \"2026-12-24\", \"2026-12-25\","
    "  \"2026-12-26\", \"2026-12-31\","
    "  \"2027-01-01\", \"2027-01-06\", \"2027-03-26\", \"2027-03-29\", \"2027-05-01\","
    "  \"2027-05-06\", \"2027-06-06\", \"2027-06-25\", \"2027-12-24\", \"2027-12-25\","
    "  \"2027-12-26\", \"2027-12-31\"],"
    " \"enhanced_temporary_cases\": false, \"temporary_cases_report\": \"weekly\","
    " \"default_budget_limit\": 5000000,"
    " \"currency\": \"SEK\","
    " \"insurer\": {\"name\": \"Demo Försäkring AB\", \"org_number\": \"556900-0101\"},"
    " \"admin\": {\"email\": \"admin@demo.test\", \"name\": \"Anna Lindqvist\","
    "            \"mobile\": \"+46701740605\", \"password\": \"demo\"}}";

/* Creates the Demo portal: CS_OK, or an error after logging why. */
static int create_portal(PGconn *conn) {
  static const struct policy_portal_ids ids = {POLICY_DEMO_PORTAL_ID, POLICY_DEMO_INSURER_ID,
                                               POLICY_DEMO_ADMIN_ID};
  struct cs_refusal err = {0};
  json_t *body = json_loads(demo_portal, JSON_REJECT_DUPLICATES, NULL), *portal = NULL;
  int rc = CS_ERR_NOMEM;
  if (body == NULL) goto done;
  /* no check of the body: it is ours (and its password shorter than a user's must be) */
  rc = policy_portal_create(conn, &ids, body, &portal, &err);
  if (rc != CS_OK)
    log_error("demo data: the Demo portal could not be created: %s",
              err.db_failure ? db_last_sqlstate() : err.detail);
done:
  cs_refusal_clear(&err);
  json_decref(portal);
  json_decref(body);
  return rc;
}

int policy_demo_load(const char *conninfo) {
  PGconn *conn = NULL;
  int rc, in_tx = 0, exists = 0, rows = 0, users = 0;

  if ((rc = policy_store_demo_connect(conninfo, &conn)) != CS_OK) goto done;
  if ((rc = db_begin(conn)) != CS_OK) goto done;
  in_tx = 1;
  if ((rc = policy_store_demo_prepare(conn, &exists)) != CS_OK) goto done;
  if (!exists && (rc = create_portal(conn)) != CS_OK) goto done;
  if ((rc = policy_store_demo_load_rest(conn, &rows, &users)) != CS_OK) goto done;
  if ((rc = db_commit(conn)) != CS_OK) goto done;
  in_tx = 0;
  log_info("demo data: portal Demo (%s) %s; this load inserted %d further rows (%d users)",
           POLICY_DEMO_PORTAL_ID,
           exists ? "was there already" : "created with its insurer and admin", rows, users);
done:
  if (in_tx) db_rollback(conn);
  if (rc != CS_OK) log_error("demo data: not loaded, nothing changed");
  PQfinish(conn);
  return rc;
}
