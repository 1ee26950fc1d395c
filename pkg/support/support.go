// Package support holds the support windows fleetctl checks against, as data: a dated table of the
// AKS Kubernetes minors (GA, end of standard support, end of long-term support, newest patch), the
// provider compatibility matrix (Cluster API, CAPZ, ASO, Flux) and the VM sizes fleetctl knows, each
// row naming its source. The table is embedded (support.yaml); a file of the same shape replaces it
// (--versions-file, support.versionsFile in .fleetctl.yaml). Every query takes the time it answers
// for: nothing here reads the clock.
package support

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/strictyaml"
)

//go:embed support.yaml
var embedded []byte

// EndingWindow is how long before the end of standard support validate warns.
const EndingWindow = 60 * 24 * time.Hour

// Table is the whole support table.
type Table struct {
	// Date is the day the table's facts were gathered, YYYY-MM-DD.
	Date       string      `json:"date"`
	Kubernetes Kubernetes  `json:"kubernetes"`
	Providers  []Provider  `json:"providers"`
	VMSizes    VMSizeTable `json:"vmSizes"`

	date time.Time
}

// Kubernetes lists the AKS minors.
type Kubernetes struct {
	// PatchSource says where the patch column comes from.
	PatchSource string  `json:"patchSource"`
	Minors      []Minor `json:"minors"`
}

// Minor is one AKS Kubernetes minor. Dates are YYYY-MM-DD, or YYYY-MM for the month's last day.
type Minor struct {
	Minor        string `json:"minor"`
	GA           string `json:"ga"`
	EndOfSupport string `json:"endOfSupport"`
	LTSEnd       string `json:"ltsEnd,omitempty"`
	// Patch is the newest known patch release, vX.Y.Z.
	Patch  string `json:"patch"`
	Source string `json:"source"`

	major, minor    int
	ga, end, ltsEnd time.Time
}

// Provider is one row of the compatibility matrix.
type Provider struct {
	// Name is the key of the providers section of .fleetctl.yaml: clusterAPI, capz, aso, flux.
	Name  string `json:"name"`
	Minor string `json:"minor"`
	// Status says what the line is (current, no longer patched, ...).
	Status string `json:"status"`
	// EndOfSupport is set only where the provider's docs give a date.
	EndOfSupport string `json:"endOfSupport,omitempty"`
	Contract     string `json:"contract,omitempty"`
	Kubernetes   string `json:"kubernetes,omitempty"`
	Note         string `json:"note,omitempty"`
	Source       string `json:"source"`

	end time.Time
}

// VMSizeTable lists the known VM sizes by family.
type VMSizeTable struct {
	Source   string     `json:"source"`
	Families []VMFamily `json:"families"`
}

// VMFamily is one VM size family and its sizes.
type VMFamily struct {
	Family string   `json:"family"`
	Sizes  []string `json:"sizes"`
}

var (
	defaultOnce  sync.Once
	defaultTable *Table
	defaultErr   error
)

// Default returns the embedded table. It panics if the embedded file is broken, which a test rules out.
func Default() *Table {
	defaultOnce.Do(func() { defaultTable, defaultErr = Parse("support.yaml (embedded)", embedded) })
	if defaultErr != nil {
		panic(defaultErr)
	}
	return defaultTable
}

// Parse decodes a table strictly (unknown keys are errors) and checks every row; name is the file
// in error messages.
func Parse(name string, data []byte) (*Table, error) {
	var t Table
	if err := strictyaml.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := t.init(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &t, nil
}

var minorRE = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`)

func (t *Table) init() error {
	var err error
	if t.date, err = time.Parse(time.DateOnly, t.Date); err != nil {
		return fmt.Errorf("date %q: must be YYYY-MM-DD", t.Date)
	}
	if len(t.Kubernetes.Minors) == 0 {
		return fmt.Errorf("kubernetes.minors: must list at least one minor")
	}
	seen := map[string]bool{}
	for i := range t.Kubernetes.Minors {
		m := &t.Kubernetes.Minors[i]
		at := fmt.Sprintf("kubernetes.minors[%d]", i)
		g := minorRE.FindStringSubmatch(m.Minor)
		if g == nil {
			return fmt.Errorf("%s.minor %q: must be <major>.<minor>, e.g. 1.36", at, m.Minor)
		}
		if seen[m.Minor] {
			return fmt.Errorf("%s.minor %q: is listed twice", at, m.Minor)
		}
		seen[m.Minor] = true
		fmt.Sscan(g[1], &m.major)
		fmt.Sscan(g[2], &m.minor)
		if m.ga, err = day(at+".ga", m.GA, false); err != nil {
			return err
		}
		if m.end, err = day(at+".endOfSupport", m.EndOfSupport, true); err != nil {
			return err
		}
		if !m.end.After(m.ga) {
			return fmt.Errorf("%s.endOfSupport %q: must be after ga %q", at, m.EndOfSupport, m.GA)
		}
		if m.LTSEnd != "" {
			if m.ltsEnd, err = day(at+".ltsEnd", m.LTSEnd, true); err != nil {
				return err
			}
			if m.ltsEnd.Before(m.end) {
				return fmt.Errorf("%s.ltsEnd %q: must not be before endOfSupport %q", at, m.LTSEnd, m.EndOfSupport)
			}
		}
		p, ok := spec.ParseVersion(m.Patch)
		if !ok || p.Major != m.major || p.Minor != m.minor {
			return fmt.Errorf("%s.patch %q: must be a v%s.<patch> version", at, m.Patch, m.Minor)
		}
		if m.Source == "" {
			return fmt.Errorf("%s (%s): source: must name where the row comes from", at, m.Minor)
		}
	}
	sort.Slice(t.Kubernetes.Minors, func(i, j int) bool {
		a, b := t.Kubernetes.Minors[i], t.Kubernetes.Minors[j]
		return a.major < b.major || a.major == b.major && a.minor < b.minor
	})
	for i := range t.Providers {
		p := &t.Providers[i]
		at := fmt.Sprintf("providers[%d]", i)
		if p.Name == "" || p.Minor == "" || p.Source == "" {
			return fmt.Errorf("%s: name, minor and source are required", at)
		}
		if p.EndOfSupport != "" {
			if p.end, err = day(at+".endOfSupport", p.EndOfSupport, true); err != nil {
				return err
			}
		}
	}
	for i, f := range t.VMSizes.Families {
		if f.Family == "" || len(f.Sizes) == 0 {
			return fmt.Errorf("vmSizes.families[%d]: family and sizes are required", i)
		}
		for _, s := range f.Sizes {
			if !strings.HasPrefix(s, "Standard_") {
				return fmt.Errorf("vmSizes.families[%d] (%s): size %q: must start with Standard_", i, f.Family, s)
			}
		}
	}
	return nil
}

// day parses YYYY-MM-DD, or YYYY-MM as the month's last day when end is true (its first otherwise).
// An end date is returned as the start of the next day: the day itself is still inside the window.
func day(field, s string, end bool) (time.Time, error) {
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		if end {
			return d.AddDate(0, 0, 1), nil
		}
		return d, nil
	}
	m, err := time.Parse("2006-01", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: must be YYYY-MM-DD or YYYY-MM", field, s)
	}
	if end {
		return m.AddDate(0, 1, 0), nil
	}
	return m, nil
}

// Day is the table's date as a time.
func (t *Table) Day() time.Time { return t.date }

// Minor returns the row of v's minor.
func (t *Table) Minor(v spec.Version) (Minor, bool) {
	for _, m := range t.Kubernetes.Minors {
		if m.major == v.Major && m.minor == v.Minor {
			return m, true
		}
	}
	return Minor{}, false
}

// Name is the minor as versions are written: v1.36.
func (m Minor) Name() string { return "v" + m.Minor }

// GADay is the first day the minor is generally available.
func (m Minor) GADay() time.Time { return m.ga }

// LastDay is the last day of standard support.
func (m Minor) LastDay() time.Time { return m.end.AddDate(0, 0, -1) }

// LTSLastDay is the last day of long-term support (zero without LTS).
func (m Minor) LTSLastDay() time.Time {
	if m.ltsEnd.IsZero() {
		return time.Time{}
	}
	return m.ltsEnd.AddDate(0, 0, -1)
}

// end returns when support ends for a cluster on LTS or not.
func (m Minor) supportEnd(lts bool) time.Time {
	if lts && !m.ltsEnd.IsZero() {
		return m.ltsEnd
	}
	return m.end
}

// Offered reports whether AKS offers the minor at now: from GA until the end of standard support,
// or until the end of LTS for a cluster on LTS (Premium tier, support plan AKSLongTermSupport).
// Any patch of an offered minor is accepted: patches change weekly, the table follows minors.
func (m Minor) Offered(now time.Time, lts bool) bool {
	return !now.Before(m.ga) && now.Before(m.supportEnd(lts))
}

// Offered reports whether AKS offers v's minor at now.
func (t *Table) Offered(v spec.Version, now time.Time, lts bool) bool {
	m, ok := t.Minor(v)
	return ok && m.Offered(now, lts)
}

// OfferedMinors lists the minors offered at now, oldest first: v1.35, v1.36, ...
func (t *Table) OfferedMinors(now time.Time, lts bool) []string {
	var out []string
	for _, m := range t.Kubernetes.Minors {
		if m.Offered(now, lts) {
			out = append(out, m.Name())
		}
	}
	return out
}

// NewestGA returns the newest patch of the newest minor that is GA at the table's date: the version
// a new .fleetctl.yaml gets.
func (t *Table) NewestGA() string {
	best := ""
	for _, m := range t.Kubernetes.Minors {
		if !t.date.Before(m.ga) {
			best = m.Patch
		}
	}
	return best
}

// State is where a version stands at a date.
type State int

const (
	// Supported: inside standard support (or LTS, for a cluster on LTS), more than EndingWindow left.
	Supported State = iota
	// Ending: inside support, ending within EndingWindow.
	Ending
	// LTSOnly: out of standard support; only a cluster on LTS (Premium tier) is still supported.
	LTSOnly
	// Unsupported: out of standard support and of LTS.
	Unsupported
	// NotYetGA: AKS does not offer the minor yet.
	NotYetGA
	// Unknown: the table does not list the minor.
	Unknown
)

// Status is a version's state at a date.
type Status struct {
	State State
	Minor Minor
	// LastDay is the last day of the support that applies (standard, or LTS on LTS).
	LastDay time.Time
}

// Status says where version v stands at now, for a cluster on LTS or not.
func (t *Table) Status(v spec.Version, now time.Time, lts bool) Status {
	m, ok := t.Minor(v)
	if !ok {
		return Status{State: Unknown}
	}
	end := m.supportEnd(lts)
	st := Status{Minor: m, LastDay: end.AddDate(0, 0, -1)}
	switch {
	case now.Before(m.ga):
		st.State = NotYetGA
	case !now.Before(end):
		st.State = Unsupported
		if !lts && !m.ltsEnd.IsZero() && now.Before(m.ltsEnd) {
			st.State, st.LastDay = LTSOnly, m.LTSLastDay()
		}
	case end.Sub(now) <= EndingWindow:
		st.State = Ending
	default:
		st.State = Supported
	}
	return st
}

// CheckOffered refuses a version whose minor AKS does not offer at now; field names the input in
// the one-line error, which lists the minors offered.
func (t *Table) CheckOffered(field, version string, now time.Time, lts bool) error {
	v, ok := spec.ParseVersion(version)
	if !ok {
		return fmt.Errorf("%s %q: must be v<major>.<minor>.<patch>, e.g. %s", field, version, t.NewestGA())
	}
	if t.Offered(v, now, lts) {
		return nil
	}
	offered := t.OfferedMinors(now, lts)
	list := strings.Join(offered, ", ")
	if list == "" {
		list = "no minor in the table"
	}
	why := ""
	switch st := t.Status(v, now, lts); st.State {
	case LTSOnly:
		why = fmt.Sprintf("; v%d.%d left standard support on %s, LTS until %s needs the Premium tier", v.Major, v.Minor, st.Minor.LastDay().Format(time.DateOnly), st.LastDay.Format(time.DateOnly))
	case Unsupported:
		why = fmt.Sprintf("; v%d.%d left support on %s", v.Major, v.Minor, st.LastDay.Format(time.DateOnly))
	case NotYetGA:
		why = fmt.Sprintf("; v%d.%d is GA from %s", v.Major, v.Minor, st.Minor.GADay().Format(time.DateOnly))
	}
	return fmt.Errorf("%s %q: AKS offers %s on %s (table of %s; --versions-file replaces it)%s", field, version, list, now.Format(time.DateOnly), t.Date, why)
}

// ProviderStatus says where a provider version stands at now: the row of its minor (v1.14 for
// v1.14.2; flux's v2.9 for 2.9 or v2.9.0) and its state, Supported, Ending or Unsupported when the
// row has an end date, Supported without one. ok is false when the table has no row for it.
func (t *Table) ProviderStatus(name, version string, now time.Time) (Provider, State, bool) {
	minor := providerMinor(version)
	for _, p := range t.Providers {
		if p.Name != name || p.Minor != minor {
			continue
		}
		switch {
		case p.end.IsZero():
			return p, Supported, true
		case !now.Before(p.end):
			return p, Unsupported, true
		case p.end.Sub(now) <= EndingWindow:
			return p, Ending, true
		}
		return p, Supported, true
	}
	return Provider{}, Unknown, false
}

// LastDay is the last day of the provider line's support (zero when the table has no date).
func (p Provider) LastDay() time.Time {
	if p.end.IsZero() {
		return time.Time{}
	}
	return p.end.AddDate(0, 0, -1)
}

func providerMinor(v string) string {
	v = "v" + strings.TrimPrefix(v, "v")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return v
	}
	return parts[0] + "." + parts[1]
}

// VMSizes is the set of known sizes: the table's and extra ones (support.vmSizes in .fleetctl.yaml).
type VMSizes struct {
	t     *Table
	extra []string
}

// KnownSizes returns the known sizes with extra ones added.
func (t *Table) KnownSizes(extra ...string) VMSizes { return VMSizes{t: t, extra: extra} }

// Known reports whether size is known (case-insensitive, as Azure treats sizes).
func (s VMSizes) Known(size string) bool {
	for _, f := range s.t.VMSizes.Families {
		for _, k := range f.Sizes {
			if strings.EqualFold(k, size) {
				return true
			}
		}
	}
	return slices.ContainsFunc(s.extra, func(k string) bool { return strings.EqualFold(k, size) })
}

var digitsRE = regexp.MustCompile(`[0-9]+`)

// shape is a size without its first number: Standard_D4s_v5 and Standard_D6s_v5 are both
// standard_ds_v5, so sizes of one family share it.
func shape(size string) string {
	s := strings.ToLower(strings.TrimPrefix(size, "Standard_"))
	if loc := digitsRE.FindStringIndex(s); loc != nil {
		s = s[:loc[0]] + "#" + s[loc[1]:]
	}
	return s
}

// Check refuses an unknown size with a one-line error: the known sizes of the same family when
// there are any, else the known families.
func (s VMSizes) Check(field, size string) error {
	if s.Known(size) {
		return nil
	}
	want := shape(size)
	var near []string
	for _, f := range s.t.VMSizes.Families {
		for _, k := range f.Sizes {
			if shape(k) == want {
				near = append(near, k)
			}
		}
	}
	hint := "add it to support.vmSizes in .fleetctl.yaml if Azure offers it in your regions"
	if len(near) > 0 {
		return fmt.Errorf("%s %q: is not a known AKS VM size (table of %s); known sizes of its family: %s; %s", field, size, s.t.Date, strings.Join(near, ", "), hint)
	}
	fams := make([]string, len(s.t.VMSizes.Families))
	for i, f := range s.t.VMSizes.Families {
		fams[i] = f.Family + " (" + f.Sizes[0] + ")"
	}
	return fmt.Errorf("%s %q: is not a known AKS VM size (table of %s); known families: %s; %s", field, size, s.t.Date, strings.Join(fams, ", "), hint)
}
