#!/usr/bin/env bash
# Runs the campus-edge configuration the api-gateway chart renders (edge.kind=nginx, its default and every environment's)
# under this machine's nginx and checks what a client meets at the edge itself: 404 for an unknown path (also one ending
# in .html), 413 for a body over 10 MB, 429 with Retry-After past the /api/auth burst, 502 when the gateway is
# unreachable — each a problem+json with its code and a 32-hex-digit trace_id — and the TLS variant passes `nginx -t`
# with a certificate.
#
#   deploy/checks/charts/edge-run.sh RENDERED_NGINX_YAML WORK_DIR
#
# Isolated: a private network namespace (loopback only; campus-gateway resolves to an unreachable TEST-NET address
# through a bind-mounted /etc/hosts in a private mount namespace), so it never touches the platform's ports.
set -euo pipefail
rendered="$1" work="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [[ "${EDGE_RUN_INSIDE:-}" != 1 ]]; then
  rm -rf "$work" && mkdir -p "$work/edge/tmp" "$work/tls"
  node "$here/assert.mjs" edge-conf "$rendered" >"$work/nginx-tls.conf"
  # The pid file and temp directories go to the work directory instead of the pod's /tmp/edge; the certificate too.
  sed -i -e "s#/tmp/edge#$work/edge#g" -e "s#/etc/campus-edge/tls#$work/tls#g" "$work/nginx-tls.conf"
  grep -q 'listen 8443 ssl' "$work/nginx-tls.conf" || { echo "the render has no TLS listener (edge.tls.secretName)"; exit 1; }
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=campus-edge-check \
    -keyout "$work/tls/tls.key" -out "$work/tls/tls.crt" >/dev/null 2>&1
  # The plain variant for the run: without the TLS listener (no certificate to serve).
  sed -e '/listen 8443 ssl/d' -e '/ssl_certificate/d' -e '/ssl_protocols/d' "$work/nginx-tls.conf" >"$work/nginx.conf"
  userns=()
  ((EUID == 0)) || userns=(-r)
  exec env EDGE_RUN_INSIDE=1 unshare "${userns[@]}" -n -m "${BASH_SOURCE[0]}" "$rendered" "$work"
fi

ip link set lo up
printf '127.0.0.1 localhost\n192.0.2.1 campus-gateway\n' >"$work/hosts"
mount --bind "$work/hosts" /etc/hosts
nginx -t -q -e /dev/stderr -c "$work/nginx-tls.conf" || { echo "nginx -t refuses the TLS variant"; exit 1; }
nginx -e /dev/stderr -c "$work/nginx.conf" -g 'daemon off;' >"$work/access.log" 2>"$work/error.log" &
edge=$!
trap 'kill "$edge" 2>/dev/null; wait "$edge" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:8080/ && break; sleep 0.05; done

failures=0
expect() { # DESCRIPTION STATUS CODE RESPONSE(headers + body)
  local what="$1" status="$2" code="$3" response="$4"
  if grep -q "^HTTP/1.1 $status " <<<"$response" && grep -qi '^content-type: application/problem+json' <<<"$response" \
    && grep -q "\"code\":\"$code\"" <<<"$response" && grep -qE '"trace_id":"[0-9a-f]{32}"' <<<"$response"; then
    echo "ok: $what"
  else
    echo "FAILED: $what (expected $status problem+json with code $code and a trace_id):"
    # shellcheck disable=SC2001 # every line indented
    sed 's/^/    /' <<<"$response"
    failures=$((failures + 1))
  fi
}
get() { curl -s -i "$@" | tr -d '\r'; }

expect "unknown path" 404 not_found "$(get http://127.0.0.1:8080/nowhere)"
expect "unknown path ending in .html" 404 not_found "$(get http://127.0.0.1:8080/index.html)"
expect "development route" 404 not_found "$(get http://127.0.0.1:8080/api/auth/dev/sms-outbox)"
expect "body over 10 MB" 413 payload_too_large \
  "$(head -c 11000000 /dev/zero | get -X POST -H 'Content-Type: application/json' --data-binary @- http://127.0.0.1:8080/api/content/courses)"
expect "gateway unreachable" 502 bad_gateway "$(get http://127.0.0.1:8080/api/content/courses)"
# Past the burst of 40 on /api/auth, in one connection: the last answers are 429 with Retry-After.
urls=()
for _ in $(seq 80); do urls+=(http://127.0.0.1:8080/api/auth/otp); done
flood="$(curl -s -i "${urls[@]}" | tr -d '\r')"
last="HTTP/1.1 429 ${flood##*HTTP/1.1 429 }"
expect "/api/auth past its burst" 429 rate_limited "$last"
grep -q '^Retry-After: 1' <<<"$last" || { echo "FAILED: the 429 has no Retry-After"; failures=$((failures + 1)); }
grep -q '"trace_id":"' "$work/access.log" || { echo "FAILED: the access log has no JSON lines with trace_id"; failures=$((failures + 1)); }
((failures == 0))
