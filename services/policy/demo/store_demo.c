/* SQL of the demo portal `policy demo-data` loads (demo.c): beside the portal, its insurer and
 * admin (made by the one create of portals, portals.h), a partner with two offices, an agent and
 * a customer organisation, their users (README.md, "Demo logins"; every password is "demo"),
 * office categories and role definitions.
 *
 * Every row has a fixed id and is inserted with ON CONFLICT DO NOTHING, users are looked up by
 * email first, all in the loader's one transaction under an advisory lock: a second load
 * changes nothing, and rows an admin has edited since are left as they are. */
#include "store_demo.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "password.h"
#include "status.h"

#define DEMO_SCHEMA "policy"
#define DEMO_MIGRATION "policy/0001_identity.sql" /* the tables written here */
#define DEMO_PASSWORD "demo"

/* Fixed ids (UUID v4 layout, store_demo.h): companies ...01xx, portal ...02xx, offices ...03xx,
 * office categories ...04xx, users ...05xx. */
#define INSURER_ID POLICY_DEMO_INSURER_ID
#define PORTAL_ID POLICY_DEMO_PORTAL_ID
#define PARTNER_ID "00000000-0000-4000-8000-de0000000102"
#define AGENT_ID "00000000-0000-4000-8000-de0000000103"
#define CUSTOMER_ID "00000000-0000-4000-8000-de0000000104"
#define OFFICE_STHLM_ID "00000000-0000-4000-8000-de0000000301"
#define OFFICE_UPPSALA_ID "00000000-0000-4000-8000-de0000000302"
#define CATEGORY_WATER_ID "00000000-0000-4000-8000-de0000000401"
#define CATEGORY_FIRE_ID "00000000-0000-4000-8000-de0000000402"

struct demo_company {
  const char *id, *kind, *name, *org_number;
};

/* Organisation numbers are made up. The insurer comes with its portal (demo.c). */
static const struct demo_company demo_companies[] = {
    {PARTNER_ID, "partner", "Bygg & Sanering Nord AB", "556900-0102"},
    {AGENT_ID, "agent", "Demo Agentur AB", "556900-0103"},
    {CUSTOMER_ID, "customer", "Demo Kund Bostadsrättsförening", "769600-0104"},
};

struct demo_office {
  const char *id, *company_id, *name, *street, *postal_code, *city, *latitude, *longitude,
      *temporary_cases;
};

static const struct demo_office demo_offices[] = {
    {OFFICE_STHLM_ID, PARTNER_ID, "Bygg & Sanering Nord Stockholm", "Drottninggatan 53", "111 21",
     "Stockholm", "59.3293", "18.0686", "outside_office_hours"},
    {OFFICE_UPPSALA_ID, PARTNER_ID, "Bygg & Sanering Nord Uppsala", "Kungsängsgatan 12", "753 18",
     "Uppsala", "59.8586", "17.6389", "never"},
};

struct demo_category {
  const char *id, *name;
};

static const struct demo_category demo_categories[] = {
    {CATEGORY_WATER_ID, "Vattenskada"},
    {CATEGORY_FIRE_ID, "Brand"},
};

struct demo_link {
  const char *office_id, *category_id;
};

static const struct demo_link demo_category_links[] = {
    {OFFICE_STHLM_ID, CATEGORY_WATER_ID},
    {OFFICE_STHLM_ID, CATEGORY_FIRE_ID},
    {OFFICE_UPPSALA_ID, CATEGORY_WATER_ID},
};

/* Every company works in the Demo portal (the insurer from its creation). */
static const char *const demo_portal_companies[] = {PARTNER_ID, AGENT_ID, CUSTOMER_ID};

#define DEMO_MAX_USER_OFFICES 2

struct demo_user {
  const char *id, *company_id, *email, *name, *mobile, *authority_level;
  const char *external_case_handler; /* "true" / "false" */
  const char *budget_limit;          /* minor units, NULL: the portal default */
  const char *offices[DEMO_MAX_USER_OFFICES];
  const char *org_role; /* agent_handler, attestant, customer_attestant or NULL */
};

/* Mobile numbers are from the range PTS keeps for fiction (070-1740605 to 070-1740699). The
 * admin of the insurer, ...0501, comes with the portal (demo.c). */
static const struct demo_user demo_users[] = {
    {"00000000-0000-4000-8000-de0000000502",
     INSURER_ID,
     "handler@demo.test",
     "Erik Johansson",
     "+46701740606",
     "3",
     "false",
     NULL,
     {NULL, NULL},
     NULL},
    {"00000000-0000-4000-8000-de0000000503",
     PARTNER_ID,
     "partner-admin@demo.test",
     "Karin Nilsson",
     "+46701740607",
     "6",
     "false",
     NULL,
     {OFFICE_STHLM_ID, OFFICE_UPPSALA_ID},
     NULL},
    {"00000000-0000-4000-8000-de0000000504",
     PARTNER_ID,
     "ech@demo.test",
     "Johan Berg",
     "+46701740608",
     "4",
     "true",
     "2500000",
     {OFFICE_STHLM_ID, NULL},
     NULL},
    {"00000000-0000-4000-8000-de0000000505",
     PARTNER_ID,
     "craftsman@demo.test",
     "Mikael Svensson",
     "+46701740609",
     "2",
     "false",
     NULL,
     {OFFICE_UPPSALA_ID, NULL},
     NULL},
    {"00000000-0000-4000-8000-de0000000506",
     AGENT_ID,
     "agent@demo.test",
     "Sara Ek",
     "+46701740610",
     "3",
     "false",
     NULL,
     {NULL, NULL},
     "agent_handler"},
    {"00000000-0000-4000-8000-de0000000507",
     AGENT_ID,
     "attestant@demo.test",
     "Lars Holm",
     "+46701740611",
     "4",
     "false",
     NULL,
     {NULL, NULL},
     "attestant"},
    {"00000000-0000-4000-8000-de0000000508",
     CUSTOMER_ID,
     "customer-attestant@demo.test",
     "Maria Lund",
     "+46701740612",
     "3",
     "false",
     NULL,
     {NULL, NULL},
     "customer_attestant"},
    {"00000000-0000-4000-8000-de0000000509",
     CUSTOMER_ID,
     "customer@demo.test",
     "Karin Berg",
     "+46701740613",
     "3",
     "false",
     NULL,
     {NULL, NULL},
     NULL},
};

struct demo_role {
  const char *role, *rights; /* rights as a text[] literal */
};

/* Together the three definitions use each of the 16 rights at least once. */
static const struct demo_role demo_roles[] = {
    {"external_case_handler",
     "{add_remove_tasks,allocate_partners,show_office_categories,approve_budget,approve_tasks,"
     "customer_communication,chat_notifications,start_inspection}"},
    {"project_manager",
     "{add_remove_tasks,allocate_partners,show_office_categories,approve_budget,approve_tasks,"
     "rfq_initiate_edit,rfq_add_external_partners,rfq_decide,customer_communication}"},
    {"inspector_extra_authority",
     "{start_inspection,make_compensation_decision,cash_offer_all_tasks,"
     "cash_offer_before_budget_approval,cash_offer_wi_before_budget_approval,"
     "add_budget_for_other_partners}"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Runs one statement and adds the rows it inserted to *rows. */
static int exec_insert(PGconn *conn, const char *sql, int nparams, const char *const *params,
                       int *rows) {
  PGresult *res = NULL;
  int rc = db_exec(conn, sql, nparams, params, &res, NULL);
  if (rc == CS_OK) {
    *rows += atoi(PQcmdTuples(res));
    PQclear(res);
  }
  return rc;
}

/* CS_OK when the policy migration is recorded; else logs what to do. */
static int check_schema(PGconn *conn) {
  PGresult *res = NULL;
  const char *params[] = {DEMO_MIGRATION};
  int rc =
      db_exec(conn, "SELECT to_regclass('schema_migrations') IS NOT NULL", 0, NULL, &res, NULL);
  if (rc != CS_OK) goto done;
  int has_table = !strcmp(PQgetvalue(res, 0, 0), "t");
  PQclear(res);
  res = NULL;
  if (has_table && (rc = db_exec(conn, "SELECT 1 FROM schema_migrations WHERE version = $1", 1,
                                 params, &res, NULL)) != CS_OK)
    goto done;
  if (!has_table || PQntuples(res) == 0) {
    log_error(
        "demo data: the policy schema is not migrated (%s missing); start the policy "
        "service once, then load the demo data",
        DEMO_MIGRATION);
    rc = CS_ERR_NOT_FOUND;
  }
done:
  PQclear(res);
  return rc;
}

static int load_companies(PGconn *conn, int *rows) {
  int rc = CS_OK;
  for (size_t i = 0; i < COUNT(demo_companies) && rc == CS_OK; i++) {
    const struct demo_company *c = &demo_companies[i];
    const char *params[] = {c->id, c->kind, c->name, c->org_number};
    rc = exec_insert(conn,
                     "INSERT INTO companies (id, kind, name, org_number) VALUES ($1, $2, $3, $4)"
                     " ON CONFLICT (id) DO NOTHING",
                     4, params, rows);
  }
  for (size_t i = 0; i < COUNT(demo_portal_companies) && rc == CS_OK; i++) {
    const char *params[] = {demo_portal_companies[i], PORTAL_ID};
    rc = exec_insert(conn,
                     "INSERT INTO company_portals (company_id, portal_id) VALUES ($1, $2)"
                     " ON CONFLICT DO NOTHING",
                     2, params, rows);
  }
  return rc;
}

static int load_offices(PGconn *conn, int *rows) {
  int rc = CS_OK;
  for (size_t i = 0; i < COUNT(demo_offices) && rc == CS_OK; i++) {
    const struct demo_office *o = &demo_offices[i];
    const char *params[] = {o->id,   o->company_id, o->name,      o->street,         o->postal_code,
                            o->city, o->latitude,   o->longitude, o->temporary_cases};
    rc = exec_insert(conn,
                     "INSERT INTO offices (id, company_id, name, street, postal_code, city,"
                     " latitude, longitude, temporary_cases)"
                     " VALUES ($1, $2, $3, $4, $5, $6, $7::double precision,"
                     " $8::double precision, $9)"
                     " ON CONFLICT (id) DO NOTHING",
                     9, params, rows);
  }
  for (size_t i = 0; i < COUNT(demo_categories) && rc == CS_OK; i++) {
    const char *params[] = {demo_categories[i].id, PORTAL_ID, demo_categories[i].name};
    rc = exec_insert(conn,
                     "INSERT INTO office_categories (id, portal_id, name) VALUES ($1, $2, $3)"
                     " ON CONFLICT DO NOTHING",
                     3, params, rows);
  }
  for (size_t i = 0; i < COUNT(demo_category_links) && rc == CS_OK; i++) {
    const char *params[] = {demo_category_links[i].office_id, demo_category_links[i].category_id};
    rc = exec_insert(conn,
                     "INSERT INTO office_category_links (office_id, category_id)"
                     " SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM office_categories WHERE id = $2)"
                     " ON CONFLICT DO NOTHING",
                     2, params, rows);
  }
  return rc;
}

/* Inserts the user unless its email is taken (then only our own row gets its links); the
 * password is hashed only for a new row. *created counts new users. */
static int load_user(PGconn *conn, const struct demo_user *u, int *rows, int *created) {
  PGresult *res = NULL;
  char *hash = NULL;
  const char *by_email[] = {u->email};
  int rc =
      db_exec(conn, "SELECT id FROM users WHERE lower(email) = lower($1)", 1, by_email, &res, NULL);
  if (rc != CS_OK) goto done;
  if (PQntuples(res) > 0) {
    if (strcmp(PQgetvalue(res, 0, 0), u->id) != 0) {
      log_warning("demo data: %s is another user's email already; left as it is", u->email);
      goto done;
    }
  } else {
    if ((rc = password_hash(DEMO_PASSWORD, &hash)) != CS_OK) {
      log_error("demo data: cannot hash the password of %s", u->email);
      goto done;
    }
    const char *params[] = {
        u->id,          u->company_id, u->email,           u->name,
        u->mobile,      hash,          u->authority_level, u->external_case_handler,
        u->budget_limit};
    int before = *rows;
    if ((rc = exec_insert(conn,
                          "INSERT INTO users (id, company_id, email, name, mobile, password_hash,"
                          " authority_level, external_case_handler, budget_limit)"
                          " VALUES ($1, $2, $3, $4, $5, $6, $7::smallint, $8::boolean, $9::bigint)"
                          " ON CONFLICT DO NOTHING",
                          9, params, rows)) != CS_OK)
      goto done;
    *created += *rows - before;
  }
  /* Links only to our own row: a user with this id may have been given another email. */
  for (int i = 0; i < DEMO_MAX_USER_OFFICES && u->offices[i] != NULL; i++) {
    const char *params[] = {u->id, u->offices[i]};
    if ((rc = exec_insert(conn,
                          "INSERT INTO user_offices (user_id, office_id)"
                          " SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM users WHERE id = $1)"
                          " ON CONFLICT DO NOTHING",
                          2, params, rows)) != CS_OK)
      goto done;
  }
  if (u->org_role != NULL) {
    const char *params[] = {u->id, u->org_role};
    rc = exec_insert(conn,
                     "INSERT INTO user_org_roles (user_id, role)"
                     " SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM users WHERE id = $1)"
                     " ON CONFLICT DO NOTHING",
                     2, params, rows);
  }
done:
  PQclear(res);
  free(hash);
  return rc;
}

static int load_roles(PGconn *conn, int *rows) {
  int rc = CS_OK;
  for (size_t i = 0; i < COUNT(demo_roles) && rc == CS_OK; i++) {
    const char *params[] = {PORTAL_ID, demo_roles[i].role, demo_roles[i].rights};
    rc = exec_insert(conn,
                     "INSERT INTO role_definitions (portal_id, role, rights)"
                     " VALUES ($1, $2, $3::text[])"
                     " ON CONFLICT (portal_id, role) DO NOTHING",
                     3, params, rows);
  }
  return rc;
}

int policy_store_demo_connect(const char *conninfo, PGconn **out) {
  PGconn *conn = PQconnectdb(conninfo);
  *out = NULL;
  if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
    /* the message names host and port, never the password */
    log_error("demo data: cannot connect to the database: %s",
              conn ? PQerrorMessage(conn) : "out of memory");
    PQfinish(conn);
    return CS_ERR_UNAVAILABLE;
  }
  if (PQsetClientEncoding(conn, "UTF8") != 0) {
    log_error("demo data: cannot set the client encoding: %s", PQerrorMessage(conn));
    PQfinish(conn);
    return CS_ERR_DB;
  }
  *out = conn;
  return CS_OK;
}

int policy_store_demo_prepare(PGconn *conn, int *portal_exists) {
  const char *schema[] = {DEMO_SCHEMA}, *portal[] = {PORTAL_ID};
  PGresult *res = NULL;
  int rc;
  *portal_exists = 0;
  /* One loader at a time; the policy schema whatever the role's default search_path. */
  if ((rc = db_exec(conn, "SELECT pg_advisory_xact_lock(hashtext('claimsuite_demo_data'))", 0, NULL,
                    NULL, NULL)) != CS_OK ||
      (rc = db_exec(conn, "SELECT set_config('search_path', quote_ident($1), true)", 1, schema,
                    NULL, NULL)) != CS_OK ||
      (rc = check_schema(conn)) != CS_OK ||
      (rc = db_exec(conn, "SELECT 1 FROM portals WHERE id = $1", 1, portal, &res, NULL)) != CS_OK)
    return rc;
  *portal_exists = PQntuples(res) > 0;
  PQclear(res);
  return CS_OK;
}

int policy_store_demo_load_rest(PGconn *conn, int *rows, int *users) {
  int rc;
  if ((rc = load_companies(conn, rows)) != CS_OK || (rc = load_offices(conn, rows)) != CS_OK ||
      (rc = load_roles(conn, rows)) != CS_OK)
    return rc;
  for (size_t i = 0; i < COUNT(demo_users); i++)
    if ((rc = load_user(conn, &demo_users[i], rows, users)) != CS_OK) return rc;
  return CS_OK;
}
