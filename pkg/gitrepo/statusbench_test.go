package gitrepo

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	git "github.com/go-git/go-git/v5"
)

// statusBenchTarget is the cluster folder BenchmarkStatusVsDirty asks about.
const statusBenchTarget = "capi/clusters/c0500-aks"

// statusBenchRepo makes a repository of 1,000 cluster folders
// (capi/clusters/cNNNN-<flavour>) of 4 small YAML files each, 4,000 files
// committed once, and opens it with go-git too.
func statusBenchRepo(b *testing.B) (*Repo, *git.Worktree) {
	b.Helper()
	r, err := Init(b.TempDir(), "main")
	if err != nil {
		b.Fatal(err)
	}
	r.getenv = hermeticEnv(map[string]string{"HOME": b.TempDir(), "GIT_CONFIG_NOSYSTEM": "1"})
	flavours := []string{"aks", "eks", "gke", "kind"}
	for i := range 1000 {
		name := fmt.Sprintf("c%04d-%s", i, flavours[i%len(flavours)])
		dir := filepath.Join(r.Root(), "capi", "clusters", name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		for file, content := range map[string]string{
			"kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - cluster.yaml\n  - values.yaml\n",
			"cluster.yaml":       fmt.Sprintf("apiVersion: cluster.x-k8s.io/v1beta1\nkind: Cluster\nmetadata:\n  name: %s\n  namespace: capi\n", name),
			"values.yaml":        fmt.Sprintf("cluster:\n  name: %s\n  flavour: %s\n  nodes: %d\n", name, flavours[i%len(flavours)], 3+i%5),
			"flux.yaml":          fmt.Sprintf("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: %s\nspec:\n  path: ./capi/clusters/%s\n", name, name),
		} {
			if err := os.WriteFile(filepath.Join(dir, file), []byte(content), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, err := r.Commit("", []string{"capi"}, "1,000 clusters", testAuthor, testCommitter); err != nil {
		b.Fatal(err)
	}
	repo, err := git.PlainOpen(r.Root())
	if err != nil {
		b.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		b.Fatal(err)
	}
	return r, wt
}

// BenchmarkStatusVsDirty compares go-git's Worktree.Status, which compares
// the whole HEAD tree with the whole index and walks (lstat) the whole
// working tree, with Repo.Dirty on the one cluster folder a command changed:
// on a clean tree, then with one file of that folder modified. Each result
// is checked, so both do the work that answers the question.
func BenchmarkStatusVsDirty(b *testing.B) {
	r, wt := statusBenchRepo(b)
	for _, state := range []string{"clean", "1-modified"} {
		want := []string{}
		if state == "1-modified" {
			file := filepath.Join(r.Root(), filepath.FromSlash(statusBenchTarget), "values.yaml")
			if err := os.WriteFile(file, []byte("cluster:\n  name: c0500-aks\n  nodes: 7\n  edited: true\n"), 0o644); err != nil {
				b.Fatal(err)
			}
			want = []string{statusBenchTarget}
		}
		b.Run(state+"/go-git-Worktree.Status", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				st, err := wt.Status()
				if err != nil {
					b.Fatal(err)
				}
				if len(st) != len(want) {
					b.Fatalf("Status = %v, want %d changed files", st, len(want))
				}
			}
		})
		b.Run(state+"/Repo.Dirty", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				got, err := r.Dirty([]string{statusBenchTarget})
				if err != nil {
					b.Fatal(err)
				}
				if !slices.Equal(got, want) && len(got)+len(want) > 0 {
					b.Fatalf("Dirty = %q, want %q", got, want)
				}
			}
		})
	}
}
