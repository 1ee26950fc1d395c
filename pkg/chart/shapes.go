package chart

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// API versions and kinds fleetctl expects from the cluster chart.
const (
	// CAPIGroup is Cluster API's core group; its version is the fleet's contract (Contract*).
	CAPIGroup = "cluster.x-k8s.io"
	// ContractV1beta1 (CAPI up to v1.10 stores it) and ContractV1beta2 (from v1.11) are the Cluster
	// API contracts the chart can render. v1beta2 references name an apiGroup, v1beta1 ones an
	// apiVersion.
	ContractV1beta1 = "v1beta1"
	ContractV1beta2 = "v1beta2"
	// CAPIAPIVersion is the apiVersion of the chart's Cluster and MachinePools under the current
	// contract.
	CAPIAPIVersion      = CAPIGroup + "/" + ContractV1beta2
	CAPZGroup           = "infrastructure.cluster.x-k8s.io"
	CAPZAPIVersion      = CAPZGroup + "/v1beta1"
	KustomizeAPIVersion = "kustomize.toolkit.fluxcd.io/v1"

	ResourceGroupAPIVersion = "resources.azure.com/v1api20200601"
	ManagedClusterGroup     = "containerservice.azure.com"

	KindCluster                     = "Cluster"
	KindMachinePool                 = "MachinePool"
	KindAzureASOManagedCluster      = "AzureASOManagedCluster"
	KindAzureASOManagedControlPlane = "AzureASOManagedControlPlane"
	KindAzureASOManagedMachinePool  = "AzureASOManagedMachinePool"
	KindKustomization               = "Kustomization"

	// CredentialFromAnnotation names the Secret Azure Service Operator
	// reads credentials from; every embedded ASO resource carries it.
	CredentialFromAnnotation = "serviceoperator.azure.com/credential-from"
	// AutoscalerMinSizeAnnotation and AutoscalerMaxSizeAnnotation carry an
	// autoscaled MachinePool's bounds.
	AutoscalerMinSizeAnnotation = "cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size"
	AutoscalerMaxSizeAnnotation = "cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size"
)

// capzOwned lists the fields of embedded ASO specs that CAPZ sets from the
// CAPI objects; a value in the repo conflicts with CAPZ's and fails the
// reconcile.
var capzOwned = map[string][][]string{
	"ManagedCluster": {
		{"spec", "kubernetesVersion"},
		{"spec", "networkProfile", "serviceCidr"},
		{"spec", "networkProfile", "podCidr"},
		{"spec", "agentPoolProfiles"},
	},
	"ManagedClustersAgentPool": {
		{"spec", "orchestratorVersion"},
		{"spec", "count"},
	},
}

// CheckShapes checks a rendered cluster chart under the current Cluster API
// contract (v1beta2); see CheckShapesFor.
func CheckShapes(objs []Object, poolNames []string) error {
	return CheckShapesFor(objs, poolNames, ContractV1beta2)
}

// CheckShapesFor checks that a rendered cluster chart is the set of objects
// fleetctl expects for a cluster with the given node pools (Azure pool names,
// in any order) under a Cluster API contract (v1beta1 or v1beta2):
//
//   - exactly one Cluster (cluster.x-k8s.io/<contract>), whose controlPlaneRef
//     and infrastructureRef name the one AzureASOManagedControlPlane and the
//     one AzureASOManagedCluster (infrastructure.cluster.x-k8s.io/v1beta1);
//   - the AzureASOManagedCluster embeds a ResourceGroup and the control plane
//     a ManagedCluster owned by it;
//   - per pool, one MachinePool and one AzureASOManagedMachinePool that embeds
//     a ManagedClustersAgentPool with that azureName, owned by the
//     ManagedCluster; an autoscaled pool has no replicas and carries its
//     bounds in the autoscaler annotations;
//   - two Flux Kustomizations (kustomize.toolkit.fluxcd.io/v1) that reach the
//     new cluster through <cluster>-kubeconfig (key "value"), the second
//     depending on the first;
//   - every embedded ASO resource names its credentials Secret and no ASO
//     spec sets a field CAPZ owns;
//   - all objects share one namespace, and nothing else is rendered.
//
// It returns every problem found, one line each, joined with errors.Join, or
// nil.
func CheckShapesFor(objs []Object, poolNames []string, contract string) error {
	s := &shapeCheck{contract: contract}
	s.run(objs, poolNames)
	if len(s.problems) == 0 {
		return nil
	}
	errs := make([]error, len(s.problems))
	for i, p := range s.problems {
		errs[i] = errors.New(p)
	}
	return errors.Join(errs...)
}

type shapeCheck struct {
	contract string
	problems []string
}

// refMatches reports whether a reference to a CAPZ object names it as the contract does: v1beta2
// by apiGroup (CAPI looks the version up in the CRD's contract labels), v1beta1 by apiVersion.
func (s *shapeCheck) refMatches(ref map[string]any, kind string) bool {
	if str(ref, "kind") != kind {
		return false
	}
	if s.contract == ContractV1beta1 {
		return str(ref, "apiVersion") == CAPZAPIVersion
	}
	return str(ref, "apiGroup") == CAPZGroup
}

// refTarget describes what refMatches wants, for messages.
func (s *shapeCheck) refTarget() string {
	if s.contract == ContractV1beta1 {
		return CAPZAPIVersion
	}
	return "apiGroup " + CAPZGroup
}

// refGot describes what a reference names, for messages.
func (s *shapeCheck) refGot(ref map[string]any) string {
	if s.contract == ContractV1beta1 {
		return str(ref, "apiVersion")
	}
	return "apiGroup " + str(ref, "apiGroup")
}

func (s *shapeCheck) addf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	// one problem, one line
	s.problems = append(s.problems, strings.Join(strings.Fields(msg), " "))
}

func (s *shapeCheck) run(objs []Object, poolNames []string) {
	byKind := map[string][]Object{}
	namespaces := map[string]bool{}
	expectedVersion := map[string]string{
		KindCluster:                     CAPIGroup + "/" + s.contract,
		KindMachinePool:                 CAPIGroup + "/" + s.contract,
		KindAzureASOManagedCluster:      CAPZAPIVersion,
		KindAzureASOManagedControlPlane: CAPZAPIVersion,
		KindAzureASOManagedMachinePool:  CAPZAPIVersion,
		KindKustomization:               KustomizeAPIVersion,
	}
	for _, o := range objs {
		namespaces[o.Namespace] = true
		want, known := expectedVersion[o.Kind]
		if !known {
			s.addf("%s: unexpected object: the cluster chart renders only %s", describe(o), strings.Join(sortedKeys(expectedVersion), ", "))
			continue
		}
		if o.APIVersion != want {
			if apiGroup(o.APIVersion) == CAPIGroup {
				s.addf("%s: apiVersion %s, want %s: the fleet targets the Cluster API %s contract (providers in .fleetctl.yaml)", describe(o), o.APIVersion, want, s.contract)
			} else {
				s.addf("%s: apiVersion %s, want %s", describe(o), o.APIVersion, want)
			}
		}
		byKind[o.Kind] = append(byKind[o.Kind], o)
	}
	if len(namespaces) > 1 {
		s.addf("objects are spread over namespaces %s; they must share one (the kubeconfig Secret and the Kustomizations must be in the Cluster's namespace)", strings.Join(sortedKeys(namespaces), ", "))
	}

	cluster, okCluster := s.exactlyOne(byKind, KindCluster)
	asoCluster, okASOCluster := s.exactlyOne(byKind, KindAzureASOManagedCluster)
	controlPlane, okCP := s.exactlyOne(byKind, KindAzureASOManagedControlPlane)

	// Cluster references.
	if okCluster {
		if okCP {
			s.checkRef(cluster, "spec.controlPlaneRef", KindAzureASOManagedControlPlane, controlPlane.Name)
		}
		if okASOCluster {
			s.checkRef(cluster, "spec.infrastructureRef", KindAzureASOManagedCluster, asoCluster.Name)
		}
	}

	// Resource group and managed cluster.
	var rgName, managedClusterName string
	if okASOCluster {
		rgs := s.embedded(asoCluster, func(r map[string]any) bool { return str(r, "kind") == "ResourceGroup" })
		switch len(rgs) {
		case 0:
			s.addf("%s: spec.resources has no ResourceGroup (%s)", describe(asoCluster), ResourceGroupAPIVersion)
		case 1:
			rgName = str(rgs[0], "metadata", "name")
			if v := str(rgs[0], "apiVersion"); v != ResourceGroupAPIVersion {
				s.addf("%s: ResourceGroup apiVersion %s, want %s", describe(asoCluster), v, ResourceGroupAPIVersion)
			}
		default:
			s.addf("%s: spec.resources has %d ResourceGroups, want 1", describe(asoCluster), len(rgs))
		}
	}
	if okCP {
		if str(controlPlane.Object, "spec", "version") == "" {
			s.addf("%s: spec.version is empty; CAPZ sets the AKS version from it", describe(controlPlane))
		}
		mcs := s.embedded(controlPlane, func(r map[string]any) bool {
			return str(r, "kind") == "ManagedCluster" && apiGroup(str(r, "apiVersion")) == ManagedClusterGroup
		})
		switch len(mcs) {
		case 0:
			s.addf("%s: spec.resources has no %s ManagedCluster", describe(controlPlane), ManagedClusterGroup)
		case 1:
			managedClusterName = str(mcs[0], "metadata", "name")
			if owner := str(mcs[0], "spec", "owner", "name"); rgName != "" && owner != rgName {
				s.addf("%s: ManagedCluster %s is owned by %q, want the ResourceGroup %q", describe(controlPlane), managedClusterName, owner, rgName)
			}
		default:
			s.addf("%s: spec.resources has %d ManagedClusters, want 1", describe(controlPlane), len(mcs))
		}
	}

	clusterName := ""
	if okCluster {
		clusterName = cluster.Name
	}
	s.checkPools(byKind, clusterName, managedClusterName, poolNames)
	s.checkKustomizations(byKind[KindKustomization], clusterName)

	// Every embedded ASO resource: credentials annotation, no CAPZ-owned field.
	for _, k := range []string{KindAzureASOManagedCluster, KindAzureASOManagedControlPlane, KindAzureASOManagedMachinePool} {
		for _, o := range byKind[k] {
			for i, r := range s.embedded(o, nil) {
				where := fmt.Sprintf("%s: spec.resources[%d] (%s %s)", describe(o), i, str(r, "kind"), str(r, "metadata", "name"))
				if str(r, "metadata", "annotations", CredentialFromAnnotation) == "" {
					s.addf("%s: no %s annotation naming the ASO credentials Secret", where, CredentialFromAnnotation)
				}
				for _, field := range capzOwned[str(r, "kind")] {
					if _, ok := lookup(r, field...); ok {
						s.addf("%s: %s is owned by CAPZ and must not be set", where, strings.Join(field, "."))
					}
				}
			}
		}
	}
}

// exactlyOne reports a problem unless there is exactly one object of kind.
func (s *shapeCheck) exactlyOne(byKind map[string][]Object, kind string) (Object, bool) {
	objs := byKind[kind]
	if len(objs) != 1 {
		names := make([]string, len(objs))
		for i, o := range objs {
			names[i] = o.Name
		}
		suffix := ""
		if len(names) > 0 {
			suffix = " (" + strings.Join(names, ", ") + ")"
		}
		s.addf("want exactly one %s, found %d%s", kind, len(objs), suffix)
		return Object{}, false
	}
	return objs[0], true
}

func (s *shapeCheck) checkRef(o Object, field, kind, name string) {
	path := strings.Split(field, ".")
	ref, _ := lookup(o.Object, path...)
	m, _ := ref.(map[string]any)
	if m == nil {
		s.addf("%s: %s is missing, want %s %s", describe(o), field, kind, name)
		return
	}
	if !s.refMatches(m, kind) || str(m, "name") != name {
		s.addf("%s: %s is %s %s %q, want %s %s %q", describe(o), field, s.refGot(m), str(m, "kind"), str(m, "name"), s.refTarget(), kind, name)
	}
}

func (s *shapeCheck) checkPools(byKind map[string][]Object, clusterName, managedClusterName string, poolNames []string) {
	// AzureASOManagedMachinePools by name, and the agent pool each embeds.
	type infraPool struct {
		obj       Object
		agentPool map[string]any
	}
	infra := map[string]infraPool{}
	for _, o := range byKind[KindAzureASOManagedMachinePool] {
		aps := s.embedded(o, func(r map[string]any) bool {
			return str(r, "kind") == "ManagedClustersAgentPool" && apiGroup(str(r, "apiVersion")) == ManagedClusterGroup
		})
		if len(aps) != 1 {
			s.addf("%s: spec.resources has %d ManagedClustersAgentPools, want 1", describe(o), len(aps))
			continue
		}
		if managedClusterName != "" {
			if owner := str(aps[0], "spec", "owner", "name"); owner != managedClusterName {
				s.addf("%s: agent pool is owned by %q, want the ManagedCluster %q", describe(o), owner, managedClusterName)
			}
		}
		infra[o.Name] = infraPool{obj: o, agentPool: aps[0]}
	}

	want := map[string]bool{}
	for _, p := range poolNames {
		want[p] = true
	}
	seen := map[string]string{} // Azure pool name -> MachinePool name
	usedInfra := map[string]bool{}
	for _, mp := range byKind[KindMachinePool] {
		if clusterName != "" {
			if cn := str(mp.Object, "spec", "clusterName"); cn != clusterName {
				s.addf("%s: spec.clusterName is %q, want %q", describe(mp), cn, clusterName)
			}
			if cn := str(mp.Object, "spec", "template", "spec", "clusterName"); cn != clusterName {
				s.addf("%s: spec.template.spec.clusterName is %q, want %q", describe(mp), cn, clusterName)
			}
		}
		if str(mp.Object, "spec", "template", "spec", "version") == "" {
			s.addf("%s: spec.template.spec.version is empty; CAPZ sets the agent pool version from it", describe(mp))
		}
		ref, _ := lookup(mp.Object, "spec", "template", "spec", "infrastructureRef")
		refMap, _ := ref.(map[string]any)
		if !s.refMatches(refMap, KindAzureASOManagedMachinePool) {
			s.addf("%s: spec.template.spec.infrastructureRef is not an %s %s", describe(mp), s.refTarget(), KindAzureASOManagedMachinePool)
			continue
		}
		ip, ok := infra[str(refMap, "name")]
		if !ok {
			s.addf("%s: spec.template.spec.infrastructureRef names %s %q, which is not rendered", describe(mp), KindAzureASOManagedMachinePool, str(refMap, "name"))
			continue
		}
		usedInfra[ip.obj.Name] = true
		pool := str(ip.agentPool, "spec", "azureName")
		if pool == "" {
			pool = str(ip.agentPool, "metadata", "name")
		}
		if prev, dup := seen[pool]; dup {
			s.addf("node pool %q is rendered twice (MachinePools %s and %s)", pool, prev, mp.Name)
			continue
		}
		seen[pool] = mp.Name
		if !want[pool] {
			s.addf("%s: node pool %q is not one of the expected pools (%s)", describe(mp), pool, strings.Join(sortedKeys(want), ", "))
		}
		s.checkScaling(mp, ip.agentPool, pool)
	}
	for _, name := range sortedKeys(infra) {
		if !usedInfra[name] {
			s.addf("%s: no MachinePool references it", describe(infra[name].obj))
		}
	}
	for _, p := range sortedKeys(want) {
		if _, ok := seen[p]; !ok {
			s.addf("node pool %q: no MachinePool with an AzureASOManagedMachinePool for it", p)
		}
	}
}

// checkScaling checks that an autoscaled pool leaves replicas to the
// autoscaler and carries its bounds, and that a fixed pool has replicas.
func (s *shapeCheck) checkScaling(mp Object, agentPool map[string]any, pool string) {
	auto, _ := lookup(agentPool, "spec", "enableAutoScaling")
	_, hasReplicas := lookup(mp.Object, "spec", "replicas")
	if auto != true {
		if !hasReplicas {
			s.addf("%s: node pool %q is not autoscaled but spec.replicas is missing", describe(mp), pool)
		}
		return
	}
	if hasReplicas {
		s.addf("%s: node pool %q is autoscaled, so spec.replicas must be left to the autoscaler", describe(mp), pool)
	}
	for _, b := range []struct{ annotation, field string }{
		{AutoscalerMinSizeAnnotation, "minCount"},
		{AutoscalerMaxSizeAnnotation, "maxCount"},
	} {
		ann := str(mp.Object, "metadata", "annotations", b.annotation)
		v, ok := lookup(agentPool, "spec", b.field)
		if !ok {
			s.addf("%s: node pool %q is autoscaled but its agent pool has no spec.%s", describe(mp), pool, b.field)
			continue
		}
		if ann != fmt.Sprint(v) {
			s.addf("%s: annotation %s is %q, want %q (the agent pool's %s)", describe(mp), b.annotation, ann, fmt.Sprint(v), b.field)
		}
	}
}

func (s *shapeCheck) checkKustomizations(ks []Object, clusterName string) {
	if len(ks) != 2 {
		s.addf("want 2 Flux Kustomizations (Flux install, then infrastructure), found %d", len(ks))
	}
	byName := map[string]Object{}
	for _, k := range ks {
		byName[k.Name] = k
		if clusterName != "" {
			if name := str(k.Object, "spec", "kubeConfig", "secretRef", "name"); name != clusterName+"-kubeconfig" {
				s.addf("%s: spec.kubeConfig.secretRef.name is %q, want %q", describe(k), name, clusterName+"-kubeconfig")
			}
		}
		if key := str(k.Object, "spec", "kubeConfig", "secretRef", "key"); key != "value" {
			s.addf("%s: spec.kubeConfig.secretRef.key is %q, want \"value\"", describe(k), key)
		}
		if str(k.Object, "spec", "sourceRef", "name") == "" {
			s.addf("%s: spec.sourceRef.name is empty", describe(k))
		}
	}
	if len(ks) != 2 {
		return
	}
	// Exactly one must come first (no dependsOn) and the other depend on it.
	var first, second []Object
	for _, k := range ks {
		if len(dependsOn(k)) == 0 {
			first = append(first, k)
		} else {
			second = append(second, k)
		}
	}
	if len(first) != 1 || len(second) != 1 {
		s.addf("Flux Kustomizations %s and %s: want one without dependsOn (Flux install) and one that dependsOn it (infrastructure)", ks[0].Name, ks[1].Name)
		return
	}
	deps := dependsOn(second[0])
	ns := second[0].Namespace
	ok := false
	for _, d := range deps {
		dns := d[1]
		if dns == "" {
			dns = ns
		}
		if d[0] == first[0].Name && dns == first[0].Namespace {
			ok = true
		} else if _, known := byName[d[0]]; !known {
			s.addf("%s: dependsOn %s/%s, which the chart does not render", describe(second[0]), dns, d[0])
		}
	}
	if !ok {
		s.addf("%s: must dependsOn %s so that infrastructure is applied after Flux", describe(second[0]), first[0].Name)
	}
}

// dependsOn returns the [name, namespace] pairs of a Kustomization's
// spec.dependsOn.
func dependsOn(k Object) [][2]string {
	v, _ := lookup(k.Object, "spec", "dependsOn")
	list, _ := v.([]any)
	out := make([][2]string, 0, len(list))
	for _, e := range list {
		m, _ := e.(map[string]any)
		out = append(out, [2]string{str(m, "name"), str(m, "namespace")})
	}
	return out
}

// embedded returns an infrastructure object's spec.resources entries that
// match keep (all of them when keep is nil); a malformed list is a problem.
func (s *shapeCheck) embedded(o Object, keep func(map[string]any) bool) []map[string]any {
	v, ok := lookup(o.Object, "spec", "resources")
	if !ok {
		s.addf("%s: spec.resources is missing", describe(o))
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		s.addf("%s: spec.resources is not a list", describe(o))
		return nil
	}
	var out []map[string]any
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		if keep == nil || keep(m) {
			out = append(out, m)
		}
	}
	return out
}

func describe(o Object) string {
	s := o.Kind + " " + o.Name
	if o.Template != "" {
		s += " (" + o.Template + ")"
	}
	return s
}

func apiGroup(apiVersion string) string {
	g, _, ok := strings.Cut(apiVersion, "/")
	if !ok {
		return ""
	}
	return g
}

// lookup walks nested maps.
func lookup(m map[string]any, path ...string) (any, bool) {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = mm[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// str returns the string at path, or "".
func str(m map[string]any, path ...string) string {
	v, _ := lookup(m, path...)
	s, _ := v.(string)
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
