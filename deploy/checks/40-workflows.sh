#!/usr/bin/env bash
# Group "workflows": the GitHub workflows and the hand-written YAML.
#   - every .github/workflows/*.yml passes deploy/local/lint-workflows.mjs (actionlint, and shellcheck on each
#     bash `run:` script);
#   - yamllint with the repository's .yamllint.yaml on every YAML file under .github and deploy (workflows, Helm
#     values and Chart.yaml files, alert rules, deploy/k8s, valid fixtures; Helm templates are not YAML: never linted);
#   - negative tests: each deploy/checks/fixtures/workflows/*.yml and deploy/checks/fixtures/yamllint/*.yaml has
#     one deliberate defect, states it (`# expect: <text of the problem>`) and must be refused with it.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
set -uo pipefail
shopt -s nullglob globstar

ROOT="${CAMPUS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
cd "$ROOT" || exit 1
FIXTURES=deploy/checks/fixtures
WORK="${DEPLOY_WORK:-$ROOT/.data/deploy}/workflows"

workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
broken_workflows=("$FIXTURES"/workflows/*.yml)
broken_yaml=("$FIXTURES"/yamllint/*.yaml)

# ---- actionlint + shellcheck of run steps: one node process for every file ----------------------------------------
out="$(node deploy/local/lint-workflows.mjs "${workflows[@]}" "${broken_workflows[@]}" 2>&1)"
status=$?

# The block of one file: its status line and the indented lines after it. Succeeds when the file passed.
block_of() {
  awk -v file="$1" '
    /^(ok|FAILED)  / { inside = (substr($0, 9, length(file)) == file && substr($0, 9 + length(file), 1) ~ /^(:|)$/); if (inside) { print; status = ($1 == "ok") ? 0 : 1; found = 1 }; next }
    inside && /^  / { print }
    END { if (!found) { print "no result for " file; exit 2 } exit status }' <<<"$out"
}
clean() { block_of "$1"; }

# Succeeds (so `refuse` fails) unless FILE was refused with the problem its `# expect:` line states.
accepted_or_wrong_reason() {
  local file="$1" block expect
  block="$(block_of "$file")"; local verdict=$?
  printf '%s\n' "$block"
  ((verdict == 1)) || return 0
  expect="$(sed -n 's/^# expect: //p' "$file" | head -n1)"
  if [[ -z "$expect" ]]; then echo "the fixture has no '# expect: ' line"; return 0; fi
  if ! grep -qF -- "$expect" <<<"$block"; then echo "refused, but not with: $expect"; return 0; fi
  return 1
}
crashed() { printf '%s\n' "$out"; return 1; }
no_workflows() { echo "no .github/workflows/*.yml"; return 1; }

if ((status > 1)) || ! grep -qE '^(ok|FAILED) ' <<<"$out"; then
  check "lint-workflows.mjs runs (exit $status)" crashed
else
  ((${#workflows[@]})) || check "workflows exist" no_workflows
  for f in "${workflows[@]}"; do check "actionlint + shellcheck of run steps: $f" clean "$f"; done
  for f in "${broken_workflows[@]}"; do
    defect="$(sed -n 's/^# Defect: //p' "$f" | head -n1)"
    refuse "lint-workflows refuses fixtures/workflows/$(basename "$f"): ${defect%.}" accepted_or_wrong_reason "$f"
  done
fi

# ---- yamllint ------------------------------------------------------------------------------------------------------
# Every YAML file a person writes under .github and deploy (the config's ignore list leaves out Helm templates).
mapfile -t yaml_files < <(yamllint --list-files -c .yamllint.yaml .yamllint.yaml .github deploy)
lint_yaml() { yamllint --format parsable -s -c .yamllint.yaml "$@"; }
check "yamllint (.yamllint.yaml): ${#yaml_files[@]} files under .github and deploy" lint_yaml "${yaml_files[@]}"

# A fixture sits in an ignored folder (so `yamllint .` stays clean); it is linted from a scratch copy.
yamllint_accepts_or_wrong_reason() {
  local file="$1" expect output
  expect="$(sed -n 's/^# expect: //p' "$file" | head -n1)"
  rm -rf "$WORK" && mkdir -p "$WORK" && cp "$file" "$WORK/"
  if output="$(cd "$WORK" && yamllint --format parsable -c "$ROOT/.yamllint.yaml" "$(basename "$file")" 2>&1)"; then
    printf '%s\n' "$output"; return 0
  fi
  printf '%s\n' "$output"
  [[ -n "$expect" ]] || { echo "the fixture has no '# expect: ' line"; return 0; }
  grep -qF -- "$expect" <<<"$output" && return 1
  echo "refused, but not with: $expect"; return 0
}
for f in "${broken_yaml[@]}"; do
  defect="$(sed -n 's/^# Defect: //p' "$f" | head -n1)"
  refuse "yamllint refuses fixtures/yamllint/$(basename "$f"): ${defect%.}" yamllint_accepts_or_wrong_reason "$f"
done

finish
