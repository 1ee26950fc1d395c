// Command bench times `fleetctl validate` against the pipeline a user would otherwise script per
// cluster (kustomize build, helm template, kubeconform -strict) on fleets rendered by fleetctl itself,
// and prints a Markdown table with the ratio and fleetctl's peak RSS. Run it with `make bench`.
//
// Tools are built into .cache/ (gitignored): fleetctl from this checkout, the peers with go install.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fsx"
)

// Peer tool versions; each builds with the Go toolchain the main module uses.
var peers = []struct{ name, pkg string }{
	{"kustomize", "sigs.k8s.io/kustomize/kustomize/v5@v5.7.1"},
	{"helm", "helm.sh/helm/v4/cmd/helm@v4.2.4"},
	{"kubeconform", "github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0"},
}

func main() {
	sizesFlag := flag.String("sizes", "100,1000,5000", "fleet sizes, comma separated")
	workers := flag.Int("workers", 2, "parallel peer pipelines (fleetctl uses GOMAXPROCS = all cores)")
	budget := flag.Duration("peer-budget", 10*time.Minute, "above this projected peer time, time a sample and extrapolate")
	sample := flag.Int("sample", 500, "clusters timed when the peer pipeline is extrapolated")
	keep := flag.Bool("keep", false, "keep the generated fleets (their folders are logged)")
	flag.Parse()

	root, err := filepath.Abs("../..")
	check(err)
	cache, err := filepath.Abs(".cache")
	check(err)
	bin := filepath.Join(cache, "bin")
	check(os.MkdirAll(bin, 0o755))

	fleetctl := filepath.Join(cache, "fleetctl")
	logf("building fleetctl")
	run(root, nil, "go", "build", "-o", fleetctl, "./cmd/fleetctl")
	tools := map[string]string{}
	for _, p := range peers {
		path := filepath.Join(bin, p.name)
		if _, err := os.Stat(path); err != nil {
			logf("installing %s", p.pkg)
			cmd := exec.Command("go", "install", p.pkg)
			cmd.Env = append(os.Environ(), "GOBIN="+bin)
			if out, err := cmd.CombinedOutput(); err != nil {
				logf("cannot build %s, its stage is skipped: %v\n%s", p.pkg, err, tail(out, 2000))
				continue
			}
		}
		tools[p.name] = path
	}
	schemaDir := filepath.Join(cache, "schemas")
	n, err := writeSchemas(filepath.Join(root, "pkg/schema/bundle"), schemaDir)
	check(err)
	logf("wrote %d kubeconform schemas to %s", n, schemaDir)

	var rows []string
	for _, s := range strings.Split(*sizesFlag, ",") {
		size, err := strconv.Atoi(strings.TrimSpace(s))
		check(err)
		dir, err := os.MkdirTemp("", fmt.Sprintf("fleet-%d-", size))
		check(err)
		f, names := generate(dir, size)
		logf("%d clusters: generated in %s", size, dir)

		start := time.Now()
		cmd := exec.Command(fleetctl, "validate", "--no-base", dir)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err = cmd.Run()
		fleetTime := time.Since(start)
		if err != nil {
			fmt.Fprintf(os.Stderr, "fleetctl validate failed on the generated fleet (%v):\n%s", err, out.String())
			os.Exit(1)
		}
		rss := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024 // KiB on Linux
		logf("%d clusters: fleetctl validate %.2fs, peak RSS %.0f MiB", size, fleetTime.Seconds(), rss)

		peerTime, note := peerRun(f, dir, names, tools, schemaDir, *workers, *budget, *sample)
		logf("%d clusters: peer pipeline %.2fs%s", size, peerTime.Seconds(), note)
		rows = append(rows, fmt.Sprintf("| %d | %.2f | %.2f%s | %.1f× | %.0f |", size, fleetTime.Seconds(),
			peerTime.Seconds(), note, peerTime.Seconds()/fleetTime.Seconds(), rss))
		if !*keep {
			os.RemoveAll(dir)
		}
	}

	stages := []string{}
	for _, p := range peers {
		if _, ok := tools[p.name]; ok {
			stages = append(stages, p.pkg)
		} else {
			stages = append(stages, p.pkg+" (NOT BUILT: stage skipped)")
		}
	}
	fmt.Printf("\nPeer pipeline per cluster, %d workers: %s\n", *workers, strings.Join(stages, ", "))
	fmt.Printf("kubeconform -strict with schemas converted from fleetctl's embedded CRDs; -skip ConfigMap,Namespace (core kinds have no schema in the bundle).\n\n")
	fmt.Println("| fleet size | fleetctl validate (s) | peer pipeline (s) | ratio | fleetctl peak RSS (MiB) |")
	fmt.Println("|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		fmt.Println(r)
	}
}

// generate writes a fleet of n clusters with fleetctl's own rendering, each with a unique service CIDR.
func generate(dir string, n int) (*fleet.Fleet, []string) {
	f, err := fleet.New(dir, config.Default())
	check(err)
	files, names, err := f.SyntheticFiles(n)
	check(err)
	changes := make([]fsx.Change, len(files))
	for i, file := range files {
		changes[i] = fsx.Change{Path: file.Path, Content: file.Content}
	}
	_, err = fsx.Apply(dir, changes)
	check(err)
	return f, names
}

// peerRun runs the per-cluster pipeline over all clusters with the given number of workers. When a
// first sample projects past the budget, only the sample is timed and the total is extrapolated.
func peerRun(f *fleet.Fleet, dir string, names []string, tools map[string]string, schemaDir string,
	workers int, budget time.Duration, sample int) (time.Duration, string) {
	todo := names
	if len(names) > sample {
		// Probe with a small sample to decide whether the full run fits the budget.
		probe := min(50, len(names))
		d := peerPool(f, dir, names[:probe], tools, schemaDir, workers)
		if projected := d * time.Duration(len(names)) / time.Duration(probe); projected > budget {
			logf("peer pipeline projected at %s for %d clusters; timing a sample of %d", projected.Round(time.Second), len(names), sample)
			todo = names[:sample]
		}
	}
	d := peerPool(f, dir, todo, tools, schemaDir, workers)
	if len(todo) < len(names) {
		total := d * time.Duration(len(names)) / time.Duration(len(todo))
		return total, fmt.Sprintf(" (extrapolated from %d clusters: %.2fs)", len(todo), d.Seconds())
	}
	return d, ""
}

func peerPool(f *fleet.Fleet, dir string, names []string, tools map[string]string, schemaDir string, workers int) time.Duration {
	jobs := make(chan string)
	var mu sync.Mutex
	var failures []string
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range jobs {
				if err := pipeline(f, dir, name, tools, schemaDir); err != nil {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("%s: %v", name, err))
					mu.Unlock()
				}
			}
		}()
	}
	for _, n := range names {
		jobs <- n
	}
	close(jobs)
	wg.Wait()
	d := time.Since(start)
	if len(failures) > 0 {
		// A fleet fleetctl accepts should pass the peers too; stop rather than time a broken comparison.
		fmt.Fprintf(os.Stderr, "peer pipeline failed on %d of %d clusters; first: %s\n", len(failures), len(names), failures[0])
		os.Exit(1)
	}
	return d
}

// pipeline is what a user's script does for one cluster:
//
//	{ kustomize build $c; echo ---; helm template $c $chart -f $c/values.yaml; } | kubeconform -strict ...
func pipeline(f *fleet.Fleet, dir, name string, tools map[string]string, schemaDir string) error {
	clusterDir := filepath.Join(dir, filepath.FromSlash(f.ClusterDir(name)))
	var manifests bytes.Buffer
	if k, ok := tools["kustomize"]; ok {
		out, err := exec.Command(k, "build", clusterDir).CombinedOutput()
		if err != nil {
			return fmt.Errorf("kustomize build: %v: %s", err, tail(out, 500))
		}
		manifests.Write(out)
		manifests.WriteString("\n---\n")
	}
	if h, ok := tools["helm"]; ok {
		chart := filepath.Join(dir, filepath.FromSlash(f.ChartDir()))
		out, err := exec.Command(h, "template", name, chart, "-f", filepath.Join(clusterDir, fleet.ValuesFile)).CombinedOutput()
		if err != nil {
			return fmt.Errorf("helm template: %v: %s", err, tail(out, 500))
		}
		manifests.Write(out)
	}
	if kc, ok := tools["kubeconform"]; ok {
		cmd := exec.Command(kc, "-strict", "-summary", "-skip", "ConfigMap,Namespace",
			"-schema-location", filepath.Join(schemaDir, "{{ .ResourceKind }}-{{ .Group }}-{{ .ResourceAPIVersion }}.json"), "-")
		cmd.Stdin = &manifests
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("kubeconform: %v: %s", err, tail(out, 800))
		}
	}
	return nil
}

// writeSchemas converts every CRD version in the embedded bundle files of the current providers
// (the newest file of each module, which is what fleetctl validates a default fleet against) into a
// standalone JSON schema named as the -schema-location template above expects, made strict (no
// undeclared fields) the way kubeconform's own CRD converter does for its strict variants.
func writeSchemas(bundleDir, out string) (int, error) {
	check(os.MkdirAll(out, 0o755))
	all, err := filepath.Glob(filepath.Join(bundleDir, "*.json"))
	if err != nil {
		return 0, err
	}
	newest := map[string]string{} // module prefix -> file
	for _, p := range all {
		module, version, _ := strings.Cut(strings.TrimSuffix(filepath.Base(p), ".json"), "@")
		if old, ok := newest[module]; !ok || newerVersion(version, strings.TrimSuffix(filepath.Base(old)[len(module)+1:], ".json")) {
			newest[module] = p
		}
	}
	var paths []string
	for _, p := range newest {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	n := 0
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return n, err
		}
		var bundle struct {
			CRDs []struct {
				Spec struct {
					Group string `json:"group"`
					Names struct {
						Kind string `json:"kind"`
					} `json:"names"`
					Versions []struct {
						Name   string `json:"name"`
						Schema struct {
							OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
						} `json:"schema"`
					} `json:"versions"`
				} `json:"spec"`
			} `json:"crds"`
		}
		if err := json.Unmarshal(b, &bundle); err != nil {
			return n, fmt.Errorf("%s: %w", p, err)
		}
		for _, crd := range bundle.CRDs {
			for _, v := range crd.Spec.Versions {
				if v.Schema.OpenAPIV3Schema == nil {
					continue
				}
				s := strict(v.Schema.OpenAPIV3Schema)
				s["$schema"] = "http://json-schema.org/draft-07/schema#"
				data, err := json.Marshal(s)
				if err != nil {
					return n, err
				}
				name := fmt.Sprintf("%s-%s-%s.json", strings.ToLower(crd.Spec.Names.Kind), crd.Spec.Group, v.Name)
				if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
					return n, err
				}
				n++
			}
		}
	}
	return n, nil
}

// strict turns OpenAPI v3 structural-schema extensions into plain JSON schema: int-or-string becomes
// a union, nullable adds null, and objects with declared properties reject undeclared ones unless
// they preserve unknown fields.
func strict(v any) map[string]any {
	var walk func(any) any
	walk = func(v any) any {
		switch t := v.(type) {
		case map[string]any:
			for k, c := range t {
				t[k] = walk(c)
			}
			if t["x-kubernetes-int-or-string"] == true {
				delete(t, "type")
				t["anyOf"] = []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}
			}
			if t["nullable"] == true {
				if ty, ok := t["type"].(string); ok {
					t["type"] = []any{ty, "null"}
				}
			}
			if _, ok := t["properties"].(map[string]any); ok && t["x-kubernetes-preserve-unknown-fields"] != true {
				if _, set := t["additionalProperties"]; !set {
					t["additionalProperties"] = false
				}
			}
			return t
		case []any:
			for i := range t {
				t[i] = walk(t[i])
			}
		}
		return v
	}
	return walk(v).(map[string]any)
}

func run(dir string, env []string, name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		os.Exit(1)
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.TrimSpace(string(b))
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// newerVersion reports whether vA.B.C a is newer than b, comparing the numbers.
func newerVersion(a, b string) bool {
	pa, pb := strings.Split(strings.TrimPrefix(a, "v"), "."), strings.Split(strings.TrimPrefix(b, "v"), ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, _ := strconv.Atoi(pa[i])
		nb, _ := strconv.Atoi(pb[i])
		if na != nb {
			return na > nb
		}
	}
	return len(pa) > len(pb)
}
