package gitrepo

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"
)

func TestSnapshot(t *testing.T) {
	root := t.TempDir()
	r, err := Init(root, "main")
	if err != nil {
		t.Fatal(err)
	}
	sig := Signature{Name: "T", Email: "t@example.com", When: time.Unix(1_800_000_000, 0)}
	write := func(p, s string) {
		t.Helper()
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("capi/clusters/a/values.yaml", "name: a\n")
	write("capi/clusters/b/values.yaml", "name: b\n")
	write("capi/clusters/kustomization.yaml", "resources: [a, b]\n")
	if _, err := r.Commit("", []string{"capi"}, "base", sig, sig); err != nil {
		t.Fatal(err)
	}
	write("capi/clusters/a/values.yaml", "name: changed\n")
	if got := r.DefaultBranch(); got != "main" {
		t.Fatalf("DefaultBranch = %q", got)
	}
	s, err := r.Snapshot("main")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.ReadFile("capi/clusters/a/values.yaml")
	if err != nil || string(b) != "name: a\n" {
		t.Fatalf("ReadFile = %q %v (must be the committed content)", b, err)
	}
	if _, err := s.ReadFile("capi/clusters/c/values.yaml"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	es, err := s.ReadDir("capi/clusters")
	if err != nil || len(es) != 3 || es[0].Name() != "a" || !es[0].IsDir() || es[2].Name() != "kustomization.yaml" || es[2].IsDir() {
		t.Fatalf("ReadDir = %v %v", es, err)
	}
	if _, err := s.ReadDir("nowhere"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ReadDir of a missing folder: %v", err)
	}
	// The standard checks of an fs.FS implementation.
	if err := fstest.TestFS(s, "capi/clusters/a/values.yaml", "capi/clusters/b/values.yaml", "capi/clusters/kustomization.yaml"); err != nil {
		t.Fatal(err)
	}
	// Object ids without reading content, equal to what git computes.
	if id, ok := s.BlobID("capi/clusters/a/values.yaml"); !ok || id != "ab80a7e61108578fceeaba43fa1fa9f45c9dd486" {
		t.Errorf("BlobID = %s %v", id, ok)
	}
	if _, ok := s.TreeID("capi/clusters/a"); !ok {
		t.Errorf("TreeID of a folder: not found")
	}
	if _, ok := s.TreeID("capi/clusters/kustomization.yaml"); ok {
		t.Errorf("TreeID of a file must not be found")
	}
	if _, err := r.Snapshot("no-such-branch"); !errors.Is(err, ErrNoRef) {
		t.Fatalf("unknown revision: %v", err)
	}
}
