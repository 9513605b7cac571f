/* The rules of the ticket worker (see ticket.h). */
#include "ticket.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

/* A reference is shown to people and stored as text: printable, bounded. */
static int ref_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > ORDERS_TICKET_REF_MAX) return 0;
  for (const char *p = s; *p != '\0'; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) return 0;
  return 1;
}

int orders_ticket_answer(long status, const char *body, size_t len, char **ref, char *err,
                         size_t errlen) {
  char number[32];
  const char *text = NULL;
  *ref = NULL;
  if (status < 200 || status > 299) {
    snprintf(err, errlen, "the ticket endpoint answered %ld", status);
    return CS_ERR_INVALID;
  }
  json_t *doc = body != NULL ? json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
  json_t *v = json_object_get(doc, "ticket_ref");
  if (v == NULL || json_is_null(v)) v = json_object_get(doc, "id");
  if (json_is_string(v)) {
    text = json_string_value(v);
  } else if (json_is_integer(v)) {
    snprintf(number, sizeof(number), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    text = number;
  }
  if (text == NULL || !ref_ok(text)) {
    snprintf(err, errlen, "the ticket endpoint answered %ld without a usable ticket_ref or id",
             status);
    json_decref(doc);
    return CS_ERR_INVALID;
  }
  *ref = strdup(text);
  json_decref(doc);
  if (*ref == NULL) {
    snprintf(err, errlen, "out of memory");
    return CS_ERR_INVALID;
  }
  return CS_OK;
}

long orders_ticket_backoff_ms(long base_ms, long max_ms, int attempt) {
  long d = base_ms;
  for (int i = 1; i < attempt && d < max_ms; i++) d = d > max_ms / 2 ? max_ms : d * 2;
  return d < max_ms ? d : max_ms;
}
