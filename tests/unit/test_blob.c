/* The blob store (common/blob.c) on a temporary directory: a streamed upload's digest and size,
 * the limit, commit into place (the same content once), abort and a refused upload leaving
 * nothing, reads back, digests that are not digests; safe file names; types from content
 * (common/blob_type.c) against the allow-list. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "blob.h"
#include "blob_type.h"
#include "status.h"

static char dir[64];

/* The number of entries of path (without . and ..). */
static int entries(const char *path) {
  DIR *d = opendir(path);
  struct dirent *e;
  int n = 0;
  if (d == NULL) return -1;
  while ((e = readdir(d)) != NULL) n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
  closedir(d);
  return n;
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof(dir), "/tmp/blob-test-XXXXXX");
  return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  return system(cmd);
}

static void test_upload_commit_read(void **state) {
  (void)state;
  struct blob_store *s = NULL;
  struct blob_writer *w = NULL;
  char sha[BLOB_SHA256_HEX], tmp[128], buf[8];
  assert_int_equal(blob_store_open_dir(dir, &s), CS_OK);
  assert_int_equal(blob_write_begin(s, 3, &w), CS_OK);
  assert_int_equal(blob_write(w, "a", 1), CS_OK); /* streamed in pieces */
  assert_int_equal(blob_write(w, "bc", 2), CS_OK);
  assert_int_equal(blob_writer_size(w), 3);
  assert_int_equal(blob_write_finish(w, sha), CS_OK);
  assert_string_equal(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
  assert_int_equal(entries(tmp), 1); /* not in place before the commit */
  int fd;
  long long size;
  assert_int_equal(blob_open(s, sha, &fd, &size), CS_ERR_NOT_FOUND);
  assert_int_equal(blob_write_commit(w), CS_OK);
  assert_int_equal(entries(tmp), 0);
  assert_int_equal(blob_open(s, sha, &fd, &size), CS_OK);
  assert_int_equal(size, 3);
  assert_int_equal(read(fd, buf, sizeof(buf)), 3);
  assert_memory_equal(buf, "abc", 3);
  close(fd);

  /* the same content again: one blob */
  assert_int_equal(blob_write_begin(s, 10, &w), CS_OK);
  assert_int_equal(blob_write(w, "abc", 3), CS_OK);
  assert_int_equal(blob_write_finish(w, sha), CS_OK);
  assert_int_equal(blob_write_commit(w), CS_OK);
  char sub[160];
  snprintf(sub, sizeof(sub), "%s/ba/78", dir);
  assert_int_equal(entries(sub), 1);
  assert_int_equal(entries(tmp), 0);

  assert_int_equal(blob_open(s, "../../etc/passwd", &fd, &size), CS_ERR_INVALID);
  assert_int_equal(
      blob_open(s, "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", &fd, &size),
      CS_ERR_INVALID);
  blob_store_close(s);
}

static void test_limit_and_abort_leave_nothing(void **state) {
  (void)state;
  struct blob_store *s = NULL;
  struct blob_writer *w = NULL;
  char tmp[128];
  assert_int_equal(blob_store_open_dir(dir, &s), CS_OK);
  snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
  assert_int_equal(blob_write_begin(s, 10, &w), CS_OK);
  assert_int_equal(blob_write(w, "0123456789", 10), CS_OK); /* the limit itself */
  assert_int_equal(blob_write(w, "x", 1), CS_ERR_INVALID);  /* one byte past it */
  assert_int_equal(blob_writer_size(w), 10);
  blob_write_abort(w);
  assert_int_equal(entries(tmp), 0);

  /* cut off mid-way */
  assert_int_equal(blob_write_begin(s, 1 << 20, &w), CS_OK);
  char chunk[4096];
  memset(chunk, 'z', sizeof(chunk));
  for (int i = 0; i < 20; i++) assert_int_equal(blob_write(w, chunk, sizeof(chunk)), CS_OK);
  size_t n;
  blob_writer_head(w, &n);
  assert_int_equal(n, BLOB_HEAD_BYTES); /* only the head is kept in memory */
  assert_int_equal(blob_writer_size(w), 20 * 4096);
  blob_write_abort(w);
  assert_int_equal(entries(tmp), 0);
  blob_write_abort(NULL);
  blob_store_close(s);
}

static void test_safe_names(void **state) {
  (void)state;
  char out[32];
  blob_safe_name("../../etc/passwd", out, sizeof(out));
  assert_string_equal(out, "passwd");
  blob_safe_name("C:\\Users\\x\\rep\"ort.pdf", out, sizeof(out));
  assert_string_equal(out, "report.pdf");
  blob_safe_name("a\r\nb\t.jpg", out, sizeof(out));
  assert_string_equal(out, "ab.jpg");
  blob_safe_name("  spaces . . ", out, sizeof(out));
  assert_string_equal(out, "spaces");
  blob_safe_name("", out, sizeof(out));
  assert_string_equal(out, "file");
  blob_safe_name(NULL, out, sizeof(out));
  assert_string_equal(out, "file");
  blob_safe_name("dir/", out, sizeof(out));
  assert_string_equal(out, "file");
  char small[4];
  blob_safe_name("\xc3\xa5\xc3\xa4\xc3\xb6", small, sizeof(small)); /* åäö cut at 3 bytes */
  assert_string_equal(small, "\xc3\xa5");
  blob_safe_name("Skaderapport \xc3\x85rsta.pdf", out, sizeof(out));
  assert_string_equal(out, "Skaderapport \xc3\x85rsta.pdf");
}

static void test_types_from_content(void **state) {
  (void)state;
  char type[BLOB_TYPE_LEN];
  static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0,
                                      0,    13,  'I', 'H', 'D',  'R',  0,    0,    0, 1,
                                      0,    0,   0,   1,   8,    2,    0,    0,    0};
  assert_int_equal(blob_type_of(png, sizeof(png), type), CS_OK);
  assert_string_equal(type, "image/png");
  assert_true(blob_type_allowed(type));
  assert_true(blob_type_is_media(type));
  const char *pdf = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
  assert_int_equal(blob_type_of((const unsigned char *)pdf, strlen(pdf), type), CS_OK);
  assert_string_equal(type, "application/pdf");
  assert_true(blob_type_allowed(type));
  assert_false(blob_type_is_media(type));
  /* a script named report.pdf is still a script */
  const char *script = "#!/bin/sh\nrm -rf /\n";
  assert_int_equal(blob_type_of((const unsigned char *)script, strlen(script), type), CS_OK);
  assert_false(blob_type_allowed(type));
  const char *html = "<!DOCTYPE html><html><script>alert(1)</script></html>";
  assert_int_equal(blob_type_of((const unsigned char *)html, strlen(html), type), CS_OK);
  assert_false(blob_type_allowed(type));
  assert_false(blob_type_allowed("application/x-executable"));
  assert_false(blob_type_allowed(NULL));
  assert_true(
      blob_type_allowed("application/vnd.openxmlformats-officedocument.wordprocessingml.document"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_upload_commit_read),
      cmocka_unit_test(test_limit_and_abort_leave_nothing),
      cmocka_unit_test(test_safe_names),
      cmocka_unit_test(test_types_from_content),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
