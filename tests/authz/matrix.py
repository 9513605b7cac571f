#!/usr/bin/env python3
"""The authorization matrix: every operation of the services' OpenAPI documents that names an
object in its path or asks for a credential, called through the gateway by every persona
(personas.py) with the owner's real ids (world.py). A persona that may not act must be refused
with a status the operation documents for a refusal (401, 403, 404), as problem+json; an
invisible object must be refused as a made-up id is; never a 2xx, never a 5xx; and a refused
write changes no row of the services' schemas (snapshot.py).

    matrix.py STACK_ENV [--brief]      --brief: the counts without the table
Exit 0 when every cell holds, 1 on any leak, 5xx, write or unexpected answer or a part of the
world that could not be made, 77 when the stack is not there (CTest's skip)."""
import json
import os
import re
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import client  # noqa: E402
from bindings import cross_fill, fill, filtered, multipart  # noqa: E402
import personas as P  # noqa: E402
import snapshot  # noqa: E402
import spec  # noqa: E402
import world as W  # noqa: E402

class Matrix:
    def __init__(self, env, verbose=False):
        self.env = env
        self.verbose = verbose
        self.c = client.Client(env["GATEWAY_URL"])
        self.world = W.World(self.c, env)
        self.rows = []  # (op, {persona: cell})
        self.failures = []  # lines
        self.unexpected = []
        self.counts = {}
        self.etags = {}
        self.secret_ids = {}  # persona -> ids it must never see listed

    # ---- one request ---------------------------------------------------------------------
    def send(self, op, path, token, cookie, etag=None):
        media, body = spec.body_for(op, self.world.ids)
        headers = {}
        if etag is not None and op.method in ("PUT", "PATCH", "POST", "DELETE"):
            headers["If-Match"] = etag
        if media == "multipart/form-data":
            raw, ct = multipart(body)
            return self.c.request(op.method, path, token=token, cookie=cookie, raw=raw,
                                  content_type=ct, headers=headers)
        return self.c.request(op.method, path, token=token, cookie=cookie, body=body,
                              headers=headers)

    def etag_for(self, path):
        """The owner's ETag of the longest resource read above path (a conditional write must
        fail on who asks, not on a missing If-Match)."""
        best = None
        for p, tag in self.etags.items():
            if path.startswith(p) and (best is None or len(p) > len(best)):
                best = p
        return self.etags.get(best, "*") if best else "*"

    def count(self, persona, key):
        self.counts.setdefault(persona, {}).setdefault(key, 0)
        self.counts[persona][key] += 1

    # ---- verdicts ------------------------------------------------------------------------
    def judge_refusal(self, op, persona, path, a, ghost):
        """The cell's mark, counting and listing what fails."""
        where = "%s as %s (%s)" % (op.name, persona, path)
        if 200 <= a.status < 300:
            if not op.params and op.is_read and P.logged_in(persona, op):
                leaked = sorted(i for i in self.secret_ids.get(persona, ()) if i in a.text(10 ** 7))
                if not leaked:
                    self.count(persona, "scoped")
                    return "%d~" % a.status
                self.failures.append("LEAK %s: %d lists the owner's %s" %
                                     (where, a.status, ", ".join(leaked)))
            else:
                self.failures.append("LEAK %s: %d %s" % (where, a.status, a.text(200)))
            self.count(persona, "leak")
            return "%d!" % a.status
        if a.status >= 500:
            self.failures.append("5XX %s: %d %s" % (where, a.status, a.text(200)))
            self.count(persona, "5xx")
            return "%d!" % a.status
        if ghost is not None and ghost.status != a.status:
            self.failures.append("LEAK %s: %d for the real id, %d for a made-up one" %
                                 (where, a.status, ghost.status))
            self.count(persona, "leak")
            return "%d?" % a.status
        problem = a.content_type == "application/problem+json"
        if a.status in op.documented_refusals and problem:
            self.count(persona, "refused")
            return str(a.status)
        why = "not problem+json" if not problem else \
            ("undocumented for this operation" if a.status in spec.REFUSALS else
             "not a refusal")
        self.unexpected.append("UNEXPECTED %s: %d (%s) %s" % (where, a.status, why, a.text(160)))
        self.count(persona, "unexpected")
        return "%d*" % a.status

    def judge_foreign(self, op, persona, path, a, body):
        """A create in persona's own scope whose body names the owner's objects: any refusal
        as problem+json holds (the field is invalid for it: 422 is the usual answer)."""
        where = "%s as %s (%s) naming the owner's objects" % (op.name, persona, path)
        if 200 <= a.status < 300 or a.status >= 500:
            kind = "LEAK" if a.status < 500 else "5XX"
            self.failures.append("%s %s: %d %s; body %s" % (kind, where, a.status, a.text(200),
                                                            json.dumps(body)[:300]))
            self.count(persona, "leak" if a.status < 500 else "5xx")
            return "%df!" % a.status
        if a.content_type != "application/problem+json" or a.status not in op.statuses:
            self.unexpected.append("UNEXPECTED %s: %d (%s) %s" % (
                where, a.status, "undocumented" if a.status not in op.statuses else
                "not problem+json", a.text(160)))
            self.count(persona, "unexpected")
            return "%df*" % a.status
        self.count(persona, "refused")
        return "%df" % a.status

    def judge_allowed(self, op, persona, path, a, real):
        where = "%s as %s (%s)" % (op.name, persona, path)
        if a.status >= 500:
            self.failures.append("5XX %s: %d %s" % (where, a.status, a.text(200)))
            self.count(persona, "5xx")
            return "%d!" % a.status
        if 200 <= a.status < 300 or (not real and a.status == 404):
            self.count(persona, "allowed")
            return "%d+" % a.status
        self.unexpected.append("CONTROL %s: %d, expected success %s" %
                               (where, a.status, a.text(160)))
        self.count(persona, "unexpected")
        return "%d*" % a.status

    # ---- the run -------------------------------------------------------------------------
    def run(self):
        t0 = time.time()
        self.world.build()
        ids = self.world.ids
        # what each logged-in persona must never see listed: everything of portal A for portal
        # B; the case's objects for the company with nothing on it
        case_keys = ("case", "task", "task_rfq", "budget", "document", "chat_message",
                     "cash_offer", "rfq", "report", "customer_message", "access", "order")
        portal_a = {v for k, v in ids.items()
                    if v and re.match(spec.UUID, str(v)) and k not in ("portal_b", "insurer_b")}
        case_ids = {ids[k] for k in case_keys if ids.get(k)}
        self.secret_ids = {"other_portal": portal_a, "other_company": case_ids,
                           "customer_session": case_ids,
                           "lower_level": {ids[k] for k in ("order",) if ids.get(k)},
                           "task_partner": {ids[k] for k in ("order", "case_other", "webhook",
                                                             "api_client") if ids.get(k)}}
        ops = spec.load(self.env["SOURCE_DIR"])
        self.snap = snapshot.Snapshots(self.env["PG_SUPERUSER_CONNINFO"],
                                       [ids.get("portal_a", ""), ids.get("portal_b", "")])
        self.settle()
        t_world = time.time() - t0
        for op in [o for o in ops if o.is_read]:
            self.rows.append((op, self.one(op)))
        # the writes' baseline after the reads (a read may touch a session's last use)
        self.settle()
        for op in [o for o in ops if not o.is_read]:
            self.rows.append((op, self.one(op)))
        self.snap.close()
        self.elapsed = time.time() - t0
        self.t_world = t_world

    def settle(self, seconds=15):
        """Waits until the world's events have been applied everywhere (two equal snapshots
        half a second apart), so that a later change is a request's."""
        end = time.time() + seconds
        last = self.snap.take()
        while time.time() < end:
            time.sleep(0.5)
            now = self.snap.take()
            if now == last:
                self.before = now
                return
            last = now
        self.before = last
        self.failures.append("SETUP the database did not settle in %d s" % seconds)

    def one(self, op):
        """The row of op: the owner's read (the positive control), then every persona."""
        cells = {}
        creds = P.credentials(self.world, op)
        path, real = fill(op, self.world.ids)
        _, otoken, ocookie = P.owner_of(op, self.world)
        if op.is_read:
            a = self.c.request("GET", path, token=otoken, cookie=ocookie)
            cells["owner"] = self.judge_allowed(op, "owner", path, a, real)
            if "etag" in a.headers:
                self.etags[path] = a.headers["etag"]
        else:
            cells["owner"] = "."  # a write of the owner would change the world
        for persona in P.PERSONAS[1:]:
            cells[persona] = self.cell(op, persona, path, real, *creds[persona])
        return cells

    def cell(self, op, persona, path, real, token, cookie):
        """persona's call of op: its mark in the row."""
        ids = self.world.ids
        if op.path.startswith("/v1/rfq-invitations/"):
            # the link is the credential: every other persona holds a link nobody issued
            path, _ = fill(op, ids, ghost=True)
        if persona == "cross_case":
            path = cross_fill(op, ids)
            if path is None:
                return ""  # op names no object a second case has
        elif P.allowed(op, persona):
            if not op.is_read:
                self.count(persona, "not sent")
                return "."
            a = self.c.request("GET", path, token=token, cookie=cookie)
            return self.judge_allowed(op, persona, path, a, real)
        if not op.params and not op.is_read and P.logged_in(persona, op) and \
                not P.must_refuse_create(op, persona):
            # a create in its own scope: sent only naming the owner's objects in its body
            body = spec.foreign_body(op, ids) if persona in P.INVISIBLE else None
            if body is None:
                self.count(persona, "not sent")
                return "."
            a = self.c.request(op.method, path, token=token, cookie=cookie, body=body)
            mark = self.judge_foreign(op, persona, path, a, body)
            self.count(persona, "checked")
            if self.wrote(op, persona, a):
                mark += "W"
            return mark
        etag = self.etag_for(path)
        a = self.call(op, path, token, cookie, etag)
        ghost = None
        if persona in P.INVISIBLE and op.params and op.params[0] not in ("role", "token") \
                and not (200 <= a.status < 300):
            ghost = self.call(op, fill(op, ids, ghost=True)[0], token, cookie, etag)
        mark = self.judge_refusal(op, persona, path, a, ghost)
        self.count(persona, "checked")
        if op.is_read and not op.params and persona in P.INVISIBLE + ("task_partner",):
            # the list again, filtered by the owner's objects: still nothing of theirs
            for fpath in filtered(op, ids):
                a = self.c.request("GET", fpath, token=token, cookie=cookie)
                fmark = self.judge_refusal(op, persona, fpath, a, None)
                self.count(persona, "checked")
                if fmark[-1] in "!?*":
                    mark = fmark
        if not op.is_read and self.wrote(op, persona, a):
            mark += "W"
        return mark

    def call(self, op, path, token, cookie, etag):
        if op.is_read:
            return self.c.request("GET", path, token=token, cookie=cookie)
        return self.send(op, path, token, cookie, etag)

    def wrote(self, op, persona, a):
        """Whether the refused write just sent changed a row (listed as a failure)."""
        after = self.snap.take()
        changed = snapshot.Snapshots.diff(self.before, after)
        if changed:
            self.failures.append("WRITE %s as %s answered %d and changed %s" %
                                 (op.name, persona, a.status, "; ".join(changed)))
            self.count(persona, "write")
            # what it set off must not be blamed on the next request
            time.sleep(0.5)
            after = self.snap.take()
        self.before = after
        return bool(changed)

    # ---- the report ----------------------------------------------------------------------
    def report(self, out=sys.stdout):
        cols = P.PERSONAS
        short = {"owner": "owner", "lower_level": "lower", "task_partner": "partner",
                 "cross_case": "x.case", "other_company": "o.comp",
                 "other_portal": "o.portal", "customer_session": "cust", "partner_link": "link",
                 "no_token": "none", "garbage_token": "garbage", "forged_token": "forged"}
        width = max(len(op.name) for op, _ in self.rows) + 2
        print("authorization matrix: %d operations x %d personas" %
              (len(self.rows), len(cols)), file=out)
        print("cell: status answered; + allowed and succeeded, ~ scoped list without the "
              "owner's ids, f own-scope create naming the owner's objects, . not sent, "
              "! leak or 5xx, ? existence told, * unexpected, W wrote", file=out)
        if self.verbose:
            print("".ljust(width) + " ".join(short[c].rjust(8) for c in cols), file=out)
            for op, cells in self.rows:
                print(op.name.ljust(width) + " ".join(cells.get(c, "").rjust(8) for c in cols),
                      file=out)
        print("", file=out)
        keys = ("checked", "refused", "scoped", "allowed", "not sent", "leak", "5xx", "write",
                "unexpected")
        print("persona".ljust(18) + "".join(k.rjust(11) for k in keys), file=out)
        total = {}
        for c in cols:
            row = self.counts.get(c, {})
            for k in keys:
                total[k] = total.get(k, 0) + row.get(k, 0)
            print(c.ljust(18) + "".join(str(row.get(k, 0)).rjust(11) for k in keys), file=out)
        print("total".ljust(18) + "".join(str(total[k]).rjust(11) for k in keys), file=out)
        made_up = sorted({op.name for op, _ in self.rows if not fill(op, self.world.ids)[1]})
        print("\n%d operations judged with a made-up id (no such object in the world): %s" %
              (len(made_up), ", ".join(made_up) or "none"), file=out)
        for note in self.world.notes:
            print("WORLD " + note, file=out)
        print("%d requests in %.1f s (world %.1f s, waited %.1f s on rate limits)" %
              (self.c.requests, self.elapsed, self.t_world, self.c.waited_s), file=out)
        for line in self.unexpected:
            print(line, file=out)
        for line in self.failures:
            print(line, file=out)
        return total


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                env[k] = v
    return env


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    if not os.path.exists(argv[1]):
        print("no stack at %s" % argv[1], file=sys.stderr)
        return 77
    env = read_env(argv[1])
    m = Matrix(env, verbose="--brief" not in argv)
    try:
        m.run()
    except W.WorldError as e:
        print("the world could not be built: %s" % e, file=sys.stderr)
        return 1
    total = m.report()
    bad = total["leak"] + total["5xx"] + total["write"] + total["unexpected"] + \
        len(m.world.notes) + sum(1 for f in m.failures if f.startswith("SETUP"))
    print("\nauthz matrix: %s" % ("PASS" if bad == 0 else "FAIL"))
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
