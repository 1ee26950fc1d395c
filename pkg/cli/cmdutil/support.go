package cmdutil

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet/ops"
	"github.com/fleetctl/fleetctl/pkg/support"
)

// NowEnv pins the day fleetctl checks support windows for (YYYY-MM-DD, or an RFC 3339 time), so a
// run is reproducible as SOURCE_DATE_EPOCH makes a build: tests and CI set it, nothing else should.
const NowEnv = "FLEETCTL_NOW"

// Today is the time support windows are checked at: FLEETCTL_NOW when set, else the clock, in UTC.
func (f *Factory) Today() (time.Time, error) {
	if s := f.Getenv(NowEnv); s != "" {
		if d, err := time.Parse(time.DateOnly, s); err == nil {
			return d, nil
		}
		d, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("environment variable %s %q: must be YYYY-MM-DD or an RFC 3339 time", NowEnv, s)
		}
		return d.UTC(), nil
	}
	return f.Now().UTC(), nil
}

// SupportFlags is --versions-file, on the commands that check versions and VM sizes.
type SupportFlags struct {
	VersionsFile string
}

// AddSupportFlags registers --versions-file.
func AddSupportFlags(cmd *cobra.Command, s *SupportFlags) {
	cmd.Flags().StringVar(&s.VersionsFile, "versions-file", "", "support table (AKS versions, providers, VM sizes) replacing fleetctl's own (default: support.versionsFile of .fleetctl.yaml)")
}

// Support returns what versions and VM sizes are checked against: the table of --versions-file,
// else of support.versionsFile (relative to the repo root), else the embedded one; the day from
// Today; the config's extra VM sizes.
func (s SupportFlags) Support(f *Factory, root string, cfg config.Config) (ops.Support, error) {
	now, err := f.Today()
	if err != nil {
		return ops.Support{}, err
	}
	t, err := s.Table(root, cfg)
	if err != nil {
		return ops.Support{}, err
	}
	return ops.Support{Table: t, Now: now, VMSizes: cfg.Support.VMSizes}, nil
}

// Table loads the support table the flags and the config name.
func (s SupportFlags) Table(root string, cfg config.Config) (*support.Table, error) {
	file, field := s.VersionsFile, "--versions-file"
	if file == "" && cfg.Support.VersionsFile != "" {
		file, field = filepath.Join(root, filepath.FromSlash(config.RepoPath(cfg.Support.VersionsFile))), "support.versionsFile"
	}
	if file == "" {
		return support.Default(), nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	return support.Parse(file, data)
}

// Apply sets the client's Support from the flags and the fleet's config.
func (s SupportFlags) Apply(f *Factory, c *ops.Client) error {
	sup, err := s.Support(f, c.Fleet.Root, c.Fleet.Config)
	if err != nil {
		return err
	}
	c.Support = sup
	return nil
}
