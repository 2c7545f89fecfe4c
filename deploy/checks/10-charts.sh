#!/usr/bin/env bash
# The Helm charts (deploy/helm) and the plain manifests (deploy/k8s), offline:
#   - values schemas up to date (yamllint of the values files is in the workflows group);
#   - helm dependency build (file://../campus-lib), helm lint --strict and helm template --kube-version 1.35.0 of
#     every chart with every environment's values; the renders go to $DEPLOY_WORK/rendered/<chart>-<env>.yaml
#     (the manifest checks validate every file there). The api-gateway renders of the environments carry the chart's
#     default edge, edge.kind=nginx (campus-edge), whose nginx.conf charts/edge-run.sh runs under nginx for each
#     environment; the opt-in edges are rendered too: api-gateway-prod-ingress.yaml (edge.kind=ingress),
#     api-gateway-prod-httproute.yaml (edge.kind=httproute) and api-gateway-prod-nginx-route.yaml (the nginx edge
#     behind a shared Gateway: edge.nginx.passThroughRoute);
#   - what a reviewer checks in the renders (charts/assert.mjs): restricted pods, three probes, resources, hooks,
#     HPA, PDB, NetworkPolicy, ServiceMonitor, images, no Secret and nothing secret-looking, RBAC coverage;
#   - observability (deploy/observability, which the api-gateway chart ships through its files/ symlink): the rendered
#     PrometheusRule is rules/campus.rules.yaml and each dashboard ConfigMap its JSON, verbatim; promtool check rules
#     and test rules; the dashboards' conventions and every dashboard query parsed by promtool (expressions.mjs);
#   - refusals: what must not pass does not (unknown key, wrong type, secret in values, empty peer list, ...).
# Works on a copy of deploy/helm in $DEPLOY_WORK (the tree is not written to); needs no cluster. The helm runs
# go two at a time and the reviewer checks run in one node process, then each result is reported in order.
# shellcheck source=deploy/checks/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HELM="${HELM:?}"
ASSERT="$ROOT/deploy/checks/charts/assert.mjs"
CHARTS=(api-gateway auth profile content notifications chat analytics)
ENVS=(dev staging prod)
REGISTRY=ghcr.io/campus-ci
TAG=0123456789abcdef0123456789abcdef01234567
IMAGE=(--set "image.registry=$REGISTRY" --set "image.tag=$TAG")
KUBE=(--kube-version 1.35.0)
PARALLEL=2

WORK="$DEPLOY_WORK/charts"
RENDERED="$DEPLOY_WORK/rendered"
OUT="$WORK/results"
BROKEN="$WORK/broken"
rm -rf "$WORK"
mkdir -p "$WORK" "$RENDERED" "$OUT" "$BROKEN"
for chart in "${CHARTS[@]}"; do rm -f "$RENDERED/$chart"-*.yaml; done
# A copy without build output: dependency build must work as in a fresh clone.
cp -r "$ROOT/deploy/helm" "$WORK/helm"
# api-gateway/files and api-gateway/edge are symlinks to ../../observability and ../../edge: the copy needs them beside
# the charts, like the tree.
cp -r "$ROOT/deploy/observability" "$WORK/observability"
cp -r "$ROOT/deploy/edge" "$WORK/edge"
rm -rf "$WORK"/helm/*/charts
HELMDIR="$WORK/helm"

# --- running commands in the background, reporting them in order ------------------------------------------------
spawn() { # NAME COMMAND...: runs it in the background (at most $PARALLEL at once); output and status in $OUT
  local name="$1"; shift
  while (($(jobs -rp | wc -l) >= PARALLEL)); do wait -n; done
  ( "$@" >"$OUT/$name.out" 2>&1; echo $? >"$OUT/$name.rc" ) &
}
result() { # NAME: the spawned command's output, and its status
  local name="$1"
  cat "$OUT/$name.out" 2>/dev/null
  [[ -f "$OUT/$name.rc" ]] || { echo "$name did not run"; return 1; }
  return "$(cat "$OUT/$name.rc")"
}
asserted() { # NAME: the reviewer checks' failures for one job (none: passes)
  [[ -f "$OUT/assert/$1.txt" ]] || { echo "assert job $1 did not run"; return 1; }
  [[ ! -s "$OUT/assert/$1.txt" ]] || { cat "$OUT/assert/$1.txt"; return 1; }
}

render() { # chart env [extra args...]: helm template to stdout
  local chart="$1" env="$2"; shift 2
  "$HELM" template "campus-$chart" "$HELMDIR/$chart" -n "campus-$env" -f "$HELMDIR/$chart/values.$env.yaml" \
    "${IMAGE[@]}" "${KUBE[@]}" "$@"
}
render_to() { local out="$1"; shift; render "$@" >"$out"; }
lint() { # chart values-file [extra args...]
  local chart="$1" values="$2"; shift 2
  "$HELM" lint --strict "$HELMDIR/$chart" -f "$values" "${IMAGE[@]}" "${KUBE[@]}" "$@"
}
lint_refused() { # name chart yaml: lint a values file that must be refused
  local name="$1" chart="$2" file="$WORK/$1.yaml"
  printf '%s\n' "$3" >"$file"
  spawn "$name" lint "$chart" "$file"
}

# --- sources ------------------------------------------------------------------------------------------------------
check "values.schema.json of every chart is what deploy/helm/schema/generate.mjs writes" \
  node "$ROOT/deploy/helm/schema/generate.mjs" --check
# The hand-written YAML searched for anything secret-looking below.
mapfile -t yaml_files < <(cd "$ROOT" && ls deploy/helm/*/values*.yaml deploy/helm/*/Chart.yaml deploy/observability/rules/*.yaml \
  deploy/observability/tests/*.yaml deploy/k8s/*.yaml deploy/k8s/dependencies/*.yaml)
# --- build, lint, render (in the background) ----------------------------------------------------------------------
for chart in "${CHARTS[@]}"; do spawn "dep-$chart" "$HELM" dependency build "$HELMDIR/$chart"; done
wait
for chart in "${CHARTS[@]}"; do
  for env in "${ENVS[@]}"; do
    spawn "lint-$chart-$env" lint "$chart" "$HELMDIR/$chart/values.$env.yaml"
    spawn "render-$chart-$env" render_to "$RENDERED/$chart-$env.yaml" "$chart" "$env"
  done
done
spawn render-ingress render_to "$RENDERED/api-gateway-prod-ingress.yaml" api-gateway prod --set edge.kind=ingress
spawn render-httproute render_to "$RENDERED/api-gateway-prod-httproute.yaml" api-gateway prod --set edge.kind=httproute
spawn render-nginx-route render_to "$RENDERED/api-gateway-prod-nginx-route.yaml" api-gateway prod \
  --set edge.nginx.passThroughRoute=true --set edge.nginx.service.type=ClusterIP --set edge.tls.secretName= \
  --set 'edge.nginx.trustedProxies={10.1.0.0/16}'
package_all() { local chart; for chart in "${CHARTS[@]}"; do "$HELM" package "$HELMDIR/$chart" -d "$WORK/packages" >/dev/null || return 1; done; }
spawn package package_all
# What must be refused.
lint_refused refuse-unknown-key auth $'hosts:\n  auth:\n    replica: 3'
lint_refused refuse-unknown-top-key profile 'imageTag: abc'
lint_refused refuse-wrong-type chat $'hosts:\n  chat:\n    replicas: three'
lint_refused refuse-wrong-bool analytics $'networkPolicy:\n  enabled: "yes"'
lint_refused refuse-secret-name notifications $'hosts:\n  notifications-worker:\n    config:\n      Smtp__Password: hunter2hunter2'
lint_refused refuse-secret-value auth $'hosts:\n  auth:\n    config:\n      Sms__BaseUrl: "Host=db;Password=x"'
lint_refused refuse-empty-peers content $'networkPolicy:\n  egress:\n    database:\n      to: []\n      ports: [{port: 5432, protocol: TCP}]'
lint_refused refuse-two-pollers notifications $'hosts:\n  notifications-worker:\n    replicas: 2'
lint_refused refuse-edge-kind api-gateway $'edge:\n  kind: loadbalancer'
# Refused for its own reason (the message names it), not for another one.
route_untrusted() {
  local out
  out="$(render api-gateway prod --set edge.nginx.passThroughRoute=true --set edge.nginx.service.type=ClusterIP 2>&1)" && return 0
  grep -q 'passThroughRoute needs edge.nginx.trustedProxies' <<<"$out" || { echo "refused for another reason: $out"; return 0; }
  echo "$out"; return 1
}
spawn refuse-route-untrusted route_untrusted
spawn refuse-no-tag "$HELM" template campus-auth "$HELMDIR/auth" -f "$HELMDIR/auth/values.prod.yaml" --set "image.registry=$REGISTRY" "${KUBE[@]}"
spawn refuse-active-key render auth prod --set hosts.auth.signingKeys.activeKeyId=campus-other
wait

for chart in "${CHARTS[@]}"; do
  check "helm dependency build $chart (campus-lib from file://, offline)" result "dep-$chart"
done
for chart in "${CHARTS[@]}"; do
  for env in "${ENVS[@]}"; do
    check "helm lint --strict $chart with values.$env.yaml" result "lint-$chart-$env"
    check "helm template $chart $env -> rendered/$chart-$env.yaml" result "render-$chart-$env"
  done
done
check "helm template api-gateway prod with edge.kind=ingress -> rendered/api-gateway-prod-ingress.yaml" result render-ingress
check "helm template api-gateway prod with edge.kind=httproute -> rendered/api-gateway-prod-httproute.yaml" result render-httproute
check "helm template api-gateway prod, nginx edge behind a shared Gateway -> rendered/api-gateway-prod-nginx-route.yaml" result render-nginx-route
check "helm package of every chart" result package

# --- what a reviewer checks (one node process) ----------------------------------------------------------------------
OBSERVABILITY="$ROOT/deploy/observability"
RULES="$OBSERVABILITY/rules/campus.rules.yaml"
mapfile -t renders < <(for chart in "${CHARTS[@]}"; do ls "$RENDERED/$chart"-*.yaml; done)
sed 's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: false/' "$RENDERED/auth-prod.yaml" >"$BROKEN/auth-prod.yaml"
sed '/readinessProbe:/,/successThreshold/d' "$RENDERED/chat-prod.yaml" >"$BROKEN/chat-prod.yaml"
{ cat "$RENDERED/profile-dev.yaml"; printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: leaked\nstringData:\n  connection-string: "Host=db;Password=s3cr3t"\n'; } >"$BROKEN/profile-dev.yaml"
{
  for chart in "${CHARTS[@]}"; do
    for env in "${ENVS[@]}"; do
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$chart-$env" rendered "$RENDERED/$chart-$env.yaml" "$chart" "$env" "$REGISTRY" "$TAG"
    done
  done
  printf 'ingress\tingress\t%s\n' "$RENDERED/api-gateway-prod-ingress.yaml"
  printf 'httproute\thttproute\t%s\n' "$RENDERED/api-gateway-prod-httproute.yaml"
  printf 'nginx-route\tnginx-route\t%s\n' "$RENDERED/api-gateway-prod-nginx-route.yaml"
  (IFS=$'\t'; echo "secrets-sources	secrets	${yaml_files[*]/#/$ROOT/}")
  (IFS=$'\t'; echo "secrets-renders	secrets	${renders[*]}")
  (IFS=$'\t'; echo "rbac	rbac	$ROOT/deploy/k8s/rbac.yaml	${renders[*]}")
  printf 'alerts\talerts\t%s\t%s\t%s\n' "$RENDERED/api-gateway-prod.yaml" "$RULES" "$OBSERVABILITY/dashboards"
  printf 'broken-rootfs\trendered\t%s\tauth\tprod\t%s\t%s\n' "$BROKEN/auth-prod.yaml" "$REGISTRY" "$TAG"
  printf 'broken-probe\trendered\t%s\tchat\tprod\t%s\t%s\n' "$BROKEN/chat-prod.yaml" "$REGISTRY" "$TAG"
  printf 'broken-secret\tsecrets\t%s\n' "$BROKEN/profile-dev.yaml"
} >"$WORK/assert-jobs.tsv"
mkdir -p "$OUT/assert"
node "$ASSERT" batch "$OUT/assert" "$WORK/assert-jobs.tsv" >"$OUT/assert.out" 2>&1 || cat "$OUT/assert.out"

check "no Secret object and nothing secret-looking in the values files and deploy/k8s" asserted secrets-sources
for chart in "${CHARTS[@]}"; do
  for env in "${ENVS[@]}"; do
    case "$chart" in
      api-gateway) what="gateway: restricted pod, 3 probes, resources, HPA, PDB, NetworkPolicies, ServiceMonitor, alert rules; the nginx edge campus-edge (restricted pod, probes, PDB, LoadBalancer Local, nginx.conf rendered, the gateway admits it), no Ingress" ;;
      content) what="service + worker: restricted pods, probes, resources, migration hook, helm test Job, NetworkPolicies, ServiceMonitors" ;;
      auth | chat) what="restricted pod, 3 probes, resources, migration hook, HPA, PDB, NetworkPolicies, ServiceMonitor" ;;
      *) what="restricted pods, 3 probes, resources, migration hook, PDB when replicated, NetworkPolicies, ServiceMonitors" ;;
    esac
    check "$chart $env: $what" asserted "$chart-$env"
  done
done
check "api-gateway ingress (opt-in): Ingresses with the edge's limits and the security headers, the gateway admits ingress-nginx" asserted ingress
check "api-gateway httproute (opt-in): one HTTPRoute (/api, /ws) with the security headers, no Ingress" asserted httproute
check "api-gateway nginx edge behind a shared Gateway: one pass-through HTTPRoute to campus-edge:80 (no filter, timeout or limit), ClusterIP, the Gateway's X-Forwarded-For trusted" asserted nginx-route
for env in "${ENVS[@]}"; do
  check "api-gateway $env: the campus-edge nginx.conf runs under nginx: its own 404/413/429/502 are problem+json with a trace_id; TLS variant passes nginx -t" \
    "$ROOT/deploy/checks/charts/edge-run.sh" "$RENDERED/api-gateway-$env.yaml" "$WORK/edge-run-$env"
done
check "no Secret object and nothing secret-looking in the ${#renders[@]} renders" asserted secrets-renders
check "deploy/k8s/rbac.yaml: the deployer's Role allows every kind the charts render (and Helm's release Secrets), no wildcard" asserted rbac

# --- observability: rules and dashboards -----------------------------------------------------------------------------
dashboard_queries_parse() {
  node "$OBSERVABILITY/expressions.mjs" rule-file "$WORK/dashboard-queries.json" && promtool check rules "$WORK/dashboard-queries.json"
}
check "the rendered PrometheusRule is rules/campus.rules.yaml and each dashboard ConfigMap its JSON, verbatim" asserted alerts
check "promtool check rules deploy/observability/rules/campus.rules.yaml" promtool check rules "$RULES"
check "promtool test rules deploy/observability/tests/campus.rules.test.yaml (every alert fires, and not on look-alikes)" \
  promtool test rules "$OBSERVABILITY/tests/campus.rules.test.yaml"
check "the dashboards follow the conventions (uid, data source and namespace variables, descriptions, namespace filters)" \
  node "$OBSERVABILITY/expressions.mjs" lint
check "promtool parses every query of every dashboard panel" dashboard_queries_parse

# --- refusals: each must fail ------------------------------------------------------------------------------------------
refuse "lint refuses an unknown key (hosts.auth.replica)" result refuse-unknown-key
refuse "lint refuses an unknown top-level key (imageTag)" result refuse-unknown-top-key
refuse "lint refuses a wrong type (replicas: \"three\")" result refuse-wrong-type
refuse "lint refuses a wrong type (networkPolicy.enabled: \"yes\")" result refuse-wrong-bool
refuse "lint refuses a secret-named setting in config (Smtp__Password)" result refuse-secret-name
refuse "lint refuses a credential in a setting's value (Password= in a connection string)" result refuse-secret-value
refuse "lint refuses an empty egress peer list (it would allow every destination)" result refuse-empty-peers
refuse "lint refuses a second Telegram poller (notifications-worker replicas: 2)" result refuse-two-pollers
refuse "lint refuses an unknown edge kind" result refuse-edge-kind
refuse "template refuses the nginx edge behind a Gateway's route without trusted proxies (every client would be the proxy)" result refuse-route-untrusted
refuse "template refuses a render without image.tag" result refuse-no-tag
refuse "template refuses an active signing key that is not among the keys" result refuse-active-key
refuse "the reviewer checks refuse a writable root filesystem" asserted broken-rootfs
refuse "the reviewer checks refuse a pod without a readiness probe" asserted broken-probe
refuse "the secret scan refuses a Secret object with a password" asserted broken-secret
# The edge run must fail when the edge's own 404 page is nginx's HTML again.
sed '/error_page 404 @not_found;/d' "$RENDERED/api-gateway-prod.yaml" >"$BROKEN/api-gateway-prod.yaml"
edge_run_broken() { cmp -s "$RENDERED/api-gateway-prod.yaml" "$BROKEN/api-gateway-prod.yaml" \
  || "$ROOT/deploy/checks/charts/edge-run.sh" "$BROKEN/api-gateway-prod.yaml" "$WORK/edge-run-broken"; }
refuse "the edge run fails when the edge answers an unknown path with nginx's HTML page" edge_run_broken
sed 's/(campus_messaging_dlq_messages) > 0/(campus_messaging_queue_messages) > 0/' "$RULES" >"$BROKEN/campus.rules.yaml"
sed "s|../rules/campus.rules.yaml|$BROKEN/campus.rules.yaml|" "$OBSERVABILITY/tests/campus.rules.test.yaml" >"$BROKEN/campus.rules.test.yaml"
# (If the mutation did not apply, the files are equal and this "refusal" fails: the check cannot pass vacuously.)
mutated_alerts_pass() { cmp -s "$RULES" "$BROKEN/campus.rules.yaml" || promtool test rules "$BROKEN/campus.rules.test.yaml"; }
refuse "the alert tests fail when the dead-letter alert counts ready messages of work queues" mutated_alerts_pass

finish
