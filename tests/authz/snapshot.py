"""What a refused request must not change: every table of the services' schemas, as its row
count and a hash of its rows' content (of the matrix's portals' rows where the table has
portal_id), read in one query through one psql session kept open (the superuser's conninfo of
stack.env)."""
import re
import subprocess

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

SCHEMAS = ("policy", "cases", "customer", "orders")
# Tables that change without any request of the matrix, or by design on a refusal: consumers'
# offsets and replicas (events of the world still arriving), the relay's and retention's
# bookkeeping, counters kept for the dashboard, the decision log (a denied decision is recorded:
# that is the audit trail, not a write of the refused request), and failed logins.
SKIP_PREFIXES = ("replica_",)
SKIP_TABLES = {"event_offsets", "outbox_retention", "outbox_published", "schema_migrations",
               "decision_log", "auth_failures", "open_case_counts", "waiting_case_counts",
               "waiting_task_cases"}
# Tables whose rows change and expire on timers (sending, retries, retention, expiry): only
# their count is read, fewer rows there is the timer's doing, more is a request's.
PURGED = {"outbox", "idempotency_keys", "webhook_deliveries", "outgoing_messages",
          "access_sessions", "access_codes"}
MARK = "--authz-snapshot-end--"


class Snapshots:
    def __init__(self, conninfo, portals=()):
        """portals: the matrix's portal ids; a table with portal_id is read for them only (what
        other tests on the same stack left running elsewhere is not the matrix's)."""
        self.p = subprocess.Popen(["psql", conninfo, "-XAtq", "-v", "ON_ERROR_STOP=1"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  bufsize=1)
        cols = self._query(
            "SELECT t.table_schema || '.' || t.table_name || ' ' || coalesce(string_agg("
            "column_name, ','), '') FROM information_schema.tables t LEFT JOIN"
            " information_schema.columns c ON c.table_schema = t.table_schema AND"
            " c.table_name = t.table_name AND c.column_name = 'portal_id'"
            " WHERE t.table_schema IN ('policy','cases','customer','orders') AND"
            " t.table_type = 'BASE TABLE' GROUP BY t.table_schema, t.table_name ORDER BY 1;")
        parts = []
        for line in cols:
            fields = line.split(" ")
            table, have = fields[0], set((fields[1] if len(fields) > 1 else "").split(","))
            short = table.split(".", 1)[1]
            if short in SKIP_TABLES or short.startswith(SKIP_PREFIXES):
                continue
            if short == "outbox":
                # a refused guarded write is recorded as a denied decision (authority.decided,
                # for policy's decision log): the audit trail of the refusal, not a change;
                # the relay numbers rows as it sends them: their count is what a request adds
                expr = "(count(*) FILTER (WHERE type <> 'authority.decided'))::text"
            elif short in PURGED:
                expr = "count(*)::text"  # their rows change on timers (sent, tried, expired)
            else:
                # every row's content: an update in place shows as well as an insert
                expr = ("count(*)::text || '/' || coalesce(md5(string_agg(md5(x::text), ''"
                        " ORDER BY md5(x::text))), '')")
            where = ""
            if "portal_id" in have and portals:
                where = " WHERE portal_id::text IN (%s)" % ", ".join(
                    "'%s'" % p for p in portals if UUID.match(p))
            parts.append("SELECT '%s' || ' ' || %s FROM %s x%s" % (table, expr, table, where))
        self.sql = " UNION ALL ".join(parts) + ";"

    def _query(self, sql):
        self.p.stdin.write(sql + "\n\\echo " + MARK + "\n")
        self.p.stdin.flush()
        out = []
        for line in self.p.stdout:
            line = line.rstrip("\n")
            if line == MARK:
                return out
            if line:
                out.append(line)
        raise RuntimeError("psql ended")

    def take(self):
        """{table: 'count/hash'}"""
        return dict(line.split(" ", 1) for line in self._query(self.sql))

    @staticmethod
    def diff(before, after):
        """The tables whose figures changed, with before and after."""
        out = []
        for t in sorted(set(before) | set(after)):
            b, a = before.get(t), after.get(t)
            if b == a:
                continue
            if t.split(".", 1)[1] in PURGED and b and a and \
                    int(a.split("/")[0]) < int(b.split("/")[0]) and \
                    a.split("/")[1:] == b.split("/")[1:]:
                continue
            out.append("%s %s -> %s" % (t, b, a))
        return out

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=10)
