/* Exact amounts of lines and totals (see money.h). */
#include "money.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

long long money_div_round(__int128 x, long long d) {
  __int128 q = x / d, r = x % d;
  if (r < 0) r = -r;
  if (2 * r >= d) q += x < 0 ? -1 : 1;
  return (long long)q;
}

void money_line_compute(struct money_line *l) {
  l->excl_vat = money_div_round((__int128)l->quantity_milli * l->unit_price, 1000);
  l->vat = money_div_round((__int128)l->excl_vat * l->vat_bp, 10000);
  l->incl_vat = l->excl_vat + l->vat;
}

/* A JSON number with at most `decimals` decimals as an integer scaled by 10^decimals: CS_OK,
 * or CS_ERR_INVALID when it is not a number or has more decimals. */
static int scaled(const json_t *v, int decimals, long long max, long long *out) {
  double scale = decimals == 3 ? 1000.0 : 100.0;
  if (json_is_integer(v)) {
    json_int_t i = json_integer_value(v);
    if (i < 0 || i > max / (long long)scale) return CS_ERR_INVALID;
    *out = (long long)i * (long long)scale;
    return CS_OK;
  }
  if (!json_is_real(v)) return CS_ERR_INVALID;
  double x = json_real_value(v) * scale;
  if (!(x >= 0) || x > (double)max) return CS_ERR_INVALID;
  double r = nearbyint(x);
  /* a number written with those decimals lands within rounding noise of an integer */
  if (fabs(x - r) > 1e-6 * (r > 1 ? r : 1)) return CS_ERR_INVALID;
  *out = (long long)r;
  return CS_OK;
}

static void text_rule(const json_t *line, const char *name, const char *field, size_t max,
                      struct cs_refusal *err) {
  const json_t *v = json_object_get(line, name);
  char path[160], msg[64];
  snprintf(path, sizeof(path), "%s/%s", field, name);
  if (v == NULL || json_is_null(v))
    cs_refusal_field(err, path, FIELD_REQUIRED, "is required");
  else if (!json_is_string(v))
    cs_refusal_field(err, path, FIELD_WRONG_TYPE, "must be a string");
  else if (json_string_length(v) == 0)
    cs_refusal_field(err, path, FIELD_REQUIRED, "must not be empty");
  else if (json_string_length(v) > max) {
    snprintf(msg, sizeof(msg), "must be at most %zu bytes long", max);
    cs_refusal_field(err, path, FIELD_TOO_LONG, msg);
  }
}

static void line_rules(const json_t *line, const char *field, struct cs_refusal *err) {
  static const char *const members[] = {"description", "quantity", "unit", "unit_price",
                                        "vat_rate"};
  const char *key;
  const json_t *v;
  char path[160];
  long long scratch;
  if (!json_is_object(line)) {
    cs_refusal_field(err, field, FIELD_WRONG_TYPE, "must be an object");
    return;
  }
  json_object_foreach((json_t *)line, key, v) {
    size_t i = 0;
    while (i < 5 && strcmp(members[i], key) != 0) i++;
    if (i == 5) {
      snprintf(path, sizeof(path), "%s/%.40s", field, key);
      cs_refusal_field(err, path, FIELD_UNKNOWN_FIELD,
                       "a line holds only description, quantity, "
                       "unit, unit_price and vat_rate");
    }
  }
  text_rule(line, "description", field, 500, err);
  text_rule(line, "unit", field, 20, err);

  snprintf(path, sizeof(path), "%s/quantity", field);
  v = json_object_get(line, "quantity");
  if (v == NULL || json_is_null(v))
    cs_refusal_field(err, path, FIELD_REQUIRED, "is required");
  else if (!json_is_number(v))
    cs_refusal_field(err, path, FIELD_WRONG_TYPE, "must be a number");
  else if (scaled(v, 3, MONEY_MAX_QUANTITY_MILLI, &scratch) != CS_OK || scratch == 0)
    cs_refusal_field(err, path, FIELD_OUT_OF_RANGE,
                     "must be above 0 and at most 1000000, with at most 3 decimals");

  snprintf(path, sizeof(path), "%s/unit_price", field);
  v = json_object_get(line, "unit_price");
  if (v == NULL || json_is_null(v))
    cs_refusal_field(err, path, FIELD_REQUIRED, "is required");
  else if (!json_is_integer(v))
    cs_refusal_field(err, path, FIELD_WRONG_TYPE, "must be an integer (minor units)");
  else if (json_integer_value(v) < 0 || json_integer_value(v) > MONEY_MAX_UNIT_PRICE)
    cs_refusal_field(err, path, FIELD_OUT_OF_RANGE, "must be from 0 to 10000000000 (minor units)");

  snprintf(path, sizeof(path), "%s/vat_rate", field);
  v = json_object_get(line, "vat_rate");
  if (v == NULL || json_is_null(v))
    cs_refusal_field(err, path, FIELD_REQUIRED, "is required");
  else if (!json_is_number(v))
    cs_refusal_field(err, path, FIELD_WRONG_TYPE, "must be a number (percent)");
  else if (scaled(v, 2, 10000, &scratch) != CS_OK)
    cs_refusal_field(err, path, FIELD_OUT_OF_RANGE,
                     "must be a percentage from 0 to 100 with at most 2 decimals");
}

void money_lines_rules(const json_t *lines, const char *field, int required,
                       struct cs_refusal *err) {
  const json_t *line;
  size_t i;
  char path[64], msg[64];
  if (lines == NULL || json_is_null(lines)) {
    if (required) cs_refusal_field(err, field, FIELD_REQUIRED, "is required");
    return;
  }
  if (!json_is_array(lines)) {
    cs_refusal_field(err, field, FIELD_WRONG_TYPE, "must be an array");
    return;
  }
  if (json_array_size(lines) > MONEY_MAX_LINES) {
    snprintf(msg, sizeof(msg), "must hold at most %d lines", MONEY_MAX_LINES);
    cs_refusal_field(err, field, FIELD_TOO_LONG, msg);
    return;
  }
  json_array_foreach(lines, i, line) {
    snprintf(path, sizeof(path), "%s/%zu", field, i);
    line_rules(line, path, err);
  }
}

int money_lines_compute(const json_t *lines, struct money_line **out, size_t *n,
                        struct money_totals *totals) {
  const json_t *line;
  size_t i;
  memset(totals, 0, sizeof(*totals));
  *n = json_array_size(lines);
  *out = calloc(*n > 0 ? *n : 1, sizeof(**out));
  if (*out == NULL) return CS_ERR_NOMEM;
  json_array_foreach(lines, i, line) {
    struct money_line *l = &(*out)[i];
    long long bp = 0;
    l->description = json_string_value(json_object_get(line, "description"));
    l->unit = json_string_value(json_object_get(line, "unit"));
    scaled(json_object_get(line, "quantity"), 3, MONEY_MAX_QUANTITY_MILLI, &l->quantity_milli);
    l->unit_price = json_integer_value(json_object_get(line, "unit_price"));
    scaled(json_object_get(line, "vat_rate"), 2, 10000, &bp);
    l->vat_bp = (int)bp;
    money_line_compute(l);
    totals->excl_vat += l->excl_vat;
    totals->vat += l->vat;
    totals->incl_vat += l->incl_vat;
  }
  return CS_OK;
}

char *money_lines_json(const struct money_line *lines, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; a != NULL && i < n; i++) {
    const struct money_line *l = &lines[i];
    json_t *o = json_pack("{s:s, s:I, s:s, s:I, s:i, s:I, s:I, s:I}", "description", l->description,
                          "quantity_milli", (json_int_t)l->quantity_milli, "unit", l->unit,
                          "unit_price", (json_int_t)l->unit_price, "vat_bp", l->vat_bp, "excl_vat",
                          (json_int_t)l->excl_vat, "vat", (json_int_t)l->vat, "incl_vat",
                          (json_int_t)l->incl_vat);
    if (o == NULL || json_array_append_new(a, o) != 0) {
      json_decref(a);
      return NULL;
    }
  }
  char *text = a != NULL ? json_dumps(a, JSON_COMPACT) : NULL;
  json_decref(a);
  return text;
}

void money_amount_rule(const json_t *v, const char *field, int required, int allow_zero,
                       struct cs_refusal *err) {
  char msg[80];
  if (v == NULL || json_is_null(v)) {
    if (required) cs_refusal_field(err, field, FIELD_REQUIRED, "is required");
    return;
  }
  if (!json_is_integer(v)) {
    cs_refusal_field(err, field, FIELD_WRONG_TYPE, "must be an integer (minor units)");
    return;
  }
  json_int_t a = json_integer_value(v);
  if (a < (allow_zero ? 0 : 1) || a > MONEY_MAX_AMOUNT) {
    snprintf(msg, sizeof(msg), "must be from %d to %lld (minor units)", allow_zero ? 0 : 1,
             MONEY_MAX_AMOUNT);
    cs_refusal_field(err, field, FIELD_OUT_OF_RANGE, msg);
  }
}
