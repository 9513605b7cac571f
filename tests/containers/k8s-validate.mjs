// Validates Kubernetes manifests against the Kubernetes API schemas: every document of every
// file given, by its apiVersion and kind, with the npm package kubernetes-models (the schemas
// of the Kubernetes OpenAPI spec, checked with ajv) and yaml to read the files.
//   NODE_PATH=DIR/node_modules node tests/containers/k8s-validate.mjs deploy/k8s/*.yaml
// DIR: where `npm install kubernetes-models@5 yaml@2` put them (tests/containers/k8s.sh).
// Prints one line per document and "N passed, N failed"; exits 1 on any failure.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const modules = process.env.NODE_PATH;
if (!modules) {
  console.error("k8s-validate: NODE_PATH must name the node_modules holding kubernetes-models and yaml");
  process.exit(2);
}
const require = createRequire(join(modules, "noop.js"));
const YAML = require("yaml");
const models = join(modules, "kubernetes-models");

let passed = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  const docs = YAML.parseAllDocuments(readFileSync(file, "utf8"));
  for (const doc of docs) {
    if (doc.errors.length) {
      failed++;
      console.log(`FAIL - ${file}: YAML: ${doc.errors[0].message}`);
      continue;
    }
    const obj = doc.toJS();
    if (obj == null) continue;
    const what = `${file}: ${obj.kind} ${obj.metadata?.name ?? "?"} (${obj.apiVersion})`;
    // "apps/v1" -> apps/v1, "v1" -> v1 (the core group)
    const modPath = join(models, ...String(obj.apiVersion).split("/"), `${obj.kind}.js`);
    let Model;
    try {
      Model = (await import(pathToFileURL(modPath).href))[obj.kind];
    } catch {
      failed++;
      console.log(`FAIL - ${what}: no schema for this apiVersion and kind`);
      continue;
    }
    try {
      new Model(obj).validate();
      passed++;
      console.log(`ok   - ${what}`);
    } catch (e) {
      failed++;
      const errs = e.errors ? e.errors.map((x) => `${x.instancePath || "/"} ${x.message}`).join("; ") : e.message;
      console.log(`FAIL - ${what}: ${errs}`);
    }
  }
}
console.log(`k8s schemas: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
