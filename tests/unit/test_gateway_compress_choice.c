/* Which answers the gateway compresses, and how: Accept-Encoding with its q-values, and the
 * content types that are compressed already. */
#include "../../gateway/compress_choice.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void test_encoding(void **state) {
  (void)state;
  static const struct {
    const char *accept;
    enum gw_encoding want;
  } cases[] = {
      {NULL, GW_ENC_IDENTITY},
      {"", GW_ENC_IDENTITY},
      {"identity", GW_ENC_IDENTITY},
      {"gzip", GW_ENC_GZIP},
      {"x-gzip", GW_ENC_GZIP},
      {"br", GW_ENC_BR},
      {"gzip, deflate, br", GW_ENC_BR},
      {"gzip, br", GW_ENC_BR},
      {"GZIP;q=1.0, BR;q=1.0", GW_ENC_BR},
      {"gzip;q=1, br;q=0.5", GW_ENC_GZIP},
      {"gzip;q=0.2, br;q=0.8", GW_ENC_BR},
      {"br;q=0, gzip", GW_ENC_GZIP},
      {"br;q=0, gzip;q=0", GW_ENC_IDENTITY},
      {"*", GW_ENC_BR},
      {"*;q=0.5, br;q=0", GW_ENC_GZIP},
      {"gzip;q=0.5, *;q=0.1", GW_ENC_GZIP},
      {"deflate", GW_ENC_IDENTITY},
      {"gzip;q=abc", GW_ENC_IDENTITY},
      {"gzip;q=2", GW_ENC_IDENTITY},
      {" gzip ; q=0.7 ,br;q=0.6", GW_ENC_GZIP},
      {"brotli, gzipped", GW_ENC_IDENTITY},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    if (gw_encoding_choose(cases[i].accept) != cases[i].want) {
      fail_msg("'%s': got %s, want %s", cases[i].accept ? cases[i].accept : "(none)",
               gw_encoding_name(gw_encoding_choose(cases[i].accept)),
               gw_encoding_name(cases[i].want));
    }
  }
}

static void test_content_types(void **state) {
  (void)state;
  static const char *const yes[] = {"application/json",
                                    "application/problem+json",
                                    "application/json; charset=utf-8",
                                    "text/html;charset=utf-8",
                                    "application/yaml",
                                    "text/css",
                                    "application/javascript",
                                    "image/svg+xml",
                                    "font/ttf"};
  static const char *const no[] = {"image/png",
                                   "IMAGE/JPEG",
                                   "image/webp",
                                   "video/mp4",
                                   "audio/mpeg",
                                   "font/woff2",
                                   "application/zip",
                                   "application/pdf",
                                   "application/gzip",
                                   "application/octet-stream",
                                   "",
                                   NULL};
  for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
    if (!gw_content_type_compressible(yes[i])) fail_msg("%s should be compressed", yes[i]);
  }
  for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
    if (gw_content_type_compressible(no[i])) fail_msg("%s should not be compressed", no[i]);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_encoding),
      cmocka_unit_test(test_content_types),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
