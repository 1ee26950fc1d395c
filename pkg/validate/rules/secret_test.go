package rules

import (
	"strings"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/validate"
)

// The "secrets" below are made up for the tests; none was ever valid anywhere.
const (
	fakeClientSecret = "Abc8Q~qX7pL2mN9vR4tY6uW1zK3sD5fG8hJ0kLmN"
	fakeAccountKey   = "dGhpcyBpcyBub3QgYSByZWFsIGtleSBqdXN0IGEgdGVzdCB2YWx1ZSBmb3IgZmxlZXRjdGw="
	fakeSig          = "q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c%3D"
	fakeToken        = "eyJhbGciOiJSUzI1NiJ9.fleetctltestpayload.signature"
	fakeB64          = "c3VwZXItc2VjcmV0LXZhbHVl"
	fakeGitHubToken  = "ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d"
)

type secretCase struct {
	name    string
	content string
	want    []string
	lines   []int  // expected lines of the findings, in order, when given
	secret  string // a value no finding may repeat
}

func secretCases() []secretCase {
	return []secretCase{
		{name: "secret with data", content: `apiVersion: v1
kind: Secret
metadata:
  name: aso-credentials
  namespace: fleet-clusters
type: Opaque
data:
  AZURE_TENANT_ID: ` + fakeB64 + `
`, want: []string{validate.RuleSecretObject}, lines: []int{7}, secret: fakeB64},
		{name: "secret with stringData", content: `kind: Secret
apiVersion: v1
metadata: {name: x}
stringData:
  password: hunter2hunter2
`, want: []string{validate.RuleSecretObject}, lines: []int{4}, secret: "hunter2hunter2"},
		{name: "secret with block scalar", content: `kind: Secret
stringData:
  config: |
    user: admin
    pass: opensesame123
`, want: []string{validate.RuleSecretObject}, lines: []int{2}, secret: "opensesame123"},
		{name: "secret with flow data", content: "kind: \"Secret\"\ndata: {key: " + fakeB64 + "}\n",
			want: []string{validate.RuleSecretObject}, lines: []int{2}, secret: fakeB64},
		{name: "secret with empty data", content: "kind: Secret\ndata: {}\nstringData:\n"},
		{name: "secret with null data", content: "kind: Secret\ndata: null\n"},
		{name: "secret with substituted values", content: `kind: Secret
stringData:
  AZURE_CLIENT_ID: ${CLIENT_ID}
  AZURE_TENANT_ID: "{{ .Values.tenant }}"
  other: "<fill in>"
`},
		{name: "sops encrypted secret", content: `kind: Secret
data:
  key: ENC[AES256_GCM,data:abcd,iv:efgh,tag:ijkl,type:str]
sops:
  version: 3.9.0
`},
		{name: "configmap with data", content: "kind: ConfigMap\ndata:\n  values.yaml: |\n    name: a\n"},
		{name: "secret in second document", content: "kind: ConfigMap\ndata:\n  a: b\n---\nkind: Secret\ndata:\n  a: " + fakeB64 + "\n",
			want: []string{validate.RuleSecretObject}, lines: []int{6}},
		{name: "nested kind is not a secret", content: "kind: List\nitems:\n- kind: Secret\n  data:\n    a: b\n"},

		{name: "client secret key", content: "spec:\n  clientSecret: s3cr3t-Value_42\n",
			want: []string{validate.RuleSecretClientSecret}, lines: []int{2}, secret: "s3cr3t-Value_42"},
		{name: "env client secret", content: "export AZURE_CLIENT_SECRET=" + fakeClientSecret + "\n",
			want: []string{validate.RuleSecretClientSecret}, lines: []int{1}, secret: fakeClientSecret},
		{name: "json client secret", content: `{"client_secret": "abcdefgh12345678"}`,
			want: []string{validate.RuleSecretClientSecret}, secret: "abcdefgh12345678"},
		{name: "client secret reference", content: "clientSecret:\n  name: sp-secret\n  namespace: x\nclientSecret: {name: sp}\n"},
		{name: "client secret placeholder", content: "clientSecret: ${AZURE_CLIENT_SECRET}\nclient_secret: \"<your secret>\"\nAZURE_CLIENT_SECRET=\nclientSecret: xxxxxxxxxxxx\n"},
		{name: "secret name is not a secret", content: "credentials:\n  secretName: aso-credentials\n"},
		{name: "client secret shape", content: "value: " + fakeClientSecret + "\n",
			want: []string{validate.RuleSecretClientSecret}, lines: []int{1}, secret: fakeClientSecret},
		{name: "not the shape", content: "value: Abc8Q~short\n"},

		{name: "private key", content: "key: |\n  -----BEGIN RSA PRIVATE KEY-----\n  MIIEow\n  -----END RSA PRIVATE KEY-----\n",
			want: []string{validate.RuleSecretPrivateKey}, lines: []int{2}},
		{name: "openssh private key", content: "-----BEGIN OPENSSH PRIVATE KEY-----\n",
			want: []string{validate.RuleSecretPrivateKey}},
		{name: "public key and certificate", content: "-----BEGIN PUBLIC KEY-----\n-----BEGIN CERTIFICATE-----\n"},

		{name: "storage connection string", content: "conn: DefaultEndpointsProtocol=https;AccountName=fleet;AccountKey=" + fakeAccountKey + ";EndpointSuffix=core.windows.net\n",
			want: []string{validate.RuleSecretConnString}, lines: []int{1}, secret: fakeAccountKey},
		{name: "service bus connection string", content: "Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=" + fakeAccountKey + "\n",
			want: []string{validate.RuleSecretConnString}, secret: fakeAccountKey},
		{name: "connection string placeholder", content: "conn: AccountName=fleet;AccountKey=<key>\nconn2: AccountKey=${KEY}\n"},

		{name: "sas url", content: "url: https://fleet.blob.core.windows.net/c?sv=2022-11-02&ss=b&se=2030-01-01T00%3A00%3A00Z&sp=r&sig=" + fakeSig + "\n",
			want: []string{validate.RuleSecretSAS}, lines: []int{1}, secret: fakeSig},
		{name: "sig without sas parameters", content: "note: sig=" + fakeSig + "\n"},
		{name: "sas placeholder", content: "url: https://x/c?sv=2022-11-02&sig=${SAS_SIGNATURE_VALUE}\n"},

		{name: "kubeconfig client key", content: `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: https://c}
users:
- name: admin
  user:
    client-certificate-data: ` + fakeB64 + `
    client-key-data: ` + fakeB64 + `
`, want: []string{validate.RuleSecretKubeconfig}, lines: []int{10}, secret: fakeB64},
		{name: "kubeconfig token", content: `current-context: c
users:
- name: admin
  user:
    token: ` + fakeToken + `
`, want: []string{validate.RuleSecretKubeconfig}, lines: []int{5}, secret: fakeToken},
		{name: "kubeconfig in a secret", content: `kind: Secret
stringData:
  value: |
    apiVersion: v1
    kind: Config
    users:
    - name: admin
      user:
        token: ` + fakeToken + `
`, want: []string{validate.RuleSecretObject, validate.RuleSecretKubeconfig}, lines: []int{2, 9}, secret: fakeToken},
		{name: "kubeconfig exec plugin", content: "kind: Config\nusers:\n- name: a\n  user:\n    exec:\n      command: kubelogin\n    token: \"\"\n"},
		{name: "token outside a kubeconfig", content: "auth:\n  token: abcdefghijklmnop\n",
			want: []string{validate.RuleSecretPasswordKey}, lines: []int{2}, secret: "abcdefghijklmnop"},

		{name: "github token pattern", content: "github-token: " + fakeGitHubToken + "\n",
			want: []string{validate.RuleSecretPattern}, lines: []int{1}, secret: fakeGitHubToken},
		{name: "configmap github token", content: "kind: ConfigMap\ndata:\n  GITHUB_TOKEN: " + fakeGitHubToken + "\n",
			want: []string{validate.RuleSecretPattern}, lines: []int{3}, secret: fakeGitHubToken},
		{name: "low-entropy token shape", content: "a: ghp_" + strings.Repeat("0", 36) + "\n"},
		{name: "url credentials", content: "spec:\n  url: https://admin:hunter2@charts.example.com\n",
			want: []string{validate.RuleSecretURLCreds}, lines: []int{2}, secret: "hunter2"},
		{name: "url placeholders", content: "url: https://${U}:${P}@h\nurl2: https://git@h\nurl3: https://u:<password>@h\n"},
		{name: "helmrelease password", content: "kind: HelmRelease\nmetadata:\n  name: x\nspec:\n  values:\n    password: hunter2\n",
			want: []string{validate.RuleSecretPasswordKey}, lines: []int{6}, secret: "hunter2"},
		{name: "password references", content: "passwordSecretRef: {name: a}\nexistingSecret: a-secret\ntokenSecretName: b\npassword: ${PW}\nadminPassword: changeme\ntoken: true\npin_password: 1234\n"},
		{name: "chart values", content: `name: atlantic-aks
network: {plugin: azure, serviceCidr: 10.0.0.0/16, dnsServiceIP: 10.0.0.10}
credentials:
  # -- Name of the Secret that holds the credentials.
  secretName: aso-credentials
flux:
  sourceRef: {kind: GitRepository, name: flux-system}
`},
		{name: "flux kustomization with kubeconfig ref", content: `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
spec:
  kubeConfig:
    secretRef: {name: atlantic-aks-kubeconfig, key: value}
`},
		{name: "crlf", content: "kind: Secret\r\ndata:\r\n  a: " + fakeB64 + "\r\n",
			want: []string{validate.RuleSecretObject}, lines: []int{2}},
		{name: "empty", content: ""},
	}
}

func TestSecretRules(t *testing.T) {
	for _, tc := range secretCases() {
		t.Run(tc.name, func(t *testing.T) {
			got := SecretRules("repo/file.yaml", []byte(tc.content))
			expectRules(t, got, tc.want...)
			if tc.lines != nil {
				var lines []int
				for _, f := range got {
					lines = append(lines, f.Line)
				}
				if len(lines) != len(tc.lines) || !equalInts(lines, tc.lines) {
					t.Errorf("lines = %v, want %v", lines, tc.lines)
				}
			}
			for _, f := range got {
				if f.File != "repo/file.yaml" || f.Line < 1 || f.Column < 1 {
					t.Errorf("position %s:%d:%d", f.File, f.Line, f.Column)
				}
				if tc.secret != "" {
					for _, s := range []string{f.Message, f.Fix, f.Field, f.Object} {
						if strings.Contains(s, tc.secret) {
							t.Errorf("finding repeats the secret: %+v", f)
						}
					}
				}
			}
		})
	}
}

func equalInts(a, b []int) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

func TestSecretRulesColumns(t *testing.T) {
	got := SecretRules("f", []byte("a: 1\n  clientSecret: abcdefgh12345678\nx: y "+fakeClientSecret+"\n"))
	expectRules(t, got, validate.RuleSecretClientSecret, validate.RuleSecretClientSecret)
	if got[0].Line != 2 || got[0].Column != 3 || got[0].Field != "clientSecret" {
		t.Errorf("keyed finding at %d:%d field %q", got[0].Line, got[0].Column, got[0].Field)
	}
	if got[1].Line != 3 || got[1].Column != 6 {
		t.Errorf("shape finding at %d:%d", got[1].Line, got[1].Column)
	}
}
