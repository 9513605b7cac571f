/* Portals (portals.h): the shape and rules of a new portal, and what creating one means. SQL
 * lives in store_portals.c. */
#include "portals.h"

#include <orcania.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "authority_internal.h"
#include "fields.h"
#include "ids.h"
#include "password.h"
#include "status.h"
#include "store_org_users.h"
#include "store_portals.h"

#define ADMIN_LEVEL "6"
#define PASSWORD_MIN 8            /* as for every user (org_users.c) */
#define INITIAL_PASSWORD_BYTES 18 /* 24 characters of base64url */

/* The settings members are those of PATCH /v1/portal/settings, name required here. */
static const struct http_field portal_fields[] = {
    PORTAL_SETTINGS_FIELDS(1),
    {"insurer", HTTP_FIELD_OBJECT, 1, 0},
    {"admin", HTTP_FIELD_OBJECT, 1, 0},
};

static const struct http_field insurer_fields[] = {
    {"name", HTTP_FIELD_STRING, 1, 200},
    {"org_number", HTTP_FIELD_STRING, 1, 40},
};

static const struct http_field admin_fields[] = {
    {"email", HTTP_FIELD_STRING, 1, 320},
    {"name", HTTP_FIELD_STRING, 1, 200},
    {"mobile", HTTP_FIELD_STRING, 0, 40},
    {"password", HTTP_FIELD_STRING, 0, 1024},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the body ------------------------------------------------------------------------------ */

static enum field_code code_named(const char *name) {
  for (int c = 0; c < FIELD_CODE_COUNT; c++)
    if (name != NULL && strcmp(problem_field_code_name((enum field_code)c), name) == 0)
      return (enum field_code)c;
  return FIELD_INVALID;
}

/* The field errors of the object member (when it is one) against its table, named
 * <member>/<field>. */
static void check_member(const json_t *body, const char *member, const struct http_field *fields,
                         size_t n, struct cs_refusal *err) {
  const json_t *o = json_object_get(body, member), *e;
  char field[96];
  size_t i;
  if (!json_is_object(o)) return; /* absent or of the wrong type: said of the member itself */
  json_t *errors = http_validate_errors(o, fields, n);
  json_array_foreach(errors, i, e) {
    snprintf(field, sizeof(field), "%s/%s", member, json_string_value(json_object_get(e, "field")));
    cs_refusal_field(err, field, code_named(json_string_value(json_object_get(e, "code"))),
                     json_string_value(json_object_get(e, "message")));
  }
  json_decref(errors);
}

/* An empty string where a value is needed. */
static void not_empty(const json_t *o, const char *member, const char *field,
                      struct cs_refusal *err) {
  const json_t *v = json_object_get(o, member);
  if (json_is_string(v) && json_string_length(v) == 0)
    cs_refusal_field(err, field, FIELD_REQUIRED, "must not be empty");
}

static int email_ok(const char *s) {
  const char *at = strchr(s, '@');
  if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@') != NULL) return 0;
  for (const char *p = s; *p; p++)
    if ((unsigned char)*p <= ' ') return 0;
  return 1;
}

int policy_portal_check(PGconn *conn, const json_t *body, struct cs_refusal *err) {
  const json_t *insurer = json_object_get(body, "insurer"), *admin = json_object_get(body, "admin");
  const json_t *v;

  fields_check(body, portal_fields, COUNT(portal_fields), err);
  check_member(body, "insurer", insurer_fields, COUNT(insurer_fields), err);
  check_member(body, "admin", admin_fields, COUNT(admin_fields), err);
  not_empty(insurer, "name", "insurer/name", err);
  not_empty(insurer, "org_number", "insurer/org_number", err);
  not_empty(admin, "name", "admin/name", err);
  v = json_object_get(admin, "email");
  if (json_is_string(v) && !email_ok(json_string_value(v)))
    cs_refusal_field(err, "admin/email", FIELD_FORMAT, "must be an email address");
  v = json_object_get(admin, "password");
  if (json_is_string(v) && json_string_length(v) < PASSWORD_MIN)
    cs_refusal_field(err, "admin/password", FIELD_FORMAT, "must be at least 8 characters long");
  /* A portal is created with settings it could also be changed to: the rules of the settings
   * PATCH, time zone against PostgreSQL included, judge them. */
  if (policy_authority_settings_check(conn, body, err) != CS_OK) return CS_REFUSED;
  return cs_refusal_validation(err);
}

/* ---- the create ---------------------------------------------------------------------------- */

/* A new random password of INITIAL_PASSWORD_BYTES as unpadded base64url into out. */
static int initial_password(char *out, size_t size) {
  unsigned char raw[INITIAL_PASSWORD_BYTES];
  size_t len = 0;
  int rc = CS_ERR;
  if (getrandom(raw, sizeof(raw), 0) == (ssize_t)sizeof(raw) &&
      o_base64url_encode(raw, sizeof(raw), NULL, &len) && len < size &&
      o_base64url_encode(raw, sizeof(raw), (unsigned char *)out, &len)) {
    out[len] = '\0';
    rc = CS_OK;
  }
  explicit_bzero(raw, sizeof(raw));
  return rc;
}

/* 409: the admin's email and/or the insurer's organisation number are taken. */
static int taken(struct cs_refusal *err, int email, int org_number) {
  cs_refuse(err, PROBLEM_CONFLICT, "%s",
            email && org_number ? "the admin's email and the insurer's organisation number are "
                                  "taken"
            : email             ? "a user with the admin's email exists"
                                : "an insurer with this organisation number exists");
  if (email) cs_refusal_field(err, "admin/email", FIELD_NOT_UNIQUE, "is already in use");
  if (org_number)
    cs_refusal_field(err, "insurer/org_number", FIELD_NOT_UNIQUE,
                     "is the organisation number of another insurer");
  return CS_REFUSED;
}

/* A failed insert: a unique value taken meanwhile (23505) is the conflict of field kind
 * (1 email, 2 org number), anything else a database failure. */
static int insert_failed(struct cs_refusal *err, int which) {
  if (strcmp(err->sqlstate, "23505") != 0) return cs_refusal_db(err);
  memset(err->sqlstate, 0, sizeof(err->sqlstate));
  return taken(err, which == 1, which == 2);
}

/* id, or a new UUID, into buf. */
static const char *id_or_new(const char *id, char buf[37]) {
  if (id != NULL) {
    snprintf(buf, 37, "%s", id);
  } else {
    ids_uuid_v4(buf);
  }
  return buf;
}

int policy_portal_create(PGconn *conn, const struct policy_portal_ids *ids, const json_t *body,
                         json_t **out, struct cs_refusal *err) {
  const json_t *insurer = json_object_get(body, "insurer"), *admin = json_object_get(body, "admin");
  const char *org_number = json_string_value(json_object_get(insurer, "org_number"));
  const char *email = json_string_value(json_object_get(admin, "email"));
  const char *password = json_string_value(json_object_get(admin, "password"));
  char portal_id[37], insurer_id[37], admin_id[37], generated[48] = "", *hash = NULL;
  struct policy_store_org_user_values user;
  json_t *portal = NULL;
  int email_taken = 0, org_taken = 0, rc;

  *out = NULL;
  /* looked at first for an answer that names the field; the unique indexes decide a race */
  if (policy_store_org_email_taken(conn, email, &email_taken, err->sqlstate) != CS_OK ||
      policy_store_portal_insurer_taken(conn, org_number, &org_taken, err->sqlstate) != CS_OK) {
    rc = cs_refusal_db(err);
    goto done;
  }
  if (email_taken || org_taken) {
    rc = taken(err, email_taken, org_taken);
    goto done;
  }
  if (password == NULL) {
    if (initial_password(generated, sizeof(generated)) != CS_OK) {
      rc = cs_refuse(err, PROBLEM_INTERNAL, "the admin's initial password could not be made");
      goto done;
    }
    password = generated;
  }
  if (password_hash(password, &hash) != CS_OK) {
    rc = cs_refuse(err, PROBLEM_INTERNAL, "the admin's password could not be hashed");
    goto done;
  }
  id_or_new(ids != NULL ? ids->portal_id : NULL, portal_id);
  id_or_new(ids != NULL ? ids->insurer_id : NULL, insurer_id);
  id_or_new(ids != NULL ? ids->admin_id : NULL, admin_id);

  memset(&user, 0, sizeof(user));
  user.company_id = insurer_id;
  user.email = email;
  user.name = json_string_value(json_object_get(admin, "name"));
  user.mobile = json_string_value(json_object_get(admin, "mobile"));
  user.password_hash = hash;
  user.authority_level = ADMIN_LEVEL;
  if (policy_store_portal_insurer_insert(conn, insurer_id,
                                         json_string_value(json_object_get(insurer, "name")),
                                         org_number, err->sqlstate) != CS_OK) {
    rc = insert_failed(err, 2);
    goto done;
  }
  if (policy_store_portal_insert(conn, portal_id, insurer_id, body, err->sqlstate) != CS_OK) {
    rc = cs_refusal_db(err);
    goto done;
  }
  if (policy_store_org_user_insert(conn, admin_id, &user, err->sqlstate) != CS_OK) {
    rc = insert_failed(err, 1);
    goto done;
  }
  if (policy_store_portal_get(conn, portal_id, &portal, err->sqlstate) != CS_OK ||
      json_object_set_new(
          portal, "admin",
          json_pack("{s:s, s:s, s:s}", "id", admin_id, "email", email, "name", user.name)) != 0 ||
      (generated[0] != '\0' &&
       json_object_set_new(portal, "initial_password", json_string(generated)) != 0)) {
    rc = err->sqlstate[0] != '\0' ? cs_refusal_db(err)
                                  : cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
    goto done;
  }
  *out = portal;
  portal = NULL;
  rc = CS_OK;
done:
  explicit_bzero(generated, sizeof(generated));
  free(hash);
  json_decref(portal);
  return rc;
}

int policy_portal_create_apply(PGconn *conn, struct write_call *w) {
  return policy_portal_create(conn, NULL, w->body, &w->result, &w->err);
}

/* ---- reads --------------------------------------------------------------------------------- */

int policy_portal_get(PGconn *conn, const char *id, json_t **out, struct cs_refusal *err) {
  int rc = policy_store_portal_get(conn, id, out, err->sqlstate);
  if (rc == CS_ERR_NOT_FOUND) return cs_refuse(err, PROBLEM_NOT_FOUND, "no such portal");
  return rc == CS_OK ? CS_OK : cs_refusal_db(err);
}

int policy_portal_list(PGconn *conn, const char *after_created_at, const char *after_id, long limit,
                       json_t **rows, struct cs_refusal *err) {
  if (policy_store_portal_list(conn, after_created_at, after_id, limit, rows, err->sqlstate) !=
      CS_OK)
    return cs_refusal_db(err);
  return CS_OK;
}
