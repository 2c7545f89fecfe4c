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
{{- else if ne $e.kind "none" }}
{{- fail "edge.kind must be ingress, httproute or none" }}
{{- end }}
{{- end -}}
