// Package repair implements `fleetctl repair`.
package repair

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
)

// Options of `fleetctl repair`.
type Options struct {
	f *cmdutil.Factory

	repo *gitrepo.Repo
}

// NewCmd returns `fleetctl repair`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{f: f}
	cmd := &cobra.Command{
		Use:   "repair",
		Short: "Undo a write that was interrupted (killed, power loss), as its journal records it",
		Long: `Before a write changes anything, fleetctl records under .git/fleetctl/journal.json what HEAD,
the index and every file it is about to change looked like. A write stopped by Ctrl-C or SIGTERM
undoes itself; one that was killed (SIGKILL, a crash, a power loss) leaves the journal behind, and
every later command refuses to run until it is dealt with. repair restores the repo exactly as the
journal says it was before the write: the files, their index entries and HEAD, and deletes the
branch the write was creating. Without a journal it does nothing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.RunSteps(o, runF)
		},
	}
	return cmd
}

// Complete opens the repository.
func (o *Options) Complete() error {
	root, err := o.f.RepoRoot()
	if err != nil {
		return err
	}
	o.repo, err = gitrepo.Open(root)
	return err
}

// Validate has nothing to check.
func (o *Options) Validate() error { return nil }

// Run undoes the interrupted write.
func (o *Options) Run() error {
	res, err := change.Repair(o.repo)
	if err != nil {
		return err
	}
	out := o.f.IO.Out
	if res.Journal == nil {
		fmt.Fprintf(out, "nothing to repair: no interrupted write in %s\n", o.repo.Root())
		return nil
	}
	for _, p := range res.Files {
		fmt.Fprintf(out, "restored %s\n", p)
	}
	fmt.Fprintf(out, "undid the interrupted %s: HEAD is %s again", res.Journal.Describe(), res.Journal.Head)
	if res.Journal.Branch != "" && res.Journal.Branch != res.Journal.Head.Branch {
		fmt.Fprintf(out, ", branch %s deleted", res.Journal.Branch)
	}
	fmt.Fprintln(out)
	return nil
}
