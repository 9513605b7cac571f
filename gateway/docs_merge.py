#!/usr/bin/env python3
"""The one OpenAPI document the gateway serves at GET /v1/openapi.json: every path a client
reaches through the gateway (the gateway's own and the services' /v1/... and /c/... paths; not
the services' /internal/..., /healthz, /readyz, /metrics, which the gateway never routes), with
the components of all five documents. A component defined alike in several documents is kept
once; one whose definitions differ is renamed per service (CasesProblem, ...) and every $ref of
that document follows. A path in two documents is an error.

  docs_merge.py SOURCE_DIR OUT.json"""
import copy
import json
import sys

import yaml

SERVICES = ["policy", "cases", "customer", "orders"]


def routed(path):
    return path.startswith("/v1/") or path.startswith("/c/")


def rewrite_refs(node, renames):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            _, _, section, name = ref.split("/", 3)
            if (section, name) in renames:
                node["$ref"] = "#/components/%s/%s" % (section, renames[(section, name)])
        for v in node.values():
            rewrite_refs(v, renames)
    elif isinstance(node, list):
        for v in node:
            rewrite_refs(v, renames)


def main(src, out):
    docs = {"gateway": yaml.safe_load(open("%s/gateway/openapi.yaml" % src))}
    for s in SERVICES:
        docs[s] = yaml.safe_load(open("%s/services/%s/openapi.yaml" % (src, s)))

    # Which component names differ between documents: those are renamed per document. A
    # renaming changes the $refs inside other components, so repeat until nothing changes.
    renames = {n: {} for n in docs}
    while True:
        defs = {}
        for name, doc in docs.items():
            doc = copy.deepcopy(doc)
            rewrite_refs(doc, renames[name])
            for section, items in doc.get("components", {}).items():
                for comp, body in items.items():
                    defs.setdefault((section, comp), []).append((name, body))
        changed = False
        for (section, comp), owners in defs.items():
            if any(body != owners[0][1] for _, body in owners[1:]):
                for name, _ in owners:
                    if (section, comp) not in renames[name]:
                        renames[name][(section, comp)] = name.capitalize() + comp
                        changed = True
        if not changed:
            break

    merged = {
        "openapi": "3.1.0",
        "info": copy.deepcopy(docs["gateway"]["info"]),
        "servers": copy.deepcopy(docs["gateway"]["servers"]),
        "tags": [],
        "paths": {},
        "components": {},
        "x-tagGroups": [],
    }
    merged["info"]["title"] = "claimsuite API"
    merged["info"]["description"] = (
        "Every operation a client reaches through the gateway, merged from the documents of "
        "the gateway and the policy, cases, customer and orders services (each also at "
        "/openapi/{service}.yaml, with the service's own /internal, health and metrics "
        "paths).\n\n" + docs["gateway"]["info"].get("description", ""))
    seen_tags = {}
    for name, doc in docs.items():
        doc = copy.deepcopy(doc)
        rewrite_refs(doc, renames[name])
        default_security = doc.get("security")
        used_tags = []
        for path, item in doc.get("paths", {}).items():
            if name != "gateway" and not routed(path):
                continue
            if path in merged["paths"]:
                sys.exit("docs_merge: %s is in two documents" % path)
            for method, op in item.items():
                if not isinstance(op, dict) or "responses" not in op:
                    continue
                # the document's default security, made explicit: the merged one has none
                if "security" not in op and default_security is not None:
                    op["security"] = default_security
                for t in op.get("tags", []):
                    if t not in used_tags:
                        used_tags.append(t)
            merged["paths"][path] = item
        for section, items in doc.get("components", {}).items():
            target = merged["components"].setdefault(section, {})
            for comp, body in items.items():
                comp = renames[name].get((section, comp), comp)
                if comp in target and target[comp] != body:
                    sys.exit("docs_merge: components/%s/%s clashes" % (section, comp))
                target[comp] = body
        described = {t["name"]: t for t in doc.get("tags", [])}
        group = []
        for t in used_tags:
            if t in seen_tags:
                continue  # the first document that uses a tag keeps it
            seen_tags[t] = name
            merged["tags"].append(described.get(t, {"name": t}))
            group.append(t)
        if not group:
            continue
        merged["x-tagGroups"].append({"name": name, "tags": group})
    with open(out, "w") as f:
        json.dump(merged, f, separators=(",", ":"), sort_keys=False)
        f.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
