{{/* One ServiceAccount per enabled host; no host talks to the Kubernetes API, so no token is mounted. */}}
{{- define "campus.serviceAccounts" -}}
{{- range $name, $host := .Values.hosts }}
{{- if $host.enabled }}
{{- $ctx := dict "root" $ "name" $name "host" $host }}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "campus.name" $name }}
  labels:
    {{- include "campus.hostLabels" $ctx | nindent 4 }}
automountServiceAccountToken: false
{{- end }}
{{- end }}
{{- end -}}
