#!/usr/bin/env node
// Validates Kubernetes manifests offline, the way the API server would read them, without a cluster.
//
//   node deploy/local/validate-manifests.mjs [options] FILE|DIR...
//
//     --allow-unchecked GROUP/VERSION/KIND=REASON   accept a kind that has no schema model (repeatable);
//                                                   its objects get the generic checks only
//     --pod-security restricted|baseline|none       Pod Security Standard the pod templates must meet
//                                                   (default: restricted, what the campus namespaces enforce)
//
// Every FILE (or each *.yaml/*.yml under a DIR) is one render: multi-document YAML, the output of `helm template`
// or a plain manifest. For each file it prints `ok FILE: N objects` or `FAILED FILE: N objects, M errors` followed
// by one line per error (`FILE:LINE: Kind/name: /json/path: message`). Exit status: 0 when every file passed,
// 1 when any error was found, 2 on a usage error.
//
// What is checked, per object:
//   - the YAML as the API server reads it: YAML 1.1 scalars (unquoted on/off/yes/no/y/n are booleans, 0755 is
//     octal), duplicate keys refused;
//   - a schema model picked by apiVersion + kind (npm kubernetes-models for the built-in APIs,
//     @kubernetes-models/prometheus-operator, @kubernetes-models/gateway-api): its validate() (types, required
//     fields, enums, int32, quantity and duration formats, patterns);
//   - unknown fields. validate() ignores them, and the API server drops them silently on a non-strict apply
//     (`replica: 3` runs one replica). The models ship their schemas as compiled validators, not as JSON, so the
//     declared fields are observed instead of read: validate() runs on a proxy of the object that records which
//     properties it reads. A compiled validator reads every property its schema declares; a map
//     (additionalProperties) is enumerated; a free-form object (x-kubernetes-preserve-unknown-fields, RawExtension)
//     is neither. A key present in a declared object that the validator never read is not in the schema;
//   - removed and beta API versions (policy/v1beta1, autoscaling/v2beta2, networking.k8s.io/v1beta1, ...);
//   - kinds without a model are refused unless allow-listed (UNCHECKED below or --allow-unchecked), and reported
//     as "not schema-checked";
//   - rules that only the API server or the kubelet applies: object names per kind (DNS-1123 label/subdomain,
//     DNS-1035 for Services, path segments for RBAC, length limits of Jobs and CronJobs), namespace names,
//     label and annotation syntax, ConfigMap/Secret keys, port ranges and port names, resource quantities and
//     requests <= limits, restartPolicy (Never|OnFailure for Jobs, Always for the other workloads), a non-empty
//     workload selector that matches the template labels, unique container / volume / port names, volume mounts
//     that name a volume, one handler per probe, runAsNonRoot with runAsUser 0, env names unique per container,
//     HPA min <= max, and the Pod Security Standard the namespace enforces;
//   - per render: no duplicate (group, kind, namespace, name); a Service or PodDisruptionBudget that selects no pod
//     template of the render (when it has any), a ServiceMonitor that selects no Service of the render (when it has
//     any: an operator's ServiceMonitor may select the Services that operator creates); an HPA whose target is not
//     in the render; a Service targetPort name, a ServiceMonitor endpoint port or an HTTPRoute backend port that the
//     selected pods or the named Service do not have.
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";

// Kinds we may ship with no schema model installed here. Their objects get the generic checks (names, labels,
// duplicates) and are reported as "not schema-checked": the operator's admission webhook validates them in a cluster.
const UNCHECKED = new Map([
  ["postgresql.cnpg.io/v1/Cluster", "CloudNativePG CRD, no schema model installed: validated by the operator's webhook in the cluster"],
  ["postgresql.cnpg.io/v1/Pooler", "CloudNativePG CRD, no schema model installed: validated by the operator's webhook in the cluster"],
  ["postgresql.cnpg.io/v1/Database", "CloudNativePG CRD, no schema model installed: validated by the operator's webhook in the cluster"],
  ["postgresql.cnpg.io/v1/ScheduledBackup", "CloudNativePG CRD, no schema model installed: validated by the operator's webhook in the cluster"],
  ["rabbitmq.com/v1beta1/RabbitmqCluster", "RabbitMQ Cluster Operator CRD, no schema model installed: validated by the operator in the cluster"],
]);

// API versions that are removed, deprecated or not GA. Built-in groups must use a GA version; the messages name it.
const REMOVED_VERSIONS = new Map([
  ["extensions/v1beta1", "removed in Kubernetes 1.16/1.22: use apps/v1 (workloads) or networking.k8s.io/v1 (Ingress, NetworkPolicy)"],
  ["apps/v1beta1", "removed in Kubernetes 1.16: use apps/v1"],
  ["apps/v1beta2", "removed in Kubernetes 1.16: use apps/v1"],
  ["policy/v1beta1", "removed in Kubernetes 1.25: use policy/v1 (PodSecurityPolicy has no successor: Pod Security admission)"],
  ["autoscaling/v2beta1", "removed in Kubernetes 1.25: use autoscaling/v2"],
  ["autoscaling/v2beta2", "removed in Kubernetes 1.26: use autoscaling/v2"],
  ["batch/v1beta1", "removed in Kubernetes 1.25: use batch/v1"],
  ["networking.k8s.io/v1beta1", "Ingress and IngressClass were removed from it in Kubernetes 1.22: use networking.k8s.io/v1"],
  ["rbac.authorization.k8s.io/v1beta1", "removed in Kubernetes 1.22: use rbac.authorization.k8s.io/v1"],
  ["rbac.authorization.k8s.io/v1alpha1", "removed in Kubernetes 1.22: use rbac.authorization.k8s.io/v1"],
  ["discovery.k8s.io/v1beta1", "removed in Kubernetes 1.25: use discovery.k8s.io/v1"],
  ["events.k8s.io/v1beta1", "removed in Kubernetes 1.25: use events.k8s.io/v1"],
  ["node.k8s.io/v1beta1", "removed in Kubernetes 1.25: use node.k8s.io/v1"],
  ["scheduling.k8s.io/v1beta1", "removed in Kubernetes 1.22: use scheduling.k8s.io/v1"],
  ["storage.k8s.io/v1beta1", "removed in Kubernetes 1.22/1.27: use storage.k8s.io/v1"],
  ["admissionregistration.k8s.io/v1beta1", "removed in Kubernetes 1.22: use admissionregistration.k8s.io/v1"],
  ["apiextensions.k8s.io/v1beta1", "removed in Kubernetes 1.22: use apiextensions.k8s.io/v1"],
  ["certificates.k8s.io/v1beta1", "removed in Kubernetes 1.22: use certificates.k8s.io/v1"],
  ["coordination.k8s.io/v1beta1", "removed in Kubernetes 1.22: use coordination.k8s.io/v1"],
  ["flowcontrol.apiserver.k8s.io/v1beta1", "removed in Kubernetes 1.26: use flowcontrol.apiserver.k8s.io/v1"],
  ["flowcontrol.apiserver.k8s.io/v1beta2", "removed in Kubernetes 1.29: use flowcontrol.apiserver.k8s.io/v1"],
  ["flowcontrol.apiserver.k8s.io/v1beta3", "removed in Kubernetes 1.32: use flowcontrol.apiserver.k8s.io/v1"],
  ["gateway.networking.k8s.io/v1beta1", "deprecated Gateway API version: use gateway.networking.k8s.io/v1"],
  ["gateway.networking.k8s.io/v1alpha2", "experimental Gateway API version: use gateway.networking.k8s.io/v1"],
]);
const BUILTIN_GROUPS = new Set(["", "apps", "batch", "autoscaling", "policy", "extensions"]);

// Where each API group's models live.
function modelModule(group, version, kind) {
  if (group === "") return `kubernetes-models/${version}/${kind}`;
  if (group === "monitoring.coreos.com") return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
  if (group === "gateway.networking.k8s.io" || group === "gateway.networking.x-k8s.io") {
    return `@kubernetes-models/gateway-api/${group}/${version}/${kind}`;
  }
  return `kubernetes-models/${group}/${version}/${kind}`;
}

// ------------------------------------------------------------------------------------------------------------------
// Name and syntax rules of k8s.io/apimachinery/pkg/util/validation
// ------------------------------------------------------------------------------------------------------------------
const RE_DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const RE_DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const RE_DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const RE_QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const RE_LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const RE_CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const RE_QUANTITY = /^[+-]?(?:\d+|\d+\.\d*|\.\d+)(?:Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;
// The format @kubernetes-models/validate checks (any SI prefix).
const RE_MODEL_QUANTITY = /^[+-]?(?:\d+|\d+\.\d+|\d+\.|\.\d+)(?:[KMGTPE]i|[YZEPTGMkhdcmunpfazy]|da|[eE][+-]?(?:\d+|\d+\.\d+|\d+\.|\.\d+))?$/;

function dns1123Label(v) {
  if (typeof v !== "string" || v.length === 0) return "must be a non-empty string";
  if (v.length > 63) return `must be no more than 63 characters (has ${v.length})`;
  if (!RE_DNS1123_LABEL.test(v)) return "must be a DNS-1123 label: lower case letters, digits and '-', starting and ending with a letter or digit";
  return null;
}
function dns1123Subdomain(v) {
  if (typeof v !== "string" || v.length === 0) return "must be a non-empty string";
  if (v.length > 253) return `must be no more than 253 characters (has ${v.length})`;
  if (!RE_DNS1123_SUBDOMAIN.test(v)) return "must be a DNS-1123 subdomain: lower case letters, digits, '-' and '.', starting and ending with a letter or digit";
  return null;
}
function dns1035Label(v) {
  if (typeof v !== "string" || v.length === 0) return "must be a non-empty string";
  if (v.length > 63) return `must be no more than 63 characters (has ${v.length})`;
  if (!RE_DNS1035_LABEL.test(v)) return "must be a DNS-1035 label: lower case letters, digits and '-', starting with a letter and ending with a letter or digit";
  return null;
}
function pathSegmentName(v) {
  if (typeof v !== "string" || v.length === 0) return "must be a non-empty string";
  if (v === "." || v === "..") return `may not be '${v}'`;
  if (/[/%]/.test(v)) return "may not contain '/' or '%'";
  return null;
}
function ianaServiceName(v) {
  if (v.length > 15) return `must be no more than 15 characters (has ${v.length})`;
  if (!/^[-a-z0-9]+$/.test(v)) return "must contain only lower case letters, digits and '-' (an IANA service name)";
  if (!/[a-z]/.test(v)) return "must contain at least one letter (an IANA service name)";
  if (v.startsWith("-") || v.endsWith("-")) return "must not begin or end with '-'";
  if (v.includes("--")) return "must not contain '--'";
  return null;
}
function qualifiedName(v) {
  if (typeof v !== "string" || v.length === 0) return "must be a non-empty string";
  const parts = v.split("/");
  let name = v;
  if (parts.length === 2) {
    const prefixError = parts[0].length === 0 ? "prefix part must be non-empty" : dns1123Subdomain(parts[0]);
    if (prefixError) return `prefix '${parts[0]}': ${prefixError}`;
    name = parts[1];
  } else if (parts.length > 2) {
    return "must be a qualified name: an optional DNS subdomain prefix and '/', then a name";
  }
  if (name.length === 0) return "name part must be non-empty";
  if (name.length > 63) return `name part must be no more than 63 characters (has ${name.length})`;
  if (!RE_QUALIFIED_NAME_PART.test(name)) return "name part must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
  return null;
}
function labelValue(v) {
  if (typeof v !== "string") return "must be a string (quote it)";
  if (v.length > 63) return `must be no more than 63 characters (has ${v.length})`;
  if (!RE_LABEL_VALUE.test(v)) return "must be empty or consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
  return null;
}

// Object names, per kind, as the API server validates them.
function nameRule(kind) {
  switch (kind) {
    case "Namespace": return [dns1123Label];
    case "Service": return [dns1035Label];
    case "StatefulSet": return [dns1123Label]; // its pods' names are their host names
    case "Role": case "ClusterRole": case "RoleBinding": case "ClusterRoleBinding": return [pathSegmentName];
    case "Job": return [dns1123Subdomain, (v) => (v.length > 63 ? "a Job's name is a label value of its pods: no more than 63 characters" : null)];
    case "CronJob": return [dns1123Subdomain, (v) => (v.length > 52 ? "a CronJob's name must be no more than 52 characters (11 are added for its Jobs)" : null)];
    default: return [dns1123Subdomain];
  }
}

// Quantities: the API server's grammar (stricter than the models' format, which also takes SI prefixes such as
// 'h' or 'da'), and a numeric value to compare requests with limits.
const QUANTITY_FACTORS = {
  "": 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
function quantityValue(q) {
  if (typeof q === "number") return q;
  if (typeof q !== "string" || !RE_QUANTITY.test(q)) return NaN;
  const m = /^([+-]?(?:\d+\.\d*|\.\d+|\d+))(.*)$/.exec(q);
  const suffix = m[2];
  if (/^[eE]/.test(suffix)) return Number(m[1]) * 10 ** Number(suffix.slice(1));
  return Number(m[1]) * QUANTITY_FACTORS[suffix];
}

// ------------------------------------------------------------------------------------------------------------------
// Reading the files
// ------------------------------------------------------------------------------------------------------------------
function usage(message) {
  if (message) console.error(`validate-manifests: ${message}`);
  console.error("usage: validate-manifests.mjs [--allow-unchecked GROUP/VERSION/KIND=REASON]... [--pod-security restricted|baseline|none] FILE|DIR...");
  process.exit(2);
}

const options = { podSecurity: "restricted", inputs: [] };
{
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => (a.includes("=") && a.startsWith("--") ? a.slice(a.indexOf("=") + 1) : argv[++i]);
    if (a === "--allow-unchecked" || a.startsWith("--allow-unchecked=")) {
      const spec = a === "--allow-unchecked" ? argv[++i] : a.slice("--allow-unchecked=".length);
      const eq = spec ? spec.indexOf("=") : -1;
      if (eq <= 0 || eq === spec.length - 1) usage("--allow-unchecked needs GROUP/VERSION/KIND=REASON (the reason is printed)");
      UNCHECKED.set(spec.slice(0, eq), spec.slice(eq + 1));
    } else if (a === "--pod-security" || a.startsWith("--pod-security=")) {
      options.podSecurity = value();
      if (!["restricted", "baseline", "none"].includes(options.podSecurity)) usage(`unknown --pod-security level '${options.podSecurity}'`);
    } else if (a === "--help" || a === "-h") {
      usage();
    } else if (a === "--") {
      options.inputs.push(...argv.slice(i + 1));
      break;
    } else if (a.startsWith("--")) {
      usage(`unknown option ${a}`);
    } else {
      options.inputs.push(a);
    }
  }
  if (options.inputs.length === 0) usage("no FILE or DIR given");
}

function listFiles(inputs) {
  const files = [];
  const missing = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(entry.name)) files.push(p);
    }
  };
  for (const input of inputs) {
    let stat;
    try { stat = fs.statSync(input); } catch { missing.push(input); continue; }
    if (stat.isDirectory()) walk(input);
    else files.push(input);
  }
  return { files, missing };
}

// YAML as sigs.k8s.io/yaml (go-yaml v2) reads it: YAML 1.1 booleans and octals, timestamps as strings, and no
// base-60 numbers (go-yaml v2 has none; the yaml package's 1.1 schema would read "1:20" as 80).
const YAML_OPTIONS = {
  version: "1.1",
  uniqueKeys: true,
  prettyErrors: false,
  customTags: (tags) => tags.filter((t) => t.format !== "TIME"),
};
function toPlain(value) {
  if (value instanceof Date) return value.toISOString().replace(/\.000Z$/, "Z");
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (value && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = toPlain(v);
    return out;
  }
  return value;
}

// The line of the deepest node that exists on a JSON path (the key's line for a map entry).
function lineOf(doc, lineCounter, segments) {
  let node = doc.contents;
  let offset = node?.range?.[0];
  for (const seg of segments) {
    if (YAML.isMap(node)) {
      const pair = node.items.find((p) => (YAML.isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (!pair) break;
      if (pair.key?.range) offset = pair.key.range[0];
      node = pair.value;
    } else if (YAML.isSeq(node)) {
      const item = node.items[Number(seg)];
      if (!item) break;
      if (item.range) offset = item.range[0];
      node = item;
    } else {
      break;
    }
    if (YAML.isAlias(node)) break;
  }
  return offset === undefined ? 0 : lineCounter.linePos(offset).line;
}

// The scalar source text at a path, to explain YAML 1.1 surprises ("on" read as true).
function plainScalarAt(doc, segments) {
  const node = doc.getIn(segments, true);
  return YAML.isScalar(node) && node.type === "PLAIN" ? node.source ?? null : null;
}

// ------------------------------------------------------------------------------------------------------------------
// Schema models and the unknown-field observer
// ------------------------------------------------------------------------------------------------------------------
const modelCache = new Map();
async function loadModel(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (modelCache.has(key)) return modelCache.get(key);
  let model = null;
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/", 2) : ["", apiVersion];
  if (/^[a-z0-9.-]*$/.test(group) && /^v[0-9]+([a-z]+[0-9]+)?$/.test(version) && /^[A-Z][A-Za-z0-9]*$/.test(kind)) {
    try {
      const mod = await import(modelModule(group, version, kind));
      const cls = mod[kind];
      // Only a top-level kind: its own apiVersion and kind (not a nested type such as PodSpec).
      if (cls && cls.apiVersion === apiVersion && cls.kind === kind && typeof cls.prototype.validate === "function") model = cls;
    } catch (e) {
      if (!["ERR_MODULE_NOT_FOUND", "ERR_PACKAGE_PATH_NOT_EXPORTED"].includes(e.code)) throw e;
    }
  }
  modelCache.set(key, model);
  return model;
}

// A copy of `value` whose objects record the properties read from them.
function observe(value) {
  if (Array.isArray(value)) {
    const items = value.map(observe);
    return { proxy: items.map((i) => i.proxy), node: { type: "array", items: items.map((i) => i.node) } };
  }
  if (value === null || typeof value !== "object") return { proxy: value, node: { type: "scalar" } };
  const node = { type: "object", seen: new Set(), enumerated: false, children: new Map() };
  const target = {};
  for (const [k, v] of Object.entries(value)) {
    const child = observe(v);
    target[k] = child.proxy;
    node.children.set(k, child.node);
  }
  const proxy = new Proxy(target, {
    get(t, k, r) { if (typeof k === "string") node.seen.add(k); return Reflect.get(t, k, r); },
    has(t, k) { if (typeof k === "string") node.seen.add(k); return Reflect.has(t, k); },
    getOwnPropertyDescriptor(t, k) { if (typeof k === "string") node.seen.add(k); return Reflect.getOwnPropertyDescriptor(t, k); },
    ownKeys(t) { node.enumerated = true; return Reflect.ownKeys(t); },
  });
  return { proxy, node };
}

function unknownFields(node, segments, out) {
  if (node.type === "array") {
    node.items.forEach((item, i) => unknownFields(item, [...segments, i], out));
    return;
  }
  if (node.type !== "object") return;
  if (node.enumerated) {
    // A map (additionalProperties): any key; its values have their own schema.
    for (const [k, child] of node.children) unknownFields(child, [...segments, k], out);
    return;
  }
  // Nothing read: a free-form object (preserve-unknown-fields, RawExtension) or an empty one.
  if (node.seen.size === 0) return;
  for (const [k, child] of node.children) {
    if (node.seen.has(k)) unknownFields(child, [...segments, k], out);
    else out.push({ segments: [...segments, k], field: k, known: [...node.seen] });
  }
}

function editDistance(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}
function suggestion(field, known) {
  const candidates = known
    .filter((k) => /^[A-Za-z$][\w$-]*$/.test(k) && k !== "constructor" && k !== "toJSON")
    .map((k) => ({ k, d: k.toLowerCase() === field.toLowerCase() ? 0 : editDistance(field, k) }))
    .filter((c) => c.d <= Math.max(1, Math.floor(field.length / 4)))
    .sort((a, b) => a.d - b.d);
  return candidates.length ? ` (did you mean "${candidates[0].k}"?)` : "";
}

function pointerToSegments(pointer) {
  if (!pointer) return [];
  return pointer.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

// validate()'s errors, one per path: a failed oneOf/anyOf (int-or-string, quantity) becomes one message.
function schemaErrors(errors, obj) {
  const byPath = new Map();
  for (const e of errors) {
    if (!byPath.has(e.instancePath)) byPath.set(e.instancePath, []);
    byPath.get(e.instancePath).push(e);
  }
  const out = [];
  for (const [pointer, list] of byPath) {
    const segments = pointerToSegments(pointer);
    const value = segments.reduce((v, s) => (v == null ? v : v[s]), obj);
    const shown = JSON.stringify(value);
    const combined = list.some((e) => e.keyword === "oneOf" || e.keyword === "anyOf");
    let messages;
    if (combined && list.some((e) => e.params?.format === "quantity")) {
      messages = [`${shown} is not a quantity (a number or a string such as 250m, 1.5, 512Mi, 2Gi)`];
    } else if (combined) {
      const branches = [...new Set(list.filter((e) => e.keyword !== "oneOf" && e.keyword !== "anyOf").map((e) => e.message))];
      messages = [`${shown}: ${branches.join(", or ")}`];
    } else {
      messages = list.map((e) => {
        if (e.keyword === "enum") return `${shown} must be one of ${e.params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
        if (e.keyword === "required") return `missing required field "${e.params.missingProperty}"`;
        if (e.keyword === "type" || e.keyword === "format" || e.keyword === "pattern") return `${shown} ${e.message}`;
        return e.message;
      });
    }
    for (const message of messages) out.push({ segments, message });
  }
  return out;
}

// ------------------------------------------------------------------------------------------------------------------
// Rules the API server or the kubelet applies
// ------------------------------------------------------------------------------------------------------------------
const WORKLOAD_TEMPLATE = {
  Deployment: ["spec", "template"],
  ReplicaSet: ["spec", "template"],
  StatefulSet: ["spec", "template"],
  DaemonSet: ["spec", "template"],
  ReplicationController: ["spec", "template"],
  Job: ["spec", "template"],
  CronJob: ["spec", "jobTemplate", "spec", "template"],
};
const get = (obj, segments) => segments.reduce((v, s) => (v == null ? undefined : v[s]), obj);
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

function podTemplateOf(obj) {
  if (obj.kind === "Pod") return { metadata: obj.metadata, spec: obj.spec, segments: [] };
  const t = WORKLOAD_TEMPLATE[obj.kind];
  if (!t) return null;
  const template = get(obj, t);
  return isObject(template) ? { metadata: template.metadata, spec: template.spec, segments: t } : null;
}

// A label selector (matchLabels + matchExpressions) applied to a label set.
function selectorMatches(selector, labels) {
  labels = labels || {};
  for (const [k, v] of Object.entries(selector.matchLabels || {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions || []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values || [];
    if (e.operator === "In" && !(has && values.includes(labels[e.key]))) return false;
    if (e.operator === "NotIn" && has && values.includes(labels[e.key])) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}
function selectorIsEmpty(selector) {
  return !isObject(selector) || (Object.keys(selector.matchLabels || {}).length === 0 && (selector.matchExpressions || []).length === 0);
}
const equalitySelectorMatches = (selector, labels) => Object.entries(selector).every(([k, v]) => (labels || {})[k] === v);

function checkLabelMap(map, segments, report, what) {
  if (!isObject(map)) return;
  for (const [k, v] of Object.entries(map)) {
    const keyError = qualifiedName(k);
    if (keyError) report([...segments, k], `${what} key "${k}": ${keyError}`);
    const valueError = labelValue(v);
    if (valueError) report([...segments, k], `${what} value ${JSON.stringify(v)}: ${valueError}`);
  }
}

function checkMetadata(obj, segments, report, { isTemplate = false } = {}) {
  const meta = get(obj, segments);
  if (!isObject(meta)) {
    if (!isTemplate) report(segments, "missing metadata");
    return;
  }
  if (!isTemplate) {
    if (meta.name === undefined && meta.generateName === undefined) report([...segments, "name"], "missing metadata.name");
    if (meta.name !== undefined) {
      for (const rule of nameRule(obj.kind)) {
        const error = typeof meta.name === "string" ? rule(meta.name) : "must be a string";
        if (error) { report([...segments, "name"], `name ${JSON.stringify(meta.name)}: ${error}`); break; }
      }
    }
    if (meta.namespace !== undefined) {
      const error = typeof meta.namespace === "string" ? dns1123Label(meta.namespace) : "must be a string";
      if (error) report([...segments, "namespace"], `namespace ${JSON.stringify(meta.namespace)}: ${error}`);
    }
  }
  checkLabelMap(meta.labels, [...segments, "labels"], report, "label");
  if (isObject(meta.annotations)) {
    let size = 0;
    for (const [k, v] of Object.entries(meta.annotations)) {
      const keyError = qualifiedName(k);
      if (keyError) report([...segments, "annotations", k], `annotation key "${k}": ${keyError}`);
      if (typeof v !== "string") report([...segments, "annotations", k], `annotation value ${JSON.stringify(v)} must be a string (quote it)`);
      size += k.length + String(v).length;
    }
    if (size > 256 * 1024) report([...segments, "annotations"], `annotations total ${size} bytes: may not exceed 262144`);
  }
}

// Every integer under a port-like key must be a port number; a string there names a port.
const PORT_KEYS = new Set(["port", "containerPort", "targetPort", "endPort"]);
const PORT_KEYS_ZERO_OK = new Set(["hostPort", "nodePort"]);
function checkPortFields(value, segments, report, parentKey) {
  if (Array.isArray(value)) { value.forEach((v, i) => checkPortFields(v, [...segments, i], report, parentKey)); return; }
  if (!isObject(value)) return;
  for (const [k, v] of Object.entries(value)) {
    const here = [...segments, k];
    const portKey = PORT_KEYS.has(k) || PORT_KEYS_ZERO_OK.has(k) || (k === "number" && parentKey === "port");
    if (portKey && typeof v === "number") {
      const min = PORT_KEYS_ZERO_OK.has(k) ? 0 : 1;
      if (!Number.isInteger(v) || v < min || v > 65535) report(here, `${k} ${v}: must be between ${min} and 65535`);
    } else if ((k === "port" || k === "targetPort") && typeof v === "string") {
      if (/^\d+$/.test(v)) report(here, `${k} "${v}": a quoted number is read as a port name; write the number unquoted`);
      else if (dns1123Label(v)) report(here, `${k} "${v}": a port name ${dns1123Label(v)}`);
    } else {
      checkPortFields(v, here, report, k);
    }
  }
}

function checkResources(resources, segments, report) {
  if (!isObject(resources)) return;
  for (const part of ["limits", "requests"]) {
    if (!isObject(resources[part])) continue;
    for (const [name, q] of Object.entries(resources[part])) {
      // A value the models' format refuses is reported by validate(); this catches what only the API server refuses.
      if (typeof q === "string" && RE_MODEL_QUANTITY.test(q) && !RE_QUANTITY.test(q)) report([...segments, part, name], `${JSON.stringify(q)} is not a quantity the API server accepts (suffixes: m, k, M, G, T, Ki, Mi, Gi, Ti, ...)`);
    }
  }
  if (isObject(resources.limits) && isObject(resources.requests)) {
    for (const [name, request] of Object.entries(resources.requests)) {
      if (!(name in resources.limits)) continue;
      const r = quantityValue(request), l = quantityValue(resources.limits[name]);
      if (!Number.isNaN(r) && !Number.isNaN(l) && r > l * (1 + 1e-9)) report([...segments, "requests", name], `request ${request} is more than the limit ${resources.limits[name]}`);
    }
  }
}

function checkProbe(probe, segments, report, kind) {
  if (!isObject(probe)) return;
  const handlers = ["exec", "httpGet", "tcpSocket", "grpc"].filter((h) => probe[h] !== undefined);
  if (handlers.length !== 1) report(segments, `a probe needs exactly one handler (exec, httpGet, tcpSocket, grpc): has ${handlers.length ? handlers.join(", ") : "none"}`);
  if ((kind === "livenessProbe" || kind === "startupProbe") && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    report([...segments, "successThreshold"], `${kind}.successThreshold must be 1`);
  }
  for (const h of ["httpGet", "tcpSocket"]) {
    const port = probe[h]?.port;
    if (typeof port === "string" && !/^\d+$/.test(port)) {
      const error = ianaServiceName(port);
      if (error) report([...segments, h, "port"], `port name "${port}": ${error}`);
    }
  }
}

// Pod Security Standards (https://kubernetes.io/docs/concepts/security/pod-security-standards/): a namespace that
// enforces a level refuses the pods (a Deployment is accepted, its ReplicaSet then fails to create pods).
const BASELINE_CAPABILITIES = new Set(["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]);
const RESTRICTED_VOLUMES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);
function checkPodSecurity(spec, segments, containers, report) {
  if (options.podSecurity === "none") return;
  const level = options.podSecurity;
  const psc = isObject(spec.securityContext) ? spec.securityContext : {};
  const at = (s, msg) => report([...segments, ...s], `${msg} (Pod Security Standard "${level}")`);
  for (const f of ["hostNetwork", "hostPID", "hostIPC"]) if (spec[f] === true) at([f], `${f} is not allowed`);
  if (psc.seLinuxOptions?.type && !["container_t", "container_init_t", "container_kvm_t", "container_engine_t"].includes(psc.seLinuxOptions.type)) at(["securityContext", "seLinuxOptions", "type"], "this SELinux type is not allowed");
  if (psc.seccompProfile?.type === "Unconfined") at(["securityContext", "seccompProfile", "type"], "seccompProfile Unconfined is not allowed");
  if (psc.sysctls) {
    const safe = new Set(["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"]);
    (psc.sysctls || []).forEach((s, i) => { if (!safe.has(s?.name)) at(["securityContext", "sysctls", i], `sysctl ${s?.name} is not allowed`); });
  }
  (spec.volumes || []).forEach((v, i) => {
    if (!isObject(v)) return;
    if (v.hostPath !== undefined) at(["volumes", i, "hostPath"], "hostPath volumes are not allowed");
    if (level === "restricted") {
      const type = Object.keys(v).find((k) => k !== "name");
      if (type && !RESTRICTED_VOLUMES.has(type)) at(["volumes", i, type], `volume type ${type} is not allowed`);
    }
  });
  if (level === "restricted") {
    if (psc.runAsUser === 0) at(["securityContext", "runAsUser"], "runAsUser 0 is not allowed");
  }
  for (const c of containers) {
    const sc = isObject(c.value.securityContext) ? c.value.securityContext : {};
    const cs = [...c.segments, "securityContext"];
    if (sc.privileged === true) at([...cs.slice(segments.length), "privileged"], "privileged containers are not allowed");
    const add = sc.capabilities?.add || [];
    add.forEach((cap, i) => {
      const ok = level === "restricted" ? cap === "NET_BIND_SERVICE" : BASELINE_CAPABILITIES.has(cap);
      if (!ok) at([...cs.slice(segments.length), "capabilities", "add", i], `capability ${cap} may not be added`);
    });
    (c.value.ports || []).forEach((p, i) => { if (p?.hostPort) at([...c.segments.slice(segments.length), "ports", i, "hostPort"], "hostPort is not allowed"); });
    if (sc.procMount !== undefined && sc.procMount !== "Default") at([...cs.slice(segments.length), "procMount"], "procMount must be Default");
    if (sc.seccompProfile?.type === "Unconfined") at([...cs.slice(segments.length), "seccompProfile", "type"], "seccompProfile Unconfined is not allowed");
    if (level !== "restricted") continue;
    if (sc.allowPrivilegeEscalation !== false) at([...cs.slice(segments.length), "allowPrivilegeEscalation"], "allowPrivilegeEscalation must be false");
    const drop = sc.capabilities?.drop || [];
    if (!drop.includes("ALL")) at([...cs.slice(segments.length), "capabilities", "drop"], "capabilities.drop must contain ALL");
    const nonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
    if (nonRoot !== true) at([...cs.slice(segments.length), "runAsNonRoot"], "runAsNonRoot must be true (on the pod or on every container)");
    if (sc.runAsUser === 0) at([...cs.slice(segments.length), "runAsUser"], "runAsUser 0 is not allowed");
    const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") at([...cs.slice(segments.length), "seccompProfile"], "seccompProfile.type must be RuntimeDefault or Localhost (on the pod or on every container)");
  }
}

function checkPodSpec(obj, template, report) {
  const spec = template.spec;
  const base = [...template.segments, "spec"];
  if (!isObject(spec)) { report(base, "missing pod spec"); return; }

  // restartPolicy: a Job's pods must end; every other controller restarts its pods.
  const policy = spec.restartPolicy;
  if (obj.kind === "Job" || obj.kind === "CronJob") {
    if (policy !== "Never" && policy !== "OnFailure") report([...base, "restartPolicy"], `a ${obj.kind}'s pod restartPolicy must be Never or OnFailure (is ${policy === undefined ? "unset, i.e. Always" : JSON.stringify(policy)})`);
  } else if (obj.kind !== "Pod" && policy !== undefined && policy !== "Always") {
    report([...base, "restartPolicy"], `a ${obj.kind}'s pod restartPolicy must be Always (is ${JSON.stringify(policy)})`);
  }

  const volumes = new Map();
  // A StatefulSet's volumeClaimTemplates are volumes of its pods too.
  if (obj.kind === "StatefulSet") for (const t of Array.isArray(obj.spec?.volumeClaimTemplates) ? obj.spec.volumeClaimTemplates : []) volumes.set(t?.metadata?.name, t);
  (Array.isArray(spec.volumes) ? spec.volumes : []).forEach((v, i) => {
    const name = v?.name;
    const error = typeof name === "string" ? dns1123Label(name) : "must be a string";
    if (error) report([...base, "volumes", i, "name"], `volume name ${JSON.stringify(name)}: ${error}`);
    if (volumes.has(name)) report([...base, "volumes", i, "name"], `duplicate volume name "${name}"`);
    volumes.set(name, v);
  });

  const containers = [];
  for (const list of ["initContainers", "containers", "ephemeralContainers"]) {
    (Array.isArray(spec[list]) ? spec[list] : []).forEach((c, i) => { if (isObject(c)) containers.push({ value: c, segments: [...base, list, i], list }); });
  }
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) report([...base, "containers"], "a pod needs at least one container");

  const containerNames = new Set();
  const psc = isObject(spec.securityContext) ? spec.securityContext : {};
  for (const { value: c, segments: cs } of containers) {
    const nameError = typeof c.name === "string" ? dns1123Label(c.name) : "must be a string";
    if (nameError) report([...cs, "name"], `container name ${JSON.stringify(c.name)}: ${nameError}`);
    if (containerNames.has(c.name)) report([...cs, "name"], `duplicate container name "${c.name}"`);
    containerNames.add(c.name);

    const envNames = new Set();
    (Array.isArray(c.env) ? c.env : []).forEach((e, i) => {
      if (envNames.has(e?.name)) report([...cs, "env", i, "name"], `duplicate environment variable "${e.name}" (the later one silently wins)`);
      envNames.add(e?.name);
    });

    const portNames = new Set();
    (Array.isArray(c.ports) ? c.ports : []).forEach((p, i) => {
      if (typeof p?.name === "string") {
        const error = ianaServiceName(p.name);
        if (error) report([...cs, "ports", i, "name"], `port name "${p.name}": ${error}`);
        if (portNames.has(p.name)) report([...cs, "ports", i, "name"], `duplicate port name "${p.name}"`);
        portNames.add(p.name);
      }
    });

    const mountPaths = new Set();
    (Array.isArray(c.volumeMounts) ? c.volumeMounts : []).forEach((m, i) => {
      if (!volumes.has(m?.name)) report([...cs, "volumeMounts", i, "name"], `volume mount "${m?.name}" names no volume of the pod`);
      if (mountPaths.has(m?.mountPath)) report([...cs, "volumeMounts", i, "mountPath"], `duplicate mountPath "${m.mountPath}"`);
      mountPaths.add(m?.mountPath);
    });

    for (const p of ["livenessProbe", "readinessProbe", "startupProbe"]) checkProbe(c[p], [...cs, p], report, p);
    checkResources(c.resources, [...cs, "resources"], report);

    // The kubelet refuses to start a container that must not run as root but is told to run as uid 0.
    const sc = isObject(c.securityContext) ? c.securityContext : {};
    if ((sc.runAsNonRoot ?? psc.runAsNonRoot) === true && (sc.runAsUser ?? psc.runAsUser) === 0) {
      const where = sc.runAsUser === 0 ? [...cs, "securityContext", "runAsUser"] : [...base, "securityContext", "runAsUser"];
      report(where, `container "${c.name}": runAsNonRoot is true but runAsUser is 0: the kubelet refuses to start it`);
    }
  }
  checkPodSecurity(spec, base, containers, report);
}

function checkObjectRules(obj, report) {
  checkMetadata(obj, ["metadata"], report);
  // Ports anywhere in the object's spec, not in metadata or in a ConfigMap's or Secret's data (free text).
  for (const [k, v] of Object.entries(obj)) {
    if (!["metadata", "data", "stringData", "binaryData"].includes(k)) checkPortFields(v, [k], report, k);
  }

  const template = podTemplateOf(obj);
  if (template) {
    if (obj.kind !== "Pod") checkMetadata(obj, [...template.segments, "metadata"], report, { isTemplate: true });
    checkPodSpec(obj, template, report);
  }

  // A workload's selector must be set, non-empty and select its own template.
  if (["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"].includes(obj.kind) && template) {
    const selector = obj.spec?.selector;
    if (selectorIsEmpty(selector)) report(["spec", "selector"], "a non-empty selector is required");
    else if (!selectorMatches(selector, template.metadata?.labels)) report(["spec", "selector"], "selector does not match template labels (spec.template.metadata.labels)");
    checkLabelMap(selector?.matchLabels, ["spec", "selector", "matchLabels"], report, "selector");
  }
  if (obj.kind === "Job" && obj.spec?.selector !== undefined && obj.spec?.manualSelector !== true) {
    report(["spec", "selector"], "a Job's selector is generated: set it only with manualSelector: true");
  }
  if (obj.kind === "Service" && isObject(obj.spec)) {
    checkLabelMap(obj.spec.selector, ["spec", "selector"], report, "selector");
    const ports = Array.isArray(obj.spec.ports) ? obj.spec.ports : [];
    const names = new Set();
    ports.forEach((p, i) => {
      if (ports.length > 1 && !p?.name) report(["spec", "ports", i, "name"], "a Service with several ports must name each one");
      if (p?.name !== undefined) {
        const error = dns1123Label(p.name);
        if (error) report(["spec", "ports", i, "name"], `port name ${JSON.stringify(p.name)}: ${error}`);
        if (names.has(p.name)) report(["spec", "ports", i, "name"], `duplicate port name "${p.name}"`);
        names.add(p.name);
      }
      if (typeof p?.targetPort === "string" && !/^\d+$/.test(p.targetPort)) {
        const error = ianaServiceName(p.targetPort);
        if (error) report(["spec", "ports", i, "targetPort"], `targetPort name "${p.targetPort}": ${error}`);
      }
    });
  }
  if (obj.kind === "HorizontalPodAutoscaler" && isObject(obj.spec)) {
    const { minReplicas = 1, maxReplicas } = obj.spec;
    if (typeof maxReplicas === "number" && minReplicas > maxReplicas) report(["spec", "maxReplicas"], `maxReplicas ${maxReplicas} is less than minReplicas ${minReplicas}`);
  }
  if ((obj.kind === "ConfigMap" || obj.kind === "Secret")) {
    const seen = new Set();
    for (const part of obj.kind === "ConfigMap" ? ["data", "binaryData"] : ["data", "stringData"]) {
      for (const k of Object.keys(isObject(obj[part]) ? obj[part] : {})) {
        if (k.length > 253 || !RE_CONFIG_KEY.test(k)) report([part, k], `key "${k}" must consist of letters, digits, '-', '_' or '.' (at most 253)`);
        if (obj.kind === "ConfigMap" && seen.has(k)) report([part, k], `key "${k}" is in both data and binaryData`);
        seen.add(k);
      }
    }
  }
  if (["PodDisruptionBudget", "NetworkPolicy"].includes(obj.kind)) {
    const sel = obj.kind === "NetworkPolicy" ? ["spec", "podSelector"] : ["spec", "selector"];
    checkLabelMap(get(obj, sel)?.matchLabels, [...sel, "matchLabels"], report, "selector");
  }
}

// Cross-object rules within one render.
function checkRender(entries) {
  const keyOf = (o) => `${(o.apiVersion || "").split("/").slice(0, -1).join("/")}|${o.kind}|${o.metadata?.namespace || ""}|${o.metadata?.name}`;
  const seen = new Map();
  const sameNamespace = (a, b) => !a.metadata?.namespace || !b.metadata?.namespace || a.metadata.namespace === b.metadata.namespace;
  for (const e of entries) {
    const key = keyOf(e.obj);
    if (seen.has(key)) e.report(["metadata", "name"], `duplicate object: ${e.obj.kind} "${e.obj.metadata?.name}" is also defined at line ${seen.get(key).line}`);
    else seen.set(key, e);
  }
  const pods = entries.map((e) => ({ e, t: podTemplateOf(e.obj) })).filter((p) => p.t && isObject(p.t.metadata));
  const services = entries.filter((e) => e.obj.kind === "Service");
  for (const e of entries.filter((x) => x.checked)) {
    const o = e.obj;
    if (o.kind === "Service" && isObject(o.spec?.selector) && Object.keys(o.spec.selector).length && pods.length) {
      if (!pods.some((p) => sameNamespace(p.e.obj, o) && equalitySelectorMatches(o.spec.selector, p.t.metadata.labels))) {
        e.report(["spec", "selector"], "selects no pod template of this render");
      } else {
        // Every named targetPort must be a port name of the selected containers.
        const selected = pods.filter((p) => sameNamespace(p.e.obj, o) && equalitySelectorMatches(o.spec.selector, p.t.metadata.labels));
        (o.spec.ports || []).forEach((sp, i) => {
          if (typeof sp?.targetPort !== "string") return;
          const named = selected.some((p) => (p.t.spec?.containers || []).some((c) => (c.ports || []).some((cp) => cp.name === sp.targetPort)));
          if (!named) e.report(["spec", "ports", i, "targetPort"], `targetPort "${sp.targetPort}" is not a container port name of the selected pods`);
        });
      }
    }
    if (o.kind === "PodDisruptionBudget" && isObject(o.spec?.selector) && !selectorIsEmpty(o.spec.selector) && pods.length) {
      if (!pods.some((p) => sameNamespace(p.e.obj, o) && selectorMatches(o.spec.selector, p.t.metadata.labels))) e.report(["spec", "selector"], "selects no pod template of this render");
    }
    if (o.kind === "HorizontalPodAutoscaler" && isObject(o.spec?.scaleTargetRef)) {
      const ref = o.spec.scaleTargetRef;
      if (!entries.some((x) => x.obj.kind === ref.kind && x.obj.metadata?.name === ref.name && sameNamespace(x.obj, o))) {
        e.report(["spec", "scaleTargetRef"], `scales ${ref.kind} "${ref.name}", which is not in this render`);
      }
    }
    // Only when the render has Services: an operator's ServiceMonitor may select the Services that operator creates.
    if (o.kind === "ServiceMonitor" && isObject(o.spec?.selector) && o.spec.namespaceSelector === undefined && services.length) {
      const matched = services.filter((s) => sameNamespace(s.obj, o) && selectorMatches(o.spec.selector, s.obj.metadata?.labels));
      if (!matched.length) {
        e.report(["spec", "selector"], "selects no Service of this render (by the Services' labels)");
      } else {
        (o.spec.endpoints || []).forEach((ep, i) => {
          if (typeof ep?.port !== "string") return;
          if (!matched.some((s) => (s.obj.spec?.ports || []).some((p) => p.name === ep.port))) {
            e.report(["spec", "endpoints", i, "port"], `port "${ep.port}" is not a port name of the selected Service(s)`);
          }
        });
      }
    }
    if (o.kind === "HTTPRoute") {
      (o.spec?.rules || []).forEach((rule, r) => (rule?.backendRefs || []).forEach((ref, b) => {
        if ((ref.kind ?? "Service") !== "Service" || (ref.group ?? "") !== "") return;
        const svc = services.find((s) => s.obj.metadata?.name === ref.name && (!ref.namespace || s.obj.metadata?.namespace === ref.namespace || !s.obj.metadata?.namespace));
        if (svc && typeof ref.port === "number" && !(svc.obj.spec?.ports || []).some((p) => p.port === ref.port)) {
          e.report(["spec", "rules", r, "backendRefs", b, "port"], `Service "${ref.name}" has no port ${ref.port}`);
        }
      }));
    }
  }
}

// ------------------------------------------------------------------------------------------------------------------
// Main
// ------------------------------------------------------------------------------------------------------------------
async function validateFile(file) {
  const errors = [];
  const notes = [];
  let src;
  try { src = fs.readFileSync(file, "utf8"); } catch (e) { return { objects: 0, errors: [`${file}: cannot read: ${e.message}`], notes }; }
  const lineCounter = new YAML.LineCounter();
  const docs = YAML.parseAllDocuments(src, { ...YAML_OPTIONS, lineCounter });
  const entries = [];
  for (const doc of Array.isArray(docs) ? docs : []) {
    const source = /Source:\s*(\S+)/.exec(doc.commentBefore || "")?.[1];
    const docLine = lineCounter.linePos(doc.range?.[0] ?? 0).line;
    const suffix = source ? `  [${source}]` : "";
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length) {
      for (const p of problems) errors.push(`${file}:${lineCounter.linePos(p.pos[0]).line}: YAML: ${p.message.split("\n")[0]}${suffix}`);
      continue;
    }
    const obj = toPlain(doc.toJS({ maxAliasCount: 100 }));
    if (obj === null || obj === undefined) continue;
    if (!isObject(obj)) { errors.push(`${file}:${docLine}: the document is not a mapping (an object)${suffix}`); continue; }
    const label = `${obj.kind ?? "?"}/${obj.metadata?.name ?? "?"}`;
    const schemaFailed = new Set(); // paths validate() refused: reported once, not again by the rules below
    const entry = {
      obj, line: docLine, checked: false,
      report: (segments, message, { fromSchema = false } = {}) => {
        const key = segments.join("/");
        if (!fromSchema && schemaFailed.has(key)) return;
        if (fromSchema) schemaFailed.add(key);
        let hint = "";
        const plain = plainScalarAt(doc, segments);
        if (plain && /^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/.test(plain)) hint = ` (YAML 1.1, which the API server reads, takes an unquoted ${plain} as a boolean: quote it)`;
        errors.push(`${file}:${lineOf(doc, lineCounter, segments)}: ${label}: /${segments.join("/")}: ${message}${hint}${suffix}`);
      },
    };
    entries.push(entry);

    if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") {
      entry.report([], "missing apiVersion or kind");
      continue;
    }
    const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/", 2) : ["", obj.apiVersion];
    const typeKey = `${obj.apiVersion}/${obj.kind}`;
    if (REMOVED_VERSIONS.has(obj.apiVersion)) {
      entry.report(["apiVersion"], `${obj.apiVersion} ${REMOVED_VERSIONS.get(obj.apiVersion)}`);
      continue;
    }
    if ((BUILTIN_GROUPS.has(group) || group.endsWith(".k8s.io")) && /(alpha|beta)/.test(version) && !UNCHECKED.has(typeKey)) {
      entry.report(["apiVersion"], `${obj.apiVersion} is not a GA API version (alpha/beta APIs are off by default or deprecated): use the GA version of ${obj.kind}`);
      continue;
    }
    const model = UNCHECKED.has(typeKey) ? null : await loadModel(obj.apiVersion, obj.kind);
    if (!model) {
      if (UNCHECKED.has(typeKey)) {
        notes.push(typeKey);
        checkMetadata(obj, ["metadata"], entry.report);
      } else {
        entry.report(["kind"], `unknown kind ${obj.kind} in ${obj.apiVersion}: no schema model for it (allow-list it with a reason: --allow-unchecked ${typeKey}=REASON)`);
      }
      continue;
    }

    // validate() on an observing copy: schema errors, then the fields it never read.
    const { proxy, node } = observe(obj);
    try {
      model.prototype.validate.call(proxy);
    } catch (e) {
      if (!Array.isArray(e.errors)) throw e;
      for (const s of schemaErrors(e.errors, obj)) entry.report(s.segments, s.message, { fromSchema: true });
    }
    const unknown = [];
    unknownFields(node, [], unknown);
    for (const u of unknown) entry.report(u.segments, `unknown field "${u.field}"${suggestion(u.field, u.known)}`);

    checkObjectRules(obj, entry.report);
    entry.checked = true;
  }
  checkRender(entries);
  if (entries.length === 0 && errors.length === 0) errors.push(`${file}:1: no Kubernetes object in the file (an empty or failed render?)`);
  return { objects: entries.length, errors, notes };
}

const { files, missing } = listFiles(options.inputs);
let failed = missing.length > 0;
for (const m of missing) console.log(`FAILED  ${m}: no such file or directory`);
if (files.length === 0 && missing.length === 0) {
  console.log(`FAILED  ${options.inputs.join(" ")}: no *.yaml or *.yml file found`);
  failed = true;
}
for (const file of files) {
  const { objects, errors, notes } = await validateFile(file);
  const count = `${objects} object${objects === 1 ? "" : "s"}`;
  const unchecked = notes.length ? `, ${notes.length} not schema-checked` : "";
  if (errors.length) {
    failed = true;
    console.log(`FAILED  ${file}: ${count}${unchecked}, ${errors.length} error${errors.length === 1 ? "" : "s"}`);
  } else {
    console.log(`ok      ${file}: ${count}${unchecked}`);
  }
  // One note per unchecked type, with its count and reason.
  const counts = new Map();
  for (const t of notes) counts.set(t, (counts.get(t) ?? 0) + 1);
  for (const [t, n] of counts) console.log(`  note: ${n} × ${t} not schema-checked: ${UNCHECKED.get(t)}`);
  for (const e of errors) console.log(`  ${e}`);
}
process.exit(failed ? 1 : 0);
