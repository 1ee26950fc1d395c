package spec

import (
	"errors"
	"strings"
	"testing"
)

func intp(n int) *int { return &n }

func validCluster() Cluster {
	return Cluster{
		Name: "atlantic-aks", Location: "eastus", ResourceGroup: "atlantic-aks-rg", DNSPrefix: "atlantic-aks",
		KubernetesVersion: "v1.37.2", SKUTier: "Standard",
		Network:           Network{Plugin: "azure", Policy: "calico", ServiceCIDR: "10.0.0.0/16", DNSServiceIP: "10.0.0.10"},
		CredentialsSecret: "aso-credentials",
		Flux:              Flux{SourceKind: "GitRepository", SourceName: "flux-system", SourceNamespace: "flux-system", FluxPath: "./infra/flux-system", InfraPath: "./infra/base", Interval: "10m"},
		NodePools: []NodePool{
			{Name: "system", Mode: "System", VMSize: "Standard_D4s_v5", Count: intp(3)},
			{Name: "work", Mode: "User", VMSize: "Standard_D8s_v5", Min: intp(1), Max: intp(10)},
		},
	}
}

func TestClusterValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Cluster)
		want   string // substring of the error; "" means valid
	}{
		{"valid", func(c *Cluster) {}, ""},
		{"name upper case", func(c *Cluster) { c.Name = "Atlantic" }, `cluster name "Atlantic": must be a DNS-1123 label`},
		{"name too long", func(c *Cluster) { c.Name = strings.Repeat("a", 64) }, "at most 63 characters"},
		{"name microsoft", func(c *Cluster) { c.Name = "my-microsoft-aks" }, `must not contain "microsoft"`},
		{"name windows", func(c *Cluster) { c.Name = "windows1" }, `must not contain "microsoft" or "windows"`},
		{"name trailing dash", func(c *Cluster) { c.Name = "aks-" }, "DNS-1123 label"},
		{"location", func(c *Cluster) { c.Location = "East US" }, `location "East US": must be an Azure region`},
		{"resource group", func(c *Cluster) { c.ResourceGroup = "rg." }, `resource group "rg."`},
		{"dns prefix", func(c *Cluster) { c.DNSPrefix = "-bad" }, `dns prefix "-bad": must match`},
		{"dns prefix too long", func(c *Cluster) { c.DNSPrefix = strings.Repeat("a", 55) }, "dns prefix"},
		{"version no v", func(c *Cluster) { c.KubernetesVersion = "1.37.2" }, `kubernetes version "1.37.2": must be v<major>.<minor>.<patch>`},
		{"version two parts", func(c *Cluster) { c.KubernetesVersion = "v1.37" }, "kubernetes version"},
		{"sku", func(c *Cluster) { c.SKUTier = "Platinum" }, `sku tier "Platinum": must be one of Free|Standard|Premium`},
		{"plugin", func(c *Cluster) { c.Network.Plugin = "flannel" }, `network plugin "flannel": must be one of azure|kubenet|none`},
		{"policy", func(c *Cluster) { c.Network.Policy = "weave" }, `network policy "weave"`},
		{"outbound", func(c *Cluster) { c.Network.OutboundType = "nat" }, `outbound type "nat"`},
		{"service cidr syntax", func(c *Cluster) { c.Network.ServiceCIDR = "10.0.0.0/33" }, `service cidr "10.0.0.0/33": must be an IPv4 CIDR`},
		{"service cidr host bits", func(c *Cluster) { c.Network.ServiceCIDR = "10.0.0.1/16" }, "has host bits set; the network is 10.0.0.0/16"},
		{"service cidr too large", func(c *Cluster) { c.Network.ServiceCIDR = "10.0.0.0/8" }, "between /12 and /28"},
		{"dns ip outside", func(c *Cluster) { c.Network.DNSServiceIP = "10.1.0.10" }, `dns service ip "10.1.0.10": must be inside the service cidr 10.0.0.0/16`},
		{"dns ip reserved", func(c *Cluster) { c.Network.DNSServiceIP = "10.0.0.1" }, "reserved"},
		{"dns ip syntax", func(c *Cluster) { c.Network.DNSServiceIP = "ten" }, "must be an IPv4 address"},
		{"pod cidr overlap", func(c *Cluster) { c.Network.PodCIDR = "10.0.128.0/17" }, `pod cidr "10.0.128.0/17": must not overlap`},
		{"pod cidr ok", func(c *Cluster) { c.Network.PodCIDR = "192.168.0.0/16" }, ""},
		{"service cidr link-local", func(c *Cluster) {
			c.Network.ServiceCIDR, c.Network.DNSServiceIP = "169.254.0.0/16", "169.254.0.10"
		}, `service cidr "169.254.0.0/16": must not overlap 169.254.0.0/16, which AKS reserves`},
		{"service cidr around a reserved range", func(c *Cluster) {
			c.Network.ServiceCIDR, c.Network.DNSServiceIP = "172.16.0.0/12", "172.16.0.10"
		}, "must not overlap 172.30.0.0/16"},
		{"service cidr inside a reserved range", func(c *Cluster) {
			c.Network.ServiceCIDR, c.Network.DNSServiceIP = "172.31.16.0/20", "172.31.16.10"
		}, "must not overlap 172.31.0.0/16"},
		{"service cidr next to reserved ranges", func(c *Cluster) {
			c.Network.ServiceCIDR, c.Network.DNSServiceIP = "172.29.0.0/16", "172.29.0.10"
		}, ""},
		{"pod cidr documentation range", func(c *Cluster) { c.Network.PodCIDR = "192.0.0.0/16" }, `pod cidr "192.0.0.0/16": must not overlap 192.0.2.0/24, which AKS reserves`},
		{"credentials", func(c *Cluster) { c.CredentialsSecret = "Bad_Secret" }, `credentials secret "Bad_Secret"`},
		{"infra path", func(c *Cluster) { c.Flux.InfraPath = "../x" }, `infra path "../x"`},
		{"interval", func(c *Cluster) { c.Flux.Interval = "soon" }, `flux interval "soon"`},
		{"no pools", func(c *Cluster) { c.NodePools = nil }, "at least one node pool"},
		{"no system pool", func(c *Cluster) { c.NodePools = c.NodePools[1:] }, "at least one pool with mode=System"},
		{"duplicate pool", func(c *Cluster) { c.NodePools = append(c.NodePools, c.NodePools[1]) }, `node pool name "work": is given twice`},
		{"pool name", func(c *Cluster) { c.NodePools[0].Name = "Pool_1" }, `node pool "Pool_1": name "Pool_1": must match ^[a-z][a-z0-9]{0,11}$ (AKS Linux pools)`},
		{"pool name long", func(c *Cluster) { c.NodePools[1].Name = "abcdefghijklm" }, "AKS Linux pools"},
		{"windows name", func(c *Cluster) { c.NodePools[1].Name = "wins123"; c.NodePools[1].OSType = "Windows" }, "at most 6 characters"},
		{"windows ok", func(c *Cluster) { c.NodePools[1].Name = "win1"; c.NodePools[1].OSType = "Windows" }, ""},
		{"windows system", func(c *Cluster) { c.NodePools[0].OSType = "Windows" }, `os "Windows": a System pool must run Linux`},
		{"mode", func(c *Cluster) { c.NodePools[1].Mode = "Spot" }, `mode "Spot": must be one of System|User`},
		{"vm size", func(c *Cluster) { c.NodePools[0].VMSize = "D4s" }, `vm-size "D4s"`},
		{"system count 0", func(c *Cluster) { c.NodePools[0].Count = intp(0) }, `count "0": must be between 1 and 1000 for a System pool`},
		{"user count 0", func(c *Cluster) {
			c.NodePools[1] = NodePool{Name: "work", Mode: "User", VMSize: "Standard_D8s_v5", Count: intp(0)}
		}, ""},
		{"count too big", func(c *Cluster) { c.NodePools[0].Count = intp(1001) }, "between 1 and 1000"},
		{"count and min", func(c *Cluster) { c.NodePools[1].Count = intp(2) }, "must not be set with min/max"},
		{"min only", func(c *Cluster) { c.NodePools[1].Max = nil }, "autoscaling needs both min and max"},
		{"min > max", func(c *Cluster) { c.NodePools[1].Min = intp(11) }, `min "11": must not be greater than max (10)`},
		{"no count", func(c *Cluster) { c.NodePools[0].Count = nil }, "count \"\": is required"},
		{"zone", func(c *Cluster) { c.NodePools[0].Zones = []string{"4"} }, `zones "4": must be one of 1|2|3`},
		{"zone twice", func(c *Cluster) { c.NodePools[0].Zones = []string{"1", "1"} }, "is given twice"},
		{"max pods", func(c *Cluster) { c.NodePools[0].MaxPods = intp(300) }, `max-pods "300": must be between 10 and 250`},
		{"os disk type", func(c *Cluster) { c.NodePools[0].OSDiskType = "SSD" }, `os-disk-type "SSD"`},
		{"os disk size", func(c *Cluster) { c.NodePools[0].OSDiskSizeGB = intp(10) }, `os-disk-size-gb "10"`},

		{"auto-upgrade node-image", func(c *Cluster) { c.AutoUpgradeChannel = "node-image" }, ""},
		{"auto-upgrade none", func(c *Cluster) { c.AutoUpgradeChannel = "none" }, ""},
		{"auto-upgrade patch", func(c *Cluster) { c.AutoUpgradeChannel = "patch" }, `auto-upgrade channel "patch": is refused: CAPI owns the Kubernetes version`},
		{"auto-upgrade stable", func(c *Cluster) { c.AutoUpgradeChannel = "stable" }, `auto-upgrade channel "stable": is refused`},
		{"auto-upgrade rapid", func(c *Cluster) { c.AutoUpgradeChannel = "rapid" }, `auto-upgrade channel "rapid": is refused`},
		{"auto-upgrade unknown", func(c *Cluster) { c.AutoUpgradeChannel = "weekly" }, `auto-upgrade channel "weekly": must be one of none|patch|stable|rapid|node-image`},
		{"node os channel", func(c *Cluster) { c.NodeOSUpgradeChannel = "SecurityPatch" }, ""},
		{"node os channel unknown", func(c *Cluster) { c.NodeOSUpgradeChannel = "Nightly" }, `node OS upgrade channel "Nightly": must be one of None|Unmanaged|SecurityPatch|NodeImage`},
		{"LTS on Premium", func(c *Cluster) { c.SupportPlan, c.SKUTier = "AKSLongTermSupport", "Premium" }, ""},
		{"LTS on Standard", func(c *Cluster) { c.SupportPlan = "AKSLongTermSupport" }, `support plan "AKSLongTermSupport": needs sku tier Premium (AKS long-term support), sku tier is Standard`},
		{"LTS without tier", func(c *Cluster) { c.SupportPlan, c.SKUTier = "AKSLongTermSupport", "" }, "sku tier is unset (Free)"},
		{"support plan unknown", func(c *Cluster) { c.SupportPlan = "Extended" }, `support plan "Extended": must be one of KubernetesOfficial|AKSLongTermSupport`},
		{"windows", func(c *Cluster) {
			c.MaintenanceWindows = map[string]MaintenanceWindow{
				WindowDefault:     {DayOfWeek: "Saturday", StartTime: "22:00", DurationHours: 4},
				WindowAutoUpgrade: {DayOfWeek: "Sunday", StartTime: "02:30", DurationHours: 4, UTCOffset: "-05:00"},
				WindowNodeOS:      {DayOfWeek: "Monday", StartTime: "01:00", DurationHours: 24},
			}
		}, ""},
		{"window unknown name", func(c *Cluster) {
			c.MaintenanceWindows = map[string]MaintenanceWindow{"weekly": {DayOfWeek: "Saturday", StartTime: "22:00", DurationHours: 4}}
		}, `maintenance window "weekly": must be one of default|aksManagedAutoUpgradeSchedule|aksManagedNodeOSUpgradeSchedule`},
		{"window too short", func(c *Cluster) {
			c.MaintenanceWindows = map[string]MaintenanceWindow{WindowNodeOS: {DayOfWeek: "Saturday", StartTime: "22:00", DurationHours: 3}}
		}, `maintenance window aksManagedNodeOSUpgradeSchedule duration "3h": must be 4 to 24 hours`},
		{"default window off the hour", func(c *Cluster) {
			c.MaintenanceWindows = map[string]MaintenanceWindow{WindowDefault: {DayOfWeek: "Saturday", StartTime: "22:30", DurationHours: 2}}
		}, `maintenance window default start time "22:30": must be a whole hour`},
		{"default window with offset", func(c *Cluster) {
			c.MaintenanceWindows = map[string]MaintenanceWindow{WindowDefault: {DayOfWeek: "Saturday", StartTime: "22:00", DurationHours: 2, UTCOffset: "+01:00"}}
		}, `maintenance window default utc offset "+01:00": is not allowed: the default window is in UTC`},
		{"window bad day", func(c *Cluster) {
			c.MaintenanceWindows = map[string]MaintenanceWindow{WindowAutoUpgrade: {DayOfWeek: "Caturday", StartTime: "22:00", DurationHours: 4}}
		}, `day "Caturday": must be one of Monday|`},
		{"max surge count", func(c *Cluster) { c.NodePools[0].MaxSurge = "2" }, ""},
		{"max surge percent", func(c *Cluster) { c.NodePools[0].MaxSurge = "33%" }, ""},
		{"max surge 100%", func(c *Cluster) { c.NodePools[0].MaxSurge = "100%" }, ""},
		{"max surge 0", func(c *Cluster) { c.NodePools[0].MaxSurge = "0" }, `max-surge "0": must be a node count`},
		{"max surge 150%", func(c *Cluster) { c.NodePools[0].MaxSurge = "150%" }, `max-surge "150%"`},
		{"labels", func(c *Cluster) {
			c.NodePools[1].Labels = map[string]string{"team": "platform", "example.com/tier": ""}
		}, ""},
		{"label key", func(c *Cluster) { c.NodePools[1].Labels = map[string]string{"bad key": "x"} }, `label key "bad key": must be a Kubernetes label key`},
		{"label value", func(c *Cluster) { c.NodePools[1].Labels = map[string]string{"team": "-x"} }, `label value "-x": must be a Kubernetes label value`},
		{"taints", func(c *Cluster) {
			c.NodePools[1].Taints = []string{"dedicated=batch:NoSchedule", "example.com/gpu:NoExecute"}
		}, ""},
		{"taint effect", func(c *Cluster) { c.NodePools[1].Taints = []string{"dedicated=batch:Never"} }, `taint effect "Never": must be one of NoSchedule|PreferNoSchedule|NoExecute`},
		{"taint without effect", func(c *Cluster) { c.NodePools[1].Taints = []string{"dedicated=batch"} }, `taint "dedicated=batch": must be key=value:Effect or key:Effect`},
		{"taint twice", func(c *Cluster) { c.NodePools[1].Taints = []string{"a:NoSchedule", "a:NoSchedule"} }, `taint "a:NoSchedule": is given twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validCluster()
			tt.mutate(&c)
			err := c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not a *FieldError", err)
			}
		})
	}
}

func TestParseNodePool(t *testing.T) {
	tests := []struct {
		in      string
		want    NodePool
		wantErr string
	}{
		{in: "name=system,mode=system,vm-size=Standard_D4s_v5,count=3",
			want: NodePool{Name: "system", Mode: "System", VMSize: "Standard_D4s_v5", Count: intp(3)}},
		{in: "name=work,mode=User,vm-size=Standard_D8s_v5,min=1,max=10,zones=3,1,2,max-pods=50,os=linux",
			want: NodePool{Name: "work", Mode: "User", VMSize: "Standard_D8s_v5", Min: intp(1), Max: intp(10), Zones: []string{"1", "2", "3"}, MaxPods: intp(50), OSType: "Linux"}},
		{in: "name=win,os=Windows,os-disk-type=ephemeral,os-disk-size-gb=64",
			want: NodePool{Name: "win", OSType: "Windows", OSDiskType: "Ephemeral", OSDiskSizeGB: intp(64)}},
		{in: "", wantErr: "must not be empty"},
		{in: "mode=User", wantErr: `name "": is required`},
		{in: "name=a,count=three", wantErr: `count "three": must be a whole number`},
		{in: "name=a,colour=blue", wantErr: `key "colour": is unknown`},
		{in: "name=a,name=b", wantErr: `name "b": is given twice`},
		{in: "name=a,bogus", wantErr: `item "bogus": must be key=value`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseNodePool(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if DescribeForTest(got) != DescribeForTest(tt.want) {
				t.Fatalf("got %s, want %s", DescribeForTest(got), DescribeForTest(tt.want))
			}
		})
	}
}

func TestMergeDefaults(t *testing.T) {
	def := NodePool{Name: "work", Mode: "User", VMSize: "Standard_D8s_v5", Min: intp(1), Max: intp(10), Zones: []string{"1"}}
	got := NodePool{Name: "work", Count: intp(4)}.MergeDefaults(def)
	if got.Autoscaled() || *got.Count != 4 || got.VMSize != "Standard_D8s_v5" || got.Mode != "User" {
		t.Fatalf("explicit count must win over default autoscaling: %s", DescribeForTest(got))
	}
	got = NodePool{Name: "work"}.MergeDefaults(def)
	if !got.Autoscaled() || *got.Min != 1 || *got.Max != 10 {
		t.Fatalf("default autoscaling not taken: %s", DescribeForTest(got))
	}
}

func TestDefaultDNSServiceIP(t *testing.T) {
	for in, want := range map[string]string{"10.0.0.0/16": "10.0.0.10", "172.16.4.0/24": "172.16.4.10"} {
		got, err := DefaultDNSServiceIP(in)
		if err != nil || got != want {
			t.Errorf("DefaultDNSServiceIP(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
	if _, err := DefaultDNSServiceIP("10.0.0.0/29"); err == nil {
		t.Error("a /29 cannot hold the 10th address")
	}
}

func TestDecodeValuesStrict(t *testing.T) {
	_, err := DecodeValues("extra.yaml", []byte("network:\n  plugn: azure\n"))
	if err == nil || !strings.Contains(err.Error(), "plugn") {
		t.Fatalf("unknown key must be an error naming it, got %v", err)
	}
	v, err := DecodeValues("extra.yaml", []byte("nodePools:\n  gpu: {mode: User, vmSize: Standard_NC6s_v3, autoscale: {min: 0, max: 2}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	c := validCluster()
	c.Overlay(v)
	if len(c.NodePools) != 3 || !c.NodePools[2].Autoscaled() {
		t.Fatalf("pool not added: %+v", c.NodePools)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestParseMaintenanceWindow(t *testing.T) {
	tests := []struct {
		in, name string
		want     *MaintenanceWindow
		err      string
	}{
		{"default=Saturday@22:00+4h", WindowDefault, &MaintenanceWindow{DayOfWeek: "Saturday", StartTime: "22:00", DurationHours: 4}, ""},
		{"auto-upgrade=sunday@02:00-05:00+4h", WindowAutoUpgrade, &MaintenanceWindow{DayOfWeek: "Sunday", StartTime: "02:00", UTCOffset: "-05:00", DurationHours: 4}, ""},
		{"node-os=Wednesday@01:30+06:00+24h", WindowNodeOS, &MaintenanceWindow{DayOfWeek: "Wednesday", StartTime: "01:30", UTCOffset: "+06:00", DurationHours: 24}, ""},
		{"node-os=off", WindowNodeOS, nil, ""},
		{"weekly=Saturday@22:00+4h", "", nil, "KIND one of default|auto-upgrade|node-os"},
		{"Saturday@22:00+4h", "", nil, "KIND one of default|auto-upgrade|node-os"},
		{"default=Saturday 22:00 4h", "", nil, `--maintenance-window default "Saturday 22:00 4h": must be DAY@HH:MM+Nh`},
		{"default=Saturday@22:00", "", nil, "must be DAY@HH:MM+Nh"},
		{"auto-upgrade=Saturday@24:00+4h", "", nil, `start time "24:00": must be HH:MM from 00:00 to 23:59`},
		{"auto-upgrade=Saturday@22:00+25h", "", nil, `duration "25h": must be 4 to 24 hours`},
		{"default=Saturday@22:00+0h", "", nil, `duration "0h": must be 1 to 24 hours`},
		{"auto-upgrade=Saturday@22:00+15:00+4h", "", nil, `utc offset "+15:00"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			name, w, err := ParseMaintenanceWindow(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("error %v, want one line containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if name != tt.name {
				t.Errorf("name %q, want %q", name, tt.name)
			}
			if (w == nil) != (tt.want == nil) || w != nil && *w != *tt.want {
				t.Errorf("window %+v, want %+v", w, tt.want)
			}
			if w != nil && parseRoundTrip(t, tt.in[:strings.IndexByte(tt.in, '=')], *w) != *w {
				t.Errorf("String() does not parse back to %+v", *w)
			}
		})
	}
}

// parseRoundTrip parses w's String form under kind.
func parseRoundTrip(t *testing.T, kind string, w MaintenanceWindow) MaintenanceWindow {
	t.Helper()
	_, got, err := ParseMaintenanceWindow(kind + "=" + w.String())
	if err != nil || got == nil {
		t.Fatalf("%s=%s: %v", kind, w, err)
	}
	return *got
}

func TestParseLabel(t *testing.T) {
	for in, want := range map[string]string{
		"team=platform":   "",
		"example.com/a=b": "",
		"empty=":          "",
		"team":            "must be key=value",
		"=x":              `label key "": must be a Kubernetes label key`,
		"team=bad value":  `label value "bad value"`,
		"Example.com/a=b": `label key "Example.com/a"`,
	} {
		_, _, err := ParseLabel(in)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", in, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: error %v, want %q", in, err, want)
		}
	}
}
