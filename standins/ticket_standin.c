/* A stand-in for the provider's customer service, where the orders service opens the ticket
 * of an attested order (TICKET_URL), for `make run`'s demo: POST /tickets with an
 * Idempotency-Key answers 201 {"ticket_ref": "DEMO-<n>"} the first time and 200 with the same
 * ticket after, as a real endpoint must; each new ticket is printed (its log). GET /healthz.
 * Settings: PORT (required), BIND_ADDRESS (127.0.0.1). In memory; stops on SIGTERM/SIGINT. */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ulfius.h>

#include "serve.h"

#define MAX_TICKETS 4096

static struct {
  char key[201];
  int number;
} tickets[MAX_TICKETS];
static int ntickets;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int answer(struct _u_response *resp, int status, json_t *body) {
  ulfius_set_json_body_response(resp, (unsigned)status, body);
  json_decref(body);
  return U_CALLBACK_CONTINUE;
}

static int open_ticket(const struct _u_request *req, struct _u_response *resp, void *arg) {
  (void)arg;
  const char *key = u_map_get_case(req->map_header, "Idempotency-Key");
  char ref[32];
  int status = 200, number = 0;
  if (key == NULL || key[0] == '\0' || strlen(key) > 200)
    return answer(resp, 400, json_pack("{s:s}", "error", "Idempotency-Key is required"));
  pthread_mutex_lock(&lock);
  for (int i = 0; i < ntickets && number == 0; i++)
    if (!strcmp(tickets[i].key, key)) number = tickets[i].number;
  if (number == 0 && ntickets < MAX_TICKETS) {
    snprintf(tickets[ntickets].key, sizeof(tickets[ntickets].key), "%s", key);
    number = tickets[ntickets].number = ntickets + 1;
    ntickets++;
    status = 201;
  }
  pthread_mutex_unlock(&lock);
  if (number == 0) return answer(resp, 503, json_pack("{s:s}", "error", "full"));
  snprintf(ref, sizeof(ref), "DEMO-%d", number);
  if (status == 201) {
    printf("ticket %s opened for %s\n", ref, key);
    fflush(stdout);
  }
  return answer(resp, status, json_pack("{s:s}", "ticket_ref", ref));
}

static int health(const struct _u_request *req, struct _u_response *resp, void *arg) {
  (void)req;
  (void)arg;
  return answer(resp, 200, json_pack("{s:s}", "status", "ok"));
}

static void routes(struct _u_instance *instance) {
  ulfius_add_endpoint_by_val(instance, "POST", "/tickets", NULL, 0, open_ticket, NULL);
  ulfius_add_endpoint_by_val(instance, "GET", "/healthz", NULL, 0, health, NULL);
}

int main(void) { return standin_serve("ticket_standin", 256 * 1024, routes); }
