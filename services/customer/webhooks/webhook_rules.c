/* The rules of webhooks that need no database (see webhook_rules.h). */
#include "webhook_rules.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

/* The event types published to integrators: what the cases and orders services put into their
 * outboxes about cases and orders. Facts (fact.*) and snapshots are the services' own. */
/* clang-format off */
static const char *const known_types[] = {
    "budget.approved", "budget.changed", "budget.created", "budget.rejected", "budget.submitted",
    "call.logged", "case.closed", "case.created", "case.on_hold", "case.reopened", "case.updated",
    "cash_offer.accepted", "cash_offer.declined", "cash_offer.made", "cash_offer.withdrawn",
    "chat.message_posted", "chat.participants_changed", "compensation.decided",
    "compensation.undone", "customer_contact.changed", "document.added", "document.deleted",
    "external_case_handler.assigned", "external_case_handler.office_assigned",
    "external_case_handler.removed", "inspection.completed", "inspection.report_created",
    "inspection.started", "invoice.approved", "invoice.rejected", "invoice.submitted",
    "meeting_time.changed", "order.agent_approved", "order.agent_attested", "order.agent_signed",
    "order.connection_started", "order.customer_attested", "order.done", "order.rejected",
    "order.stopped", "order.submitted", "order.ticket_opened", "project_manager.changed",
    "quote.received", "report.added", "rfq.created", "rfq.decided", "rfq.invited_external",
    "rfq.updated", "schedule.changed", "task.added", "task.office_assigned", "task.removed",
    "task.status_changed", "task.updated", "task.user_assigned", "temporary_case.connected",
    "temporary_case.connected_into", "temporary_case.converted", "temporary_case.created",
    "temporary_case_report.generated",
};
/* clang-format on */
#define KNOWN_TYPES (sizeof(known_types) / sizeof(known_types[0]))

int customer_webhooks_type_known(const char *type) {
  for (size_t i = 0; type != NULL && i < KNOWN_TYPES; i++)
    if (strcmp(known_types[i], type) == 0) return 1;
  return 0;
}

int customer_webhooks_type_matches(const char *pattern, const char *type) {
  size_t n = strlen(pattern);
  if (strcmp(pattern, "*") == 0) return 1;
  if (n >= 2 && strcmp(pattern + n - 2, ".*") == 0) return strncmp(pattern, type, n - 1) == 0;
  return strcmp(pattern, type) == 0;
}

int customer_webhooks_pattern_ok(const char *pattern) {
  for (size_t i = 0; i < KNOWN_TYPES; i++)
    if (customer_webhooks_type_matches(pattern, known_types[i])) return 1;
  return 0;
}

const char *customer_webhooks_url_check(const char *url, int allow_http) {
  const char *host;
  if (url == NULL || url[0] == '\0' || strlen(url) > WEBHOOK_MAX_URL)
    return "must be 1..2000 bytes";
  for (const char *s = url; *s != '\0'; s++)
    if ((unsigned char)*s <= 0x20 || *s == 0x7f) return "holds spaces or control characters";
  if (strncmp(url, "https://", 8) == 0) {
    host = url + 8;
  } else if (strncmp(url, "http://", 7) == 0) {
    host = url + 7;
    size_t n = strncmp(host, "127.0.0.1", 9) == 0 ? 9 : strncmp(host, "localhost", 9) == 0 ? 9 : 0;
    if (!allow_http || n == 0 || (host[n] != '\0' && host[n] != ':' && host[n] != '/'))
      return "must be an https URL";
  } else {
    return "must be an https URL";
  }
  /* a host, and no credentials in the URL (they would show in every listing) */
  if (host[0] == '\0' || host[0] == '/' || host[0] == ':') return "has no host";
  const char *end = strpbrk(host, "/?#");
  const char *at = strchr(host, '@');
  if (at != NULL && (end == NULL || at < end)) return "must not hold credentials";
  return NULL;
}

/* Members of an event's data never sent to integrators: an invitation link is the invitee's
 * credential; who gets notified is the suite's own business. */
static int internal_member(const char *key) {
  return strcmp(key, "invitation_path") == 0 || strcmp(key, "notify") == 0 ||
         strstr(key, "token") != NULL || strstr(key, "secret") != NULL ||
         strstr(key, "password") != NULL;
}

json_t *customer_webhooks_payload(const json_t *event) {
  const json_t *id = json_object_get(event, "id"), *type = json_object_get(event, "type");
  const json_t *at = json_object_get(event, "occurred_at"), *data = json_object_get(event, "data");
  const char *key;
  json_t *value, *clean;
  if (!json_is_string(id) || !json_is_string(type) || !json_is_string(at)) return NULL;
  if (json_is_object(data)) {
    clean = json_object();
    json_object_foreach((json_t *)data, key, value) {
      if (!internal_member(key)) json_object_set(clean, key, value);
    }
  } else {
    clean = data != NULL ? json_incref((json_t *)data) : json_object();
  }
  return json_pack("{s:O, s:O, s:O, s:o}", "type", type, "id", id, "occurred_at", at, "data",
                   clean);
}

long customer_webhooks_backoff_ms(long base_ms, long max_ms, int attempt) {
  long ms = base_ms;
  for (int i = 1; i < attempt && ms < max_ms; i++) ms *= 2;
  return ms < max_ms ? ms : max_ms;
}

/* 1 for an IPv4 address (host order) a receiver on the internet cannot have. */
static int ipv4_internal(uint32_t a) {
  return (a >> 24) == 0 || (a >> 24) == 10 || (a >> 24) == 127 || (a >> 16) == 0xa9fe ||
         (a >> 20) == 0xac1 || (a >> 16) == 0xc0a8 || (a >> 22) == (100u << 2 | 1) ||
         (a >> 28) >= 0xe;
}

int customer_webhooks_address_allowed(const struct sockaddr *sa, int allow_local) {
  if (allow_local) return 1;
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    return !ipv4_internal(ntohl(in->sin_addr.s_addr));
  }
  if (sa->sa_family == AF_INET6) {
    const unsigned char *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    int zero = 1;
    for (int i = 0; i < 15; i++) zero = zero && b[i] == 0;
    if (zero) return 0;             /* :: and ::1 */
    if (memcmp(b, mapped, 12) == 0) /* ::ffff:a.b.c.d: the IPv4 rules */
      return !ipv4_internal((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | b[14] << 8 | b[15]);
    return !((b[0] & 0xfe) == 0xfc ||                   /* fc00::/7 unique local */
             (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || /* fe80::/10 link-local */
             b[0] == 0xff);                             /* multicast */
  }
  return 0;
}
