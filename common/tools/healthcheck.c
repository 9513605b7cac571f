/* claimsuite-healthcheck PORT [PATH]: exit 0 when GET http://127.0.0.1:PORT/PATH (default
 * /healthz) answers 2xx within 2 s, 1 otherwise (a line on stderr says why). The containers'
 * health checks run this, so the image needs no curl or shell tool for them. Plain sockets:
 * it must work even when a library of the services is what broke. */
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUDGET_MS 2000

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until deadline; 1 when ready, 0 on timeout or error. */
static int wait_for(int fd, short events, long long deadline) {
  for (;;) {
    long long left = deadline - now_ms();
    if (left <= 0) return 0;
    struct pollfd p = {.fd = fd, .events = events};
    int n = poll(&p, 1, (int)left);
    if (n > 0) return 1;
    if (n < 0 && errno != EINTR) return 0;
  }
}

static int fail(const char *what) {
  fprintf(stderr, "claimsuite-healthcheck: %s\n", what);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: claimsuite-healthcheck PORT [PATH]   (PATH default /healthz)\n");
    return 64;
  }
  char *end;
  long port = strtol(argv[1], &end, 10);
  const char *path = argc == 3 ? argv[2] : "/healthz";
  if (*argv[1] == '\0' || *end != '\0' || port < 1 || port > 65535) return fail("bad PORT");
  if (path[0] != '/' || strpbrk(path, " \r\n") != NULL) return fail("bad PATH");

  long long deadline = now_ms() + BUDGET_MS;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("no socket");
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 && errno != EINPROGRESS)
    return fail("connection refused");
  int err = 0;
  socklen_t len = sizeof(err);
  if (!wait_for(fd, POLLOUT, deadline) || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 ||
      err != 0)
    return fail("could not connect");

  char req[512];
  int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
  if (n < 0 || (size_t)n >= sizeof(req)) return fail("PATH too long");
  for (int sent = 0; sent < n;) {
    if (!wait_for(fd, POLLOUT, deadline)) return fail("timed out sending");
    ssize_t w = send(fd, req + sent, (size_t)(n - sent), MSG_NOSIGNAL);
    if (w < 0 && errno != EAGAIN && errno != EINTR) return fail("send failed");
    if (w > 0) sent += (int)w;
  }

  /* the status line is all that is read: "HTTP/1.x 2xx" */
  char head[16];
  size_t got = 0;
  while (got < 12) {
    if (!wait_for(fd, POLLIN, deadline)) return fail("timed out waiting for the answer");
    ssize_t r = recv(fd, head + got, sizeof(head) - 1 - got, 0);
    if (r == 0) break;
    if (r < 0 && errno != EAGAIN && errno != EINTR) return fail("recv failed");
    if (r > 0) got += (size_t)r;
  }
  close(fd);
  head[got] = '\0';
  if (got < 12 || strncmp(head, "HTTP/1.", 7) != 0) return fail("not an HTTP answer");
  if (head[9] != '2') {
    fprintf(stderr, "claimsuite-healthcheck: %s answered %.3s\n", path, head + 9);
    return 1;
  }
  return 0;
}
