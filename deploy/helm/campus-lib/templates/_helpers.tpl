{{/*
Campus library chart: the helpers every shared template uses.

Most templates take a "host context": dict "root" $ "name" <host name> "host" <.Values.hosts.<name>>.
A host is one deployable (gateway, auth, content, content-worker, ...): one Deployment, Service,
ServiceAccount, ConfigMap, NetworkPolicy, ServiceMonitor and, when it has several replicas, a PDB and an HPA.
Every object of a host is named campus-<host>: names are fixed (not derived from the release name), so the
charts can address each other (the gateway's upstreams, the JWKS URL) and alerts can name hosts.
*/}}

{{/* campus-<name> */}}
{{- define "campus.name" -}}
{{- printf "campus-%s" . | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "campus.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The image tag, required: the git sha the images were built from (--set image.tag=<sha>). */}}
{{- define "campus.imageTag" -}}
{{- required "image.tag is required: the tag of the Campus images, the git sha they were built from (--set image.tag=<sha>)" .Values.image.tag -}}
{{- end -}}

{{/* <registry>/campus-<image>:<tag>[@digest]; (root, image name) */}}
{{- define "campus.image" -}}
{{- $root := index . 0 -}}
{{- $image := index . 1 -}}
{{- $registry := required "image.registry is required: where the campus-<host> images are, e.g. ghcr.io/<owner> (--set image.registry=...)" $root.Values.image.registry | trimSuffix "/" -}}
{{- $ref := printf "%s/campus-%s:%s" $registry $image (include "campus.imageTag" $root) -}}
{{- with (get ($root.Values.image.digests | default dict) $image) -}}
{{- $ref = printf "%s@%s" $ref . -}}
{{- end -}}
{{- $ref -}}
{{- end -}}

{{/* Labels on every object of the release. */}}
{{- define "campus.commonLabels" -}}
helm.sh/chart: {{ include "campus.chart" . }}
app.kubernetes.io/part-of: campus
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ include "campus.imageTag" . | trunc 63 | quote }}
campus.io/environment: {{ .Values.environment }}
{{- end -}}

{{/* Selector of a host's pods (host context). */}}
{{- define "campus.selectorLabels" -}}
app.kubernetes.io/name: {{ include "campus.name" .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* Labels of a host's objects (host context). */}}
{{- define "campus.hostLabels" -}}
{{ include "campus.commonLabels" .root }}
app.kubernetes.io/name: {{ include "campus.name" .name }}
app.kubernetes.io/component: {{ .name }}
campus.io/role: {{ .host.role }}
{{- end -}}

{{/*
Labels of a host's pods (host context): the NetworkPolicies of other releases select on
app.kubernetes.io/part-of + app.kubernetes.io/component (a host) or campus.io/role (every service),
campus.io/validates-tokens marks the pods that read auth's JWKS.
*/}}
{{- define "campus.podLabels" -}}
{{ include "campus.hostLabels" . }}
{{- if has "jwt" .host.uses }}
campus.io/validates-tokens: "true"
{{- end }}
{{- end -}}

{{/* Whether a host runs more than one pod: topology spread and a PDB only then. */}}
{{- define "campus.isReplicated" -}}
{{- if .host.autoscaling.enabled -}}
{{- if gt (int .host.autoscaling.minReplicas) 1 }}true{{ end -}}
{{- else if gt (int .host.replicas) 1 -}}
true
{{- end -}}
{{- end -}}

{{/* A config value as the string the host reads: lists are expanded by the caller, integers never as 1e+09. */}}
{{- define "campus.configString" -}}
{{- if kindIs "bool" . -}}
{{- ternary "true" "false" . -}}
{{- else if or (kindIs "float64" .) (kindIs "int" .) (kindIs "int64" .) -}}
{{- int64 . | toString -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end -}}

{{/*
The non-secret settings of a host, as a YAML map of environment variables (host context): what the chart
derives from `uses` (Jwt, Storage, Database), then the host's `config` (a list becomes KEY__0, KEY__1, ...),
then the signing key ids. Secrets never come here: see campus.secretEnv.
*/}}
{{- define "campus.configData" -}}
{{- $root := .root -}}
{{- $h := .host -}}
{{- $data := dict "ASPNETCORE_ENVIRONMENT" "Production" "ASPNETCORE_HTTP_PORTS" "8080" "DOTNET_NOLOGO" "1" -}}
{{- if has "database" $h.uses -}}
{{- $_ := set $data "Database__MigrateOnStart" "false" -}}
{{- end -}}
{{- if has "jwt" $h.uses -}}
{{- $_ := set $data "Jwt__JwksUrl" (required "jwt.jwksUrl is required" $root.Values.jwt.jwksUrl) -}}
{{- $_ := set $data "Jwt__Issuer" (required "jwt.issuer is required" $root.Values.jwt.issuer) -}}
{{- $_ := set $data "Jwt__Audience" (required "jwt.audience is required" $root.Values.jwt.audience) -}}
{{- end -}}
{{- if has "storage" $h.uses -}}
{{- $s := $root.Values.storage -}}
{{- $_ := set $data "Storage__ServiceUrl" (required "storage.serviceUrl is required: the S3 endpoint the hosts talk to" $s.serviceUrl) -}}
{{- $_ := set $data "Storage__PublicUrl" (required "storage.publicUrl is required: the S3 endpoint clients use (presigned URLs are signed for it)" $s.publicUrl) -}}
{{- $_ := set $data "Storage__Region" $s.region -}}
{{- $_ := set $data "Storage__BucketPrefix" $s.bucketPrefix -}}
{{- range $i, $origin := $s.corsOrigins -}}
{{- $_ := set $data (printf "Storage__CorsOrigins__%d" $i) $origin -}}
{{- end -}}
{{- /* check-dependencies (helm test) also proves the buckets refuse unsigned and altered-signature GETs */ -}}
{{- $_ := set $data "Storage__RequirePrivateBuckets" "true" -}}
{{- end -}}
{{- if and (eq $h.role "gateway") $root.Values.edge -}}
{{- /* edge.apiReference: the gateway serves /api/docs and the contracts (the edge gives the page its own CSP) */ -}}
{{- $_ := set $data "Gateway__ApiReference__Enabled" (ternary "true" "false" (eq true $root.Values.edge.apiReference)) -}}
{{- end -}}
{{- range $key, $value := $h.config -}}
{{- if kindIs "slice" $value -}}
{{- range $i, $item := $value -}}
{{- $_ := set $data (printf "%s__%d" $key $i) (include "campus.configString" $item) -}}
{{- end -}}
{{- else -}}
{{- $_ := set $data $key (include "campus.configString" $value) -}}
{{- end -}}
{{- end -}}
{{- with $h.signingKeys -}}
{{- $kids := list -}}
{{- range $i, $key := .keys -}}
{{- $_ := set $data (printf "Auth__SigningKeys__%d__Kid" $i) $key.kid -}}
{{- $kids = append $kids $key.kid -}}
{{- end -}}
{{- if not (has .activeKeyId $kids) -}}
{{- fail (printf "hosts.%s.signingKeys.activeKeyId (%s) must be one of signingKeys.keys[].kid" $.name .activeKeyId) -}}
{{- end -}}
{{- $_ := set $data "Auth__ActiveKeyId" .activeKeyId -}}
{{- end -}}
{{- toYaml $data -}}
{{- end -}}

{{/*
The secret settings of a host, as env entries taken from existing Secrets (host context). Extra names in
`uses` add the dependencies a helm test checks (content's test adds redis).
*/}}
{{- define "campus.secretEnv" -}}
{{- $s := .root.Values.secrets -}}
{{- $uses := .host.uses -}}
{{- with .extraUses }}{{ $uses = concat $uses . | uniq }}{{ end -}}
{{- if has "database" $uses }}
- name: ConnectionStrings__Database
  valueFrom:
    secretKeyRef:
      name: {{ required "secrets.database.name is required" $s.database.name }}
      key: {{ $s.database.key }}
{{- end }}
{{- if has "rabbitmq" $uses }}
- name: ConnectionStrings__RabbitMq
  valueFrom:
    secretKeyRef:
      name: {{ required "secrets.rabbitmq.name is required" $s.rabbitmq.name }}
      key: {{ $s.rabbitmq.key }}
{{- end }}
{{- if has "redis" $uses }}
- name: ConnectionStrings__Redis
  valueFrom:
    secretKeyRef:
      name: {{ required "secrets.redis.name is required" $s.redis.name }}
      key: {{ $s.redis.key }}
{{- end }}
{{- if has "storage" $uses }}
- name: Storage__AccessKey
  valueFrom:
    secretKeyRef:
      name: {{ required "secrets.storage.name is required" $s.storage.name }}
      key: {{ $s.storage.accessKeyKey }}
- name: Storage__SecretKey
  valueFrom:
    secretKeyRef:
      name: {{ $s.storage.name }}
      key: {{ $s.storage.secretKeyKey }}
{{- end }}
{{- with .host.signingKeys }}
{{- $secret := .secretName }}
{{- range $i, $key := .keys }}
- name: Auth__SigningKeys__{{ $i }}__Pem
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ printf "%s.pem" $key.kid }}
{{- end }}
{{- end }}
{{- range .host.secretEnv }}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ .key }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end }}
{{- end -}}

{{/* Pod-level security context: restricted Pod Security Standard, user 1000 as in the images. */}}
{{- define "campus.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "campus.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Hook annotations of the migration objects; (weight) */}}
{{- define "campus.migrationHook" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-weight: {{ . | quote }}
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end -}}

{{/* Selector of every Campus pod of a host by name, across releases: (host name) */}}
{{- define "campus.peerHost" -}}
podSelector:
  matchLabels:
    app.kubernetes.io/part-of: campus
    app.kubernetes.io/component: {{ . }}
{{- end -}}
