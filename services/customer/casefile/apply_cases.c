/* The read model of the cases kept from the cases service's events (apply_cases.h). */
#include "apply_cases.h"

#include <stdio.h>
#include <string.h>

#include "access.h"
#include "casefile.h"
#include "log.h"
#include "replica.h"
#include "shares.h"
#include "settings.h"
#include "status.h"
#include "store_casefile.h"

/* One event being applied: what every step below reads. */
struct applying {
  PGconn *conn;
  const json_t *event, *data;
  const char *type, *event_id, *portal_id, *case_id, *at;
};

static const char *str(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

/* 1 when a user holds one of the case's inspection tasks (the guide's "sagkyndig"). */
static int inspector_assigned(const json_t *doc) {
  size_t i;
  json_t *t;
  json_array_foreach(json_object_get(doc, "tasks"), i, t) {
    const char *type = str(t, "type");
    const json_t *user = json_object_get(t, "user");
    if (type != NULL && !strcmp(type, "inspection") && json_is_object(user)) return 1;
  }
  return 0;
}

static int positive_decision(const json_t *casefile) {
  return customer_when_holds("positive_compensation_decision", casefile);
}

/* What a task is called in the customer's news: a repair task by its trade, others by type. */
static const char *task_name(const json_t *data) {
  const char *trade = str(data, "trade");
  return trade != NULL ? trade : str(data, "task_type");
}

/* Adds a news entry of kind made by this event, with params (stolen, may be NULL). */
static int news(struct applying *a, const char *kind, json_t *params) {
  char source[200];
  snprintf(source, sizeof(source), "%s:%s", a->event_id, kind);
  int rc = customer_news_add(a->conn, a->portal_id, a->case_id, kind, a->at, params, source);
  json_decref(params);
  return rc;
}

static json_t *office_params(const json_t *data, const char *task) {
  const json_t *office = json_object_get(data, "office");
  return json_pack("{s:s?, s:s?, s:s?}", "office", str(office, "name"), "company",
                   str(office, "company_name"), "task", task);
}

/* The name of the user behind the event's actor, from the replica; NULL when unknown. */
static json_t *actor_name(struct applying *a) {
  json_t *user = NULL, *name = NULL;
  const char *id = str(json_object_get(a->data, "actor"), "id");
  if (id != NULL && replica_user(a->conn, a->portal_id, id, &user) == CS_OK)
    name = json_incref(json_object_get(user, "name"));
  json_decref(user);
  return name;
}

/* A new task; a meeting time or schedule it comes with is news too (the guide: "also when it is
 * set for the first time"). */
static int task_added_news(struct applying *a) {
  const json_t *sched = json_object_get(a->data, "schedule");
  int rc = news(a, "new_tasks_added", json_pack("{s:s?}", "task", task_name(a->data)));
  if (rc == CS_OK && str(a->data, "meeting_at") != NULL)
    rc = news(a, "meeting_time_changed",
              json_pack("{s:s?, s:s?}", "meeting_at", str(a->data, "meeting_at"), "task",
                        task_name(a->data)));
  if (rc == CS_OK && json_is_object(sched))
    rc = news(a, "rebuild_schedule_changed",
              json_pack("{s:s?, s:s?, s:s?}", "start", str(sched, "start"), "end",
                        str(sched, "end"), "task", task_name(a->data)));
  return rc;
}

static int task_news(struct applying *a) {
  const char *task_type = str(a->data, "task_type");
  int inspection = task_type != NULL && !strcmp(task_type, "inspection");
  int pm = task_type != NULL && !strcmp(task_type, "project_management");
  const char *t = a->type;
  if (!strcmp(t, "task.added")) return task_added_news(a);
  if (!strcmp(t, "task.office_assigned"))
    return news(a,
                inspection ? "main_inspection_office_changed"
                : pm       ? "project_manager_office_changed"
                           : "rebuild_task_office_changed",
                office_params(a->data, task_name(a->data)));
  if (!strcmp(t, "task.user_assigned")) {
    const char *name = str(json_object_get(a->data, "user"), "name");
    if (inspection) return news(a, "inspector_assigned", json_pack("{s:s?}", "name", name));
    if (pm) return CS_OK; /* project_manager.changed says it */
    return news(a, "rebuild_responsible_changed",
                json_pack("{s:s?, s:s?}", "name", name, "task", task_name(a->data)));
  }
  if (!strcmp(t, "project_manager.changed"))
    return news(a, "project_manager_changed",
                json_pack("{s:s?}", "name", str(json_object_get(a->data, "user"), "name")));
  if (!strcmp(t, "task.status_changed") && !inspection) {
    const char *to = str(a->data, "to");
    if (to != NULL && !strcmp(to, "3"))
      return news(a, "task_started", json_pack("{s:s?}", "task", task_name(a->data)));
    if (to != NULL && !strcmp(to, "4"))
      return news(a, "task_finished", json_pack("{s:s?}", "task", task_name(a->data)));
    return CS_OK;
  }
  if (!strcmp(t, "inspection.started")) return news(a, "main_inspection_started", NULL);
  if (!strcmp(t, "inspection.completed")) return news(a, "main_inspection_finished", NULL);
  if (!strcmp(t, "meeting_time.changed"))
    return news(a, "meeting_time_changed",
                json_pack("{s:s?, s:s?}", "meeting_at", str(a->data, "meeting_at"), "task",
                          task_name(a->data)));
  if (!strcmp(t, "schedule.changed")) {
    const json_t *s = json_object_get(a->data, "schedule");
    return news(a, "rebuild_schedule_changed",
                json_pack("{s:s?, s:s?, s:s?}", "start", str(s, "start"), "end", str(s, "end"),
                          "task", task_name(a->data)));
  }
  return CS_OK;
}

/* The news entries the guide lists for this event; what an entry may not say (the decision, a
 * closing comment, the reason of a reopening) is never put in its params. */
static int event_news(struct applying *a) {
  const char *t = a->type;
  if (!strcmp(t, "call.logged")) {
    json_t *p = json_pack("{s:O?, s:O?, s:O?, s:o?}", "number", json_object_get(a->data, "number"),
                          "reached", json_object_get(a->data, "reached"), "duration_seconds",
                          json_object_get(a->data, "duration_seconds"), "caller", actor_name(a));
    return news(a, "call_history", p);
  }
  if (!strcmp(t, "compensation.decided")) return news(a, "compensation_decision", NULL);
  if (!strcmp(t, "case.closed")) return news(a, "case_closed", NULL);
  if (!strcmp(t, "case.reopened")) {
    json_t *portal = NULL;
    if (replica_portal(a->conn, a->portal_id, &portal) != CS_OK) return CS_ERR_DB;
    int rc = news(a, "case_reopened", json_pack("{s:s?}", "insurer", str(portal, "name")));
    json_decref(portal);
    return rc;
  }
  if (!strncmp(t, "task.", 5) || !strncmp(t, "inspection.", 11) ||
      !strcmp(t, "project_manager.changed") || !strcmp(t, "meeting_time.changed") ||
      !strcmp(t, "schedule.changed"))
    return task_news(a);
  return CS_OK;
}

/* A snapshot's documents and budgets (cases' 0023_case_snapshots.sql): the case's as they are. */
static int snapshot_items(struct applying *a) {
  char sqlstate[6] = "";
  size_t i;
  json_t *item;
  json_array_foreach(json_object_get(a->data, "documents"), i, item) {
    if (str(item, "document_id") == NULL || str(item, "sha256") == NULL) continue;
    if (customer_store_document_added(a->conn, a->portal_id, a->case_id, item, sqlstate) != CS_OK)
      return CS_ERR_DB;
  }
  json_array_foreach(json_object_get(a->data, "budgets"), i, item) {
    if (str(item, "budget_id") == NULL) continue;
    if (customer_store_budget(a->conn, a->case_id, item, str(item, "updated_at"), sqlstate) !=
        CS_OK)
      return CS_ERR_DB;
  }
  return CS_OK;
}

/* Documents and budgets of the case. */
static int event_items(struct applying *a) {
  char sqlstate[6] = "";
  if (!strcmp(a->type, "case.snapshot")) return snapshot_items(a);
  if (!strcmp(a->type, "document.added")) {
    if (str(a->data, "sha256") == NULL) return CS_OK; /* published before files travelled */
    return customer_store_document_added(a->conn, a->portal_id, a->case_id, a->data, sqlstate);
  }
  if (!strcmp(a->type, "document.deleted")) {
    const char *doc = str(a->data, "document_id");
    if (doc == NULL) return CS_OK;
    if (customer_store_document_deleted(a->conn, doc, sqlstate) != CS_OK) return CS_ERR_DB;
    return customer_shares_document_deleted(a->conn, a->case_id, doc, a->event_id);
  }
  if (!strncmp(a->type, "budget.", 7) && str(a->data, "budget_id") != NULL)
    return customer_store_budget(a->conn, a->case_id, a->data, a->at, sqlstate);
  return CS_OK;
}

/* What the case's settings make happen after the event: the access link on its trigger, the
 * reports shared once their "when" holds. before: the case as it was (NULL: new here). */
static int reactions(struct applying *a, const json_t *before, const json_t *now) {
  json_t *settings = NULL;
  const char *trigger = NULL;
  if (customer_casefile_settings(a->conn, now, &settings) != CS_OK) return CS_ERR_DB;
  if (before == NULL && !strcmp(a->type, "case.created"))
    trigger = "case_created";
  else if (before != NULL && json_is_null(json_object_get(before, "inspector_assigned_at")) &&
           !json_is_null(json_object_get(now, "inspector_assigned_at")))
    trigger = "inspector_assigned";
  else if (before != NULL && !positive_decision(before) && positive_decision(now))
    trigger = "positive_compensation_decision";
  int rc = CS_OK;
  if (trigger != NULL)
    rc = customer_access_on_trigger(a->conn, now, settings, trigger, a->event_id);
  if (rc == CS_OK) rc = customer_shares_auto(a->conn, now, settings, a->event_id);
  json_decref(settings);
  return rc;
}

int customer_apply_cases_event(PGconn *conn, const json_t *event) {
  struct applying a = {.conn = conn, .event = event, .data = json_object_get(event, "data")};
  json_t *before = NULL, *now = NULL;
  char sqlstate[6] = "";
  a.type = str(event, "type");
  a.event_id = str(event, "id");
  a.portal_id = str(event, "portal_id");
  a.case_id = str(a.data, "case_id");
  a.at = str(event, "occurred_at");
  const json_t *doc = json_object_get(a.data, "case");
  /* the events of a case carry it whole; others (reports, decisions) are not the page's */
  if (a.type == NULL || a.event_id == NULL || a.portal_id == NULL || a.case_id == NULL ||
      !json_is_object(doc))
    return CS_OK;
  int rc = customer_casefile_get(conn, NULL, a.case_id, &before);
  if (rc == CS_OK)
    rc = customer_store_casefile_put(conn, a.portal_id, a.case_id, doc, inspector_assigned(doc),
                                     sqlstate);
  if (rc == CS_OK) rc = customer_casefile_get(conn, NULL, a.case_id, &now);
  if (rc == CS_OK && now == NULL) rc = CS_ERR_DB;
  if (rc == CS_OK) rc = event_items(&a);
  if (rc == CS_OK) rc = event_news(&a);
  if (rc == CS_OK) rc = reactions(&a, before, now);
  if (rc != CS_OK && rc != CS_ERR_NOMEM) rc = CS_ERR_DB;
  if (rc != CS_OK)
    log_warning("customer: event %s (%s) of case %s not applied yet", a.event_id, a.type,
                a.case_id);
  json_decref(before);
  json_decref(now);
  return rc;
}
