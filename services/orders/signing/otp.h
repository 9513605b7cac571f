/* The one-time code of a signature by SMS (method sms_otp), pure: six digits, every value
 * equally likely (getrandom, rejection sampling), stored only as the SHA-256 of the signature's
 * id and the code (a code is good for its own signature alone, and a copy of the table holds
 * no code), valid ORDERS_OTP_TTL_S, ORDERS_OTP_TRIES wrong tries before it is burnt. */
#ifndef CLAIMSUITE_ORDERS_OTP_H
#define CLAIMSUITE_ORDERS_OTP_H

#include <stddef.h>

#define ORDERS_OTP_DIGITS 6
#define ORDERS_OTP_TTL_S 300 /* 5 minutes */
#define ORDERS_OTP_TRIES 5
#define ORDERS_OTP_HASH_LEN 64 /* SHA-256 as lower-case hex */

/* The code's value for a random 32-bit r: 0..999999, or -1 when r lies in the top slice that
 * would make the small codes more likely (draw again). */
long orders_otp_from(unsigned long r);
/* A new code into out. CS_OK or CS_ERR (no randomness). */
int orders_otp_new(char out[ORDERS_OTP_DIGITS + 1]);
/* 1 when code is exactly ORDERS_OTP_DIGITS digits. NULL-safe. */
int orders_otp_well_formed(const char *code);
/* The stored form of code for signature_id into out. CS_OK or CS_ERR. */
int orders_otp_hash(const char *signature_id, const char *code, char out[ORDERS_OTP_HASH_LEN + 1]);
/* 1 when the hex digests a and b are equal, in a time that does not depend on where they
 * differ. NULL-safe (NULL equals nothing). */
int orders_otp_same(const char *a, const char *b);
/* A mobile number as an answer shows it: its first three and last two characters
 * ("+46 *** ** 67"); "***" for one too short to mask. */
void orders_otp_mask(const char *mobile, char *out, size_t len);

#endif
