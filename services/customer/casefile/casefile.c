/* The rules over the read model of one case (casefile.h). */
#include "casefile.h"

#include <stdlib.h>

#include "status.h"
#include "store_casefile.h"

int customer_casefile_get(PGconn *conn, const char *portal_id, const char *case_id, json_t **out) {
  char sqlstate[6] = "";
  return customer_store_casefile_get(conn, portal_id, case_id, out, sqlstate);
}

int customer_news_add(PGconn *conn, const char *portal_id, const char *case_id, const char *kind,
                      const char *at, const json_t *params, const char *source) {
  char sqlstate[6] = "";
  char *text = params != NULL ? json_dumps(params, JSON_COMPACT) : NULL;
  if (params != NULL && text == NULL) return CS_ERR_NOMEM;
  int rc = customer_store_news_add(conn, portal_id, case_id, kind, at, text, source, sqlstate);
  free(text);
  return rc;
}
