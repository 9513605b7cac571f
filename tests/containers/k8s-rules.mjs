// What the Kubernetes manifests must hold beyond their schemas, so that they follow what the
// compose stack proves (tests/containers/check.sh):
// - nothing applied holds a placeholder (CHANGE_ME);
// - every Secret and key a Deployment uses is one deploy/k8s/make-secrets.sh writes, and every
//   database URL it writes asks sslmode=require or stricter;
// - every Deployment has a PodDisruptionBudget selecting its pods and spreads its replicas over
//   nodes (topologySpreadConstraints on kubernetes.io/hostname);
// - each program gets the same environment variables as in docker-compose.yml (its env plus the
//   shared ConfigMap's keys on one side, its compose environment on the other).
//   NODE_PATH=DIR/node_modules node k8s-rules.mjs COMPOSE_FILE SECRETS_FILE MANIFEST...
// Prints one line per rule and "N passed, N failed"; exits 1 on any failure.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, resolve } from "node:path";

const require = createRequire(resolve(process.env.NODE_PATH ?? ".", "noop.js"));
const YAML = require("yaml");

const [composeFile, secretsFile, ...manifests] = process.argv.slice(2);
let passed = 0;
let failed = 0;
function rule(ok, what) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} - ${what}`);
}
const docsOf = (file) => YAML.parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS()).filter(Boolean);

const applied = manifests.flatMap((f) => docsOf(f).map((d) => ({ file: basename(f), d })));
for (const f of manifests) {
  rule(!readFileSync(f, "utf8").includes("CHANGE_ME"), `${basename(f)} holds no CHANGE_ME`);
}
const of = (kind) => applied.filter((x) => x.d.kind === kind).map((x) => x.d);
const deployments = of("Deployment");
const budgets = of("PodDisruptionBudget");
const configKeys = new Set(of("ConfigMap").flatMap((c) => Object.keys(c.data ?? {})));

// the Secrets make-secrets.sh wrote (run by k8s.sh with test values)
const secrets = new Map(docsOf(secretsFile).filter((d) => d.kind === "Secret")
  .map((s) => [s.metadata.name, s.stringData ?? {}]));
rule(!readFileSync(secretsFile, "utf8").includes("CHANGE_ME"), "make-secrets.sh writes no CHANGE_ME");
for (const [key, url] of Object.entries(secrets.get("claimsuite-db") ?? {})) {
  rule(/\bsslmode=(require|verify-ca|verify-full)\b/.test(url), `claimsuite-db ${key}: sslmode=require or stricter`);
}

const selects = (selector, labels) =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
  Object.keys(selector?.matchLabels ?? {}).length > 0;

// compose: the environment of each service, merge keys (<<) resolved
const compose = YAML.parse(readFileSync(composeFile, "utf8"), { merge: true });

for (const dep of deployments) {
  const name = dep.metadata.name;
  const pod = dep.spec.template.spec;
  const labels = dep.spec.template.metadata.labels ?? {};

  const used = [];
  for (const c of pod.containers) {
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref) used.push([ref.name, ref.key]);
    }
  }
  for (const v of pod.volumes ?? []) {
    if (!v.secret) continue;
    const items = v.secret.items?.map((i) => i.key) ?? [...Object.keys(secrets.get(v.secret.secretName) ?? {})];
    if (items.length === 0) used.push([v.secret.secretName, "(any key)"]);
    for (const k of items) used.push([v.secret.secretName, k]);
  }
  const missing = used.filter(([s, k]) => !(secrets.get(s) && k in secrets.get(s)));
  rule(missing.length === 0, `Deployment ${name}: every Secret key it uses is written by make-secrets.sh` +
    (missing.length ? ` (missing: ${missing.map((m) => m.join("/")).join(", ")})` : ""));

  rule(budgets.some((b) => selects(b.spec.selector, labels) && (b.spec.minAvailable ?? 0) >= 1),
    `Deployment ${name}: a PodDisruptionBudget keeps one replica at least`);
  rule((pod.topologySpreadConstraints ?? []).some((t) => t.topologyKey === "kubernetes.io/hostname" &&
    selects(t.labelSelector, labels)), `Deployment ${name}: replicas spread over nodes`);

  const service = compose.services?.[name];
  if (!service) {
    rule(false, `Deployment ${name}: a service of that name in ${basename(composeFile)}`);
    continue;
  }
  const inCompose = new Set(Object.keys(service.environment ?? {}));
  const inK8s = new Set([...pod.containers[0].env ?? []].map((e) => e.name));
  const onlyCompose = [...inCompose].filter((k) => !inK8s.has(k) && !configKeys.has(k));
  const onlyK8s = [...inK8s].filter((k) => !inCompose.has(k));
  rule(onlyCompose.length === 0 && onlyK8s.length === 0,
    `Deployment ${name}: the same environment as compose's ${name}` +
    (onlyCompose.length ? `; compose only: ${onlyCompose.join(", ")}` : "") +
    (onlyK8s.length ? `; Kubernetes only: ${onlyK8s.join(", ")}` : ""));
}
rule(deployments.length >= 5, `${deployments.length} Deployments (gateway and the four services)`);

console.log(`k8s rules: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
