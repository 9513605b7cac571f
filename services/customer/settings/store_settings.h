/* SQL of the customer page's settings (migrations/0001_settings.sql): the portal's document and
 * a case's override, each as a row {doc, version, updated_at}. Results: CS_OK, or CS_ERR_DB with
 * sqlstate (6 bytes) filled. */
#ifndef CLAIMSUITE_CUSTOMER_STORE_SETTINGS_H
#define CLAIMSUITE_CUSTOMER_STORE_SETTINGS_H

#include <jansson.h>
#include <libpq-fe.h>

/* The portal's row: *row new, NULL when the portal never saved settings. for_update locks it
 * (inside a transaction). */
int customer_store_settings_get(PGconn *conn, const char *portal_id, int for_update, json_t **row,
                                char sqlstate[6]);
/* Stores doc (borrowed) as the portal's settings, version one higher: *row new (as above). */
int customer_store_settings_put(PGconn *conn, const char *portal_id, const json_t *doc,
                                const char *by, json_t **row, char sqlstate[6]);

/* The same for case_id's override in the portal. */
int customer_store_case_settings_get(PGconn *conn, const char *portal_id, const char *case_id,
                                     int for_update, json_t **row, char sqlstate[6]);
int customer_store_case_settings_put(PGconn *conn, const char *portal_id, const char *case_id,
                                     const json_t *doc, const char *by, json_t **row,
                                     char sqlstate[6]);

/* Serialises the writers of what key names until the transaction ends: a first save has no row
 * to lock FOR UPDATE yet. */
int customer_store_lock(PGconn *conn, const char *key, char sqlstate[6]);

#endif
