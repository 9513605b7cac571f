/* The input shape of the harnesses that pick a path by the first byte: the rest of the input as
 * a NUL-terminated string (new; the caller frees it). */
#ifndef CLAIMSUITE_FUZZ_TEXT_H
#define CLAIMSUITE_FUZZ_TEXT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline char *fuzz_text_after_selector(const uint8_t *data, size_t size) {
  char *text = malloc(size);
  if (text == NULL) abort();
  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';
  return text;
}

#endif
