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

{{/*
The planned maintenance windows: one ASO MaintenanceConfiguration per key of
.Values.maintenanceWindows, embedded in the control plane's spec.resources as
CAPZ's aks-aso-maintenance flavor does, named <name>-<lower-cased azure name>.
"default" is the cluster's general window, given to AKS as whole UTC hours
(timeInWeek hourSlots; a window that runs past midnight continues on the next
day); aksManagedAutoUpgradeSchedule and aksManagedNodeOSUpgradeSchedule are
weekly windows with a start time, a duration and a UTC offset. Renders nothing
when no window is set.
*/}}
{{- define "aks-cluster.maintenanceConfigurations" -}}
{{- $name := include "aks-cluster.name" . -}}
{{- $days := list "Monday" "Tuesday" "Wednesday" "Thursday" "Friday" "Saturday" "Sunday" -}}
{{- $windows := .Values.maintenanceWindows | default dict -}}
{{- range $azureName := keys $windows | sortAlpha }}
{{- $w := get $windows $azureName | default dict }}
- apiVersion: containerservice.azure.com/v1api20240901
  kind: MaintenanceConfiguration
  metadata:
    name: {{ printf "%s-%s" $name (lower $azureName) | quote }}
    {{- include "aks-cluster.asoAnnotations" $ | nindent 4 }}
  spec:
    azureName: {{ $azureName | quote }}
    owner:
      name: {{ $name | quote }}
    {{- if eq $azureName "default" }}
    {{- $start := atoi (first (splitList ":" $w.startTime)) }}
    {{- $end := add $start (int $w.durationHours) }}
    {{- $next := "" }}
    {{- range $i, $d := $days }}{{ if eq $d $w.dayOfWeek }}{{ $next = index $days (mod (add1 $i) 7) }}{{ end }}{{ end }}
    timeInWeek:
      - day: {{ $w.dayOfWeek | quote }}
        hourSlots:
          {{- range $h := untilStep $start (min $end 24 | int) 1 }}
          - {{ $h }}
          {{- end }}
      {{- if gt $end 24 }}
      - day: {{ $next | quote }}
        hourSlots:
          {{- range $h := until (sub $end 24 | int) }}
          - {{ $h }}
          {{- end }}
      {{- end }}
    {{- else }}
    maintenanceWindow:
      durationHours: {{ $w.durationHours | int }}
      schedule:
        weekly:
          dayOfWeek: {{ $w.dayOfWeek | quote }}
          intervalWeeks: 1
      startTime: {{ $w.startTime | quote }}
      {{- with $w.utcOffset }}
      utcOffset: {{ . | quote }}
      {{- end }}
    {{- end }}
{{- end }}
{{- end -}}
