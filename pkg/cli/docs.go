package cli

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/validate"
)

// ReferenceDocs renders one Markdown page per command (file name -> content) from the command tree,
// so docs/cli never drifts from the binary: `make docs` writes them and a test compares.
func ReferenceDocs() map[string][]byte {
	io, _, _, _ := cmdutil.Test()
	f := &cmdutil.Factory{IO: io}
	root := NewRootCmd(f)
	root.InitDefaultCompletionCmd()
	pages := map[string][]byte{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, "# %s\n\n%s\n\n", c.CommandPath(), c.Short)
		if c.Long != "" {
			fmt.Fprintf(&b, "%s\n\n", c.Long)
		}
		fmt.Fprintf(&b, "```\n%s```\n", c.UsageString())
		if c.HasAvailableSubCommands() {
			fmt.Fprintf(&b, "\n## Commands\n\n")
			for _, sub := range c.Commands() {
				if sub.IsAvailableCommand() {
					fmt.Fprintf(&b, "- [%s](%s.md): %s\n", sub.CommandPath(), fileName(sub), sub.Short)
				}
			}
		}
		pages[fileName(c)+".md"] = b.Bytes()
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return pages
}

func fileName(c *cobra.Command) string {
	return strings.ReplaceAll(c.CommandPath(), " ", "_")
}

// Markers around the generated rule table in docs/validate.md.
const (
	rulesBegin = "<!-- rules:begin (generated from pkg/validate/registry.go by make docs) -->\n"
	rulesEnd   = "<!-- rules:end -->\n"
)

// RulesTable renders the rule registry as the Markdown table of docs/validate.md.
func RulesTable() []byte {
	var b bytes.Buffer
	b.WriteString("| rule | severity | what it reports | a write can trigger it |\n| --- | --- | --- | --- |\n")
	for _, r := range validate.Rules {
		write := "no"
		if r.Write {
			write = "yes"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", r.ID, r.Severity, strings.ReplaceAll(r.Summary, "|", `\|`), write)
	}
	return b.Bytes()
}

// WithRulesTable returns doc (docs/validate.md) with the generated rule table between its markers.
func WithRulesTable(doc []byte) ([]byte, error) {
	s := string(doc)
	i, j := strings.Index(s, rulesBegin), strings.Index(s, rulesEnd)
	if i < 0 || j < i {
		return nil, fmt.Errorf("docs/validate.md: the markers %q and %q are missing", strings.TrimSpace(rulesBegin), strings.TrimSpace(rulesEnd))
	}
	return []byte(s[:i+len(rulesBegin)] + string(RulesTable()) + s[j:]), nil
}
