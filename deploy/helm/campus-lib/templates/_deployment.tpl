{{/*
One Deployment per enabled host (.Values.hosts): the image's port 8080 named http (API, /healthz, /readyz,
/metrics), non-secret settings from the host's ConfigMap, secrets from existing Secrets, restricted security
context, read-only root filesystem with an emptyDir for /tmp (and the host's scratch volume, if any).
*/}}
{{- define "campus.deployments" -}}
{{- range $name, $host := .Values.hosts }}
{{- if $host.enabled }}
{{- $ctx := dict "root" $ "name" $name "host" $host }}
{{- $replicated := include "campus.isReplicated" $ctx }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "campus.name" $name }}
  labels:
    {{- include "campus.hostLabels" $ctx | nindent 4 }}
spec:
  {{- if not $host.autoscaling.enabled }}
  replicas: {{ $host.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "campus.selectorLabels" $ctx | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      {{- toYaml $host.rollingUpdate | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "campus.podLabels" $ctx | nindent 8 }}
      annotations:
        checksum/config: {{ include "campus.configData" $ctx | sha256sum }}
        {{- with $host.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "campus.name" $name }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      terminationGracePeriodSeconds: {{ $host.terminationGracePeriodSeconds }}
      securityContext:
        {{- include "campus.podSecurityContext" $ctx | nindent 8 }}
      {{- with $.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . }}
        {{- end }}
      {{- end }}
      {{- if $replicated }}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "campus.selectorLabels" $ctx | nindent 14 }}
          matchLabelKeys: ["pod-template-hash"]
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: {{ $host.spreadAcrossNodes }}
          labelSelector:
            matchLabels:
              {{- include "campus.selectorLabels" $ctx | nindent 14 }}
          matchLabelKeys: ["pod-template-hash"]
      {{- end }}
      {{- with $host.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $host.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $host.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      containers:
        - name: {{ $name }}
          image: {{ include "campus.image" (list $ $name) }}
          imagePullPolicy: {{ $.Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "campus.name" $name }}
          {{- with (include "campus.secretEnv" $ctx) }}
          env:
            {{- . | trim | nindent 12 }}
          {{- end }}
          startupProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 2
            timeoutSeconds: 2
            failureThreshold: {{ $host.probes.startupFailureThreshold }}
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: /readyz
              port: http
            periodSeconds: 5
            timeoutSeconds: 4
            failureThreshold: 2
            successThreshold: 1
          lifecycle:
            preStop:
              sleep:
                seconds: {{ $host.preStopSleepSeconds }}
          resources:
            {{- toYaml $host.resources | nindent 12 }}
          securityContext:
            {{- include "campus.containerSecurityContext" $ctx | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- with $host.scratch }}
            - name: scratch
              mountPath: {{ .mountPath }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $host.tmpSizeLimit }}
        {{- with $host.scratch }}
        - name: scratch
          {{- if eq .type "ephemeral" }}
          ephemeral:
            volumeClaimTemplate:
              metadata:
                labels:
                  {{- include "campus.selectorLabels" $ctx | nindent 18 }}
              spec:
                accessModes: ["ReadWriteOnce"]
                {{- with .storageClassName }}
                storageClassName: {{ . }}
                {{- end }}
                resources:
                  requests:
                    storage: {{ .size }}
          {{- else }}
          emptyDir:
            sizeLimit: {{ .size }}
          {{- end }}
        {{- end }}
{{- end }}
{{- end }}
{{- end -}}
