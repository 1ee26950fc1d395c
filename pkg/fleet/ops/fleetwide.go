package ops

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/spec"
)

// Many is a change of several clusters made as one plan, one commit: Per plans one cluster (the
// same function a single-cluster command uses), on the client's view. Clusters already as asked
// are named in the message and left out; when none changes, the plan changes nothing.
type Many struct {
	// Clusters are the clusters to change, in order.
	Clusters []string
	// Subject says what happens to each, for the commit subject: "upgrade to Kubernetes v1.37.2".
	Subject string
	// Branch is the branch without the prefix: "upgrade-v1.37.2".
	Branch string
	Per    func(cluster string) (*change.Plan, error)
}

// PlanMany plans m: every cluster's plan, then one plan holding all their changes, checked as a
// whole on the tree it leads to. The first cluster whose plan is refused refuses the whole change.
func (c *Client) PlanMany(m Many) (*change.Plan, error) {
	p := &change.Plan{Branch: c.branch(m.Branch)}
	var changed, same []string
	var bodies []string
	for _, name := range m.Clusters {
		cp, err := m.Per(name)
		if err != nil {
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", name)) && !strings.Contains(err.Error(), name+" ") {
				err = fmt.Errorf("cluster %q: %w", name, err)
			}
			return nil, err
		}
		if len(cp.Changes) == 0 {
			same = append(same, name)
			continue
		}
		changed = append(changed, name)
		p.Changes = append(p.Changes, cp.Changes...)
		p.Touched = append(p.Touched, cp.Touched...)
		p.Clusters = append(p.Clusters, cp.Clusters...)
		bodies = append(bodies, section(cp.Message))
	}
	if len(changed) == 0 {
		p.NoOp = fmt.Sprintf("the %d selected %s already as asked (%s)", len(same), plural(len(same), "cluster is", "clusters are"), strings.Join(same, ", "))
		return p, nil
	}
	var b strings.Builder
	if len(changed) == 1 {
		fmt.Fprintf(&b, "%s: %s\n\n", capitalize(m.Subject), changed[0])
	} else {
		fmt.Fprintf(&b, "%s: %d clusters\n\n", capitalize(m.Subject), len(changed))
	}
	fmt.Fprintf(&b, "Clusters: %s\n", strings.Join(changed, ", "))
	if len(same) > 0 {
		fmt.Fprintf(&b, "Already as asked, unchanged: %s\n", strings.Join(same, ", "))
	}
	for _, body := range bodies {
		b.WriteString("\n" + body)
	}
	p.Message = b.String()
	p.Next = fmt.Sprintf("merging it changes %d AKS %s: %s", len(changed), plural(len(changed), "cluster", "clusters"), strings.Join(changed, ", "))
	slices.Sort(p.Touched)
	return c.plan(p), nil
}

// section gives a cluster's commit message as a section of the combined one: its subject as the
// heading, then its body.
func section(msg string) string {
	subject, body, _ := strings.Cut(strings.TrimRight(msg, "\n"), "\n")
	body = strings.Trim(body, "\n")
	if body == "" {
		return subject + "\n"
	}
	return subject + "\n" + body + "\n"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// settingParts are the settings s changes, as (name, value) pairs in a fixed order.
func (s ClusterSettings) settingParts() [][2]string {
	var out [][2]string
	add := func(name string, v *string) {
		if v != nil {
			out = append(out, [2]string{name, orDefault(*v, "unset")})
		}
	}
	add("tier", s.SKUTier)
	add("auto-upgrade channel", s.AutoUpgradeChannel)
	add("node OS upgrade channel", s.NodeOSUpgradeChannel)
	add("support plan", s.SupportPlan)
	for _, kind := range spec.WindowKindNames {
		if w, ok := s.Windows[spec.WindowKinds[kind]]; ok {
			v := "off"
			if w != nil {
				v = w.String()
			}
			out = append(out, [2]string{"maintenance window " + kind, v})
		}
	}
	return out
}

// Describe says what the settings change, for a commit subject: "node OS upgrade channel SecurityPatch".
func (s ClusterSettings) Describe() string {
	var parts []string
	for _, p := range s.settingParts() {
		parts = append(parts, p[0]+" "+p[1])
	}
	return strings.Join(parts, ", ")
}

// Slug names the settings in a branch: "node-os-upgrade-channel-securitypatch".
func (s ClusterSettings) Slug() string {
	var b strings.Builder
	for _, p := range s.settingParts() {
		name := p[0]
		switch {
		case strings.HasPrefix(name, "maintenance window "):
			name, p[1] = "window "+strings.TrimPrefix(name, "maintenance window "), "" // the kind is enough
		case name == "node OS upgrade channel":
			name = "node-os"
		case name == "auto-upgrade channel":
			name = "auto-upgrade"
		}
		for _, r := range strings.ToLower(name + " " + p[1]) {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
				b.WriteRune(r)
			case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
				b.WriteByte('-')
			}
		}
		if !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
