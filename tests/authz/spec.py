"""The operations the matrix judges, read from the services' OpenAPI documents: every public
operation that takes a path parameter or asks for a credential, with what it documents for a
refusal and a plausible request body built from its schema."""
import re
import urllib.parse
import yaml

SERVICES = ("policy", "cases", "customer", "orders")
METHODS = ("get", "put", "post", "patch", "delete")
REFUSALS = {401, 403, 404}


class Operation:
    def __init__(self, service, path, method, op, doc):
        self.service = service
        self.path = path
        self.method = method.upper()
        self.op = op
        self.doc = doc
        self.statuses = {int(s) for s in op.get("responses", {}) if str(s).isdigit()}
        sec = op.get("security", doc.get("security") or [])
        self.schemes = sorted({k for req in sec for k in req})
        self.params = re.findall(r"\{([^}]+)\}", path)

    @property
    def name(self):
        return "%s %s" % (self.method, self.path)

    @property
    def is_read(self):
        return self.method == "GET"

    @property
    def documented_refusals(self):
        return self.statuses & REFUSALS

    def query(self, ids):
        """The operation's required query parameters, sampled ('' when none)."""
        out = []
        params = list(self.doc["paths"][self.path].get("parameters", [])) + \
            list(self.op.get("parameters", []))
        for p in params:
            p = _resolve(self.doc, p)
            if p.get("in") == "query" and p.get("required"):
                value = sample(self.doc, p.get("schema", {}), ids, p["name"], 1)
                out.append("%s=%s" % (p["name"], urllib.parse.quote(str(value))))
        return ("?" + "&".join(out)) if out else ""

    def id_filters(self):
        """The names of the optional query parameters that take an object's id (filters)."""
        out = []
        params = list(self.doc["paths"][self.path].get("parameters", [])) + \
            list(self.op.get("parameters", []))
        for p in params:
            p = _resolve(self.doc, p)
            if p.get("in") == "query" and not p.get("required") and \
                    _merge(self.doc, p.get("schema", {})).get("format") == "uuid":
                out.append(p["name"])
        return out

    def request_media(self):
        content = (self.op.get("requestBody") or {}).get("content") or {}
        for media in ("application/json", "multipart/form-data",
                      "application/x-www-form-urlencoded"):
            if media in content:
                return media, content[media]
        return None, None


def load(source_dir):
    """Every operation to judge, in document order."""
    ops = []
    for svc in SERVICES:
        with open("%s/services/%s/openapi.yaml" % (source_dir, svc)) as f:
            doc = yaml.safe_load(f)
        for path, item in doc["paths"].items():
            if not path.startswith("/v1/"):
                continue  # health, metrics, /internal (never routed) and the page's files
            for method in METHODS:
                if method not in item:
                    continue
                op = Operation(svc, path, method, item[method], doc)
                if op.params or op.schemes:
                    ops.append(op)
    return ops


# ---- request bodies ------------------------------------------------------------------------
def _resolve(doc, schema, depth=0):
    while isinstance(schema, dict) and "$ref" in schema and depth < 20:
        node = doc
        for key in schema["$ref"].split("/")[1:]:
            node = node[key]
        schema = node
        depth += 1
    return schema if isinstance(schema, dict) else {}


def _merge(doc, schema):
    """allOf flattened into one object schema; the first branch of oneOf/anyOf."""
    schema = _resolve(doc, schema)
    if "allOf" in schema:
        out = {k: v for k, v in schema.items() if k != "allOf"}
        props, required = {}, []
        for part in schema["allOf"]:
            part = _merge(doc, part)
            props.update(part.get("properties", {}))
            required += part.get("required", [])
            for k, v in part.items():
                if k not in ("properties", "required"):
                    out.setdefault(k, v)
        if props:
            out["properties"], out["required"] = props, required
            out.setdefault("type", "object")
        return out
    for key in ("oneOf", "anyOf"):
        if key in schema:
            for part in schema[key]:
                part = _merge(doc, part)
                if part.get("type") != "null":
                    return part
    return schema


def sample(doc, schema, ids, name="", depth=0):
    """A value valid for schema as far as a sample can be: its example, else built from the
    required properties; uuids of a known kind take a real id of the world (ids)."""
    schema = _merge(doc, schema)
    if depth > 8:
        return None
    if "example" in schema and depth > 0:
        return schema["example"]
    if schema.get("examples") and isinstance(schema["examples"], list) and depth > 0:
        return schema["examples"][0]
    if "default" in schema and depth > 0:
        return schema["default"]
    if "enum" in schema:
        vals = [v for v in schema["enum"] if v is not None]
        return vals[0] if vals else None
    if "const" in schema:
        return schema["const"]
    t = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(t, list):
        t = [x for x in t if x != "null"][0] if [x for x in t if x != "null"] else "null"
    if t == "object":
        out = {}
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            out[key] = sample(doc, props.get(key, {}), ids, key, depth + 1)
        return out
    if t == "array":
        n = max(1, schema.get("minItems", 1))
        return [sample(doc, schema.get("items", {}), ids, name, depth + 1) for _ in range(n)]
    if t == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if t == "number":
        return max(1, schema.get("minimum", 1))
    if t == "boolean":
        return True
    if t == "null":
        return None
    fmt = schema.get("format", "")
    if fmt == "uuid":
        for key, kind in (("office", "office_p"), ("task", "task"), ("document", "document"),
                          ("user", "user_p_worker"), ("handler", "user_ia_handler"),
                          ("attestant", "user_ia_handler"), ("company", "company_p"),
                          ("case", "case")):
            if key in name and kind in ids:
                return ids[kind]
        return ids.get("case", "00000000-0000-4000-8000-000000000000")
    if fmt == "date":
        return "2027-01-15"
    if fmt == "date-time":
        return "2026-01-02T10:00:00Z"
    if fmt == "email" or name == "email":
        return "someone@authz.test"
    if fmt in ("uri", "url") or name == "url":
        return "https://hooks.authz.test/x"
    if "phone" in name or name == "number":
        return "+46 70 111 22 33"
    digits = re.fullmatch(r"\^?(?:\\d|\[0-9\])\{(\d+)\}\$?", schema.get("pattern", ""))
    if digits:
        return "123456789012345"[:int(digits.group(1))]
    if "pattern" in schema and "[A-Z]{3}" in schema["pattern"]:
        return "SEK"
    if "pattern" in schema and "[A-Z]{2}" in schema["pattern"]:
        return "SE"
    if "pattern" in schema and schema["pattern"].startswith("^[a-z]"):
        return "water"
    if "time" in name or re.search(r"\^?\\d\{2\}:", schema.get("pattern", "")):
        return "08:00"
    n = max(schema.get("minLength", 1), 4)
    return ("authz" * 8)[:min(n, schema.get("maxLength", n))] or "x"


UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _real_ids(value, ids, name=""):
    """The example's made-up uuids replaced by the world's ids of the same kind: a refusal must
    come from who asks, not from an id nobody has."""
    if isinstance(value, dict):
        return {k: _real_ids(v, ids, k) for k, v in value.items()}
    if isinstance(value, list):
        out = []
        for v in value:  # two made-up ids may become one real one: keep the list unique
            v = _real_ids(v, ids, name)
            if v not in out:
                out.append(v)
        return out
    if isinstance(value, str) and UUID.match(value) and value not in ids.values():
        return sample({}, {"type": "string", "format": "uuid"}, ids, name, 1)
    return value


# Bodies the schema cannot tell: a decision that needs no quote of its own.
BODIES = {"POST /v1/cases/{id}/rfqs/{rfq_id}/decision": {"outcome": "no_award"}}


def body_for(op, ids):
    """(media type, body) of a plausible request of op; (None, None) without a body."""
    media, content = op.request_media()
    if media is None:
        return None, None
    if op.name in BODIES:
        return media, BODIES[op.name]
    schema = _merge(op.doc, content.get("schema", {}))
    if media == "application/json" and "example" in content:
        return media, _real_ids(content["example"], ids)
    body = sample(op.doc, schema, ids)
    if body == {} and schema.get("properties"):
        # a change with nothing required: change the first thing it may
        key = next(iter(schema["properties"]))
        body[key] = sample(op.doc, schema["properties"][key], ids, key, 1)
    return media, body


def _takes_id(doc, schema):
    schema = _merge(doc, schema)
    if schema.get("format") == "uuid":
        return "one"
    if schema.get("type") == "array" and _merge(doc, schema.get("items", {})).get("format") == \
            "uuid":
        return "many"
    return None


def foreign_body(op, ids):
    """A JSON body of op whose every top-level id field names one of the owner's objects (ids:
    the world's): a create in one's own scope that binds someone else's object. None when op
    has no such field."""
    media, content = op.request_media()
    if media != "application/json":
        return None
    _, body = body_for(op, ids)
    if not isinstance(body, dict):
        return None
    schema = _merge(op.doc, content.get("schema", {}))
    named = False
    for key, prop in schema.get("properties", {}).items():
        kind = None if _merge(op.doc, prop).get("readOnly") else _takes_id(op.doc, prop)
        if kind:
            value = sample({}, {"type": "string", "format": "uuid"}, ids, key, 1)
            body[key] = value if kind == "one" else [value]
            named = True
    return body if named else None
