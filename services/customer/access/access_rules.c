/* The pure rules of the customer's access (access_rules.h). */
#include "access_rules.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "ids.h"
#include "status.h"

/* How long the hourly cap makes a grant wait: the oldest send of the hour is not known here, so
 * the answer errs on the long side of what remains of it. */
#define HOURLY_CAP_WAIT_S 600

int customer_access_contact_chosen(const json_t *contact, const char *access) {
  const char *kind = json_string_value(json_object_get(contact, "kind"));
  if (kind == NULL || access == NULL) return 0;
  int holder = !strcmp(kind, "policyholder") || !strcmp(kind, "customer");
  int person = !strcmp(kind, "contact");
  if (!strcmp(access, "policyholder")) return holder;
  if (!strcmp(access, "contact_person")) return person;
  if (!strcmp(access, "both")) return holder || person;
  return !strcmp(access, "all_contacts");
}

int customer_access_phone(const char *phone, char *out, size_t len) {
  size_t o = 0, digits = 0;
  if (phone == NULL || len == 0) return CS_ERR_INVALID;
  const char *s = phone;
  while (*s == ' ') s++;
  if (s[0] == '0' && s[1] == '0') {
    out[o++] = '+';
    s += 2;
  } else if (*s == '+') {
    out[o++] = '+';
    s++;
  }
  for (; *s != '\0'; s++) {
    if (strchr(" -.()", *s) != NULL) continue;
    if (*s < '0' || *s > '9' || o + 1 >= len) {
      out[0] = '\0';
      return CS_ERR_INVALID;
    }
    out[o++] = *s;
    digits++;
  }
  out[o] = '\0';
  if (digits < 6 || digits > 15) {
    out[0] = '\0';
    return CS_ERR_INVALID;
  }
  return CS_OK;
}

/* 1 when a live grant (live: [{email, phone}]) reaches the same phone or email. */
static int reached(const json_t *live, const char *phone, const char *email) {
  const json_t *g;
  size_t i;
  json_array_foreach(live, i, g) {
    const char *p = json_string_value(json_object_get(g, "phone"));
    const char *e = json_string_value(json_object_get(g, "email"));
    if (phone != NULL && p != NULL && !strcmp(phone, p)) return 1;
    if (email != NULL && e != NULL && !strcasecmp(email, e)) return 1;
  }
  return 0;
}

json_t *customer_access_contacts_to_grant(const json_t *contacts, const char *access,
                                          const json_t *live) {
  json_t *out = json_array();
  const json_t *c;
  size_t i;
  if (out == NULL) return NULL;
  json_array_foreach(contacts, i, c) {
    char phone[24];
    const char *email = json_string_value(json_object_get(c, "email"));
    const char *name = json_string_value(json_object_get(c, "name"));
    int has_phone = customer_access_phone(json_string_value(json_object_get(c, "phone")), phone,
                                          sizeof(phone)) == CS_OK;
    if (!ids_is_email(email)) email = NULL;
    if (!customer_access_contact_chosen(c, access) || name == NULL || name[0] == '\0' ||
        (!has_phone && email == NULL) || reached(live, has_phone ? phone : NULL, email))
      continue;
    json_t *pick = json_pack("{s:I, s:O, s:s, s:s?, s:s?}", "index", (json_int_t)i, "kind",
                             json_object_get(c, "kind"), "name", name, "email", email, "phone",
                             has_phone ? phone : NULL);
    if (pick == NULL || json_array_append_new(out, pick) != 0) {
      json_decref(out);
      return NULL;
    }
  }
  return out;
}

void customer_access_mask(const char *channel, const char *recipient, char *out, size_t len) {
  size_t n = recipient != NULL ? strlen(recipient) : 0;
  if (n == 0 || len == 0) {
    if (len > 0) out[0] = '\0';
    return;
  }
  if (channel != NULL && !strcmp(channel, "email")) {
    const char *at = strrchr(recipient, '@');
    snprintf(out, len, "%c***%s", recipient[0], at != NULL ? at : "");
    return;
  }
  if (n < 6) {
    snprintf(out, len, "***");
    return;
  }
  snprintf(out, len, "%.3s *** ** %s", recipient, recipient + n - 2);
}

long customer_access_code_from(unsigned long r) {
  /* 4 294 000 000 is the largest multiple of a million below 2^32: values at or above it would
   * give the codes 0..967295 one chance more than the others */
  if ((r & 0xffffffffUL) >= 4294000000UL) return -1;
  return (long)((r & 0xffffffffUL) % 1000000UL);
}

int customer_access_code_new(char out[CUSTOMER_ACCESS_CODE_DIGITS + 1]) {
  for (int tries = 0; tries < 64; tries++) {
    uint32_t r;
    if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r)) return CS_ERR;
    long v = customer_access_code_from(r);
    if (v < 0) continue;
    /* the digits from the last, so that the writing cannot run over */
    for (int i = CUSTOMER_ACCESS_CODE_DIGITS - 1; i >= 0; i--, v /= 10)
      out[i] = (char)('0' + v % 10);
    out[CUSTOMER_ACCESS_CODE_DIGITS] = '\0';
    return CS_OK;
  }
  return CS_ERR;
}

long customer_access_code_wait(long since_last, int last_live, long last_hour) {
  if (last_hour >= CUSTOMER_ACCESS_CODES_PER_HOUR) return HOURLY_CAP_WAIT_S;
  /* a code still usable is not replaced at once: a new one would only make more SMS; a used or
   * burnt one may be followed by a new code straight away (the hourly cap bounds that) */
  if (last_live && since_last >= 0 && since_last < CUSTOMER_ACCESS_CODE_SPACING_S)
    return CUSTOMER_ACCESS_CODE_SPACING_S - since_last;
  return 0;
}
