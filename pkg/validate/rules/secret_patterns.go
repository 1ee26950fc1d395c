package rules

// Code below is data: credential patterns taken from gitleaks v8.30.1 (config/gitleaks.toml,
// github.com/zricethezav/gitleaks, MIT licence), the rule ids, regexes, keywords and entropy
// thresholds unchanged, so that a pattern can be refreshed from a newer gitleaks release by copying
// its [[rules]] entry. Only prefix-anchored token formats are taken: the generic and the
// service-name-proximity rules of gitleaks are replaced by fleetctl's key-aware rule
// (secret/password-field), and the private-key, Azure and kubeconfig rules by fleetctl's own.
// The vault-service-token rule is left out: its legacy form s.<24 chars> matches ordinary text.

type credentialPattern struct {
	id       string   // the gitleaks rule id
	keywords []string // lower-case; the regex runs only on lines holding one
	regex    string
	entropy  float64 // minimum Shannon entropy of the secret (0: no check)
}

var credentialPatterns = []credentialPattern{
	{"github-pat", []string{"ghp_"}, `ghp_[0-9a-zA-Z]{36}`, 3},
	{"github-fine-grained-pat", []string{"github_pat_"}, `github_pat_\w{82}`, 3},
	{"github-oauth", []string{"gho_"}, `gho_[0-9a-zA-Z]{36}`, 3},
	{"github-app-token", []string{"ghu_", "ghs_"}, `(?:ghu|ghs)_[0-9a-zA-Z]{36}`, 3},
	{"github-refresh-token", []string{"ghr_"}, `ghr_[0-9a-zA-Z]{36}`, 3},
	{"gitlab-pat", []string{"glpat-"}, `glpat-[\w-]{20}`, 3},
	{"gitlab-deploy-token", []string{"gldt-"}, `gldt-[0-9a-zA-Z_\-]{20}`, 3},
	{"gitlab-runner-authentication-token", []string{"glrt-"}, `glrt-[0-9a-zA-Z_\-]{20}`, 3},
	{"slack-bot-token", []string{"xoxb"}, `xoxb-[0-9]{10,13}-[0-9]{10,13}[a-zA-Z0-9-]*`, 3},
	{"slack-user-token", []string{"xoxp-", "xoxe-"}, `xox[pe](?:-[0-9]{10,13}){3}-[a-zA-Z0-9-]{28,34}`, 2},
	{"slack-app-token", []string{"xapp"}, `(?i)xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+`, 2},
	{"slack-webhook-url", []string{"hooks.slack.com"}, `(?:https?://)?hooks.slack.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}`, 0},
	{"aws-access-token", []string{"a3t", "akia", "asia", "abia", "acca"}, `\b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b`, 3},
	{"gcp-api-key", []string{"aiza"}, `\b(AIza[\w-]{35})(?:[\x60'"\s;]|\\[nr]|$)`, 4},
	{"stripe-access-token", []string{"sk_test", "sk_live", "sk_prod", "rk_test", "rk_live", "rk_prod"}, `\b((?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99})(?:[\x60'"\s;]|\\[nr]|$)`, 2},
	{"npm-access-token", []string{"npm_"}, `(?i)\b(npm_[a-z0-9]{36})(?:[\x60'"\s;]|\\[nr]|$)`, 2},
	{"pypi-upload-token", []string{"pypi-ageichlwas5vcmc"}, `pypi-AgEIcHlwaS5vcmc[\w-]{50,1000}`, 3},
	{"openai-api-key", []string{"t3blbkfj"}, `\b(sk-(?:proj|svcacct|admin)-(?:[A-Za-z0-9_-]{74}|[A-Za-z0-9_-]{58})T3BlbkFJ(?:[A-Za-z0-9_-]{74}|[A-Za-z0-9_-]{58})\b|sk-[a-zA-Z0-9]{20}T3BlbkFJ[a-zA-Z0-9]{20})(?:[\x60'"\s;]|\\[nr]|$)`, 3},
	{"anthropic-api-key", []string{"sk-ant-api03"}, `\b(sk-ant-api03-[a-zA-Z0-9_\-]{93}AA)(?:[\x60'"\s;]|\\[nr]|$)`, 0},
	{"sendgrid-api-token", []string{"sg."}, `\b(SG\.(?i)[a-z0-9=_\-\.]{66})(?:[\x60'"\s;]|\\[nr]|$)`, 2},
	{"hashicorp-tf-api-token", []string{"atlasv1"}, `(?i)[a-z0-9]{14}\.(?-i:atlasv1)\.[a-z0-9\-_=]{60,70}`, 3.5},
	{"vault-batch-token", []string{"hvb."}, `\b(hvb\.[\w-]{138,300})(?:[\x60'"\s;]|\\[nr]|$)`, 4},
	{"digitalocean-pat", []string{"dop_v1_"}, `\b(dop_v1_[a-f0-9]{64})(?:[\x60'"\s;]|\\[nr]|$)`, 3},
	{"grafana-api-key", []string{"eyjrijoi"}, `(?i)\b(eyJrIjoi[A-Za-z0-9]{70,400}={0,3})(?:[\x60'"\s;]|\\[nr]|$)`, 3},
	{"grafana-cloud-api-token", []string{"glc_"}, `(?i)\b(glc_[A-Za-z0-9+/]{32,400}={0,3})(?:[\x60'"\s;]|\\[nr]|$)`, 3},
	{"grafana-service-account-token", []string{"glsa_"}, `(?i)\b(glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})(?:[\x60'"\s;]|\\[nr]|$)`, 3},
	{"huggingface-access-token", []string{"hf_"}, `\b(hf_(?i:[a-z]{34}))(?:[\x60'"\s;]|\\[nr]|$)`, 2},
	{"age-secret-key", []string{"age-secret-key-1"}, `AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}`, 0},
	{"doppler-api-token", []string{"dp.pt."}, `dp\.pt\.(?i)[a-z0-9]{43}`, 2},
	{"jwt", []string{"ey"}, `\b(ey[a-zA-Z0-9]{17,}\.ey[a-zA-Z0-9\/\\_-]{17,}\.(?:[a-zA-Z0-9\/\\_-]{10,}={0,2})?)(?:[\x60'"\s;]|\\[nr]|$)`, 3},
	{"shopify-access-token", []string{"shpat_"}, `shpat_[a-fA-F0-9]{32}`, 2},
	{"new-relic-user-api-key", []string{"nrak"}, `(?i)[\w.-]{0,50}?(?:new-relic|newrelic|new_relic)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}(NRAK-[a-z0-9]{27})(?:[\x60'"\s;]|\\[nr]|$)`, 0},
	{"pulumi-api-token", []string{"pul-"}, `\b(pul-[a-f0-9]{40})(?:[\x60'"\s;]|\\[nr]|$)`, 2},
	{"linear-api-key", []string{"lin_api_"}, `lin_api_(?i)[a-z0-9]{40}`, 2},
	{"postman-api-token", []string{"pmak-"}, `\b(PMAK-(?i)[a-f0-9]{24}\-[a-f0-9]{34})(?:[\x60'"\s;]|\\[nr]|$)`, 3},
	{"databricks-api-token", []string{"dapi"}, `\b(dapi[a-f0-9]{32}(?:-\d)?)(?:[\x60'"\s;]|\\[nr]|$)`, 3},
	{"1password-service-account-token", []string{"ops_"}, `ops_eyJ[a-zA-Z0-9+/]{250,}={0,3}`, 4},
}
