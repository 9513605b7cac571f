/* Status codes shared by every module of common/: 0 is success, negatives are errors. */
#ifndef CLAIMSUITE_STATUS_H
#define CLAIMSUITE_STATUS_H

enum cs_status {
  CS_OK = 0,
  CS_ERR = -1,            /* unexpected failure, logged where it happened */
  CS_ERR_NOMEM = -2,
  CS_ERR_INVALID = -3,    /* bad input; a problem response has been written */
  CS_ERR_TIMEOUT = -4,
  CS_ERR_DB = -5,
  CS_ERR_NOT_FOUND = -6,
  CS_ERR_CONFLICT = -7,
  CS_ERR_UNAVAILABLE = -8, /* a dependency (database, Redis, upstream) is not reachable */
  CS_REFUSED = -9          /* a domain call refused the request: its struct cs_refusal says why */
};

#endif
