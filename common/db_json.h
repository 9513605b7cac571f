/* Statements whose single column is JSON text (json_build_object, a document function, ...):
 * the rows as jansson values. */
#ifndef CLAIMSUITE_DB_JSON_H
#define CLAIMSUITE_DB_JSON_H

#include <jansson.h>
#include <libpq-fe.h>

/* *rows is a new array of the parsed values, any JSON (null included). CS_OK; CS_ERR_DB with
 * sqlstate (6 bytes, may be NULL); CS_ERR_NOMEM when out of memory or a value is no JSON. */
int db_json_rows(PGconn *conn, const char *sql, int nparams, const char *const *params,
                 json_t **rows, char *sqlstate);
/* The first row's value: a new reference, NULL when there is no row. Errors as above. */
int db_json_row(PGconn *conn, const char *sql, int nparams, const char *const *params,
                json_t **out, char *sqlstate);

/* The same through db_exec_prepared (name: see there). */
int db_json_rows_prepared(PGconn *conn, const char *name, const char *sql, int nparams,
                          const char *const *params, json_t **rows, char *sqlstate);
int db_json_row_prepared(PGconn *conn, const char *name, const char *sql, int nparams,
                         const char *const *params, json_t **out, char *sqlstate);

#endif
