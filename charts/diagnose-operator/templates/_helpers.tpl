{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "diagnose-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: release name, plus the chart name unless the release name already holds it. */}}
{{- define "diagnose-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "diagnose-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "diagnose-operator.labels" -}}
helm.sh/chart: {{ include "diagnose-operator.chart" . }}
{{ include "diagnose-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: diagnose-operator
{{- end }}

{{- define "diagnose-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "diagnose-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "diagnose-operator.serviceAccountName" -}}
{{- default (include "diagnose-operator.fullname" .) .Values.serviceAccount.name }}
{{- end }}

{{- define "diagnose-operator.leaseName" -}}
{{- default (include "diagnose-operator.fullname" .) .Values.leaderElection.leaseName }}
{{- end }}

{{/* repository[:tag][@digest]; tag defaults to appVersion, a digest wins over the tag. */}}
{{- define "diagnose-operator.imageRef" -}}
{{- if .digest }}
{{- printf "%s@%s" .repository .digest }}
{{- else }}
{{- printf "%s:%s" .repository .tag }}
{{- end }}
{{- end }}

{{- define "diagnose-operator.image" -}}
{{- include "diagnose-operator.imageRef" (dict "repository" .Values.image.repository "tag" (default .Chart.AppVersion .Values.image.tag) "digest" .Values.image.digest) }}
{{- end }}

{{/* The collector runs from the operator image unless its own image is set. */}}
{{- define "diagnose-operator.collectorImage" -}}
{{- if .Values.collector.image.repository }}
{{- include "diagnose-operator.imageRef" (dict "repository" .Values.collector.image.repository "tag" (default .Chart.AppVersion .Values.collector.image.tag) "digest" .Values.collector.image.digest) }}
{{- else }}
{{- include "diagnose-operator.image" . }}
{{- end }}
{{- end }}

{{/* collector.imagePullSecrets' names, comma-separated (the operator's --collector-image-pull-secrets). */}}
{{- define "diagnose-operator.collectorImagePullSecrets" -}}
{{- $names := list }}
{{- range .Values.collector.imagePullSecrets }}
{{- $names = append $names .name }}
{{- end }}
{{- join "," $names }}
{{- end }}

{{/* Fail early on settings that cannot work. */}}
{{- define "diagnose-operator.validate" -}}
{{- if and .Values.collectorNamespace.create (eq .Values.collectorNamespace.name .Release.Namespace) }}
{{- fail (printf "collectorNamespace.name %q is the release namespace: the chart cannot create it. Install the release into another namespace (the operator runs restricted), or set collectorNamespace.create=false and label %q with pod-security.kubernetes.io/enforce=privileged yourself." .Values.collectorNamespace.name .Values.collectorNamespace.name) }}
{{- end }}
{{- if and .Values.leaderElection.enabled (le (int .Values.leaderElection.leaseDurationSeconds) (int .Values.leaderElection.renewDeadlineSeconds)) }}
{{- fail "leaderElection.leaseDurationSeconds must be greater than leaderElection.renewDeadlineSeconds" }}
{{- end }}
{{- if and .Values.leaderElection.enabled (le (mulf .Values.leaderElection.renewDeadlineSeconds 1.0) (mulf .Values.leaderElection.retryPeriodSeconds 1.2)) }}
{{- fail "leaderElection.renewDeadlineSeconds must be greater than 1.2 x leaderElection.retryPeriodSeconds" }}
{{- end }}
{{- if gt (int .Values.autoTrigger.maxJobsPerNode) (int .Values.autoTrigger.maxJobs) }}
{{- fail "autoTrigger.maxJobsPerNode must not exceed autoTrigger.maxJobs" }}
{{- end }}
{{- if and (not .Values.leaderElection.enabled) (gt (int .Values.replicaCount) 1) }}
{{- fail "replicaCount > 1 requires leaderElection.enabled: two active operators would race on the same Diagnoses" }}
{{- end }}
{{- end }}
