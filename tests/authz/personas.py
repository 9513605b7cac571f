"""Who calls, and who may: the personas of the matrix and the short, explicit table of the
non-owner personas an operation lets act (everything else must be refused).

    owner             the owner of the objects named: portal A's insurer admin (level 6); the
                      platform operator for /v1/portals, the orderer for the orders, the
                      agent's handler for its notices and its signature, the case's customer on the customer
                      page, the outside partner's link on /v1/rfq-invitations
    lower_level       an insurer user of portal A at level 3
    task_partner      a level-3 user of partner P, whose company holds the case's task
    cross_case        the owner's case in the path with another case's object below it
    other_company     the level-6 admin of partner Q, which serves portal A but has nothing on
                      the case
    other_portal      the insurer admin of portal B
    customer_session  the cookie of the case's customer on the staff's paths; of another
                      case's customer on the customer page's own paths
    partner_link      an outside partner's RFQ link token, sent as a bearer token
    no_token, garbage_token (the owner's token, signature changed), forged_token (its claims
                      under alg none)"""
import base64
import json
import re

# column order of the matrix
PERSONAS = ("owner", "lower_level", "task_partner", "cross_case", "other_company",
            "other_portal", "customer_session", "partner_link", "no_token", "garbage_token",
            "forged_token")
# personas that cannot see the owner's objects at all: their refusal must not tell an
# existing id from a made-up one
INVISIBLE = ("other_portal", "other_company")
ANONYMOUS = ("customer_session", "partner_link", "no_token", "garbage_token", "forged_token")


def logged_in(persona, op):
    """Whether persona holds a credential op reads (then it acts in a scope of its own)."""
    if persona == "customer_session":
        return "customerSession" in op.schemes
    return persona not in ANONYMOUS


def _b64(obj):
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def forged(token):
    """token's claims under an unsigned header (alg none): a token nobody issued."""
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    return _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(claims) + "."


def garbage(token):
    """token with its signature changed."""
    head, claims, sig = token.split(".")
    sig = ("A" if sig[0] != "A" else "B") + sig[1:]
    return "%s.%s.%s" % (head, claims, sig)


def credentials(world, op):
    """persona -> (bearer token or None, cookie or None) for op, the owner's aside. The
    customer session is the owner's case's customer on the staff's paths, and the customer of
    another case on the customer page's own paths (where the owner is the first customer)."""
    t = world.tokens
    customer = world.other_customer_cookie if "customerSession" in op.schemes else \
        world.customer_cookie
    return {
        "lower_level": (t["ia_handler"], None),
        "task_partner": (t["p_worker"], None),
        # the owner's case with another case's object under it: by the partner that sees only
        # the first case on the cases paths, by an insurer user (who sees both) elsewhere
        "cross_case": (t["p_worker"] if op.path.startswith("/v1/cases/") else t["ia_handler"],
                       None),
        "other_company": (t["q_admin"], None),
        "other_portal": (t["ib_admin"], None),
        "customer_session": (None, customer or "claimsuite_customer=none"),
        # an outside partner holds no login, only its link: the link as a bearer credential
        "partner_link": (world.rfq_token or "no-link", None),
        "no_token": (None, None),
        "garbage_token": (garbage(t["ia_admin"]), None),
        "forged_token": (forged(t["ia_admin"]), None),
    }


def owner_of(op, world):
    """(persona label, token, cookie) of who owns the objects op names."""
    t = world.tokens
    if "customerSession" in op.schemes:
        return "customer", None, world.customer_cookie
    if op.path.startswith("/v1/rfq-invitations/"):
        return "link", None, None
    if op.path.startswith("/v1/portals"):
        return "operator", t["operator"], None
    if "{signature_id}" in op.path and "agent_handler" in t:
        return "agent_handler", t["agent_handler"], None  # the signer
    if op.path.startswith(("/v1/orders", "/v1/approvals")) and "orderer" in t:
        return "orderer", t["orderer"], None
    if op.path.startswith("/v1/notifications/") and "agent_handler" in t:
        return "agent_handler", t["agent_handler"], None
    return "ia_admin", t["ia_admin"], None


# (persona, methods, path regex): a non-owner persona an operation lets act, as its OpenAPI
# description says. Writes of these are not sent (they would succeed and change the world);
# their reads must succeed.
ALLOWED = [
    # every insurer user of the portal works on its cases ("the insurer's users")
    ("lower_level", "*", r"^/v1/cases/"),
    ("lower_level", "*", r"^/v1/customer/cases/"),
    # any authenticated user of the portal reads its role definitions
    ("lower_level", "GET", r"^/v1/roles/"),
    ("other_company", "GET", r"^/v1/roles/"),
    # insurer users see every company, office and user serving the portal
    ("lower_level", "GET", r"^/v1/(users|offices|companies)/\{id\}$"),
    # a role is named, not owned: another portal's admin reads and sets its own portal's
    ("other_portal", "*", r"^/v1/roles/"),
    # an upsert by external reference: another portal's insurer upserts in its own portal
    ("other_portal", "PUT", r"^/v1/cases/by-external-ref/"),
    # the partner company holding the case's task (the supplier) sees the case and works on
    # its task: reads, chat, calls, documents, reports, its budgets and invoices
    ("task_partner", "GET", r"^/v1/roles/"),
    ("task_partner", "GET", r"^/v1/(offices|companies)/\{id\}$"),  # its own office, company
    ("task_partner", "GET", r"^/v1/cases/\{id\}(/history|/budgets.*|/invoices.*|/cash-offers"
                            r"|/cost-control|/allowed-actions|/documents.*|/chat/.*|/calls|/rfqs"
                            r"|/tasks/\{task_id\}/reports|/reports.*)?$"),
    ("task_partner", "POST", r"^/v1/cases/\{id\}/(chat/messages|chat/read|calls|documents)$"),
    ("task_partner", "POST", r"^/v1/cases/\{id\}/tasks/\{task_id\}/(reports|budgets|invoices"
                             r"|status)$"),
    ("task_partner", "PATCH,PUT", r"^/v1/cases/\{id\}/tasks/\{task_id\}(/user)?$"),
    ("task_partner", "PATCH", r"^/v1/cases/\{id\}/budgets/\{budget_id\}$"),
    ("task_partner", "POST", r"^/v1/cases/\{id\}/budgets/\{budget_id\}/submit$"),
    # a partner's level-6 admin reads the portal's stored temporary-cases reports (the rows of
    # its own company's offices only)
    ("other_company", "GET", r"^/v1/reports/temporary-cases/"),
    # ends the cookie's session if any: nothing to refuse
    ("*", "POST", r"^/v1/customer-portal/logout$"),
]
# Creates (no object named in the path) a logged-in persona must be refused; other creates are
# not sent for logged-in personas, who would create in their own scope.
MUST_REFUSE_CREATE = [
    # operator only
    ("lower_level|task_partner|other_company|other_portal", r"^/v1/portals$"),
    # level-6 admins only
    ("lower_level|task_partner", r"^/v1/(users|offices|companies|companies/links|api-clients"
                                 r"|webhooks|portal/settings|customer/settings"
                                 r"|customer/settings/logo)$"),
    # the insurer's (its users, its admin) only
    ("task_partner|other_company", r"^/v1/(cases|temporary-cases|companies|companies/links"
                                   r"|api-clients|webhooks|portal/settings|customer/settings"
                                   r"|customer/settings/logo)$"),
    # a user of a customer organisation only
    ("lower_level|task_partner|other_company|other_portal", r"^/v1/orders$"),
]


def allowed(op, persona):
    for who, methods, pattern in ALLOWED:
        if who in (persona, "*") and (methods == "*" or op.method in methods.split(",")) and \
                re.search(pattern, op.path):
            return True
    return False


def must_refuse_create(op, persona):
    return any(persona in who.split("|") and re.search(p, op.path)
               for who, p in MUST_REFUSE_CREATE)
