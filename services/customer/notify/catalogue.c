/* The message catalogue (see catalogue.h). */
#include "catalogue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "status.h"

static const char *const languages[] = {"en", "sv", "nb", "da", "fi"};
#define LANGUAGES (sizeof(languages) / sizeof(languages[0]))

struct customer_catalogue {
  json_t *texts[LANGUAGES]; /* owned; texts[0] English, never NULL; others NULL when missing */
};

/* 1 when every member of o is a string. */
static int all_strings(const json_t *o) {
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)o, k, v) if (!json_is_string(v)) return 0;
  return 1;
}

int customer_catalogue_load(const char *dir, struct customer_catalogue **out, char *err,
                            size_t errlen) {
  struct customer_catalogue *cat = calloc(1, sizeof(*cat));
  int rc = CS_ERR_INVALID;
  *out = NULL;
  if (cat == NULL) {
    snprintf(err, errlen, "no memory for the message catalogue");
    return CS_ERR_NOMEM;
  }
  for (size_t i = 0; i < LANGUAGES; i++) {
    char path[4096];
    json_error_t jerr;
    if (snprintf(path, sizeof(path), "%s/%s.json", dir, languages[i]) >= (int)sizeof(path)) {
      snprintf(err, errlen, "MESSAGES_DIR is too long");
      goto done;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
      if (i == 0) {
        snprintf(err, errlen, "MESSAGES_DIR: %s cannot be read", path);
        goto done;
      }
      log_warning("message catalogue %s missing: %s speaks English", path, languages[i]);
      continue;
    }
    cat->texts[i] = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
    fclose(f);
    if (cat->texts[i] == NULL || !json_is_object(cat->texts[i]) || !all_strings(cat->texts[i])) {
      snprintf(err, errlen, "MESSAGES_DIR: %s is not a JSON object of strings (%s)", path,
               cat->texts[i] == NULL ? jerr.text : "other values");
      goto done;
    }
  }
  *out = cat;
  cat = NULL;
  rc = CS_OK;
done:
  customer_catalogue_free(cat);
  return rc;
}

void customer_catalogue_free(struct customer_catalogue *cat) {
  if (cat == NULL) return;
  for (size_t i = 0; i < LANGUAGES; i++) json_decref(cat->texts[i]);
  free(cat);
}

const char *customer_catalogue_text(const struct customer_catalogue *cat, const char *lang,
                                    const char *key) {
  if (cat == NULL || key == NULL) return NULL;
  for (size_t i = 1; lang != NULL && i < LANGUAGES; i++) {
    if (strcmp(lang, languages[i]) != 0) continue;
    const char *s = json_string_value(json_object_get(cat->texts[i], key));
    if (s != NULL) return s;
    break;
  }
  return json_string_value(json_object_get(cat->texts[0], key));
}

/* A growing output buffer; on no memory it stays failed and drops what comes. */
struct buf {
  char *s;
  size_t len, cap;
  int failed;
};

static void put(struct buf *b, const char *s, size_t n) {
  if (b->failed) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap != 0 ? b->cap : 256;
    while (cap < b->len + n + 1) cap *= 2;
    char *grown = realloc(b->s, cap);
    if (grown == NULL) {
      b->failed = 1;
      return;
    }
    b->s = grown;
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

char *customer_catalogue_expand(const char *template, const json_t *values) {
  struct buf b = {0};
  if (template == NULL) return NULL;
  put(&b, "", 0);
  const char *p = template;
  while (*p != '\0') {
    const char *open = strchr(p, '{');
    if (open == NULL) {
      put(&b, p, strlen(p));
      break;
    }
    put(&b, p, (size_t)(open - p));
    const char *close = strchr(open + 1, '}');
    /* the name is what lies between the braces; a nested '{' means the first one is text */
    const char *nested = strchr(open + 1, '{');
    if (close == NULL || (nested != NULL && nested < close)) {
      put(&b, open, 1);
      p = open + 1;
      continue;
    }
    char name[128];
    size_t n = (size_t)(close - open - 1);
    const char *value = NULL;
    if (n > 0 && n < sizeof(name)) {
      memcpy(name, open + 1, n);
      name[n] = '\0';
      value = json_string_value(json_object_get(values, name));
    }
    /* the value goes out as it is: the scan goes on after the placeholder, not inside it */
    if (value != NULL)
      put(&b, value, strlen(value));
    else
      put(&b, open, n + 2);
    p = close + 1;
  }
  if (b.failed) {
    free(b.s);
    return NULL;
  }
  return b.s;
}

char *customer_catalogue_render(const struct customer_catalogue *cat, const char *lang,
                                const char *key, const json_t *values) {
  return customer_catalogue_expand(customer_catalogue_text(cat, lang, key), values);
}
