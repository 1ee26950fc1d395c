package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// TestReferenceDocsUpToDate fails when docs/cli differs from the command tree; run `make docs`.
func TestReferenceDocsUpToDate(t *testing.T) {
	dir := filepath.Join("..", "..", "docs", "cli")
	pages := ReferenceDocs()
	if len(pages) < 5 {
		t.Fatalf("only %d pages rendered", len(pages))
	}
	for name, want := range pages {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v (run make docs)", name, err)
			continue
		}
		if string(got) != string(want) {
			t.Errorf("docs/cli/%s is out of date: run make docs", name)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if _, ok := pages[e.Name()]; !ok {
			t.Errorf("docs/cli/%s documents no command: remove it or run make docs", e.Name())
		}
	}
}

// TestRulesTableUpToDate fails when the rule table of docs/validate.md differs from the registry.
func TestRulesTableUpToDate(t *testing.T) {
	file := filepath.Join("..", "..", "docs", "validate.md")
	doc, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want, err := WithRulesTable(doc)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != string(doc) {
		t.Errorf("the rule table of docs/validate.md is out of date: run make docs")
	}
}
