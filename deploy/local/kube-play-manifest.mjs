// Turns one Deployment of a `helm template` render into what `podman kube play` can run beside the local platform:
// the Deployment with the ConfigMaps its containers read, one replica, the image given, and the app bound to a free
// loopback port (podman runs it on the host network, where the chart's port 8080 belongs to the local edge).
// Everything that makes the pod restricted (securityContext, read-only root, volumes, resources) is kept as rendered.
// Secrets are not Kubernetes objects here: the secretKeyRefs are listed on stdout as `secret key` lines, and the
// caller creates each with `podman secret create` (podman 4.3 cannot load a `kind: Secret` document).
//
//   node kube-play-manifest.mjs RENDER DEPLOYMENT IMAGE PORT OUT [NAME=VALUE...]   (extra env, e.g. a key prefix)
import { readFileSync, writeFileSync } from "node:fs";
import { parseAllDocuments, stringify } from "yaml";

const [render, name, image, port, out, ...extra] = process.argv.slice(2);
if (!out) { console.error("usage: kube-play-manifest.mjs RENDER DEPLOYMENT IMAGE PORT OUT [NAME=VALUE...]"); process.exit(2); }
const objects = parseAllDocuments(readFileSync(render, "utf8")).map(d => d.toJS()).filter(Boolean);
const deployment = objects.find(o => o.kind === "Deployment" && o.metadata.name === name);
if (!deployment) { console.error(`no Deployment ${name} in ${render}`); process.exit(1); }

const pod = deployment.spec.template.spec;
const configMaps = new Set(), envFromMaps = new Set(), secrets = new Set();
deployment.spec.replicas = 1;
for (const c of pod.containers) {
  c.image = image;
  c.imagePullPolicy = "Never";
  for (const from of c.envFrom ?? []) if (from.configMapRef) { configMaps.add(from.configMapRef.name); envFromMaps.add(from.configMapRef.name); }
  for (const e of c.env ?? []) {
    if (e.valueFrom?.configMapKeyRef) configMaps.add(e.valueFrom.configMapKeyRef.name);
    if (e.valueFrom?.secretKeyRef) secrets.add(`${e.valueFrom.secretKeyRef.name} ${e.valueFrom.secretKeyRef.key}`);
  }
  // No hostPort: on the host network the container port is the app's own; 8080 stays the edge's.
  delete c.ports;
  // podman 4.3 knows no `sleep` preStop action (Kubernetes 1.29+); it ignores probes and lifecycle anyway.
  delete c.lifecycle;
}
const maps = objects.filter(o => o.kind === "ConfigMap" && configMaps.has(o.metadata.name));
if (maps.length !== configMaps.size) { console.error(`missing ConfigMap(s) of ${name}: ${[...configMaps]}`); process.exit(1); }
// The overrides go into the ConfigMaps the containers take whole (podman lets envFrom win over env): the address,
// 127.0.0.1 and the free port (ASPNETCORE_URLS wins over the chart's ASPNETCORE_HTTP_PORTS), and the extra settings.
const overrides = { ASPNETCORE_URLS: `http://127.0.0.1:${port}` };
for (const pair of extra) overrides[pair.slice(0, pair.indexOf("="))] = pair.slice(pair.indexOf("=") + 1);
for (const map of maps) if (envFromMaps.has(map.metadata.name)) { delete map.data.ASPNETCORE_HTTP_PORTS; Object.assign(map.data, overrides); }
writeFileSync(out, [...maps, deployment].map(o => stringify(o)).join("---\n"));
for (const s of secrets) console.log(s);
