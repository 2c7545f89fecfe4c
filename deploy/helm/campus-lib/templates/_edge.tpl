{{/*
The public entry point in front of the gateway host, one of (edge.kind):
  nginx      (the default) the Campus edge itself: nginx running deploy/edge/nginx.conf.template (the chart's edge/
             symlink), the same configuration as the local platform, so every limit, header and problem+json error
             page is the local one; behind a Service of edge.nginx.service.type (a layer-4 LoadBalancer keeping client
             addresses), TLS on 8443 with edge.tls.secretName, or behind a shared Gateway through a pass-through
             HTTPRoute (edge.nginx.passThroughRoute). See campus.edgeNginx below.
  ingress    (opt-in) Ingresses for ingress-nginx carrying what deploy/edge/nginx.conf.template does locally: per-IP rate
             limit on /api/auth, body size, timeouts, WebSocket pass-through with long timeouts on /ws, the
             security headers (custom-headers ConfigMap), 403 for /api/<service>/{readyz,metrics,dev}.
  httproute  (opt-in) a Gateway API HTTPRoute to an existing Gateway (timeouts and headers; rate limit and body size
             are the Gateway implementation's policies, see deploy/helm/README.md).
  With ingress and httproute the controller's own answers (404 of an unmatched path, 413, the rate limit's 503 or
  429) are its HTML or plain-text pages, not problem+json.
  none       nothing (another edge is managed elsewhere).
*/}}

{{- define "campus.edgeBackend" -}}
service:
  name: campus-gateway
  port:
    name: http
{{- end -}}

{{/* One ingress-nginx Ingress: (root, name, path, pathType, annotations) */}}
{{- define "campus.edgeIngress" -}}
{{- $root := index . 0 -}}
{{- $e := $root.Values.edge -}}
{{- $i := $e.ingress -}}
{{- $annotations := index . 4 -}}
{{- $common := dict
  "nginx.ingress.kubernetes.io/proxy-connect-timeout" (toString $i.connectTimeoutSeconds)
  "nginx.ingress.kubernetes.io/custom-headers" (printf "%s/campus-edge-headers" $root.Release.Namespace)
  "nginx.ingress.kubernetes.io/proxy-body-size" $i.bodySize
}}
{{- if $e.tls.secretName }}
{{- $_ := set $common "nginx.ingress.kubernetes.io/ssl-redirect" "true" }}
{{- end }}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ index . 1 }}
  labels:
    {{- include "campus.commonLabels" $root | nindent 4 }}
    app.kubernetes.io/component: edge
  annotations:
    {{- toYaml (merge (dict) $annotations $common $i.annotations) | nindent 4 }}
spec:
  ingressClassName: {{ $i.className }}
  {{- if $e.tls.secretName }}
  tls:
    - hosts: [{{ $e.host | quote }}]
      secretName: {{ $e.tls.secretName }}
  {{- end }}
  rules:
    - host: {{ $e.host | quote }}
      http:
        paths:
          - path: {{ index . 2 }}
            pathType: {{ index . 3 }}
            backend:
              {{- include "campus.edgeBackend" $root | nindent 14 }}
{{- end -}}

{{- define "campus.edge" -}}
{{- $e := .Values.edge -}}
{{- if eq $e.kind "ingress" }}
{{- $i := $e.ingress }}
{{- $http := dict
  "nginx.ingress.kubernetes.io/proxy-send-timeout" (toString $i.sendTimeoutSeconds)
  "nginx.ingress.kubernetes.io/proxy-read-timeout" (toString $i.readTimeoutSeconds)
  "nginx.ingress.kubernetes.io/proxy-buffering" "on"
}}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: campus-edge-headers
  labels:
    {{- include "campus.commonLabels" . | nindent 4 }}
    app.kubernetes.io/component: edge
data:
  {{- toYaml $e.securityHeaders | nindent 2 }}
{{- $auth := merge (dict
  "nginx.ingress.kubernetes.io/limit-rps" (toString $i.authRateLimit.rps)
  "nginx.ingress.kubernetes.io/limit-burst-multiplier" (toString $i.authRateLimit.burstMultiplier)
) $http }}
{{- include "campus.edgeIngress" (list . "campus-api-auth" "/api/auth" "Prefix" $auth) }}
{{- include "campus.edgeIngress" (list . "campus-api" "/api" "Prefix" $http) }}
{{- include "campus.edgeIngress" (list . "campus-ws" "/ws" "Prefix" (dict
  "nginx.ingress.kubernetes.io/proxy-send-timeout" (toString $i.webSocketTimeoutSeconds)
  "nginx.ingress.kubernetes.io/proxy-read-timeout" (toString $i.webSocketTimeoutSeconds)
  "nginx.ingress.kubernetes.io/proxy-buffering" "off"
)) }}
{{- if $e.apiReference }}
{{- /* The API reference page (/api/docs) runs scripts: the gateway sends its Content-Security-Policy there, so this
       Ingress sets every security header but that one (custom-headers would replace the gateway's). */}}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: campus-edge-docs-headers
  labels:
    {{- include "campus.commonLabels" . | nindent 4 }}
    app.kubernetes.io/component: edge
data:
  {{- toYaml (omit $e.securityHeaders "Content-Security-Policy") | nindent 2 }}
{{- include "campus.edgeIngress" (list . "campus-api-docs" "/api/docs" "Prefix" (merge (dict
  "nginx.ingress.kubernetes.io/custom-headers" (printf "%s/campus-edge-docs-headers" .Release.Namespace)
) $http)) }}
{{- end }}
{{- if $i.refuseInternalPaths }}
{{- include "campus.edgeIngress" (list . "campus-api-internal" "/api/[^/]+/(readyz|metrics|dev)(/|$)" "ImplementationSpecific" (dict
  "nginx.ingress.kubernetes.io/use-regex" "true"
  "nginx.ingress.kubernetes.io/denylist-source-range" "0.0.0.0/0,::/0"
)) }}
{{- end }}
{{- else if eq $e.kind "httproute" }}
{{- $r := $e.httpRoute }}
{{- $headers := list }}
{{- range $name, $value := $e.securityHeaders }}
{{- $headers = append $headers (dict "name" $name "value" $value) }}
{{- end }}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: campus-api
  labels:
    {{- include "campus.commonLabels" . | nindent 4 }}
    app.kubernetes.io/component: edge
spec:
  parentRefs:
    {{- required "edge.httpRoute.parentRefs must name the Gateway" $r.parentRefs | toYaml | nindent 4 }}
  hostnames: [{{ $e.host | quote }}]
{{- $docsHeaders := list }}
{{- range $name, $value := omit $e.securityHeaders "Content-Security-Policy" }}
{{- $docsHeaders = append $docsHeaders (dict "name" $name "value" $value) }}
{{- end }}
{{- $rules := list (dict "path" "/api" "timeout" $r.requestTimeout "headers" $headers) (dict "path" "/ws" "timeout" "0s" "headers" $headers) }}
{{- if $e.apiReference }}
{{- /* /api/docs: the gateway's own Content-Security-Policy passes (set replaces it on the other rules) */}}
{{- $rules = append $rules (dict "path" "/api/docs" "timeout" $r.requestTimeout "headers" $docsHeaders) }}
{{- end }}
  rules:
    {{- range $rule := $rules }}
    - matches:
        - path:
            type: PathPrefix
            value: {{ $rule.path }}
      filters:
        - type: ResponseHeaderModifier
          responseHeaderModifier:
            set:
              {{- toYaml $rule.headers | nindent 14 }}
      backendRefs:
        - name: campus-gateway
          port: 8080
      timeouts:
        request: {{ $rule.timeout }}
    {{- end }}
{{- else if eq $e.kind "nginx" }}
{{- include "campus.edgeNginx" . }}
{{- else if ne $e.kind "none" }}
{{- fail "edge.kind must be ingress, httproute, nginx or none" }}
{{- end }}
{{- end -}}


{{/* The nginx.conf of edge.kind=nginx: deploy/edge/nginx.conf.template with the cluster's values (the template lists
     its placeholders). */}}
{{- define "campus.edgeNginxConf" -}}
{{- $e := .Values.edge -}}
{{- $template := .Files.Get "edge/nginx.conf.template" -}}
{{- if not $template }}
{{- fail "edge.kind=nginx needs the chart's edge/nginx.conf.template (the edge/ symlink to deploy/edge)" }}
{{- end }}
{{- $listen := list "listen 8080 default_server;" }}
{{- if $e.tls.secretName }}
{{- $listen = concat $listen (list "listen 8443 ssl default_server;" "ssl_certificate /etc/campus-edge/tls/tls.crt;"
  "ssl_certificate_key /etc/campus-edge/tls/tls.key;" "ssl_protocols TLSv1.2 TLSv1.3;") }}
{{- end }}
{{- $realIp := list }}
{{- range $e.nginx.trustedProxies }}
{{- $realIp = append $realIp (printf "set_real_ip_from %s;" .) }}
{{- end }}
{{- if $realIp }}
{{- $realIp = concat $realIp (list "real_ip_header X-Forwarded-For;" "real_ip_recursive on;") }}
{{- end }}
{{- $template
  | replace "@LISTEN@" (join "\n        " $listen)
  | replace "@REAL_IP@" (join "\n        " $realIp)
  | replace "@GATEWAY@" "campus-gateway:8080"
  | replace "@PROXY_BIND@" "off"
  | replace "@PREFIX@" "/tmp/edge"
  | replace "@ERROR_LOG@" "/dev/stderr"
  | replace "@ACCESS_LOG@" "/dev/stdout" }}
{{- end -}}

{{/* edge.kind=nginx: ConfigMap, ServiceAccount, Deployment, Service, PodDisruptionBudget and NetworkPolicy campus-edge,
     and with edge.nginx.passThroughRoute the HTTPRoute campus-edge. */}}
{{- define "campus.edgeNginx" -}}
{{- $e := .Values.edge -}}
{{- $n := $e.nginx -}}
{{- $tls := $e.tls.secretName -}}
{{- if and $n.passThroughRoute (not $n.trustedProxies) }}
{{- fail "edge.nginx.passThroughRoute needs edge.nginx.trustedProxies (the Gateway's proxy addresses): else every client is counted as the proxy by the per-IP limits" }}
{{- end }}
{{- $conf := include "campus.edgeNginxConf" . -}}
{{- $labels := dict "app.kubernetes.io/name" "campus-edge" "app.kubernetes.io/component" "edge" }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: campus-edge
  labels:
    {{- include "campus.commonLabels" . | nindent 4 }}
    {{- toYaml $labels | nindent 4 }}
data:
  nginx.conf: |
    {{- $conf | nindent 4 }}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: campus-edge
  labels:
    {{- include "campus.commonLabels" . | nindent 4 }}
    {{- toYaml $labels | nindent 4 }}
automountServiceAccountToken: false
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: campus-edge
  labels:
    {{- include "campus.commonLabels" . | nindent 4 }}
    {{- toYaml $labels | nindent 4 }}
spec:
  replicas: {{ $n.replicas }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  selector:
    matchLabels:
      app.kubernetes.io/instance: {{ .Release.Name }}
      {{- toYaml $labels | nindent 6 }}
  template:
    metadata:
      labels:
        app.kubernetes.io/part-of: campus
        app.kubernetes.io/instance: {{ .Release.Name }}
        {{- toYaml $labels | nindent 8 }}
      annotations:
        checksum/config: {{ $conf | sha256sum }}
    spec:
      serviceAccountName: campus-edge
      automountServiceAccountToken: false
      enableServiceLinks: false
      # preStop, then nginx's graceful stop (SIGQUIT, the image's stop signal): requests in flight finish, proxied
      # WebSockets are cut and their clients reconnect through another replica.
      terminationGracePeriodSeconds: 45
      securityContext:
        {{- include "campus.podSecurityContext" . | nindent 8 }}
      {{- with .Values.imagePullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . }}
        {{- end }}
      {{- end }}
      {{- if gt (int $n.replicas) 1 }}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              app.kubernetes.io/instance: {{ .Release.Name }}
              {{- toYaml $labels | nindent 14 }}
          matchLabelKeys: ["pod-template-hash"]
      {{- end }}
      containers:
        - name: edge
          image: {{ $n.image | quote }}
          imagePullPolicy: IfNotPresent
          # The pid file and temp directories live under /tmp/edge (an emptyDir): the root filesystem is read-only.
          command: ["/bin/sh", "-c", "mkdir -p /tmp/edge/tmp && exec nginx -e /dev/stderr -c /etc/campus-edge/nginx.conf -g 'daemon off;'"]
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
            {{- if $tls }}
            - name: https
              containerPort: 8443
              protocol: TCP
            {{- end }}
          startupProbe:
            tcpSocket:
              port: http
            periodSeconds: 2
            failureThreshold: 30
          livenessProbe:
            tcpSocket:
              port: http
            periodSeconds: 10
            failureThreshold: 3
          readinessProbe:
            tcpSocket:
              port: http
            periodSeconds: 5
            failureThreshold: 2
          lifecycle:
            preStop:
              sleep:
                seconds: 5
          resources:
            {{- toYaml $n.resources | nindent 12 }}
          securityContext:
            {{- include "campus.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            - name: config
              mountPath: /etc/campus-edge/nginx.conf
              subPath: nginx.conf
              readOnly: true
            - name: tmp
              mountPath: /tmp
            {{- if $tls }}
            - name: tls
              mountPath: /etc/campus-edge/tls
              readOnly: true
            {{- end }}
      volumes:
        - name: config
          configMap:
            name: campus-edge
        - name: tmp
          emptyDir:
            sizeLimit: 256Mi
        {{- if $tls }}
        - name: tls
          secret:
            secretName: {{ $tls }}
        {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: campus-edge
  labels:
    {{- include "campus.commonLabels" . | nindent 4 }}
    {{- toYaml $labels | nindent 4 }}
  {{- with $n.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $n.service.type }}
  {{- if ne $n.service.type "ClusterIP" }}
  # Local: the edge sees each client's own address (its per-IP limits and the X-Forwarded-For it sends depend on it).
  externalTrafficPolicy: {{ $n.service.externalTrafficPolicy }}
  {{- end }}
  selector:
    app.kubernetes.io/instance: {{ .Release.Name }}
    {{- toYaml $labels | nindent 4 }}
  ports:
    - name: http
      port: 80
      targetPort: http
      protocol: TCP
    {{- if $tls }}
    - name: https
      port: 443
      targetPort: https
      protocol: TCP
    {{- end }}
{{- if gt (int $n.replicas) 1 }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: campus-edge
  labels:
    {{- include "campus.commonLabels" . | nindent 4 }}
    {{- toYaml $labels | nindent 4 }}
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/instance: {{ .Release.Name }}
      {{- toYaml $labels | nindent 6 }}
{{- end }}
{{- if $n.passThroughRoute }}
{{- /* A shared Gateway in front: it only carries requests for edge.host to the edge. No filters (the edge sets the
       headers), no request timeout (the edge's are 75 s for /api and 1 h for /ws), no limits (none in the Gateway
       API; the implementation's policies must not add any): every error a client meets is still the edge's. */}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: campus-edge
  labels:
    {{- include "campus.commonLabels" . | nindent 4 }}
    {{- toYaml $labels | nindent 4 }}
spec:
  parentRefs:
    {{- required "edge.httpRoute.parentRefs must name the Gateway" $e.httpRoute.parentRefs | toYaml | nindent 4 }}
  hostnames: [{{ $e.host | quote }}]
  rules:
    - matches:
        - path:
            type: PathPrefix
            value: /
      backendRefs:
        - name: campus-edge
          port: 80
      timeouts:
        request: 0s
{{- end }}
{{- if .Values.networkPolicy.enabled }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: campus-edge
  labels:
    {{- include "campus.commonLabels" . | nindent 4 }}
    {{- toYaml $labels | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/instance: {{ .Release.Name }}
      {{- toYaml $labels | nindent 6 }}
  policyTypes: ["Ingress", "Egress"]
  ingress:
    # The public entry point: edge.nginx.publicFrom (any address by default; the Gateway's proxy pods behind a
    # pass-through route), on the edge's own ports only.
    - from:
        {{- toYaml $n.publicFrom | nindent 8 }}
      ports:
        - port: 8080
          protocol: TCP
        {{- if $tls }}
        - port: 8443
          protocol: TCP
        {{- end }}
  egress:
    - to:
        {{- toYaml .Values.networkPolicy.egress.dns.to | nindent 8 }}
      ports:
        {{- toYaml .Values.networkPolicy.egress.dns.ports | nindent 8 }}
    - to:
        - {{ include "campus.peerHost" "gateway" | nindent 10 | trim }}
      ports:
        - port: 8080
          protocol: TCP
{{- end }}
{{- end -}}
