/* The end of an organisation write (org_write.h). */
#include "org_write.h"

#include "status.h"

int policy_org_precondition(struct write_call *w, const json_t *resource, int required) {
  long long version = json_integer_value(json_object_get(resource, "version"));
  return w->precondition(w, version, required) ? CS_REFUSED : CS_OK;
}

json_t *policy_org_event_data(const json_t *resource) {
  json_t *data = json_deep_copy(resource);
  json_object_del(data, "version");
  json_object_del(data, "password_hash");
  json_object_del(data, "secret_hash");
  return data;
}

int policy_org_write_done(PGconn *conn, struct write_call *w, const char *type, const char *id,
                          policy_org_get_fn get) {
  json_t *resource = NULL;
  if (get(conn, w->caller, id, &resource, &w->err) != CS_OK) return cs_refusal_db(&w->err);
  if (write_event(conn, &w->err, type, policy_org_caller_of(w)->portal_id, id,
                  policy_org_event_data(resource)) != CS_OK) {
    json_decref(resource);
    return CS_REFUSED;
  }
  w->result = resource;
  return CS_OK;
}
