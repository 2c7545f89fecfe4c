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
The alert rules (PrometheusRule) from the chart's own files/alerts.yaml, verbatim: `promtool check rules` and
`promtool test rules` run on that same file (deploy/checks/10-charts.sh).
*/}}
{{- define "campus.prometheusRule" -}}
{{- if .Values.prometheusRule.enabled }}
{{- $rules := .Files.Get "files/alerts.yaml" }}
{{- if not $rules }}
{{- fail "prometheusRule.enabled needs the chart's files/alerts.yaml" }}
{{- end }}
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: campus-alerts
  labels:
    {{- include "campus.commonLabels" . | nindent 4 }}
    {{- with .Values.prometheusRule.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  {{- $rules | nindent 2 }}
{{- end }}
{{- end -}}
