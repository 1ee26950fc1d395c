package spec

import (
	"fmt"
	"strconv"
)

// MaxPoolMinorSkew is how many minor versions a node pool may lag the control plane on AKS. Upstream
// Kubernetes allows kubelets three minors behind; AKS allows node pools two.
const MaxPoolMinorSkew = 2

// Version is a parsed Kubernetes version v<major>.<minor>.<patch>.
type Version struct{ Major, Minor, Patch int }

// ParseVersion parses v<major>.<minor>.<patch>; ok is false for anything else.
func ParseVersion(s string) (v Version, ok bool) {
	m := VersionRE.FindStringSubmatch(s)
	if m == nil {
		return Version{}, false
	}
	var err error
	parts := []*int{&v.Major, &v.Minor, &v.Patch}
	for i, p := range parts {
		if *p, err = strconv.Atoi(m[i+1]); err != nil {
			return Version{}, false
		}
	}
	return v, true
}

func (v Version) String() string { return fmt.Sprintf("v%d.%d.%d", v.Major, v.Minor, v.Patch) }

// Compare returns -1, 0 or 1 as v is older than, equal to or newer than w.
func (v Version) Compare(w Version) int {
	for _, d := range [][2]int{{v.Major, w.Major}, {v.Minor, w.Minor}, {v.Patch, w.Patch}} {
		switch {
		case d[0] < d[1]:
			return -1
		case d[0] > d[1]:
			return 1
		}
	}
	return 0
}

// MinorsBehind returns how many minor versions v is behind w (negative when ahead); a different major
// version counts as far behind (or ahead), since no skew rule spans majors.
func (v Version) MinorsBehind(w Version) int {
	if v.Major != w.Major {
		if v.Major < w.Major {
			return 1 << 20
		}
		return -(1 << 20)
	}
	return w.Minor - v.Minor
}

// CheckUpgrade checks a control plane upgrade from old to new: no downgrade, no skipped minor version.
// field names the input in the one-line error.
func CheckUpgrade(field, old, new string) error {
	o, okO := ParseVersion(old)
	n, okN := ParseVersion(new)
	if !okN {
		return fieldErr("", field, new, "must be v<major>.<minor>.<patch>, e.g. v1.37.2")
	}
	if !okO {
		return fieldErr("", "current kubernetesVersion", old, "is not v<major>.<minor>.<patch>; fix values.yaml by hand first")
	}
	switch {
	case n.Compare(o) < 0:
		return fieldErr("", field, new, fmt.Sprintf("is older than the current %s: AKS does not downgrade (an older version needs a new cluster)", old))
	case n.MinorsBehind(o) < -1:
		return fieldErr("", field, new, fmt.Sprintf("skips minor versions from %s: AKS upgrades one minor version at a time; upgrade to a v%d.%d patch release first", old, o.Major, o.Minor+1))
	}
	return nil
}

// CheckPoolSkew checks a node pool version against the control plane's: never newer, at most
// MaxPoolMinorSkew minor versions behind.
func CheckPoolSkew(scope, pool, controlPlane string) error {
	p, okP := ParseVersion(pool)
	c, okC := ParseVersion(controlPlane)
	if !okP {
		return fieldErr(scope, "kubernetes version", pool, "must be v<major>.<minor>.<patch>, e.g. v1.37.2")
	}
	if !okC {
		return nil // the control plane's own check reports it
	}
	switch {
	case p.Compare(c) > 0:
		return fieldErr(scope, "kubernetes version", pool, fmt.Sprintf("is newer than the control plane's %s; a node pool may not run ahead of it", controlPlane))
	case p.MinorsBehind(c) > MaxPoolMinorSkew:
		return fieldErr(scope, "kubernetes version", pool, fmt.Sprintf("is more than %d minor versions behind the control plane's %s (AKS's skew limit)", MaxPoolMinorSkew, controlPlane))
	}
	return nil
}
