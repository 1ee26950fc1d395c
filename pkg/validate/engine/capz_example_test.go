package engine

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/render"
	"github.com/fleetctl/fleetctl/pkg/validate"
)

// capzExample returns CAPZ v1.27's own AKS example (templates/cluster-template-aks-aso.yaml) with
// its variables filled in. It is read from the module (downloaded through the Go module proxy), so
// the test checks fleetctl against what CAPZ ships, not against a copy of ours.
func capzExample(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", "sigs.k8s.io/cluster-api-provider-azure@v1.27.0").Output()
	if err != nil {
		t.Skipf("CAPZ module not available: %v", err)
	}
	var m struct{ Dir string }
	if err := json.Unmarshal(out, &m); err != nil || m.Dir == "" {
		t.Fatalf("go mod download: %s", out)
	}
	b, err := os.ReadFile(filepath.Join(m.Dir, "templates", "cluster-template-aks-aso.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.NewReplacer(
		"${CLUSTER_NAME}", "capz-example",
		"${ASO_CREDENTIAL_SECRET_NAME}", "aso-credentials",
		"${AZURE_LOCATION}", "eastus",
		"${KUBERNETES_VERSION}", "v1.37.2",
		"${WORKER_MACHINE_COUNT:=2}", "2",
		"${AZURE_NODE_MACHINE_TYPE}", "Standard_D4s_v5",
	).Replace(string(b))
}

// TestCAPZExampleAccepted: CAPZ's own AKS objects, as plain manifests in a cluster folder, pass every
// check (CAPZ v1.27 still writes its Cluster and MachinePools as cluster.x-k8s.io/v1beta1, which
// CAPI v1.14 serves as deprecated: the API server accepts them with a warning, and so does validate);
// the same objects with a broken field are rejected at that field, including fields of the
// Azure Service Operator resources embedded in spec.resources.
func TestCAPZExampleAccepted(t *testing.T) {
	example := capzExample(t)
	if strings.Contains(example, "${") {
		t.Fatalf("unfilled variable in the CAPZ example")
	}
	tests := []struct {
		name        string
		old, new    string
		rule, field string
	}{
		{name: "as shipped"},
		{"agent pool mode (ASO enum)", "      mode: User\n", "      mode: Gateway\n", "schema/enum", "spec.resources[0].spec.mode"},
		{"agent pool name (ASO pattern)", "      azureName: pool1\n", "      azureName: Pool_1\n", "schema/pattern", "spec.resources[0].spec.azureName"},
		{"managed cluster sku (ASO enum)", "      identity:\n", "      sku:\n        tier: Platinum\n      identity:\n", "schema/enum", "spec.resources[0].spec.sku.tier"},
		{"machine pool replicas (CAPI type)", "  replicas: 2\n", "  replicas: two\n", "schema/type", "spec.replicas"},
		{"unknown field (CAPZ)", "  version: v1.37.2\n", "  version: v1.37.2\n  versions: v1.37.2\n", "schema/unknown-field", "spec.versions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			manifests := example
			if tt.old != "" {
				if !strings.Contains(manifests, tt.old) {
					t.Fatalf("the CAPZ example no longer contains %q", tt.old)
				}
				manifests = strings.Replace(manifests, tt.old, tt.new, 1)
			}
			dir := t.TempDir()
			f := goodRepo(t, dir)
			writeAll(t, dir, []render.File{
				{Path: "capi/clusters/capz-example/cluster.yaml", Content: []byte(manifests)},
				{Path: "capi/clusters/capz-example/kustomization.yaml", Content: []byte("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - cluster.yaml\n")},
			})
			list, err := f.AddToClusterList("capz-example")
			if err != nil {
				t.Fatal(err)
			}
			writeAll(t, dir, []render.File{{Path: f.ClustersKustomization(), Content: list}})
			got := runEngine(t, f, false)
			if tt.rule == "" {
				deprecated := 0
				for _, fd := range got {
					if fd.Rule == validate.RuleSchemaDeprecatedVersion && fd.Severity == validate.Warning &&
						strings.HasPrefix(fd.Message, "cluster.x-k8s.io/v1beta1 ") {
						deprecated++
					}
				}
				if deprecated != len(got) || deprecated != 3 {
					t.Fatalf("CAPZ's own example: want only the 3 deprecation warnings of its v1beta1 Cluster and MachinePools, got:\n%s", dump(got))
				}
				return
			}
			for _, fd := range got {
				if fd.Rule == tt.rule && fd.Field == tt.field && fd.Severity == validate.Error &&
					fd.File == "capi/clusters/capz-example/cluster.yaml" && fd.Line > 0 {
					return
				}
			}
			t.Fatalf("want %s at %s, got:\n%s", tt.rule, tt.field, dump(got))
		})
	}
}
