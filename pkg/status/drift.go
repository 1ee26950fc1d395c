package status

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/fleetctl/fleetctl/pkg/spec"
)

// objects are one cluster's objects on the server; infraKnown says whether AzureASOManagedClusters
// could be listed at all.
type objects struct {
	helmRelease, cluster, controlPlane, infraCluster *unstructured.Unstructured
	pools                                            []*unstructured.Unstructured
	infraKnown                                       bool
}

// drift compares what the repo says of cluster c with the spec of its objects on the server,
// field by field, in a fixed order: missing objects, the version, labels, then each pool by name.
// Only fields the chart renders from the values are compared; status never is.
func drift(c spec.Cluster, o objects) []Drift {
	hr, cl, cp, pools := o.helmRelease, o.cluster, o.controlPlane, o.pools
	out := []Drift{}
	add := func(field, repo, server, object string) {
		if repo != server {
			out = append(out, Drift{Field: field, Repo: repo, Server: server, Object: object})
		}
	}
	missing := func(kind, name string) {
		out = append(out, Drift{Field: "objects", Repo: "present", Server: "", Object: kind + " " + name})
	}
	if hr == nil {
		missing("HelmRelease", c.Name)
	}
	if cl == nil {
		missing("Cluster", c.Name)
	}
	if o.infraCluster == nil && o.infraKnown {
		missing("AzureASOManagedCluster", c.Name)
	}
	if cp == nil {
		missing("AzureASOManagedControlPlane", c.Name)
	} else {
		v, _, _ := unstructured.NestedString(cp.Object, "spec", "version")
		add("kubernetesVersion", c.KubernetesVersion, v, "AzureASOManagedControlPlane "+c.Name+" spec.version")
	}
	if cl != nil {
		server := userLabels(cl.GetLabels())
		keys := slices.Sorted(maps.Keys(c.Labels))
		for k := range server {
			if _, ok := c.Labels[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		all := cl.GetLabels()
		for _, k := range keys {
			add("labels."+k, c.Labels[k], all[k], "Cluster "+c.Name+" metadata.labels")
		}
	}
	byName := map[string]*unstructured.Unstructured{}
	for _, mp := range pools {
		byName[strings.TrimPrefix(mp.GetName(), c.Name+"-")] = mp
	}
	names := map[string]bool{}
	for _, p := range c.NodePools {
		names[p.Name] = true
	}
	for n := range byName {
		names[n] = true
	}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		p, inRepo := c.Pool(name)
		mp := byName[name]
		field := "nodePools." + name
		obj := "MachinePool " + c.Name + "-" + name
		switch {
		case mp == nil:
			out = append(out, Drift{Field: field, Repo: "present", Server: "", Object: obj})
			continue
		case !inRepo:
			out = append(out, Drift{Field: field, Repo: "", Server: "present", Object: obj})
			continue
		}
		v, _, _ := unstructured.NestedString(mp.Object, "spec", "template", "spec", "version")
		add(field+".kubernetesVersion", c.PoolVersion(p), v, obj+" spec.template.spec.version")
		b := bounds(mp)
		if p.Autoscaled() {
			// The autoscaler owns spec.replicas (CAPZ writes its count back): only the bounds count.
			add(field+".autoscale", fmt.Sprintf("%d-%d", deref(p.Min), deref(p.Max)), boundsString(b), obj+" metadata.annotations")
			continue
		}
		r, ok, _ := unstructured.NestedInt64(mp.Object, "spec", "replicas")
		server := ""
		if ok {
			server = fmt.Sprint(r)
		}
		repo := ""
		if p.Count != nil {
			repo = fmt.Sprint(*p.Count)
		}
		add(field+".count", repo, server, obj+" spec.replicas")
		if b != nil {
			add(field+".autoscale", "", boundsString(b), obj+" metadata.annotations")
		}
	}
	return out
}

func boundsString(b *Bounds) string {
	if b == nil {
		return ""
	}
	return fmt.Sprintf("%d-%d", b.Min, b.Max)
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}
