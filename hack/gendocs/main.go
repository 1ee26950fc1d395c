// Command gendocs writes fleetctl's command reference into the folder given as its argument, and
// the rule table of docs/validate.md (beside that folder) from the rule registry.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/fleetctl/fleetctl/pkg/cli"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gendocs DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for name, content := range cli.ReferenceDocs() {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	rulesDoc := filepath.Join(dir, "..", "validate.md")
	doc, err := os.ReadFile(rulesDoc)
	if err == nil {
		doc, err = cli.WithRulesTable(doc)
	}
	if err == nil {
		err = os.WriteFile(rulesDoc, doc, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
