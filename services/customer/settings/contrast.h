/* Colours of the customer page and their contrast, as WCAG 2.1 defines it: the relative
 * luminance of sRGB colours and the ratio (L1 + 0.05) / (L2 + 0.05) of the lighter to the
 * darker. Level AA asks 4.5:1 for normal text. Pure functions, no allocation. */
#ifndef CLAIMSUITE_CUSTOMER_CONTRAST_H
#define CLAIMSUITE_CUSTOMER_CONTRAST_H

#define CUSTOMER_CONTRAST_AA 4.5 /* WCAG 2.1 AA, normal text (success criterion 1.4.3) */

/* Parses "#rrggbb" (either case) into rgb (may be NULL to only check). 0, or -1 when s is not
 * exactly that form. */
int customer_color_parse(const char *s, unsigned char rgb[3]);

/* The relative luminance of an sRGB colour: 0 (black) to 1 (white). */
double customer_luminance(const unsigned char rgb[3]);

/* The contrast ratio of two "#rrggbb" colours, in either order: 1 to 21; -1 when either is not
 * a colour. */
double customer_contrast_ratio(const char *a, const char *b);

#endif
