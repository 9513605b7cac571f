/* Routes of the call history of a case: POST and GET /v1/cases/{id}/calls. Rules in calls.c. */
#include "calls.h"
#include "cases_routes.h"
#include "fields.h"
#include "http_case_op.h"
#include "service.h"

static const struct http_field call_fields[] = {
    {"number", HTTP_FIELD_STRING, 1, 40},
    {"started_at", HTTP_FIELD_TIMESTAMP, 1, 0},
    {"duration_seconds", HTTP_FIELD_INTEGER, 1, 0},
    {"reached", HTTP_FIELD_BOOLEAN, 1, 0},
};

void cases_call_routes(struct service *svc) {
  static const struct cases_case_route log = {call_fields,    4,   cases_call_rules,
                                              cases_call_log, 201, "calls"};
  static const struct cases_case_route list = {NULL, 0, NULL, cases_calls, 200, NULL};
  static const struct service_route_def routes[] = {
      {"POST", "/v1/cases/:id/calls", cases_http_case_call, ROUTE_AUTHENTICATED},
      {"GET", "/v1/cases/:id/calls", cases_http_case_call, ROUTE_AUTHENTICATED},
  };
  service_route_or_exit(svc, &routes[0], &log, "the calls");
  service_route_or_exit(svc, &routes[1], &list, "the calls");
}
