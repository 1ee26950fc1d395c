// Command asoschemas writes the schema bundle file for the Azure Service Operator (ASO) kinds that
// CAPZ's ASO-based AKS kinds embed in spec.resources.
//
// ASO publishes no CRD YAML in its Go module, only API types carrying kubebuilder markers, so this
// command generates the CRDs from those types with controller-tools (as a library: the same CRD
// generator controller-gen runs), for a few API packages only, and keeps the kinds fleetctl needs.
// The result is converted, encoded and written by the main module's pkg/schemabundle, the
// same code hack/genschemas writes the other bundle files with (group, kind, plural, scope and,
// per version, served/storage/deprecation and the OpenAPI v3 schema without descriptions, with
// sorted keys), so the bytes depend only on the pinned versions.
//
// It lives in its own Go module so that ASO and controller-tools never enter the main go.mod; it
// requires the main module (through a replace of ../..) for pkg/schemabundle only. The pinned
// versions are the ones in this folder's go.mod; run it from this folder:
//
//	cd hack/asoschemas && go run .
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"

	"golang.org/x/tools/go/packages"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/controller-tools/pkg/crd"
	"sigs.k8s.io/controller-tools/pkg/genall"
	"sigs.k8s.io/controller-tools/pkg/loader"
	"sigs.k8s.io/yaml"

	"github.com/fleetctl/fleetctl/pkg/schemabundle"
)

const (
	asoModule   = "github.com/Azure/azure-service-operator/v2"
	asoVersion  = "v2.13.0" // must match go.mod; checked when the packages load
	thisModule  = "github.com/fleetctl/fleetctl/hack/asoschemas"
	ctlToolsMod = "sigs.k8s.io/controller-tools"
)

// apiPackages are the ASO API packages to generate from, relative to the module. Each API version
// comes with its storage package: ASO marks the storage variant of the newest version of a kind
// (+kubebuilder:storageversion), so generating both gives the versions' real served/storage flags.
//
//   - resources v1api20200601: the ResourceGroup version CAPZ v1.21's templates use.
//   - containerservice v1api20240901: the ManagedCluster/ManagedClustersAgentPool version in CAPZ
//     v1.21's templates; its storage package is the hub CAPZ converts to.
//   - containerservice v1api20231001: the version CAPZ v1.21's Go code still reads (and that older
//     CAPZ docs put in spec.resources); kept so such manifests validate instead of being unknown.
var apiPackages = []string{
	"api/resources/v1api20200601",
	"api/resources/v1api20200601/storage",
	"api/containerservice/v1api20231001",
	"api/containerservice/v1api20231001/storage",
	"api/containerservice/v1api20240901",
	"api/containerservice/v1api20240901/storage",
}

// kinds are the CRDs kept in the bundle (the packages define a few more, e.g. TrustedAccessRoleBinding).
var kinds = map[string]bool{
	"resources.azure.com/ResourceGroup":                   true,
	"containerservice.azure.com/ManagedCluster":           true,
	"containerservice.azure.com/ManagedClustersAgentPool": true,
}

func main() {
	out := flag.String("out", filepath.Join("..", "..", "pkg", "schema", "bundle"), "folder to write the bundle file into")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "asoschemas:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	if err := checkVersions(); err != nil {
		return err
	}
	if err := checkWorkingDir(); err != nil {
		return err
	}
	crds, err := generate()
	if err != nil {
		return err
	}
	b, err := bundle(crds)
	if err != nil {
		return err
	}
	file, err := schemabundle.WriteFile(out, asoModule, asoVersion, b)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "asoschemas: wrote %s (%d bytes, %d CRDs)\n", file, len(b), len(crds))
	return nil
}

// checkVersions reports the controller-tools version the binary was built with.
func checkVersions() error {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return errors.New("no build information; run with `go run .`")
	}
	var ct string
	for _, d := range info.Deps {
		m := d
		if d.Replace != nil {
			m = d.Replace
		}
		if d.Path == ctlToolsMod {
			ct = m.Version
		}
	}
	fmt.Fprintf(os.Stderr, "asoschemas: %s@%s\n", ctlToolsMod, ct)
	return nil
}

// checkWorkingDir makes sure packages resolve through this module's go.mod.
func checkWorkingDir() error {
	b, err := os.ReadFile("go.mod")
	if err != nil || !bytes.Contains(b, []byte("module "+thisModule+"\n")) {
		return errors.New("run from hack/asoschemas (cd hack/asoschemas && go run .)")
	}
	return nil
}

// memOutput collects controller-tools' output files in memory.
type memOutput map[string]*bytes.Buffer

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func (m memOutput) Open(_ *loader.Package, itemPath string) (io.WriteCloser, error) {
	if _, dup := m[itemPath]; dup {
		return nil, fmt.Errorf("output %s written twice", itemPath)
	}
	buf := &bytes.Buffer{}
	m[itemPath] = buf
	return nopCloser{buf}, nil
}

// generate runs controller-tools' CRD generator over apiPackages, with the options ASO's types
// need (float fields: allowDangerousTypes), and returns the CRDs of the wanted kinds.
func generate() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	yes, zero := true, 0
	gen := genall.Generator(crd.Generator{
		AllowDangerousTypes: &yes,
		MaxDescLen:          &zero,
		CRDVersions:         []string{"v1"},
	})
	roots := make([]string, len(apiPackages))
	for i, p := range apiPackages {
		roots[i] = asoModule + "/" + p
	}
	cfg := &packages.Config{
		Mode: packages.NeedModule,
		Env:  append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly"),
	}
	rt, err := genall.Generators{&gen}.ForRootsWithConfig(cfg, roots...)
	if err != nil {
		return nil, fmt.Errorf("loading ASO packages: %w", err)
	}
	for _, r := range rt.Roots {
		if len(r.Errors) > 0 {
			return nil, fmt.Errorf("loading %s: %v", r.PkgPath, r.Errors)
		}
		if r.Module == nil || r.Module.Path != asoModule || r.Module.Version != asoVersion {
			return nil, fmt.Errorf("%s resolves to module %+v, want %s@%s: update go.mod and asoVersion together", r.PkgPath, r.Module, asoModule, asoVersion)
		}
	}
	files := memOutput{}
	rt.OutputRules = genall.OutputRules{Default: files}
	var errs bytes.Buffer
	rt.ErrorWriter = &errs
	if rt.Run() {
		return nil, fmt.Errorf("controller-tools reported errors:\n%s", errs.String())
	}

	var crds []*apiextensionsv1.CustomResourceDefinition
	for _, name := range slices.Sorted(maps.Keys(files)) {
		c := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(bytes.TrimPrefix(files[name].Bytes(), []byte("---\n")), c); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if kinds[c.Spec.Group+"/"+c.Spec.Names.Kind] {
			crds = append(crds, c)
		}
	}
	if len(crds) != len(kinds) {
		var got []string
		for _, c := range crds {
			got = append(got, c.Spec.Group+"/"+c.Spec.Names.Kind)
		}
		return nil, fmt.Errorf("generated %v, want every one of %v", got, slices.Sorted(maps.Keys(kinds)))
	}
	return crds, nil
}

// bundle trims the CRDs and encodes the bundle file.
func bundle(crds []*apiextensionsv1.CustomResourceDefinition) ([]byte, error) {
	var out []schemabundle.CRD
	for _, c := range crds {
		b, err := schemabundle.FromCRD(c)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return schemabundle.Encode(asoModule, asoVersion, out)
}
