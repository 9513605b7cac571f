/* What the providers share: what a reply means, when to try again, freeing (see provider.h). */
#include "provider.h"

enum notify_outcome notify_http_outcome(long status) {
  if (status >= 200 && status < 300) return NOTIFY_SENT;
  if (status == 408 || status == 429) return NOTIFY_RETRY;
  if (status >= 400 && status < 500) return NOTIFY_DEAD;
  return NOTIFY_RETRY;
}

enum notify_outcome notify_smtp_outcome(long code) {
  if (code == 530 || code == 534 || code == 535) return NOTIFY_RETRY;
  if (code >= 500 && code < 600) return NOTIFY_DEAD;
  return NOTIFY_RETRY;
}

void notify_provider_free(struct notify_provider *p) {
  if (p != NULL && p->free != NULL) p->free(p);
}

long notify_backoff_ms(long base_ms, long max_ms, int attempt) {
  long ms = base_ms;
  for (int i = 1; i < attempt && ms < max_ms; i++) ms = ms > max_ms / 2 ? max_ms : ms * 2;
  return ms < max_ms ? ms : max_ms;
}
