package cli

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
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
