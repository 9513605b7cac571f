/* The inspection report's PDF (see report_pdf.h). */
#include "report_pdf.h"

#include <errno.h>
#include <hpdf.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "status.h"
#include "tasks.h"

/* A4 in points, and the frame text and photos stay in. */
#define PAGE_W 595.276f
#define PAGE_H 841.89f
#define MARGIN 50.0f
#define TEXT_W (PAGE_W - 2 * MARGIN)
#define BOTTOM 60.0f   /* lowest point of the content; the footer is below */
#define FOOTER_Y 30.0f /* the footer's baseline */
#define PHOTO_MAX_H ((PAGE_H - 2 * MARGIN) / 2)
#define LABEL_W 110.0f /* the column of a fact's label */
#define BODY 10.0f     /* sizes in points */
#define SMALL 8.0f
#define LEADING(size) ((size)*1.4f)
#define CHUNK 65536 /* bytes per blob_write of the finished PDF */

/* One PDF being drawn. error is set by libharu's error handler: the first error, kept. */
struct render {
  HPDF_Doc pdf;
  HPDF_Page page; /* the page being filled, NULL before the first */
  HPDF_Font font, bold;
  HPDF_STATUS error, detail;
  float y;         /* the top of the next line on page */
  int page_no;     /* pages so far */
  char footer[80]; /* "Generated <time>" in CP1252, "" when the input has no time */
  struct blob_store *photos;
  int photos_in;         /* photos embedded so far */
  long long photo_bytes; /* and their bytes in memory */
};

/* libharu calls this on every error, then returns the error from the failing call: recording it
 * is enough (no longjmp; the document refuses further work until the error is reset). */
static void on_hpdf_error(HPDF_STATUS error, HPDF_STATUS detail, void *user) {
  struct render *r = user;
  if (r->error != HPDF_OK) return;
  r->error = error;
  r->detail = detail;
}

static int ok(const struct render *r, HPDF_STATUS st) {
  return st == HPDF_OK && r->error == HPDF_OK ? CS_OK : CS_ERR;
}

static const char *str(const json_t *o, const char *name) {
  return json_string_value(json_object_get(o, name));
}

/* ---- text: UTF-8 to the fonts' encoding, times ------------------------------------------- */

/* The Windows-1252 byte of code point u, '?' when it has none. Control characters but the
 * newline (tabs, carriage returns) become spaces: the fonts have no glyph for them. */
static char cp1252_of(unsigned long u) {
  /* 0x80..0x9F are not Latin-1's control characters in CP1252 but these (0: unused) */
  static const unsigned short high[32] = {
      0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
      0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
      0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};
  if (u == '\n') return '\n';
  if (u < 0x20 || u == 0x7F) return ' ';
  if (u < 0x80 || (u >= 0xA0 && u <= 0xFF)) return (char)u;
  for (int i = 0; i < 32; i++)
    if (high[i] != 0 && high[i] == u) return (char)(0x80 + i);
  return '?';
}

/* s (UTF-8) in CP1252: a new string (free it), NULL when out of memory. A byte that starts no
 * well-formed sequence (stray, cut short, overlong, a surrogate) becomes one '?'. */
static char *to_cp1252(const char *s) {
  static const unsigned long least[5] = {0, 0, 0x80, 0x800, 0x10000}; /* overlong below */
  const unsigned char *p = (const unsigned char *)s;
  char *out = malloc(strlen(s) + 1), *o = out;
  if (out == NULL) return NULL;
  while (*p != '\0') {
    unsigned long u = *p;
    int len = u < 0x80 ? 1 : u < 0xC0 ? 0 : u < 0xE0 ? 2 : u < 0xF0 ? 3 : u < 0xF8 ? 4 : 0;
    int k = 1;
    if (len > 1) u &= 0x3Fu >> (len - 1);
    for (; k < len && (p[k] & 0xC0) == 0x80; k++) u = u << 6 | (p[k] & 0x3F);
    int bad = len == 0 || k < len || u < least[len] || u > 0x10FFFF || (u >= 0xD800 && u <= 0xDFFF);
    *o++ = bad ? '?' : cp1252_of(u);
    p += k;
  }
  *o = '\0';
  return out;
}

/* The documents' times ("2024-05-02T08:30:00.000000Z", iso() in 0001_cases.sql) to the minute:
 * "2024-05-02 08:30 UTC". Any other text is kept as it is; NULL stays NULL. */
static const char *time_text(const char *iso, char *buf, size_t n) {
  size_t len = iso != NULL ? strlen(iso) : 0;
  if (len < 17 || iso[10] != 'T' || iso[len - 1] != 'Z') return iso;
  snprintf(buf, n, "%.10s %.5s UTC", iso, iso + 11);
  return buf;
}

/* ---- the page cursor ---------------------------------------------------------------------- */

/* s (CP1252) with its baseline at x, y. */
static int text_at(struct render *r, HPDF_Font font, float size, float x, float y, const char *s) {
  HPDF_STATUS st = HPDF_Page_BeginText(r->page);
  if (st == HPDF_OK) st = HPDF_Page_SetFontAndSize(r->page, font, size);
  if (st == HPDF_OK) st = HPDF_Page_TextOut(r->page, x, y, s);
  if (st == HPDF_OK) st = HPDF_Page_EndText(r->page);
  return ok(r, st);
}

/* A new page with its footer. Page numbers are known as pages are added, the total is not: the
 * footer says "page N" only. */
static int page_add(struct render *r) {
  char footer[128];
  r->page = HPDF_AddPage(r->pdf);
  if (r->page == NULL) return CS_ERR;
  r->page_no++;
  r->y = PAGE_H - MARGIN;
  if (r->footer[0] != '\0') /* \xB7: the middle dot in CP1252 */
    snprintf(footer, sizeof(footer), "%s \xB7 page %d", r->footer, r->page_no);
  else
    snprintf(footer, sizeof(footer), "Page %d", r->page_no);
  if (ok(r, HPDF_Page_SetSize(r->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT)) != CS_OK)
    return CS_ERR;
  return text_at(r, r->font, SMALL, MARGIN, FOOTER_Y, footer);
}

/* Room for a block of height points below r->y: on a new page when this one has too little. */
static int cursor_need(struct render *r, float height) {
  if (r->page != NULL && r->y - height >= BOTTOM) return CS_OK;
  return page_add(r);
}

/* ---- wrapped text ------------------------------------------------------------------------- */

static float text_width(HPDF_Font font, float size, const char *s, size_t n) {
  return HPDF_Font_TextWidth(font, (const HPDF_BYTE *)s, (HPDF_UINT)n).width * size / 1000;
}

/* How many bytes of s[0..n) (a paragraph, no newline) go on a line width wide: up to the end of
 * the last word that fits; when not even the first word fits, as many characters as fit, and at
 * least one, so that wrapping always moves on. */
static size_t line_fit(HPDF_Font font, float size, const char *s, size_t n, float width) {
  size_t fit = 0, end = 0;
  while (end < n) {
    while (end < n && s[end] == ' ') end++;
    while (end < n && s[end] != ' ') end++;
    if (text_width(font, size, s, end) > width) break;
    fit = end;
  }
  if (fit > 0) return fit;
  while (fit < n && text_width(font, size, s, fit + 1) <= width) fit++;
  return fit > 0 || n == 0 ? fit : 1;
}

/* text (UTF-8) from x, wrapped to width, one line after the other down the pages; a newline
 * starts a new line. Nothing for NULL. */
static int text_block(struct render *r, HPDF_Font font, float size, float x, float width,
                      const char *text) {
  char *s = text != NULL ? to_cp1252(text) : NULL, *p = s;
  int rc = text == NULL || s != NULL ? CS_OK : CS_ERR;
  while (rc == CS_OK && p != NULL && *p != '\0') {
    size_t n = strcspn(p, "\n");
    do { /* one line; an empty paragraph is an empty line */
      size_t fit = line_fit(font, size, p, n, width), shown = fit;
      while (shown > 0 && p[shown - 1] == ' ') shown--;
      char kept = p[shown];
      p[shown] = '\0'; /* TextOut takes a string: end the line in place for the call */
      rc = cursor_need(r, LEADING(size));
      if (rc == CS_OK) rc = text_at(r, font, size, x, r->y - size, p);
      p[shown] = kept;
      r->y -= LEADING(size);
      for (p += fit, n -= fit; n > 0 && *p == ' '; n--) p++;
    } while (rc == CS_OK && n > 0);
    if (*p == '\n') p++;
  }
  free(s);
  return rc;
}

/* A heading, kept on the page of the two lines that follow it. */
static int heading(struct render *r, float size, const char *text) {
  r->y -= size / 2;
  if (cursor_need(r, LEADING(size) + 2 * LEADING(BODY)) != CS_OK) return CS_ERR;
  return text_block(r, r->bold, size, MARGIN, TEXT_W, text);
}

/* label (ASCII) in bold, value beside it wrapped in its column; nothing when value is absent. */
static int fact(struct render *r, const char *label, const char *value) {
  if (value == NULL || value[0] == '\0') return CS_OK;
  if (cursor_need(r, LEADING(BODY)) != CS_OK) return CS_ERR;
  if (text_at(r, r->bold, BODY, MARGIN, r->y - BODY, label) != CS_OK) return CS_ERR;
  return text_block(r, r->font, BODY, MARGIN + LABEL_W, TEXT_W - LABEL_W, value);
}

/* ---- photos ------------------------------------------------------------------------------- */

/* libharu adds an image's object to the document before it parses the file, so a photo it
 * refuses would leave a broken image object in the PDF; worse, on a corrupt PNG libharu 2.3.0
 * lets libpng abort the process (its libpng error callback returns and it never calls setjmp).
 * So each photo is first read here the way libharu reads it, and only handed over when that
 * succeeds. */

/* A JPEG is embedded as it is (the viewer decodes it): libharu only walks its header to the frame
 * header for size and colour space (LoadJpegHeader in hpdf_image.c): start of image, segments,
 * then SOF0, 1, 2 or 9 with 8-bit samples, a size, and 1, 3 or 4 components. */
static int jpeg_check(const unsigned char *p, size_t n) {
  if (n < 4 || p[0] != 0xFF || p[1] != 0xD8) return 0;
  for (size_t at = 2; at + 4 <= n;) {
    unsigned marker = p[at + 1], len = (unsigned)p[at + 2] << 8 | p[at + 3];
    if (p[at] != 0xFF || len < 2) return 0;
    if (marker == 0xC0 || marker == 0xC1 || marker == 0xC2 || marker == 0xC9)
      return at + 10 <= n && p[at + 4] == 8 && (p[at + 5] | p[at + 6]) != 0 &&
             (p[at + 7] | p[at + 8]) != 0 && (p[at + 9] == 1 || p[at + 9] == 3 || p[at + 9] == 4);
    at += 2 + (size_t)len;
  }
  return 0;
}

struct png_src {
  const unsigned char *p;
  size_t n, at;
  int warned;                  /* libharu fails a PNG on any libpng warning: so does the check */
  unsigned char *volatile row; /* volatile: freed after a longjmp */
};

static void png_read_mem(png_structp png, png_bytep out, size_t len) {
  struct png_src *s = png_get_io_ptr(png);
  if (len > s->n - s->at) png_error(png, "truncated");
  memcpy(out, s->p + s->at, len);
  s->at += len;
}

static void png_failed(png_structp png, png_const_charp msg) {
  (void)msg;
  png_longjmp(png, 1);
}

static void png_warned(png_structp png, png_const_charp msg) {
  (void)msg;
  ((struct png_src *)png_get_error_ptr(png))->warned = 1;
}

/* LoadPngData's calls (hpdf_image_png.c), row by row: the decoded size, or -1 over max bytes or
 * interlaced (libpng warns on libharu's way of reading those, which fails them there). */
static long long png_rows(png_structp png, png_infop info, struct png_src *src, long long max) {
  png_read_info(png, info);
  if (png_get_interlace_type(png, info) != PNG_INTERLACE_NONE) return -1;
  if (png_get_bit_depth(png, info) == 16) png_set_strip_16(png);
  png_read_update_info(png, info);
  png_uint_32 h = png_get_image_height(png, info);
  size_t row_bytes = png_get_rowbytes(png, info);
  if ((long long)row_bytes * h > max || (src->row = malloc(row_bytes)) == NULL) return -1;
  for (png_uint_32 y = 0; y < h; y++) png_read_row(png, src->row, NULL);
  return (long long)row_bytes * h;
}

/* The PNG's decoded size when libharu will load it within max bytes, else -1. */
static long long png_check(const unsigned char *p, size_t n, long long max) {
  struct png_src src = {.p = p, .n = n};
  volatile long long decoded = -1; /* volatile: kept across the longjmp */
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, png_failed, png_warned);
  png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
  if (info != NULL && setjmp(png_jmpbuf(png)) == 0) {
    png_set_read_fn(png, &src, png_read_mem);
    decoded = png_rows(png, info, &src, max);
  }
  free(src.row);
  png_destroy_read_struct(&png, &info, NULL);
  return src.warned ? -1 : decoded;
}

static int read_all(int fd, unsigned char *buf, size_t n) {
  for (size_t got = 0; got < n;) {
    ssize_t k = read(fd, buf + got, n - got);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return 0;
    got += (size_t)k;
  }
  return 1;
}

/* The photo sha256 (a PNG when png, else a JPEG) in the document, or NULL when it is not
 * embedded: no store, missing, over the caps, unreadable or refused. Only libharu's own errors
 * are left in r->error. */
static HPDF_Image photo_load(struct render *r, const char *sha256, int png) {
  int fd = -1;
  long long size = 0, cost = -1, left = REPORT_PDF_MAX_PHOTO_BYTES - r->photo_bytes;
  unsigned char *buf = NULL;
  HPDF_Image img = NULL;
  if (r->photos == NULL || sha256 == NULL || r->photos_in >= REPORT_PDF_MAX_PHOTOS) return NULL;
  if (blob_open(r->photos, sha256, &fd, &size) != CS_OK) return NULL;
  if (size > 0 && size <= left && (buf = malloc((size_t)size)) != NULL &&
      read_all(fd, buf, (size_t)size))
    cost = png ? png_check(buf, (size_t)size, left) : jpeg_check(buf, (size_t)size) ? size : -1;
  if (cost >= 0) {
    img = png ? HPDF_LoadPngImageFromMem(r->pdf, buf, (HPDF_UINT)size)
              : HPDF_LoadJpegImageFromMem(r->pdf, buf, (HPDF_UINT)size);
    if (img == NULL && r->error != HPDF_OK) { /* refused after all: listed like any other */
      HPDF_ResetError(r->pdf);
      r->error = HPDF_OK;
    }
  }
  if (img != NULL) {
    r->photos_in++;
    r->photo_bytes += cost > size ? cost : size;
  }
  close(fd);
  free(buf);
  return img;
}

/* img scaled into the text width and half a page, keeping its aspect ratio, its name below; on
 * a new page when it does not fit under what is there. */
static int photo_place(struct render *r, HPDF_Image img, const char *name) {
  float w = (float)HPDF_Image_GetWidth(img), h = (float)HPDF_Image_GetHeight(img);
  float scale = TEXT_W / w < PHOTO_MAX_H / h ? TEXT_W / w : PHOTO_MAX_H / h;
  w *= scale, h *= scale;
  r->y -= SMALL / 2;
  if (cursor_need(r, h + LEADING(SMALL)) != CS_OK) return CS_ERR;
  if (ok(r, HPDF_Page_DrawImage(r->page, img, MARGIN, r->y - h, w, h)) != CS_OK) return CS_ERR;
  r->y -= h + SMALL / 2;
  return text_block(r, r->font, SMALL, MARGIN, TEXT_W, name);
}

/* A report's files in order: JPEG and PNG photos embedded, everything else listed. */
static int report_files(struct render *r, const json_t *files) {
  size_t i;
  const json_t *f;
  json_array_foreach(files, i, f) {
    const char *name = str(f, "file_name"), *type = str(f, "media_type");
    int jpeg = type != NULL && !strcmp(type, "image/jpeg");
    int png = type != NULL && !strcmp(type, "image/png");
    HPDF_Image img = jpeg || png ? photo_load(r, str(f, "sha256"), png) : NULL;
    char line[600];
    if (r->error != HPDF_OK) return CS_ERR;
    if (img != NULL && photo_place(r, img, name) != CS_OK) return CS_ERR;
    if (img != NULL) continue;
    snprintf(line, sizeof(line), "%s (%s)%s", name != NULL ? name : "file",
             type != NULL ? type : "unknown type", jpeg || png ? " (not embedded)" : "");
    if (text_block(r, r->font, BODY, MARGIN, TEXT_W, line) != CS_OK) return CS_ERR;
  }
  return CS_OK;
}

/* ---- the sections ------------------------------------------------------------------------- */

/* part after out's text, sep between them; nothing when part is absent or empty. */
static void join(char *out, size_t n, const char *sep, const char *part) {
  size_t len = strlen(out);
  if (part == NULL || part[0] == '\0') return;
  snprintf(out + len, n - len, "%s%s", len > 0 ? sep : "", part);
}

/* The customer's name: the contact of kind customer, else the policyholder. */
static const char *customer_name(const json_t *the_case) {
  static const char *const kinds[] = {"customer", "policyholder"};
  for (size_t k = 0; k < 2; k++) {
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(the_case, "contacts"), i, c) {
      const char *kind = str(c, "kind");
      if (kind != NULL && !strcmp(kind, kinds[k]) && str(c, "name") != NULL) return str(c, "name");
    }
  }
  return NULL;
}

static int case_section(struct render *r, const json_t *c) {
  const json_t *a = json_object_get(c, "address");
  char place[256] = "", address[512] = "";
  join(place, sizeof(place), " ", str(a, "postal_code"));
  join(place, sizeof(place), " ", str(a, "city"));
  join(address, sizeof(address), ", ", str(a, "street"));
  join(address, sizeof(address), ", ", place);
  join(address, sizeof(address), ", ", str(a, "country"));
  if (heading(r, 20, "Inspection report") != CS_OK ||
      text_block(r, r->bold, 13, MARGIN, TEXT_W, str(c, "claim_number")) != CS_OK ||
      heading(r, 13, "Case") != CS_OK || fact(r, "Claim number", str(c, "claim_number")) != CS_OK ||
      fact(r, "Damage type", str(c, "damage_type")) != CS_OK ||
      fact(r, "Damage date", str(c, "damage_date")) != CS_OK ||
      fact(r, "Address", address) != CS_OK || fact(r, "Customer", customer_name(c)) != CS_OK)
    return CS_ERR;
  return fact(r, "Description", str(c, "description"));
}

static int task_section(struct render *r, const json_t *t) {
  const json_t *office = json_object_get(t, "office");
  const char *status = str(t, "status");
  char office_text[512] = "", when[40];
  if (!json_is_object(t)) return CS_OK;
  join(office_text, sizeof(office_text), ", ", str(office, "name"));
  join(office_text, sizeof(office_text), ", ", str(office, "company_name"));
  if (heading(r, 13, "Inspection") != CS_OK ||
      fact(r, "Inspector", str(json_object_get(t, "user"), "name")) != CS_OK ||
      fact(r, "Office", office_text) != CS_OK ||
      fact(r, "Meeting", time_text(str(t, "meeting_at"), when, sizeof(when))) != CS_OK)
    return CS_ERR;
  return fact(r, "Status", status != NULL ? cases_task_status_name(status) : NULL);
}

static int reports_section(struct render *r, const json_t *reports) {
  size_t i;
  const json_t *rep;
  char title[32], when[40];
  if (json_array_size(reports) > 0 && heading(r, 13, "Reports") != CS_OK) return CS_ERR;
  json_array_foreach(reports, i, rep) {
    snprintf(title, sizeof(title), "Report %zu", i + 1);
    if (heading(r, 11, title) != CS_OK ||
        fact(r, "Author",
             str(rep, str(rep, "added_by_name") != NULL ? "added_by_name" : "added_by")) != CS_OK ||
        fact(r, "Time", time_text(str(rep, "added_at"), when, sizeof(when))) != CS_OK ||
        text_block(r, r->font, BODY, MARGIN, TEXT_W, str(rep, "text")) != CS_OK ||
        report_files(r, json_object_get(rep, "files")) != CS_OK)
      return CS_ERR;
  }
  return CS_OK;
}

/* ---- the whole ---------------------------------------------------------------------------- */

/* The document saved into libharu's memory stream, then copied out a chunk at a time. */
static int save(struct render *r, struct blob_writer *out) {
  unsigned char *buf = malloc(CHUNK);
  HPDF_STATUS st = buf != NULL ? HPDF_SaveToStream(r->pdf) : HPDF_FAILD_TO_ALLOC_MEM;
  while (st == HPDF_OK) {
    HPDF_UINT32 n = CHUNK;
    st = HPDF_ReadFromStream(r->pdf, buf, &n); /* HPDF_STREAM_EOF with the last bytes */
    if ((st == HPDF_OK || st == HPDF_STREAM_EOF) && n > 0 && blob_write(out, buf, n) != CS_OK) {
      log_error("inspection report: the PDF could not be written out (a limit, or the disk)");
      st = HPDF_FILE_IO_ERROR;
    }
  }
  free(buf);
  return st == HPDF_STREAM_EOF && r->error == HPDF_OK ? CS_OK : CS_ERR;
}

int inspection_report_pdf(const json_t *input, struct blob_store *photos, struct blob_writer *out) {
  struct render r = {.photos = photos};
  char when[40];
  const char *generated = time_text(str(input, "generated_at"), when, sizeof(when));
  char *footer = generated != NULL ? to_cp1252(generated) : NULL;
  int rc = CS_ERR;
  if (out == NULL || (generated != NULL && footer == NULL)) goto done;
  if (footer != NULL) snprintf(r.footer, sizeof(r.footer), "Generated %s", footer);
  if ((r.pdf = HPDF_New(on_hpdf_error, &r)) == NULL) goto done;
  /* COMP_ALL: text and PNG pixels deflated; JPEG files stay as they are */
  if (ok(&r, HPDF_SetCompressionMode(r.pdf, HPDF_COMP_ALL)) != CS_OK) goto done;
  r.font = HPDF_GetFont(r.pdf, "Helvetica", "WinAnsiEncoding");
  r.bold = HPDF_GetFont(r.pdf, "Helvetica-Bold", "WinAnsiEncoding");
  if (r.font == NULL || r.bold == NULL || page_add(&r) != CS_OK) goto done;
  if (case_section(&r, json_object_get(input, "case")) == CS_OK &&
      task_section(&r, json_object_get(input, "task")) == CS_OK &&
      reports_section(&r, json_object_get(input, "reports")) == CS_OK)
    rc = save(&r, out);
done:
  if (r.error != HPDF_OK)
    log_error("inspection report: libharu error 0x%04lX, detail %lu", (unsigned long)r.error,
              (unsigned long)r.detail);
  if (r.pdf != NULL) HPDF_Free(r.pdf);
  free(footer);
  return rc;
}
