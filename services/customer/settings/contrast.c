/* WCAG 2.1 contrast (contrast.h). The formulas are the standard's definitions of relative
 * luminance and contrast ratio, kept literal so that they can be checked against it. */
#include "contrast.h"

#include <math.h>
#include <string.h>

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int customer_color_parse(const char *s, unsigned char rgb[3]) {
  if (s == NULL || strlen(s) != 7 || s[0] != '#') return -1;
  for (int i = 0; i < 3; i++) {
    int hi = hex_digit(s[1 + 2 * i]), lo = hex_digit(s[2 + 2 * i]);
    if (hi < 0 || lo < 0) return -1;
    if (rgb != NULL) rgb[i] = (unsigned char)(hi * 16 + lo);
  }
  return 0;
}

/* One sRGB channel made linear (WCAG 2.1 uses 0.03928, as sRGB's draft did; the difference
 * from 0.04045 changes no 8-bit value). */
static double linear(unsigned char c) {
  double v = c / 255.0;
  return v <= 0.03928 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
}

double customer_luminance(const unsigned char rgb[3]) {
  return 0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2]);
}

double customer_contrast_ratio(const char *a, const char *b) {
  unsigned char ca[3], cb[3];
  if (customer_color_parse(a, ca) != 0 || customer_color_parse(b, cb) != 0) return -1;
  double la = customer_luminance(ca), lb = customer_luminance(cb);
  double hi = la > lb ? la : lb, lo = la > lb ? lb : la;
  return (hi + 0.05) / (lo + 0.05);
}
