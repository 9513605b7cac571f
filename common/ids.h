/* Identifiers and instants as requests and rows spell them: UUIDs, dates, RFC 3339 timestamps.
 * Pure text checks and a random id, nothing of HTTP: the domain and the store use them too. */
#ifndef CLAIMSUITE_IDS_H
#define CLAIMSUITE_IDS_H

/* A new random UUID (v4), lower-case, into buf (37 bytes with the NUL). */
void ids_uuid_v4(char buf[37]);
/* 1 when s is a UUID in its 8-4-4-4-12 hex form (any case). NULL-safe. */
int ids_is_uuid(const char *s);
/* 1 when s is a calendar date YYYY-MM-DD (leap years checked). NULL-safe. */
int ids_is_date(const char *s);
/* 1 when s is an RFC 3339 timestamp: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM).
 * NULL-safe. */
int ids_is_timestamp(const char *s);

/* 1 when s is an email address as far as text tells: one @ with something on both sides, no
 * white space. NULL-safe. */
int ids_is_email(const char *s);

#endif
