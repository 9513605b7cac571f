/* What every customer-facing text of the service is made with, loaded once at start
 * (customer_texts_load, from main.c's wire) and read-only afterwards: the message catalogue
 * (MESSAGES_DIR, services/customer/messages/<lang>.json) and PUBLIC_BASE_URL, where links in
 * emails and SMS point (no trailing '/'). */
#ifndef CLAIMSUITE_CUSTOMER_TEXTS_H
#define CLAIMSUITE_CUSTOMER_TEXTS_H

struct customer_catalogue;

/* Reads the configuration and the catalogue (by default under migrations_dir, where the source
 * tree or the image keeps it). 0, or 2 after printing a configuration error. */
int customer_texts_load(const char *migrations_dir);
void customer_texts_free(void); /* when the service stops */

/* Borrowed; valid between customer_texts_load and the stop. */
const struct customer_catalogue *customer_texts_catalogue(void);
const char *customer_texts_base_url(void);

#endif
