/* Exact money (services/cases/money/money.c) and the settlement rule (settlement.c): rounding
 * half away from zero at the boundaries, quantities and VAT rates read to their last allowed
 * decimal and refused past it, the lines' field errors, totals as sums of lines, and the
 * deductible taken from the customer's cash first and then from the largest partner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../services/cases/money/money.c"
#include "../../services/cases/money/settlement.c"

static void test_rounding(void **state) {
  (void)state;
  assert_int_equal(money_div_round(1499, 1000), 1);
  assert_int_equal(money_div_round(1500, 1000), 2); /* half up */
  assert_int_equal(money_div_round(2500, 1000), 3); /* not to even */
  assert_int_equal(money_div_round(-1500, 1000), -2);
  assert_int_equal(money_div_round(-1499, 1000), -1);
  assert_int_equal(money_div_round(0, 1000), 0);
  /* the largest line: 1 000 000 units × 100 000 000.00 at 100 % stays exact */
  struct money_line l = {.quantity_milli = MONEY_MAX_QUANTITY_MILLI,
                         .unit_price = MONEY_MAX_UNIT_PRICE,
                         .vat_bp = 10000};
  money_line_compute(&l);
  assert_int_equal(l.excl_vat, 10000000000000000LL);
  assert_int_equal(l.vat, 10000000000000000LL);
  /* 0.001 × 499 = 0.499 → 0; 0.001 × 500 = 0.5 → 1 */
  struct money_line a = {.quantity_milli = 1, .unit_price = 499, .vat_bp = 2500};
  struct money_line b = {.quantity_milli = 1, .unit_price = 500, .vat_bp = 2500};
  money_line_compute(&a);
  money_line_compute(&b);
  assert_int_equal(a.excl_vat, 0);
  assert_int_equal(b.excl_vat, 1);
  assert_int_equal(b.vat, 0); /* 0.25 → 0 */
  /* 25.5 % of 1 = 0.255 → 0; of 2 = 0.51 → 1 */
  struct money_line c = {.quantity_milli = 2000, .unit_price = 1, .vat_bp = 2550};
  money_line_compute(&c);
  assert_int_equal(c.vat, 1);
}

/* The field errors of lines (JSON text) under "lines", joined with ';'. */
static const char *faults(const char *text, char *buf, size_t len) {
  struct cs_refusal err = {0};
  json_t *lines = json_loads(text, JSON_DECODE_ANY, NULL);
  size_t i, n = 0;
  const json_t *e;
  buf[0] = '\0';
  money_lines_rules(lines, "lines", 1, &err);
  json_array_foreach(err.errors, i, e) n += (size_t)snprintf(
      buf + n, len - n, "%s%s", i ? ";" : "", json_string_value(json_object_get(e, "field")));
  json_decref(lines);
  cs_refusal_clear(&err);
  return buf;
}

#define LINE(q, p, v)                                                                              \
  "[{\"description\":\"d\",\"quantity\":" q ",\"unit\":\"h\",\"unit_price\":" p ",\"vat_rate\":" v \
  "}]"

static void test_line_rules(void **state) {
  (void)state;
  char buf[512];
  assert_string_equal(faults(LINE("1", "0", "0"), buf, sizeof(buf)), "");
  assert_string_equal(faults(LINE("0.001", "1", "25.5"), buf, sizeof(buf)), "");
  assert_string_equal(faults(LINE("1000000", "10000000000", "100"), buf, sizeof(buf)), "");
  assert_string_equal(faults(LINE("1.0005", "1", "25"), buf, sizeof(buf)), "lines/0/quantity");
  assert_string_equal(faults(LINE("0", "1", "25"), buf, sizeof(buf)), "lines/0/quantity");
  assert_string_equal(faults(LINE("-1", "1", "25"), buf, sizeof(buf)), "lines/0/quantity");
  assert_string_equal(faults(LINE("1000000.001", "1", "25"), buf, sizeof(buf)), "lines/0/quantity");
  assert_string_equal(faults(LINE("1", "1.5", "25"), buf, sizeof(buf)), "lines/0/unit_price");
  assert_string_equal(faults(LINE("1", "-1", "25"), buf, sizeof(buf)), "lines/0/unit_price");
  assert_string_equal(faults(LINE("1", "10000000001", "25"), buf, sizeof(buf)),
                      "lines/0/unit_price");
  assert_string_equal(faults(LINE("1", "1", "25.555"), buf, sizeof(buf)), "lines/0/vat_rate");
  assert_string_equal(faults(LINE("1", "1", "100.01"), buf, sizeof(buf)), "lines/0/vat_rate");
  assert_string_equal(faults(LINE("\"1\"", "1", "25"), buf, sizeof(buf)), "lines/0/quantity");
  assert_string_equal(faults("{}", buf, sizeof(buf)), "lines");
  assert_string_equal(faults("[1]", buf, sizeof(buf)), "lines/0");
  assert_string_equal(faults("[{\"x\":1}]", buf, sizeof(buf)),
                      "lines/0/x;lines/0/description;lines/0/unit;lines/0/quantity;"
                      "lines/0/unit_price;lines/0/vat_rate");
}

static void test_totals_are_sums_of_lines(void **state) {
  (void)state;
  json_t *lines = json_loads(
      "[{\"description\":\"a\",\"quantity\":2.5,\"unit\":\"h\",\"unit_price\":45000,"
      "\"vat_rate\":25},{\"description\":\"b\",\"quantity\":3,\"unit\":\"m2\","
      "\"unit_price\":19999,\"vat_rate\":12},{\"description\":\"c\",\"quantity\":0.333,"
      "\"unit\":\"l\",\"unit_price\":1001,\"vat_rate\":25.5}]",
      0, NULL);
  struct money_line *out = NULL;
  size_t n = 0;
  struct money_totals t;
  assert_int_equal(money_lines_compute(lines, &out, &n, &t), CS_OK);
  assert_int_equal(n, 3);
  assert_int_equal(out[0].excl_vat, 112500);
  assert_int_equal(out[1].vat, 7200);     /* 7199.64 */
  assert_int_equal(out[2].excl_vat, 333); /* 333.333 */
  assert_int_equal(out[2].vat, 85);       /* 84.915 */
  assert_int_equal(out[2].quantity_milli, 333);
  assert_int_equal(out[2].vat_bp, 2550);
  assert_int_equal(t.excl_vat, 112500 + 59997 + 333);
  assert_int_equal(t.vat, 28125 + 7200 + 85);
  assert_int_equal(t.incl_vat, t.excl_vat + t.vat);
  char *json = money_lines_json(out, n);
  assert_non_null(strstr(json, "\"quantity_milli\":2500"));
  free(json);
  free(out);
  json_decref(lines);
}

/* A cost row of a task of company with approved budgets and approved invoices. */
static json_t *row(const char *task, const char *company, long long approved, long long invoiced) {
  return json_pack("{s:s, s:s, s:n, s:s, s:s, s:I, s:I}", "task_id", task, "task_type", "repair",
                   "trade", "company_id", company, "company_name", company, "approved_incl_vat",
                   (json_int_t)approved, "invoiced_approved_incl_vat", (json_int_t)invoiced);
}

static json_t *settle(long long deductible, const char *decision, long long cash) {
  json_t *the_case = json_pack("{s:s, s:s, s:I, s:o}", "id", "c", "claim_number", "K-1",
                               "deductible", (json_int_t)deductible, "compensation_decision",
                               decision ? json_pack("{s:s}", "decision", decision) : json_null());
  json_t *rows = json_pack("[o, o, o]", row("t1", "small", 3000, 0), row("t2", "big", 9000, 0),
                           row("t3", "small", 1000, 2000));
  json_t *offers = json_array();
  if (cash > 0)
    json_array_append_new(offers, json_pack("{s:s, s:s, s:n, s:I}", "id", "o", "kind", "work_items",
                                            "task_id", "amount", (json_int_t)cash));
  json_t *doc = cases_settlement_document(the_case, "SEK", rows, offers);
  json_decref(the_case);
  json_decref(rows);
  json_decref(offers);
  return doc;
}

static long long total(const json_t *doc, const char *name) {
  return json_integer_value(json_object_get(json_object_get(doc, "totals"), name));
}

static long long paid(const json_t *doc, size_t i, const char *by) {
  return json_integer_value(
      json_object_get(json_array_get(json_object_get(doc, "payments"), i), by));
}

static void test_settlement_rule(void **state) {
  (void)state;
  /* small: 3000 (budget) + 2000 (invoices over its 1000 budget) = 5000; big: 9000 */
  json_t *doc = settle(2000, "positive", 1500);
  assert_int_equal(total(doc, "approved_costs"), 14000);
  assert_int_equal(total(doc, "compensation"), 15500);
  assert_int_equal(total(doc, "deductible_applied"), 2000);
  assert_int_equal(paid(doc, 0, "amount"), 9000); /* the largest partner first */
  assert_int_equal(paid(doc, 0, "paid_by_customer"), 500);
  assert_int_equal(paid(doc, 0, "paid_by_insurer"), 8500);
  assert_int_equal(paid(doc, 1, "paid_by_insurer"), 5000);
  assert_int_equal(paid(doc, 2, "paid_by_insurer"), 0); /* the cash kept for the deductible */
  assert_int_equal(total(doc, "paid_by_insurer"), 13500);
  json_decref(doc);

  doc = settle(100000, NULL, 0); /* a deductible above everything: the customer pays all */
  assert_int_equal(total(doc, "deductible_applied"), 14000);
  assert_int_equal(total(doc, "paid_by_insurer"), 0);
  json_decref(doc);

  doc = settle(0, "negative", 1500); /* nothing is paid by the insurer */
  assert_int_equal(total(doc, "paid_by_insurer"), 0);
  assert_int_equal(paid(doc, 0, "paid_by_insurer"), 0);
  json_decref(doc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rounding),
      cmocka_unit_test(test_line_rules),
      cmocka_unit_test(test_totals_are_sums_of_lines),
      cmocka_unit_test(test_settlement_rule),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
