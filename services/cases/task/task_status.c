/* The task status codes and their transitions as one table, plus the pure checks of a task's
 * fields (see tasks.h). No database, no requests: tests/unit/test_cases_task_status.c includes
 * this file. */
#include <ctype.h>
#include <string.h>

#include "ids.h"
#include "status.h"
#include "tasks.h"

struct transition {
  char from, to;
  enum cases_task_via via;
  enum cases_task_move move;
};

/* Every transition a task may make; anything else is a 409. The order is the order the
 * allowed targets are listed in. */
static const struct transition transitions[] = {
    {'0', '1', CASES_TASK_VIA_OFFICE, CASES_TASK_MOVE_ASSIGN_OFFICE},
    {'1', '1', CASES_TASK_VIA_OFFICE, CASES_TASK_MOVE_ASSIGN_OFFICE}, /* another office */
    {'1', '2', CASES_TASK_VIA_USER, CASES_TASK_MOVE_ASSIGN_USER},
    {'2', '2', CASES_TASK_VIA_USER, CASES_TASK_MOVE_ASSIGN_USER}, /* another user */
    {'2', '3', CASES_TASK_VIA_STATUS, CASES_TASK_MOVE_START},
    {'3', '4', CASES_TASK_VIA_STATUS, CASES_TASK_MOVE_COMPLETE},
    {'4', 'A', CASES_TASK_VIA_STATUS, CASES_TASK_MOVE_APPROVE},
    {'4', '3', CASES_TASK_VIA_STATUS, CASES_TASK_MOVE_REOPEN},
};
#define NTRANSITIONS (sizeof(transitions) / sizeof(transitions[0]))

/* The single character of a one-character code, '\0' otherwise. */
static char code_of(const char *s) {
  return s != NULL && s[0] != '\0' && s[1] == '\0' ? s[0] : '\0';
}

int cases_task_status_known(const char *s) {
  char c = code_of(s);
  return c != '\0' && strchr("01234A", c) != NULL;
}

int cases_task_status_requestable(const char *s) {
  char c = code_of(s);
  return c != '\0' && strchr("234A", c) != NULL;
}

enum cases_task_move cases_task_move_of(const char *from, const char *to, enum cases_task_via via) {
  char f = code_of(from), t = code_of(to);
  if (f == '\0' || t == '\0') return CASES_TASK_MOVE_NONE;
  for (size_t i = 0; i < NTRANSITIONS; i++)
    if (transitions[i].from == f && transitions[i].to == t && transitions[i].via == via)
      return transitions[i].move;
  return CASES_TASK_MOVE_NONE;
}

json_t *cases_task_allowed_targets(const char *from, enum cases_task_via via) {
  json_t *targets = json_array();
  char f = code_of(from);
  for (size_t i = 0; targets != NULL && i < NTRANSITIONS; i++) {
    if (transitions[i].from != f || transitions[i].via != via) continue;
    char to[2] = {transitions[i].to, '\0'};
    json_array_append_new(targets, json_string(to));
  }
  return targets;
}

int cases_task_removable(const char *status) {
  char c = code_of(status);
  return c != '\0' && strchr("012", c) != NULL;
}

const char *cases_task_status_name(const char *status) {
  switch (code_of(status)) {
    case '0': return "not assigned";
    case '1': return "assigned to an office";
    case '2': return "user assigned";
    case '3': return "started";
    case '4': return "reported complete";
    case 'A': return "approved";
    default: return "unknown";
  }
}

int cases_task_type_known(const char *s) {
  static const char *const types[] = {"inspection", "first_aid", "repair", "project_management"};
  if (s == NULL) return 0;
  for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
    if (!strcmp(types[i], s)) return 1;
  return 0;
}

int cases_code_valid(const char *s) {
  if (s == NULL || !(s[0] >= 'a' && s[0] <= 'z')) return 0;
  size_t n = 1;
  for (; s[n] != '\0'; n++)
    if (!((s[n] >= 'a' && s[n] <= 'z') || s[n] == '_')) return 0;
  return n <= 40;
}

/* ---- timestamps ------------------------------------------------------------------------ */

static int number(const char *s, int len) {
  int v = 0;
  for (int i = 0; i < len; i++) v = v * 10 + (s[i] - '0');
  return v;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's
 * days_from_civil). */
static long long days_from_civil(long long y, int m, int d) {
  y -= m <= 2;
  long long era = (y >= 0 ? y : y - 399) / 400;
  long long yoe = y - era * 400;
  long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int cases_task_timestamp_us(const char *s, long long *out) {
  if (!ids_is_timestamp(s)) return CS_ERR_INVALID;
  long long days = days_from_civil(number(s, 4), number(s + 5, 2), number(s + 8, 2));
  long long secs =
      days * 86400 + number(s + 11, 2) * 3600LL + number(s + 14, 2) * 60LL + number(s + 17, 2);
  const char *t = s + 19;
  long long micros = 0;
  if (*t == '.') {
    int digits = 0;
    for (t++; isdigit((unsigned char)*t); t++, digits++)
      if (digits < 6) micros = micros * 10 + (*t - '0');
    for (; digits < 6; digits++) micros *= 10;
  }
  if (*t == '+' || *t == '-') {
    long long offset = number(t + 1, 2) * 3600LL + number(t + 4, 2) * 60LL;
    secs += *t == '+' ? -offset : offset; /* local time minus its offset is UTC */
  }
  *out = secs * 1000000LL + micros;
  return CS_OK;
}
