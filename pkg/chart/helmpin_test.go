package chart

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// The go.mod of fleetctl and the wrapper module that builds the helm-controller the e2e runs
// (hack/e2e/build/helm-controller: it lists the controller's whole build list, Helm included).
var (
	fleetctlGoMod       = filepath.Join("..", "..", "go.mod")
	helmControllerGoMod = filepath.Join("..", "..", "hack", "e2e", "build", "helm-controller", "go.mod")
)

const (
	helmModule       = "helm.sh/helm/v4"
	jsonSchemaModule = "github.com/santhosh-tekuri/jsonschema/v6"
)

// requiredVersions reads the version of each module path that a go.mod requires.
func requiredVersions(t *testing.T, file string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	mf, err := modfile.ParseLax(file, data, nil)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	out := map[string]string{}
	for _, r := range mf.Require {
		out[r.Mod.Path] = r.Mod.Version
	}
	// A replace by another module version decides the version that is built.
	for _, r := range mf.Replace {
		if _, ok := out[r.Old.Path]; ok && r.New.Version != "" {
			out[r.Old.Path] = r.New.Version
		}
	}
	return out
}

// fleetctl renders and validates charts with the Helm library that helm-controller in the e2e
// is built with: the same Helm minor, and the very same JSON Schema validator, whose patch
// releases differ in what they accept (v6.0.2 takes 1 and "1" for equal, v6.0.3 does not).
func TestHelmPinnedToHelmController(t *testing.T) {
	ours := requiredVersions(t, fleetctlGoMod)
	theirs := requiredVersions(t, helmControllerGoMod)
	if theirs["github.com/fluxcd/helm-controller"] == "" {
		t.Fatalf("%s does not require github.com/fluxcd/helm-controller; is it still the wrapper that builds it?", helmControllerGoMod)
	}
	for p, v := range ours {
		if strings.HasPrefix(p, "helm.sh/helm") && p != helmModule {
			t.Errorf("%s requires %s %s: fleetctl must use only %s, as helm-controller does", fleetctlGoMod, p, v, helmModule)
		}
	}
	ov, tv := ours[helmModule], theirs[helmModule]
	switch {
	case ov == "":
		t.Errorf("%s does not require %s", fleetctlGoMod, helmModule)
	case tv == "":
		t.Errorf("%s does not require %s (helm-controller %s)", helmControllerGoMod, helmModule, theirs["github.com/fluxcd/helm-controller"])
	case semver.MajorMinor(ov) != semver.MajorMinor(tv):
		t.Errorf("fleetctl uses %s %s, helm-controller %s in the e2e is built with %s: move go.mod to the same minor",
			helmModule, ov, theirs["github.com/fluxcd/helm-controller"], tv)
	}
	if ov, tv := ours[jsonSchemaModule], theirs[jsonSchemaModule]; ov == "" || ov != tv {
		t.Errorf("fleetctl validates values with %s %q, helm-controller with %q: require the same version", jsonSchemaModule, ov, tv)
	}
}
