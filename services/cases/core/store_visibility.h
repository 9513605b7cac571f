/* The visibility condition of cases in SQL (see caller.h for the rule), for store files only
 * (the list, the dashboard and the reports build on it). */
#ifndef CLAIMSUITE_CASES_STORE_VISIBILITY_H
#define CLAIMSUITE_CASES_STORE_VISIBILITY_H

/* SQL condition: the case aliased c is visible. Its parameters are always $1 (portal id) and
 * $2 (the scope: NULL or a company id, cases_caller_scope); further parameters of a query
 * start at $3. */
#define CASES_VISIBLE_SQL                                                                  \
  "c.portal_id = $1::uuid AND ($2::uuid IS NULL OR c.ech_company_id = $2::uuid OR EXISTS " \
  "(SELECT 1 FROM tasks vt WHERE vt.case_id = c.id AND vt.company_id = $2::uuid))"

#endif
