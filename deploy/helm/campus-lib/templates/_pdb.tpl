{{/*
A PodDisruptionBudget for every enabled host that runs more than one pod (a PDB on a single replica would
block node drains forever): at most one pod evicted at a time.
*/}}
{{- define "campus.pdbs" -}}
{{- range $name, $host := .Values.hosts }}
{{- $ctx := dict "root" $ "name" $name "host" $host }}
{{- if and $host.enabled (include "campus.isReplicated" $ctx) }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "campus.name" $name }}
  labels:
    {{- include "campus.hostLabels" $ctx | nindent 4 }}
spec:
  maxUnavailable: 1
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      {{- include "campus.selectorLabels" $ctx | nindent 6 }}
{{- end }}
{{- end }}
{{- end -}}
