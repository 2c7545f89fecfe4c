#!/usr/bin/env bash
# Group "manifests": the Kubernetes objects we ship, validated offline by deploy/local/validate-manifests.mjs
# (schema models + unknown fields + the rules only the API server or the kubelet applies; see its header).
#   - every chart render in $DEPLOY_WORK/rendered/<chart>-<env>.yaml, written by the charts group, which runs
#     first. No render there is a failure: run `deploy/check charts manifests`. To check only deploy/k8s and the
#     fixtures (a branch without charts), run `DEPLOY_MANIFESTS_WITHOUT_CHARTS=1 deploy/check manifests`;
#   - every deploy/k8s/**/*.yaml;
#   - the validator's own tests: each deploy/checks/fixtures/broken/*.yaml has one deliberate defect, states it
#     (`# expect: <text of the error>`, `# errors: N` when one defect breaks more than one rule, default 1) and
#     must be refused with exactly that; each deploy/checks/fixtures/valid/*.yaml must be accepted.
# The validator runs once over every file (one node process); each file is then one check.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
shopt -s nullglob globstar

VALIDATOR=deploy/local/validate-manifests.mjs
RENDERED="$DEPLOY_WORK/rendered"
FIXTURES=deploy/checks/fixtures

rendered=("$RENDERED"/*.yaml)
k8s=(deploy/k8s/**/*.yaml deploy/k8s/**/*.yml)
valid=("$FIXTURES"/valid/*.yaml)
broken=("$FIXTURES"/broken/*.yaml)

# ---- the rendered charts are there, complete and not older than the charts ---------------------------------------
no_render() {
  echo "$RENDERED has no *.yaml: the charts group renders every chart there (helm template) before this group runs."
  echo "Run: deploy/check charts manifests"
  echo "(only deploy/k8s and the validator's fixtures: DEPLOY_MANIFESTS_WITHOUT_CHARTS=1 deploy/check manifests)"
  return 1
}
every_chart_rendered() {
  local chart_yaml chart missing=0 n=0
  for chart_yaml in deploy/helm/*/Chart.yaml; do
    grep -qE '^type:[[:space:]]*library' "$chart_yaml" && continue
    chart="$(basename "$(dirname "$chart_yaml")")"; n=$((n + 1))
    local files=("$RENDERED/$chart"-*.yaml)
    if ((${#files[@]} == 0)); then echo "no render of deploy/helm/$chart in $RENDERED ($chart-<env>.yaml)"; missing=1; fi
  done
  echo "$n application charts, ${#rendered[@]} renders"
  return "$missing"
}
# A chart's renders must be newer than its tracked sources and the library chart's (Chart.lock and the packaged
# dependencies in charts/ are rewritten by `helm dependency build`, so they do not count).
renders_are_current() {
  local chart_yaml chart dir oldest f source stale=0
  for chart_yaml in deploy/helm/*/Chart.yaml; do
    dir="$(dirname "$chart_yaml")"; chart="$(basename "$dir")"
    local files=("$RENDERED/$chart"-*.yaml)
    ((${#files[@]})) || continue
    oldest="${files[0]}"
    for f in "${files[@]}"; do [[ "$f" -ot "$oldest" ]] && oldest="$f"; done
    while IFS= read -r -d '' source; do
      [[ "$source" == */Chart.lock || "$source" == */charts/* || ! -f "$source" ]] && continue
      if [[ "$source" -nt "$oldest" ]]; then
        echo "$source changed after $oldest was rendered: run deploy/check charts manifests"; stale=1; break
      fi
    done < <(git ls-files -z -- "$dir" deploy/helm/campus-lib)
  done
  return "$stale"
}

if ((${#rendered[@]} == 0)); then
  if [[ "${DEPLOY_MANIFESTS_WITHOUT_CHARTS:-}" == 1 ]]; then
    echo "  note: no chart renders in $RENDERED (DEPLOY_MANIFESTS_WITHOUT_CHARTS=1): deploy/k8s and the fixtures only"
  else
    check "chart renders in \$DEPLOY_WORK/rendered" no_render
  fi
else
  check "every application chart under deploy/helm has a render" every_chart_rendered
  check "every render is newer than its chart's sources" renders_are_current
fi

# ---- one validator run over everything -----------------------------------------------------------------------------
out="$(node "$VALIDATOR" "${rendered[@]}" "${k8s[@]}" "${valid[@]}" "${broken[@]}" 2>&1)"
status=$?
crashed() { printf '%s\n' "$out"; return 1; }
if ((status > 1)) || ! grep -qE '^(ok|FAILED) ' <<<"$out"; then
  check "validate-manifests.mjs runs (exit $status)" crashed
  finish; exit
fi

accepted() { block_of "$out" "$1"; }

# Succeeds (so `refuse` fails) unless the validator refused FILE with the stated error and count.
accepted_or_wrong_reason() {
  local file="$1" block count errors
  block="$(block_of "$out" "$file")"; local verdict=$?
  printf '%s\n' "$block"
  ((verdict == 1)) || return 0
  wrong_reason "$file" "$block" && return 0
  count="$(fixture_field "$file" errors)"; count="${count:-1}"
  errors="$(grep -c '^  ' <<<"$block" | tr -d ' ')"
  errors=$((errors - $(grep -c '^  note: ' <<<"$block")))
  if ((errors != count)); then echo "refused with $errors errors; the fixture states $count"; return 0; fi
  return 1
}

for f in "${rendered[@]}"; do check "rendered/$(basename "$f")" accepted "$f"; done
for f in "${k8s[@]}"; do check "$f" accepted "$f"; done
((${#k8s[@]})) || echo "  note: no deploy/k8s/*.yaml"
for f in "${valid[@]}"; do check "validator accepts fixtures/valid/$(basename "$f")" accepted "$f"; done
refuse_fixtures validator accepted_or_wrong_reason "${broken[@]}"
few_fixtures() { echo "only ${#broken[@]} broken fixtures"; return 1; }
((${#broken[@]} >= 20)) || check "at least 20 broken fixtures" few_fixtures

finish
