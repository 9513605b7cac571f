/* Versioned SQL migrations, applied in one transaction under an advisory lock. */
#include "migrate.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "status.h"

#define MIGRATE_MAX_FILES 512

static int is_migration_file(const char *name) {
  size_t n = strlen(name);
  return n > 8 && name[0] >= '0' && name[0] <= '9' && !strcmp(name + n - 4, ".sql");
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted migration file names of dir (new array of new strings). A missing directory is an
 * empty list: a service may have no migrations of its own yet. */
static int list_files(const char *dir, char ***out, int *count) {
  *out = NULL;
  *count = 0;
  DIR *d = opendir(dir);
  if (d == NULL) return errno == ENOENT ? CS_OK : CS_ERR;
  char **names = calloc(MIGRATE_MAX_FILES, sizeof(char *));
  int n = 0, rc = CS_OK;
  struct dirent *e;
  while (names != NULL && (e = readdir(d)) != NULL) {
    if (!is_migration_file(e->d_name)) continue;
    if (n == MIGRATE_MAX_FILES || (names[n] = strdup(e->d_name)) == NULL) {
      rc = CS_ERR;
      break;
    }
    n++;
  }
  closedir(d);
  if (names == NULL) return CS_ERR_NOMEM;
  qsort(names, (size_t)n, sizeof(char *), cmp_names);
  *out = names;
  *count = n;
  return rc;
}

static void free_files(char **names, int n) {
  for (int i = 0; i < n; i++) free(names[i]);
  free(names);
}

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  char *buf = NULL;
  long len;
  if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
      (buf = malloc((size_t)len + 1)) != NULL) {
    if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
      free(buf);
      buf = NULL;
    } else {
      buf[len] = '\0';
    }
  }
  fclose(f);
  return buf;
}

/* Runs a trusted migration script, which may hold many statements: the simple query protocol
 * (PQsendQuery) is the one that accepts them. Never used with input from outside. */
static int run_script(PGconn *conn, const char *sql, const char *name) {
  int rc = CS_OK;
  if (!PQsendQuery(conn, sql)) {
    log_error("migration %s: %s", name, PQerrorMessage(conn));
    return CS_ERR_DB;
  }
  PGresult *r;
  while ((r = PQgetResult(conn)) != NULL) {
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && rc == CS_OK) {
      log_error("migration %s failed: %s", name, PQresultErrorMessage(r));
      rc = CS_ERR_DB;
    }
    PQclear(r);
  }
  return rc;
}

static int apply_dir(PGconn *conn, const struct migration_dir *dir, int *applied) {
  char **files = NULL;
  int nfiles = 0, rc;
  if ((rc = list_files(dir->path, &files, &nfiles)) != CS_OK) {
    log_error("cannot read migrations in %s", dir->path);
    goto done;
  }
  for (int i = 0; i < nfiles; i++) {
    char version[600], path[4096];
    snprintf(version, sizeof(version), "%s/%s", dir->label, files[i]);
    snprintf(path, sizeof(path), "%s/%s", dir->path, files[i]);
    const char *params[] = {version};
    PGresult *res = NULL;
    if ((rc = db_exec(conn, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, params, &res,
                      NULL)) != CS_OK)
      goto done;
    int done_before = PQntuples(res) > 0;
    PQclear(res);
    if (done_before) continue;

    char *sql = read_file(path);
    if (sql == NULL) {
      log_error("cannot read migration %s", path);
      rc = CS_ERR;
      goto done;
    }
    rc = run_script(conn, sql, version);
    free(sql);
    if (rc != CS_OK) goto done;
    if ((rc = db_exec(conn, "INSERT INTO schema_migrations (version) VALUES ($1)", 1, params,
                      NULL, NULL)) != CS_OK)
      goto done;
    log_info("migration %s applied", version);
    (*applied)++;
  }
done:
  free_files(files, nfiles);
  return rc;
}

int migrate_apply(PGconn *conn, const char *schema, const struct migration_dir *dirs, int ndirs,
                  int *applied) {
  int rc, count = 0;
  const char *params[] = {schema};
  if ((rc = db_begin(conn)) != CS_OK) return rc;
  /* One migrator at a time per schema: a second process waits here, then finds all applied. */
  if ((rc = db_exec(conn, "SELECT pg_advisory_xact_lock(hashtext('claimsuite_migrate.' || $1))", 1,
                    params, NULL, NULL)) != CS_OK ||
      (rc = db_exec(conn, "SELECT set_config('search_path', quote_ident($1), true)", 1, params,
                    NULL, NULL)) != CS_OK ||
      /* a migration that fills a new column of a big table takes longer than any request may */
      (rc = db_exec(conn, "SET LOCAL statement_timeout = 0", 0, NULL, NULL, NULL)) != CS_OK ||
      (rc = db_exec(conn,
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version text PRIMARY KEY,"
                    " applied_at timestamptz NOT NULL DEFAULT now())",
                    0, NULL, NULL, NULL)) != CS_OK)
    goto done;
  for (int i = 0; i < ndirs; i++) {
    if ((rc = apply_dir(conn, &dirs[i], &count)) != CS_OK) goto done;
  }
  rc = db_commit(conn);
done:
  if (rc != CS_OK) db_rollback(conn);
  if (applied != NULL) *applied = rc == CS_OK ? count : 0;
  return rc;
}
