/* API clients: integrations of a portal (client_credentials). Only the insurer's admin creates
 * and deactivates them; the secret is shown once, at creation, and stored as an argon2id hash.
 * API clients themselves may read the list. SQL lives in store_org_api_clients.c. */
#include <orcania.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "bus.h"
#include "ids.h"
#include "org_api_clients.h"
#include "password.h"
#include "status.h"
#include "store_org_api_clients.h"

#define SECRET_BYTES 32

static int may_read(const struct policy_org_caller *c) {
  return c->is_client || policy_org_is_insurer_admin(c);
}

int policy_org_api_client_list(PGconn *conn, const struct policy_org_caller *c,
                               const char *const *filter, const struct policy_org_page *pg,
                               json_t **rows, struct cs_refusal *err) {
  (void)filter;
  if (!may_read(c))
    return cs_refuse(err, PROBLEM_FORBIDDEN, "only the insurer's admin may see the API clients");
  if (policy_store_org_api_client_list(conn, c->portal_id, pg->updated_since, pg->after_created_at,
                                       pg->after_id, pg->limit, rows, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  return CS_OK;
}

void policy_org_api_client_rules(const json_t *body, struct cs_refusal *err) {
  const json_t *name = json_object_get(body, "name");
  if (json_is_string(name) && json_string_length(name) == 0)
    cs_refusal_field(err, "name", FIELD_REQUIRED, "must not be empty");
}

/* n random bytes as unpadded base64url into out (at least 2n + 1 bytes). */
static int random_text(size_t n, unsigned char *out, size_t out_size) {
  unsigned char raw[64];
  size_t len = 0;
  if (n > sizeof(raw) || getrandom(raw, n, 0) != (ssize_t)n) return CS_ERR;
  if (!o_base64url_encode(raw, n, out, &len) || len >= out_size) return CS_ERR;
  out[len] = '\0';
  return CS_OK;
}

int policy_org_api_client_create(PGconn *conn, struct write_call *w) {
  const struct policy_org_caller *c = w->caller;
  unsigned char secret[96], tag[48];
  char id[37], client_id[64], *hash = NULL;
  json_t *client = NULL;
  int rc = CS_OK;
  const char *name = json_string_value(json_object_get(w->body, "name"));

  if (!policy_org_is_insurer_admin(c)) {
    rc = cs_refuse(&w->err, PROBLEM_FORBIDDEN, "only the insurer's admin may create API clients");
    goto done;
  }
  if (random_text(SECRET_BYTES, secret, sizeof(secret)) != CS_OK ||
      random_text(12, tag, sizeof(tag)) != CS_OK || password_hash((char *)secret, &hash) != CS_OK) {
    rc = cs_refuse(&w->err, PROBLEM_INTERNAL, "the client secret could not be made");
    goto done;
  }
  snprintf(client_id, sizeof(client_id), "cs_%s", (char *)tag);
  ids_uuid_v4(id);
  if (policy_store_org_api_client_insert(conn, id, c->portal_id, c->company_id, name, client_id,
                                         hash, c->sub, w->err.sqlstate) != CS_OK ||
      policy_store_org_api_client_get(conn, c->portal_id, id, &client, w->err.sqlstate) != CS_OK) {
    rc = cs_refusal_db(&w->err);
    goto done;
  }
  if (bus_outbox_add(conn, "api_client.created", c->portal_id, id, client) != CS_OK) {
    rc = cs_refusal_db(&w->err);
    goto done;
  }
  json_object_set_new(client, "client_secret", json_string((char *)secret));
  w->result = client;
  client = NULL;
done:
  explicit_bzero(secret, sizeof(secret));
  json_decref(client);
  free(hash);
  return rc;
}

int policy_org_api_client_delete(PGconn *conn, struct write_call *w) {
  const struct policy_org_caller *c = w->caller;
  json_t *client = NULL;
  int rc;
  if (!may_read(c)) return cs_refuse(&w->err, PROBLEM_NOT_FOUND, "no such API client");
  if (!policy_org_is_insurer_admin(c))
    return cs_refuse(&w->err, PROBLEM_FORBIDDEN,
                     "only the insurer's admin may deactivate API clients");
  rc = policy_store_org_api_client_deactivate(conn, c->portal_id, w->id, w->err.sqlstate);
  if (rc == CS_ERR_NOT_FOUND) return cs_refuse(&w->err, PROBLEM_NOT_FOUND, "no such API client");
  if (rc != CS_OK ||
      policy_store_org_api_client_get(conn, c->portal_id, w->id, &client, w->err.sqlstate) != CS_OK)
    return cs_refusal_db(&w->err);
  rc = bus_outbox_add(conn, "api_client.deactivated", c->portal_id, w->id, client);
  json_decref(client);
  return rc == CS_OK ? CS_OK : cs_refusal_db(&w->err);
}
