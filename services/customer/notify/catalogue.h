/* The texts of the customer service's messages (email subjects and bodies, inbox titles), one
 * JSON file of "key": "text" per language in MESSAGES_DIR (services/customer/messages/<lang>.json),
 * all loaded once at start; nothing is read from disk afterwards. Texts hold {placeholders}. */
#ifndef CLAIMSUITE_CUSTOMER_CATALOGUE_H
#define CLAIMSUITE_CUSTOMER_CATALOGUE_H

#include <jansson.h>
#include <stddef.h>

struct customer_catalogue;

/* Loads <dir>/<lang>.json for en, sv, nb, da and fi into *out (new: customer_catalogue_free).
 * English must be there (it is what every missing text falls back to); another language's file
 * missing is logged and that language then speaks English. A file that is not a JSON object of
 * strings is an error. CS_OK, or CS_ERR_INVALID with the reason in err. */
int customer_catalogue_load(const char *dir, struct customer_catalogue **out, char *err,
                            size_t errlen);
void customer_catalogue_free(struct customer_catalogue *cat); /* NULL-safe */

/* The text of key in lang (NULL or unknown: English), falling back to English when lang's file
 * lacks key; NULL when English lacks it too. Borrowed from cat. */
const char *customer_catalogue_text(const struct customer_catalogue *cat, const char *lang,
                                    const char *key);

/* That text with every {name} whose name is a string member of values (borrowed, may be NULL)
 * replaced by the member's value, in one pass: a value is copied as it is, never looked at for
 * placeholders. A {name} values lacks stays as written. New string (free()), NULL when there is
 * no such text (or no memory). */
char *customer_catalogue_render(const struct customer_catalogue *cat, const char *lang,
                                const char *key, const json_t *values);

/* The rendering alone, for a template of one's own (pure; unit-tested). New string or NULL. */
char *customer_catalogue_expand(const char *template, const json_t *values);

#endif
