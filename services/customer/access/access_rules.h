/* The pure rules of the customer's access (unit-tested): which contacts of a case a setting
 * chooses, how a phone number is written for an SMS, how a recipient is shown masked, the SMS
 * code and how often one may be sent. No SQL, no HTTP. */
#ifndef CLAIMSUITE_CUSTOMER_ACCESS_RULES_H
#define CLAIMSUITE_CUSTOMER_ACCESS_RULES_H

#include <jansson.h>
#include <stddef.h>

#define CUSTOMER_ACCESS_CODE_DIGITS 6
#define CUSTOMER_ACCESS_CODE_TTL_S 300    /* a code expires 5 minutes after it was sent */
#define CUSTOMER_ACCESS_CODE_TRIES 5      /* wrong tries before a code is burnt */
#define CUSTOMER_ACCESS_CODE_SPACING_S 30 /* at most one code per grant in this many seconds */
#define CUSTOMER_ACCESS_CODES_PER_HOUR 10
#define CUSTOMER_ACCESS_SESSION_TTL_S (8 * 3600)

/* 1 when contact (a case's contact {kind, name, phone, email}, borrowed) is one the settings'
 * access value chooses: policyholder (kinds policyholder and customer), contact_person (kind
 * contact), both (the two), all_contacts (every contact). */
int customer_access_contact_chosen(const json_t *contact, const char *access);

/* The contacts of contacts (case.contacts, borrowed) that access chooses, that have a usable
 * phone or email, and that no live grant reaches yet (live: array of {email, phone} of the
 * case's live grants, borrowed): a new array of {index, kind, name, email, phone} (phone
 * written as customer_access_phone does; an unusable one null). NULL when out of memory. */
json_t *customer_access_contacts_to_grant(const json_t *contacts, const char *access,
                                          const json_t *live);

/* phone written for an SMS into out: separators (space, -, ., (, )) dropped, a leading 00
 * becomes +; CS_OK when the result is an optional + and 6..15 digits, else CS_ERR_INVALID. */
int customer_access_phone(const char *phone, char *out, size_t len);

/* A recipient as a login answer names it: "+46 *** ** 67" for a phone (its first three and
 * last two characters), "a***@example.se" for an email. */
void customer_access_mask(const char *channel, const char *recipient, char *out, size_t len);

/* A new code of CUSTOMER_ACCESS_CODE_DIGITS digits, every value equally likely (getrandom,
 * rejection sampling). CS_OK or CS_ERR. */
int customer_access_code_new(char out[CUSTOMER_ACCESS_CODE_DIGITS + 1]);
/* The code's digits as a number for a random 32-bit value r: 0..999999, or -1 when r is in the
 * top slice that would make small codes more likely (draw again). */
long customer_access_code_from(unsigned long r);

/* Seconds before another code may be sent for a grant (0: now) when its newest code was sent
 * since_last seconds ago (-1: never) and can still be used (last_live), and last_hour codes
 * were sent in the last hour. */
long customer_access_code_wait(long since_last, int last_live, long last_hour);

#endif
