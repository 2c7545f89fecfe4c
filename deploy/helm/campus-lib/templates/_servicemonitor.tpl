{{/*
One ServiceMonitor per enabled host: /metrics on the http port of its Service. Every series gets the label
campus_host (the host's name: gateway, auth, content-worker, ...), which the alert rules group by.
*/}}
{{- define "campus.serviceMonitors" -}}
{{- if .Values.serviceMonitor.enabled }}
{{- $sm := .Values.serviceMonitor }}
{{- range $name, $host := .Values.hosts }}
{{- if $host.enabled }}
{{- $ctx := dict "root" $ "name" $name "host" $host }}
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "campus.name" $name }}
  labels:
    {{- include "campus.hostLabels" $ctx | nindent 4 }}
    {{- with $sm.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "campus.selectorLabels" $ctx | nindent 6 }}
  endpoints:
    - port: http
      path: /metrics
      scheme: http
      interval: {{ $sm.interval }}
      scrapeTimeout: {{ $sm.scrapeTimeout }}
      relabelings:
        - action: replace
          sourceLabels: [__meta_kubernetes_service_label_app_kubernetes_io_component]
          targetLabel: campus_host
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
The recording and alerting rules (PrometheusRule) from files/rules/campus.rules.yaml, verbatim. files/ is a symlink to
deploy/observability, so the local Prometheus (./platform up), `promtool test rules` (deploy/checks/10-charts.sh) and
this object read the same file.
*/}}
{{- define "campus.prometheusRule" -}}
{{- if .Values.prometheusRule.enabled }}
{{- $rules := .Files.Get "files/rules/campus.rules.yaml" }}
{{- if not $rules }}
{{- fail "prometheusRule.enabled needs the chart's files/rules/campus.rules.yaml (deploy/observability/rules)" }}
{{- end }}
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: campus-rules
  labels:
    {{- include "campus.commonLabels" . | nindent 4 }}
    {{- with .Values.prometheusRule.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  {{- $rules | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
One ConfigMap per Grafana dashboard in files/dashboards/*.json (deploy/observability/dashboards), labelled for the
Grafana sidecar, which loads every ConfigMap with its label into Grafana.
*/}}
{{- define "campus.grafanaDashboards" -}}
{{- if .Values.grafanaDashboards.enabled }}
{{- $root := . }}
{{- $files := .Files.Glob "files/dashboards/*.json" }}
{{- if not $files }}
{{- fail "grafanaDashboards.enabled needs the chart's files/dashboards/*.json (deploy/observability/dashboards)" }}
{{- end }}
{{- range $path, $_ := $files }}
{{- $name := base $path | trimSuffix ".json" }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ printf "campus-dashboard-%s" $name | trunc 63 | trimSuffix "-" }}
  labels:
    {{- include "campus.commonLabels" $root | nindent 4 }}
    {{- with $root.Values.grafanaDashboards.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with $root.Values.grafanaDashboards.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
data:
  {{ base $path }}: |-
    {{- $root.Files.Get $path | nindent 4 }}
{{- end }}
{{- end }}
{{- end -}}
