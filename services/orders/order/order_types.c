/* The kinds of order and their details (order_types.h). */
#include "order_types.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "fields.h"
#include "ids.h"

enum member_format {
  FMT_TEXT,
  FMT_ORG_NUMBER,
  FMT_HSA_ID,
  FMT_EMAIL,
  FMT_PHONE,
  FMT_HTTPS_URL,
  FMT_ENVIRONMENT
};

struct member {
  const char *name;
  int required;
  enum member_format format;
  size_t max_len;
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The members of an order's organisation and contact, the same for every kind. */
static const struct member organisation_members[] = {
    {"org_number", 1, FMT_ORG_NUMBER, 11},
    {"hsa_id", 0, FMT_HSA_ID, 33},
    {"name", 0, FMT_TEXT, 200},
};
static const struct member contact_members[] = {
    {"name", 1, FMT_TEXT, 200},
    {"email", 1, FMT_EMAIL, 254},
    {"phone", 0, FMT_PHONE, 40},
};

/* The technical details of each kind of order. */
static const struct member via_agent_members[] = {
    {"environment", 1, FMT_ENVIRONMENT, 16}, /* production or test */
    {"endpoint_url", 1, FMT_HTTPS_URL, 500}, /* where the agent's system answers */
    {"system_hsa_id", 0, FMT_HSA_ID, 33},    /* the connecting system's own HSA id */
    {"comment", 0, FMT_TEXT, 2000},
};

static const struct {
  const char *name;
  const struct member *technical;
  size_t ntechnical;
} types[] = {
    {"via_agent_connection", via_agent_members, COUNT(via_agent_members)},
};

/* The agent handler's approval. */
static const struct member billing_members[] = {
    {"organisation_name", 1, FMT_TEXT, 200},
    {"org_number", 1, FMT_ORG_NUMBER, 11},
    {"reference", 1, FMT_TEXT, 100},
    {"address", 0, FMT_TEXT, 500},
    {"email", 0, FMT_EMAIL, 254},
};
static const struct member attest_info_members[] = {
    {"reference", 1, FMT_TEXT, 200},
    {"comment", 0, FMT_TEXT, 2000},
};
static const struct http_field approval_fields[] = {
    {"terms_accepted", HTTP_FIELD_BOOLEAN, 1, 0}, {"billing", HTTP_FIELD_OBJECT, 1, 0},
    {"attest_info", HTTP_FIELD_OBJECT, 1, 0},     {"certified", HTTP_FIELD_BOOLEAN, 1, 0},
    {"attestant_id", HTTP_FIELD_UUID, 1, 0},
};

static const struct http_field body_fields[] = {
    {"order_type", HTTP_FIELD_STRING, 1, 64}, {"agent_company_id", HTTP_FIELD_UUID, 1, 0},
    {"service", HTTP_FIELD_STRING, 1, 200},   {"organisation", HTTP_FIELD_OBJECT, 1, 0},
    {"contact", HTTP_FIELD_OBJECT, 1, 0},     {"technical", HTTP_FIELD_OBJECT, 1, 0},
    {"note", HTTP_FIELD_STRING, 0, 2000},
};

int orders_type_known(const char *name) {
  for (size_t i = 0; name != NULL && i < COUNT(types); i++)
    if (!strcmp(types[i].name, name)) return 1;
  return 0;
}

static int all_digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)s[i])) return 0;
  return 1;
}

int orders_format_org_number(const char *s) {
  size_t n = strlen(s);
  if (n == 10) return all_digits(s, 10);
  return n == 11 && s[6] == '-' && all_digits(s, 6) && all_digits(s + 7, 4);
}

int orders_format_hsa_id(const char *s) {
  size_t n = strlen(s);
  if (n < 14 || n > 33 || strncmp(s, "SE", 2) != 0 || !all_digits(s + 2, 10) || s[12] != '-')
    return 0;
  for (size_t i = 13; i < n; i++)
    if (!isalnum((unsigned char)s[i])) return 0;
  return 1;
}

int orders_format_phone(const char *s) {
  size_t digits = 0;
  if (*s == '+') s++;
  for (; *s != '\0'; s++) {
    if (isdigit((unsigned char)*s))
      digits++;
    else if (*s != ' ' && *s != '-')
      return 0;
  }
  return digits >= 6 && digits <= 15;
}

int orders_format_https_url(const char *s) {
  if (strncmp(s, "https://", 8) != 0 || s[8] == '\0' || s[8] == '/') return 0;
  for (; *s != '\0'; s++)
    if ((unsigned char)*s <= ' ' || *s == 0x7f) return 0;
  return 1;
}

static const char *format_message(enum member_format f) {
  switch (f) {
    case FMT_ORG_NUMBER: return "must be an organisation number: NNNNNN-NNNN";
    case FMT_HSA_ID: return "must be an HSA id: SE, 10 digits, '-' and 1 to 20 letters or digits";
    case FMT_EMAIL: return "must be an email address";
    case FMT_PHONE: return "must be a phone number: an optional + and 6 to 15 digits";
    case FMT_HTTPS_URL: return "must be an https URL";
    case FMT_ENVIRONMENT: return "must be production or test";
    case FMT_TEXT: break;
  }
  return "must not be empty";
}

static int format_ok(enum member_format f, const char *s) {
  switch (f) {
    case FMT_TEXT: return s[0] != '\0';
    case FMT_ORG_NUMBER: return orders_format_org_number(s);
    case FMT_HSA_ID: return orders_format_hsa_id(s);
    case FMT_EMAIL: return ids_is_email(s);
    case FMT_PHONE: return orders_format_phone(s);
    case FMT_HTTPS_URL: return orders_format_https_url(s);
    case FMT_ENVIRONMENT: return !strcmp(s, "production") || !strcmp(s, "test");
  }
  return 0;
}

/* Checks the object o (at path) against members: every error into err. A copy of the members
 * given (new), or NULL when o had errors. */
static json_t *check_object(const json_t *o, const char *path, const struct member *members,
                            size_t n, struct cs_refusal *err) {
  char field[96];
  const char *key;
  const json_t *v;
  int ok = 1;
  json_object_foreach((json_t *)o, key, v) {
    size_t i;
    for (i = 0; i < n && strcmp(members[i].name, key) != 0; i++) continue;
    if (i < n) continue;
    snprintf(field, sizeof(field), "%s/%.60s", path, key);
    cs_refusal_field(err, field, FIELD_UNKNOWN_FIELD, "is not a member this object takes");
    ok = 0;
  }
  for (size_t i = 0; i < n; i++) {
    const struct member *m = &members[i];
    v = json_object_get(o, m->name);
    snprintf(field, sizeof(field), "%s/%s", path, m->name);
    if (v == NULL || json_is_null(v)) {
      if (m->required) {
        cs_refusal_field(err, field, FIELD_REQUIRED, "is required");
        ok = 0;
      }
      continue;
    }
    const char *s = json_string_value(v);
    if (s == NULL) {
      cs_refusal_field(err, field, FIELD_WRONG_TYPE, "must be a string");
      ok = 0;
    } else if (strlen(s) > m->max_len) {
      cs_refusal_field(err, field, FIELD_TOO_LONG, "is too long");
      ok = 0;
    } else if (!format_ok(m->format, s)) {
      cs_refusal_field(err, field, FIELD_FORMAT, format_message(m->format));
      ok = 0;
    }
  }
  if (!ok) return NULL;
  json_t *copy = json_object();
  for (size_t i = 0; copy != NULL && i < n; i++)
    if ((v = json_object_get(o, members[i].name)) != NULL && !json_is_null(v))
      json_object_set(copy, members[i].name, (json_t *)v);
  return copy;
}

void orders_type_check(const json_t *body, json_t **details, struct cs_refusal *err) {
  json_t *org = NULL, *contact = NULL, *technical = NULL;
  *details = NULL;
  fields_check(body, body_fields, COUNT(body_fields), err);
  const char *type = json_string_value(json_object_get(body, "order_type"));
  size_t t;
  for (t = 0; type != NULL && t < COUNT(types) && strcmp(types[t].name, type) != 0; t++) continue;
  if (type != NULL && t == COUNT(types))
    cs_refusal_field(err, "order_type", FIELD_NOT_ALLOWED, "must be via_agent_connection");
  const char *service = json_string_value(json_object_get(body, "service"));
  if (service != NULL && service[0] == '\0')
    cs_refusal_field(err, "service", FIELD_FORMAT, "must not be empty");
  const json_t *o = json_object_get(body, "organisation");
  if (json_is_object(o))
    org = check_object(o, "organisation", organisation_members, COUNT(organisation_members), err);
  o = json_object_get(body, "contact");
  if (json_is_object(o))
    contact = check_object(o, "contact", contact_members, COUNT(contact_members), err);
  o = json_object_get(body, "technical");
  if (json_is_object(o) && type != NULL && t < COUNT(types))
    technical = check_object(o, "technical", types[t].technical, types[t].ntechnical, err);
  if (json_array_size(err->errors) == 0 && org != NULL && contact != NULL && technical != NULL)
    *details =
        json_pack("{s:s, s:O, s:O, s:O, s:O?}", "service", service, "organisation", org, "contact",
                  contact, "technical", technical, "note", json_object_get(body, "note"));
  json_decref(org);
  json_decref(contact);
  json_decref(technical);
}

void orders_approval_check(const json_t *body, json_t **approval, struct cs_refusal *err) {
  json_t *billing = NULL, *info = NULL;
  *approval = NULL;
  fields_check(body, approval_fields, COUNT(approval_fields), err);
  /* what the handler must say yes to, the seed's "Jag intygar ..." and the terms */
  if (json_is_false(json_object_get(body, "terms_accepted")))
    cs_refusal_field(err, "terms_accepted", FIELD_NOT_ALLOWED, "the terms must be accepted");
  if (json_is_false(json_object_get(body, "certified")))
    cs_refusal_field(err, "certified", FIELD_NOT_ALLOWED, "the statement must be certified");
  const json_t *o = json_object_get(body, "billing");
  if (json_is_object(o))
    billing = check_object(o, "billing", billing_members, COUNT(billing_members), err);
  o = json_object_get(body, "attest_info");
  if (json_is_object(o))
    info = check_object(o, "attest_info", attest_info_members, COUNT(attest_info_members), err);
  if (json_array_size(err->errors) == 0 && billing != NULL && info != NULL)
    *approval = json_pack("{s:b, s:O, s:O, s:b}", "terms_accepted", 1, "billing", billing,
                          "attest_info", info, "certified", 1);
  json_decref(billing);
  json_decref(info);
}
