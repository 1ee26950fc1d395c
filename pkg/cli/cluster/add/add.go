// Package add implements `fleetctl cluster add`.
package add

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fsx"
	"github.com/fleetctl/fleetctl/pkg/render"
	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/validate/engine"
)

// Options of `fleetctl cluster add`.
type Options struct {
	f   *cmdutil.Factory
	cmd *cobra.Command

	Name              string
	Location          string
	ResourceGroup     string
	KubernetesVersion string
	NodePools         []string
	DNSPrefix         string
	NetworkPlugin     *cmdutil.EnumValue
	NetworkPolicy     *cmdutil.EnumValue
	OutboundType      *cmdutil.EnumValue
	SKUTier           *cmdutil.EnumValue
	ServiceCIDR       string
	DNSServiceIP      string
	PodCIDR           string
	InfraPath         string
	ValuesFile        string
	cmdutil.WriteFlags

	fleet   *fleet.Fleet
	cluster spec.Cluster
}

// NewCmd returns `fleetctl cluster add`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{
		f:             f,
		NetworkPlugin: cmdutil.NewEnum("", spec.Plugins...),
		NetworkPolicy: cmdutil.NewEnum("", spec.Policies...),
		OutboundType:  cmdutil.NewEnum("", spec.OutboundTypes...),
		SKUTier:       cmdutil.NewEnum("", spec.SKUTiers...),
	}
	cmd := &cobra.Command{
		Use:   "add NAME",
		Short: "Add a cluster to the fleet on a new branch",
		Long: `Add a cluster: write capi/clusters/NAME/ (a Flux HelmRelease of the cluster chart, its
values.yaml and kustomization), list it in capi/clusters/kustomization.yaml, render the chart
with the new values to check it, and commit the change on a new branch <prefix>/add-cluster-NAME.

Every input is checked against the AKS rules before anything is written. Defaults come from
.fleetctl.yaml; --values adds a values file in the chart's shape, which flags override.

--node-pool takes comma-separated key=value pairs: ` + strings.Join(spec.PoolKeys, ", ") + `.
A pool named like a default pool in .fleetctl.yaml takes that pool's settings for keys not given.
Give min and max instead of count for an autoscaled pool. Zones: zones=1,2,3.`,
		Example: `  fleetctl cluster add atlantic-aks
  fleetctl cluster add pacific-aks --location westus3 --kubernetes-version v1.33.2 \
    --node-pool name=system,mode=System,vm-size=Standard_D4s_v5,count=3 \
    --node-pool name=work,mode=User,vm-size=Standard_D8s_v5,min=2,max=20,zones=1,2,3
  fleetctl cluster add test-aks --dry-run`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd = cmd
			o.Name = args[0]
			return cmdutil.RunSteps(o, runF)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Location, "location", "", "Azure region (default from .fleetctl.yaml)")
	fl.StringVar(&o.ResourceGroup, "resource-group", "", "Azure resource group (default NAME-rg)")
	fl.StringVar(&o.KubernetesVersion, "kubernetes-version", "", "Kubernetes version vX.Y.Z (default from .fleetctl.yaml)")
	fl.StringArrayVar(&o.NodePools, "node-pool", nil, "node pool, repeatable: name=...,mode=System|User,vm-size=...,count=N or min=A,max=B[,os=..][,zones=1,2,3][,max-pods=N]")
	fl.StringVar(&o.DNSPrefix, "dns-prefix", "", "DNS prefix of the API server (default NAME)")
	cmdutil.AddEnumFlag(cmd, o.NetworkPlugin, "network-plugin", "network plugin")
	cmdutil.AddEnumFlag(cmd, o.NetworkPolicy, "network-policy", "network policy")
	cmdutil.AddEnumFlag(cmd, o.OutboundType, "outbound-type", "outbound type")
	cmdutil.AddEnumFlag(cmd, o.SKUTier, "sku-tier", "AKS pricing tier")
	fl.StringVar(&o.ServiceCIDR, "service-cidr", "", "service CIDR (default from .fleetctl.yaml)")
	fl.StringVar(&o.DNSServiceIP, "dns-service-ip", "", "cluster DNS service IP inside the service CIDR (default: its 10th address)")
	fl.StringVar(&o.PodCIDR, "pod-cidr", "", "pod CIDR for overlay networking")
	fl.StringVar(&o.InfraPath, "infra-path", "", "repo path the cluster's infra Kustomization applies (default from .fleetctl.yaml)")
	fl.StringVarP(&o.ValuesFile, "values", "f", "", "extra chart values file (the chart's values shape)")
	cmdutil.AddWriteFlags(cmd, &o.WriteFlags, "<prefix>/add-cluster-NAME")
	_ = cmd.RegisterFlagCompletionFunc("kubernetes-version", cobra.NoFileCompletions)
	return cmd
}

// Complete reads the config and builds the cluster spec: config defaults, then the --values file,
// then the flags given.
func (o *Options) Complete() error {
	if err := spec.ValidateName(o.Name); err != nil {
		return err
	}
	// Flags are applied to the cluster below, after the --values file, so they are not bound to the
	// config.
	var err error
	if o.fleet, err = o.f.Fleet(); err != nil {
		return err
	}
	c := o.fleet.NewCluster(o.Name)
	var valuesPools []spec.NodePool // pools the --values file names, kept beside --node-pool ones
	if o.ValuesFile != "" {
		data, err := os.ReadFile(o.ValuesFile)
		if err != nil {
			return fmt.Errorf("--values: %w", err)
		}
		v, err := spec.DecodeValues(o.ValuesFile, data)
		if err != nil {
			return err
		}
		if v.Name != "" && v.Name != o.Name {
			return fmt.Errorf("--values %s: name %q: must be empty or the cluster name %q", o.ValuesFile, v.Name, o.Name)
		}
		c.Overlay(v)
		for _, p := range c.NodePools {
			if _, ok := v.NodePools[p.Name]; ok {
				valuesPools = append(valuesPools, p)
			}
		}
	}
	fl := o.cmd.Flags()
	set := func(flag string, dst *string, val string) {
		if fl.Changed(flag) {
			*dst = val
		}
	}
	set("location", &c.Location, o.Location)
	set("resource-group", &c.ResourceGroup, o.ResourceGroup)
	set("kubernetes-version", &c.KubernetesVersion, o.KubernetesVersion)
	set("dns-prefix", &c.DNSPrefix, o.DNSPrefix)
	set("network-plugin", &c.Network.Plugin, o.NetworkPlugin.String())
	set("network-policy", &c.Network.Policy, o.NetworkPolicy.String())
	set("outbound-type", &c.Network.OutboundType, o.OutboundType.String())
	set("sku-tier", &c.SKUTier, o.SKUTier.String())
	set("service-cidr", &c.Network.ServiceCIDR, o.ServiceCIDR)
	set("dns-service-ip", &c.Network.DNSServiceIP, o.DNSServiceIP)
	set("pod-cidr", &c.Network.PodCIDR, o.PodCIDR)
	set("infra-path", &c.Flux.InfraPath, config.FluxPath(o.InfraPath))
	if len(o.NodePools) > 0 {
		// --node-pool replaces the config's default pools; each takes the settings it leaves out from
		// the default or --values pool of the same name, and --values pools stay.
		known := c.NodePools
		c.NodePools = valuesPools
		seen := map[string]bool{}
		for _, s := range o.NodePools {
			p, err := spec.ParseNodePool(s)
			if err != nil {
				return cmdutil.FlagErrorf("%s", err)
			}
			if seen[p.Name] {
				return cmdutil.FlagErrorf("--node-pool name %q: is given twice; pool names must be unique within a cluster", p.Name)
			}
			seen[p.Name] = true
			for _, k := range known {
				if k.Name == p.Name {
					p = p.MergeDefaults(k)
				}
			}
			c.SetPool(p)
		}
	}
	if c.Network.DNSServiceIP == "" && c.Network.ServiceCIDR != "" {
		if ip, err := spec.DefaultDNSServiceIP(c.Network.ServiceCIDR); err == nil {
			c.Network.DNSServiceIP = ip
		}
	}
	o.cluster = c
	return nil
}

// Validate checks the cluster against the AKS rules and the flags against each other.
func (o *Options) Validate() error {
	if err := o.WriteFlags.Validate(); err != nil {
		return err
	}
	return o.cluster.Validate()
}

// Run renders, checks, writes and commits. A dry run checks the rendered files in memory and prints
// them as a diff.
func (o *Options) Run() error {
	c := o.cluster
	plan, err := Plan(o.fleet, c)
	if err != nil {
		return err
	}
	if o.DryRun {
		files := make([]render.File, len(plan.Changes))
		for i, ch := range plan.Changes {
			files[i] = render.File{Path: ch.Path, Content: ch.Content}
		}
		if err := o.fleet.CheckCluster(c, files); err != nil {
			return err
		}
	}
	plan.Check = func() error { return engine.CheckTouched(o.fleet, c.Name) }
	return o.WriteFlags.Apply(o.f, o.fleet.Root, cmdutil.Write{
		Plan:   plan,
		Branch: o.fleet.Config.Git.BranchPrefix + "/add-cluster-" + c.Name,
		Next:   "merging it creates the cluster",
	})
}

// Plan renders the cluster's files and adds the cluster to the list of clusters. Nothing is written
// and nothing is checked: a dry run checks the rendered files in memory, a real run validates what it
// wrote before committing (Plan.Check).
func Plan(fl *fleet.Fleet, c spec.Cluster) (change.Plan, error) {
	dir := fl.ClusterDir(c.Name)
	if _, err := os.Stat(filepath.Join(fl.Root, filepath.FromSlash(dir))); err == nil {
		return change.Plan{}, fmt.Errorf("cluster %q already exists at %s", c.Name, dir)
	} else if !errors.Is(err, os.ErrNotExist) {
		return change.Plan{}, err
	}
	listPath := fl.ClustersKustomization()
	list, err := fl.AddToClusterList(c.Name)
	if err != nil {
		return change.Plan{}, err
	}
	files, err := fl.ClusterFiles(c)
	if err != nil {
		return change.Plan{}, err
	}
	plan := change.Plan{Touched: []string{dir, listPath}, Message: Message(fl, c)}
	for _, f := range files {
		plan.Changes = append(plan.Changes, fsx.Change{Path: f.Path, Content: f.Content})
	}
	plan.Changes = append(plan.Changes, fsx.Change{Path: listPath, Content: list})
	return plan, nil
}

// Message is the commit message: what was added and its key parameters.
func Message(fl *fleet.Fleet, c spec.Cluster) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Add cluster %s (%s, Kubernetes %s)\n\n", c.Name, c.Location, c.KubernetesVersion)
	fmt.Fprintf(&b, "Adds %s/ with a Flux HelmRelease of %s and lists it in\n%s.\n\n",
		fl.ClusterDir(c.Name), config.FluxPath(fl.Config.Chart.Path), fl.ClustersKustomization())
	fmt.Fprintf(&b, "  location:           %s\n", c.Location)
	fmt.Fprintf(&b, "  resource group:     %s\n", c.ResourceGroup)
	fmt.Fprintf(&b, "  kubernetes version: %s\n", c.KubernetesVersion)
	net := c.Network.Plugin
	if c.Network.Policy != "" {
		net += "/" + c.Network.Policy
	}
	fmt.Fprintf(&b, "  network:            %s, services %s, DNS %s\n", net, c.Network.ServiceCIDR, c.Network.DNSServiceIP)
	if c.SKUTier != "" {
		fmt.Fprintf(&b, "  sku tier:           %s\n", c.SKUTier)
	}
	fmt.Fprintf(&b, "  node pools:\n")
	for _, p := range c.NodePools {
		fmt.Fprintf(&b, "    %s\n", fleet.DescribePool(p))
	}
	fmt.Fprintf(&b, "\nMerging this creates a new AKS cluster in Azure.\n")
	return b.String()
}
