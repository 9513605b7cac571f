/* Calls to the policy service's /internal endpoints: authority decisions, users (with their
 * portal's time zone), API clients and offices. A small stack of libcurl handles is shared by
 * the worker threads, so each call reuses a kept-alive connection (see policy_client.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_client.h"

#include "http_client.h"
#include "ids.h"
#include "log.h"
#include "roles.h"
#include "status.h"
#include "write.h"

#define HANDLES_MAX 32

static const struct httpc_options options = {
    .connect_timeout_ms = 2000, .timeout_ms = 5000, .max_bytes = 8u << 20};

static struct {
  pthread_mutex_t lock;
  CURL *free[HANDLES_MAX];
  int nfree;
  char base[512];
} client = {.lock = PTHREAD_MUTEX_INITIALIZER};

int cases_policy_init(const char *url) {
  size_t n = strlen(url);
  while (n > 0 && url[n - 1] == '/') n--;
  if (n == 0 || n >= sizeof(client.base) ||
      (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
    fprintf(stderr, "cases: POLICY_URL must be an http(s) URL\n");
    return CS_ERR_INVALID;
  }
  memcpy(client.base, url, n);
  client.base[n] = '\0';
  return CS_OK;
}

void cases_policy_cleanup(void) {
  pthread_mutex_lock(&client.lock);
  while (client.nfree > 0) curl_easy_cleanup(client.free[--client.nfree]);
  pthread_mutex_unlock(&client.lock);
}

static CURL *handle_take(void) {
  CURL *h = NULL;
  pthread_mutex_lock(&client.lock);
  if (client.nfree > 0) h = client.free[--client.nfree];
  pthread_mutex_unlock(&client.lock);
  return h != NULL ? h : httpc_handle_new(&options);
}

static void handle_give(CURL *h) {
  pthread_mutex_lock(&client.lock);
  if (client.nfree < HANDLES_MAX) {
    client.free[client.nfree++] = h;
    h = NULL;
  }
  pthread_mutex_unlock(&client.lock);
  if (h != NULL) curl_easy_cleanup(h);
}

/* POSTs body (borrowed) or GETs (body NULL) path; CS_OK with *answer (a new JSON object) only
 * for a 200 with a JSON object; CS_ERR_NOT_FOUND for a 404 when absent_ok (the path names one
 * resource), else CS_ERR_UNAVAILABLE. */
static int call(const char *path, const json_t *body, int absent_ok, json_t **answer) {
  char url[1024], err[160];
  struct httpc_body got;
  long status = 0;
  char *text = NULL;
  int rc;
  CURL *h;

  *answer = NULL;
  /* never with a transaction open: the row locks would be held for as long as policy takes */
  if (write_in_transaction()) {
    log_error("policy call %s refused: a write transaction is open", path);
    return CS_ERR_UNAVAILABLE;
  }
  if ((size_t)snprintf(url, sizeof(url), "%s%s", client.base, path) >= sizeof(url))
    return CS_ERR_INVALID;
  if (body != NULL && (text = json_dumps(body, JSON_COMPACT)) == NULL) return CS_ERR_NOMEM;
  if ((h = handle_take()) == NULL) {
    free(text);
    return CS_ERR_NOMEM;
  }
  rc = text != NULL ? httpc_post_json(h, &options, url, text, &status, &got, err, sizeof(err))
                    : httpc_get(h, &options, url, &status, &got, err, sizeof(err));
  handle_give(h);
  free(text);
  if (rc == CS_OK && status == 404 && absent_ok) {
    free(got.data);
    return CS_ERR_NOT_FOUND;
  }
  if (rc == CS_OK && status == 200) {
    *answer = json_loadb(got.data != NULL ? got.data : "", got.len, 0, NULL);
    if (!json_is_object(*answer)) {
      json_decref(*answer);
      *answer = NULL;
    }
  }
  if (*answer == NULL)
    log_error("policy call %s failed: %s (status %ld)", path,
              rc == CS_OK ? "unexpected answer" : err, status);
  free(got.data);
  return *answer != NULL ? CS_OK : CS_ERR_UNAVAILABLE;
}

static int add_roles(json_t *req, unsigned case_roles) {
  return json_object_set_new(req, "case_roles", cases_roles_json(case_roles));
}

int cases_policy_authorize(const char *user_id, const char *portal_id, const char *action,
                           unsigned case_roles, const long long *amount,
                           struct cases_decision *out) {
  json_t *req =
      json_pack("{s:s, s:s, s:s}", "user_id", user_id, "portal_id", portal_id, "action", action);
  json_t *answer = NULL;
  int rc = CS_ERR_NOMEM;
  memset(out, 0, sizeof(*out));
  if (req == NULL || add_roles(req, case_roles) != 0) goto done;
  if (amount != NULL) json_object_set_new(req, "amount", json_integer((json_int_t)*amount));
  if ((rc = call("/internal/authorize", req, 0, &answer)) != CS_OK) goto done;
  const json_t *allow = json_object_get(answer, "allow");
  if (!json_is_boolean(allow)) {
    rc = CS_ERR_UNAVAILABLE;
    goto done;
  }
  out->allow = json_is_true(allow);
  snprintf(out->reason, sizeof(out->reason), "%s",
           json_string_value(json_object_get(answer, "reason")) ?: "");
done:
  json_decref(req);
  json_decref(answer);
  return rc;
}

int cases_policy_authorize_batch(const char *user_id, const char *portal_id, const json_t *actions,
                                 unsigned case_roles, json_t **decisions) {
  json_t *req =
      json_pack("{s:s, s:s, s:O}", "user_id", user_id, "portal_id", portal_id, "actions", actions);
  json_t *answer = NULL;
  int rc = CS_ERR_NOMEM;
  *decisions = NULL;
  if (req == NULL || add_roles(req, case_roles) != 0) goto done;
  if ((rc = call("/internal/authorize", req, 0, &answer)) != CS_OK) goto done;
  json_t *list = json_object_get(answer, "decisions");
  if (!json_is_array(list) || json_array_size(list) != json_array_size(actions)) {
    rc = CS_ERR_UNAVAILABLE;
    goto done;
  }
  *decisions = json_incref(list);
done:
  json_decref(req);
  json_decref(answer);
  return rc;
}

/* The "items" array of an answer (stolen): a new reference. */
static int items_of(json_t *answer, json_t **items) {
  json_t *list = json_object_get(answer, "items");
  *items = json_is_array(list) ? json_incref(list) : NULL;
  json_decref(answer);
  return *items != NULL ? CS_OK : CS_ERR_UNAVAILABLE;
}

int cases_policy_users_portal(const char *portal_id, const json_t *ids, json_t **items,
                              json_t **portal) {
  json_t *req = json_pack("{s:s, s:O}", "portal_id", portal_id, "ids", ids), *answer = NULL;
  int rc = req != NULL ? call("/internal/users/lookup", req, 0, &answer) : CS_ERR_NOMEM;
  json_decref(req);
  *items = NULL;
  if (portal != NULL) *portal = NULL;
  if (rc != CS_OK) return rc;
  json_t *found = json_incref(json_object_get(answer, "portal"));
  rc = items_of(answer, items); /* steals answer */
  if (rc == CS_OK && portal != NULL)
    *portal = found;
  else
    json_decref(found);
  return rc;
}

int cases_policy_users(const char *portal_id, const json_t *ids, json_t **items) {
  return cases_policy_users_portal(portal_id, ids, items, NULL);
}

int cases_policy_api_client(const char *id, const char *portal_id, json_t **answer) {
  char path[160];
  *answer = NULL;
  /* both are UUIDs, checked here as they go into the path: nothing to escape */
  if (!ids_is_uuid(id) || !ids_is_uuid(portal_id)) return CS_ERR_NOT_FOUND;
  snprintf(path, sizeof(path), "/internal/api-clients/%s?portal_id=%s", id, portal_id);
  return call(path, NULL, 1, answer);
}

int cases_policy_offices(const char *portal_id, const double *lat, const double *lon, int ech_only,
                         json_t **items) {
  char path[256];
  json_t *answer = NULL;
  int n;
  *items = NULL;
  /* portal_id is a UUID checked by the caller: nothing to escape */
  if (lat != NULL && lon != NULL)
    n = snprintf(path, sizeof(path),
                 "/internal/offices/eligible?portal_id=%s&latitude=%.7f&longitude=%.7f"
                 "&external_case_handler=%s",
                 portal_id, *lat, *lon, ech_only ? "true" : "false");
  else
    n = snprintf(path, sizeof(path),
                 "/internal/offices/eligible?portal_id=%s&external_case_handler=%s", portal_id,
                 ech_only ? "true" : "false");
  if (n < 0 || (size_t)n >= sizeof(path)) return CS_ERR_INVALID;
  int rc = call(path, NULL, 0, &answer);
  return rc == CS_OK ? items_of(answer, items) : rc;
}

int cases_policy_user(const char *portal_id, const char *id, json_t **user) {
  json_t *ids = json_pack("[s]", id), *items = NULL;
  *user = NULL;
  int rc = ids != NULL ? cases_policy_users(portal_id, ids, &items) : CS_ERR_NOMEM;
  if (rc == CS_OK) *user = json_incref(json_array_get(items, 0));
  json_decref(ids);
  json_decref(items);
  return rc;
}

int cases_policy_office(const char *portal_id, const char *office_id, json_t **office) {
  json_t *items = NULL, *o;
  size_t i;
  *office = NULL;
  int rc = cases_policy_offices(portal_id, NULL, NULL, 0, &items);
  if (rc != CS_OK) return rc;
  json_array_foreach(items, i, o) {
    const char *id = json_string_value(json_object_get(o, "id"));
    if (id != NULL && !strcmp(id, office_id)) {
      *office = json_incref(o);
      break;
    }
  }
  json_decref(items);
  return CS_OK;
}

int cases_policy_failed(struct cs_refusal *err) {
  return cs_refuse(err, PROBLEM_UNAVAILABLE, CASES_POLICY_FAILED_DETAIL);
}
