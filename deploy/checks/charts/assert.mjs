// What a reviewer checks in the rendered Campus charts, as code (deploy/checks/10-charts.sh runs it):
//
//   node assert.mjs rendered <file> <chart> <env> <registry> <tag>   one chart × environment (helm template output)
//   node assert.mjs ingress <file>                                    the api-gateway rendered with edge.kind=ingress
//   node assert.mjs httproute <file>                                  the api-gateway rendered with edge.kind=httproute
//   node assert.mjs nginx-route <file>                                the api-gateway's nginx edge behind a shared Gateway
//                                                     (edge.nginx.passThroughRoute); the default nginx edge is checked
//                                                     in every api-gateway environment render (rendered)
//   node assert.mjs edge-conf <file>                                  prints that render's campus-edge nginx.conf
//   node assert.mjs secrets <file>...                                 no Secret object, nothing secret-looking
//   node assert.mjs rbac <rbac.yaml> <file>...                        the deployer's Role covers every kind rendered
//   node assert.mjs alerts <rendered api-gateway> <rules file> <dashboards dir>   the PrometheusRule is the rules file
//                                                     and each dashboard ConfigMap holds its JSON, verbatim
//   node assert.mjs batch <outdir> <jobs file>                        many of the above in one process: each line of
//       the jobs file is NAME<TAB>MODE<TAB>ARG..., and <outdir>/NAME.txt gets its failures (empty: none)
//
// Prints one line per failure and exits 1 if there is any. Schema validation of the objects is not done here
// (the manifest checks do it); this is about Campus' own rules.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(`${process.env.NODE_MODULES ?? new URL("../../local/node_modules", import.meta.url).pathname}/`);
const YAML = require("yaml");

const failures = [];
const fail = (message) => failures.push(message);
const load = (file) => YAML.parseAllDocuments(readFileSync(file, "utf8")).map((doc) => doc.toJS()).filter(Boolean);
const named = (objects, kind, name) => objects.find((o) => o.kind === kind && o.metadata?.name === name);
const annotations = (o) => o.metadata?.annotations ?? {};

const charts = {
  // The shipped environments run the Campus nginx edge (edge.kind=nginx, the chart's default): Deployment campus-edge.
  "api-gateway": { hosts: ["gateway"], autoscaled: ["gateway"], edge: "campus-edge" },
  auth: { hosts: ["auth"], migrations: "auth", autoscaled: ["auth"] },
  profile: { hosts: ["profile"], migrations: "profile" },
  content: { hosts: ["content", "content-worker"], migrations: "content", test: "content" },
  notifications: { hosts: ["notifications", "notifications-worker"], migrations: "notifications" },
  chat: { hosts: ["chat"], migrations: "chat", autoscaled: ["chat"] },
  analytics: { hosts: ["analytics", "analytics-worker"], migrations: "analytics" },
};

// ---------------------------------------------------------------------------------------------------------------
function checkPodSpec(where, spec, { probes }) {
  const pod = spec.securityContext ?? {};
  if (pod.runAsNonRoot !== true) fail(`${where}: pod runAsNonRoot is not true`);
  if (pod.runAsUser !== 1000) fail(`${where}: pod runAsUser is not 1000`);
  if (pod.seccompProfile?.type !== "RuntimeDefault") fail(`${where}: pod seccompProfile is not RuntimeDefault`);
  if (spec.automountServiceAccountToken !== false) fail(`${where}: automountServiceAccountToken is not false`);
  if (!spec.serviceAccountName) fail(`${where}: no serviceAccountName`);
  const volumes = Object.fromEntries((spec.volumes ?? []).map((v) => [v.name, v]));
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const at = `${where} container ${c.name}`;
    const sc = c.securityContext ?? {};
    if (sc.readOnlyRootFilesystem !== true) fail(`${at}: readOnlyRootFilesystem is not true`);
    if (sc.allowPrivilegeEscalation !== false) fail(`${at}: allowPrivilegeEscalation is not false`);
    if (sc.runAsNonRoot !== true) fail(`${at}: runAsNonRoot is not true`);
    if (sc.privileged === true) fail(`${at}: privileged`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) fail(`${at}: capabilities do not drop ALL`);
    if (sc.capabilities?.add?.length) fail(`${at}: adds capabilities`);
    if (sc.seccompProfile?.type !== "RuntimeDefault") fail(`${at}: seccompProfile is not RuntimeDefault`);
    for (const kind of ["requests", "limits"]) {
      for (const resource of ["cpu", "memory"]) {
        if (c.resources?.[kind]?.[resource] === undefined) fail(`${at}: no ${kind}.${resource}`);
      }
    }
    if (c.imagePullPolicy !== "IfNotPresent") fail(`${at}: imagePullPolicy is not IfNotPresent`);
    const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === "/tmp");
    if (!tmp || !volumes[tmp.name]?.emptyDir) fail(`${at}: /tmp is not an emptyDir`);
    for (const env of c.env ?? []) {
      if (env.valueFrom && !env.valueFrom.secretKeyRef && !env.valueFrom.configMapKeyRef && !env.valueFrom.fieldRef) fail(`${at}: env ${env.name} has an unexpected source`);
      if ("value" in env && /(password|secret|apikey|bottoken|accesskey|secretkey|^connectionstrings__|__pem$)/i.test(env.name)) {
        fail(`${at}: env ${env.name} is a literal value: a secret must come from a Secret`);
      }
    }
    if (probes) {
      const http = (c.ports ?? []).find((p) => p.name === "http");
      if (http?.containerPort !== 8080) fail(`${at}: no port 8080 named http`);
      if (c.startupProbe?.httpGet?.path !== "/healthz") fail(`${at}: startupProbe is not /healthz`);
      if (c.livenessProbe?.httpGet?.path !== "/healthz") fail(`${at}: livenessProbe is not /healthz`);
      if (c.readinessProbe?.httpGet?.path !== "/readyz") fail(`${at}: readinessProbe is not /readyz`);
      const stop = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
      // preStop, then .NET's 30 s shutdown timeout for requests in flight, must fit in the grace period.
      if (!(spec.terminationGracePeriodSeconds > stop + 30)) fail(`${at}: terminationGracePeriodSeconds ${spec.terminationGracePeriodSeconds} is not above preStop ${stop} s + 30 s`);
    }
  }
}

const hookPhases = (o) => (annotations(o)["helm.sh/hook"] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
const hookPolicies = (o) => (annotations(o)["helm.sh/hook-delete-policy"] ?? "").split(",").map((s) => s.trim());
const hookWeight = (o) => Number(annotations(o)["helm.sh/hook-weight"] ?? 0);

function selects(policy, labels) {
  const match = policy.spec?.podSelector?.matchLabels ?? {};
  return Object.entries(match).every(([k, v]) => labels?.[k] === v) && !(policy.spec?.podSelector?.matchExpressions?.length);
}

function checkNetworkPolicy(where, policy) {
  const types = policy.spec?.policyTypes ?? [];
  if (!types.includes("Ingress") || !types.includes("Egress")) fail(`${where}: policyTypes must be Ingress and Egress`);
  for (const rule of policy.spec?.ingress ?? []) if (!rule.from?.length) fail(`${where}: an ingress rule without "from" admits everyone`);
  for (const rule of policy.spec?.egress ?? []) if (!rule.to?.length) fail(`${where}: an egress rule without "to" allows every destination`);
  const egress = policy.spec?.egress ?? [];
  if (!egress.some((r) => (r.ports ?? []).some((p) => p.port === 53 && p.protocol === "UDP"))) fail(`${where}: no DNS egress`);
}

function rendered(file, chart, env, registry, tag) {
  const spec = charts[chart];
  if (!spec) { fail(`unknown chart ${chart}`); return; }
  const objects = load(file);
  const ns = `${chart}-${env}`;
  for (const o of objects) {
    const labels = o.metadata?.labels ?? {};
    if (labels["app.kubernetes.io/part-of"] !== "campus") fail(`${ns}: ${o.kind}/${o.metadata?.name} lacks app.kubernetes.io/part-of: campus`);
    if (labels["app.kubernetes.io/managed-by"] !== "Helm") fail(`${ns}: ${o.kind}/${o.metadata?.name} lacks app.kubernetes.io/managed-by: Helm`);
    if (o.metadata?.namespace) fail(`${ns}: ${o.kind}/${o.metadata.name} hard-codes a namespace`);
  }
  const policies = objects.filter((o) => o.kind === "NetworkPolicy");
  policies.forEach((p) => checkNetworkPolicy(`${ns} NetworkPolicy/${p.metadata.name}`, p));

  const deployments = objects.filter((o) => o.kind === "Deployment").map((d) => d.metadata.name).sort();
  const expected = [...spec.hosts.map((h) => `campus-${h}`), ...(spec.edge ? [spec.edge] : [])].sort();
  if (JSON.stringify(deployments) !== JSON.stringify(expected)) fail(`${ns}: Deployments ${deployments} are not ${expected}`);

  for (const host of spec.hosts) {
    const name = `campus-${host}`;
    const d = named(objects, "Deployment", name);
    if (!d) continue;
    const where = `${ns} Deployment/${name}`;
    const pod = d.spec.template.spec;
    checkPodSpec(where, pod, { probes: true });
    const image = pod.containers[0].image;
    if (image !== `${registry}/campus-${host}:${tag}`) fail(`${where}: image ${image} is not ${registry}/campus-${host}:${tag}`);
    for (const kind of ["Service", "ServiceAccount", "ConfigMap", "NetworkPolicy", "ServiceMonitor"]) {
      if (!named(objects, kind, name)) fail(`${where}: no ${kind} ${name}`);
    }
    const sa = named(objects, "ServiceAccount", name);
    if (sa && sa.automountServiceAccountToken !== false) fail(`${ns} ServiceAccount/${name}: automountServiceAccountToken is not false`);
    const cm = named(objects, "ConfigMap", name);
    if (cm) {
      const data = cm.data ?? {};
      if (data.ASPNETCORE_ENVIRONMENT !== "Production") fail(`${ns} ConfigMap/${name}: ASPNETCORE_ENVIRONMENT is not Production`);
      const env = pod.containers[0].env ?? [];
      const usesDatabase = env.some((e) => e.name === "ConnectionStrings__Database");
      if (usesDatabase && data.Database__MigrateOnStart !== "false") fail(`${ns} ConfigMap/${name}: Database__MigrateOnStart is not "false"`);
      if (!(pod.containers[0].envFrom ?? []).some((e) => e.configMapRef?.name === name)) fail(`${where}: does not read ConfigMap ${name}`);
      if (data.Jwt__JwksUrl && !/^http:\/\/campus-auth:8080\/api\/auth\/\.well-known\/jwks\.json$/.test(data.Jwt__JwksUrl)) fail(`${ns} ConfigMap/${name}: Jwt__JwksUrl is not the auth Service`);
    }
    const policy = policies.find((p) => selects(p, d.spec.template.metadata.labels) && p.metadata.name === name);
    if (!policy) fail(`${where}: no NetworkPolicy selects its pods`);
    const sm = named(objects, "ServiceMonitor", name);
    if (sm) {
      const ep = sm.spec?.endpoints?.[0] ?? {};
      if (ep.port !== "http" || ep.path !== "/metrics") fail(`${ns} ServiceMonitor/${name}: does not scrape http /metrics`);
      if (!(ep.relabelings ?? []).some((r) => r.targetLabel === "campus_host")) fail(`${ns} ServiceMonitor/${name}: no campus_host label (the alerts group by it)`);
    }
    const hpa = named(objects, "HorizontalPodAutoscaler", name);
    const replicated = hpa ? hpa.spec.minReplicas > 1 : d.spec.replicas > 1;
    if (replicated) {
      if (!named(objects, "PodDisruptionBudget", name)) fail(`${where}: several replicas but no PodDisruptionBudget`);
      if (!(pod.topologySpreadConstraints ?? []).some((t) => t.topologyKey === "kubernetes.io/hostname")) fail(`${where}: several replicas but no spread over nodes`);
    } else if (named(objects, "PodDisruptionBudget", name)) {
      fail(`${where}: a PodDisruptionBudget on a single replica blocks node drains`);
    }
    if (hpa && d.spec.replicas !== undefined) fail(`${where}: sets replicas although an HPA scales it`);
    if ((spec.autoscaled ?? []).includes(host) && env !== "dev") {
      if (!hpa) fail(`${where}: no HorizontalPodAutoscaler in ${env}`);
      else if (hpa.apiVersion !== "autoscaling/v2" || !hpa.spec.metrics?.some((m) => m.resource?.name === "cpu")) fail(`${ns} HPA/${name}: not an autoscaling/v2 CPU autoscaler`);
    }
  }

  const jobs = objects.filter((o) => o.kind === "Job");
  for (const job of jobs) {
    const where = `${ns} Job/${job.metadata.name}`;
    checkPodSpec(where, job.spec.template.spec, { probes: false });
    if (job.spec.template.spec.restartPolicy !== "Never") fail(`${where}: restartPolicy is not Never`);
    if (job.spec.backoffLimit === undefined || job.spec.activeDeadlineSeconds === undefined) fail(`${where}: no backoffLimit or activeDeadlineSeconds`);
    if (!policies.some((p) => selects(p, job.spec.template.metadata.labels))) fail(`${where}: no NetworkPolicy selects its pods`);
  }
  if (spec.migrations) {
    const name = `campus-${spec.migrations}-migrate`;
    const job = named(objects, "Job", name);
    if (!job) fail(`${ns}: no migration Job ${name}`);
    else {
      const where = `${ns} Job/${name}`;
      const phases = hookPhases(job);
      if (!phases.includes("pre-install") || !phases.includes("pre-upgrade")) fail(`${where}: not a pre-install,pre-upgrade hook`);
      const policiesOf = hookPolicies(job);
      if (!policiesOf.includes("before-hook-creation") || !policiesOf.includes("hook-succeeded")) fail(`${where}: hook-delete-policy is not before-hook-creation,hook-succeeded`);
      const c = job.spec.template.spec.containers[0];
      if (JSON.stringify(c.args) !== '["migrate"]') fail(`${where}: args are not ["migrate"]`);
      if (c.image !== `${registry}/campus-${spec.migrations}:${tag}`) fail(`${where}: image ${c.image} is not the service's`);
      if (!(c.env ?? []).some((e) => e.name === "ConnectionStrings__Database" && e.valueFrom?.secretKeyRef)) fail(`${where}: no ConnectionStrings__Database from a Secret`);
      // Its ServiceAccount and NetworkPolicy must exist before it runs on a first install: hooks with a lower weight.
      for (const kind of ["ServiceAccount", "NetworkPolicy"]) {
        const dep = named(objects, kind, name);
        if (!dep) fail(`${where}: no ${kind} ${name}`);
        else if (!hookPhases(dep).includes("pre-install") || !(hookWeight(dep) < hookWeight(job))) fail(`${where}: ${kind} ${name} is not a pre-install hook created before the Job`);
      }
      if (job.spec.template.spec.serviceAccountName !== name) fail(`${where}: does not run as ServiceAccount ${name}`);
    }
  } else if (jobs.some((j) => hookPhases(j).includes("pre-upgrade"))) {
    fail(`${ns}: a migration Job in a chart without a database`);
  }
  if (spec.test) {
    const name = `campus-${spec.test}-check-dependencies`;
    const job = named(objects, "Job", name);
    if (!job) fail(`${ns}: no helm test Job ${name}`);
    else {
      const c = job.spec.template.spec.containers[0];
      if (!hookPhases(job).includes("test")) fail(`${ns} Job/${name}: not a helm test hook`);
      if (JSON.stringify(c.args) !== '["check-dependencies"]') fail(`${ns} Job/${name}: args are not ["check-dependencies"]`);
      if (c.image !== `${registry}/campus-content:${tag}`) fail(`${ns} Job/${name}: not the content image`);
      for (const key of ["ConnectionStrings__Database", "ConnectionStrings__RabbitMq", "ConnectionStrings__Redis", "Storage__AccessKey", "Storage__SecretKey"]) {
        if (!(c.env ?? []).some((e) => e.name === key && e.valueFrom?.secretKeyRef)) fail(`${ns} Job/${name}: no ${key} from a Secret`);
      }
    }
  }

  if (chart === "api-gateway") {
    // Every environment gets the edge that answers its own errors as problem+json.
    checkNginxEdge(objects, ns, { passThroughRoute: false });
    if (!named(objects, "PrometheusRule", "campus-rules")) fail(`${ns}: no PrometheusRule`);
  } else {
    for (const host of spec.hosts) {
      const p = named(objects, "NetworkPolicy", `campus-${host}`);
      if (!p) continue;
      const fromGateway = (p.spec.ingress ?? []).some((r) => r.from.some((f) => f.podSelector?.matchLabels?.["app.kubernetes.io/component"] === "gateway"));
      const worker = host.endsWith("-worker");
      if (worker === fromGateway) fail(`${ns} NetworkPolicy/campus-${host}: ${worker ? "a worker must not" : "a service must"} admit the gateway`);
    }
  }
}

// edge.kind=ingress (opt-in): ingress-nginx annotations carrying the edge's limits and headers.
function ingress(file) {
  const objects = load(file);
  const ns = "ingress";
  for (const kind of ["HTTPRoute", "Deployment"]) {
    if (objects.some((o) => o.kind === kind && o.metadata?.name?.startsWith("campus-edge"))) fail(`ingress: a ${kind} campus-edge rendered although edge.kind is ingress`);
  }
  const ingresses = objects.filter((o) => o.kind === "Ingress");
  const byPath = Object.fromEntries(ingresses.map((i) => [i.spec.rules[0].http.paths[0].path, i]));
  const auth = byPath["/api/auth"];
  if (!auth || !annotations(auth)["nginx.ingress.kubernetes.io/limit-rps"]) fail(`${ns}: no per-IP rate limit on /api/auth`);
  const ws = byPath["/ws"];
  if (!ws || Number(annotations(ws)["nginx.ingress.kubernetes.io/proxy-read-timeout"]) < 3600) fail(`${ns}: /ws has no long (1 h) read timeout`);
  const api = byPath["/api"];
  if (!api || annotations(api)["nginx.ingress.kubernetes.io/proxy-body-size"] !== "10m") fail(`${ns}: /api body size is not 10m`);
  for (const i of ingresses) {
    if (i.spec.rules[0].http.paths[0].backend.service?.name !== "campus-gateway") fail(`${ns} Ingress/${i.metadata.name}: not routed to campus-gateway`);
    if (!annotations(i)["nginx.ingress.kubernetes.io/custom-headers"]) fail(`${ns} Ingress/${i.metadata.name}: no security headers`);
  }
  const headers = named(objects, "ConfigMap", "campus-edge-headers")?.data ?? {};
  if (!/default-src 'none'/.test(headers["Content-Security-Policy"] ?? "")) fail(`${ns}: no Content-Security-Policy default-src 'none'`);
  if (!/max-age=31536000/.test(headers["Strict-Transport-Security"] ?? "")) fail(`${ns}: no HSTS`);
  const gw = named(objects, "NetworkPolicy", "campus-gateway");
  if (gw && !(gw.spec.ingress ?? []).some((r) => r.from.some((f) => f.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "ingress-nginx"))) fail(`${ns}: the gateway does not admit the ingress controller`);
}

function httproute(file) {
  const objects = load(file);
  if (objects.some((o) => o.kind === "Ingress")) fail("httproute: Ingresses rendered although edge.kind is httproute");
  const route = named(objects, "HTTPRoute", "campus-api");
  if (!route) { fail("httproute: no HTTPRoute campus-api"); return; }
  const paths = route.spec.rules.map((r) => r.matches[0].path.value).sort();
  if (JSON.stringify(paths) !== '["/api","/ws"]') fail(`httproute: paths ${paths} are not /api and /ws`);
  for (const rule of route.spec.rules) {
    const set = rule.filters?.find((f) => f.type === "ResponseHeaderModifier")?.responseHeaderModifier?.set ?? [];
    if (!set.some((h) => h.name === "Content-Security-Policy")) fail("httproute: no Content-Security-Policy header");
    if (rule.backendRefs?.[0]?.name !== "campus-gateway") fail("httproute: not routed to campus-gateway");
  }
}

// edge.kind=nginx: the Campus edge itself (campus-edge), restricted like the hosts, its nginx.conf fully rendered, the
// gateway admitting it (and no ingress controller), and in front of it either a layer-4 LoadBalancer keeping client
// addresses (the default) or a shared Gateway's pass-through HTTPRoute that adds nothing of its own (no filters, no
// timeout) with the Gateway's proxies as trusted X-Forwarded-For sources. edge-run.sh runs the config.
function checkNginxEdge(objects, where, { passThroughRoute }) {
  if (objects.some((o) => o.kind === "Ingress")) fail(`${where}: an Ingress rendered although edge.kind is nginx (its controller's errors would be HTML)`);
  for (const route of objects.filter((o) => o.kind === "HTTPRoute")) {
    if (!passThroughRoute || route.metadata.name !== "campus-edge") fail(`${where}: HTTPRoute/${route.metadata.name} rendered beside the nginx edge`);
  }
  for (const kind of ["ConfigMap", "ServiceAccount", "Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy"]) {
    if (!named(objects, kind, "campus-edge")) fail(`${where}: no ${kind} campus-edge`);
  }
  const deployment = named(objects, "Deployment", "campus-edge");
  if (deployment) {
    const pod = deployment.spec.template.spec;
    checkPodSpec(`${where} Deployment/campus-edge`, pod, { probes: false });
    const c = pod.containers[0];
    for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) if (!c[probe]) fail(`${where} Deployment/campus-edge: no ${probe}`);
    if (!(pod.terminationGracePeriodSeconds > (c.lifecycle?.preStop?.sleep?.seconds ?? 0))) fail(`${where} Deployment/campus-edge: no time for a graceful stop after preStop`);
    if (!deployment.spec.template.metadata.annotations?.["checksum/config"]) fail(`${where} Deployment/campus-edge: no checksum/config (a changed nginx.conf would not roll out)`);
  }
  const conf = named(objects, "ConfigMap", "campus-edge")?.data?.["nginx.conf"] ?? "";
  const left = conf.split("\n").filter((l) => !l.trim().startsWith("#") && /@[A-Z_]+@/.test(l));
  if (left.length) fail(`${where}: placeholders left in nginx.conf: ${left.join(" | ")}`);
  if (!conf.includes("server campus-gateway:8080;")) fail(`${where}: nginx.conf does not proxy to campus-gateway:8080`);
  const service = named(objects, "Service", "campus-edge");
  if (passThroughRoute) {
    if (service && service.spec.type !== "ClusterIP") fail(`${where}: Service/campus-edge is a ${service.spec.type} although the Gateway's route is the way in`);
    if (!/^\s*set_real_ip_from [0-9a-fA-F.:]+\/[0-9]+;$/m.test(conf) || !/^\s*real_ip_header X-Forwarded-For;$/m.test(conf)) fail(`${where}: nginx.conf does not take the client address from the Gateway's X-Forwarded-For (set_real_ip_from)`);
    const route = named(objects, "HTTPRoute", "campus-edge");
    if (!route) fail(`${where}: no HTTPRoute campus-edge`);
    else {
      const rules = route.spec.rules ?? [];
      const rule = rules[0] ?? {};
      if (rules.length !== 1 || rule.matches?.length !== 1 || rule.matches[0].path?.type !== "PathPrefix" || rule.matches[0].path?.value !== "/") fail(`${where} HTTPRoute/campus-edge: not one rule for every path (PathPrefix /): the Gateway would answer the others itself`);
      if (rule.filters?.length) fail(`${where} HTTPRoute/campus-edge: filters (${rule.filters.map((f) => f.type)}): the edge sets the headers`);
      if (rule.timeouts?.request !== "0s" || rule.timeouts?.backendRequest) fail(`${where} HTTPRoute/campus-edge: a request timeout of its own (the edge's are 75 s and 1 h for /ws): the Gateway would answer it`);
      const backend = rule.backendRefs ?? [];
      if (backend.length !== 1 || backend[0].name !== "campus-edge" || backend[0].port !== 80) fail(`${where} HTTPRoute/campus-edge: not routed to campus-edge:80`);
      if (!route.spec.parentRefs?.length) fail(`${where} HTTPRoute/campus-edge: no parentRefs`);
    }
  } else if (service && (service.spec.type !== "LoadBalancer" || service.spec.externalTrafficPolicy !== "Local")) {
    fail(`${where}: Service/campus-edge is not a LoadBalancer keeping client addresses (externalTrafficPolicy Local)`);
  }
  const gw = named(objects, "NetworkPolicy", "campus-gateway");
  const admits = (r, component) => r.from.some((f) => f.podSelector?.matchLabels?.["app.kubernetes.io/component"] === component && !f.namespaceSelector);
  if (!(gw?.spec.ingress ?? []).some((r) => admits(r, "edge"))) fail(`${where}: the gateway does not admit the campus-edge pods`);
  if ((gw?.spec.ingress ?? []).some((r) => r.from.some((f) => f.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "ingress-nginx"))) fail(`${where}: the gateway still admits the ingress controller`);
  const edgePolicy = named(objects, "NetworkPolicy", "campus-edge");
  if (edgePolicy) {
    checkNetworkPolicy(`${where} NetworkPolicy/campus-edge`, edgePolicy);
    if (!(edgePolicy.spec.egress ?? []).some((r) => r.to.some((t) => t.podSelector?.matchLabels?.["app.kubernetes.io/component"] === "gateway"))) fail(`${where}: campus-edge may not reach the gateway`);
  }
}

function edgeConf(file) {
  const conf = named(load(file), "ConfigMap", "campus-edge")?.data?.["nginx.conf"];
  if (!conf) { fail(`${file}: no ConfigMap campus-edge with nginx.conf`); return; }
  process.stdout.write(conf);
}

// Credentials a values file or a rendered manifest must never hold. The charts reference Secrets by name only.
const secretPatterns = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a PEM private key"],
  [/\b(password|pwd)\s*=/i, "password= in a connection string"],
  [/[a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]+:[^\s/@'"]+@/i, "credentials in a URL (user:pass@)"],
  [/\bAKIA[0-9A-Z]{16}\b/, "an AWS access key id"],
  [/\b\d{8,10}:[A-Za-z0-9_-]{35}\b/, "a Telegram bot token"],
  [/["']?\b\w*(password|passwd|secret|token|api_?key|private_?key)["']?\s*[:=]\s*["']?[^\s"'{}[\],]{8,}/i, "a secret-named key with a value"],
];

function secrets(files) {
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    text.split("\n").forEach((line, i) => {
      for (const [pattern, what] of secretPatterns) if (pattern.test(line)) fail(`${file}:${i + 1}: ${what}: ${line.trim().slice(0, 120)}`);
    });
    if (/\.ya?ml$/.test(file)) {
      let objects = [];
      try { objects = load(file); } catch (e) { fail(`${file}: not YAML: ${e.message}`); }
      for (const o of objects) if (o?.kind === "Secret") fail(`${file}: a Secret object (${o.metadata?.name}): Secrets are created outside the charts`);
    }
  }
}

// kind -> [apiGroup, resource] as RBAC names them.
const resourceOf = {
  Deployment: ["apps", "deployments"], Service: ["", "services"], ServiceAccount: ["", "serviceaccounts"], ConfigMap: ["", "configmaps"],
  HorizontalPodAutoscaler: ["autoscaling", "horizontalpodautoscalers"], PodDisruptionBudget: ["policy", "poddisruptionbudgets"],
  NetworkPolicy: ["networking.k8s.io", "networkpolicies"], Ingress: ["networking.k8s.io", "ingresses"], Job: ["batch", "jobs"],
  ServiceMonitor: ["monitoring.coreos.com", "servicemonitors"], PrometheusRule: ["monitoring.coreos.com", "prometheusrules"],
  HTTPRoute: ["gateway.networking.k8s.io", "httproutes"], Secret: ["", "secrets"],
};
const helmVerbs = ["get", "list", "watch", "create", "update", "patch", "delete"];

function rbac(rbacFile, files) {
  const roles = load(rbacFile).filter((o) => o.kind === "Role");
  if (roles.length !== 3) fail(`${rbacFile}: expected one Role per environment, found ${roles.length}`);
  const kinds = new Set(["Secret"]); // Helm's release storage
  for (const file of files) for (const o of load(file)) kinds.add(o.kind);
  for (const role of roles) {
    const allows = (group, resource, verb) => role.rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
    for (const rule of role.rules) {
      if (rule.apiGroups.includes("*") || rule.resources.includes("*") || rule.verbs.includes("*")) fail(`${role.metadata.namespace} Role: wildcard rule`);
    }
    for (const kind of kinds) {
      const r = resourceOf[kind];
      if (!r) { fail(`rbac: no RBAC resource known for kind ${kind}`); continue; }
      for (const verb of helmVerbs) if (!allows(r[0], r[1], verb)) fail(`${role.metadata.namespace} Role: cannot ${verb} ${r[1]} (${kind})`);
    }
  }
}

function alerts(renderedFile, rulesFile, dashboardsDir) {
  const objects = load(renderedFile);
  const rule = objects.find((o) => o.kind === "PrometheusRule");
  const file = YAML.parse(readFileSync(rulesFile, "utf8"));
  if (!rule) fail(`${renderedFile}: no PrometheusRule`);
  else if (JSON.stringify(rule.spec) !== JSON.stringify(file)) fail(`${renderedFile}: the PrometheusRule's spec is not ${rulesFile}`);
  const dashboards = readdirSync(dashboardsDir).filter((f) => f.endsWith(".json"));
  if (!dashboards.length) fail(`${dashboardsDir}: no dashboards`);
  for (const json of dashboards) {
    const name = `campus-dashboard-${json.replace(/\.json$/, "")}`;
    const map = named(objects, "ConfigMap", name);
    if (!map) { fail(`${renderedFile}: no ConfigMap ${name}`); continue; }
    if (map.metadata.labels?.grafana_dashboard !== "1") fail(`${renderedFile} ConfigMap/${name}: no grafana_dashboard: "1" label (the Grafana sidecar would not load it)`);
    if (map.data?.[json] !== readFileSync(join(dashboardsDir, json), "utf8").replace(/\n$/, "")) fail(`${renderedFile} ConfigMap/${name}: data.${json} is not ${json}, verbatim`);
  }
}

function run(mode, args) {
  switch (mode) {
    case "rendered": rendered(...args); break;
    case "httproute": httproute(args[0]); break;
    case "ingress": ingress(args[0]); break;
    case "nginx-route": checkNginxEdge(load(args[0]), "nginx-route", { passThroughRoute: true }); break;
    case "edge-conf": edgeConf(args[0]); break;
    case "secrets": secrets(args); break;
    case "rbac": rbac(args[0], args.slice(1)); break;
    case "alerts": alerts(args[0], args[1], args[2]); break;
    default: fail(`unknown mode ${mode}: rendered|ingress|httproute|nginx-route|edge-conf|secrets|rbac|alerts|batch`);
  }
}

const [mode, ...args] = process.argv.slice(2);
if (mode === "batch") {
  const [outdir, jobs] = args;
  for (const line of readFileSync(jobs, "utf8").split("\n").filter(Boolean)) {
    const [name, jobMode, ...jobArgs] = line.split("\t");
    failures.length = 0;
    try { run(jobMode, jobArgs); } catch (e) { fail(`${name}: ${e.stack ?? e}`); }
    writeFileSync(`${outdir}/${name}.txt`, failures.map((f) => `${f}\n`).join(""));
  }
  process.exit(0);
}
run(mode, args);
for (const f of failures) console.log(f);
process.exit(failures.length ? 1 : 0);
