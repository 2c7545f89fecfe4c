#!/usr/bin/env bash
# Container images: every host's image built with the .NET SDK's container publishing (deploy/images/Containers.props,
# on local stand-ins for Microsoft's bases: deploy/images/local-bases), each run the way Kubernetes will run it, and auth
# and the gateway run from their images against the running platform. See deploy/images/README.md.
#
# Never touches the platform's ports or the host's network setup: containers use the host network bound to free
# 127.0.0.1 ports; the local registry listens on a free 127.0.0.1 port; podman keeps its storage under DEPLOY_WORK.
# Against the platform it writes only a database of its own (dropped at the end), a temporary queue and temporary
# objects under healthcheck/ (deleted by the command itself) and short-lived rate-limit counters under its own key prefix.
# shellcheck source=deploy/checks/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WORK="$DEPLOY_WORK/images"
mkdir -p "$WORK"
t_start=$SECONDS

# host name | project (services/...) — the ten images; chat-2 is a second node of chat, not an image.
HOSTS=(
  "gateway|gateway/Campus.Gateway" "auth|auth/Campus.Auth" "profile|profile/Campus.Profile"
  "content|content/Campus.Content" "content-worker|content/Campus.Content.Worker"
  "notifications|notifications/Campus.Notifications" "notifications-worker|notifications/Campus.Notifications.Worker"
  "chat|chat/Campus.Chat" "analytics|analytics/Campus.Analytics" "analytics-worker|analytics/Campus.Analytics.Worker"
)
STOP_GRACE=30

# The platform this runs beside (./platform test exports its ports; the defaults are ./platform's).
PG_PORT="${CAMPUS_POSTGRES_PORT:-5433}" REDIS_PORT="${CAMPUS_REDIS_PORT:-6380}"
RABBIT_PORT="${CAMPUS_RABBITMQ_PORT:-5673}" S3_PORT="${CAMPUS_S3_PORT:-4569}"

# podman: runc, ulimits under the hard limit, host network only (the app binds a free loopback port), storage here.
export CONTAINERS_CONF="$WORK/containers.conf" CONTAINERS_STORAGE_CONF="$WORK/storage.conf"
cat >"$CONTAINERS_CONF" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
netns = "host"
log_driver = "k8s-file"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
cat >"$CONTAINERS_STORAGE_CONF" <<EOF
[storage]
driver = "overlay"
graphroot = "$WORK/storage"
runroot = "$WORK/run"
EOF

# Root runs podman, buildah and skopeo directly; another user (a GitHub runner) through sudo, settings passed along.
# fd 8 (the check's lock) is closed for them, so no conmon or registry process outlives the check holding it.
as_root() {
  if [[ "$(id -u)" == 0 ]]; then "$@" 8>&-
  else sudo -n env CONTAINERS_CONF="$CONTAINERS_CONF" CONTAINERS_STORAGE_CONF="$CONTAINERS_STORAGE_CONF" "$@" 8>&-; fi
}
pm() { as_root podman "$@"; }

# One run at a time per scratch dir.
exec 8>"$WORK/lock"
flock -w 600 8 || { echo "[images] another image check holds $WORK/lock"; exit 1; }

# A free 127.0.0.1 port: nothing listens on it, it is none of the platform's, none handed out already.
taken=" $(env | sed -n 's/^CAMPUS_[A-Z0-9_]*_PORT=\([0-9]*\)$/\1/p' | tr '\n' ' ') "
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    [[ "$taken" == *" $port "* ]] && continue
    [[ -z "$(ss -Htan "sport = :$port" 2>/dev/null)" ]] || continue
    taken+="$port "; echo "$port"; return 0
  done
}

http_code() { curl -s -o /dev/null -m "${2:-3}" -w '%{http_code}' "$1" 2>/dev/null || true; }
wait_http() { # URL CODE SECONDS
  local deadline=$((SECONDS + $3))
  while [[ "$(http_code "$1")" != "$2" ]]; do ((SECONDS < deadline)) || return 1; sleep 0.3; done
}
phase() { local since="${2:-$t_start}"; echo "  [images] $1: $((SECONDS - since)) s"; }

psql_bin="$(command -v psql || printf '%s\n' /usr/lib/postgresql/*/bin/psql | sort -V | tail -n1)"
psql_platform() { "$psql_bin" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U campus "$@"; }

registry_pid="" containers=() scratch_db=""
cleanup() {
  ((${#containers[@]})) && pm rm -f -i -t 0 "${containers[@]}" >/dev/null 2>&1
  [[ -s "${play:-}" ]] && { pm kube down "$play" >/dev/null 2>&1; pm secret rm campus-redis >/dev/null 2>&1; }
  [[ -n "$registry_pid" ]] && kill "$registry_pid" 2>/dev/null && wait "$registry_pid" 2>/dev/null
  [[ -n "$scratch_db" ]] && psql_platform -d postgres -c "DROP DATABASE IF EXISTS \"$scratch_db\" WITH (FORCE)" >/dev/null 2>&1
  # podman leaves its overlay storage mounted; unmounted, the scratch dir (and a clone) can be deleted. The next run mounts it again.
  mountpoint -q "$WORK/storage/overlay" && as_root umount "$WORK/storage/overlay"
  return 0
}
trap cleanup EXIT

# Leftovers of an interrupted run (our storage only: these names are the check's own).
mapfile -t stale < <(pm ps -a --format '{{.Names}}' 2>/dev/null | grep '^campus-check-' || true)
((${#stale[@]})) && pm rm -f -t 0 "${stale[@]}" >/dev/null 2>&1

# ---------------------------------------------------------------------------------------------------------------------
# 1. Bases (cached by their inputs), the local registry, the images
# ---------------------------------------------------------------------------------------------------------------------
t=$SECONDS
if ! mapfile -t bases < <("$ROOT/deploy/images/local-bases" "$WORK" 2> >(sed 's/^/  [images] /' >&2) 8>&-) || ((${#bases[@]} != 2)); then
  check "local base images (deploy/images/local-bases)" false
  finish; exit
fi
base_key="${bases[0]##*:}"
phase "bases ready (${bases[0]}, ${bases[1]})" "$t"

t=$SECONDS
registry_port="$(free_port)"
registry="127.0.0.1:$registry_port"
cat >"$WORK/registry.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $WORK/registry
http:
  addr: $registry
  secret: campus-local-check
EOF
# The bases stay in the registry's storage between runs (pushing them again is then a few existence checks); earlier
# runs' images are dropped and their layers collected.
if [[ -d "$WORK/registry/docker/registry/v2/repositories" ]]; then
  find "$WORK/registry/docker/registry/v2/repositories" -mindepth 1 -maxdepth 1 ! -name 'campus-local-*' -exec rm -rf {} +
  docker-registry garbage-collect --delete-untagged "$WORK/registry.yml" >"$WORK/registry-gc.log" 2>&1 || rm -rf "$WORK/registry"
fi
docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 8>&- &
registry_pid=$!
check "local registry answers on $registry" wait_http "http://$registry/v2/" 200 15
for base in "${bases[@]}"; do
  name="${base#localhost/}"
  check "base ${name%%:*} pushed to the local registry" \
    as_root skopeo copy --quiet --dest-compress-level 1 --dest-tls-verify=false "containers-storage:$base" "docker://$registry/$name"
done
phase "registry up, bases pushed" "$t"

sha="$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
repo_url="$(git -C "$ROOT" remote get-url origin 2>/dev/null || echo "file://$ROOT")"
t=$SECONDS
publish() {
  DOTNET_CONTAINER_INSECURE_REGISTRIES="$registry" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
    dotnet msbuild "$ROOT/deploy/images/Images.proj" -m -nologo -v:q -clp:ErrorsOnly \
    -p:NoBuild=true -p:ContainerRegistry="$registry" \
    -p:CampusBaseImage="$registry/campus-local-aspnet:$base_key" \
    -p:CampusFfmpegBaseImage="$registry/campus-local-aspnet-ffmpeg:$base_key" \
    -p:SourceRevisionId="$sha" -p:RepositoryUrl="$repo_url"
}
check "10 images published from the Release build (dotnet msbuild deploy/images/Images.proj -p:NoBuild=true)" publish
phase "images published" "$t"

t=$SECONDS
pull() { as_root skopeo copy --quiet --src-tls-verify=false "docker://$registry/campus-$1:$sha" "containers-storage:localhost/campus-$1:$sha"; }
jobs_=()
for spec in "${HOSTS[@]}"; do
  host="${spec%%|*}"
  pull "$host" >"$WORK/pull-$host.log" 2>&1 &
  jobs_+=($!)
done
wait "${jobs_[@]}"
loaded() { pm image exists "localhost/campus-$1:$sha" || { cat "$WORK/pull-$1.log"; return 1; }; }
for spec in "${HOSTS[@]}"; do
  host="${spec%%|*}"
  check "campus-$host:$sha in the registry, loaded into podman" loaded "$host"
done
# Earlier runs' images (other commits) are not kept.
mapfile -t old_images < <(pm images --format '{{.Repository}}:{{.Tag}}' | grep -E '^localhost/campus-[a-z-]+:' \
  | grep -v '^localhost/campus-local-' | grep -v ":$sha\$" || true)
((${#old_images[@]})) && pm rmi -f "${old_images[@]}" >/dev/null 2>&1
phase "images loaded into podman" "$t"

# ---------------------------------------------------------------------------------------------------------------------
# 2. Every image: its configuration, no SDK, and a run under Kubernetes-like restrictions
# ---------------------------------------------------------------------------------------------------------------------
image_config() { # HOST PROJECT
  local image="localhost/campus-$1:$sha" dll="${2##*/}.dll" got want
  got="$(pm image inspect "$image" --format '{{.Config.User}}|{{json .Config.Entrypoint}}|{{json .Config.ExposedPorts}}|{{index .Config.Labels "org.opencontainers.image.revision"}}|{{index .Config.Labels "org.opencontainers.image.source"}}')"
  want="1000|[\"dotnet\",\"/app/$dll\"]|{\"8080/tcp\":{}}|$sha|$repo_url"
  [[ "$got" == "$want" ]] || { echo "image config: $got"; echo "expected:     $want"; return 1; }
  # Into a variable first: `podman ... | grep -q` fails under pipefail when grep stops reading early.
  got="$(pm image inspect "$image" --format '{{range .Config.Env}}{{println .}}{{end}}')"
  grep -qx 'ASPNETCORE_HTTP_PORTS=8080' <<<"$got" || { echo "ASPNETCORE_HTTP_PORTS=8080 not in the image's environment"; return 1; }
}
for spec in "${HOSTS[@]}"; do
  host="${spec%%|*}"
  check "$host: user 1000, entrypoint dotnet /app/${spec##*/}.dll, port 8080, OCI labels revision and source" image_config "$host" "${spec#*|}"
done

ffmpeg_in_image() {
  pm run --rm --network none --read-only --tmpfs /tmp --cap-drop=ALL --security-opt no-new-privileges --user 1000 \
    --entrypoint /bin/sh "localhost/campus-content-worker:$sha" -c 'ffprobe -version >/dev/null && mkdir /tmp/hls &&
      ffmpeg -nostdin -hide_banner -loglevel error -f lavfi -i testsrc=duration=1:size=320x240:rate=25 -f lavfi -i sine=duration=1 \
        -c:v libx264 -preset veryfast -c:a aac -f hls -hls_time 1 /tmp/hls/index.m3u8 && test -s /tmp/hls/index.m3u8'
}
check "content-worker: ffmpeg encodes H.264 + AAC to HLS in the image, ffprobe runs (read-only, user 1000)" ffmpeg_in_image

# Settings that let every host start with its dependencies unreachable (a closed port): /healthz needs none of them.
closed="$(free_port)"
offline_env="$WORK/offline.env"
{
  echo "ConnectionStrings__Database=Host=127.0.0.1;Port=$closed;Username=campus;Database=campus_offline;Timeout=2"
  echo "ConnectionStrings__RabbitMq=amqp://guest:guest@127.0.0.1:$closed/"
  echo "ConnectionStrings__Redis=127.0.0.1:$closed"
  echo "Storage__ServiceUrl=http://127.0.0.1:$closed"
  echo "Storage__AccessKey=offline"
  echo "Storage__SecretKey=offline"
  echo "Jwt__JwksUrl=http://127.0.0.1:$closed/api/auth/.well-known/jwks.json"
  echo "Jwt__Issuer=campus-auth"
  echo "Jwt__Audience=campus"
  echo "Notifications__LinkBaseUrl=http://127.0.0.1:$closed"
  echo "Smtp__Host=127.0.0.1"
  echo "Smtp__Port=$closed"
  echo "Smtp__FromAddress=no-reply@campus.invalid"
  echo "Telegram__BotUsername=campus_check_bot"
  for svc in auth profile content notifications chat analytics; do
    echo "ReverseProxy__Clusters__${svc}__Destinations__default__Address=http://127.0.0.1:$closed/"
    echo "ReverseProxy__Clusters__${svc}-ws__Destinations__default__Address=http://127.0.0.1:$closed/"
  done
  echo "ReverseProxy__Clusters__chat__Destinations__chat-2__Address=http://127.0.0.1:$closed/"
  echo "ReverseProxy__Clusters__chat-ws__Destinations__chat-2__Address=http://127.0.0.1:$closed/"
} >"$offline_env"

# Kubernetes' restricted profile as podman flags: read-only root, /tmp in memory, no capabilities, no privilege gain,
# uid 1000, a memory limit. Host network, the app bound to a free loopback port.
RESTRICTED=(--read-only --tmpfs /tmp --cap-drop=ALL --security-opt no-new-privileges --user 1000 --memory 256m --network host)
declare -A port_of
t=$SECONDS
jobs_=()
for spec in "${HOSTS[@]}"; do
  host="${spec%%|*}"; port_of[$host]="$(free_port)"
  containers+=("campus-check-$host")
  pm run -d --name "campus-check-$host" "${RESTRICTED[@]}" --env-file "$offline_env" \
    -e "ASPNETCORE_URLS=http://127.0.0.1:${port_of[$host]}" "localhost/campus-$host:$sha" >"$WORK/run-$host.log" 2>&1 &
  jobs_+=($!)
done
wait "${jobs_[@]}"   # not a bare wait: the registry runs in the background too
healthz() { # HOST: polls until 200, gives up at once when the container exited
  local url="http://127.0.0.1:${port_of[$1]}/healthz" deadline=$((SECONDS + 90))
  until [[ "$(http_code "$url")" == 200 ]]; do
    if ((SECONDS >= deadline)) || [[ "$(pm inspect "campus-check-$1" --format '{{.State.Running}}')" != true ]]; then
      echo "no 200 from $url"; pm logs --tail 15 "campus-check-$1" 2>&1 | cut -c1-400; return 1
    fi
    sleep 0.3
  done
}
uid_inside() {
  local uid; uid="$(pm exec "campus-check-$1" id -u)"
  if [[ "$uid" != 1000 ]]; then echo "id -u: $uid"; return 1; fi
}
no_sdk() { # only the runtime: no sdk folder, `dotnet --list-sdks` lists nothing
  # shellcheck disable=SC2016 # expanded by the shell in the container
  pm exec "campus-check-$1" /bin/sh -c \
    'test ! -e /usr/share/dotnet/sdk && test -z "$(dotnet --list-sdks)" && test -d /usr/share/dotnet/shared/Microsoft.AspNetCore.App'
}
for spec in "${HOSTS[@]}"; do
  host="${spec%%|*}"
  check "$host: /healthz 200 (read-only root, cap-drop ALL, no-new-privileges, user 1000, 256 MiB, 127.0.0.1:${port_of[$host]})" healthz "$host"
  check "$host: the process runs as uid 1000 (id -u inside)" uid_inside "$host"
  check "$host: no .NET SDK in the image (runtime only)" no_sdk "$host"
done
phase "ten containers started and healthy" "$t"

t=$SECONDS
names=(); for spec in "${HOSTS[@]}"; do names+=("campus-check-${spec%%|*}"); done
pm stop -t "$STOP_GRACE" "${names[@]}" >/dev/null 2>&1
stopped_cleanly() { # exit code 0: SIGTERM handled (137 would be the KILL after the grace period)
  local state; state="$(pm inspect "campus-check-$1" --format '{{.State.Status}} {{.State.ExitCode}}')"
  [[ "$state" == "exited 0" ]] || { echo "state after SIGTERM: $state"; pm logs --tail 10 "campus-check-$1" 2>&1 | cut -c1-400; return 1; }
}
for spec in "${HOSTS[@]}"; do
  host="${spec%%|*}"
  check "$host: SIGTERM (podman stop -t $STOP_GRACE) → exit code 0 within the grace period" stopped_cleanly "$host"
done
pm rm -f "${names[@]}" >/dev/null 2>&1
phase "ten containers stopped (SIGTERM)" "$t"

# ---------------------------------------------------------------------------------------------------------------------
# 3. auth, the gateway and the commands against the running platform
# ---------------------------------------------------------------------------------------------------------------------
t=$SECONDS
platform_up() {
  if ! { [[ -x "$psql_bin" ]] && psql_platform -d postgres -tAc 'SELECT 1' >/dev/null; }; then
    echo "PostgreSQL of the platform is not reachable on 127.0.0.1:$PG_PORT: run through ./platform test"; return 1
  fi
}
check "the platform's PostgreSQL answers on 127.0.0.1:$PG_PORT" platform_up

scratch_db="campus_imagecheck_$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
prefix="campus-imagecheck-${scratch_db##*_}:"
database_of() { echo "ConnectionStrings__Database=Host=127.0.0.1;Port=$PG_PORT;Username=campus;Database=$1"; }
platform_env=(
  -e "ConnectionStrings__Redis=127.0.0.1:$REDIS_PORT" -e "ConnectionStrings__RabbitMq=amqp://guest:guest@127.0.0.1:$RABBIT_PORT/"
  -e "Redis__KeyPrefix=$prefix" -e Jwt__Issuer=campus-auth -e Jwt__Audience=campus
)
command_in_image() { # HOST DATABASE COMMAND [ENV...]: runs the image's entrypoint with a command, prints its lines
  local host="$1" db="$2" cmd="$3"; shift 3
  pm run --rm --read-only --tmpfs /tmp --cap-drop=ALL --security-opt no-new-privileges --user 1000 --memory 256m --network host \
    "${platform_env[@]}" -e "$(database_of "$db")" -e "Jwt__JwksUrl=http://127.0.0.1:$closed/jwks" "$@" "localhost/campus-$host:$sha" "$cmd"
}
migrate_scratch() {
  local out applied rows
  out="$(command_in_image auth "$scratch_db" migrate)" || { echo "$out"; return 1; }
  echo "$out"
  applied="$(sed -n 's/^migrate: AuthDbContext: applied \([0-9]*\) of \1 migrations: .*/\1/p' <<<"$out")"
  rows="$(psql_platform -d "$scratch_db" -tAc 'SELECT count(*) FROM "__EFMigrationsHistory"')"
  [[ -n "$applied" && "$applied" == "$rows" ]] || { echo "applied: '$applied', __EFMigrationsHistory rows: '$rows'"; return 1; }
}
check "auth image: migrate creates database $scratch_db, applies every migration (rows in __EFMigrationsHistory), exit 0" migrate_scratch
# auth and the gateway start now (auth on the database just migrated) and get ready while the commands below run.
auth_port="$(free_port)" gateway_port="$(free_port)"
key_pem="$(openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null)"
containers+=(campus-check-auth-live campus-check-gateway-live)
pm run -d --name campus-check-auth-live "${RESTRICTED[@]}" "${platform_env[@]}" -e "$(database_of "$scratch_db")" \
  -e "Jwt__JwksUrl=http://127.0.0.1:$auth_port/api/auth/.well-known/jwks.json" \
  -e Auth__SigningKeys__0__Kid=imagecheck -e "Auth__SigningKeys__0__Pem=$key_pem" \
  -e "ASPNETCORE_URLS=http://127.0.0.1:$auth_port" "localhost/campus-auth:$sha" >/dev/null
gateway_routes=()
for svc in auth profile content notifications chat analytics; do
  target="http://127.0.0.1:$closed/"; [[ "$svc" == auth ]] && target="http://127.0.0.1:$auth_port/"
  gateway_routes+=(-e "ReverseProxy__Clusters__${svc}__Destinations__default__Address=$target"
                   -e "ReverseProxy__Clusters__${svc}-ws__Destinations__default__Address=$target")
done
gateway_routes+=(-e "ReverseProxy__Clusters__chat__Destinations__chat-2__Address=http://127.0.0.1:$closed/"
                 -e "ReverseProxy__Clusters__chat-ws__Destinations__chat-2__Address=http://127.0.0.1:$closed/")
pm run -d --name campus-check-gateway-live "${RESTRICTED[@]}" "${platform_env[@]}" "${gateway_routes[@]}" \
  -e "Jwt__JwksUrl=http://127.0.0.1:$auth_port/api/auth/.well-known/jwks.json" \
  -e "ASPNETCORE_URLS=http://127.0.0.1:$gateway_port" "localhost/campus-gateway:$sha" >/dev/null

migrate_platform() {
  local out; out="$(command_in_image auth campus_auth migrate)" || { echo "$out"; return 1; }
  grep -q '^migrate: AuthDbContext: up to date' <<<"$out" || { echo "$out"; return 1; }
}
check "auth image: migrate against the platform's campus_auth exits 0 (up to date)" migrate_platform

storage_env=(-e "Storage__ServiceUrl=http://127.0.0.1:$S3_PORT" -e Storage__AccessKey=S3RVER -e Storage__SecretKey=S3RVER)
dependencies_ok() {
  local out; out="$(command_in_image content campus_content check-dependencies "${storage_env[@]}")" || { echo "$out"; return 1; }
  echo "$out"
  [[ "$(grep -cE '^(postgres|redis|rabbitmq|s3) +ok ' <<<"$out")" == 4 ]]
}
check "content image: check-dependencies against the platform: postgres, redis, rabbitmq, s3 ok, exit 0" dependencies_ok
dependencies_wrong_redis() {
  local out; out="$(command_in_image content campus_content check-dependencies "${storage_env[@]}" -e "ConnectionStrings__Redis=127.0.0.1:$closed")"
  local rc=$?; echo "$out"
  grep -q "^redis     FAILED  127.0.0.1:$closed" <<<"$out" || return 0   # without the failing line: accepted, so the refuse fails
  return "$rc"
}
refuse "content image: check-dependencies with a wrong Redis port exits non-zero with a redis FAILED line" dependencies_wrong_redis

readyz() { # NAME PORT
  wait_http "http://127.0.0.1:$2/readyz" 200 60 \
    || { curl -s -m 3 "http://127.0.0.1:$2/readyz"; echo; pm logs --tail 15 "campus-check-$1" 2>&1 | cut -c1-400; return 1; }
}
check "auth from its image on the platform's PostgreSQL, Redis and RabbitMQ: /readyz 200 (Production, 127.0.0.1:$auth_port)" readyz auth-live "$auth_port"
jwks_has_key() { local body; body="$(curl -sf -m 5 "$1")" && grep -q '"kid":"imagecheck"' <<<"$body"; }
check "auth image: the JWKS publishes the configured signing key" jwks_has_key "http://127.0.0.1:$auth_port/api/auth/.well-known/jwks.json"
check "gateway from its image on the platform's Redis: /readyz 200 (127.0.0.1:$gateway_port)" readyz gateway-live "$gateway_port"
check "gateway image → auth image: GET /api/auth/.well-known/jwks.json through the gateway" \
  jwks_has_key "http://127.0.0.1:$gateway_port/api/auth/.well-known/jwks.json"
pm stop -t "$STOP_GRACE" campus-check-auth-live campus-check-gateway-live >/dev/null 2>&1
check "auth (live): SIGTERM → exit code 0" stopped_cleanly auth-live
check "gateway (live): SIGTERM → exit code 0" stopped_cleanly gateway-live
phase "auth, gateway and commands against the platform" "$t"

# ---------------------------------------------------------------------------------------------------------------------
# 3b. A chart's rendered Deployment under `podman kube play` (the api-gateway chart, dev values, as the charts group
#     rendered it): podman applies its env/envFrom, secretKeyRef, emptyDir, securityContext and limits. It ignores
#     Services, probes, NetworkPolicies and hooks: this shows the pod spec runs, not that Kubernetes would schedule it.
# ---------------------------------------------------------------------------------------------------------------------
t=$SECONDS
render="$DEPLOY_WORK/rendered/api-gateway-dev.yaml" play="$WORK/kube-play-gateway.yaml" play_port="$(free_port)"
play_secret="campus-check-redis-$$"
kube_play() {
  [[ -s "$render" ]] || { echo "no $render: the charts group renders it (deploy/check charts images)"; return 1; }
  local refs
  refs="$(node "$ROOT/deploy/local/kube-play-manifest.mjs" "$render" campus-gateway "localhost/campus-gateway:$sha" "$play_port" "$play" \
    "Redis__KeyPrefix=${prefix}play:")" || return 1
  # The one secret the gateway reads: the platform's Redis, as `podman secret` (a JSON map of base64 values).
  [[ "$refs" == "campus-redis connection-string" ]] || { echo "unexpected secret references: $refs"; return 1; }
  pm secret rm campus-redis >/dev/null 2>&1
  printf '{"connection-string":"%s"}' "$(printf '127.0.0.1:%s' "$REDIS_PORT" | base64 -w0)" >"$WORK/$play_secret.json"
  pm secret create campus-redis "$WORK/$play_secret.json" >/dev/null || return 1
  rm -f "$WORK/$play_secret.json"
  pm kube play --network host --replace "$play" >"$WORK/kube-play.log" 2>&1 || { cat "$WORK/kube-play.log"; return 1; }
}
check "api-gateway chart (dev): the rendered Deployment starts under podman kube play (127.0.0.1:$play_port)" kube_play
played=campus-gateway-pod-0-gateway   # podman names a Deployment's container <name>-pod-<replica>-<container>
check "kube play: /readyz 200 (the platform's Redis from a secretKeyRef)" \
  wait_http "http://127.0.0.1:$play_port/readyz" 200 60
played_restricted() { # what the chart asked for is what runs: uid 1000, read-only root, no capabilities, 256 MiB
  local uid caps ro mem
  uid="$(pm exec "$played" id -u)"; ro="$(pm inspect "$played" --format '{{.HostConfig.ReadonlyRootfs}}')"
  caps="$(pm exec "$played" sh -c 'grep CapEff /proc/self/status')"; mem="$(pm inspect "$played" --format '{{.HostConfig.Memory}}')"
  echo "uid=$uid read-only=$ro $caps memory=$mem"
  [[ "$uid" == 1000 && "$ro" == true && "$caps" == *0000000000000000 && "$mem" == 268435456 ]] && ! pm exec "$played" touch /app/x 2>/dev/null
}
check "kube play: uid 1000, read-only root (a write to /app fails), no capabilities, 256 MiB limit" played_restricted
kube_down() { pm kube down "$play" >/dev/null && pm secret rm campus-redis >/dev/null; }
check "kube play: torn down (podman kube down)" kube_down
phase "a chart's Deployment under podman kube play" "$t"

# ---------------------------------------------------------------------------------------------------------------------
# 4. Sizes (deploy/images/README.md quotes them)
# ---------------------------------------------------------------------------------------------------------------------
app_layer() { # the image's own layer (the publish output), compressed as the SDK pushed it
  as_root skopeo inspect --raw --tls-verify=false "docker://$registry/$1" \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const l=JSON.parse(s).layers;console.log((l[l.length-1].size/1e6).toFixed(1)+" MB")})'
}
echo "  [images] sizes (podman image ls: uncompressed, base included; app layer: compressed, as pushed):"
pm image ls --format '{{.Repository}}:{{.Tag}}|{{.Size}}' | grep -E "^localhost/campus-[a-z-]+:($sha|$base_key)\|" | sort \
  | while IFS='|' read -r ref size; do
      name="${ref#localhost/}"
      if [[ "$name" == campus-local-* ]]; then printf '  [images]   %-40s %9s\n' "${name%%:*} (base)" "$size"; continue; fi
      printf '  [images]   %-40s %9s   app layer %s\n' "${name%%:*}" "$size" "$(app_layer "$name" 2>/dev/null || echo '?')"
    done
phase "total"
finish
