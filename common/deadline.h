/* Absolute deadlines for timed waits (pthread_cond_timedwait takes an instant, not a span), and
 * the monotonic clock that spans and polling loops are measured on. */
#ifndef CLAIMSUITE_DEADLINE_H
#define CLAIMSUITE_DEADLINE_H

#include <time.h>

/* The instant ms milliseconds from now on clock (CLOCK_REALTIME for a condition variable with
 * default attributes, CLOCK_MONOTONIC for one set to it). */
struct timespec deadline_after_ms(clockid_t clock, long ms);

/* Milliseconds on the monotonic clock: for spans and polling deadlines within a process. */
long long deadline_now_ms(void);

#endif
