package support

import (
	"strings"
	"testing"
	"time"

	"github.com/fleetctl/fleetctl/pkg/spec"
)

func date(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func ver(t *testing.T, s string) spec.Version {
	t.Helper()
	v, ok := spec.ParseVersion(s)
	if !ok {
		t.Fatalf("bad version %q", s)
	}
	return v
}

func TestEmbeddedTable(t *testing.T) {
	tab := Default()
	if tab.Date == "" || tab.Kubernetes.PatchSource == "" || tab.VMSizes.Source == "" {
		t.Fatalf("table lacks its date or sources: %+v", tab)
	}
	for _, m := range tab.Kubernetes.Minors {
		if !strings.HasPrefix(m.Source, "https://") {
			t.Errorf("minor %s: source %q is not a URL", m.Minor, m.Source)
		}
	}
	// The provider lines the repo targets before and after the provider move are all listed.
	for _, p := range [][2]string{{"clusterAPI", "v1.10.10"}, {"clusterAPI", "v1.14.2"}, {"capz", "v1.21.0"}, {"capz", "v1.27.0"},
		{"aso", "v2.13.0"}, {"aso", "v2.18.0"}, {"flux", "v2.7"}, {"flux", "2.9"}} {
		if _, _, ok := tab.ProviderStatus(p[0], p[1], date(t, "2026-12-04")); !ok {
			t.Errorf("no row for %s %s", p[0], p[1])
		}
	}
}

func TestNewestGA(t *testing.T) {
	// 1.37 is GA in October 2026, before the table's date.
	if got := Default().NewestGA(); got != "v1.37.2" {
		t.Fatalf("NewestGA = %s", got)
	}
	tab, err := Parse("t.yaml", []byte(`date: "2026-05-01"
kubernetes:
  patchSource: test
  minors:
    - {minor: "1.36", ga: "2026-06", endOfSupport: "2027-06", patch: v1.36.3, source: s}
    - {minor: "1.35", ga: "2026-03", endOfSupport: "2027-03", patch: v1.35.4, source: s}
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := tab.NewestGA(); got != "v1.35.4" {
		t.Fatalf("NewestGA before 1.36's GA = %s", got)
	}
}

func TestOffered(t *testing.T) {
	tab := Default()
	for _, c := range []struct {
		now  string
		lts  bool
		want string
	}{
		{"2026-12-04", false, "v1.35, v1.36, v1.37"},
		{"2026-11-30", false, "v1.34, v1.35, v1.36, v1.37"}, // 1.34's last day (Nov 2026 = its last day)
		{"2026-12-04", true, "v1.32, v1.33, v1.34, v1.35, v1.36, v1.37"},
		{"2026-07-31", false, "v1.33, v1.34, v1.35, v1.36"},
		{"2026-08-01", false, "v1.34, v1.35, v1.36"},
		{"2025-08-22", false, "v1.30, v1.31, v1.32, v1.33"}, // a day given: that day is still in
		{"2025-08-23", false, "v1.31, v1.32, v1.33"},
	} {
		if got := strings.Join(tab.OfferedMinors(date(t, c.now), c.lts), ", "); got != c.want {
			t.Errorf("offered on %s (lts %v) = %s, want %s", c.now, c.lts, got, c.want)
		}
	}
	if !tab.Offered(ver(t, "v1.35.99"), date(t, "2026-12-04"), false) {
		t.Errorf("any patch of an offered minor is accepted")
	}
}

func TestStatus(t *testing.T) {
	tab := Default()
	for _, c := range []struct {
		version, now string
		lts          bool
		want         State
		last         string
	}{
		{"v1.37.2", "2026-12-04", false, Supported, "2027-10-31"},
		{"v1.35.4", "2027-01-30", false, Supported, "2027-03-31"},
		{"v1.35.4", "2027-01-31", false, Ending, "2027-03-31"}, // 60 days before 2027-04-01
		{"v1.35.4", "2027-03-01", false, Ending, "2027-03-31"}, // 30 days left
		{"v1.35.4", "2027-03-31", false, Ending, "2027-03-31"},
		{"v1.35.4", "2027-04-01", false, LTSOnly, "2028-03-31"},
		{"v1.35.4", "2027-04-01", true, Supported, "2028-03-31"},
		{"v1.33.2", "2026-12-04", false, LTSOnly, "2027-07-31"},
		{"v1.29.6", "2026-12-04", false, Unsupported, "2025-03-31"},
		{"v1.29.6", "2026-12-04", true, Unsupported, "2026-04-30"},
		{"v1.37.0", "2026-09-30", false, NotYetGA, "2027-10-31"},
		{"v1.20.0", "2026-12-04", false, Unknown, ""},
	} {
		st := tab.Status(ver(t, c.version), date(t, c.now), c.lts)
		last := ""
		if !st.LastDay.IsZero() {
			last = st.LastDay.Format(time.DateOnly)
		}
		if st.State != c.want || last != c.last {
			t.Errorf("Status(%s, %s, lts %v) = %v until %s, want %v until %s", c.version, c.now, c.lts, st.State, last, c.want, c.last)
		}
	}
}

func TestCheckOffered(t *testing.T) {
	tab := Default()
	now := date(t, "2026-12-04")
	for _, c := range []struct{ version, want string }{
		{"v1.37.2", ""},
		{"v1.35.0", ""},
		{"v1.20.0", `kubernetes version "v1.20.0": AKS offers v1.35, v1.36, v1.37 on 2026-12-04 (table of 2026-12-01; --versions-file replaces it)`},
		{"v1.33.2", `kubernetes version "v1.33.2": AKS offers v1.35, v1.36, v1.37 on 2026-12-04 (table of 2026-12-01; --versions-file replaces it); v1.33 left standard support on 2026-07-31, LTS until 2027-07-31 needs the Premium tier`},
		{"v1.29.6", `; v1.29 left support on 2025-03-31`},
		{"1.36", `must be v<major>.<minor>.<patch>`},
	} {
		err := tab.CheckOffered("kubernetes version", c.version, now, false)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.version, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want it to contain %q", c.version, err, c.want)
		}
	}
	if err := tab.CheckOffered("v", "v1.38.0", date(t, "2026-12-04"), false); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("v1.38.0: %v", err)
	}
}

func TestProviderStatus(t *testing.T) {
	tab := Default()
	for _, c := range []struct {
		name, version, now string
		want               State
	}{
		{"clusterAPI", "v1.10.10", "2026-02-20", Supported},
		{"clusterAPI", "v1.10.10", "2026-02-21", Ending}, // 60 days before 2026-04-22
		{"clusterAPI", "v1.10.10", "2026-04-21", Ending},
		{"clusterAPI", "v1.10.10", "2026-04-22", Unsupported},
		{"clusterAPI", "v1.14.2", "2026-12-04", Supported}, // no date known
		{"flux", "2.9", "2026-12-04", Supported},
		{"capz", "v1.99.0", "2026-12-04", Unknown},
	} {
		_, st, _ := tab.ProviderStatus(c.name, c.version, date(t, c.now))
		if st != c.want {
			t.Errorf("%s %s on %s: %v, want %v", c.name, c.version, c.now, st, c.want)
		}
	}
}

func TestVMSizes(t *testing.T) {
	sizes := Default().KnownSizes("Standard_L8s_v3")
	for _, c := range []struct{ size, want string }{
		{"Standard_D4s_v5", ""},
		{"standard_d8s_v5", ""},
		{"Standard_L8s_v3", ""}, // an extra size
		{"Standard_D6s_v5", "known sizes of its family: Standard_D2s_v5, Standard_D4s_v5,"},
		{"Standard_Bogus_v99", "known families: Bs (Standard_B2s), "},
	} {
		err := sizes.Check("vm size", c.size)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.size, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want it to contain %q", c.size, err, c.want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	base := "date: \"2026-12-01\"\nkubernetes:\n  patchSource: p\n  minors:\n"
	for _, c := range []struct{ row, want string }{
		{`    - {minor: "1.36", ga: "2026-06", endOfSupport: "2027-06", patch: v1.36.3}`, "source: must name"},
		{`    - {minor: "1.36", ga: "2026-06", endOfSupport: "2027-06", patch: v1.35.3, source: s}`, `patch "v1.35.3"`},
		{`    - {minor: "v1.36", ga: "2026-06", endOfSupport: "2027-06", patch: v1.36.3, source: s}`, `minor "v1.36"`},
		{`    - {minor: "1.36", ga: "June", endOfSupport: "2027-06", patch: v1.36.3, source: s}`, `ga "June"`},
		{`    - {minor: "1.36", ga: "2026-06", endOfSupport: "2025-06", patch: v1.36.3, source: s}`, `must be after ga`},
		{`    - {minor: "1.36", ga: "2026-06", endOfSupport: "2027-06", patch: v1.36.3, source: s, eol: x}`, `eol`},
	} {
		_, err := Parse("v.yaml", []byte(base+c.row+"\n"))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "v.yaml: ") {
			t.Errorf("%s: error %v, want %q", c.row, err, c.want)
		}
	}
}
