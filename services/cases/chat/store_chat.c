/* SQL of the chat of a case (see store_chat.h). */
#include "store_chat.h"

#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "db_json.h"
#include "status.h"

int cases_store_chat_post(PGconn *conn, const struct cases_store_chat_message *m, json_t **doc,
                          char sqlstate[6]) {
  const char *p[] = {m->id,          m->case_id,        m->portal_id, m->author_id,
                     m->author_kind, m->author_company, m->text};
  /* the author has read the case's chat up to its own message */
  return db_json_row(conn,
                     "WITH m AS (INSERT INTO chat_messages (id, case_id, portal_id, author_id,"
                     " author_kind, author_company, text) VALUES ($1::uuid, $2::uuid, $3::uuid,"
                     " $4, $5, $6::uuid, $7) RETURNING *),"
                     " r AS (INSERT INTO chat_reads (case_id, user_id, read_at)"
                     " SELECT case_id, author_id, posted_at FROM m ON CONFLICT (case_id, user_id)"
                     " DO UPDATE SET read_at = greatest(chat_reads.read_at, EXCLUDED.read_at))"
                     " SELECT chat_message_document(m) FROM m",
                     7, p, doc, sqlstate);
}

int cases_store_chat_page(PGconn *conn, const char *case_id, const char *before_at,
                          const char *before_id, long limit, json_t **rows, char sqlstate[6]) {
  char n[24];
  snprintf(n, sizeof(n), "%ld", limit);
  const char *p[] = {case_id, before_at, before_id, n};
  return db_json_rows_prepared(
      conn, "cases_chat_page",
      "SELECT chat_message_document(m) FROM chat_messages m WHERE m.case_id = $1::uuid "
      "AND " DB_BEFORE_SQL("m.posted_at", "m.id", "$2",
                           "$3") " ORDER BY m.posted_at DESC, m.id DESC LIMIT $4::int",
      4, p, rows, sqlstate);
}

int cases_store_chat_unread(PGconn *conn, const char *case_id, const char *user_id,
                            long long *count, char sqlstate[6]) {
  const char *p[] = {case_id, user_id};
  PGresult *res = NULL;
  *count = 0;
  if (db_exec_prepared(conn, "cases_chat_unread",
                       "SELECT count(*) FROM chat_messages m WHERE m.case_id = $1::uuid"
                       " AND m.author_id <> $2 AND m.posted_at > coalesce((SELECT r.read_at"
                       " FROM chat_reads r WHERE r.case_id = $1::uuid AND r.user_id = $2),"
                       " '-infinity')",
                       2, p, &res, sqlstate) != CS_OK)
    return CS_ERR_DB;
  *count = atoll(PQgetvalue(res, 0, 0));
  PQclear(res);
  return CS_OK;
}

int cases_store_chat_read(PGconn *conn, const char *case_id, const char *user_id,
                          char sqlstate[6]) {
  const char *p[] = {case_id, user_id};
  return db_exec(conn,
                 "INSERT INTO chat_reads (case_id, user_id, read_at) VALUES ($1::uuid, $2,"
                 " clock_timestamp()) ON CONFLICT (case_id, user_id) DO UPDATE SET read_at ="
                 " EXCLUDED.read_at",
                 2, p, NULL, sqlstate);
}

int cases_store_chat_participants(PGconn *conn, const char *case_id, json_t **items,
                                  char sqlstate[6]) {
  const char *p[] = {case_id};
  return db_json_rows(conn,
                      "SELECT json_build_object('user_id', user_id, 'marked_by', marked_by,"
                      " 'marked_at', iso(marked_at)) FROM chat_participants"
                      " WHERE case_id = $1::uuid ORDER BY marked_at, user_id",
                      1, p, items, sqlstate);
}

int cases_store_chat_participants_set(PGconn *conn, const char *case_id, const char *user_ids,
                                      const char *actor, char sqlstate[6]) {
  const char *p[] = {case_id, user_ids, actor};
  if (db_exec(conn,
              "DELETE FROM chat_participants WHERE case_id = $1::uuid AND NOT user_id IN"
              " (SELECT jsonb_array_elements_text($2::jsonb)::uuid)",
              2, p, NULL, sqlstate) != CS_OK)
    return CS_ERR_DB;
  return db_exec(conn,
                 "INSERT INTO chat_participants (case_id, user_id, marked_by)"
                 " SELECT $1::uuid, u::uuid, $3 FROM jsonb_array_elements_text($2::jsonb) u"
                 " ON CONFLICT (case_id, user_id) DO NOTHING",
                 3, p, NULL, sqlstate);
}
