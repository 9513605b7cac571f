/* Amounts of money, exact: the lines of a budget or an invoice and their totals, in integers of
 * the currency's minor unit (öre, øre, cent). No database, no requests (money/money.c):
 * tests/unit/test_money.c includes the file.
 *
 * The rule, stated in the OpenAPI: a line's amount excl. VAT is quantity × unit price, rounded
 * half up (away from zero) to the minor unit; its VAT is that amount × the VAT rate, rounded the
 * same way; its amount incl. VAT is the sum of the two. A total is the sum of its lines' amounts,
 * so the totals always add up to the lines shown. Nothing passes through floating point but the
 * JSON reading of quantity and VAT rate, which are checked to have at most 3 and 2 decimals and
 * then held as integers (thousandths, hundredths of a percent). */
#ifndef CLAIMSUITE_CASES_MONEY_H
#define CLAIMSUITE_CASES_MONEY_H

#include <jansson.h>

#include "refusal.h"

#define MONEY_MAX_LINES 200
#define MONEY_MAX_QUANTITY_MILLI 1000000000LL /* 1 000 000 units */
#define MONEY_MAX_UNIT_PRICE 10000000000LL    /* 100 000 000.00 in major units */
#define MONEY_MAX_AMOUNT 100000000000LL       /* one cash offer or work item, one deductible */

/* One line as computed. */
struct money_line {
  const char *description, *unit; /* borrowed from the body */
  long long quantity_milli;       /* quantity × 1000 */
  long long unit_price;           /* minor units */
  int vat_bp;                     /* VAT rate in hundredths of a percent: 25.5 % is 2550 */
  long long excl_vat, vat, incl_vat;
};

struct money_totals {
  long long excl_vat, vat, incl_vat;
};

/* x / d rounded half away from zero (d > 0). */
long long money_div_round(__int128 x, long long d);
/* Computes a line's amounts from quantity_milli, unit_price and vat_bp. */
void money_line_compute(struct money_line *l);

/* Checks lines (a JSON array of {description, quantity, unit, unit_price, vat_rate}) and adds a
 * field error per fault under field ("lines/3/quantity"). At most MONEY_MAX_LINES; required
 * when required. Safe on anything (a non-array is one error). */
void money_lines_rules(const json_t *lines, const char *field, int required,
                       struct cs_refusal *err);
/* The lines of a body that passed money_lines_rules, computed: *out a new array (free()) of n
 * lines borrowing their strings from lines; totals their sums. CS_OK or CS_ERR_NOMEM. */
int money_lines_compute(const json_t *lines, struct money_line **out, size_t *n,
                        struct money_totals *totals);

/* The rows of lines as JSON text for the store: [{description, quantity_milli, unit,
 * unit_price, vat_bp, excl_vat, vat, incl_vat}], new (free()), NULL when out of memory. */
char *money_lines_json(const struct money_line *lines, size_t n);

/* Checks an amount member (integer, 1 ..MONEY_MAX_AMOUNT, or 0 .. with allow_zero). */
void money_amount_rule(const json_t *v, const char *field, int required, int allow_zero,
                       struct cs_refusal *err);

#endif
