// Package printer holds the output of every fleetctl command: the formats -o takes, structured
// JSON/YAML, the tables and text of clusters and node pools, and what a write reports. Verbs print
// through it and never through each other.
package printer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	yaml "go.yaml.in/yaml/v3"

	"github.com/fleetctl/fleetctl/pkg/fleet"
)

// The words -o takes: lists print as a table (wide: more columns), one name per line, or a
// structured document; one object as text or a structured document.
var (
	ListFormats   = []string{"table", "wide", "json", "yaml", "name"}
	ObjectFormats = []string{"text", "json", "yaml"}
)

// Structured writes v as indented JSON or as YAML (the same fields, in the same order).
func Structured(w io.Writer, format string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if format == "yaml" {
		// JSON is YAML: parse it as a node tree, which keeps the fields in their documented order, and
		// print it in block style.
		var n yaml.Node
		if err := yaml.Unmarshal(data, &n); err != nil {
			return err
		}
		blockStyle(&n)
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(&n); err != nil {
			return err
		}
		return enc.Close()
	}
	_, err = fmt.Fprintf(w, "%s\n", data)
	return err
}

// blockStyle clears the flow and quoting styles JSON input has, so the encoder picks block style and
// quotes only where YAML needs it.
func blockStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		blockStyle(c)
	}
}

// Table writes rows under a header, aligned, as every fleetctl table is.
func Table(w io.Writer, header []string, rows [][]string) error { return table(w, header, rows) }

// table writes rows under a header, aligned; an empty last cell leaves no trailing spaces.
func table(w io.Writer, header []string, rows [][]string) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	out := make([]byte, 0, buf.Len())
	for line := range bytes.Lines(buf.Bytes()) {
		out = append(out, bytes.TrimRight(line, " \n")...)
		out = append(out, '\n')
	}
	_, err := w.Write(out)
	return err
}

// LabelColumns are the label columns a cluster table adds after its own: one per key in Keys
// (header the key upper-cased, empty when the cluster lacks the label), then with All a LABELS
// column of every label, key=value sorted by key and comma-separated (<none> without labels).
type LabelColumns struct {
	Keys []string
	All  bool
}

func (lc LabelColumns) header() []string {
	h := make([]string, 0, len(lc.Keys)+1)
	for _, k := range lc.Keys {
		h = append(h, strings.ToUpper(k))
	}
	if lc.All {
		h = append(h, "LABELS")
	}
	return h
}

func (lc LabelColumns) cells(c fleet.ClusterInfo) []string {
	cells := make([]string, 0, len(lc.Keys)+1)
	for _, k := range lc.Keys {
		cells = append(cells, c.Labels[k])
	}
	if lc.All {
		cells = append(cells, LabelList(c.Labels))
	}
	return cells
}

// LabelList prints labels as k=v,k=v sorted by key, or <none>.
func LabelList(l map[string]string) string {
	if len(l) == 0 {
		return "<none>"
	}
	parts := make([]string, 0, len(l))
	for _, k := range slices.Sorted(maps.Keys(l)) {
		parts = append(parts, k+"="+l[k])
	}
	return strings.Join(parts, ",")
}

// Clusters prints clusters as a table, wide table or one name per line; the tables end with the
// label columns lc asks for.
func Clusters(w io.Writer, format string, items []fleet.ClusterInfo, lc LabelColumns) error {
	if format == "name" {
		for _, c := range items {
			fmt.Fprintln(w, c.Name)
		}
		return nil
	}
	header := []string{"NAME", "LOCATION", "VERSION", "POOLS", "NODES", "PATH"}
	if format == "wide" {
		header = []string{"NAME", "LOCATION", "VERSION", "POOLS", "NODES", "RESOURCE GROUP", "SKU", "NETWORK", "SERVICE CIDR", "LISTED", "PATH"}
	}
	header = append(header, lc.header()...)
	rows := make([][]string, 0, len(items))
	for _, c := range items {
		var row []string
		switch {
		case c.Error != "" && format == "wide":
			row = []string{c.Name, "-", "-", "-", "-", "-", "-", "-", "-", yesNo(c.Listed), c.Path}
		case c.Error != "":
			row = []string{c.Name, "-", "-", "-", "-", c.Path}
		case format == "wide":
			row = []string{c.Name, c.Location, Version(c), Pools(c), Nodes(c.Nodes), dash(c.ResourceGroup), dash(c.SKUTier),
				dash(network(c)), dash(c.Network.ServiceCIDR), yesNo(c.Listed), c.Path}
		default:
			row = []string{c.Name, c.Location, Version(c), Pools(c), Nodes(c.Nodes), c.Path}
		}
		rows = append(rows, append(row, lc.cells(c)...))
	}
	return table(w, header, rows)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func network(c fleet.ClusterInfo) string {
	n := c.Network
	net := n.Plugin
	if n.Policy != "" {
		net += "/" + n.Policy
	}
	if n.OutboundType != "" {
		net += ", outbound " + n.OutboundType
	}
	return net
}

// Version is the control plane version, with the pools' versions when some lag it.
func Version(c fleet.ClusterInfo) string {
	var behind []string
	for _, p := range c.NodePools {
		if p.KubernetesVersion != c.KubernetesVersion && !slices.Contains(behind, p.KubernetesVersion) {
			behind = append(behind, p.KubernetesVersion)
		}
	}
	if len(behind) == 0 {
		return c.KubernetesVersion
	}
	return fmt.Sprintf("%s (pools %s)", c.KubernetesVersion, strings.Join(behind, ","))
}

// Pools lists pool names with their node counts: "system:3,work:1-10".
func Pools(c fleet.ClusterInfo) string {
	parts := make([]string, len(c.NodePools))
	for i, p := range c.NodePools {
		parts[i] = p.Name + ":" + poolNodes(p)
	}
	return strings.Join(parts, ",")
}

// poolNodes is a pool's count, or its autoscale bounds as min-max.
func poolNodes(p fleet.PoolInfo) string {
	if a := p.Autoscale; a != nil {
		return Nodes(fleet.NodeRange{Min: deref(a.Min), Max: deref(a.Max)})
	}
	if p.Count == nil {
		return "?"
	}
	return fmt.Sprint(*p.Count)
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// Nodes prints a node range: "3" or "4-13".
func Nodes(r fleet.NodeRange) string {
	if r.Min == r.Max {
		return fmt.Sprint(r.Min)
	}
	return fmt.Sprintf("%d-%d", r.Min, r.Max)
}

// Cluster prints one cluster for people.
func Cluster(w io.Writer, c fleet.ClusterInfo) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, v)
		}
	}
	row("Name", c.Name)
	row("Path", c.Path)
	if !c.Listed {
		row("Listed", "no (Flux does not apply this folder)")
	}
	if len(c.Labels) > 0 {
		row("Labels", LabelList(c.Labels))
	}
	row("Location", c.Location)
	row("Resource group", c.ResourceGroup)
	row("DNS prefix", c.DNSPrefix)
	row("Kubernetes", Version(c))
	row("SKU tier", c.SKUTier)
	row("Network", network(c))
	row("Service CIDR", c.Network.ServiceCIDR)
	row("DNS service IP", c.Network.DNSServiceIP)
	row("Pod CIDR", c.Network.PodCIDR)
	row("Nodes", Nodes(c.Nodes))
	row("Values", strings.Join(c.ValuesFiles, ", "))
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return NodePools(w, "table", c.NodePools)
}

// NodePools prints node pools as a table, wide table or one name per line.
func NodePools(w io.Writer, format string, pools []fleet.PoolInfo) error {
	if format == "name" {
		for _, p := range pools {
			fmt.Fprintln(w, p.Name)
		}
		return nil
	}
	header := []string{"POOL", "MODE", "VM SIZE", "OS", "NODES", "AUTOSCALE", "ZONES", "VERSION"}
	if format == "wide" {
		header = append(header, "MAX PODS", "OS DISK")
	}
	rows := make([][]string, 0, len(pools))
	for _, p := range pools {
		auto := "no"
		if p.Autoscale != nil {
			auto = "yes"
		}
		zones := strings.Join(p.Zones, ",")
		if zones == "" {
			zones = "-"
		}
		row := []string{p.Name, p.Mode, p.VMSize, p.OSType, poolNodes(p), auto, zones, p.KubernetesVersion}
		if format == "wide" {
			disk := p.OSDiskType
			if p.OSDiskSizeGB != nil {
				disk = strings.TrimSpace(fmt.Sprintf("%s %dGB", disk, *p.OSDiskSizeGB))
			}
			maxPods := "-"
			if p.MaxPods != nil {
				maxPods = fmt.Sprint(*p.MaxPods)
			}
			row = append(row, maxPods, dash(disk))
		}
		rows = append(rows, row)
	}
	return table(w, header, rows)
}
