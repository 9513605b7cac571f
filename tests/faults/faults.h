/* The fault suite's own pieces: a load driver of keyed writes with client retries, the checks of
 * what survived a fault, a gateway of the suite's own that can be killed and started again on
 * the same port, a TCP proxy that can cut one upstream off, and the figures every scenario
 * prints. Sizes come from the environment: FAULTS_WRITES (default 200) writes per scenario,
 * FAULTS_CUT_SECONDS (default 5) how long a network cut, a PostgreSQL or a Redis outage lasts. */
#ifndef CLAIMSUITE_FAULTS_H
#define CLAIMSUITE_FAULTS_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "testlib.h"
#include "tl_world.h"

/* FAULTS_WRITES and FAULTS_CUT_SECONDS, read once. */
long faults_writes(void);
long faults_cut_seconds(void);

/* ---- keyed writes under a fault (faults_load.c) ------------------------------------------- */

/* One keyed write as the client saw it. */
struct fl_key {
  int acked;      /* a 2xx answer came */
  char id[64];    /* the "id" of that answer */
  json_t *answer; /* that answer's body, its volatile members removed; new reference */
  int attempts;   /* requests sent for this key */
  long last_status;
};

struct fl_load {
  /* what to write: POST url with authorization (a header line, may be NULL), body(i) a new
   * string; the key of write i is "<run>-<i>" */
  const char *url;
  const char *authorization;
  char *(*body)(size_t i, void *arg);
  void *body_arg;
  char run[48];
  const char *const *volatile_members; /* NULL-terminated, may be NULL: left out of comparisons */
  size_t writes;
  int threads;     /* concurrent clients (default 16) */
  long give_up_ms; /* a write not acknowledged within this is given up (default 60000) */
  /* the fault: fault(arg) runs in its own thread once fault_after writes were acknowledged */
  void (*fault)(void *arg);
  void *fault_arg;
  size_t fault_after;
  /* figures */
  struct fl_key *keys;
  long acknowledged, retries, connection_errors, answers_5xx, answers_500, unexpected, given_up;
  long acked_on_retry;      /* writes acknowledged after a first attempt that failed */
  long acked_during_fault;  /* acknowledged between the fault's start and its end */
  long answers_not_503;     /* 5xx answers other than 503 */
  long without_retry_after; /* 503 answers without Retry-After */
  long long slowest_ms;     /* the longest any request took, answered or not */
  long replays_differing;
  /* first_ack_after_fault_ms: -1 when every write was acknowledged before the fault ended */
  long long started_ms, fault_started_ms, fault_ended_ms, first_ack_after_fault_ms, ended_ms;
};

/* Runs the writes with l->threads clients, each retrying a write on a connection error, a 5xx,
 * a 409 or a 429 with the same Idempotency-Key (backoff 50 ms doubling to 500 ms); any other
 * answer ends that write as unexpected. Then sends every acknowledged key once more and counts
 * the replays whose id or body differ from the first answer. l->keys is new (fl_free). */
void fl_run(struct fl_load *l);
void fl_free(struct fl_load *l);

/* What the database holds of the writes: sql takes one parameter (a LIKE pattern "<run>-%" is
 * passed) and returns one text "i:id,i:id,..." (i the write's number, id the row's id; one pair
 * per row). Counts acknowledged writes without a row (lost), rows beyond the first of one write
 * (duplicated) and rows whose id is not the acknowledged one (also duplicated). */
struct fl_rows {
  long rows, lost, duplicated;
};
void fl_count_rows(const struct fl_load *l, const char *sql, struct fl_rows *out);

/* What something downstream made of the writes: sql takes one parameter (the acknowledged ids
 * as an array literal "{id,...}", to cast to text[] or uuid[]) and returns one text
 * "id:n,id:n,..." (n: how many times id was applied). Returns how many ids have n above one;
 * *seen how many ids it listed. */
long fl_count_twice(const struct fl_load *l, const char *sql, long *seen);

/* The figures of a scenario on one line. */
void fl_print(const char *scenario, const struct fl_load *l, const struct fl_rows *rows,
              long applied_twice);

/* ---- a gateway of the suite's own (faults_gateway.c) -------------------------------------- */

/* The gateway of the stack's build with rate limits off (the load comes from one address and
 * one user), upstream health checks every 200 ms, the stack's upstreams unless env overrides
 * them (NULL-terminated "NAME=value" lines, at most 8). Starts on free ports; fg_restart starts
 * it again on the same ones. */
struct fg {
  pid_t pid;
  int port, admin_port;
  char url[64];
  char log[512];
  const char *env[40];
  char lines[8][600];
};
void fg_start(struct fg *g, const char *const *env);
void fg_restart(struct fg *g);
/* SIGKILL, and reaped. */
void fg_kill9(struct fg *g);
/* SIGTERM (then SIGKILL after 5 s). */
void fg_stop(struct fg *g);

/* ---- a proxy that cuts an upstream off (faults_proxy.c) ----------------------------------- */

/* Listens on a free port of 127.0.0.1 and forwards every connection to target_port. Cut, it
 * accepts connections and reads them but forwards nothing and answers nothing, and what was
 * open stops flowing both ways: a peer cut off by the network, not one that refuses. */
struct fp;
struct fp *fp_start(int target_port);
int fp_port(const struct fp *p);
void fp_cut(struct fp *p, int cut);
void fp_stop(struct fp *p); /* NULL-safe */

/* ---- the world the scenarios write in (faults_world.c) ------------------------------------ */

/* The claims world of tl_world.h and the suite's gateway (fg_start with gateway_env, may be
 * NULL), once the services' replicas hold the world; once per executable. */
void fw_setup(const char *const *gateway_env);
/* Waits (15 s at most each; fails after) until the cases, customer and orders services have
 * applied every fact the policy service published. */
void fw_replicas_sync(void);
void fw_teardown(void);
struct tl_world *fw_world(void);
struct fg *fw_gateway(void);
/* An agent and a customer organisation of portal A, the agent's handler and an orderer of the
 * customer, the replicas caught up with them: the orders world the scenarios write in. After
 * fw_setup; fw_orders_free frees the two tokens. */
struct fw_orders {
  char agent[37], customer[37];
  struct tl_person handler, orderer;
};
void fw_orders_create(struct fw_orders *o);
void fw_orders_free(struct fw_orders *o);
/* "Authorization: Bearer <ia_handler's token>". */
const char *fw_authz_handler(void);

/* A load of scenario's writes (FAULTS_WRITES) POSTed to the suite's gateway at path, the fault
 * after a quarter of them was acknowledged; its run is "<scenario>-<sfx>" (spaces as '_'). */
void fw_load(struct fl_load *l, const char *scenario, const char *path, const char *authorization,
             char *(*body)(size_t, void *), void (*fault)(void *), void *fault_arg);
/* A new case's body for POST /v1/cases as ia_handler, claim number "<run>-<i>" (run: arg). */
char *fw_case_body(size_t i, void *run);

/* How many acknowledged writes emitted one type of event more than once in schema's outbox;
 * fails unless each emitted one. */
long fw_emitted_twice(const struct fl_load *l, const char *schema);
/* Waits (15 s at most; fails after) until sql (as fl_count_twice) sees every acknowledged
 * write; returns how many it saw more than once; *applied_at_ms (may be NULL) when. */
long fw_applied_twice(const struct fl_load *l, const char *sql, const char *what,
                      long long *applied_at_ms);
/* The checks of a load of fw_case_body writes: rows (lost, duplicated) into rows, and the
 * events emitted or applied twice (returned), waiting until the customer service has a copy of
 * every acknowledged case (then *applied_at_ms, may be NULL). */
long fw_cases_checked(const struct fl_load *l, struct fl_rows *rows, long long *applied_at_ms);
/* Fails unless the load cost nothing: all acknowledged, none lost, duplicated, applied twice,
 * given up or answered unexpectedly, every replay the same. */
void fw_assert_nothing_lost(const struct fl_load *l, const struct fl_rows *rows, long twice);

/* ---- the stack ----------------------------------------------------------------------------- */

/* 1 once every consumer of the stack (the event_offsets of policy, cases, customer, orders) has
 * applied every event its sources have numbered, and no source has an unnumbered one. */
int faults_consumers_caught_up(void *unused);
/* Sends sig to the stack's process name (its pid file under STACK_DIR/pids): SIGSTOP freezes it
 * (its sockets stay open, nothing answers: cut off from everyone), SIGCONT lets it go on. 0 on
 * success. */
int faults_signal(const char *name, int sig);
/* The port of a URL "http://host:port". */
int faults_port_of(const char *url);

#endif
