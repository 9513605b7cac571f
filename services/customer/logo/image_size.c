/* The pixel size of an image from its first bytes (see image_size.h). */
#include "image_size.h"

#include <string.h>

#include "status.h"

static unsigned long be16(const unsigned char *p) { return (unsigned long)p[0] << 8 | p[1]; }
static unsigned long le16(const unsigned char *p) { return (unsigned long)p[1] << 8 | p[0]; }
static unsigned long be32(const unsigned char *p) { return be16(p) << 16 | be16(p + 2); }

static int found(unsigned long w, unsigned long h, long *width, long *height) {
  if (w == 0 || h == 0 || w > 100000 || h > 100000) return CS_ERR_INVALID;
  *width = (long)w;
  *height = (long)h;
  return CS_OK;
}

/* A JPEG's size is in its first start-of-frame segment (SOF0..SOF15 but DHT, JPG, DAC). */
static int jpeg(const unsigned char *p, size_t n, long *width, long *height) {
  size_t i = 2;
  while (i + 9 < n) {
    if (p[i] != 0xFF) return CS_ERR_INVALID;
    unsigned char marker = p[i + 1];
    if (marker == 0xFF) { /* fill byte */
      i++;
      continue;
    }
    size_t len = be16(p + i + 2);
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC)
      return found(be16(p + i + 7), be16(p + i + 5), width, height);
    if (len < 2) return CS_ERR_INVALID;
    i += 2 + len;
  }
  return CS_ERR_INVALID;
}

static int webp(const unsigned char *p, size_t n, long *width, long *height) {
  if (n >= 30 && !memcmp(p + 12, "VP8X", 4))
    return found(1 + (p[24] | (unsigned long)p[25] << 8 | (unsigned long)p[26] << 16),
                 1 + (p[27] | (unsigned long)p[28] << 8 | (unsigned long)p[29] << 16), width,
                 height);
  if (n >= 30 && !memcmp(p + 12, "VP8 ", 4))
    return found(le16(p + 26) & 0x3FFF, le16(p + 28) & 0x3FFF, width, height);
  if (n >= 25 && !memcmp(p + 12, "VP8L", 4) && p[20] == 0x2F) {
    unsigned long b =
        p[21] | (unsigned long)p[22] << 8 | (unsigned long)p[23] << 16 | (unsigned long)p[24] << 24;
    return found((b & 0x3FFF) + 1, ((b >> 14) & 0x3FFF) + 1, width, height);
  }
  return CS_ERR_INVALID;
}

int customer_image_size(const unsigned char *p, size_t n, long *width, long *height) {
  static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (n >= 24 && !memcmp(p, png, 8) && !memcmp(p + 12, "IHDR", 4))
    return found(be32(p + 16), be32(p + 20), width, height);
  if (n >= 4 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) return jpeg(p, n, width, height);
  if (n >= 10 && (!memcmp(p, "GIF87a", 6) || !memcmp(p, "GIF89a", 6)))
    return found(le16(p + 6), le16(p + 8), width, height);
  if (n >= 16 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4))
    return webp(p, n, width, height);
  return CS_ERR_INVALID;
}
