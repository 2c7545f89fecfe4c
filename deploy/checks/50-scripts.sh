#!/usr/bin/env bash
# Group "scripts": every shell script of the repository parses (`bash -n`) and is clean under shellcheck at its
# default severity (style and up), with the repository's .shellcheckrc. Scripts are found among the files git
# knows (tracked, or new and not ignored): *.sh, *.bash, and any file whose first line is a sh/bash shebang.
# Negative test: each deploy/checks/fixtures/scripts/* has one deliberate defect, states it
# (`# expect: SCnnnn`) and must be refused with it.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
shopt -s nullglob

FIXTURES=deploy/checks/fixtures/scripts

is_shell_script() {
  local first
  case "$1" in *.sh | *.bash) return 0 ;; esac
  [[ -f "$1" && ! -L "$1" ]] || return 1
  IFS= read -r first <"$1" 2>/dev/null || return 1
  [[ "$first" =~ ^\#!\ *(/usr)?/bin/(env\ +)?(ba)?sh([[:space:]]|$) ]]
}

scripts=()
while IFS= read -r -d '' f; do
  [[ "$f" == "$FIXTURES"/* ]] && continue
  [[ -f "$f" ]] || continue # deleted in the work tree, not yet in the index
  is_shell_script "$f" && scripts+=("$f")
done < <(git ls-files -z --cached --others --exclude-standard | sort -z -u)

lint() { bash -n "$1" && shellcheck --external-sources "$1"; }
for f in "${scripts[@]}"; do check "shellcheck $f" lint "$f"; done

none() { echo "no shell script found (git ls-files)"; return 1; }
((${#scripts[@]})) || check "shell scripts found" none

# Succeeds (so `refuse` fails) unless shellcheck refused FILE with the rule its `# expect:` line names.
accepted_or_wrong_reason() {
  local output
  if output="$(shellcheck --external-sources --format=gcc "$1" 2>&1)"; then printf '%s\n' "$output"; return 0; fi
  printf '%s\n' "$output"
  wrong_reason "$1" "$output" '[%s]'
}
refuse_fixtures shellcheck accepted_or_wrong_reason "$FIXTURES"/*

finish
