package spec

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// PoolKeys are the keys ParseNodePool accepts, in the order help texts list them.
var PoolKeys = []string{"name", "mode", "vm-size", "count", "min", "max", "os", "zones", "max-pods", "os-disk-type", "os-disk-size-gb", "max-surge"}

// ParseNodePool reads one --node-pool value: comma-separated key=value pairs, e.g.
// "name=work,mode=User,vm-size=Standard_D8s_v5,min=1,max=10,zones=1,2,3". A bare item after zones=
// continues the zone list. Enum values are matched case-insensitively and written canonically.
// Only syntax is checked here; NodePool.Validate checks the rules.
func ParseNodePool(s string) (NodePool, error) {
	var p NodePool
	scope := fmt.Sprintf("--node-pool %q", s)
	if strings.TrimSpace(s) == "" {
		return p, fieldErr("", "--node-pool", s, "must not be empty; use name=...,mode=...,vm-size=...,count=N")
	}
	seen := map[string]bool{}
	last := ""
	for _, item := range strings.Split(s, ",") {
		key, val, ok := strings.Cut(item, "=")
		if !ok {
			if last == "zones" && item != "" {
				p.Zones = append(p.Zones, strings.TrimSpace(item))
				continue
			}
			return p, fieldErr(scope, "item", item, "must be key=value with key one of "+strings.Join(PoolKeys, "|"))
		}
		key, val = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val)
		if seen[key] {
			return p, fieldErr(scope, key, val, "is given twice")
		}
		seen[key] = true
		last = key
		var err error
		switch key {
		case "name":
			p.Name = val
		case "mode":
			p.Mode = canonical(val, Modes)
		case "vm-size", "vmsize":
			p.VMSize = val
		case "os", "os-type":
			p.OSType = canonical(val, OSTypes)
		case "count":
			p.Count, err = parseInt(scope, key, val)
		case "min":
			p.Min, err = parseInt(scope, key, val)
		case "max":
			p.Max, err = parseInt(scope, key, val)
		case "max-pods":
			p.MaxPods, err = parseInt(scope, key, val)
		case "os-disk-size-gb":
			p.OSDiskSizeGB, err = parseInt(scope, key, val)
		case "os-disk-type":
			p.OSDiskType = canonical(val, OSDiskTypes)
		case "max-surge":
			p.MaxSurge = val
		case "zones":
			if val != "" {
				p.Zones = append(p.Zones, val)
			}
		default:
			return p, fieldErr(scope, "key", key, "is unknown; known keys: "+strings.Join(PoolKeys, "|"))
		}
		if err != nil {
			return p, err
		}
	}
	if p.Name == "" {
		return p, fieldErr(scope, "name", "", "is required")
	}
	sort.Strings(p.Zones)
	return p, nil
}

// MergeDefaults fills the fields p leaves empty from d (a pool of the same name from the config).
func (p NodePool) MergeDefaults(d NodePool) NodePool {
	if p.Mode == "" {
		p.Mode = d.Mode
	}
	if p.VMSize == "" {
		p.VMSize = d.VMSize
	}
	if p.OSType == "" {
		p.OSType = d.OSType
	}
	if p.Count == nil && !p.Autoscaled() {
		p.Count, p.Min, p.Max = d.Count, d.Min, d.Max
	}
	if p.Zones == nil {
		p.Zones = d.Zones
	}
	if p.MaxPods == nil {
		p.MaxPods = d.MaxPods
	}
	if p.OSDiskType == "" {
		p.OSDiskType = d.OSDiskType
	}
	if p.OSDiskSizeGB == nil {
		p.OSDiskSizeGB = d.OSDiskSizeGB
	}
	if p.KubernetesVersion == "" {
		p.KubernetesVersion = d.KubernetesVersion
	}
	if p.MaxSurge == "" {
		p.MaxSurge = d.MaxSurge
	}
	if p.Labels == nil {
		p.Labels = d.Labels
	}
	if p.Taints == nil {
		p.Taints = d.Taints
	}
	return p
}

func parseInt(scope, key, val string) (*int, error) {
	n, err := strconv.Atoi(val)
	if err != nil {
		return nil, fieldErr(scope, key, val, "must be a whole number")
	}
	return &n, nil
}

// canonical returns the allowed spelling of v when it matches one case-insensitively, else v unchanged
// (so validation reports the value as given).
func canonical(v string, allowed []string) string {
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return a
		}
	}
	return v
}

// Canonical is canonical for callers outside the package (flag values).
func Canonical(v string, allowed []string) string { return canonical(v, allowed) }
