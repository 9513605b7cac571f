/* The stack's consumers, as the fault suite looks at them (see faults.h). */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>

#include "faults.h"

/* Who follows whom in the stack (tests/support/stack.sh: EVENT_FEEDS). */
static const char *const FOLLOWS[][2] = {
    {"policy", "cases"},    {"cases", "policy"},   {"cases", "cases"},     {"cases", "customer"},
    {"customer", "policy"}, {"customer", "cases"}, {"customer", "orders"}, {"orders", "policy"},
};

int faults_consumers_caught_up(void *unused) {
  (void)unused;
  char q[512];
  for (size_t i = 0; i < sizeof(FOLLOWS) / sizeof(FOLLOWS[0]); i++) {
    const char *consumer = FOLLOWS[i][0], *source = FOLLOWS[i][1];
    snprintf(q, sizeof(q),
             "SELECT CASE WHEN EXISTS (SELECT 1 FROM %s.outbox WHERE seq IS NULL) THEN 0"
             " WHEN coalesce((SELECT last_seq FROM %s.event_offsets WHERE source = '%s'), 0)"
             " >= coalesce((SELECT max(seq) FROM %s.outbox), 0) THEN 1 ELSE 0 END",
             source, consumer, source, source);
    if (tl_sql_long(q, 0, NULL) != 1) return 0;
  }
  return 1;
}

/* The state letter of process pid (R, S, T...), '?' when unknown. */
static char process_state(long pid) {
  char path[64], line[512];
  snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
  FILE *f = fopen(path, "r");
  if (f == NULL) return '?';
  char *got = fgets(line, sizeof(line), f);
  fclose(f);
  const char *end = got != NULL ? strrchr(line, ')') : NULL; /* the name may hold spaces */
  return end != NULL && end[1] == ' ' ? end[2] : '?';
}

int faults_signal(const char *name, int sig) {
  char path[600];
  long pid = 0;
  snprintf(path, sizeof(path), "%s/pids/%s.pid", tl_env("STACK_DIR"), name);
  FILE *f = fopen(path, "r");
  if (f == NULL) return -1;
  int read = fscanf(f, "%ld", &pid);
  fclose(f);
  if (read != 1 || pid <= 0 || kill((pid_t)pid, sig) != 0) return -1;
  /* a signal is delivered asynchronously: frozen once /proc says so (state T) */
  for (int i = 0; sig == SIGSTOP && i < 100 && process_state(pid) != 'T'; i++) usleep(10000);
  return 0;
}
