/* claimsuite-keygen OUT_FILE: writes a new ES256 private signing JWK for the policy service
 * ({kty EC, crv P-256, x, y, d, kid (random UUID), alg ES256, use sig}) to OUT_FILE, mode 0600.
 * An existing OUT_FILE is kept untouched (exit 0), so reruns keep the key. The file appears
 * complete or not at all: the key is written to a temporary file in the same directory, then
 * hard-linked to OUT_FILE (link fails if OUT_FILE exists). Exit 2 with a message on error. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jwt.h"
#include "status.h"

static int write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *out_path;
  char *tmp_path = NULL, *text = NULL;
  json_t *jwk = NULL;
  int fd = -1, code = 2, linked;
  struct stat st;

  if (argc != 2 || argv[1][0] == '\0') {
    fprintf(stderr,
            "usage: claimsuite-keygen OUT_FILE\n"
            "writes a new ES256 private JWK (mode 0600); an existing file is kept\n");
    return 2;
  }
  out_path = argv[1];
  if (lstat(out_path, &st) == 0) {
    fprintf(stderr, "claimsuite-keygen: %s exists, keeping it\n", out_path);
    return 0;
  }

  if (jwt_generate_es256(NULL, &jwk) != CS_OK) {
    fprintf(stderr, "claimsuite-keygen: generating the key failed\n");
    goto done;
  }
  text = json_dumps(jwk, JSON_INDENT(2) | JSON_SORT_KEYS);
  tmp_path = malloc(strlen(out_path) + sizeof(".XXXXXX"));
  if (text == NULL || tmp_path == NULL) {
    free(tmp_path);
    tmp_path = NULL;
    fprintf(stderr, "claimsuite-keygen: out of memory\n");
    goto done;
  }
  strcpy(tmp_path, out_path);
  strcat(tmp_path, ".XXXXXX");
  fd = mkstemp(tmp_path); /* O_EXCL, mode 0600 */
  if (fd < 0) {
    fprintf(stderr, "claimsuite-keygen: cannot create a file next to %s: %s\n", out_path,
            strerror(errno));
    free(tmp_path);
    tmp_path = NULL;
    goto done;
  }
  if (fchmod(fd, 0600) != 0 || write_all(fd, text, strlen(text)) != 0 ||
      write_all(fd, "\n", 1) != 0 || fsync(fd) != 0) {
    fprintf(stderr, "claimsuite-keygen: writing %s failed: %s\n", tmp_path, strerror(errno));
    goto done;
  }
  if (close(fd) != 0) {
    fd = -1;
    fprintf(stderr, "claimsuite-keygen: writing %s failed: %s\n", tmp_path, strerror(errno));
    goto done;
  }
  fd = -1;
  linked = link(tmp_path, out_path);
  if (linked != 0 && errno == EEXIST) {
    fprintf(stderr, "claimsuite-keygen: %s exists, keeping it\n", out_path);
    code = 0;
    goto done;
  }
  if (linked != 0) {
    fprintf(stderr, "claimsuite-keygen: cannot create %s: %s\n", out_path, strerror(errno));
    goto done;
  }
  printf("claimsuite-keygen: wrote ES256 key %s to %s\n",
         json_string_value(json_object_get(jwk, "kid")), out_path);
  code = 0;
done:
  if (fd >= 0) close(fd);
  if (tmp_path != NULL) {
    unlink(tmp_path);
    free(tmp_path);
  }
  if (text != NULL) {
    explicit_bzero(text, strlen(text));
    free(text);
  }
  json_decref(jwk);
  return code;
}
