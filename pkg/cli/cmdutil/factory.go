package cmdutil

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"sigs.k8s.io/yaml"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
)

// BuildInfo is stamped at link time (see .goreleaser.yaml and the Makefile).
type BuildInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
}

// Factory carries the dependencies commands share. The root command fills the global flag fields.
type Factory struct {
	IO     *IOStreams
	Getenv func(string) string
	Now    func() time.Time
	Build  BuildInfo

	// Global flags.
	RepoFlag   string
	ConfigFlag string
	Verbose    bool
	NoColor    bool
}

// New returns a Factory for the real process.
func New(build BuildInfo) *Factory {
	return &Factory{IO: System(), Getenv: os.Getenv, Now: time.Now, Build: build}
}

// RepoRoot returns the fleet repo's top folder: --repo when given, else the git top level of the
// current directory.
func (f *Factory) RepoRoot() (string, error) {
	if f.RepoFlag != "" {
		abs, err := filepath.Abs(f.RepoFlag)
		if err != nil {
			return "", err
		}
		if st, err := os.Stat(abs); err != nil || !st.IsDir() {
			return "", fmt.Errorf("--repo %q: not a folder", f.RepoFlag)
		}
		return abs, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	r, err := gitrepo.Open(wd)
	if errors.Is(err, gitrepo.ErrNotRepo) {
		return "", fmt.Errorf("not inside a git repository: run fleetctl in a fleet repo checkout, pass --repo, or create one with fleetctl init")
	}
	if err != nil {
		return "", err
	}
	return r.Root(), nil
}

// ConfigPath returns the config file to read: --config, else .fleetctl.yaml at the repo root.
func (f *Factory) ConfigPath(root string) string {
	if f.ConfigFlag != "" {
		return f.ConfigFlag
	}
	return filepath.Join(root, config.FileName)
}

// EnvPrefix is the prefix of environment variables that override config keys: the key path in upper
// case with dots as underscores, e.g. FLEETCTL_DEFAULTS_LOCATION, FLEETCTL_GIT_BRANCHPREFIX.
const EnvPrefix = "FLEETCTL"

// LoadConfig layers, lowest first: built-in defaults, the config file (strictly decoded; required
// unless optional), FLEETCTL_* environment variables, then the flags in bind (config key -> flag name)
// that were set on the command line.
func (f *Factory) LoadConfig(root string, flags *pflag.FlagSet, bind map[string]string, optional bool) (config.Config, error) {
	v := viper.New()
	defaults, err := config.ToMap(config.Default())
	if err != nil {
		return config.Config{}, err
	}
	for key, val := range flatten("", defaults) {
		v.SetDefault(key, val)
	}
	file := f.ConfigPath(root)
	data, err := os.ReadFile(file)
	switch {
	case err == nil:
		if _, err := config.Decode(file, data); err != nil { // strict check of the file as written
			return config.Config{}, err
		}
		// Merge only the keys the file sets, so the ones it leaves out keep their defaults.
		var m map[string]any
		if err := yaml.Unmarshal(data, &m); err != nil {
			return config.Config{}, fmt.Errorf("%s: %w", file, err)
		}
		if err := v.MergeConfigMap(m); err != nil {
			return config.Config{}, err
		}
	case errors.Is(err, os.ErrNotExist) && (optional && f.ConfigFlag == ""):
	case errors.Is(err, os.ErrNotExist):
		return config.Config{}, fmt.Errorf("%s not found: this is not a fleet repo yet; run fleetctl init", file)
	default:
		return config.Config{}, err
	}
	// Environment: only for scalar keys (lists such as defaults.nodePools come from the file).
	for key := range flatten("", defaults) {
		env := EnvPrefix + "_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
		if val := f.Getenv(env); val != "" {
			v.Set(key, val)
		}
	}
	for key, name := range bind {
		if fl := flags.Lookup(name); fl != nil && fl.Changed { // flags is only read when bind names flags
			v.Set(key, fl.Value.String())
		}
	}
	// viper lower-cases keys; the JSON decoding in FromMap matches field names case-insensitively.
	c, err := config.FromMap(v.AllSettings())
	if err != nil {
		return c, err
	}
	return c, c.Validate()
}

// flatten turns nested maps into dotted keys; lists stay values.
func flatten(prefix string, m map[string]any) map[string]any {
	out := map[string]any{}
	for k, val := range m {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if sub, ok := val.(map[string]any); ok {
			for k2, v2 := range flatten(key, sub) {
				out[k2] = v2
			}
			continue
		}
		out[key] = val
	}
	return out
}
