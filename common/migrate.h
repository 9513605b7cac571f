/* Versioned SQL migrations: numbered files applied once, in order, under an advisory lock. */
#ifndef CLAIMSUITE_MIGRATE_H
#define CLAIMSUITE_MIGRATE_H

#include <libpq-fe.h>

/* Applies every NNNN_*.sql file of each directory (in the order given, files sorted by name)
 * not yet recorded in <schema>.schema_migrations, in one transaction under
 * pg_advisory_xact_lock(hashtext(schema)), so concurrent starts apply each file once.
 * Versions are recorded as "<label>/<file name>". The connection's role must own the schema. */
struct migration_dir {
  const char *label; /* "common", "cases", ... */
  const char *path;
};
int migrate_apply(PGconn *conn, const char *schema, const struct migration_dir *dirs, int ndirs,
                  int *applied);

#endif
