{{/*
Cluster name. Every object name derives from it.
*/}}
{{- define "aks-cluster.name" -}}
{{- required "values.name is required: the cluster name (DNS-1123 label)" .Values.name -}}
{{- end -}}

{{/*
Name of the ASO ResourceGroup object (and of the Azure resource group).
*/}}
{{- define "aks-cluster.resourceGroup" -}}
{{- required "values.resourceGroup is required: the Azure resource group of the cluster" .Values.resourceGroup -}}
{{- end -}}

{{/*
Azure region.
*/}}
{{- define "aks-cluster.location" -}}
{{- required "values.location is required: the Azure region, e.g. eastus" .Values.location -}}
{{- end -}}

{{/*
Kubernetes version of the control plane and of every MachinePool.
*/}}
{{- define "aks-cluster.kubernetesVersion" -}}
{{- required "values.kubernetesVersion is required, e.g. v1.37.2" .Values.kubernetesVersion -}}
{{- end -}}

{{/*
Labels of every top-level object.
*/}}
{{- define "aks-cluster.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name | quote }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | quote }}
cluster.x-k8s.io/cluster-name: {{ include "aks-cluster.name" . | quote }}
{{- end -}}

{{/*
metadata.annotations of an embedded ASO resource: the Secret ASO reads the
Azure credentials from. Renders nothing when no Secret is named.
*/}}
{{- define "aks-cluster.asoAnnotations" -}}
{{- with .Values.credentials }}
{{- with .secretName }}
annotations:
  serviceoperator.azure.com/credential-from: {{ . | quote }}
{{- end }}
{{- end }}
{{- end -}}
