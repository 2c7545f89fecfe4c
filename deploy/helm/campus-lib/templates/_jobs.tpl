{{/*
Env of a Job: the host's settings inline (a hook runs before the release's ConfigMap exists) and its secrets.
(host context, with "extraUses")
*/}}
{{- define "campus.jobEnv" -}}
{{- range $key, $value := (include "campus.configData" . | fromYaml) }}
- name: {{ $key }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- include "campus.secretEnv" . }}
{{- end -}}

{{/* The pod of a Job running a host's image with one command: (ctx, jobName, role, args, serviceAccount, spec values) */}}
{{- define "campus.jobPod" -}}
{{- $ctx := index . 0 -}}
{{- $jobName := index . 1 -}}
{{- $role := index . 2 -}}
{{- $args := index . 3 -}}
{{- $serviceAccount := index . 4 -}}
{{- $spec := index . 5 -}}
{{- $root := $ctx.root -}}
metadata:
  labels:
    {{- include "campus.commonLabels" $root | nindent 4 }}
    app.kubernetes.io/name: {{ $jobName }}
    app.kubernetes.io/component: {{ trimPrefix "campus-" $jobName }}
    campus.io/role: {{ $role }}
spec:
  restartPolicy: Never
  serviceAccountName: {{ $serviceAccount }}
  automountServiceAccountToken: false
  enableServiceLinks: false
  securityContext:
    {{- include "campus.podSecurityContext" $ctx | nindent 4 }}
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- range . }}
    - name: {{ . }}
    {{- end }}
  {{- end }}
  containers:
    - name: {{ trimPrefix "campus-" $jobName }}
      image: {{ include "campus.image" (list $root $ctx.name) }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      args: {{ toJson $args }}
      env:
        {{- include "campus.jobEnv" $ctx | trim | nindent 8 }}
      resources:
        {{- toYaml $spec.resources | nindent 8 }}
      securityContext:
        {{- include "campus.containerSecurityContext" $ctx | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: 64Mi
{{- end -}}

{{/*
The migration hook (pre-install, pre-upgrade): a Job running the service's image with args ["migrate"], which
applies the host's EF Core migrations and exits. Its ServiceAccount and NetworkPolicy are hooks too, created
first (lower weight), because on a first install the release's own objects do not exist yet when it runs.
All three are deleted when the migration succeeded, and replaced before the next one.
*/}}
{{- define "campus.migrationJob" -}}
{{- $m := .Values.migrations -}}
{{- if $m.enabled }}
{{- $host := required (printf "migrations.host (%s) must be one of hosts" $m.host) (get .Values.hosts $m.host) }}
{{- $ctx := dict "root" $ "name" $m.host "host" $host }}
{{- $jobName := printf "campus-%s-migrate" $m.host }}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $jobName }}
  labels:
    {{- include "campus.commonLabels" . | nindent 4 }}
    app.kubernetes.io/name: {{ $jobName }}
    campus.io/role: migration
  annotations:
    {{- include "campus.migrationHook" -20 | nindent 4 }}
automountServiceAccountToken: false
{{- if .Values.networkPolicy.enabled }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $jobName }}
  labels:
    {{- include "campus.commonLabels" . | nindent 4 }}
    app.kubernetes.io/name: {{ $jobName }}
    campus.io/role: migration
  annotations:
    {{- include "campus.migrationHook" -20 | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: {{ $jobName }}
      app.kubernetes.io/instance: {{ .Release.Name }}
  policyTypes: ["Ingress", "Egress"]
  ingress: []
  egress:
    {{- include "campus.egressRules" (list $ (list "database") "migrations") | trim | nindent 4 }}
{{- end }}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ $jobName }}
  labels:
    {{- include "campus.commonLabels" . | nindent 4 }}
    app.kubernetes.io/name: {{ $jobName }}
    campus.io/role: migration
  annotations:
    {{- include "campus.migrationHook" -10 | nindent 4 }}
spec:
  backoffLimit: {{ $m.backoffLimit }}
  activeDeadlineSeconds: {{ $m.activeDeadlineSeconds }}
  template:
    {{- include "campus.jobPod" (list $ctx $jobName "migration" (list "migrate") $jobName $m) | nindent 4 }}
{{- end }}
{{- end -}}

{{/*
The helm test (`helm test <release>`): a Job running a host's image with args ["check-dependencies"], which
checks from inside the cluster what the host is configured for (PostgreSQL login, Redis PING, RabbitMQ
publish and consume, S3 presigned PUT then GET) and exits non-zero if any fails. tests.extraUses adds
dependencies the host itself does not use (the content chart adds redis, so all four are checked).
Kept after it ran (before-hook-creation only), so `helm test --logs` can show its lines.
*/}}
{{- define "campus.testJob" -}}
{{- $t := .Values.tests -}}
{{- if $t.enabled }}
{{- $host := required (printf "tests.host (%s) must be one of hosts" $t.host) (get .Values.hosts $t.host) }}
{{- $ctx := dict "root" $ "name" $t.host "host" $host "extraUses" $t.extraUses }}
{{- $jobName := printf "campus-%s-check-dependencies" $t.host }}
{{- $uses := without (concat $host.uses $t.extraUses | uniq) "jwt" "upstreams" }}
{{- if .Values.networkPolicy.enabled }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $jobName }}
  labels:
    {{- include "campus.commonLabels" . | nindent 4 }}
    app.kubernetes.io/name: {{ $jobName }}
    campus.io/role: test
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: {{ $jobName }}
      app.kubernetes.io/instance: {{ .Release.Name }}
  policyTypes: ["Ingress", "Egress"]
  ingress: []
  egress:
    {{- include "campus.egressRules" (list $ $uses "tests") | trim | nindent 4 }}
{{- end }}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ $jobName }}
  labels:
    {{- include "campus.commonLabels" . | nindent 4 }}
    app.kubernetes.io/name: {{ $jobName }}
    campus.io/role: test
  annotations:
    helm.sh/hook: test
    helm.sh/hook-delete-policy: before-hook-creation
spec:
  backoffLimit: 0
  activeDeadlineSeconds: {{ $t.activeDeadlineSeconds }}
  template:
    {{- include "campus.jobPod" (list $ctx $jobName "test" (list "check-dependencies") (include "campus.name" $t.host) $t) | nindent 4 }}
{{- end }}
{{- end -}}
