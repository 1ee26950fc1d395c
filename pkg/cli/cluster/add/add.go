// Package add implements `fleetctl cluster add`.
package add

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet/ops"
	"github.com/fleetctl/fleetctl/pkg/spec"
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
	AutoUpgrade       *cmdutil.EnumValue
	NodeOSUpgrade     *cmdutil.EnumValue
	SupportPlan       *cmdutil.EnumValue
	Maintenance       []string
	Labels            []string
	NodeLabels        []string
	NodeTaints        []string
	ServiceCIDR       string
	DNSServiceIP      string
	PodCIDR           string
	InfraPath         string
	ValuesFile        string
	cmdutil.WriteFlags
	cmdutil.SupportFlags

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
		AutoUpgrade:   cmdutil.NewEnum("", spec.AutoUpgradeChannels...),
		NodeOSUpgrade: cmdutil.NewEnum("", spec.NodeOSUpgradeChannels...),
		SupportPlan:   cmdutil.NewEnum("", spec.SupportPlans...),
	}
	cmd := &cobra.Command{
		Use:   "add NAME",
		Short: "Add a cluster to the fleet on a new branch",
		Long: `Add a cluster: write capi/clusters/NAME/ (a Flux HelmRelease of the cluster chart, its
values.yaml and kustomization), list it in capi/clusters/kustomization.yaml, render the chart
with the new values to check it, and commit the change on a new branch <prefix>/add-cluster-NAME.

Every input is checked against the AKS rules before anything is written: the Kubernetes
version must be of a minor AKS offers on the day and each VM size one fleetctl knows (the
support table of docs/providers.md, or --versions-file; support.vmSizes adds sizes). Defaults come from
.fleetctl.yaml; --values adds a values file in the chart's shape, which flags override.

--node-pool takes comma-separated key=value pairs: ` + strings.Join(spec.PoolKeys, ", ") + `.
A pool named like a default pool in .fleetctl.yaml takes that pool's settings for keys not given.
Give min and max instead of count for an autoscaled pool. Zones: zones=1,2,3.

Lifecycle: --auto-upgrade-channel none|node-image (patch, stable and rapid are refused: CAPI
owns the Kubernetes version), --node-os-upgrade-channel, --support-plan AKSLongTermSupport (with
--sku-tier Premium), and --maintenance-window KIND=DAY@HH:MM[±HH:MM]+Nh, repeatable, KIND one of
default (whole UTC hours), auto-upgrade, node-os (4 to 24 hours), e.g. auto-upgrade=Saturday@22:00+4h.

--label key=value (repeatable) labels the cluster: the chart puts the labels on the CAPI Cluster,
and -l selects clusters by them (cluster list -l, cluster label -l). The keys the chart sets itself
and the cluster.x-k8s.io prefix are refused. The pull request's labels are --pr-label here.`,
		Example: `  fleetctl cluster add atlantic-aks
  fleetctl cluster add pacific-aks --location westus3 --kubernetes-version v1.37.2 \
    --node-pool name=system,mode=System,vm-size=Standard_D4s_v5,count=3 \
    --node-pool name=work,mode=User,vm-size=Standard_D8s_v5,min=2,max=20,zones=1,2,3
  fleetctl cluster add indian-aks --label env=prod --label ring=canary
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
	cmdutil.AddEnumFlag(cmd, o.AutoUpgrade, "auto-upgrade-channel", "AKS auto-upgrade channel (patch, stable, rapid are refused: CAPI owns the version)")
	cmdutil.AddEnumFlag(cmd, o.NodeOSUpgrade, "node-os-upgrade-channel", "AKS node OS upgrade channel")
	cmdutil.AddEnumFlag(cmd, o.SupportPlan, "support-plan", "Kubernetes support plan (AKSLongTermSupport needs --sku-tier Premium)")
	fl.StringArrayVar(&o.Maintenance, "maintenance-window", nil, "planned maintenance window, repeatable: KIND=DAY@HH:MM[±HH:MM]+Nh, KIND default|auto-upgrade|node-os")
	// Registered before the write flags: on cluster add, --label is the cluster's label, and the pull
	// request's label is --pr-label only.
	fl.StringArrayVar(&o.Labels, "label", nil, "cluster label key=value, repeatable: on the CAPI Cluster, for selectors (-l); not the chart's own keys nor the cluster.x-k8s.io prefix")
	fl.StringArrayVar(&o.NodeLabels, "node-label", nil, "node label of a pool, repeatable: POOL:key=value")
	fl.StringArrayVar(&o.NodeTaints, "node-taint", nil, "node taint of a pool, repeatable: POOL:key=value:Effect or POOL:key:Effect (NoSchedule|PreferNoSchedule|NoExecute)")
	fl.StringVar(&o.ServiceCIDR, "service-cidr", "", "service CIDR (default from .fleetctl.yaml)")
	fl.StringVar(&o.DNSServiceIP, "dns-service-ip", "", "cluster DNS service IP inside the service CIDR (default: its 10th address)")
	fl.StringVar(&o.PodCIDR, "pod-cidr", "", "pod CIDR for overlay networking")
	fl.StringVar(&o.InfraPath, "infra-path", "", "repo path the cluster's infra Kustomization applies (default from .fleetctl.yaml)")
	fl.StringVarP(&o.ValuesFile, "values", "f", "", "extra chart values file (the chart's values shape)")
	cmdutil.AddWriteFlags(cmd, &o.WriteFlags, "<prefix>/add-cluster-NAME")
	cmdutil.AddSupportFlags(cmd, &o.SupportFlags)
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
	fleet, err := o.f.Fleet()
	if err != nil {
		return err
	}
	c := fleet.NewCluster(o.Name)
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
	set("auto-upgrade-channel", &c.AutoUpgradeChannel, o.AutoUpgrade.String())
	set("node-os-upgrade-channel", &c.NodeOSUpgradeChannel, o.NodeOSUpgrade.String())
	set("support-plan", &c.SupportPlan, o.SupportPlan.String())
	for _, s := range o.Maintenance {
		name, w, err := spec.ParseMaintenanceWindow(s)
		if err != nil {
			return cmdutil.FlagErrorf("%s", err)
		}
		if w == nil {
			delete(c.MaintenanceWindows, name)
			continue
		}
		if c.MaintenanceWindows == nil {
			c.MaintenanceWindows = map[string]spec.MaintenanceWindow{}
		}
		c.MaintenanceWindows[name] = *w
	}
	labels, err := spec.ParseClusterLabels("--label", o.Labels)
	if err != nil {
		return cmdutil.FlagErrorf("%s", err)
	}
	for k, v := range labels {
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		c.Labels[k] = v
	}
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
	if err := poolLabelsAndTaints(&c, o.NodeLabels, o.NodeTaints); err != nil {
		return err
	}
	if c.Network.DNSServiceIP == "" && c.Network.ServiceCIDR != "" {
		if ip, err := spec.DefaultDNSServiceIP(c.Network.ServiceCIDR); err == nil {
			c.Network.DNSServiceIP = ip
		}
	}
	o.cluster = c
	return nil
}

// Validate checks the flags against each other; the cluster is checked against the AKS rules by
// the fleet client.
func (o *Options) Validate() error { return o.WriteFlags.Validate() }

// Run plans the cluster with the fleet client and writes it as the flags say.
func (o *Options) Run() error {
	return o.RunWrite(o.f, "cluster add "+o.cluster.Name, func(c *ops.Client) (*change.Plan, error) {
		if err := o.SupportFlags.Apply(o.f, c); err != nil {
			return nil, err
		}
		return c.AddCluster(o.cluster)
	})
}

// poolLabelsAndTaints applies --node-label POOL:key=value and --node-taint POOL:taint to the
// cluster's pools (after --node-pool and --values); the taint's own form is checked with the
// cluster, as for nodepool add.
func poolLabelsAndTaints(c *spec.Cluster, labels, taints []string) error {
	pool := func(flag, s string) (*spec.NodePool, string, error) {
		name, rest, ok := strings.Cut(s, ":")
		var names []string
		for i := range c.NodePools {
			names = append(names, c.NodePools[i].Name)
			if ok && c.NodePools[i].Name == name {
				return &c.NodePools[i], rest, nil
			}
		}
		if !ok || name == "" {
			return nil, "", cmdutil.FlagErrorf("--%s %q: must be POOL:%s", flag, s, map[string]string{"node-label": "key=value", "node-taint": "key=value:Effect"}[flag])
		}
		return nil, "", cmdutil.FlagErrorf("--%s %q: pool %q: must be one of the cluster's pools (%s)", flag, s, name, strings.Join(names, ", "))
	}
	for _, s := range labels {
		p, rest, err := pool("node-label", s)
		if err != nil {
			return err
		}
		k, v, err := spec.ParseLabel(rest)
		if err != nil {
			return cmdutil.FlagErrorf("--node-label %q: %s", s, err)
		}
		if p.Labels == nil {
			p.Labels = map[string]string{}
		}
		p.Labels[k] = v
	}
	for _, s := range taints {
		p, rest, err := pool("node-taint", s)
		if err != nil {
			return err
		}
		p.Taints = append(p.Taints, rest)
	}
	return nil
}
