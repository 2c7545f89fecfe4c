{{/* One ClusterIP Service per enabled host, port 8080 named http (workers too: Prometheus scrapes through it). */}}
{{- define "campus.services" -}}
{{- range $name, $host := .Values.hosts }}
{{- if $host.enabled }}
{{- $ctx := dict "root" $ "name" $name "host" $host }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ include "campus.name" $name }}
  labels:
    {{- include "campus.hostLabels" $ctx | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "campus.selectorLabels" $ctx | nindent 4 }}
  ports:
    - name: http
      port: 8080
      targetPort: http
      protocol: TCP
{{- end }}
{{- end }}
{{- end -}}
