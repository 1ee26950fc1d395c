package printer

import (
	"fmt"
	"io"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/diff"
)

// Write reports what a write did: in a dry run the unified diff of every file (on out) and a
// summary (on errOut); else the files, the base, the branch and the commit, and what to do next:
// publish, when set, is that step for a write that --push or --pr publishes.
func Write(out, errOut io.Writer, res *change.Result, p *change.Plan, publish string) {
	if res.NoOp != "" {
		fmt.Fprintf(out, "nothing to change: %s\n", res.NoOp)
		return
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(errOut, "warning: %s\n", w)
	}
	if res.DryRun {
		for _, f := range res.Files {
			var content []byte
			if f.Verb != "deleted" {
				content = f.New
			}
			fmt.Fprint(out, diff.Unified(f.Path, f.Old, content))
		}
		n := len(res.Files)
		fmt.Fprintf(errOut, "dry run: %d %s not written\n", n, plural(n, "file", "files"))
		if res.Base.Ref != "" {
			fmt.Fprintf(errOut, "a real run commits on a new branch from %s\n", res.Base)
		}
		return
	}
	for _, f := range res.Files {
		fmt.Fprintf(out, "%-8s %s\n", f.Verb, f.Path)
	}
	if res.Commit == "" {
		fmt.Fprintf(out, "not committed (--no-commit); review with git diff, then commit\n")
		return
	}
	fmt.Fprintf(out, "base     %s\n", res.Base)
	if n := len(res.Switched); n > 0 {
		fmt.Fprintf(out, "switched from %s: %d other %s now as on %s (the new branch starts from %s; --from HEAD stacks on the current branch instead)\n",
			res.Head, n, plural(n, "file", "files"), res.Base.Ref, res.Base.Ref)
	}
	fmt.Fprintf(out, "branch   %s\ncommit   %s %s\n", res.Branch, res.Commit[:12], strings.SplitN(p.Message, "\n", 2)[0])
	if publish != "" {
		if p.Next != "" {
			fmt.Fprintf(out, "next: %s; %s\n", publish, p.Next)
		}
		return
	}
	next := "then open a pull request"
	if p.Next != "" {
		next += "; " + p.Next
	}
	fmt.Fprintf(out, "next: git push -u origin %s, %s\n", res.Branch, next)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
