// Writes deploy/helm/<chart>/values.schema.json for every Campus chart from one set of definitions, so the
// seven schemas agree on the shared keys (image, hosts, secrets, networkPolicy, ...) and differ only where the
// charts do (which hosts, which dependencies, edge, migrations, tests).
//
//   node deploy/helm/schema/generate.mjs           rewrite the schemas
//   node deploy/helm/schema/generate.mjs --check   exit 1 if a committed schema differs (deploy/checks/10-charts.sh)
//
// Each schema is self-contained (draft-07, local "#/definitions/..." references only: Helm would try to fetch a
// remote $ref, which fails offline) and every object sets additionalProperties: false, so `helm lint --strict`
// refuses an unknown or misspelt key in any values file.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const helmDir = join(dirname(fileURLToPath(import.meta.url)), "..");

// --- the charts -----------------------------------------------------------------------------------------------
const charts = {
  "api-gateway": { hosts: ["gateway"], secrets: ["redis"], egress: ["redis"], edge: true, rules: true },
  auth: { hosts: ["auth"], secrets: ["database", "rabbitmq", "redis"], egress: ["database", "rabbitmq", "redis", "sms"], migrations: true, signingKeys: ["auth"] },
  profile: { hosts: ["profile"], secrets: ["database", "rabbitmq", "storage"], egress: ["database", "rabbitmq", "storage"], storage: true, migrations: true },
  content: { hosts: ["content", "content-worker"], secrets: ["database", "rabbitmq", "redis", "storage"], egress: ["database", "rabbitmq", "redis", "storage"], storage: true, migrations: true, tests: true, scratch: ["content-worker"] },
  notifications: { hosts: ["notifications", "notifications-worker"], secrets: ["database", "rabbitmq"], egress: ["database", "rabbitmq", "smtp", "telegram"], migrations: true, singleReplica: ["notifications-worker"] },
  chat: { hosts: ["chat"], secrets: ["database", "rabbitmq", "redis", "storage"], egress: ["database", "rabbitmq", "redis", "storage"], storage: true, migrations: true },
  analytics: { hosts: ["analytics", "analytics-worker"], secrets: ["database", "rabbitmq", "storage"], egress: ["database", "rabbitmq", "storage"], storage: true, migrations: true },
};

// --- building blocks --------------------------------------------------------------------------------------------
const obj = (properties, required = Object.keys(properties), extra = {}) =>
  ({ type: "object", additionalProperties: false, properties, required, ...extra });
const str = (description, extra = {}) => ({ type: "string", ...(description ? { description } : {}), ...extra });
const int = (minimum, maximum, description) => ({ type: "integer", minimum, maximum, ...(description ? { description } : {}) });
const bool = (description) => ({ type: "boolean", ...(description ? { description } : {}) });
const ref = (name) => ({ $ref: `#/definitions/${name}` });
const stringMap = (description) => ({ type: "object", additionalProperties: { type: "string" }, ...(description ? { description } : {}) });
// A case-insensitive regex without inline flags (JSON Schema regexes are ECMA-262; Helm's validator is RE2).
const ci = (word) => [...word].map((c) => (/[a-z]/i.test(c) ? `[${c.toUpperCase()}${c.toLowerCase()}]` : c)).join("");

const secretLookingName = `(${["password", "secret", "apikey", "api_key", "bottoken", "privatekey", "accesskey", "connectionstrings", "pem"].map(ci).join("|")})`;
// Values that carry a credential: a PEM private key, password=/Password= in a connection string, user:pass@ in a URL.
const secretLookingValue = `(PRIVATE KEY|${ci("password")}=|${ci("pwd")}=|://[^/@:]+:[^/@]+@)`;

const definitions = {
  dnsLabel: str("A DNS-1123 label", { pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 }),
  dnsSubdomain: str("A DNS-1123 subdomain (an object name)", { pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", maxLength: 253 }),
  secretKey: str("A key inside a Secret", { pattern: "^[-._a-zA-Z0-9]+$", maxLength: 253 }),
  quantity: { anyOf: [{ type: "string", pattern: "^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$" }, { type: "integer", minimum: 0 }] },
  duration: str("A Prometheus duration (30s, 1m)", { pattern: "^[0-9]+(ms|s|m|h)$" }),
  httpUrl: str("An http(s) URL", { pattern: "^https?://[^\\s]+$", not: { pattern: "://[^/@]+@" } }),
  envName: str("An environment variable name (ASP.NET keys with __ for :)", { pattern: "^[A-Za-z_][A-Za-z0-9_.-]*$" }),
  resourceList: obj({ cpu: ref("quantity"), memory: ref("quantity"), "ephemeral-storage": ref("quantity") }, ["cpu", "memory"]),
  resources: obj({ requests: ref("resourceList"), limits: ref("resourceList") }),
  labelSelector: obj({
    matchLabels: stringMap(),
    matchExpressions: {
      type: "array",
      items: obj({ key: str(), operator: { enum: ["In", "NotIn", "Exists", "DoesNotExist"] }, values: { type: "array", items: { type: "string" } } }, ["key", "operator"]),
    },
  }, [], { minProperties: 1 }),
  peer: obj({
    namespaceSelector: ref("labelSelector"),
    podSelector: ref("labelSelector"),
    ipBlock: obj({ cidr: str("CIDR", { pattern: "^[0-9a-fA-F.:]+/[0-9]{1,3}$" }), except: { type: "array", items: str("CIDR", { pattern: "^[0-9a-fA-F.:]+/[0-9]{1,3}$" }) } }, ["cidr"]),
  }, [], { minProperties: 1, description: "A NetworkPolicy peer (rendered with tpl: it may name .Values.environment)" }),
  peers: { type: "array", minItems: 1, items: ref("peer"), description: "At least one peer: an empty list would allow everyone" },
  port: obj({ port: { anyOf: [int(1, 65535), str("A named port", { pattern: "^[a-z0-9-]{1,15}$" })] }, endPort: int(1, 65535), protocol: { enum: ["TCP", "UDP", "SCTP"] } }, ["port", "protocol"]),
  egressRule: obj({ to: ref("peers"), ports: { type: "array", minItems: 1, items: ref("port") } }),
  secretRef: obj({ name: ref("dnsSubdomain"), key: ref("secretKey") }),
  configValue: {
    anyOf: [
      { type: "string", not: { pattern: secretLookingValue } },
      { type: "integer" },
      { type: "boolean" },
      { type: "array", items: { anyOf: [{ type: "string", not: { pattern: secretLookingValue } }, { type: "integer" }] } },
    ],
  },
  toleration: obj({
    key: str(), operator: { enum: ["Exists", "Equal"] }, value: str(), effect: { enum: ["NoSchedule", "PreferNoSchedule", "NoExecute"] }, tolerationSeconds: { type: "integer" },
  }, []),
};

function hostSchema(chart, host) {
  const uses = ["database", "rabbitmq", "redis", "storage", "jwt", "upstreams", "smtp", "telegram", "sms"];
  const properties = {
    enabled: bool(),
    role: { enum: ["gateway", "service", "worker"] },
    uses: { type: "array", uniqueItems: true, items: { enum: uses }, description: "What the host connects to: its secrets, settings and egress rules" },
    ingressFrom: { type: "array", uniqueItems: true, items: { enum: ["edge", "gateway", "tokenValidators"] }, description: "Who may connect to it besides Prometheus" },
    replicas: chart.singleReplica?.includes(host)
      ? { type: "integer", minimum: 0, maximum: 1, description: "At most 1: one Telegram poller per bot token (two would get 409 Conflict)" }
      : int(0, 100),
    autoscaling: obj({
      enabled: chart.singleReplica?.includes(host) ? { const: false } : bool(),
      minReplicas: int(1, 100),
      maxReplicas: int(1, 200),
      targetCPUUtilizationPercentage: int(10, 100),
      scaleDownStabilizationSeconds: int(0, 3600),
    }),
    rollingUpdate: obj({
      maxSurge: { anyOf: [int(0, 100), str("", { pattern: "^[0-9]+%$" })] },
      maxUnavailable: { anyOf: [int(0, 100), str("", { pattern: "^[0-9]+%$" })] },
    }),
    spreadAcrossNodes: { enum: ["ScheduleAnyway", "DoNotSchedule"] },
    resources: ref("resources"),
    terminationGracePeriodSeconds: int(10, 7200),
    preStopSleepSeconds: int(0, 60),
    probes: obj({ startupFailureThreshold: int(1, 300) }),
    tmpSizeLimit: ref("quantity"),
    podAnnotations: stringMap(),
    nodeSelector: stringMap(),
    tolerations: { type: "array", items: ref("toleration") },
    priorityClassName: str("", { pattern: "^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$" }),
    config: {
      type: "object",
      description: "Non-secret settings as environment variables (ASP.NET keys, __ for :); a list becomes KEY__0, KEY__1. Names and values that look like secrets are refused: those come from secretEnv.",
      propertyNames: { pattern: "^[A-Za-z_][A-Za-z0-9_.-]*$", not: { pattern: secretLookingName } },
      additionalProperties: ref("configValue"),
    },
    secretEnv: {
      type: "array",
      description: "Settings taken from existing Secrets",
      items: obj({ name: ref("envName"), secretName: ref("dnsSubdomain"), key: ref("secretKey"), optional: bool() }, ["name", "secretName", "key"]),
    },
  };
  const optional = [];
  if (chart.scratch?.includes(host)) {
    properties.scratch = obj({
      type: { enum: ["emptyDir", "ephemeral"], description: "emptyDir (node disk, sizeLimit) or ephemeral (a PVC per pod from storageClassName)" },
      mountPath: str("", { pattern: "^/[A-Za-z0-9/_-]+$" }),
      size: ref("quantity"),
      storageClassName: str(),
    }, ["type", "mountPath", "size"]);
    optional.push("scratch");
  }
  if (chart.signingKeys?.includes(host)) {
    properties.signingKeys = obj({
      secretName: ref("dnsSubdomain"),
      keys: { type: "array", minItems: 1, items: obj({ kid: str("Key id; its PEM is the Secret's key <kid>.pem", { pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,58}$" }) }) },
      activeKeyId: str("The kid that signs (one of keys)"),
    });
    optional.push("signingKeys");
  }
  const required = Object.keys(properties).filter((key) => !optional.includes(key));
  return obj(properties, required);
}

function chartSchema(name, chart) {
  const secretProps = {};
  for (const s of chart.secrets) {
    secretProps[s] = s === "storage"
      ? obj({ name: ref("dnsSubdomain"), accessKeyKey: ref("secretKey"), secretKeyKey: ref("secretKey") })
      : ref("secretRef");
  }
  const hosts = {};
  for (const host of chart.hosts) hosts[host] = hostSchema(chart, host);

  const properties = {
    global: { type: "object", description: "Helm's global values (unused by Campus)" },
    // Helm adds an entry for each dependency (the library chart has no values of its own).
    "campus-lib": obj({ global: { type: "object" } }, []),
    image: obj({
      registry: str("Where the campus-<host> images are: <registry>/campus-<host>:<tag>", { pattern: "^([a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)*)?$" }),
      tag: str("The images' tag, the git sha they were built from (--set image.tag=<sha>)", { pattern: "^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$" }),
      digests: { type: "object", propertyNames: { enum: chart.hosts }, additionalProperties: str("", { pattern: "^sha256:[a-f0-9]{64}$" }) },
      pullPolicy: { enum: ["IfNotPresent", "Always", "Never"] },
    }),
    imagePullSecrets: { type: "array", items: ref("dnsSubdomain") },
    environment: { enum: ["dev", "staging", "prod"] },
    jwt: obj({ jwksUrl: ref("httpUrl"), issuer: str("", { minLength: 1 }), audience: str("", { minLength: 1 }) }),
    secrets: obj(secretProps),
    hosts: obj(hosts),
    networkPolicy: obj({
      enabled: bool(),
      prometheus: ref("peers"),
      ...(chart.edge ? { edge: ref("peers") } : {}),
      egress: obj(Object.fromEntries(["dns", ...chart.egress].map((d) => [d, ref("egressRule")]))),
    }),
    serviceMonitor: obj({ enabled: bool(), interval: ref("duration"), scrapeTimeout: ref("duration"), labels: stringMap() }),
  };
  if (chart.storage) {
    properties.storage = obj({
      serviceUrl: ref("httpUrl"),
      publicUrl: ref("httpUrl"),
      region: str("", { minLength: 1 }),
      bucketPrefix: str("", { pattern: "^([a-z0-9][a-z0-9-]{0,29})?$" }),
      // Web origins whose pages read and upload to the buckets (Storage:CorsOrigins): scheme://host[:port], at most one *.
      corsOrigins: { type: "array", uniqueItems: true, items: str("", { pattern: "^https?://[^/*]*\\*?[^/*]*$" }) },
    });
  }
  if (chart.migrations) {
    properties.migrations = obj({
      enabled: bool(),
      host: { enum: chart.hosts },
      backoffLimit: int(0, 10),
      activeDeadlineSeconds: int(60, 3600),
      resources: ref("resources"),
    });
  }
  if (chart.tests) {
    properties.tests = obj({
      enabled: bool(),
      host: { enum: chart.hosts },
      extraUses: { type: "array", uniqueItems: true, items: { enum: ["database", "rabbitmq", "redis", "storage"] } },
      activeDeadlineSeconds: int(30, 1800),
      resources: ref("resources"),
    });
  }
  if (chart.edge) {
    properties.edge = obj({
      kind: { enum: ["ingress", "httproute", "nginx", "none"] },
      host: ref("dnsSubdomain"),
      tls: obj({ secretName: str("", { pattern: "^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$" }) }),
      apiReference: bool(),
      securityHeaders: { type: "object", propertyNames: { pattern: "^[A-Za-z][A-Za-z0-9-]*$" }, additionalProperties: str("", { minLength: 1 }) },
      ingress: obj({
        className: ref("dnsSubdomain"),
        annotations: stringMap(),
        bodySize: str("", { pattern: "^[0-9]+[kmg]?$" }),
        connectTimeoutSeconds: int(1, 75),
        sendTimeoutSeconds: int(1, 3600),
        readTimeoutSeconds: int(1, 3600),
        webSocketTimeoutSeconds: int(60, 86400),
        authRateLimit: obj({ rps: int(1, 10000), burstMultiplier: int(1, 100) }),
        refuseInternalPaths: bool(),
      }),
      httpRoute: obj({
        parentRefs: {
          type: "array",
          minItems: 1,
          items: obj({ name: ref("dnsSubdomain"), namespace: ref("dnsLabel"), sectionName: ref("dnsSubdomain"), port: int(1, 65535) }, ["name"]),
        },
        requestTimeout: str("", { pattern: "^([0-9]{1,5}(h|m|s|ms)){1,4}$" }),
      }),
      nginx: obj({
        image: str("The nginx image (registry/repository:tag[@digest]); any nginx 1.25+ with /bin/sh", { pattern: "^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]+)?(@sha256:[a-f0-9]{64})?$" }),
        replicas: int(1, 50),
        resources: ref("resources"),
        service: obj({
          type: { enum: ["LoadBalancer", "NodePort", "ClusterIP"] },
          externalTrafficPolicy: { enum: ["Local", "Cluster"] },
          annotations: stringMap(),
        }),
        passThroughRoute: bool(),
        publicFrom: ref("peers"),
        trustedProxies: { type: "array", uniqueItems: true, items: str("CIDR of a load balancer in front that sends X-Forwarded-For", { pattern: "^[0-9a-fA-F.:]+/[0-9]{1,3}$" }) },
      }),
    });
  }
  if (chart.rules) {
    properties.prometheusRule = obj({ enabled: bool(), labels: stringMap() });
    properties.grafanaDashboards = obj({ enabled: bool(), labels: stringMap(), annotations: stringMap() });
  }
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: `Values of the Campus ${name} chart`,
    description: "Generated by deploy/helm/schema/generate.mjs: edit that file, not this one.",
    ...obj(properties, Object.keys(properties).filter((key) => !["global", "campus-lib"].includes(key))),
    definitions,
  };
}

const check = process.argv.includes("--check");
let stale = 0;
for (const [name, chart] of Object.entries(charts)) {
  const path = join(helmDir, name, "values.schema.json");
  const text = JSON.stringify(chartSchema(name, chart), null, 2) + "\n";
  if (check) {
    let current = "";
    try { current = readFileSync(path, "utf8"); } catch { /* missing */ }
    if (current !== text) { console.error(`${path} is not what generate.mjs writes: run node deploy/helm/schema/generate.mjs`); stale++; }
  } else {
    writeFileSync(path, text);
  }
}
process.exit(stale ? 1 : 0);
