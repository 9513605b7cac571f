/* The routes of each resource of the cases service, registered by main.c. The rest of core/
 * has a header per idea: caller.h (who asks), roles.h (case roles), case_op.h (a change of one
 * case, the domain side), http_case_op.h (running it and the other HTTP helpers),
 * policy_facts.h (the policy service's facts, from the replica), store_visibility.h (the visibility
 * SQL), store_core.h (the case rows). */
#ifndef CLAIMSUITE_CASES_ROUTES_H
#define CLAIMSUITE_CASES_ROUTES_H

struct service;

void cases_case_routes(struct service *svc);        /* case/http_cases.c */
void cases_task_routes(struct service *svc);        /* task/http_tasks.c */
void cases_ech_routes(struct service *svc);         /* ech/http_ech.c */
void cases_list_routes(struct service *svc);        /* list/http_case_list.c */
void cases_dashboard_routes(struct service *svc);   /* dashboard/http_dashboard.c */
void cases_report_routes(struct service *svc);      /* reports/http_reports.c */
void cases_money_routes(struct service *svc);       /* money/http_money.c */
void cases_document_routes(struct service *svc);    /* documents/http_documents.c */
void cases_task_report_routes(struct service *svc); /* task_reports/http_task_reports.c */
void cases_chat_routes(struct service *svc);        /* chat/http_chat.c */
void cases_call_routes(struct service *svc);        /* calls/http_calls.c */
void cases_rfq_routes(struct service *svc);         /* rfq/http_rfqs.c */
void cases_temporary_routes(struct service *svc);   /* temporary/http_temporary.c */
/* Generates the stored temporary-case reports every check_s seconds while the service runs
 * (reports/http_reports.c; temporary/report_schedule.h). */
void cases_temporary_report_schedule(struct service *svc, long check_s);
/* The reads of a case's money (money/http_money_reads.c), registered by cases_money_routes. */
void cases_money_read_routes(struct service *svc);
/* GET /v1/cases/{id}/office-recommendations (ech/http_recommendations.c), registered by
 * cases_ech_routes. Exits the process when a route cannot be registered. */
void cases_recommendation_routes(struct service *svc);

#endif
