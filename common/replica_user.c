/* Whether a user read from the replica may still act (replica.h). In a file of its own, apart
 * from the replica's reads, so a caller's unit test links this rule with reads of its own. */
#include <string.h>

#include "replica.h"

const char *replica_user_acting_kind(const json_t *user, const char *company_id) {
  const char *company = json_string_value(json_object_get(user, "company_id"));
  if (user == NULL || !json_is_true(json_object_get(user, "active")) ||
      !json_is_true(json_object_get(user, "in_portal")) || company == NULL ||
      strcmp(company, company_id) != 0)
    return NULL;
  return json_string_value(json_object_get(user, "company_kind"));
}
