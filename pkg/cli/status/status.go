// Package status implements `fleetctl status`.
package status

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/cli/internal/printer"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/status"
)

// DefaultInterval is how often --watch reads the server again.
const DefaultInterval = 5 * time.Second

// Options of `fleetctl status`.
type Options struct {
	f *cmdutil.Factory

	Names      []string
	Selector   string
	Output     string
	Watch      bool
	Kubeconfig string
	Context    string

	// Connect, when set, replaces connecting through the kubeconfig (tests): it returns the client,
	// the server's URL and where its configuration came from.
	Connect func() (client dynamic.Interface, server, source string, err error)
	// Interval is the --watch poll interval (DefaultInterval when 0).
	Interval time.Duration
	// Ctx, when set, is the context Run reads under (tests end --watch by cancelling it); else
	// Run's own, which Ctrl-C or SIGTERM cancels in --watch.
	Ctx context.Context

	sel      labels.Selector
	fleet    *fleet.Fleet
	revision string
	client   dynamic.Interface
	server   string
	source   string
}

// NewCmd returns `fleetctl status`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{f: f}
	cmd := &cobra.Command{
		Use:   "status [NAME...] [-l SELECTOR] [-o table|wide|json|yaml] [--watch] [--kubeconfig PATH] [--context NAME]",
		Short: "Show each cluster as the management cluster has it: ready, reconciled, versions, drift from the repo",
		Long: `Read the management cluster (Flux and Cluster API) and join it to the fleet repo: for every
cluster of the repo (or the NAMEs given, or those the -l selector matches), whether its HelmRelease
and CAPI Cluster are ready, whether the release on the server was built from the repo's commit, the
Cluster's phase, the control plane's version, the node pools' ready/desired nodes, and how many
fields of the repo the objects on the server disagree with (drift). A cluster of the repo with no
objects on the server shows "not applied"; objects on the server whose cluster has no folder in
the repo show "not in repo".

The repo is read at its HEAD commit (uncommitted edits are not compared), and that commit is the
one RECONCILED checks for: with reconcileStrategy Revision, source-controller builds the chart as
<version>+<first 12 hex of the commit>, so the release's chart version says which commit it came
from. Run it on the branch Flux follows, after git pull.

Columns (docs/status.md):
  READY       True when the HelmRelease is Ready for its current generation and the CAPI Cluster
              is Available (Ready on a Cluster API that has no Available condition)
  REVISION    the commit (12 hex) the deployed release was built from
  RECONCILED  yes when that is the repo's HEAD commit; - outside a git repository
  PHASE       the CAPI Cluster's status.phase
  VERSION     the control plane's status.version, then ->spec.version while they differ
  POOLS       ready/desired nodes summed over the MachinePools
  DRIFT       the number of fields where the repo and the objects' spec differ, or not applied,
              not in repo
-o wide adds the release's and the Cluster's condition reasons and each pool's version, and lists
the drift field by field. -o json and -o yaml print the stable shape fleetctl.io/v1alpha1
ClusterStatusList.

It only reads (get and list; one list per kind for the whole namespace, so a fleet of 1,000 clusters
costs a handful of requests). The kubeconfig is found as kubectl finds it: --kubeconfig, else
KUBECONFIG, else ~/.kube/config, else the pod's service account when run in a pod; --context picks
a context.

--watch reads the server again every 5 seconds and prints again whenever anything changed; Ctrl-C
ends it (exit 0).

Exit code, as kubectl get and flux get: 0 when the status could be read, whether or not the
clusters are ready (gate on the JSON: .items[].ready); 1 when the server or the repo cannot be read
or a NAME is neither in the repo nor on the server; 2 for a usage error.`,
		Example: `  fleetctl status
  fleetctl status atlantic-aks -o wide
  fleetctl status -l ring=canary --watch
  fleetctl status -o json | jq -e '.items | all(.ready and .reconciled)'`,
		ValidArgsFunction: cmdutil.CompleteClusterArgs(f, false),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Names = args
			return cmdutil.RunSteps(o, runF)
		},
	}
	cmdutil.AddOutputFlag(cmd, &o.Output, "table", printer.StatusFormats...)
	cmdutil.AddSelectorFlag(cmd, &o.Selector, "clusters to show")
	fl := cmd.Flags()
	fl.BoolVarP(&o.Watch, "watch", "w", false, "read the server again every 5s and print whenever anything changed; Ctrl-C ends it")
	fl.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig of the management cluster (default: KUBECONFIG, else ~/.kube/config, else in-cluster)")
	fl.StringVar(&o.Context, "context", "", "kubeconfig context to use (default: its current context)")
	return cmd
}

// Complete parses the selector, opens the repo at HEAD and loads the kubeconfig.
func (o *Options) Complete() error {
	if o.Selector != "" {
		sel, err := fleet.ParseSelector(o.Selector)
		if err != nil {
			return cmdutil.FlagErrorf("--selector %s", strings.TrimPrefix(err.Error(), "selector "))
		}
		o.sel = sel
	}
	if err := o.Validate(); err != nil { // usage errors before any I/O
		return err
	}
	fl, err := o.f.Fleet()
	if err != nil {
		return err
	}
	o.fleet = fl
	if repo, err := gitrepo.Open(fl.Root); err == nil {
		if snap, err := repo.Snapshot("HEAD"); err == nil {
			o.fleet, o.revision = fl.WithFS(snap), snap.Commit
		}
	}
	if o.Connect == nil {
		o.Connect = o.connect
	}
	o.client, o.server, o.source, err = o.Connect()
	return err
}

// Validate checks the flags and names.
func (o *Options) Validate() error {
	if err := cmdutil.CheckOutput(o.Output, printer.StatusFormats...); err != nil {
		return err
	}
	for _, n := range o.Names {
		if err := spec.ValidateName(n); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
	}
	return nil
}

// connect loads the kubeconfig with client-go's standard rules.
func (o *Options) connect() (dynamic.Interface, string, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.Kubeconfig
	if env := o.f.Getenv(clientcmd.RecommendedConfigPathEnvVar); env != "" {
		rules.Precedence = filepath.SplitList(env)
	} else {
		rules.Precedence = []string{clientcmd.RecommendedHomeFile}
	}
	source := kubeconfigSource(o.Kubeconfig, o.f.Getenv(clientcmd.RecommendedConfigPathEnvVar))
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: o.Context})
	cfg, err := cc.ClientConfig()
	switch {
	case clientcmd.IsEmptyConfig(err):
		return nil, "", "", errors.New("no kubeconfig for the management cluster: pass --kubeconfig, set KUBECONFIG or create ~/.kube/config")
	case err != nil:
		return nil, "", "", fmt.Errorf("kubeconfig %s: %s", source, oneLine(err.Error()))
	}
	switch name := o.Context; {
	case !anyExists(rules):
		source = "in-cluster config (service account)"
	case name != "":
		source += ", context " + name
	default:
		if raw, err := cc.RawConfig(); err == nil && raw.CurrentContext != "" {
			source += ", context " + raw.CurrentContext
		}
	}
	cfg.Timeout = 30 * time.Second
	cfg.QPS, cfg.Burst = 50, 100
	cfg.WarningHandler = rest.NewWarningWriter(o.f.IO.ErrOut, rest.WarningWriterOptions{Deduplicate: true})
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, "", "", fmt.Errorf("kubeconfig %s: %w", source, err)
	}
	return client, cfg.Host, source, nil
}

func kubeconfigSource(explicit, env string) string {
	switch {
	case explicit != "":
		return explicit + " (--kubeconfig)"
	case env != "":
		return env + " (KUBECONFIG)"
	}
	return clientcmd.RecommendedHomeFile
}

func anyExists(rules *clientcmd.ClientConfigLoadingRules) bool {
	if rules.ExplicitPath != "" {
		return true
	}
	for _, p := range rules.GetLoadingPrecedence() {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

// Run reads and prints the status, and with --watch keeps doing so until interrupted.
func (o *Options) Run() error {
	ctx := o.Ctx
	if ctx == nil {
		ctx = context.Background()
		if o.Watch {
			var stop context.CancelFunc
			ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
			defer stop()
		}
	}
	list, err := o.read(ctx)
	if err != nil {
		return err
	}
	out, err := o.render(list)
	if err != nil {
		return err
	}
	o.warn(list)
	if _, err := o.f.IO.Out.Write(out); err != nil {
		return err
	}
	if !o.Watch {
		return o.missing(list)
	}
	interval := o.Interval
	if interval == 0 {
		interval = DefaultInterval
	}
	last, lastErr := out, ""
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		list, err := o.read(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			// A watch outlives a server restart: say so once, and keep trying.
			if msg := err.Error(); msg != lastErr {
				fmt.Fprintf(o.f.IO.ErrOut, "warning: %s (retrying every %s)\n", msg, interval)
				lastErr = msg
			}
			continue
		}
		lastErr = ""
		out, err := o.render(list)
		if err != nil {
			return err
		}
		if bytes.Equal(out, last) {
			continue
		}
		last = out
		if o.Output == "table" || o.Output == "wide" {
			fmt.Fprintln(o.f.IO.Out)
		}
		if _, err := o.f.IO.Out.Write(out); err != nil {
			return err
		}
	}
}

func (o *Options) read(ctx context.Context) (*status.ClusterStatusList, error) {
	list, err := status.Read(ctx, o.client, o.fleet, status.Options{Names: o.Names, Selector: o.sel, Revision: o.revision, Server: o.server})
	if err != nil {
		return nil, o.serverError(err)
	}
	return list, nil
}

// render prints the list in the chosen format into a buffer (--watch compares them).
func (o *Options) render(list *status.ClusterStatusList) ([]byte, error) {
	var b bytes.Buffer
	switch o.Output {
	case "json", "yaml":
		if o.Output == "yaml" && o.Watch {
			b.WriteString("---\n")
		}
		err := printer.Structured(&b, o.Output, list)
		return b.Bytes(), err
	}
	if len(list.Items) == 0 {
		return nil, nil
	}
	if err := printer.Statuses(&b, o.Output, list); err != nil {
		return nil, err
	}
	if o.Output == "wide" {
		if err := printer.StatusDrift(&b, list); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}

func (o *Options) warn(list *status.ClusterStatusList) {
	for _, w := range list.Warnings {
		fmt.Fprintf(o.f.IO.ErrOut, "warning: %s\n", w)
	}
	if len(list.Items) == 0 && (o.Output == "table" || o.Output == "wide") {
		switch {
		case o.sel != nil || len(o.Names) > 0:
			fmt.Fprintln(o.f.IO.ErrOut, "no cluster matches")
		default:
			fmt.Fprintln(o.f.IO.ErrOut, "no clusters yet: add one with fleetctl cluster add NAME")
		}
	}
}

// missing is an error naming the NAMEs that are neither in the repo nor on the server.
func (o *Options) missing(list *status.ClusterStatusList) error {
	var miss []string
	for _, n := range o.Names {
		if !slices.ContainsFunc(list.Items, func(c status.ClusterStatus) bool { return c.Name == n }) && !slices.Contains(miss, n) {
			miss = append(miss, n)
		}
	}
	switch {
	case len(miss) == 0:
		return nil
	case o.sel != nil && !o.sel.Empty():
		return fmt.Errorf("cluster %s: not in the repo and the server has no objects of it, or the selector %q does not match it", strings.Join(miss, ", "), o.Selector)
	}
	return fmt.Errorf("cluster %s: not in the repo (%s) and the server has no objects of it", strings.Join(miss, ", "), o.fleet.ClusterDir(miss[0]))
}

// serverError words a failed read on one line: the API server's answer with the server named, or,
// when it could not be reached, the server and where its address came from.
func (o *Options) serverError(err error) error {
	var se *status.ServerError
	switch {
	case !errors.As(err, &se):
		return err // the repo
	case se.APIAnswer():
		return fmt.Errorf("management cluster at %s (kubeconfig %s): %s", o.server, o.source, oneLine(se.Err.Error()))
	}
	cause := se.Err
	var uerr *url.Error
	if errors.As(cause, &uerr) {
		cause = uerr.Err
	}
	return fmt.Errorf("cannot reach the management cluster at %s (kubeconfig %s): %s", o.server, o.source, oneLine(cause.Error()))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
