/* Standard Webhooks (standardwebhooks.com) secrets and signatures, pure (unit-tested): a secret
 * is "whsec_" + base64 of 32 random bytes; a signature is "v1," + base64 of HMAC-SHA256 with the
 * secret's decoded bytes over "<webhook-id>.<webhook-timestamp>.<body>". */
#ifndef CLAIMSUITE_CUSTOMER_WEBHOOK_SIGN_H
#define CLAIMSUITE_CUSTOMER_WEBHOOK_SIGN_H

#include <stddef.h>

#define WEBHOOK_SECRET_PREFIX "whsec_"
/* "whsec_" + 44 base64 characters + NUL */
#define WEBHOOK_SECRET_SIZE 51
/* "v1," + 44 base64 characters + NUL */
#define WEBHOOK_SIGNATURE_SIZE 48

/* A new secret into out. CS_OK, or CS_ERR when no random bytes could be had. */
int webhook_secret_new(char out[WEBHOOK_SECRET_SIZE]);

/* The signature of one delivery with secret ("whsec_..."): "v1,<base64>" into out.
 * CS_OK; CS_ERR_INVALID for a secret that is not "whsec_" + base64. */
int webhook_sign(const char *secret, const char *msg_id, long long timestamp, const char *body,
                 size_t body_len, char out[WEBHOOK_SIGNATURE_SIZE]);

#endif
