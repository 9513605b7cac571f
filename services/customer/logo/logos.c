/* The customer page's own logo (see logos.h). */
#include "logos.h"

#include <string.h>

#include "ids.h"
#include "image_size.h"
#include "problem.h"
#include "status.h"
#include "store_logos.h"

static const char *const image_types[] = {"image/png", "image/jpeg", "image/gif", "image/webp",
                                          NULL};

static int is_image(const char *type) {
  for (size_t i = 0; type != NULL && image_types[i] != NULL; i++)
    if (!strcmp(type, image_types[i])) return 1;
  return 0;
}

int customer_logo_add(PGconn *conn, const struct customer_caller *c,
                      const struct customer_logo_file *f, json_t **doc, struct cs_refusal *err) {
  char id[37];
  long width = 0, height = 0;
  *doc = NULL;
  if (!customer_caller_is_portal_admin(c))
    return cs_refuse(err, PROBLEM_FORBIDDEN,
                     "only an admin (authority level 6) of the insurer or an API client of the "
                     "portal may upload the customer page's logo");
  if (f->too_large || f->size > CUSTOMER_LOGO_MAX_BYTES)
    return cs_refuse(err, PROBLEM_BODY_TOO_LARGE, "a logo is at most 1 MiB");
  if (!is_image(f->media_type))
    return cs_refuse(err, PROBLEM_UNSUPPORTED_MEDIA_TYPE,
                     "a logo is a PNG, JPEG, GIF or WebP image (judged by its content)");
  if (customer_image_size(f->head, f->head_len, &width, &height) != CS_OK) {
    cs_refusal_field(err, "file", FIELD_INVALID, "the image's size cannot be read");
    return cs_refusal_validation(err);
  }
  ids_uuid_v4(id);
  struct customer_store_logo l = {id,     c->portal_id, f->sha256, f->media_type,
                                  c->sub, f->size,      width,     height};
  if (customer_store_logo_insert(conn, &l, doc, err->sqlstate) != CS_OK || *doc == NULL)
    return cs_refusal_db(err);
  json_object_del(*doc, "sha256");
  return CS_OK;
}

int customer_logo_get(PGconn *conn, const char *portal_id, const char *id, json_t **doc,
                      struct cs_refusal *err) {
  if (customer_store_logo_get(conn, portal_id, id, doc, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  return *doc != NULL ? CS_OK : cs_refuse(err, PROBLEM_NOT_FOUND, "no such logo");
}

int customer_logo_of_page(PGconn *conn, const char *portal_id, const json_t *settings, json_t **doc,
                          struct cs_refusal *err) {
  const char *logo = json_string_value(json_object_get(settings, "logo"));
  const char *ref = json_string_value(json_object_get(settings, "logo_ref"));
  *doc = NULL;
  if (logo == NULL || strcmp(logo, "custom") != 0 || ref == NULL || !ids_is_uuid(ref))
    return cs_refuse(err, PROBLEM_NOT_FOUND, "the page shows the company's name as its logo");
  return customer_logo_get(conn, portal_id, ref, doc, err);
}
