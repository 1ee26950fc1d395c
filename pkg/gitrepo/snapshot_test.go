package gitrepo

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
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
	b, ok, err := s.ReadFile("capi/clusters/a/values.yaml")
	if err != nil || !ok || string(b) != "name: a\n" {
		t.Fatalf("ReadFile = %q %v %v (must be the committed content)", b, ok, err)
	}
	if _, ok, err := s.ReadFile("capi/clusters/c/values.yaml"); ok || err != nil {
		t.Fatalf("missing file: ok=%v err=%v", ok, err)
	}
	dirs, err := s.Dirs("capi/clusters")
	if err != nil || len(dirs) != 2 || dirs[0] != "a" || dirs[1] != "b" {
		t.Fatalf("Dirs = %v %v", dirs, err)
	}
	if d, err := s.Dirs("nowhere"); err != nil || d != nil {
		t.Fatalf("Dirs of a missing folder = %v %v", d, err)
	}
	if _, err := r.Snapshot("no-such-branch"); !errors.Is(err, ErrNoRef) {
		t.Fatalf("unknown revision: %v", err)
	}
}
