# Shared by the deploy check groups (sourced): `check DESCRIPTION COMMAND...` runs one check,
# prints `  ok  DESCRIPTION` or `  FAILED  DESCRIPTION` with the command's output, and counts it;
# `refuse DESCRIPTION COMMAND...` is a check that passes only when the command fails (negative
# tests: a validator must refuse what is broken); `finish` prints the group's summary line.
# shellcheck shell=bash
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

finish() {
  echo "[deploy] $DEPLOY_GROUP: $_passed passed, $_failed failed"
  ((_failed == 0))
}
