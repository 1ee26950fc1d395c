{{- define "team-sources.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.owner }}
fleet.example.com/owner: {{ . }}
{{- end }}
{{- end }}
