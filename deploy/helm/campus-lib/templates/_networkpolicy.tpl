{{/*
NetworkPolicies. The namespace denies everything by default (deploy/k8s/default-deny.yaml); each host gets
one policy that opens exactly what it needs:
  ingress on 8080: from the edge (the gateway: networkPolicy.edge, or the campus-edge pods with edge.kind=nginx), from the gateway pods (services), from the
    pods that validate tokens (auth's JWKS), and from Prometheus (networkPolicy.prometheus) on every host;
  egress: DNS, then one rule per entry of the host's `uses`: database, rabbitmq, redis, storage, smtp,
    telegram, sms (peers and ports from networkPolicy.egress.<name>), jwt (auth's pods, 8080),
    upstreams (every Campus service pod, 8080).
Peer lists are rendered with tpl (they may name .Values.environment): the data namespace's name depends on the environment.
An empty peer list would mean "everyone" in a NetworkPolicy: the schema refuses it and so does this template.
*/}}

{{/* Egress rules for a list of dependencies: (root, uses, where) */}}
{{- define "campus.egressRules" -}}
{{- $root := index . 0 -}}
{{- $uses := index . 1 -}}
{{- $where := index . 2 -}}
{{- $np := $root.Values.networkPolicy -}}
{{- $dns := required "networkPolicy.egress.dns is required" $np.egress.dns }}
- to:
    {{- tpl (required "networkPolicy.egress.dns.to must name the cluster DNS" $dns.to | toYaml) $root | nindent 4 }}
  ports:
    {{- toYaml $dns.ports | nindent 4 }}
{{- range $dep := $uses }}
{{- if eq $dep "jwt" }}
- to:
    - {{ include "campus.peerHost" "auth" | nindent 6 | trim }}
  ports:
    - port: 8080
      protocol: TCP
{{- else if eq $dep "upstreams" }}
- to:
    - podSelector:
        matchLabels:
          app.kubernetes.io/part-of: campus
          campus.io/role: service
  ports:
    - port: 8080
      protocol: TCP
{{- else }}
{{- $rule := get $np.egress $dep }}
{{- if not $rule }}
{{- fail (printf "%s uses %s: networkPolicy.egress.%s (to, ports) is required" $where $dep $dep) }}
{{- end }}
{{- if not $rule.to }}
{{- fail (printf "networkPolicy.egress.%s.to must list at least one peer (an empty list would allow every destination)" $dep) }}
{{- end }}
- to:
    {{- tpl (toYaml $rule.to) $root | nindent 4 }}
  ports:
    {{- toYaml $rule.ports | nindent 4 }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "campus.networkPolicies" -}}
{{- if .Values.networkPolicy.enabled }}
{{- $np := .Values.networkPolicy }}
{{- range $name, $host := .Values.hosts }}
{{- if $host.enabled }}
{{- $ctx := dict "root" $ "name" $name "host" $host }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "campus.name" $name }}
  labels:
    {{- include "campus.hostLabels" $ctx | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "campus.selectorLabels" $ctx | nindent 6 }}
  policyTypes: ["Ingress", "Egress"]
  ingress:
    {{- range $from := $host.ingressFrom }}
    {{- if and (eq $from "edge") (eq (($.Values.edge).kind) "nginx") }}
    # The Campus edge's own pods (edge.kind=nginx).
    - from:
        - {{ include "campus.peerHost" "edge" | nindent 10 | trim }}
      ports:
        - port: 8080
          protocol: TCP
    {{- else if eq $from "edge" }}
    {{- if not $np.edge }}
    {{- fail "networkPolicy.edge must list the ingress controller's pods (an empty list would allow everyone)" }}
    {{- end }}
    - from:
        {{- tpl (toYaml $np.edge) $ | nindent 8 }}
      ports:
        - port: 8080
          protocol: TCP
    {{- else if eq $from "gateway" }}
    - from:
        - {{ include "campus.peerHost" "gateway" | nindent 10 | trim }}
      ports:
        - port: 8080
          protocol: TCP
    {{- else if eq $from "tokenValidators" }}
    - from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/part-of: campus
              campus.io/validates-tokens: "true"
      ports:
        - port: 8080
          protocol: TCP
    {{- end }}
    {{- end }}
    {{- if not $np.prometheus }}
    {{- fail "networkPolicy.prometheus must list Prometheus' pods (an empty list would allow everyone)" }}
    {{- end }}
    - from:
        {{- tpl (toYaml $np.prometheus) $ | nindent 8 }}
      ports:
        - port: 8080
          protocol: TCP
  egress:
    {{- include "campus.egressRules" (list $ $host.uses (printf "hosts.%s" $name)) | trim | nindent 4 }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}
