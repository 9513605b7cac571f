"""The world the matrix looks at, built through the public API at the gateway.

    portal A (insurer IA):  ia_admin (level 6, the owner of everything below),
                            ia_handler (level 3, the lower authority level)
        partner P serves A: office p_office; p_admin (6), p_worker (3)   holds the case's task
        partner Q serves A: office q_office; q_admin (6)                 nothing on the case
        partner R serves A: office r_office                              the case's external
                                                                         case handler office
        customer company C and agent company G of A: orderer (C), agent handler (G)
    portal B (insurer IB):  ib_admin (level 6)
    a case of A with a repair task for P (a budget, approved, and an invoice), a second repair
    task under an RFQ inviting an outside partner (its link), a cash offer, a document, a chat
    message, a call, a task report with a file, customer-page access for the policyholder (its
    session cookie), a customer message with a file, a shared document; a second case (a task,
    a document, a cash offer, a customer message and access) whose policyholder's session is
    the other customer; a webhook, an API client, an order, the agent's notice of it, the
    portal's stored temporary-cases report.
Names and emails are unique to the run. A step that fails is noted (the matrix then fails: its
routes would be judged with made-up ids only) and the others go on."""
import http.server
import json
import os
import struct
import subprocess
import threading
import time
import uuid
import zlib

PASSWORD = "authz-matrix-pass-1"


class WorldError(Exception):
    pass


class Receiver:
    """A webhook receiver on 127.0.0.1 answering 204 to every POST, in a daemon thread."""

    def __init__(self):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/hooks" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def png():
    """A 1x1 PNG."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


class World:
    def __init__(self, client, env):
        self.c = client
        self.env = env
        self.sfx = uuid.uuid4().hex[:8]
        self.ids = {}  # name -> id of an object of portal A (the owner's)
        self.tokens = {}  # persona user -> bearer token
        self.users = {}  # name -> {"id", "email"}
        self.notes = []  # what could not be made
        self.customer_cookie = None
        self.other_customer_cookie = None
        self.rfq_token = None
        self.phone = None  # the first case's policyholder's
        self.receiver = None  # the webhook receiver

    # ---- helpers -------------------------------------------------------------------------
    def call(self, method, path, token, body=None, expect=(200, 201), **kw):
        a = self.c.request(method, path, token=token, body=body, **kw)
        if a.status not in expect:
            raise WorldError("%s %s -> %d %s" % (method, path, a.status, a.text(400)))
        return a

    def step(self, name, fn):
        """Runs one optional step; a failure is noted, not fatal (its routes lose a real id)."""
        try:
            fn()
        except WorldError as e:
            self.notes.append("%s: %s" % (name, e))

    def psql(self, sql, *args):
        """One value of a read-only query as the database superuser ('' when none)."""
        cmd = ["psql", self.env["PG_SUPERUSER_CONNINFO"], "-XAtq", "-v", "ON_ERROR_STOP=1"]
        for i, a in enumerate(args):
            cmd += ["-v", "a%d=%s" % (i + 1, a)]
        r = subprocess.run(cmd, input=sql, capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise WorldError("psql: " + r.stderr.strip())
        return r.stdout.strip()

    def wait(self, what, fn, seconds=15):
        end = time.time() + seconds
        while time.time() < end:
            v = fn()
            if v:
                return v
            time.sleep(0.1)
        raise WorldError("not seen in time: " + what)

    def phone_number(self, prefix):
        """A Swedish mobile number unique to the run (the customer's link is found by it)."""
        return "+46%s%07d" % (prefix, int(self.sfx, 16) % 10000000)

    def login(self, email, portal=None):
        f = {"grant_type": "password", "username": email, "password": PASSWORD}
        if portal:
            f["portal"] = portal
        a = self.c.form("/v1/auth/token", f)
        if a.status != 200:
            raise WorldError("login %s -> %d %s" % (email, a.status, a.text()))
        return a.json()["access_token"]

    # ---- the world -----------------------------------------------------------------------
    def build(self):
        e = self.env
        a = self.c.form("/v1/auth/token", {"grant_type": "client_credentials",
                                           "client_id": e["OPERATOR_CLIENT_ID"],
                                           "client_secret": e["OPERATOR_SECRET"]})
        if a.status != 200:
            raise WorldError("operator token -> %d %s" % (a.status, a.text()))
        self.tokens["operator"] = a.json()["access_token"]
        for tag in ("a", "b"):
            self.portal(tag)
        self.org()
        self.step("webhook", self.webhook)
        self.step("case", self.case)
        self.step("external case handler", self.ech)
        self.step("budget", self.budget)
        self.step("documents", self.documents)
        self.step("chat and calls", self.chat_calls)
        self.step("cash offer", self.cash_offer)
        self.step("rfq", self.rfq)
        self.step("task report", self.task_report)
        self.step("customer page", self.customer_page)
        self.step("other customer", self.other_customer)
        self.step("webhook delivery", self.delivery)
        self.step("customer page settings", self.logo)
        self.step("api client", self.api_client)
        self.step("order", self.order)
        self.step("notification", self.notification)
        self.step("temporary cases report", self.temporary_report)
        self.step("signature", self.signature)

    def portal(self, tag):
        email = "admin-%s-%s@authz.test" % (tag, self.sfx)
        body = {"name": "Authz %s %s" % (tag.upper(), self.sfx), "currency": "SEK",
                "default_budget_limit": 10000000,
                "insurer": {"name": "Insurer %s %s" % (tag.upper(), self.sfx),
                            "org_number": "%s-%s" % (tag, self.sfx)},
                "admin": {"email": email, "name": "Admin %s" % tag.upper(), "password": PASSWORD}}
        r = self.call("POST", "/v1/portals", self.tokens["operator"], body, expect=(201,)).json()
        self.ids["portal_" + tag] = r["id"]
        name = "i%s_admin" % tag
        self.ids["insurer_" + tag] = r.get("insurer", {}).get("id") or r.get("insurer_id", "")
        admin = r.get("admin", {})
        self.users[name] = {"id": admin.get("id", ""), "email": email}
        self.tokens[name] = self.login(email)

    def user(self, name, company_id, level, offices=(), **extra):
        email = "%s-%s@authz.test" % (name.replace("_", "-"), self.sfx)
        body = {"email": email, "name": name, "password": PASSWORD, "authority_level": level,
                "company_id": company_id}
        if offices:
            body["offices"] = list(offices)
        body.update(extra)
        r = self.call("POST", "/v1/users", self.tokens["ia_admin"], body, expect=(201,)).json()
        self.users[name] = {"id": r["id"], "email": email}
        self.ids["user_" + name] = r["id"]

    def company(self, name, kind):
        r = self.call("POST", "/v1/companies", self.tokens["ia_admin"],
                      {"kind": kind, "name": "%s %s" % (name, self.sfx),
                       "org_number": "%s-%s" % (name, self.sfx)}, expect=(201,)).json()
        self.ids["company_" + name] = r["id"]
        return r["id"]

    def office(self, name, company_id, lat, lon):
        r = self.call("POST", "/v1/offices", self.tokens["ia_admin"],
                      {"name": "%s %s" % (name, self.sfx), "company_id": company_id,
                       "city": "Stockholm", "country": "SE", "latitude": lat, "longitude": lon},
                      expect=(201,)).json()
        self.ids["office_" + name] = r["id"]
        return r["id"]

    def org(self):
        adm = self.tokens["ia_admin"]
        ia = self.call("GET", "/v1/me", adm).json()
        self.users["ia_admin"]["id"] = self.users["ia_admin"]["id"] or ia.get("id", "")
        insurer = ia.get("company_id") or (ia.get("company") or {}).get("id")
        self.ids["company_insurer_a"] = insurer
        self.ids["user_ia_admin"] = self.users["ia_admin"]["id"]
        p = self.company("p", "partner")
        q = self.company("q", "partner")
        r = self.company("r", "partner")
        po = self.office("p", p, 59.3293, 18.0686)
        qo = self.office("q", q, 57.7089, 11.9746)
        ro = self.office("r", r, 59.8586, 17.6389)
        self.user("ia_handler", insurer, 3)
        self.user("p_admin", p, 6, [po])
        self.user("p_worker", p, 3, [po])
        self.user("q_admin", q, 6, [qo])
        self.user("r_ech", r, 3, [ro], external_case_handler=True)
        for name in ("ia_handler", "p_admin", "p_worker", "q_admin"):
            self.tokens[name] = self.login(self.users[name]["email"], self.ids["portal_a"])
        # the order workflow's organisations
        def orders_org():
            cu = self.company("c", "customer")
            ag = self.company("g", "agent")
            self.user("orderer", cu, 3)
            self.user("g_admin", ag, 6)
            self.user("agent_handler", ag, 3, mobile="+46701740621")
            self.user("attestant", ag, 3, mobile="+46701740622")
            self.tokens["g_admin"] = self.login(self.users["g_admin"]["email"],
                                                self.ids["portal_a"])
            self.put_org_roles("agent_handler", ["agent_handler"])
            self.put_org_roles("attestant", ["attestant"])
            self.tokens["orderer"] = self.login(self.users["orderer"]["email"],
                                                self.ids["portal_a"])
        self.step("order organisations", orders_org)

    def put_org_roles(self, name, roles):
        uid = self.users[name]["id"]
        adm = self.tokens["g_admin"]
        g = self.call("GET", "/v1/users/" + uid, adm)
        self.call("PUT", "/v1/users/%s/org-roles" % uid, adm, {"roles": roles},
                  headers={"If-Match": g.headers.get("etag", "*")})

    def case(self):
        h = self.tokens["ia_admin"]
        body = {"claim_number": "AZ-%s" % self.sfx, "damage_type": "water",
                "damage_date": "2026-11-01",
                "address": {"street": "Sveavägen 1", "postal_code": "111 57",
                            "city": "Stockholm", "country": "SE",
                            "latitude": 59.3326, "longitude": 18.0649},
                "external_ref": "ext-%s" % self.sfx,
                "contacts": [{"kind": "policyholder", "name": "Bente Larsen",
                              "phone": self.phone_number("70"),
                              "email": "bente-%s@kunde.test" % self.sfx}]}
        c = self.call("POST", "/v1/cases", h, body, expect=(201,)).json()
        cid = self.ids["case"] = c["id"]
        self.ids["external_ref"] = body["external_ref"]
        self.phone = body["contacts"][0]["phone"]
        t = self.call("POST", "/v1/cases/%s/tasks" % cid, h,
                      {"type": "repair", "trade": "plumbing",
                       "office_id": self.ids["office_p"]}, expect=(201,))
        self.ids["task"] = t.headers["location"].rsplit("/", 1)[-1]
        t2 = self.call("POST", "/v1/cases/%s/tasks" % cid, h,
                       {"type": "repair", "trade": "flooring"}, expect=(201,))
        self.ids["task_rfq"] = t2.headers["location"].rsplit("/", 1)[-1]

    def ech(self):
        """The external case handler role goes to a third partner R: P and Q keep what they
        have."""
        self.call("PUT", "/v1/cases/%s/external-case-handler/office" % self.ids["case"],
                  self.tokens["ia_admin"], {"office_id": self.ids["office_r"]})

    def budget(self):
        cid, tid = self.ids["case"], self.ids["task"]
        b = self.call("POST", "/v1/cases/%s/tasks/%s/budgets" % (cid, tid),
                      self.tokens["p_worker"],
                      {"note": "pipe", "lines": [{"description": "pipe", "quantity": 3, "unit": "h",
                                                  "unit_price": 65000, "vat_rate": 25}]},
                      expect=(201,)).json()
        self.ids["budget"] = b["id"]
        # an approved budget takes an invoice; the budget of the matrix stays this one
        base = "/v1/cases/%s/budgets/%s" % (cid, b["id"])
        self.call("POST", base + "/submit", self.tokens["p_worker"])
        self.call("POST", base + "/approve", self.tokens["ia_admin"])
        i = self.call("POST", "/v1/cases/%s/tasks/%s/invoices" % (cid, tid),
                      self.tokens["p_worker"],
                      {"invoice_number": "F-%s" % self.sfx, "issued_on": "2026-12-01",
                       "lines": [{"description": "pipe", "quantity": 3, "unit": "h",
                                  "unit_price": 65000, "vat_rate": 25}]},
                      expect=(201,)).json()
        self.ids["invoice"] = i["id"]

    PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

    def file_part(self, boundary, field):
        return (b"--" + boundary.encode() + b"\r\nContent-Disposition: form-data; name=\"" +
                field.encode() + b"\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf"
                b"\r\n\r\n" + self.PDF + b"\r\n")

    def upload(self, cid):
        """A PDF document added to case cid as the insurer's admin: its id."""
        boundary = "authzboundary" + self.sfx
        parts = (b"--" + boundary.encode() + b"\r\nContent-Disposition: form-data; name=\"type\""
                 b"\r\n\r\nother\r\n" + self.file_part(boundary, "file") +
                 b"--" + boundary.encode() + b"--\r\n")
        a = self.c.request("POST", "/v1/cases/%s/documents" % cid,
                           token=self.tokens["ia_admin"], raw=parts,
                           content_type="multipart/form-data; boundary=" + boundary)
        if a.status != 201:
            raise WorldError("document -> %d %s" % (a.status, a.text()))
        return a.json()["id"]

    def documents(self):
        self.ids["document"] = self.upload(self.ids["case"])

    def chat_calls(self):
        cid, h = self.ids["case"], self.tokens["ia_admin"]
        m = self.call("POST", "/v1/cases/%s/chat/messages" % cid, h, {"text": "hello"},
                      expect=(201,)).json()
        self.ids["chat_message"] = m.get("id", "")
        self.call("POST", "/v1/cases/%s/calls" % cid, h,
                  {"number": "+46 70 111 22 33", "started_at": "2026-01-02T10:00:00Z",
                   "duration_seconds": 30, "reached": True}, expect=(201,))

    def cash_offer(self):
        cid = self.ids["case"]
        o = self.call("POST", "/v1/cases/%s/cash-offers" % cid, self.tokens["ia_admin"],
                      {"kind": "work_items", "work_items": [{"description": "paint",
                                                             "amount": 100000}]},
                      expect=(201,)).json()
        self.ids["cash_offer"] = o["id"]

    def rfq(self):
        cid = self.ids["case"]
        r = self.call("POST", "/v1/cases/%s/rfqs" % cid, self.tokens["ia_admin"],
                      {"task_id": self.ids["task_rfq"], "due_date": "2027-12-01",
                       "description": "new floor",
                       "external_partners": [{"name": "Golv AB",
                                              "email": "offert-%s@golv.test" % self.sfx}]},
                      expect=(201,)).json()
        self.ids["rfq"] = r["id"]
        path = self.wait("rfq link", lambda: self.psql(
            "SELECT data->>'invitation_path' FROM cases.outbox WHERE aggregate_id = :'a1'"
            " AND type = 'rfq.invited_external' ORDER BY pos DESC LIMIT 1", cid))
        self.rfq_token = self.ids["rfq_token"] = path.rsplit("/", 1)[-1]

    def task_report(self):
        cid, tid = self.ids["case"], self.ids["task"]
        boundary = "authzreport" + self.sfx
        parts = (b"--" + boundary.encode() + b"\r\nContent-Disposition: form-data; name=\"text\""
                 b"\r\n\r\nall dry\r\n" + self.file_part(boundary, "files") +
                 b"--" + boundary.encode() + b"--\r\n")
        a = self.c.request("POST", "/v1/cases/%s/tasks/%s/reports" % (cid, tid),
                           token=self.tokens["p_worker"], raw=parts,
                           content_type="multipart/form-data; boundary=" + boundary)
        if a.status != 201:
            raise WorldError("report -> %d %s" % (a.status, a.text()))
        self.ids["report"] = a.json()["id"]

    def open_page(self, cid, phone):
        """The customer-page session (its cookie) of case cid's policyholder."""
        h = self.tokens["ia_admin"]
        self.wait("case in customer", lambda: self.c.request(
            "GET", "/v1/customer/cases/%s/access" % cid, token=h).status == 200)
        g = self.call("POST", "/v1/customer/cases/%s/access" % cid, h, {"contact_index": 0},
                      expect=(201,)).json()
        msg_id = self.wait("link message", lambda: self.psql(
            "SELECT id::text FROM customer.outgoing_messages WHERE recipient = :'a1'"
            " ORDER BY created_at DESC LIMIT 1", phone))
        f = os.path.join(self.env["STACK_DIR"], "notify-outbox", msg_id + ".json")
        self.wait("link delivered", lambda: os.path.exists(f))
        with open(f) as fh:
            text = json.load(fh)["body"]
        at = text.index("/c/#") + 4
        token = ""
        for ch in text[at:]:
            if not (ch.isalnum() or ch in "-_"):
                break
            token += ch
        a = self.c.request("POST", "/v1/customer-portal/login", body={"token": token})
        if a.status != 201:
            raise WorldError("customer login -> %d %s" % (a.status, a.text()))
        return g["id"], a.headers["set-cookie"].split(";")[0]

    def customer_page(self):
        cid, h = self.ids["case"], self.tokens["ia_admin"]
        self.ids["access"], self.customer_cookie = self.open_page(cid, self.phone)
        # what the page shows: a message to the customer with a file, a shared document
        boundary = "authzmsg" + self.sfx
        parts = (b"--" + boundary.encode() + b"\r\nContent-Disposition: form-data; name=\"text\""
                 b"\r\n\r\nhej\r\n" + self.file_part(boundary, "file") +
                 b"--" + boundary.encode() + b"--\r\n")
        a = self.c.request("POST", "/v1/customer/cases/%s/messages" % cid, token=h, raw=parts,
                           content_type="multipart/form-data; boundary=" + boundary)
        if a.status != 201:
            raise WorldError("customer message -> %d %s" % (a.status, a.text()))
        self.ids["customer_message"] = a.json()["id"]
        if "document" in self.ids:
            self.wait("document in customer", lambda: self.c.request(
                "POST", "/v1/customer/cases/%s/shares" % cid, token=h,
                body={"document_ids": [self.ids["document"]]}).status == 200)

    def other_customer(self):
        """A second case of portal A and its policyholder's session: a customer who must see
        nothing of the first."""
        phone = self.phone_number("73")
        c = self.call("POST", "/v1/cases", self.tokens["ia_admin"],
                      {"claim_number": "AZ2-%s" % self.sfx, "damage_type": "fire",
                       "damage_date": "2026-11-02", "address": {"city": "Uppsala"},
                       "contacts": [{"kind": "policyholder", "name": "Per Persson",
                                     "phone": phone}]}, expect=(201,)).json()
        cid = self.ids["case_other"] = c["id"]
        self.ids["other_access"], self.other_customer_cookie = self.open_page(cid, phone)
        # objects of that case, named under the first case's path by the cross-case persona
        h = self.tokens["ia_admin"]
        t = self.call("POST", "/v1/cases/%s/tasks" % cid, h, {"type": "repair"}, expect=(201,))
        self.ids["other_task"] = t.headers["location"].rsplit("/", 1)[-1]
        self.ids["other_document"] = self.upload(cid)
        o = self.call("POST", "/v1/cases/%s/cash-offers" % cid, h,
                      {"kind": "work_items", "work_items": [{"description": "paint",
                                                             "amount": 50000}]},
                      expect=(201,)).json()
        self.ids["other_cash_offer"] = o["id"]
        m = self.call("POST", "/v1/customer/cases/%s/messages" % cid, h, {"text": "hej"},
                      expect=(201,)).json()
        self.ids["other_customer_message"] = m["id"]

    def webhook(self):
        """A subscription to case.created, delivered to a receiver of the matrix's own on
        127.0.0.1 (the test stack lets webhooks use plain http there) that takes everything."""
        self.receiver = Receiver()
        w = self.call("POST", "/v1/webhooks", self.tokens["ia_admin"],
                      {"url": self.receiver.url, "event_types": ["case.created"]},
                      expect=(201,)).json()
        self.ids["webhook"] = w["id"]

    def delivery(self):
        path = "/v1/webhooks/%s/deliveries" % self.ids["webhook"]
        items = self.wait("webhook delivery", lambda: self.call(
            "GET", path, self.tokens["ia_admin"]).json().get("items"))
        self.ids["delivery"] = items[0]["id"]

    def logo(self):
        """A custom logo of portal A's customer page (an image upload, then the settings that
        use it), and its budget tab shown."""
        boundary = "authzlogo" + self.sfx
        parts = (b"--" + boundary.encode() + b"\r\nContent-Disposition: form-data; name=\"file\";"
                 b" filename=\"logo.png\"\r\nContent-Type: image/png\r\n\r\n" + png() +
                 b"\r\n--" + boundary.encode() + b"--\r\n")
        a = self.c.request("POST", "/v1/customer/settings/logo", token=self.tokens["ia_admin"],
                           raw=parts, content_type="multipart/form-data; boundary=" + boundary)
        if a.status != 201:
            raise WorldError("logo -> %d %s" % (a.status, a.text()))
        self.ids["logo"] = a.json()["id"]
        g = self.call("GET", "/v1/customer/settings", self.tokens["ia_admin"])
        self.call("PUT", "/v1/customer/settings", self.tokens["ia_admin"],
                  dict(g.json(), logo="custom", logo_ref=self.ids["logo"], case_budget="always"),
                  headers={"If-Match": g.headers.get("etag", "*")})

    def api_client(self):
        r = self.call("POST", "/v1/api-clients", self.tokens["ia_admin"],
                      {"name": "authz %s" % self.sfx}, expect=(201,)).json()
        self.ids["api_client"] = r.get("id") or r.get("client_id")

    def order(self):
        if "orderer" not in self.tokens:
            raise WorldError("no orderer")
        body = {"order_type": "via_agent_connection",
                "agent_company_id": self.ids["company_g"], "service": "Journal",
                "organisation": {"org_number": "212000-0142", "hsa_id": "SE2120000142-A1",
                                 "name": "Region Test"},
                "contact": {"name": "Eva Ek", "email": "eva@example.test",
                            "phone": "+46 70 174 06 20"},
                "technical": {"environment": "production",
                              "endpoint_url": "https://api.example.test/connect"}}
        o = self.wait("agent in orders", lambda: self.c.request(
            "POST", "/v1/orders", token=self.tokens["orderer"], body=body))
        if o.status != 201:
            raise WorldError("order -> %d %s" % (o.status, o.text()))
        self.ids["order"] = o.json()["id"]

    def notification(self):
        """The agent's handler is told of the order in its inbox: that notice is the owner's."""
        self.tokens["agent_handler"] = self.login(self.users["agent_handler"]["email"],
                                                  self.ids["portal_a"])
        items = self.wait("order notice", lambda: self.call(
            "GET", "/v1/notifications", self.tokens["agent_handler"]).json().get("items"))
        self.ids["notification"] = items[0]["id"]

    def temporary_report(self):
        """The stored report of temporary cases the portal gets for its last period."""
        items = self.wait("temporary cases report", lambda: self.call(
            "GET", "/v1/reports/temporary-cases", self.tokens["ia_admin"]).json().get("items"),
            seconds=5)
        self.ids["temporary_report"] = items[0]["id"]

    def signature(self):
        """The agent's handler approves the order (attestant named) and starts signing it by
        SMS code: a pending signature."""
        oid, h = self.ids["order"], self.tokens["agent_handler"]
        g = self.call("GET", "/v1/orders/" + oid, h)
        self.call("POST", "/v1/orders/%s/agent-approval" % oid, h,
                  {"terms_accepted": True, "certified": True,
                   "attestant_id": self.users["attestant"]["id"],
                   "billing": {"organisation_name": "Region Test", "org_number": "212000-0142",
                               "reference": "R-1"},
                   "attest_info": {"reference": "A-1"}},
                  headers={"If-Match": g.headers.get("etag", "*")})
        s = self.call("POST", "/v1/orders/%s/signatures" % oid, h,
                      {"method": "sms_otp", "decision": "approve"}, expect=(202,)).json()
        self.ids["signature"] = s["id"]
