# Shared by the deploy check groups (sourced): `check DESCRIPTION COMMAND...` runs one check,
# prints `  ok  DESCRIPTION` or `  FAILED  DESCRIPTION` with the command's output, and counts it;
# `refuse DESCRIPTION COMMAND...` is a check that passes only when the command fails (negative
# tests: a validator must refuse what is broken); `finish` prints the group's summary line.
# The fixture helpers read a fixture's `# Defect:` and `# expect:` lines and a tool's per-file results.
# Groups run through deploy/check, which sets CAMPUS_ROOT and DEPLOY_WORK; each starts in ROOT.
# shellcheck shell=bash
set -uo pipefail
ROOT="${CAMPUS_ROOT:?run through deploy/check}"
: "${DEPLOY_WORK:?run through deploy/check}"
cd "$ROOT" || exit 1
DEPLOY_GROUP="${DEPLOY_GROUP:-$(basename "${BASH_SOURCE[1]}" .sh)}"
DEPLOY_GROUP="${DEPLOY_GROUP#[0-9][0-9]-}"
_passed=0 _failed=0

check() {
  local description="$1" output; shift
  if output="$("$@" 2>&1)"; then
    _passed=$((_passed + 1)); printf '  ok      %s\n' "$description"
  else
    _failed=$((_failed + 1)); printf '  FAILED  %s\n' "$description"; printf '%s\n' "$output" | tail -n 40 | sed 's/^/          /'
  fi
}

refuse() {
  local description="$1" output; shift
  if output="$("$@" 2>&1)"; then
    _failed=$((_failed + 1)); printf '  FAILED  %s (was accepted)\n' "$description"; printf '%s\n' "$output" | tail -n 20 | sed 's/^/          /'
  else
    _passed=$((_passed + 1)); printf '  ok      %s (refused)\n' "$description"
  fi
}

# `fixture_field FILE NAME`: the text of the fixture's first `# NAME: ` line (Defect, expect, errors).
fixture_field() { sed -n "s/^# $2: //p" "$1" | head -n1; }

# `block_of OUTPUT FILE`: in a tool's output of `ok|FAILED  FILE[: ...]` lines, each followed by indented
# details, FILE's line and details. Exit 0 when FILE passed, 1 when it failed, 2 when it is not there.
block_of() {
  awk -v file="$2" '
    /^(ok|FAILED)  / { inside = (substr($0, 9, length(file)) == file && substr($0, 9 + length(file), 1) ~ /^(:|)$/); if (inside) { print; status = ($1 == "ok") ? 0 : 1; found = 1 }; next }
    inside && /^  / { print }
    END { if (!found) { print "no result for " file; exit 2 } exit status }' <<<"$1"
}

# `wrong_reason FILE OUTPUT [FORMAT]`: for a fixture the tool refused with OUTPUT, succeeds (so `refuse`
# fails) unless OUTPUT holds the fixture's `# expect:` text (printed through FORMAT, e.g. '[%s]').
wrong_reason() {
  local expect; expect="$(fixture_field "$1" expect)"
  [[ -n "$expect" ]] || { echo "the fixture has no '# expect: ' line"; return 0; }
  # shellcheck disable=SC2059 # the format is the caller's
  grep -qF -- "$(printf "${3:-%s}" "$expect")" <<<"$2" && return 1
  echo "refused, but not with: $expect"; return 0
}

# `refuse_fixtures WHO ACCEPTED FILE...`: one `refuse` per fixture, named by its `# Defect:` line;
# ACCEPTED FILE must fail exactly when the fixture was refused for its stated reason.
refuse_fixtures() {
  local who="$1" accepted="$2" f defect; shift 2
  for f in "$@"; do
    defect="$(fixture_field "$f" Defect)"
    refuse "$who refuses ${f#deploy/checks/}: ${defect%.}" "$accepted" "$f"
  done
}

finish() {
  echo "[deploy] $DEPLOY_GROUP: $_passed passed, $_failed failed"
  ((_failed == 0))
}
