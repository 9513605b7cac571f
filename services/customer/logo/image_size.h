/* The pixel size of an image from its first bytes (image_size.c; pure, unit-tested): what the
 * customer page's logo is stored with, so the page can show it 40 px high without loading it. */
#ifndef CLAIMSUITE_CUSTOMER_IMAGE_SIZE_H
#define CLAIMSUITE_CUSTOMER_IMAGE_SIZE_H

#include <stddef.h>

/* The width and height of the PNG, JPEG, GIF or WebP whose first n bytes are head: CS_OK, or
 * CS_ERR_INVALID for anything else or a size that cannot be read from these bytes. */
int customer_image_size(const unsigned char *head, size_t n, long *width, long *height);

#endif
