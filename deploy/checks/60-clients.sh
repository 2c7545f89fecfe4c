#!/usr/bin/env bash
# Group "clients": typed clients generate from the API contracts and compile. openapi-typescript turns each
# libs/contracts/<service>.json into a TypeScript module (`paths`, `components`, `operations`); tsc --strict type-checks
# them together with deploy/checks/clients/use.ts, which writes requests and reads answers the way a client would (the
# field names of the conventions: size_bytes, *_seconds, file_name; the upload protocol's routes). Ajv's JSON Schema
# 2020-12 class compiles every schema of every contract and every event schema (libs/contracts/events), formats asserted.
# tests/e2e/clients/flow.ts (the TypeScript client the end-to-end suite runs with openapi-fetch) compiles the same way.
# Negative test: deploy/checks/fixtures/clients/*.ts each use a name the contracts do not have (`// expect:` the tsc
# error) and must be refused.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
shopt -s nullglob

NODE_MODULES="${NODE_MODULES:-$ROOT/deploy/local/node_modules}"
OUT="$DEPLOY_WORK/clients"
rm -rf "$OUT" && mkdir -p "$OUT"

generate() { node deploy/local/contract-clients.mjs generate "$OUT/generated"; }
check "openapi-typescript generates a client module from every contract" generate

# `typecheck FILE`: FILE (copied next to the generated modules as use.ts) and the modules compile under --strict, as
# ES modules that import openapi-fetch from NODE_MODULES.
printf '{"type": "module"}\n' >"$OUT/package.json"
ln -sfn "$NODE_MODULES" "$OUT/node_modules"
typecheck() {
  cp "$1" "$OUT/generated/use.ts"
  "$NODE_MODULES/.bin/tsc" --strict --noEmit --target es2022 --module nodenext --moduleResolution nodenext \
    --skipLibCheck --typeRoots "$NODE_MODULES/@types" --types node "$OUT/generated/"*.ts
}
check "tsc --strict compiles the generated modules and deploy/checks/clients/use.ts" typecheck deploy/checks/clients/use.ts
# The client the end-to-end suite runs against the platform (GeneratedClientTests): a contract change that breaks it
# shows here, without a platform.
check "tsc --strict compiles the end-to-end client tests/e2e/clients/flow.ts (openapi-fetch)" typecheck tests/e2e/clients/flow.ts

# TypeScript has no `#` comments: a fixture states `// Defect: ` and `// expect: ` instead.
ts_field() { sed -n "s|^// $2: ||p" "$1" | head -n1; }

# Succeeds (so `refuse` fails) unless tsc refused the fixture with its `// expect:` text.
accepted_or_wrong_reason() {
  local output expect
  if output="$(typecheck "$1" 2>&1)"; then printf '%s\n' "$output"; return 0; fi
  printf '%s\n' "$output"
  expect="$(ts_field "$1" expect)"
  [[ -n "$expect" ]] || { echo "the fixture has no '// expect: ' line"; return 0; }
  grep -qF -- "$expect" <<<"$output" && return 1
  echo "refused, but not with: $expect"; return 0
}
for f in deploy/checks/fixtures/clients/*.ts; do
  defect="$(ts_field "$f" Defect)"
  refuse "tsc refuses ${f#deploy/checks/}: ${defect%.}" accepted_or_wrong_reason "$f"
done

schemas() { node deploy/local/contract-clients.mjs schemas; }
check "Ajv 2020 compiles every contract schema and event schema" schemas

finish
