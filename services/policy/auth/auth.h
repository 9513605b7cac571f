/* Tokens: POST /v1/auth/token (OAuth2 password and client_credentials grants) and GET /v1/me. */
#ifndef CLAIMSUITE_POLICY_AUTH_H
#define CLAIMSUITE_POLICY_AUTH_H

struct service;

/* Registers the routes on svc. Call after policy_jwks_init (tokens are signed with its key).
 * token_ttl_s: TOKEN_TTL_SECONDS (60..86400); proxies: AUTH_TRUSTED_PROXIES (borrowed,
 * NULL or "" for none), IPv4 addresses or a.b.c.d/n networks separated by commas or spaces; a
 * malformed list ends the process with 2 after saying why. Both read once by main.c. */
void policy_auth_routes(struct service *svc, long token_ttl_s, const char *proxies);

#endif
