package fleet

import (
	"fmt"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/render"
)

// SyntheticFiles renders a whole fleet of n clusters for benchmarks and load tests: init's skeleton,
// the clusters c0000-aks, c0001-aks, ... (config defaults, each with its own /24 service CIDR so the
// fleet is valid, and the labels of SyntheticLabels) and the list naming them all. It returns the
// files, repo-relative, and the names.
func (f *Fleet) SyntheticFiles(n int) ([]render.File, []string, error) {
	files, err := f.SkeletonFiles()
	if err != nil {
		return nil, nil, err
	}
	var list strings.Builder
	list.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n")
	names := make([]string, 0, n)
	for i := range n {
		c := f.NewCluster(fmt.Sprintf("c%04d-aks", i))
		c.Network.ServiceCIDR = fmt.Sprintf("10.%d.%d.0/24", i/256, i%256)
		c.Network.DNSServiceIP = fmt.Sprintf("10.%d.%d.10", i/256, i%256)
		c.Labels = SyntheticLabels(i)
		cf, err := f.ClusterFiles(c)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, cf...)
		fmt.Fprintf(&list, "  - %s\n", c.Name)
		names = append(names, c.Name)
	}
	if n > 0 {
		for i := range files {
			if files[i].Path == f.ClustersKustomization() {
				files[i].Content = []byte(list.String())
			}
		}
	}
	return files, names, nil
}

// SyntheticLabels are the labels of synthetic cluster i, as a fleet rolled out in rings has them:
// ring canary for one cluster in ten, early for three, broad for the rest; env dev for one in four,
// staging for one in four, prod for half; and team one of seven teams.
func SyntheticLabels(i int) map[string]string {
	ring := "broad"
	switch i % 10 {
	case 0:
		ring = "canary"
	case 1, 2, 3:
		ring = "early"
	}
	env := [...]string{"dev", "staging", "prod", "prod"}[i%4]
	return map[string]string{"ring": ring, "env": env, "team": fmt.Sprintf("team-%d", i%7)}
}
