/* The bus's Redis connections (relay, consumers, readiness), authenticated as the services'
 * ACL user. */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <string.h>

#include "bus.h"

redisContext *bus_redis_connect(const struct bus_redis *r, long connect_ms, long io_ms, char *err,
                                size_t errlen) {
  struct timeval connect_tv = {connect_ms / 1000, (connect_ms % 1000) * 1000};
  struct timeval io_tv = {io_ms / 1000, (io_ms % 1000) * 1000};
  redisReply *reply = NULL;
  redisContext *c = redisConnectWithTimeout(r->host, r->port, connect_tv);
  if (c == NULL || c->err != 0 || redisSetTimeout(c, io_tv) != REDIS_OK) {
    snprintf(err, errlen, "%s:%d unreachable (%s)", r->host, r->port,
             c != NULL ? c->errstr : "out of memory");
    goto fail;
  }
  redisEnableKeepAlive(c);
  if (r->password != NULL) {
    reply = r->user != NULL ? redisCommand(c, "AUTH %s %s", r->user, r->password)
                            : redisCommand(c, "AUTH %s", r->password);
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
      /* the error names no secret: WRONGPASS/NOAUTH and the like */
      snprintf(err, errlen, "%s:%d refused our credentials (%s)", r->host, r->port,
               reply != NULL ? reply->str : c->errstr);
      goto fail;
    }
    freeReplyObject(reply);
  }
  return c;
fail:
  if (reply != NULL) freeReplyObject(reply);
  if (c != NULL) redisFree(c);
  return NULL;
}
