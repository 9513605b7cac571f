/* An email as SMTP carries it (RFC 5322): headers, then the body. Pure: unit-tested. */
#ifndef CLAIMSUITE_CUSTOMER_MAIL_H
#define CLAIMSUITE_CUSTOMER_MAIL_H

#include <time.h>

/* The whole message, lines ending in CRLF: From, To, Subject (RFC 2047 encoded-words when it is
 * not plain printable ASCII, folded), Date (of now), Message-ID <id@domain of from> (the dedupe
 * id: the message id of the queue), MIME-Version, Content-Type text/plain UTF-8, and the body
 * base64 encoded (any UTF-8, any line length, no dot-stuffing worries). Strings borrowed; from,
 * to and subject must hold no control characters (notify.c checks). A new string (free()), or
 * NULL when out of memory. */
char *notify_mail_format(const char *from, const char *to, const char *subject, const char *body,
                         const char *id, time_t now);

/* subject as an unstructured header value: itself when it is printable ASCII without "=?" and
 * short enough, else RFC 2047 B encoded-words of UTF-8 (each at most 75 characters, never a
 * character split between two), joined by CRLF SP (folding). A new string, or NULL. */
char *notify_mail_subject(const char *subject);

#endif
