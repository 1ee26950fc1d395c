// Package bins builds the real engines the e2e test runs (etcd, kube-apiserver,
// kube-controller-manager, the Flux controllers and the Gitea forge) from the
// wrapper modules in hack/e2e/build, and finds the CRDs the test installs. Built binaries are
// cached under a directory outside the clone, keyed by everything that decides
// their content, so a warm run builds nothing.
package bins

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Kubernetes version the kube wrapper builds; stamped into the binaries.
const (
	KubeVersion = "v1.35.4"
	kubeMajor   = "1"
	kubeMinor   = "35"
)

// Modules whose CRDs the test installs (no Go code of theirs is built): the current provider set,
// CAPI v1.14 (its core CRDs store v1beta2) and CAPZ v1.27, the versions fleetctl's embedded schemas
// and chart target by default.
const (
	ClusterAPIModule = "sigs.k8s.io/cluster-api@v1.14.2"
	CAPZModule       = "sigs.k8s.io/cluster-api-provider-azure@v1.27.0"
)

// crdDirs are the CRD folders of the CAPI/CAPZ modules: CAPI v1.11 moved its core CRDs to
// core/config/crd/bases.
var crdDirs = map[string]string{
	ClusterAPIModule: "core/config/crd/bases",
	CAPZModule:       "config/crd/bases",
}

// GiteaVersion is the Gitea release the gitea wrapper builds; stamped into the binary.
const GiteaVersion = "1.26.0"

// component is one wrapper module under hack/e2e/build and the binaries it yields.
type component struct {
	dir     string            // folder under hack/e2e/build
	bins    map[string]string // binary name -> main package
	ldflags string
	crdMods []string // modules (in the wrapper's build list) whose config/crd/bases hold CRDs
	cgo     bool     // build with CGO_ENABLED=1 whatever the environment says
	tags    string   // -tags
	// assets are folders of a module in the wrapper's build list, copied
	// into the cache entry next to the binaries (Gitea reads options/ and
	// templates/ from disk at run time).
	assets *assets
}

type assets struct {
	mod  string   // module path
	dirs []string // folders of the module, copied as they are
}

func components() []component {
	var ld []string
	for _, pkg := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		ld = append(ld,
			"-X "+pkg+".gitVersion="+KubeVersion,
			"-X "+pkg+".gitMajor="+kubeMajor,
			"-X "+pkg+".gitMinor="+kubeMinor,
			"-X "+pkg+".gitTreeState=clean")
	}
	return []component{
		{dir: "etcd", bins: map[string]string{"etcd": "go.etcd.io/etcd/server/v3"}},
		{dir: "kube", ldflags: strings.Join(ld, " "), bins: map[string]string{
			"kube-apiserver":          "k8s.io/kubernetes/cmd/kube-apiserver",
			"kube-controller-manager": "k8s.io/kubernetes/cmd/kube-controller-manager",
		}},
		{dir: "source-controller", bins: map[string]string{"source-controller": "github.com/fluxcd/source-controller"},
			crdMods: []string{"github.com/fluxcd/source-controller"}},
		{dir: "kustomize-controller", bins: map[string]string{"kustomize-controller": "github.com/fluxcd/kustomize-controller"},
			crdMods: []string{"github.com/fluxcd/kustomize-controller"}},
		{dir: "helm-controller", bins: map[string]string{"helm-controller": "github.com/fluxcd/helm-controller"},
			crdMods: []string{"github.com/fluxcd/helm-controller"}},
		{dir: "source-watcher", bins: map[string]string{"source-watcher": "github.com/fluxcd/source-watcher/v2/cmd"},
			crdMods: []string{"github.com/fluxcd/source-watcher/v2"}},
		// Gitea's sqlite driver is mattn/go-sqlite3, which needs cgo.
		{dir: "gitea", bins: map[string]string{"gitea": "code.gitea.io/gitea"},
			cgo: true, tags: giteaTags,
			ldflags: "-X main.Version=" + GiteaVersion + " -X 'main.Tags=" + giteaTags + "'",
			assets:  &assets{mod: "code.gitea.io/gitea", dirs: []string{"options", "templates"}}},
	}
}

// DefaultCache is $E2E_CACHE, else fleetctl-e2e in the user's cache folder
// (outside any clone, so every clone on the machine shares it).
func DefaultCache() string {
	if c := os.Getenv("E2E_CACHE"); c != "" {
		return c
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "fleetctl-e2e")
}

const giteaTags = "sqlite sqlite_unlock_notify"

// Set is what Ensure yields: the path of every binary by name, the CRD
// folders to install, Flux first, and the cache folders that hold copied
// module assets.
type Set struct {
	Bin     map[string]string `json:"bin"`
	FluxCRD []string          `json:"fluxCRDDirs"`
	CAPICRD []string          `json:"capiCRDDirs"` // CAPI core, then CAPZ
	// Assets maps a wrapper (e.g. "gitea") to the cache folder holding the
	// folders copied from its module (Gitea's STATIC_ROOT_PATH: options/,
	// templates/).
	Assets map[string]string `json:"assets"`
}

// Options of Ensure.
type Options struct {
	BuildDir string    // hack/e2e/build
	CacheDir string    // where built binaries are kept, e.g. ~/.cache/fleetctl-e2e
	Log      io.Writer // progress lines
}

// Ensure builds every binary that is not cached yet and locates the CRDs.
func Ensure(o Options) (*Set, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	// The toolchain and target the binaries are built with.
	toolchain, err := goEnv("GOVERSION", "GOOS", "GOARCH", "CGO_ENABLED")
	if err != nil {
		return nil, err
	}
	set := &Set{Bin: map[string]string{}, Assets: map[string]string{}}
	for _, c := range components() {
		start := time.Now()
		dir := filepath.Join(o.BuildDir, c.dir)
		tc := toolchain
		if c.cgo {
			if tc, err = cgoToolchain(toolchain); err != nil {
				return nil, err
			}
		}
		key, err := cacheKey(dir, c, tc)
		if err != nil {
			return nil, err
		}
		out := filepath.Join(o.CacheDir, "bin", c.dir+"-"+key)
		done := filepath.Join(out, ".complete")
		cached := fileExists(done)
		if !cached {
			fmt.Fprintf(o.Log, "build %-22s (wrapper %s, cache %s) ...\n", c.dir, dir, out)
			if err := build(dir, out, c); err != nil {
				return nil, err
			}
			if err := os.WriteFile(done, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644); err != nil {
				return nil, err
			}
		}
		for name := range c.bins {
			set.Bin[name] = filepath.Join(out, name)
		}
		if c.assets != nil {
			set.Assets[c.dir] = out
		}
		for _, mod := range c.crdMods {
			mdir, err := goListModuleDir(dir, mod)
			if err != nil {
				return nil, err
			}
			set.FluxCRD = append(set.FluxCRD, filepath.Join(mdir, "config", "crd", "bases"))
		}
		verb := "built "
		if cached {
			verb = "cached"
		}
		fmt.Fprintf(o.Log, "%s %-22s %6.1fs  %s\n", verb, c.dir, time.Since(start).Seconds(), out)
	}
	for _, mod := range []string{ClusterAPIModule, CAPZModule} {
		mdir, err := downloadModule(mod)
		if err != nil {
			return nil, err
		}
		set.CAPICRD = append(set.CAPICRD, filepath.Join(mdir, filepath.FromSlash(crdDirs[mod])))
	}
	for _, d := range append(append([]string{}, set.FluxCRD...), set.CAPICRD...) {
		if !fileExists(d) {
			return nil, fmt.Errorf("CRD folder %s does not exist", d)
		}
	}
	return set, nil
}

// cgoToolchain turns the toolchain lines of goEnv (GOVERSION GOOS GOARCH
// CGO_ENABLED) into those of a component always built with cgo: CGO_ENABLED
// of the environment does not matter, the C compiler does.
func cgoToolchain(toolchain string) (string, error) {
	lines := strings.Split(toolchain, "\n")
	cc, err := goEnv("CC")
	if err != nil {
		return "", err
	}
	ver, err := exec.Command(cc, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("the C compiler %s (needed for cgo): %w", cc, err)
	}
	first, _, _ := strings.Cut(string(ver), "\n")
	return strings.Join(append(lines[:len(lines)-1], "cgo 1", "cc "+cc+" "+strings.TrimSpace(first)), "\n"), nil
}

// cacheKey hashes what decides the binaries: the wrapper's go.mod and go.sum,
// the packages, ldflags, Go version, target platform and cgo setting (and
// for cgo components the C compiler), build tags and copied assets.
func cacheKey(dir string, c component, toolchain string) (string, error) {
	h := sha256.New()
	for _, f := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return "", fmt.Errorf("wrapper module %s: %w", dir, err)
		}
		fmt.Fprintf(h, "%s %d\n", f, len(b))
		h.Write(b)
	}
	fmt.Fprintf(h, "ldflags %q\ntoolchain %s\n", c.ldflags, toolchain)
	for _, name := range sortedKeys(c.bins) {
		fmt.Fprintf(h, "bin %s %s\n", name, c.bins[name])
	}
	// Only components that use them hash these, so the others keep their keys.
	if c.tags != "" {
		fmt.Fprintf(h, "tags %q\n", c.tags)
	}
	if c.assets != nil {
		fmt.Fprintf(h, "assets %s %q\n", c.assets.mod, c.assets.dirs)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func build(dir, out string, c component) error {
	tmp := out + ".tmp"
	_ = os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	for _, name := range sortedKeys(c.bins) {
		args := []string{"build", "-mod=readonly", "-o", filepath.Join(tmp, name)}
		if c.tags != "" {
			args = append(args, "-tags", c.tags)
		}
		if c.ldflags != "" {
			args = append(args, "-ldflags", c.ldflags)
		}
		args = append(args, c.bins[name])
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		if c.cgo {
			cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
		}
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building %s in %s (go %s): %w\n%s", name, dir, strings.Join(args, " "), err, buf.String())
		}
	}
	if c.assets != nil {
		mdir, err := goListModuleDir(dir, c.assets.mod)
		if err != nil {
			return err
		}
		for _, d := range c.assets.dirs {
			if err := copyTree(filepath.Join(mdir, d), filepath.Join(tmp, d)); err != nil {
				return fmt.Errorf("copying %s of %s: %w", d, c.assets.mod, err)
			}
		}
	}
	_ = os.RemoveAll(out)
	return os.Rename(tmp, out)
}

// goEnv returns the values of go env names, one per line.
func goEnv(names ...string) (string, error) {
	out, err := exec.Command("go", append([]string{"env"}, names...)...).Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %w", strings.Join(names, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

func goListModuleDir(dir, mod string) (string, error) {
	cmd := exec.Command("go", "list", "-mod=readonly", "-m", "-f", "{{.Dir}}", mod)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		// The module may not be extracted yet (go list -m does not download).
		cmd = exec.Command("go", "mod", "download", "-json", mod)
		cmd.Dir = dir
		out, err = cmd.Output()
		if err != nil {
			return "", fmt.Errorf("locating module %s from %s: %w", mod, dir, err)
		}
		var m struct{ Dir, Error string }
		if err := json.Unmarshal(out, &m); err != nil {
			return "", err
		}
		if m.Dir == "" {
			return "", fmt.Errorf("locating module %s from %s: %s", mod, dir, m.Error)
		}
		return m.Dir, nil
	}
	return strings.TrimSpace(string(out)), nil
}

func downloadModule(modVersion string) (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", modVersion)
	cmd.Dir = os.TempDir() // outside any module
	out, err := cmd.Output()
	var m struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &m); jerr != nil && err == nil {
		err = jerr
	}
	if m.Dir == "" {
		return "", errors.Join(fmt.Errorf("go mod download %s: %s", modVersion, m.Error), err)
	}
	return m.Dir, nil
}

// copyTree copies the regular files and folders under src to dst, writable
// (the module cache's files are read-only, the cache entry must be deletable).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case !d.Type().IsRegular():
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
