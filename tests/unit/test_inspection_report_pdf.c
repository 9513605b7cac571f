/* The inspection report's PDF (services/cases/inspection/report_pdf.c) drawn from documents as the
 * SQL builds them, with photos in a temporary blob store: a well-formed PDF, its pages and image
 * objects, and the text the pages show, read back by inflating the content streams with zlib.
 * UTF-8 into the fonts' Windows-1252 (Nordic letters, punctuation, what it lacks as '?'), word
 * wrap over pages, photos missing, corrupt (a corrupt PNG must not take the process down) or over
 * the cap listed instead of embedded, absent members, and a writer that refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "../../services/cases/inspection/report_pdf.c"
#include "../../services/cases/task/task_status.c"

/* An 8x8 baseline JPEG and an 8x8 RGB PNG (no alpha: one image object each), made with libjpeg
 * and libpng. */
static const unsigned char jpeg_8x8[] = {
    0xff, 0xd8, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x10, 0x0b, 0x0c, 0x0e, 0x0c, 0x0a, 0x10, 0x0e, 0x0d,
    0x0e, 0x12, 0x11, 0x10, 0x13, 0x18, 0x28, 0x1a, 0x18, 0x16, 0x16, 0x18, 0x31, 0x23, 0x25, 0x1d,
    0x28, 0x3a, 0x33, 0x3d, 0x3c, 0x39, 0x33, 0x38, 0x37, 0x40, 0x48, 0x5c, 0x4e, 0x40, 0x44, 0x57,
    0x45, 0x37, 0x38, 0x50, 0x6d, 0x51, 0x57, 0x5f, 0x62, 0x67, 0x68, 0x67, 0x3e, 0x4d, 0x71, 0x79,
    0x70, 0x64, 0x78, 0x5c, 0x65, 0x67, 0x63, 0xff, 0xdb, 0x00, 0x43, 0x01, 0x11, 0x12, 0x12, 0x18,
    0x15, 0x18, 0x2f, 0x1a, 0x1a, 0x2f, 0x63, 0x42, 0x38, 0x42, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
    0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
    0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
    0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0xff, 0xc0, 0x00, 0x11,
    0x08, 0x00, 0x08, 0x00, 0x08, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xff,
    0xc4, 0x00, 0x15, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xff, 0xc4, 0x00, 0x17, 0x10, 0x01, 0x01, 0x01, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x22, 0x31, 0xff,
    0xc4, 0x00, 0x15, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0xff, 0xc4, 0x00, 0x1b, 0x11, 0x00, 0x02, 0x01, 0x05, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x04, 0x00, 0x01, 0x12,
    0x13, 0x21, 0x31, 0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3f,
    0x00, 0x84, 0xf8, 0x5c, 0xc0, 0x09, 0xca, 0xc9, 0x2e, 0xec, 0x68, 0x36, 0x5c, 0x34, 0xdc, 0xff,
    0xd9};
static const unsigned char png_8x8[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x08, 0x08, 0x02, 0x00, 0x00, 0x00, 0x4b, 0x6d, 0x29,
    0xdc, 0x00, 0x00, 0x00, 0x01, 0x73, 0x52, 0x47, 0x42, 0x00, 0xae, 0xce, 0x1c, 0xe9, 0x00, 0x00,
    0x00, 0x19, 0x49, 0x44, 0x41, 0x54, 0x08, 0x99, 0x63, 0x64, 0x60, 0x68, 0x50, 0x60, 0x60, 0xc0,
    0x44, 0x2c, 0x0c, 0x0a, 0x0c, 0x58, 0xc1, 0xe0, 0x94, 0x00, 0x00, 0x68, 0x6f, 0x02, 0x5e, 0x5b,
    0xaa, 0xc2, 0x41, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

#define CLAIM "CLM-2024-0042"
#define MISSING_SHA "00000000000000000000000000000000000000000000000000000000000000aa"
#define NWORDS 1400 /* "w0001 " .. "w1400": about 8400 bytes, two pages of text */

static char dir[64];
static struct blob_store *store;
static char jpeg_sha[BLOB_SHA256_HEX], png_sha[BLOB_SHA256_HEX], video_sha[BLOB_SHA256_HEX];
static char junk_sha[BLOB_SHA256_HEX], cut_png_sha[BLOB_SHA256_HEX];

/* What a test reads of a PDF. text: the strings the pages show, one a line, unescaped. */
struct pdf {
  unsigned char *bytes;
  size_t n;
  int pages, count, images;
  char *text;
  size_t text_len, text_cap;
};

static void put(const void *data, size_t n, char sha[BLOB_SHA256_HEX]) {
  struct blob_writer *w = NULL;
  assert_int_equal(blob_write_begin(store, (long long)n, &w), CS_OK);
  assert_int_equal(blob_write(w, data, n), CS_OK);
  assert_int_equal(blob_write_finish(w, sha), CS_OK);
  assert_int_equal(blob_write_commit(w), CS_OK);
}

static int setup(void **state) {
  (void)state;
  static const char junk[] = "this is not a JPEG at all, whatever its name says";
  static const unsigned char video[] = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'm', 'p', '4', '2'};
  snprintf(dir, sizeof(dir), "/tmp/report-pdf-test-XXXXXX");
  if (mkdtemp(dir) == NULL || blob_store_open_dir(dir, &store) != CS_OK) return -1;
  put(jpeg_8x8, sizeof(jpeg_8x8), jpeg_sha);
  put(png_8x8, sizeof(png_8x8), png_sha);
  put(video, sizeof(video), video_sha);
  put(junk, sizeof(junk) - 1, junk_sha);
  put(png_8x8, 70, cut_png_sha); /* cut inside IDAT: libpng fails the image data */
  return 0;
}

static int teardown(void **state) {
  (void)state;
  char cmd[128];
  blob_store_close(store);
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  return system(cmd);
}

static const unsigned char *find(const unsigned char *from, const unsigned char *end,
                                 const char *needle) {
  size_t k = strlen(needle);
  for (const unsigned char *p = from; p + k <= end; p++)
    if (!memcmp(p, needle, k)) return p;
  return NULL;
}

static int occurrences(const struct pdf *d, const char *needle) {
  int n = 0;
  const unsigned char *end = d->bytes + d->n;
  for (const unsigned char *p = d->bytes; (p = find(p, end, needle)) != NULL; p++) n++;
  return n;
}

static void text_add(struct pdf *d, char c) {
  if (d->text_len + 2 > d->text_cap) {
    d->text_cap = d->text_cap * 2 + 4096;
    d->text = realloc(d->text, d->text_cap);
    assert_non_null(d->text);
  }
  d->text[d->text_len++] = c;
  d->text[d->text_len] = '\0';
}

/* The literal strings of a content stream, PDF escapes undone (libharu writes every byte outside
 * printable ASCII as \ooo), one a line. */
static void strings_of(struct pdf *d, const unsigned char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] != '(') continue;
    for (i++; i < n && s[i] != ')'; i++) {
      unsigned char c = s[i];
      if (c == '\\' && i + 1 < n) {
        c = s[++i];
        if (c >= '0' && c <= '7') {
          int v = 0;
          for (int k = 0; k < 3 && i < n && s[i] >= '0' && s[i] <= '7'; k++, i++)
            v = v * 8 + (s[i] - '0');
          i--;
          c = (unsigned char)v;
        } else if (c == 'n') {
          c = '\n';
        }
      }
      text_add(d, (char)c);
    }
    text_add(d, '\n');
  }
}

/* Every deflated stream that is not an image, inflated, and its strings added to d->text. */
static void read_contents(struct pdf *d) {
  const unsigned char *end = d->bytes + d->n, *p = d->bytes;
  text_add(d, '\n');
  while ((p = find(p, end, "stream\r\n")) != NULL) {
    const unsigned char *data = p + 8, *obj = p;
    int image = 0;
    p = data;
    if (obj >= d->bytes + 3 && !memcmp(obj - 3, "end", 3)) continue;
    while (obj > d->bytes && memcmp(obj, " obj", 4) != 0) obj--;
    image = find(obj, data, "/Subtype /Image") != NULL;
    size_t cap = 1 << 16;
    unsigned char *out = malloc(cap);
    z_stream z = {.next_in = (unsigned char *)data, .avail_in = (uInt)(end - data)};
    assert_non_null(out);
    assert_int_equal(inflateInit(&z), Z_OK);
    int zr = Z_OK;
    while (zr == Z_OK) {
      if (z.total_out == cap) out = realloc(out, cap *= 2);
      assert_non_null(out);
      z.next_out = out + z.total_out;
      z.avail_out = (uInt)(cap - z.total_out);
      zr = inflate(&z, Z_NO_FLUSH);
    }
    if (zr == Z_STREAM_END && !image) strings_of(d, out, z.total_out);
    inflateEnd(&z);
    free(out);
  }
}

/* Renders input into a new blob of at most max bytes: CS_OK with the PDF read back into d. */
static int render_max(const json_t *input, long long max, struct pdf *d) {
  struct blob_writer *w = NULL;
  char sha[BLOB_SHA256_HEX];
  int fd;
  long long size;
  memset(d, 0, sizeof(*d));
  assert_int_equal(blob_write_begin(store, max, &w), CS_OK);
  int rc = inspection_report_pdf(input, store, w);
  if (rc != CS_OK) {
    blob_write_abort(w);
    return rc;
  }
  assert_int_equal(blob_write_finish(w, sha), CS_OK);
  assert_int_equal(blob_write_commit(w), CS_OK);
  assert_int_equal(blob_open(store, sha, &fd, &size), CS_OK);
  d->n = (size_t)size;
  d->bytes = malloc(d->n + 1);
  assert_non_null(d->bytes);
  assert_int_equal(read(fd, d->bytes, d->n), (ssize_t)d->n);
  close(fd);
  /* a page object is "/Type /Page", the tree "/Type /Pages" with the number of pages */
  d->pages = occurrences(d, "/Type /Page\n");
  const unsigned char *tree = find(d->bytes, d->bytes + d->n, "/Type /Pages");
  const unsigned char *count = tree != NULL ? find(tree, d->bytes + d->n, "/Count ") : NULL;
  d->count = count != NULL ? atoi((const char *)count + 7) : -1;
  d->images = occurrences(d, "/Subtype /Image");
  read_contents(d);
  return rc;
}

static int render(const json_t *input, struct pdf *d) { return render_max(input, 1LL << 30, d); }

/* d->text with the line breaks as spaces: for sentences the wrap may cut. A new string. */
static char *flat(const struct pdf *d) {
  char *s = strdup(d->text);
  assert_non_null(s);
  for (char *p = s; (p = strchr(p, '\n')) != NULL;) *p = ' ';
  return s;
}

static void pdf_free(struct pdf *d) {
  free(d->bytes);
  free(d->text);
}

/* A well-formed file: the header, the end marker (a newline after it allowed), and as many page
 * objects as the page tree counts. */
static void assert_pdf(const struct pdf *d) {
  assert_true(d->n > 20);
  assert_memory_equal(d->bytes, "%PDF-", 5);
  size_t end = d->n;
  while (end > 0 && (d->bytes[end - 1] == '\n' || d->bytes[end - 1] == '\r')) end--;
  assert_true(end >= 5);
  assert_memory_equal(d->bytes + end - 5, "%%EOF", 5);
  assert_true(d->pages >= 1);
  assert_int_equal(d->pages, d->count);
}

static json_t *file(const char *name, const char *type, const char *sha) {
  return json_pack("{s:s, s:s, s:I, s:s}", "file_name", name, "media_type", type, "size",
                   (json_int_t)100, "sha256", sha);
}

static char *long_text(void) {
  char *s = malloc(NWORDS * 6 + 1), *p = s;
  assert_non_null(s);
  for (int i = 1; i <= NWORDS; i++) p += sprintf(p, "%sw%04d", i > 1 ? " " : "", i);
  return s;
}

/* The case, its inspection and two reports as case_document(), task_document() and
 * task_report_document() build them; files: the second report's files. */
static json_t *input_of(json_t *files) {
  char *text = long_text();
  json_t *in = json_pack(
      "{s:{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:n}, s:[{s:s, s:s}, {s:s, s:s}], s:s},"
      " s:{s:s, s:n, s:s, s:{s:s, s:s}, s:{s:s}, s:s},"
      " s:[{s:s, s:s, s:s, s:[]}, {s:s, s:s, s:s, s:o}], s:s}",
      "case", "id", "8d0c3e52-0000-4000-8000-000000000001", "claim_number", CLAIM, "damage_type",
      "water_damage", "damage_date", "2024-04-30", "status", "open", "address", "street",
      "Storgatan 1", "postal_code", "211 22", "city", "Malmö", "country", "SE", "latitude",
      "contacts", "kind", "policyholder", "name", "Åsa Öberg", "kind", "customer", "name",
      "Björn Ærø", "description", "Läckage från diskmaskinen i köket", "task", "type", "inspection",
      "trade", "status", "3", "office", "name", "Byggbolaget Syd", "company_name", "Bygg & Co AB",
      "user", "name", "Märta Inspektör", "meeting_at", "2024-05-02T08:30:00.000000Z", "reports",
      "text",
      "Skadeanmälan: vattenskada i kök. Ärende för Ørsted på Æbelø, café, Müller, € 100, "
      "“citat” – slut, emoji 😀, tab\there",
      "added_by", "inspector-1", "added_at", "2024-05-02T09:15:00.000000Z", "files", "text", text,
      "added_by", "inspector-1", "added_at", "2024-05-02T10:00:00.000000Z", "files", files,
      "generated_at", "2024-05-03T10:00:00.000000Z");
  free(text);
  assert_non_null(in);
  return in;
}

static json_t *usual_files(void) {
  return json_pack("[o, o, o]", file("kitchen.jpg", "image/jpeg", jpeg_sha),
                   file("floor.png", "image/png", png_sha),
                   file("walkthrough.mp4", "video/mp4", video_sha));
}

static void test_report(void **state) {
  (void)state;
  struct pdf d;
  json_t *in = input_of(usual_files());
  assert_int_equal(render(in, &d), CS_OK);
  assert_pdf(&d);
  assert_int_equal(d.images, 2);
  assert_true(d.pages >= 3); /* page 1 the facts, then the long text over two more */
  char last[64];
  snprintf(last, sizeof(last), "\nGenerated 2024-05-03 10:00 UTC \xb7 page %d\n", d.pages);
  assert_non_null(strstr(d.text, last));
  assert_non_null(strstr(d.text, "\nInspection report\n"));
  assert_non_null(strstr(d.text, "\n" CLAIM "\n"));
  assert_non_null(strstr(d.text, "\nwater_damage\n"));
  assert_non_null(strstr(d.text, "\n2024-04-30\n"));
  assert_non_null(strstr(d.text, "\nStorgatan 1, 211 22 Malm\xf6, SE\n"));
  assert_non_null(
      strstr(d.text, "\nBj\xf6rn \xc6r\xf8\n")); /* the customer, not the policyholder */
  assert_null(strstr(d.text, "\xc5sa"));
  assert_non_null(strstr(d.text,
                         "\nL\xe4"
                         "ckage fr\xe5n diskmaskinen i k\xf6ket\n"));
  assert_non_null(strstr(d.text, "\nM\xe4rta Inspekt\xf6r\n"));
  assert_non_null(strstr(d.text, "\nByggbolaget Syd, Bygg & Co AB\n"));
  assert_non_null(strstr(d.text, "\n2024-05-02 08:30 UTC\n"));
  assert_non_null(strstr(d.text, "\nstarted\n"));
  assert_non_null(strstr(d.text, "\nReport 1\n"));
  assert_non_null(strstr(d.text, "\nReport 2\n"));
  assert_non_null(strstr(d.text, "\ninspector-1\n"));
  assert_non_null(strstr(d.text, "\nkitchen.jpg\n")); /* captions of the embedded photos */
  assert_non_null(strstr(d.text, "\nfloor.png\n"));
  assert_non_null(strstr(d.text, "\nwalkthrough.mp4 (video/mp4)\n"));
  assert_null(strstr(d.text, "not embedded"));
  pdf_free(&d);
  json_decref(in);
}

/* UTF-8 to Windows-1252, through what the page shows. */
static void test_cp1252(void **state) {
  (void)state;
  struct pdf d;
  json_t *in = input_of(json_array());
  assert_int_equal(render(in, &d), CS_OK);
  char *text = flat(&d);
  assert_non_null(strstr(text, "Skadeanm\xe4lan: vattenskada i k\xf6k."));
  assert_non_null(strstr(text,
                         "\xc4rende f\xf6r \xd8rsted p\xe5 \xc6"
                         "bel\xf8, caf\xe9, M\xfcller"));
  assert_non_null(strstr(text,
                         "\x80 100, \x93"
                         "citat\x94 \x96 slut"));     /* €, quotes, en dash */
  assert_non_null(strstr(text, "emoji ?, tab here")); /* no such glyph: '?'; a tab: a space */
  free(text);
  pdf_free(&d);
  json_decref(in);

  /* bytes that are no UTF-8: stray, overlong, a surrogate, cut short; one '?' each */
  in = json_pack("{s:{s:o}}", "case", "description",
                 json_string_nocheck("v1\xffv2\xc0\xafv3\xed\xa0\x80v4\xe2\x82v5 \xc3\xa5"));
  assert_int_equal(render(in, &d), CS_OK);
  assert_non_null(strstr(d.text, "\nv1?v2?v3?v4?v5 \xe5\n"));
  pdf_free(&d);
  json_decref(in);
}

/* The long text: every word once, whole and in order, no line wider than the text width. */
static void test_word_wrap(void **state) {
  (void)state;
  struct pdf d;
  json_t *in = input_of(json_array());
  assert_int_equal(render(in, &d), CS_OK);
  const char *at = d.text;
  char word[8];
  for (int i = 1; i <= NWORDS; i++) {
    snprintf(word, sizeof(word), "w%04d", i);
    const char *w = strstr(at, word);
    assert_non_null(w);
    assert_true(w[-1] == ' ' || w[-1] == '\n');
    assert_true(w[5] == ' ' || w[5] == '\n');
    at = w + 5;
  }
  /* Helvetica's widths (1/1000 em): w 722, digits 556, space 278; 10 points, 495.276 wide */
  int lines = 0;
  for (const char *line = d.text; *line != '\0'; line = strchr(line, '\n') + 1) {
    size_t n = strcspn(line, "\n"), units = 0;
    if (n == 0 || strspn(line, "w0123456789 ") < n) continue;
    for (size_t i = 0; i < n; i++) units += line[i] == 'w' ? 722 : line[i] == ' ' ? 278 : 556;
    assert_true(units * 10 <= 495276);
    /* greedy: the next word (" w0000", 3224) did not fit, but on the paragraph's last line */
    if (strncmp(line + n - 5, "w1400", 5) != 0) assert_true((units + 3224) * 10 > 495276);
    lines++;
  }
  assert_true(lines > 70);
  pdf_free(&d);
  json_decref(in);
}

/* A corrupt JPEG, a cut PNG and a blob not in the store are listed; the report is made. */
static void test_bad_photos(void **state) {
  (void)state;
  struct pdf d;
  json_t *in = input_of(json_pack(
      "[o, o, o, o, o]", file("kitchen.jpg", "image/jpeg", jpeg_sha),
      file("broken.jpg", "image/jpeg", junk_sha), file("cut.png", "image/png", cut_png_sha),
      file("gone.jpg", "image/jpeg", MISSING_SHA), file("floor.png", "image/png", png_sha)));
  assert_int_equal(render(in, &d), CS_OK);
  assert_pdf(&d);
  assert_int_equal(d.images, 2);
  assert_non_null(strstr(d.text, "\nbroken.jpg (image/jpeg) (not embedded)\n"));
  assert_non_null(strstr(d.text, "\ncut.png (image/png) (not embedded)\n"));
  assert_non_null(strstr(d.text, "\ngone.jpg (image/jpeg) (not embedded)\n"));
  assert_non_null(strstr(d.text, "\nkitchen.jpg\n"));
  assert_non_null(strstr(d.text, "\nfloor.png\n"));
  pdf_free(&d);
  json_decref(in);
}

/* REPORT_PDF_MAX_PHOTOS embedded; the next one listed. */
static void test_photo_cap(void **state) {
  (void)state;
  struct pdf d;
  json_t *files = json_array();
  char name[32];
  for (int i = 1; i <= REPORT_PDF_MAX_PHOTOS + 1; i++) {
    snprintf(name, sizeof(name), "photo-%02d.jpg", i);
    json_array_append_new(files, file(name, "image/jpeg", jpeg_sha));
  }
  json_t *in = input_of(files);
  assert_int_equal(render(in, &d), CS_OK);
  assert_pdf(&d);
  assert_int_equal(d.images, REPORT_PDF_MAX_PHOTOS);
  assert_non_null(strstr(d.text, "\nphoto-40.jpg\n"));
  assert_non_null(strstr(d.text, "\nphoto-41.jpg (image/jpeg) (not embedded)\n"));
  pdf_free(&d);
  json_decref(in);
}

/* Absent and null members are left out; an empty input is still a page. */
static void test_absent_members(void **state) {
  (void)state;
  struct pdf d;
  json_t *in = json_pack("{s:n, s:n, s:n}", "case", "task", "reports");
  assert_int_equal(render(in, &d), CS_OK);
  assert_pdf(&d);
  assert_int_equal(d.pages, 1);
  assert_non_null(strstr(d.text, "\nPage 1\n")); /* no generated_at */
  json_decref(in);
  pdf_free(&d);

  in = json_pack(
      "{s:{s:s, s:n, s:{s:n}, s:[{s:s}, {s:n}], s:n}, s:{s:n, s:n, s:n}, s:[{}, {s:n, s:n},"
      " {s:[{s:s}, {s:s, s:s}, {}]}], s:n}",
      "case", "claim_number", CLAIM, "damage_type", "address", "street", "contacts", "kind",
      "customer", "name", "description", "task", "office", "user", "status", "reports", "text",
      "files", "files", "media_type", "image/jpeg", "file_name", "x.png", "media_type", "image/png",
      "generated_at");
  assert_int_equal(render(in, &d), CS_OK);
  assert_pdf(&d);
  assert_int_equal(d.images, 0);
  assert_non_null(strstr(d.text, "\n" CLAIM "\n"));
  assert_non_null(strstr(d.text, "\nfile (image/jpeg) (not embedded)\n"));
  assert_non_null(strstr(d.text, "\nx.png (image/png) (not embedded)\n"));
  assert_non_null(strstr(d.text, "\nfile (unknown type)\n"));
  json_decref(in);
  pdf_free(&d);

  assert_int_equal(render(NULL, &d), CS_OK);
  assert_pdf(&d);
  pdf_free(&d);
}

/* A writer that refuses (the upload's limit) fails the call. */
static void test_writer_refuses(void **state) {
  (void)state;
  struct pdf d;
  json_t *in = input_of(usual_files());
  assert_int_equal(render_max(in, 1000, &d), CS_ERR);
  json_decref(in);
  assert_int_equal(inspection_report_pdf(NULL, store, NULL), CS_ERR);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_report),         cmocka_unit_test(test_cp1252),
      cmocka_unit_test(test_word_wrap),      cmocka_unit_test(test_bad_photos),
      cmocka_unit_test(test_photo_cap),      cmocka_unit_test(test_absent_members),
      cmocka_unit_test(test_writer_refuses),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
