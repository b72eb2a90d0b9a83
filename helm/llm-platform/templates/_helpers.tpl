{{- define "llm.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "llm.labels" -}}
app.kubernetes.io/part-of: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "gateway") */}}
{{- define "llm.selectorLabels" -}}
app.kubernetes.io/name: {{ .component }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{- define "llm.componentName" -}}
{{- printf "%s-%s" (include "llm.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "llm.redisSecretName" -}}
{{- if and (not .Values.redis.enabled) .Values.redis.external.existingSecret -}}
{{ .Values.redis.external.existingSecret }}
{{- else -}}
{{ include "llm.fullname" . }}-redis
{{- end -}}
{{- end -}}

{{/* The Redis URL with the password from $(REDIS_PASSWORD), which Kubernetes expands in env values. */}}
{{- define "llm.redisUrlWithPassword" -}}
{{- if .Values.redis.enabled -}}
redis://:$(REDIS_PASSWORD)@{{ include "llm.fullname" . }}-redis:6379
{{- else -}}
{{- $url := urlParse (required "redis.external.url is required when redis.enabled is false" .Values.redis.external.url) -}}
{{ $url.scheme }}://:$(REDIS_PASSWORD)@{{ $url.host }}{{ $url.path }}
{{- end -}}
{{- end -}}

{{- define "llm.internalTokenSecretName" -}}
{{- default (printf "%s-internal-token" (include "llm.fullname" .)) .Values.internalToken.existingSecret -}}
{{- end -}}

{{- define "llm.apiKeySecretName" -}}
{{- default (printf "%s-api-keys" (include "llm.fullname" .)) .Values.existingApiKeySecret -}}
{{- end -}}

{{/* Pod template labels: the selector labels plus the release's common ones (no key twice). */}}
{{- define "llm.podLabels" -}}
{{ include "llm.selectorLabels" . }}
app.kubernetes.io/part-of: {{ .root.Chart.Name }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{- end -}}
