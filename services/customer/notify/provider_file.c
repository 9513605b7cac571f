/* The file provider (EMAIL_PROVIDER=file, SMS_PROVIDER=file, the default for `make run` and the
 * tests): each message becomes one JSON file, <NOTIFY_FILE_DIR>/<message id>.json, holding
 * {id, channel, to, subject, body, attempt}. The id is the file's name and the file appears
 * whole (written aside, then linked into place), so a send repeated after a crash finds it
 * there and leaves it: one file per message, whatever the retries. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "provider.h"
#include "status.h"

struct file_state {
  char dir[PATH_MAX];
};

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

static enum notify_outcome file_send(struct notify_provider *p, const struct notify_message *m,
                                     char *err, size_t errlen) {
  const struct file_state *st = p->state;
  char tmp[PATH_MAX + 64], final[PATH_MAX + 64];
  enum notify_outcome out = NOTIFY_RETRY;
  int fd = -1;
  json_t *doc =
      json_pack("{s:s, s:s, s:s, s:s?, s:s, s:i}", "id", m->id, "channel", m->channel, "to",
                m->recipient, "subject", m->subject, "body", m->body, "attempt", m->attempt);
  char *text = doc != NULL ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  if (text == NULL) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  snprintf(final, sizeof(final), "%s/%s.json", st->dir, m->id);
  snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.tmp", st->dir, m->id, (long)getpid());
  fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || write_all(fd, text, strlen(text)) != 0 || write_all(fd, "\n", 1) != 0 ||
      fsync(fd) != 0) {
    snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
    goto done;
  }
  /* link, not rename: an earlier attempt's file is the delivery, kept as it is */
  if (link(tmp, final) == 0 || errno == EEXIST) {
    out = NOTIFY_SENT;
  } else {
    snprintf(err, errlen, "cannot link %s: %s", final, strerror(errno));
  }
done:
  if (fd >= 0) {
    close(fd);
    unlink(tmp);
  }
  free(text);
  json_decref(doc);
  return out;
}

static void file_free(struct notify_provider *p) {
  free(p->state);
  free(p);
}

int notify_provider_file_new(const struct customer_notify_config *c, struct notify_provider **out) {
  struct notify_provider *p = calloc(1, sizeof(*p));
  struct file_state *st = calloc(1, sizeof(*st));
  *out = NULL;
  if (p == NULL || st == NULL ||
      snprintf(st->dir, sizeof(st->dir), "%s", c->file_dir) >= (int)sizeof(st->dir)) {
    free(p);
    free(st);
    return CS_ERR;
  }
  if (make_dirs(st->dir) != 0) {
    log_error("NOTIFY_FILE_DIR %s cannot be made: %s", st->dir, strerror(errno));
    free(p);
    free(st);
    return CS_ERR;
  }
  p->name = "file";
  p->send = file_send;
  p->free = file_free;
  p->state = st;
  *out = p;
  return CS_OK;
}
