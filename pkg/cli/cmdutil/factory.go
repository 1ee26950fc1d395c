package cmdutil

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"sigs.k8s.io/yaml"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
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
	// Environ lists the environment as KEY=value (nil: none), to find FLEETCTL_ variables that
	// name no setting.
	Environ func() []string
	Now     func() time.Time
	Build   BuildInfo
	// OnSignal, when set, replaces ending the process for SIGINT or SIGTERM outside a write (tests).
	OnSignal func(sig os.Signal, written bool)

	// Global flags.
	RepoFlag   string
	ConfigFlag string
	Verbose    bool
	NoColor    bool

	caches []*fleet.FileCache
}

// New returns a Factory for the real process.
func New(build BuildInfo) *Factory {
	return &Factory{IO: System(), Getenv: os.Getenv, Environ: os.Environ, Now: time.Now, Build: build}
}

// Finish saves what the command learnt for the next one (the cluster summary cache); errors are
// not the command's: the cache only saves time.
func (f *Factory) Finish() {
	for _, c := range f.caches {
		_ = c.Save()
	}
	f.caches = nil
}

// ExitOnSignal ends the process for SIGINT or SIGTERM outside a write: nothing was written (or the
// write had completed), so there is nothing to undo.
func (f *Factory) ExitOnSignal(sig os.Signal, written bool) {
	if f.OnSignal != nil {
		f.OnSignal(sig, written)
		return
	}
	e := &change.InterruptedError{Signal: sig}
	if written {
		fmt.Fprintf(f.IO.ErrOut, "%s after the change was written\n", e.Name())
	} else {
		fmt.Fprintf(f.IO.ErrOut, "%s: nothing was written\n", e.Name())
	}
	os.Exit(e.ExitCode())
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
		// A providers block written before providers.contract existed names its contract by the
		// Cluster API version (config.Providers.CAPIContract): the current default must not fill it.
		if prov, ok := m["providers"].(map[string]any); ok {
			if _, set := prov["contract"]; !set {
				v.SetDefault("providers.contract", "") // a default: FLEETCTL_PROVIDERS_CONTRACT still wins
			}
		}
	case errors.Is(err, os.ErrNotExist) && (optional && f.ConfigFlag == ""):
	case errors.Is(err, os.ErrNotExist):
		return config.Config{}, fmt.Errorf("%s not found: this is not a fleet repo yet; run fleetctl init", file)
	default:
		return config.Config{}, err
	}
	// Environment: only for scalar keys (lists such as defaults.nodePools come from the file). A
	// FLEETCTL_ variable that names no setting is an error, as an unknown key in the file is.
	known := map[string]bool{}
	for key := range flatten("", defaults) {
		env := EnvVar(key)
		known[env] = true
		if val := f.Getenv(env); val != "" {
			v.Set(key, val)
		}
	}
	if err := f.checkEnv(known); err != nil {
		return config.Config{}, err
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

// EnvVar is the environment variable of a config key: FLEETCTL_DEFAULTS_LOCATION.
func EnvVar(key string) string {
	return EnvPrefix + "_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// envNotSettings are FLEETCTL_ variables that are not config keys but are read elsewhere.
var envNotSettings = map[string]bool{change.PauseAtEnv: true, change.PauseFileEnv: true, NowEnv: true,
	// credentials of --push and --pr (never settings: a token does not belong in .fleetctl.yaml)
	"FLEETCTL_GIT_TOKEN": true, "FLEETCTL_GIT_USERNAME": true, "FLEETCTL_SSH_KEY": true, "FLEETCTL_SSH_KEY_PASSPHRASE": true}

// checkEnv reports a FLEETCTL_ variable that names no setting, with the closest one.
func (f *Factory) checkEnv(known map[string]bool) error {
	if f.Environ == nil {
		return nil
	}
	for _, kv := range f.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, EnvPrefix+"_") || known[name] || envNotSettings[name] {
			continue
		}
		names := make([]string, 0, len(known))
		for k := range known {
			names = append(names, k)
		}
		msg := fmt.Sprintf("environment variable %s: names no fleetctl setting", name)
		if best := closest(name, names); best != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", best)
		}
		return errors.New(msg + "; settings are the .fleetctl.yaml key path in upper case with _ for ., e.g. FLEETCTL_DEFAULTS_LOCATION")
	}
	return nil
}

// closest returns the name nearest to s by edit distance, if it is near enough to be a typo.
func closest(s string, names []string) string {
	best, bestD := "", len(s)/3+1
	sort.Strings(names)
	for _, n := range names {
		if d := distance(s, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
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
