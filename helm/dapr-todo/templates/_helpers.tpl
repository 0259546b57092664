{{- /* Labels every object carries. */ -}}
{{- define "dapr-todo.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: dapr-todo
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- /* Labels of one service's objects; call with (dict "root" $ "svc" $svc). */ -}}
{{- define "dapr-todo.serviceLabels" -}}
{{ include "dapr-todo.labels" .root }}
app.kubernetes.io/component: {{ .svc.appId }}
{{- end -}}

{{- /* What selects one service's pods (stable across upgrades: no version). */ -}}
{{- define "dapr-todo.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .svc.appId }}
{{- end -}}

{{- /* Name of a service's Deployment, Service, PDB and scalers. */ -}}
{{- define "dapr-todo.serviceName" -}}
{{ printf "%s-%s" .root.Release.Name .svc.appId | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{- define "dapr-todo.serviceAccountName" -}}
{{ printf "%s-dapr-todo" .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{- define "dapr-todo.image" -}}
{{ printf "%s:%s" .Values.image.repository .Values.image.tag }}
{{- end -}}

{{- /* The browser-facing origin, e.g. https://todo.example.com. */ -}}
{{- define "dapr-todo.origin" -}}
{{ printf "%s://%s" .Values.scheme .Values.host }}
{{- end -}}

{{- /* The Channels layer URL; $(REDIS_PASSWORD) is expanded by the kubelet from the env var
     defined before it, so the password never appears in the manifest. */ -}}
{{- define "dapr-todo.channelRedisUrl" -}}
{{ printf "%s://:$(REDIS_PASSWORD)@%s/%v" (ternary "rediss" "redis" .Values.redis.enableTLS) .Values.redis.host .Values.redis.channelLayerDb }}
{{- end -}}

{{- /* An environment variable from the release's Secret: (list $ "NAME" "key"). */ -}}
{{- define "dapr-todo.secretEnv" -}}
- name: {{ index . 1 }}
  valueFrom:
    secretKeyRef:
      name: {{ (index . 0).Values.existingSecret }}
      key: {{ index . 2 }}
{{- end -}}

{{- /* The two API tokens (app → sidecar, sidecar → app) from the Secrets the sidecar
     annotations name; config.settings.production refuses to start without them. */ -}}
{{- define "dapr-todo.apiTokenEnv" -}}
{{- with .Values.dapr.apiTokenSecret }}
- name: DAPR_API_TOKEN
  valueFrom:
    secretKeyRef: {name: {{ . }}, key: token}
{{- end }}
{{- with .Values.dapr.appTokenSecret }}
- name: APP_API_TOKEN
  valueFrom:
    secretKeyRef: {name: {{ . }}, key: token}
{{- end }}
{{- end -}}

{{- /* The apps' Dapr Redis metadata (host, TLS, password from the secret store). */ -}}
{{- define "dapr-todo.redisMetadata" -}}
- name: redisHost
  value: {{ .Values.redis.host | quote }}
- name: enableTLS
  value: {{ .Values.redis.enableTLS | quote }}
- name: redisPassword
  secretKeyRef:
    name: {{ .Values.existingSecret }}
    key: redis-password
{{- end -}}

{{- /* Components whose secrets come through the `secretstore` component. */ -}}
{{- define "dapr-todo.secretStoreAuth" -}}
auth:
  secretStore: secretstore
{{- end -}}

{{- /* The three app-ids, for scopes. */ -}}
{{- define "dapr-todo.allAppIds" -}}
- {{ .Values.services.webapp.appId }}
- {{ .Values.services.syncWorker.appId }}
- {{ .Values.services.bindingsWorker.appId }}
{{- end -}}

{{- /* The Configuration of one service's sidecars (its own access policies). */ -}}
{{- define "dapr-todo.configName" -}}
{{ printf "%s-%s" .root.Values.dapr.config .svc.appId }}
{{- end -}}

{{- /* pubsub.broker, checked: "rabbitmq" or "redis" (devtools/brokers.py BROKERS). */ -}}
{{- define "dapr-todo.broker" -}}
{{- $broker := .Values.pubsub.broker | toString }}
{{- if not (has $broker (list "rabbitmq" "redis")) }}
{{- fail (printf "pubsub.broker must be rabbitmq or redis, not %q" $broker) }}
{{- end }}
{{- $broker }}
{{- end -}}
