{{/* A CPU HorizontalPodAutoscaler (autoscaling/v2) for every enabled host with autoscaling.enabled. */}}
{{- define "campus.hpas" -}}
{{- range $name, $host := .Values.hosts }}
{{- if and $host.enabled $host.autoscaling.enabled }}
{{- $ctx := dict "root" $ "name" $name "host" $host }}
{{- $a := $host.autoscaling }}
{{- if lt (int $a.maxReplicas) (int $a.minReplicas) }}
{{- fail (printf "hosts.%s.autoscaling.maxReplicas must be at least minReplicas" $name) }}
{{- end }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "campus.name" $name }}
  labels:
    {{- include "campus.hostLabels" $ctx | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "campus.name" $name }}
  minReplicas: {{ $a.minReplicas }}
  maxReplicas: {{ $a.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $a.targetCPUUtilizationPercentage }}
  behavior:
    scaleUp:
      stabilizationWindowSeconds: 0
      policies:
        - type: Percent
          value: 100
          periodSeconds: 60
    scaleDown:
      stabilizationWindowSeconds: {{ $a.scaleDownStabilizationSeconds }}
      policies:
        - type: Pods
          value: 1
          periodSeconds: 60
{{- end }}
{{- end }}
{{- end -}}
