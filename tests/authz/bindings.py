"""Where the matrix's requests point: each path parameter bound to an object of the world
(world.py) of the kind it names, a made-up id where the world has none, the variants a check
needs (a made-up first object; the owner's case with a second case's objects below it), and
multipart bodies."""
import re
import uuid

# path parameter -> the world's object (by path pattern where one name means several kinds)
PARAMS = [
    (r"^/v1/users/", "id", "user_ia_handler"),
    (r"^/v1/offices/", "id", "office_p"),
    (r"^/v1/companies/", "id", "company_p"),
    (r"^/v1/api-clients/", "id", "api_client"),
    (r"^/v1/portals/", "id", "portal_a"),
    (r"^/v1/webhooks/", "id", "webhook"),
    (r"^/v1/notifications/", "id", "notification"),
    (r"^/v1/customer-portal/messages/", "id", "customer_message"),
    (r"^/v1/reports/temporary-cases/", "report_id", "temporary_report"),
    (r"^/v1/cases/", "report_id", "report"),
    (r"", "id", "case"),
    (r"", "case_id", "case"),
    (r"", "task_id", "task"),
    (r"", "budget_id", "budget"),
    (r"", "invoice_id", "invoice"),
    (r"", "offer_id", "cash_offer"),
    (r"", "doc_id", "document"),
    (r"", "document_id", "document"),
    (r"", "rfq_id", "rfq"),
    (r"", "message_id", "customer_message"),
    (r"", "access_id", "access"),
    (r"", "logo_id", "logo"),
    (r"", "delivery_id", "delivery"),
    (r"", "order_id", "order"),
    (r"", "signature_id", "signature"),
    (r"", "ref", "external_ref"),
    (r"", "role", "role"),
    (r"", "n", "file_n"),
    (r"", "token", "rfq_token"),
]
FIXED = {"role": "external_case_handler", "file_n": "0"}


def param_value(op, name, ids):
    """(value, real): the world's object for path parameter name of op, or a made-up id."""
    for pattern, pname, key in PARAMS:
        if pname == name and re.search(pattern, op.path):
            if key in FIXED:
                return FIXED[key], True
            if ids.get(key):
                return ids[key], True
            return str(uuid.uuid4()), False
    return str(uuid.uuid4()), False


# operations whose object the world does not hold (judged as with a made-up id)
NOT_IN_WORLD = ()


# the second case's object of a kind, for the cross-case persona
OTHER_CASE = {"task": "other_task", "document": "other_document",
              "cash_offer": "other_cash_offer", "customer_message": "other_customer_message",
              "access": "other_access"}


def cross_fill(op, ids):
    """op's path with the owner's case and, below it, the second case's objects: None when op
    names no such object."""
    if len(op.params) < 2:
        return None
    path, crossed = op.path, False
    for i, name in enumerate(op.params):
        value, _ = param_value(op, name, ids)
        key = next((k for pat, pname, k in PARAMS if pname == name and re.search(pat, op.path)),
                   None)
        if i > 0 and ids.get(OTHER_CASE.get(key, "")):
            value, crossed = ids[OTHER_CASE[key]], True
        path = path.replace("{%s}" % name, value)
    return path + op.query(ids) if crossed else None


def fill(op, ids, ghost=False):
    """op's path (and required query) with the world's ids, and whether every object named
    is real; ghost: its first parameter made up."""
    path, real = op.path, op.name not in NOT_IN_WORLD
    for i, name in enumerate(op.params):
        value, ok = param_value(op, name, ids)
        if ghost and i == 0:
            value = str(uuid.uuid4()) if name != "token" else "x" + uuid.uuid4().hex * 2
        real = real and ok
        path = path.replace("{%s}" % name, value)
    return path + op.query(ids), real


def multipart(fields):
    boundary = "authzmatrix" + uuid.uuid4().hex[:12]
    out = b""
    for key, value in (fields or {}).items():
        if key in ("file", "files"):
            out += (b"--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"a.pdf\"\r\n"
                    b"Content-Type: application/pdf\r\n\r\n%%PDF-1.4\n%%%%EOF\n\r\n"
                    % (boundary.encode(), key.encode()))
        else:
            out += (b"--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                    % (boundary.encode(), key.encode(), str(value).encode()))
    if not fields:
        out += (b"--%s\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nauthz\r\n"
                % boundary.encode())
    out += b"--%s--\r\n" % boundary.encode()
    return out, "multipart/form-data; boundary=" + boundary


# a list's filter -> the owner's object it names
FILTERS = {"company": "company_p", "office": "office_p", "user_id": "user_ia_handler",
           "case_handler": "user_ia_admin", "external_case_handler": "user_ia_handler",
           "case_id": "case"}


def filtered(op, ids):
    """op's list path once per id filter, each naming an object of the owner's."""
    out = []
    for name in op.id_filters():
        if ids.get(FILTERS.get(name, "")):
            sep = "&" if "?" in op.path + op.query(ids) else "?"
            out.append("%s%s%s%s=%s" % (op.path, op.query(ids), sep, name, ids[FILTERS[name]]))
    return out
