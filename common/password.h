/* Password and secret hashing with argon2id (encoded form, salt and parameters included). Used
 * by the policy service (users, API clients) and the customer page logins. */
#ifndef CLAIMSUITE_PASSWORD_H
#define CLAIMSUITE_PASSWORD_H

#include <stddef.h>

/* OWASP's argon2id minimum: 19 MiB, 2 passes, 1 lane. */
#define PASSWORD_T_COST 2
#define PASSWORD_M_COST_KIB 19456
#define PASSWORD_PARALLELISM 1

/* *encoded is a new string ("$argon2id$v=19$m=...$salt$hash"), free() it. */
int password_hash(const char *password, char **encoded);

/* 1 when password matches encoded, 0 otherwise (also for a malformed encoded value). */
int password_verify(const char *encoded, const char *password);

/* Spends the time of one verification and returns 0: answers for unknown users take as long as
 * for known ones, so timing does not tell which accounts exist. */
int password_verify_nobody(const char *password);

#endif
