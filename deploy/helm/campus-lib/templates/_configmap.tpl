{{/* One ConfigMap per enabled host: its non-secret settings as environment variables (envFrom). */}}
{{- define "campus.configMaps" -}}
{{- range $name, $host := .Values.hosts }}
{{- if $host.enabled }}
{{- $ctx := dict "root" $ "name" $name "host" $host }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "campus.name" $name }}
  labels:
    {{- include "campus.hostLabels" $ctx | nindent 4 }}
data:
  {{- include "campus.configData" $ctx | nindent 2 }}
{{- end }}
{{- end }}
{{- end -}}
