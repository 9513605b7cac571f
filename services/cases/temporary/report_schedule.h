/* The schedule of the temporary-case reports (report_temporary.h): one thread per process that
 * at start and then every check_s seconds generates, for every portal of the authority replica,
 * the report of its last completed period (by its setting, weekly or monthly) unless it is
 * stored already. With several instances of the service each period's report is still made
 * once (a lock per portal while computing, the unique period when storing). Started and stopped
 * by the service's hooks (reports/http_reports.c); one schedule per process. */
#ifndef CLAIMSUITE_CASES_REPORT_SCHEDULE_H
#define CLAIMSUITE_CASES_REPORT_SCHEDULE_H

struct db_pool;

/* Starts the thread on pool (borrowed, open, outliving the schedule). CS_OK or CS_ERR. */
int cases_report_schedule_start(struct db_pool *pool, long check_s);
/* Wakes the thread from its wait, lets it finish the statement it runs and joins it. Safe
 * without a start, and twice. */
void cases_report_schedule_stop(void);

#endif
