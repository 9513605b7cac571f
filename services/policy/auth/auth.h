/* Tokens: POST /v1/auth/token (OAuth2 password and client_credentials grants) and GET /v1/me. */
#ifndef CLAIMSUITE_POLICY_AUTH_H
#define CLAIMSUITE_POLICY_AUTH_H

struct service;

/* Registers the routes on svc. Call after policy_jwks_init (tokens are signed with its key). */
void policy_auth_routes(struct service *svc);

#endif
