{{/*
The public entry point in front of the gateway host, one of (edge.kind):
  ingress    Ingresses for ingress-nginx carrying what deploy/edge/nginx.conf.template does locally: per-IP rate
             limit on /api/auth, body size, timeouts, WebSocket pass-through with long timeouts on /ws, the
             security headers (custom-headers ConfigMap), 403 for /api/<service>/{readyz,metrics,dev}.
  httproute  a Gateway API HTTPRoute to an existing Gateway (timeouts and headers; rate limit and body size are
             the Gateway implementation's policies, see deploy/helm/README.md).
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
  rules:
    {{- range $rule := list (dict "path" "/api" "timeout" $r.requestTimeout) (dict "path" "/ws" "timeout" "0s") }}
    - matches:
        - path:
            type: PathPrefix
            value: {{ $rule.path }}
      filters:
        - type: ResponseHeaderModifier
          responseHeaderModifier:
            set:
              {{- toYaml $headers | nindent 14 }}
      backendRefs:
        - name: campus-gateway
          port: 8080
      timeouts:
        request: {{ $rule.timeout }}
    {{- end }}
{{- else if ne $e.kind "none" }}
{{- fail "edge.kind must be ingress, httproute or none" }}
{{- end }}
{{- end -}}
