// Command genschemas writes the CRD schema bundle that pkg/schema embeds.
//
// For each pinned module it asks the go tool where the module lives in the module cache
// (`go mod download -json MODULE@VERSION`, downloading it if needed), reads every
// CustomResourceDefinition in the module's CRD folder and writes one compact JSON file per module
// into the output folder (default "bundle", relative to the working directory, which is pkg/schema
// under `go generate`). The files are in the bundle format of pkg/schemabundle, which converts,
// encodes and writes them: only what validation needs is kept (group, kind, plural, scope and, per
// version, served/storage/deprecation and the OpenAPI v3 schema without descriptions), and the
// output is deterministic (CRDs sorted by group and kind, JSON objects with sorted keys).
//
// Usage: go run ./hack/genschemas [-out DIR]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/schema"
	"github.com/fleetctl/fleetctl/pkg/schemabundle"
)

// module is one pinned source of CRDs.
type module struct {
	Path, Version string
	// Dir is the folder, inside the module, that holds the CRD YAML files.
	Dir string
}

// modules are the pinned CRD sources. Keep them in step with the Flux and CAPI/CAPZ versions the
// product documents as supported.
//
// The Flux controllers are all from the Flux 2.9 line; the comment on each names the Flux release
// whose manifests (github.com/fluxcd/flux2/v2, manifests/bases/*/kustomization.yaml) install that
// controller version. Only those modules whose zip the module proxy serves can be pinned: for
// notification-controller, image-reflector-controller, image-automation-controller and
// source-watcher the Flux 2.9.5 versions (v1.9.4, v1.2.5, v1.2.5, v2.2.4) answer 403, so they are
// pinned at Flux 2.9.4's; their api modules are identical between the two (only go.mod changed).
// ExternalArtifact (source.toolkit.fluxcd.io) ships with source-controller, not source-watcher.
//
// CAPI and CAPZ are pinned twice: the current set (CAPI v1.14, whose storage version is v1beta2, and
// CAPZ v1.27, built on it) and the previous one (CAPI v1.10, storage v1beta1, and CAPZ v1.21). A
// fleet's .fleetctl.yaml providers setting picks one version of each module (pkg/schema.For); the
// previous set serves fleets that have not run `fleetctl providers upgrade` yet. CAPI v1.11 moved
// its core CRDs from config/crd/bases to core/config/crd/bases.
var modules = []module{
	{"sigs.k8s.io/cluster-api", "v1.14.2", "core/config/crd/bases"},
	{"sigs.k8s.io/cluster-api", "v1.10.10", "config/crd/bases"},
	{"sigs.k8s.io/cluster-api-provider-azure", "v1.27.0", "config/crd/bases"},
	{"sigs.k8s.io/cluster-api-provider-azure", "v1.21.0", "config/crd/bases"},
	{"github.com/fluxcd/helm-controller", "v1.6.4", "config/crd/bases"},             // Flux 2.9.5
	{"github.com/fluxcd/kustomize-controller", "v1.9.6", "config/crd/bases"},        // Flux 2.9 line after 2.9.5 (2.9.5 installs v1.9.5)
	{"github.com/fluxcd/source-controller", "v1.9.6", "config/crd/bases"},           // Flux 2.9 line after 2.9.5 (2.9.5 installs v1.9.5)
	{"github.com/fluxcd/notification-controller", "v1.9.3", "config/crd/bases"},     // Flux 2.9.4: Alert, Provider, Receiver
	{"github.com/fluxcd/image-reflector-controller", "v1.2.4", "config/crd/bases"},  // Flux 2.9.4: ImageRepository, ImagePolicy
	{"github.com/fluxcd/image-automation-controller", "v1.2.4", "config/crd/bases"}, // Flux 2.9.4: ImageUpdateAutomation
	{"github.com/fluxcd/source-watcher/v2", "v2.2.3", "config/crd/bases"},           // Flux 2.9.4: ArtifactGenerator
}

func main() {
	out := flag.String("out", "bundle", "folder to write the bundle files into")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "genschemas:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, m := range modules {
		dir, err := moduleDir(m.Path, m.Version)
		if err != nil {
			return err
		}
		b, err := bundleModule(m, filepath.Join(dir, filepath.FromSlash(m.Dir)))
		if err != nil {
			return fmt.Errorf("%s@%s: %w", m.Path, m.Version, err)
		}
		file, err := schemabundle.WriteFile(out, m.Path, m.Version, b, pinnedVersions(m.Path)...)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "genschemas: wrote %s (%d bytes)\n", file, len(b))
	}
	return nil
}

// pinnedVersions lists every version of path that modules pins: writing one keeps the others.
func pinnedVersions(path string) []string {
	var vs []string
	for _, m := range modules {
		if m.Path == path {
			vs = append(vs, m.Version)
		}
	}
	return vs
}

// moduleDir returns the module cache folder of path@version, downloading the module if needed.
// The go tool runs outside any module (in a temporary folder, with GOWORK off) so it never touches
// this repository's go.mod or go.sum.
func moduleDir(path, version string) (string, error) {
	tmp, err := os.MkdirTemp("", "genschemas")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("go", "mod", "download", "-json", path+"@"+version)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var info struct {
		Dir   string
		Error string
	}
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil && runErr == nil {
		return "", fmt.Errorf("go mod download %s@%s: %w", path, version, err)
	}
	if info.Error != "" {
		return "", fmt.Errorf("go mod download %s@%s: %s", path, version, info.Error)
	}
	if runErr != nil {
		return "", fmt.Errorf("go mod download %s@%s: %w: %s", path, version, runErr, strings.TrimSpace(stderr.String()))
	}
	if info.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s: no module folder reported", path, version)
	}
	return info.Dir, nil
}

// bundleModule reads every CRD in dir and returns the module's bundle file content.
func bundleModule(m module, dir string) ([]byte, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var crds []schemabundle.CRD
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || (ext != ".yaml" && ext != ".yml" && ext != ".json") {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		found, err := schema.ReadCRDs(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		for _, crd := range found {
			b, err := schemabundle.FromCRD(crd)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", e.Name(), err)
			}
			crds = append(crds, b)
		}
	}
	b, err := schemabundle.Encode(m.Path, m.Version, crds)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.Dir, err)
	}
	return b, nil
}
