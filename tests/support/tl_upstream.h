/* Test helpers for the gateway tests: a tiny HTTP/1.1 upstream that records what it receives and
 * answers as the path asks, and starting/stopping a child process with a given environment. */
#ifndef CLAIMSUITE_TL_UPSTREAM_H
#define CLAIMSUITE_TL_UPSTREAM_H

#include <stddef.h>
#include <sys/types.h>

/* The upstream answers (keep-alive, Content-Length framed; one thread per connection):
 *   /healthz                  200 {"status":"ok"}
 *   .../slow/<ms>...          waits <ms> milliseconds, then answers like the default
 *   .../status/<NNN>...       answers status NNN with the default body (none for 204/304)
 *   .../binary...             200 application/octet-stream, 256 bytes 0x00..0xff
 *   .../cookies...            200 with two Set-Cookie headers (a=1, b=2)
 *   .../big/<n>...            200 text/plain, n bytes 'z'
 *   anything else             200 application/json {"upstream":name,"method","target",
 *                             "request_id","body_len"}
 * and, changing how that answer travels:
 *   .../chunked-answer...     Transfer-Encoding: chunked, in pieces written 20 ms apart (a chunk
 *                             extension, hex sizes in both cases, a trailer)
 *   .../http10-answer...      HTTP/1.0 without Content-Length, the body ends when the upstream
 *                             closes the connection
 *   .../bad-length...         two different Content-Length headers, then close
 *   .../close-after/<ms>...   answers, then closes the kept-alive connection <ms> later
 *   .../drop-reused...        on a connection that has answered before: recorded, not answered,
 *                             the connection closed (a request lost to an idle-timeout race); on
 *                             a new connection answered like the default
 * Every answer carries X-Upstream: <name>, the Content-Length framed ones X-Custom-Reply: yes,
 * "kept"; it never sends Date. */
struct tl_upstream;

/* Listens on 127.0.0.1, a free port. *out is new (tl_upstream_stop frees it). 0 on success. */
int tl_upstream_start(const char *name, struct tl_upstream **out);
int tl_upstream_port(const struct tl_upstream *u);
/* Closes the listener and every connection, waits for its threads, frees u. NULL-safe. */
void tl_upstream_stop(struct tl_upstream *u);

/* One request as received (the request line, the raw header block, the body bytes). */
struct tl_seen {
  char method[16];
  char target[2048];  /* path and query exactly as sent */
  char *headers;      /* "Name: value\r\n" lines as received, NUL-terminated */
  char *body;         /* body bytes (may contain NUL), NUL-terminated copy */
  size_t body_len;
  int connection_id;  /* which TCP connection (1, 2, ...) carried it */
};

/* The latest request whose target contains needle (GET /healthz checks included). 0 when
 * found; out's strings are new (tl_seen_free). */
int tl_upstream_find(struct tl_upstream *u, const char *needle, struct tl_seen *out);
/* How many requests whose target contains needle have been received. */
int tl_upstream_count(struct tl_upstream *u, const char *needle);
/* How many TCP connections have been accepted so far. */
int tl_upstream_connections(struct tl_upstream *u);
void tl_seen_free(struct tl_seen *s);
/* The value of the first header name (case-insensitive) of s, new string or NULL. */
char *tl_seen_header(const struct tl_seen *s, const char *name);
/* How many header lines of s are named name (case-insensitive). */
int tl_seen_header_count(const struct tl_seen *s, const char *name);

/* A TCP port on 127.0.0.1 nobody listens on right now. */
int tl_free_port(void);

/* Starts bin with exactly the environment env (NULL-terminated "NAME=value" strings), its
 * stdout and stderr appended to log_path. Returns the pid, or -1. */
pid_t tl_process_start(const char *bin, const char *const *env, const char *log_path);
/* SIGTERM, waits up to timeout_ms, then SIGKILL. Returns the exit status as waitpid gives it
 * (use WIFEXITED/WEXITSTATUS), or -1. */
int tl_process_stop(pid_t pid, long timeout_ms);
/* 1 when the process has exited already (reaped; *status set when not NULL). */
int tl_process_exited(pid_t pid, int *status);

#endif
