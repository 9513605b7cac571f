/* POST /v1/auth/token (OAuth2 token endpoint, RFC 6749: password and client_credentials grants,
 * form body) and GET /v1/me. Decodes the request, runs the grant (auth.c), maps the outcome to
 * HTTP. Errors are problem+json with the OAuth2 code as an extra "error" member.
 * Never logs a password, secret or token. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <orcania.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "auth.h"
#include "auth_internal.h"
#include "http.h"
#include "log.h"
#include "password.h"
#include "refusal.h"
#include "service.h"
#include "status.h"

#define FORM_MEDIA_TYPE "application/x-www-form-urlencoded"

/* Longest accepted values (bytes): far above anything real, small enough to bound the work. */
#define MAX_USERNAME 320
#define MAX_PASSWORD 1024
#define MAX_CLIENT_ID 255
#define MAX_CLIENT_SECRET 1024
#define MAX_PORTAL 64

#define MAX_TRUSTED_PROXIES 16

/* Peers whose X-Forwarded-For is believed (the gateway): read once at start, read-only after. */
static struct {
  size_t n;
  struct {
    uint32_t net, mask; /* host byte order */
  } nets[MAX_TRUSTED_PROXIES];
} trusted_proxies;

/* ---- responses ------------------------------------------------------------------------- */

/* An RFC 9457 problem (same shape as http_problem_full) with the OAuth2 error code as "error"
 * and "error_description" (RFC 6749 5.2). errors (array of {field,message}) is borrowed, may be
 * NULL. */
static void oauth_problem(struct _u_response *resp, enum problem_kind kind, const char *detail,
                          const char *error, json_t *errors) {
  json_t *extra =
      error != NULL ? json_pack("{s:s, s:s}", "error", error, "error_description", detail) : NULL;
  http_problem_full(resp, kind, detail, errors != NULL ? json_incref(errors) : NULL, extra);
  json_decref(extra);
}

static void invalid_request(struct _u_response *resp, const char *detail, json_t *errors) {
  oauth_problem(resp, PROBLEM_INVALID_TOKEN_REQUEST, detail, "invalid_request", errors);
}

/* ---- request decoding ------------------------------------------------------------------ */

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes one form component ('+' is a space, %XX a byte) into a JSON string (which also
 * proves it UTF-8). *out is a new reference. CS_ERR_INVALID for a bad escape, a NUL byte or
 * text that is not UTF-8. */
static int form_decode(const char *s, size_t n, json_t **out) {
  char *buf = malloc(n + 1);
  size_t len = 0;
  int rc = CS_ERR_INVALID;

  *out = NULL;
  if (buf == NULL) return CS_ERR_NOMEM;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '+') {
      buf[len++] = ' ';
    } else if (s[i] == '%') {
      int hi = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
      int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
      if (hi < 0 || lo < 0) goto done;
      buf[len++] = (char)(hi * 16 + lo);
      i += 2;
    } else {
      buf[len++] = s[i];
    }
  }
  if (memchr(buf, '\0', len) != NULL) goto done;
  *out = json_stringn(buf, len); /* NULL when not UTF-8 */
  rc = *out != NULL ? CS_OK : CS_ERR_INVALID;
done:
  free(buf);
  return rc;
}

/* Parses an application/x-www-form-urlencoded body into {name: value}. Parameters without a value
 * are treated as omitted (RFC 6749 3.1); a repeated one is an error (3.2). *form is a new
 * reference. On CS_ERR_INVALID, *why (static or in why_buf) says what is wrong. */
static int form_parse(const char *body, size_t len, json_t **form, const char **why, char *why_buf,
                      size_t why_len) {
  json_t *f = json_object(), *name = NULL, *value = NULL;
  size_t i = 0;
  int rc = CS_OK;

  *form = NULL;
  *why = NULL;
  if (f == NULL) return CS_ERR_NOMEM;
  while (i < len) {
    const char *pair = body + i;
    const char *amp = memchr(pair, '&', len - i);
    size_t plen = amp != NULL ? (size_t)(amp - pair) : len - i;
    const char *eq = memchr(pair, '=', plen);
    size_t nlen = eq != NULL ? (size_t)(eq - pair) : plen;

    i += plen + 1;
    if (plen == 0) continue;
    if ((rc = form_decode(pair, nlen, &name)) != CS_OK ||
        (rc = form_decode(eq != NULL ? eq + 1 : pair + plen, eq != NULL ? plen - nlen - 1 : 0,
                          &value)) != CS_OK) {
      *why = "the form body is malformed (a bad %-escape, a NUL byte or text that is not UTF-8)";
      goto done;
    }
    const char *key = json_string_value(name);
    if (key[0] != '\0' && json_string_length(value) > 0) {
      if (json_object_get(f, key) != NULL) {
        snprintf(why_buf, why_len, "the parameter %.40s is repeated", key);
        *why = why_buf;
        rc = CS_ERR_INVALID;
        goto done;
      }
      if (json_object_set(f, key, value) != 0) {
        rc = CS_ERR_NOMEM;
        goto done;
      }
    }
    json_decref(name);
    json_decref(value);
    name = value = NULL;
  }
  *form = f;
  f = NULL;
done:
  json_decref(name);
  json_decref(value);
  json_decref(f);
  return rc;
}

static int is_form_media_type(const char *ct) {
  if (ct == NULL) return 0;
  while (*ct == ' ' || *ct == '\t') ct++;
  size_t n = strcspn(ct, "; \t");
  return n == strlen(FORM_MEDIA_TYPE) && strncasecmp(ct, FORM_MEDIA_TYPE, n) == 0;
}

/* Client credentials from "Authorization: Basic base64(urlenc(id):urlenc(secret))" (RFC 6749
 * 2.3.1). Returns 0 when the header is absent or another scheme, 1 with *id and *secret (new
 * references) when present and well-formed, -1 when it is Basic but malformed. */
static int basic_credentials(const struct _u_request *req, json_t **id, json_t **secret) {
  const char *h = http_header(req, "Authorization");
  unsigned char *raw = NULL;
  size_t raw_len = 0, n;
  int result = -1;

  *id = *secret = NULL;
  if (h == NULL) return 0;
  while (*h == ' ') h++;
  if (strncasecmp(h, "Basic", 5) != 0 || (h[5] != ' ' && h[5] != '\0')) return 0;
  h += 5;
  while (*h == ' ') h++;
  n = strcspn(h, " \t");
  if (n == 0 || h[n + strspn(h + n, " \t")] != '\0') return -1;
  if (!o_base64_decode((const unsigned char *)h, n, NULL, &raw_len)) return -1;
  if ((raw = malloc(raw_len + 1)) == NULL) return -1;
  if (!o_base64_decode((const unsigned char *)h, n, raw, &raw_len)) goto done;
  const unsigned char *colon = memchr(raw, ':', raw_len);
  if (colon == NULL) goto done;
  size_t id_len = (size_t)(colon - raw);
  if (form_decode((const char *)raw, id_len, id) != CS_OK ||
      form_decode((const char *)colon + 1, raw_len - id_len - 1, secret) != CS_OK)
    goto done;
  result = 1;
done:
  if (result != 1) {
    json_decref(*id);
    json_decref(*secret);
    *id = *secret = NULL;
  }
  free(raw);
  return result;
}

static int trusted_peer(uint32_t addr) {
  for (size_t i = 0; i < trusted_proxies.n; i++)
    if ((addr & trusted_proxies.nets[i].mask) == trusted_proxies.nets[i].net) return 1;
  return 0;
}

/* The caller's IPv4 address (dotted, in buf) for throttling, or NULL when unknown. A trusted
 * proxy's peer address is replaced by the last X-Forwarded-For entry, the one the proxy added. */
static const char *client_ip(const struct _u_request *req, char *buf, size_t len) {
  /* ulfius keeps sizeof(struct sockaddr) bytes of the peer address: whole for IPv4 only. */
  const struct sockaddr *sa = req->client_address;
  struct in_addr peer, fwd;
  if (sa == NULL || sa->sa_family != AF_INET) return NULL;
  peer = ((const struct sockaddr_in *)(const void *)sa)->sin_addr;
  const char *xff = http_header(req, "X-Forwarded-For");
  if (xff != NULL && trusted_peer(ntohl(peer.s_addr))) {
    const char *last = strrchr(xff, ',');
    char entry[INET_ADDRSTRLEN + 8];
    last = last != NULL ? last + 1 : xff;
    while (*last == ' ' || *last == '\t') last++;
    size_t n = strcspn(last, " \t");
    if (n < sizeof(entry)) {
      memcpy(entry, last, n);
      entry[n] = '\0';
      if (inet_pton(AF_INET, entry, &fwd) == 1) peer = fwd;
    }
  }
  return inet_ntop(AF_INET, &peer, buf, (socklen_t)len);
}

/* A form value, or NULL when omitted. Borrowed from form. */
static const char *param(const json_t *form, const char *name) {
  return json_string_value(json_object_get(form, name));
}

/* Adds {field, "is required"} to bad when value is NULL, {field, "is too long"} when longer
 * than max. */
static void check_param(struct cs_refusal *bad, const char *field, const char *value, size_t max) {
  if (value == NULL)
    cs_refusal_field(bad, field, FIELD_REQUIRED, "is required");
  else if (strlen(value) > max)
    cs_refusal_field(bad, field, FIELD_TOO_LONG, "is too long");
}

/* ---- POST /v1/auth/token --------------------------------------------------------------- */

static void answer_token(struct _u_response *resp, const char *token) {
  http_json(resp, 200,
            json_pack("{s:s, s:s, s:I}", "access_token", token, "token_type", "Bearer",
                      "expires_in", (json_int_t)policy_auth_token_ttl()));
}

/* Maps a grant outcome other than success to its answer. */
static void answer_failure(struct _u_response *resp, int rc, int basic_used, long retry_after,
                           int is_user) {
  struct cs_refusal bad = {0};
  char seconds[24];
  switch (rc) {
    case POLICY_AUTH_DENIED:
      if (is_user) {
        oauth_problem(resp, PROBLEM_INVALID_CREDENTIALS, "the username or password is incorrect",
                      "invalid_grant", NULL);
      } else {
        oauth_problem(resp, PROBLEM_INVALID_CLIENT, "the client credentials are incorrect",
                      "invalid_client", NULL);
        if (basic_used)
          u_map_put(resp->map_header, "WWW-Authenticate", "Basic realm=\"claimsuite\"");
      }
      break;
    case POLICY_AUTH_THROTTLED:
      oauth_problem(resp, PROBLEM_TOO_MANY_ATTEMPTS,
                    "too many failed attempts; retry after the number of seconds in Retry-After",
                    "temporarily_unavailable", NULL);
      snprintf(seconds, sizeof(seconds), "%ld", retry_after > 0 ? retry_after : 1);
      u_map_put(resp->map_header, "Retry-After", seconds);
      break;
    case POLICY_AUTH_PORTAL_REQUIRED:
      cs_refusal_field(&bad, "portal", FIELD_REQUIRED, "is required");
      oauth_problem(resp, PROBLEM_PORTAL_REQUIRED,
                    "portal is required: this account works in several portals", "invalid_request",
                    bad.errors);
      break;
    case POLICY_AUTH_PORTAL_NOT_SERVED:
      cs_refusal_field(&bad, "portal", FIELD_NOT_FOUND, "is not a portal of this account");
      oauth_problem(resp, PROBLEM_PORTAL_NOT_SERVED,
                    "this account does not work in the portal asked for", "invalid_request",
                    bad.errors);
      break;
    case POLICY_AUTH_NO_PORTAL:
      oauth_problem(resp, PROBLEM_NO_PORTAL, "this account does not work in any portal yet",
                    "invalid_grant", NULL);
      break;
    case CS_ERR_TIMEOUT:
      http_problem(resp, PROBLEM_UNAVAILABLE, "no database connection free; retry shortly");
      break;
    default: http_problem(resp, PROBLEM_INTERNAL, "the token could not be issued"); break;
  }
  cs_refusal_clear(&bad);
}

static void callback_policy_auth_token_post(struct request_ctx *ctx) {
  const struct _u_request *req = ctx->req;
  struct _u_response *resp = ctx->resp;
  json_t *form = NULL, *basic_id = NULL, *basic_secret = NULL;
  struct cs_refusal bad = {0};
  struct policy_auth_grant g;
  char ip[INET_ADDRSTRLEN], why_buf[96];
  const char *why = NULL, *grant_type;
  char *token = NULL;
  long retry_after = 0;
  int basic = 0, rc;

  memset(&g, 0, sizeof(g));
  if (!is_form_media_type(http_header(req, "Content-Type"))) {
    oauth_problem(resp, PROBLEM_UNSUPPORTED_MEDIA_TYPE,
                  "the token request must be a form (Content-Type: " FORM_MEDIA_TYPE ")",
                  "invalid_request", NULL);
    goto done;
  }
  rc = form_parse(req->binary_body != NULL ? req->binary_body : "", req->binary_body_length, &form,
                  &why, why_buf, sizeof(why_buf));
  if (rc == CS_ERR_INVALID) {
    invalid_request(resp, why, NULL);
    goto done;
  }
  if (rc != CS_OK) {
    http_problem(resp, PROBLEM_INTERNAL, "the request could not be read");
    goto done;
  }
  grant_type = param(form, "grant_type");
  if (grant_type == NULL) {
    cs_refusal_field(&bad, "grant_type", FIELD_REQUIRED, "is required");
    invalid_request(resp, "grant_type is required", bad.errors);
    goto done;
  }
  if (!strcmp(grant_type, "password")) {
    g.kind = POLICY_GRANT_PASSWORD;
    g.username = param(form, "username");
    g.password = param(form, "password");
    g.portal = param(form, "portal");
    check_param(&bad, "username", g.username, MAX_USERNAME);
    check_param(&bad, "password", g.password, MAX_PASSWORD);
    if (g.portal != NULL) check_param(&bad, "portal", g.portal, MAX_PORTAL); /* optional */
  } else if (!strcmp(grant_type, "client_credentials")) {
    g.kind = POLICY_GRANT_CLIENT_CREDENTIALS;
    g.client_id = param(form, "client_id");
    g.client_secret = param(form, "client_secret");
    basic = basic_credentials(req, &basic_id, &basic_secret);
    if (basic < 0) {
      invalid_request(resp, "the Basic credentials of the Authorization header are malformed",
                      NULL);
      goto done;
    }
    if (basic) {
      /* One authentication method per request (RFC 6749 2.3); a client_id in the form, which
       * the RFC allows, must name the same client. */
      if (g.client_secret != NULL) {
        invalid_request(resp,
                        "send the client secret either in the Authorization header or in "
                        "the form, not both",
                        NULL);
        goto done;
      }
      if (g.client_id != NULL && strcmp(g.client_id, json_string_value(basic_id)) != 0) {
        invalid_request(resp, "client_id differs from the client of the Authorization header",
                        NULL);
        goto done;
      }
      g.client_id = json_string_value(basic_id);
      g.client_secret = json_string_value(basic_secret);
      if (g.client_id[0] == '\0') g.client_id = NULL;
      if (g.client_secret[0] == '\0') g.client_secret = NULL;
    }
    check_param(&bad, "client_id", g.client_id, MAX_CLIENT_ID);
    check_param(&bad, "client_secret", g.client_secret, MAX_CLIENT_SECRET);
  } else {
    oauth_problem(resp, PROBLEM_UNSUPPORTED_GRANT_TYPE,
                  "grant_type must be password or client_credentials", "unsupported_grant_type",
                  NULL);
    goto done;
  }
  if (bad.errors != NULL) {
    invalid_request(resp, "a required parameter is missing or too long", bad.errors);
    goto done;
  }
  g.client_ip = client_ip(req, ip, sizeof(ip));

  rc = policy_auth_grant_run(ctx->svc->pool, &g, &token, &retry_after);
  if (rc == CS_OK)
    answer_token(resp, token);
  else
    answer_failure(resp, rc, basic, retry_after, g.kind == POLICY_GRANT_PASSWORD);
done:
  /* Token responses, errors included, are never cached (RFC 6749 5.1). */
  u_map_put(resp->map_header, "Cache-Control", "no-store");
  u_map_put(resp->map_header, "Pragma", "no-cache");
  if (token != NULL) {
    explicit_bzero(token, strlen(token));
    free(token);
  }
  json_decref(basic_id);
  json_decref(basic_secret);
  cs_refusal_clear(&bad);
  json_decref(form);
}

/* ---- GET /v1/me ------------------------------------------------------------------------ */

static void callback_policy_me_get(struct request_ctx *ctx) {
  PGconn *conn = NULL;
  json_t *me = NULL;
  int rc;

  if (service_db_acquire(ctx, &conn) != CS_OK) return;
  rc = policy_auth_me(conn, ctx->claims, &me);
  service_db_release(ctx, conn);
  switch (rc) {
    case CS_OK:
      http_json(ctx->resp, 200, me); /* steals me */
      u_map_put(ctx->resp->map_header, "Cache-Control", "no-store");
      return;
    case POLICY_AUTH_PRINCIPAL_GONE:
      http_problem(ctx->resp, PROBLEM_INVALID_TOKEN,
                   "the token's account is not active in its portal any more");
      u_map_put(ctx->resp->map_header, "WWW-Authenticate", "Bearer");
      return;
    default: http_problem(ctx->resp, PROBLEM_INTERNAL, "the profile could not be read"); return;
  }
}

/* ---- start ----------------------------------------------------------------------------- */

/* Parses AUTH_TRUSTED_PROXIES: IPv4 addresses or a.b.c.d/n networks, separated by commas or
 * spaces. */
static int parse_trusted_proxies(const char *list, char *err, size_t errlen) {
  const char *p = list;
  trusted_proxies.n = 0;
  while (*p != '\0') {
    char item[32], *slash;
    struct in_addr a;
    long bits = 32;
    size_t n;
    p += strspn(p, ", \t");
    if (*p == '\0') break;
    n = strcspn(p, ", \t");
    if (n >= sizeof(item) || trusted_proxies.n == MAX_TRUSTED_PROXIES) goto bad;
    memcpy(item, p, n);
    item[n] = '\0';
    p += n;
    if ((slash = strchr(item, '/')) != NULL) {
      char *end = NULL;
      *slash = '\0';
      bits = strtol(slash + 1, &end, 10);
      if (end == slash + 1 || *end != '\0' || bits < 0 || bits > 32) goto bad;
    }
    if (inet_pton(AF_INET, item, &a) != 1) goto bad;
    uint32_t mask = bits == 0 ? 0 : (uint32_t)0xffffffffu << (32 - bits);
    trusted_proxies.nets[trusted_proxies.n].mask = mask;
    trusted_proxies.nets[trusted_proxies.n].net = ntohl(a.s_addr) & mask;
    trusted_proxies.n++;
  }
  return CS_OK;
bad:
  snprintf(err, errlen,
           "AUTH_TRUSTED_PROXIES must list at most %d IPv4 addresses or networks (a.b.c.d/n), "
           "separated by commas, got '%s'",
           MAX_TRUSTED_PROXIES, list);
  return CS_ERR_INVALID;
}

/* A configuration error at start: said on stderr and in the log, then the process ends with 2
 * like every other configuration error. */
static void config_fail(const char *err) {
  log_error("configuration error: %s", err);
  fprintf(stderr, "policy: configuration error: %s\n", err);
  exit(2);
}

void policy_auth_routes(struct service *svc, long token_ttl_s, const char *proxies) {
  struct policy_auth_settings s = {token_ttl_s};
  char err[320];

  if (parse_trusted_proxies(proxies != NULL ? proxies : "", err, sizeof(err)) != CS_OK)
    config_fail(err);
  policy_auth_configure(&s);
  /* The stand-in hash for unknown users is made on first use; make it now, so that not even the
   * first such answer takes longer than a wrong password. */
  (void)password_verify_nobody("");
  if (service_route(svc, "POST", "/v1/auth/token", callback_policy_auth_token_post, ROUTE_PUBLIC) !=
          CS_OK ||
      service_route(svc, "GET", "/v1/me", callback_policy_me_get, ROUTE_AUTHENTICATED) != CS_OK) {
    log_error("cannot register the routes of /v1/auth/token and /v1/me");
    exit(1);
  }
  log_info("tokens live %ld s; %zu trusted proxies", s.token_ttl_s, trusted_proxies.n);
}
