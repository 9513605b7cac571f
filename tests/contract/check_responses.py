#!/usr/bin/env python3
"""Holds every answer the integration tests received (recorded by tests/support/tl_http.c with
CLAIMSUITE_RECORD_RESPONSES=DIR, one DIR/<test>.jsonl per test binary) against the OpenAPI
documents: the operation (method and path template) must be documented, the status among its
responses (exactly, as 4XX, or default), the Content-Type among that response's media types,
and a JSON body valid against the media type's schema (JSON Schema 2020-12, $refs resolved in
the document). An answer of the gateway is held against the gateway's document and the paths it
routes of the services' (/v1/..., /c/...), an answer of a service against that service's. A
path or method no document has may only be refused as every path is (a problem+json 400, 404,
405, 413 or 414); a HEAD is held as its GET, a CORS preflight (OPTIONS) must be 204 or a
problem. Only answers of the stack's gateway and services are held (the stack's environment
file names them); fixtures the tests start (recording upstreams, probes) are not documented
APIs. Exit 0: all hold; 1: mismatches, each kind listed once with a count and an
example; 77: nothing recorded.

  check_responses.py SOURCE_DIR RECORD_DIR STACK_ENV"""
import collections
import glob
import json
import os
import re
import sys
import warnings

import yaml
from jsonschema import Draft202012Validator

try:  # newer jsonschema resolves $refs through a registry
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
except ImportError:  # Debian's jsonschema (4.10): RefResolver
    Registry = None
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from jsonschema import RefResolver

DOCS = ["gateway/openapi.yaml"] + ["services/%s/openapi.yaml" % s
                                   for s in ("policy", "cases", "customer", "orders")]
JSON_TYPE = re.compile(r"^application/(.+\+)?json$")


GENERIC_REFUSALS = {400, 404, 405, 413, 414}
ORIGIN_DOCS = {"GATEWAY_URL": "gateway", "POLICY_URL": "services/policy",
               "CASES_URL": "services/cases", "CUSTOMER_URL": "services/customer",
               "ORDERS_URL": "services/orders"}


def load_docs(src):
    docs = []
    for name in DOCS:
        doc = yaml.safe_load(open(os.path.join(src, name)))
        routes = []
        for template, item in doc.get("paths", {}).items():
            item["x-routed"] = template.startswith("/v1/") or template.startswith("/c/")
            pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            routes.append((template.count("{"), re.compile(pattern), template, item))
        routes.sort(key=lambda r: r[0])  # literal segments before parameters
        docs.append((name, doc, routes, validator_factory(name, doc)))
    return docs


def escape(segment):
    return segment.replace("~", "~0").replace("/", "~1")


def validator_factory(name, doc):
    """f(pointer) -> a validator of the schema at JSON pointer in doc, its $refs resolved in doc."""
    if Registry is not None:
        uri = "urn:claimsuite:" + name
        registry = Registry().with_resource(uri, Resource(contents=doc, specification=DRAFT202012))
        return lambda pointer: Draft202012Validator({"$ref": uri + "#" + pointer}, registry=registry)
    resolver = RefResolver.from_schema(doc)
    return lambda pointer: Draft202012Validator({"$ref": "#" + pointer}, resolver=resolver)


def deref(doc, node, pointer):
    """The node a $ref chain ends at, and its JSON pointer."""
    while isinstance(node, dict) and "$ref" in node:
        pointer = node["$ref"][1:]
        node = doc
        for p in pointer.lstrip("/").split("/"):
            node = node[p.replace("~1", "/").replace("~0", "~")]
    return node, pointer


VALIDATED = [0]  # bodies held against a schema


def is_problem(rec):
    return ((rec.get("content_type") or "").startswith("application/problem+json")
            and isinstance(rec.get("body"), dict) and rec["body"].get("status") == rec["status"])


def check_one(doc, validator, template, method, op, rec):
    """None when rec holds against op, else (kind, detail)."""
    responses = op.get("responses", {})
    status = str(rec["status"])
    for code in (status, status[0] + "XX", "default"):
        if code in responses:
            break
    else:
        return ("undocumented status", "")
    resp, pointer = deref(doc, responses[code], "/paths/%s/%s/responses/%s"
                          % (escape(template), method, code))
    content = resp.get("content")
    if not content or rec["status"] == 304 or rec["method"] == "HEAD":
        return None
    ctype = (rec.get("content_type") or "").split(";")[0].strip().lower()
    declared = ctype if ctype in content else None
    for d in content:
        if declared is None and (d == "*/*" or d.endswith("/*") and ctype.startswith(d[:-1])):
            declared = d
    if declared is None:
        return ("undocumented content type", "%s (documented: %s)" % (ctype, ", ".join(content)))
    if "body" not in rec or not JSON_TYPE.match(ctype) or "schema" not in content[declared]:
        return None
    schema_pointer = "%s/content/%s/schema" % (pointer, escape(declared))
    VALIDATED[0] += 1
    errors = sorted(validator(schema_pointer).iter_errors(rec["body"]),
                    key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.absolute_path) or "(body)"
        return ("schema", "%s: %s" % (where, e.message[:300]))
    return None


def main(src, record_dir, stack_env):
    origins = {}  # origin -> the document its answers are held against
    for line in open(stack_env):
        k, _, v = line.strip().partition("=")
        if k in ORIGIN_DOCS:
            origins[v.rstrip("/")] = ORIGIN_DOCS[k]
    docs = load_docs(src)
    files = sorted(glob.glob(os.path.join(record_dir, "*.jsonl")))
    held = skipped = 0
    mismatches = collections.OrderedDict()
    for path in files:
        test = os.path.basename(path)[:-len(".jsonl")]
        for line in open(path):
            rec = json.loads(line)
            server = origins.get(rec["origin"].rstrip("/"))
            if server is None or rec["status"] == 0:
                skipped += 1
                continue
            held += 1
            method = "get" if rec["method"] == "HEAD" else rec["method"].lower()
            if method == "options":  # refused like any request when CORS is off (401)
                if rec["status"] == 204 or is_problem(rec):
                    continue
                key = (rec["method"], rec["path"], rec["status"], "preflight answer", "")
                mismatches.setdefault(key, [0, test])[0] += 1
                continue
            candidates = []
            for name, doc, routes, validator in docs:
                via_gateway = server == "gateway" and name.startswith("services/")
                if name != server + "/openapi.yaml" and not via_gateway:
                    continue
                for _, pattern, template, item in routes:
                    if pattern.match(rec["path"]) and (item["x-routed"] or not via_gateway):
                        if method in item:
                            candidates.append((doc, validator, template, item[method]))
                        break
            if not candidates:
                if rec["status"] in GENERIC_REFUSALS and is_problem(rec):
                    continue
                key = (rec["method"], rec["path"], rec["status"], "undocumented operation", "")
            else:
                results = [check_one(doc, v, tpl, method, op, rec) for doc, v, tpl, op in candidates]
                if any(r is None for r in results):
                    continue
                kind, detail = results[0]
                key = (rec["method"], candidates[0][2], rec["status"], kind, detail)
            entry = mismatches.setdefault(key, [0, test])
            entry[0] += 1
    if held == 0:
        print("check_responses: no answers recorded in %s (run the integration tests first)"
              % record_dir)
        return 77
    bad = sum(n for n, _ in mismatches.values())
    for (method, template, status, kind, detail), (n, test) in mismatches.items():
        print("MISMATCH %s %s %s: %s %s (%d answers, e.g. in %s)"
              % (method, template, status, kind, detail, n, test))
    print("check_responses: %d answers from %d test binaries held against the documents (%d "
          "bodies against their schema), %d mismatched (%d kinds); %d from test fixtures not held"
          % (held, len(files), VALIDATED[0], bad, len(mismatches), skipped))
    return 1 if mismatches else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
