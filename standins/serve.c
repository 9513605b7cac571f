/* What the stand-ins share (see serve.h). */
#include "serve.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "status.h"

int standin_serve(const char *name, size_t max_body, void (*add_routes)(struct _u_instance *)) {
  struct sockaddr_in addr = {.sin_family = AF_INET};
  struct _u_instance instance;
  char err[256], *bind = NULL;
  long port;
  sigset_t stop;
  int sig;
  if (config_long("PORT", 0, 1, 65535, &port, err, sizeof(err)) != CS_OK ||
      config_str("BIND_ADDRESS", "127.0.0.1", &bind, err, sizeof(err)) != CS_OK) {
    fprintf(stderr, "%s: %s\n", name, err);
    free(bind);
    return 2;
  }
  if (port == 0) {
    fprintf(stderr, "%s: PORT is required\n", name);
    free(bind);
    return 2;
  }
  addr.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, bind, &addr.sin_addr) != 1) {
    fprintf(stderr, "%s: BIND_ADDRESS must be an IPv4 address\n", name);
    free(bind);
    return 2;
  }
  /* SIGTERM and SIGINT wait for sigwait below, in every thread */
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  if (ulfius_init_instance(&instance, (unsigned)port, &addr, NULL) != U_OK) {
    free(bind);
    return 1;
  }
  instance.max_post_body_size = max_body;
  add_routes(&instance);
  if (ulfius_start_framework(&instance) != U_OK) {
    fprintf(stderr, "%s: cannot listen on port %ld\n", name, port);
    ulfius_clean_instance(&instance);
    free(bind);
    return 1;
  }
  printf("%s listening on %s:%ld\n", name, bind, port);
  fflush(stdout);
  free(bind);
  sigwait(&stop, &sig);
  ulfius_stop_framework(&instance);
  ulfius_clean_instance(&instance);
  return 0;
}
