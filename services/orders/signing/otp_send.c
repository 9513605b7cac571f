/* The SMS of a one-time code (otp_send.h). */
#include "otp_send.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_client.h"
#include "ids.h"
#include "log.h"
#include "status.h"

static const struct orders_signing_config *cfg;

/* mkdir -p */
static int make_dirs(const char *path) {
  char p[PATH_MAX];
  if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p)) return -1;
  for (char *s = p + 1; *s != '\0'; s++) {
    if (*s != '/') continue;
    *s = '\0';
    if (mkdir(p, 0755) != 0 && errno != EEXIST) return -1;
    *s = '/';
  }
  return mkdir(p, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

int orders_otp_send_init(const struct orders_signing_config *c) {
  cfg = c;
  if (!strcmp(c->sms_provider, "file") && make_dirs(c->file_dir) != 0) {
    log_error("NOTIFY_FILE_DIR %s cannot be made: %s", c->file_dir, strerror(errno));
    return CS_ERR;
  }
  return CS_OK;
}

static int write_all(int fd, const char *s, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    s += w;
    n -= (size_t)w;
  }
  return 0;
}

static int send_file(const char *id, const char *doc) {
  char tmp[PATH_MAX + 64], final[PATH_MAX + 64];
  snprintf(final, sizeof(final), "%s/%s.json", cfg->file_dir, id);
  snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.tmp", cfg->file_dir, id, (long)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), rc = CS_ERR_UNAVAILABLE;
  if (fd >= 0 && write_all(fd, doc, strlen(doc)) == 0 && write_all(fd, "\n", 1) == 0 &&
      fsync(fd) == 0 && link(tmp, final) == 0)
    rc = CS_OK;
  else
    log_error("the signing code's SMS could not be written to %s: %s", cfg->file_dir,
              strerror(errno));
  if (fd >= 0) {
    close(fd);
    unlink(tmp);
  }
  return rc;
}

/* Sent once, never retried (the signer asks for a new code instead): the message id in the
 * body is all a gateway needs to show it once. */
static int send_http(const char *doc) {
  char why[256], bearer[4200];
  struct httpc_body answer = {0};
  long status = 0;
  struct httpc_options o = {.connect_timeout_ms = 5000, .timeout_ms = 15000, .max_bytes = 65536};
  if (cfg->sms_http_token != NULL) {
    snprintf(bearer, sizeof(bearer), "Bearer %s", cfg->sms_http_token);
    o.authorization = bearer;
  }
  /* one SMS per signature at most: no connection worth keeping between them */
  CURL *h = httpc_handle_new(&o);
  int rc = CS_ERR_UNAVAILABLE;
  if (h != NULL) {
    if (httpc_post_json(h, &o, cfg->sms_http_url, doc, &status, &answer, why, sizeof(why)) ==
            CS_OK &&
        status >= 200 && status < 300)
      rc = CS_OK;
    else
      log_error("the signing code's SMS was not taken: %s (status %ld)",
                status == 0 ? why : "refused", status);
    curl_easy_cleanup(h);
  }
  explicit_bzero(bearer, sizeof(bearer));
  free(answer.data);
  return rc;
}

int orders_otp_send(const char *mobile, const char *text) {
  char id[37];
  ids_uuid_v4(id);
  int file = !strcmp(cfg->sms_provider, "file");
  json_t *doc = file ? json_pack("{s:s, s:s, s:s, s:s, s:i}", "id", id, "channel", "sms", "to",
                                 mobile, "body", text, "attempt", 1)
                     : json_pack("{s:s, s:s, s:s}", "id", id, "to", mobile, "text", text);
  char *s = doc != NULL ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(doc);
  if (s == NULL) return CS_ERR_UNAVAILABLE;
  int rc = file ? send_file(id, s) : send_http(s);
  explicit_bzero(s, strlen(s));
  free(s);
  return rc;
}
