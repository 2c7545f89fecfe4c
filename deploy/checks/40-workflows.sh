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
shopt -s nullglob globstar

FIXTURES=deploy/checks/fixtures
WORK="$DEPLOY_WORK/workflows"

workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
broken_workflows=("$FIXTURES"/workflows/*.yml)
broken_yaml=("$FIXTURES"/yamllint/*.yaml)

# ---- actionlint + shellcheck of run steps: one node process for every file ----------------------------------------
out="$(node deploy/local/lint-workflows.mjs "${workflows[@]}" "${broken_workflows[@]}" 2>&1)"
status=$?

clean() { block_of "$out" "$1"; }

# Succeeds (so `refuse` fails) unless FILE was refused with the problem its `# expect:` line states.
accepted_or_wrong_reason() {
  local block
  block="$(block_of "$out" "$1")"; local verdict=$?
  printf '%s\n' "$block"
  ((verdict == 1)) || return 0
  wrong_reason "$1" "$block"
}
crashed() { printf '%s\n' "$out"; return 1; }
no_workflows() { echo "no .github/workflows/*.yml"; return 1; }

if ((status > 1)) || ! grep -qE '^(ok|FAILED) ' <<<"$out"; then
  check "lint-workflows.mjs runs (exit $status)" crashed
else
  ((${#workflows[@]})) || check "workflows exist" no_workflows
  for f in "${workflows[@]}"; do check "actionlint + shellcheck of run steps: $f" clean "$f"; done
  refuse_fixtures lint-workflows accepted_or_wrong_reason "${broken_workflows[@]}"
fi

# ---- yamllint ------------------------------------------------------------------------------------------------------
# Every YAML file a person writes under .github and deploy (the config's ignore list leaves out Helm templates).
mapfile -t yaml_files < <(yamllint --list-files -c .yamllint.yaml .yamllint.yaml .github deploy)
lint_yaml() { yamllint --format parsable -s -c .yamllint.yaml "$@"; }
check "yamllint (.yamllint.yaml): ${#yaml_files[@]} files under .github and deploy" lint_yaml "${yaml_files[@]}"

# A fixture sits in an ignored folder (so `yamllint .` stays clean); it is linted from a scratch copy.
yamllint_accepts_or_wrong_reason() {
  local file="$1" output
  rm -rf "$WORK" && mkdir -p "$WORK" && cp "$file" "$WORK/"
  if output="$(cd "$WORK" && yamllint --format parsable -c "$ROOT/.yamllint.yaml" "$(basename "$file")" 2>&1)"; then
    printf '%s\n' "$output"; return 0
  fi
  printf '%s\n' "$output"
  wrong_reason "$file" "$output"
}
refuse_fixtures yamllint yamllint_accepts_or_wrong_reason "${broken_yaml[@]}"

finish
