package spec

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Lifecycle enumerations from the AKS API (containerservice v1api20240901).
var (
	AutoUpgradeChannels   = []string{"none", "patch", "stable", "rapid", "node-image"}
	NodeOSUpgradeChannels = []string{"None", "Unmanaged", "SecurityPatch", "NodeImage"}
	SupportPlans          = []string{"KubernetesOfficial", "AKSLongTermSupport"}
	WeekDays              = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	TaintEffects          = []string{"NoSchedule", "PreferNoSchedule", "NoExecute"}
)

// VersionChannels are the auto-upgrade channels that move the Kubernetes version. CAPI owns the
// version (the control plane's and the MachinePools' spec.version), so fleetctl refuses them.
var VersionChannels = []string{"patch", "stable", "rapid"}

// LTS is the support plan that needs the Premium tier.
const LTS = "AKSLongTermSupport"

// OnLTS reports whether a cluster with this support plan and tier is on AKS long-term support,
// which keeps a minor supported after its standard support ends (LTS needs the Premium tier;
// without it the plan is refused by aks/lts-needs-premium and the cluster is not on LTS).
func OnLTS(supportPlan, skuTier string) bool { return supportPlan == LTS && skuTier == "Premium" }

// The AKS MaintenanceConfiguration names, the keys of values.maintenanceWindows.
const (
	WindowDefault     = "default"
	WindowAutoUpgrade = "aksManagedAutoUpgradeSchedule"
	WindowNodeOS      = "aksManagedNodeOSUpgradeSchedule"
)

// WindowKinds maps the short names of --maintenance-window to the MaintenanceConfiguration names.
var WindowKinds = map[string]string{"default": WindowDefault, "auto-upgrade": WindowAutoUpgrade, "node-os": WindowNodeOS}

// WindowKindNames are WindowKinds' keys in the order help texts list them.
var WindowKindNames = []string{"default", "auto-upgrade", "node-os"}

// MaintenanceWindow is one weekly planned maintenance window, values.maintenanceWindows.<name>.
type MaintenanceWindow struct {
	DayOfWeek     string `json:"dayOfWeek"`
	StartTime     string `json:"startTime"`
	DurationHours int    `json:"durationHours"`
	// UTCOffset is the offset of StartTime (+HH:MM or -HH:MM); empty is UTC. The default window
	// is always in UTC.
	UTCOffset string `json:"utcOffset,omitempty"`
}

// String writes the window in the --maintenance-window format: Saturday@22:00+4h, with the offset
// after the time when there is one (Sunday@02:00-05:00+4h).
func (w MaintenanceWindow) String() string {
	return fmt.Sprintf("%s@%s%s+%dh", w.DayOfWeek, w.StartTime, w.UTCOffset, w.DurationHours)
}

var (
	windowRE    = regexp.MustCompile(`^([A-Za-z]+)@([0-9]{2}:[0-9]{2})([+-][0-9]{2}:[0-9]{2})?\+([0-9]+)h$`)
	clockRE     = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	offsetRE    = regexp.MustCompile(`^[+-](0[0-9]|1[0-4]):[0-5][0-9]$`)
	maxSurgeRE  = regexp.MustCompile(`^([1-9][0-9]*|[1-9][0-9]?%|100%)$`)
	labelKeyRE  = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`)
	labelValRE  = regexp.MustCompile(`^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$`)
	windowUsage = "must be DAY@HH:MM+Nh or DAY@HH:MM±HH:MM+Nh (day, start time, optional UTC offset, hours), e.g. Saturday@22:00+4h"
)

// ParseMaintenanceWindow reads one --maintenance-window value, KIND=DAY@HH:MM[±HH:MM]+Nh with KIND
// default, auto-upgrade or node-os, or KIND=off to remove that window. It returns the
// MaintenanceConfiguration name and the window (nil for off); the rules are checked here too.
func ParseMaintenanceWindow(s string) (string, *MaintenanceWindow, error) {
	kind, val, ok := strings.Cut(s, "=")
	name, known := WindowKinds[kind]
	if !ok || !known {
		return "", nil, fieldErr("", "--maintenance-window", s, "must be KIND=DAY@HH:MM+Nh with KIND one of "+strings.Join(WindowKindNames, "|")+", or KIND=off")
	}
	if val == "off" {
		return name, nil, nil
	}
	m := windowRE.FindStringSubmatch(val)
	if m == nil {
		return "", nil, fieldErr("", "--maintenance-window "+kind, val, windowUsage)
	}
	hours, _ := strconv.Atoi(m[4])
	w := MaintenanceWindow{DayOfWeek: canonical(m[1], WeekDays), StartTime: m[2], UTCOffset: m[3], DurationHours: hours}
	if err := w.Validate("", "--maintenance-window "+kind, name); err != nil {
		return "", nil, err
	}
	return name, &w, nil
}

// Validate checks a window named name (a MaintenanceConfiguration name) against the AKS rules.
func (w MaintenanceWindow) Validate(scope, field, name string) error {
	if err := oneOf(scope, field+" day", w.DayOfWeek, WeekDays, false); err != nil {
		return err
	}
	if !clockRE.MatchString(w.StartTime) {
		return fieldErr(scope, field+" start time", w.StartTime, "must be HH:MM from 00:00 to 23:59")
	}
	if w.UTCOffset != "" && !offsetRE.MatchString(w.UTCOffset) {
		return fieldErr(scope, field+" utc offset", w.UTCOffset, "must be +HH:MM or -HH:MM, e.g. -05:00")
	}
	if name == WindowDefault {
		if !strings.HasSuffix(w.StartTime, ":00") {
			return fieldErr(scope, field+" start time", w.StartTime, "must be a whole hour (HH:00): the default window is given to AKS in whole UTC hours")
		}
		if w.UTCOffset != "" && w.UTCOffset != "+00:00" && w.UTCOffset != "-00:00" {
			return fieldErr(scope, field+" utc offset", w.UTCOffset, "is not allowed: the default window is in UTC")
		}
		if w.DurationHours < 1 || w.DurationHours > 24 {
			return fieldErr(scope, field+" duration", strconv.Itoa(w.DurationHours)+"h", "must be 1 to 24 hours")
		}
		return nil
	}
	if w.DurationHours < 4 || w.DurationHours > 24 {
		return fieldErr(scope, field+" duration", strconv.Itoa(w.DurationHours)+"h", "must be 4 to 24 hours (AKS-managed upgrade windows)")
	}
	return nil
}

// ValidateLifecycle checks the cluster's lifecycle fields: the channels, the support plan and its
// tier, the maintenance windows.
func (c *Cluster) ValidateLifecycle(scope string) error {
	if err := oneOf(scope, "auto-upgrade channel", c.AutoUpgradeChannel, AutoUpgradeChannels, true); err != nil {
		return err
	}
	if err := CheckAutoUpgradeChannel(scope, c.AutoUpgradeChannel); err != nil {
		return err
	}
	if err := oneOf(scope, "node OS upgrade channel", c.NodeOSUpgradeChannel, NodeOSUpgradeChannels, true); err != nil {
		return err
	}
	if err := oneOf(scope, "support plan", c.SupportPlan, SupportPlans, true); err != nil {
		return err
	}
	if c.SupportPlan == LTS && c.SKUTier != "Premium" {
		tier := c.SKUTier
		if tier == "" {
			tier = "unset (Free)"
		}
		return fieldErr(scope, "support plan", c.SupportPlan, fmt.Sprintf("needs sku tier Premium (AKS long-term support), sku tier is %s", tier))
	}
	for _, name := range sortedWindowNames(c.MaintenanceWindows) {
		switch name {
		case WindowDefault, WindowAutoUpgrade, WindowNodeOS:
		default:
			return fieldErr(scope, "maintenance window", name, "must be one of "+strings.Join([]string{WindowDefault, WindowAutoUpgrade, WindowNodeOS}, "|"))
		}
		if err := c.MaintenanceWindows[name].Validate(scope, "maintenance window "+name, name); err != nil {
			return err
		}
	}
	return nil
}

// CheckAutoUpgradeChannel refuses the channels that move the Kubernetes version.
func CheckAutoUpgradeChannel(scope, ch string) error {
	for _, v := range VersionChannels {
		if ch == v {
			return fieldErr(scope, "auto-upgrade channel", ch, "is refused: CAPI owns the Kubernetes version (spec.version of the control plane and the MachinePools), a version channel would upgrade behind its back; use none or node-image, and fleetctl cluster upgrade")
		}
	}
	return nil
}

func sortedWindowNames(m map[string]MaintenanceWindow) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ParseLabel reads one --label value, key=value.
func ParseLabel(s string) (string, string, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return "", "", fieldErr("", "--node-label", s, "must be key=value, e.g. team=platform")
	}
	if err := checkLabel("", k, v); err != nil {
		return "", "", err
	}
	return k, v, nil
}

func checkLabel(scope, k, v string) error {
	if !labelKeyRE.MatchString(k) || len(k) > 317 {
		return fieldErr(scope, "label key", k, "must be a Kubernetes label key: [prefix/]name, name 1-63 letters, digits, '-', '_' or '.'")
	}
	if !labelValRE.MatchString(v) {
		return fieldErr(scope, "label value", v, "must be a Kubernetes label value: empty or 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit")
	}
	return nil
}

// CheckTaint checks one taint, key[=value]:Effect.
func CheckTaint(scope, t string) error {
	kv, effect, ok := strings.Cut(t, ":")
	if !ok {
		return fieldErr(scope, "taint", t, "must be key=value:Effect or key:Effect, e.g. dedicated=gpu:NoSchedule")
	}
	if err := oneOf(scope, "taint effect", effect, TaintEffects, false); err != nil {
		return err
	}
	k, v, _ := strings.Cut(kv, "=")
	if !labelKeyRE.MatchString(k) {
		return fieldErr(scope, "taint key", k, "must be a Kubernetes label key: [prefix/]name, name 1-63 letters, digits, '-', '_' or '.'")
	}
	if v != "" && !labelValRE.MatchString(v) {
		return fieldErr(scope, "taint value", v, "must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit")
	}
	return nil
}

// validateLifecycle checks the pool's surge, labels and taints.
func (p NodePool) validateLifecycle(scope string) error {
	if p.MaxSurge != "" && !maxSurgeRE.MatchString(p.MaxSurge) {
		return fieldErr(scope, "max-surge", p.MaxSurge, "must be a node count such as 1 or a percentage of the pool from 1% to 100% such as 33%")
	}
	keys := make([]string, 0, len(p.Labels))
	for k := range p.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := checkLabel(scope, k, p.Labels[k]); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, t := range p.Taints {
		if err := CheckTaint(scope, t); err != nil {
			return err
		}
		if seen[t] {
			return fieldErr(scope, "taint", t, "is given twice")
		}
		seen[t] = true
	}
	return nil
}
