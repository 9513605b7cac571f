/* Organisations beyond the world of tl_world.h (see tl_org.h). */
#include "tl_org.h"

#include <stdio.h>

#include "ids.h"

void tl_org_company(const struct tl_world *w, char id[37], const char *kind, const char *name) {
  char full[128];
  ids_uuid_v4(id);
  snprintf(full, sizeof(full), "%s %s", name, w->sfx);
  tl_sql_run("INSERT INTO policy.companies (id, kind, name) VALUES ($1, $2, $3)", 3, id, kind,
             full);
  tl_sql_run("INSERT INTO policy.company_portals (company_id, portal_id) VALUES ($1, $2)", 2, id,
             w->portal_a);
}

void tl_org_person(const struct tl_world *w, struct tl_person *p, const char *who,
                   const char *company_id, const char *kind, const char *roles) {
  ids_uuid_v4(p->id);
  snprintf(p->email, sizeof(p->email), "%s-%s@orders.test", who, w->sfx);
  snprintf(p->company_id, sizeof(p->company_id), "%s", company_id);
  p->company_kind = kind;
  tl_sql_run(
      "WITH u AS (INSERT INTO policy.users (id, company_id, email, name, authority_level)"
      " VALUES ($1, $2, $3, $4, 3) RETURNING id)"
      " INSERT INTO policy.user_org_roles (user_id, role) SELECT u.id, r FROM u,"
      " unnest($5::text[]) r",
      5, p->id, company_id, p->email, who, roles);
  p->token = tl_world_token_in(w, p, w->portal_a);
}

int tl_org_replica_caught_up(void *schema) {
  char q[160];
  long unnumbered = tl_sql_long("SELECT count(*) FROM policy.outbox WHERE seq IS NULL", 0, NULL);
  long head = tl_sql_long("SELECT coalesce(max(seq), 0) FROM policy.outbox", 0, NULL);
  snprintf(q, sizeof(q),
           "SELECT coalesce((SELECT last_seq FROM %s.event_offsets WHERE source = 'policy'), 0)",
           (const char *)schema);
  return unnumbered == 0 && tl_sql_long(q, 0, NULL) >= head;
}
