#!/usr/bin/env bash
# Runs tests/e2e/clients/flow.ts against the running platform: generates the TypeScript modules from the committed
# contracts (deploy/local/contract-clients.mjs, openapi-typescript), compiles flow.ts and the modules it imports under
# tsc --strict, and runs the result under node with openapi-fetch (both from deploy/local/node_modules). Called by
# GeneratedClientTests with CAMPUS_EDGE_URL, CAMPUS_MAILDEV_URL and CAMPUS_ADMIN_TOKEN set; `run.sh WORK_DIR` keeps its
# files in WORK_DIR.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
modules="${NODE_MODULES:-$root/deploy/local/node_modules}"
work="${1:-$(mktemp -d)}"
[[ $# -gt 0 ]] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src"

CAMPUS_ROOT="$root" node "$root/deploy/local/contract-clients.mjs" generate "$work/src" >/dev/null
cp "$root/tests/e2e/clients/flow.ts" "$work/src/flow.ts"
# ES modules, and bare imports (openapi-fetch) resolved from deploy/local's node_modules.
printf '{"type": "module"}\n' >"$work/package.json"
ln -sfn "$modules" "$work/node_modules"
"$modules/.bin/tsc" --strict --target es2022 --module nodenext --moduleResolution nodenext --skipLibCheck \
  --typeRoots "$modules/@types" --types node --outDir "$work/out" "$work/src/flow.ts"
node "$work/out/flow.js"
