package status

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/spec"
)

// The resources read. Cluster API's core kinds are read at v1beta2 (the version the chart writes)
// and at v1beta1 on a server that serves only that (CAPI before v1.11).
var (
	HelmReleases       = schema.GroupVersionResource{Group: "helm.toolkit.fluxcd.io", Version: "v2", Resource: "helmreleases"}
	HelmCharts         = schema.GroupVersionResource{Group: "source.toolkit.fluxcd.io", Version: "v1", Resource: "helmcharts"}
	GitRepositories    = schema.GroupVersionResource{Group: "source.toolkit.fluxcd.io", Version: "v1", Resource: "gitrepositories"}
	OCIRepositories    = schema.GroupVersionResource{Group: "source.toolkit.fluxcd.io", Version: "v1", Resource: "ocirepositories"}
	Buckets            = schema.GroupVersionResource{Group: "source.toolkit.fluxcd.io", Version: "v1", Resource: "buckets"}
	Clusters           = schema.GroupVersionResource{Group: "cluster.x-k8s.io", Version: "v1beta2", Resource: "clusters"}
	MachinePools       = schema.GroupVersionResource{Group: "cluster.x-k8s.io", Version: "v1beta2", Resource: "machinepools"}
	ControlPlanes      = schema.GroupVersionResource{Group: "infrastructure.cluster.x-k8s.io", Version: "v1beta1", Resource: "azureasomanagedcontrolplanes"}
	InfraClusters      = schema.GroupVersionResource{Group: "infrastructure.cluster.x-k8s.io", Version: "v1beta1", Resource: "azureasomanagedclusters"}
	capiFallback       = "v1beta1"
	sourceResources    = map[string]schema.GroupVersionResource{"GitRepository": GitRepositories, "OCIRepository": OCIRepositories, "Bucket": Buckets}
	autoscaleMinAnnot  = "cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size"
	autoscaleMaxAnnot  = "cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size"
	systemLabelDomains = []string{"cluster.x-k8s.io", "toolkit.fluxcd.io", "kubernetes.io", "helm.sh"}
)

// PageSize is the number of objects a list asks for per request: 1,000 clusters' MachinePools
// come in a handful of pages rather than one very large answer.
const PageSize = 500

// Options say which clusters to read and what to compare them with.
type Options struct {
	// Namespace of the clusters' objects; "" is the fleet's defaults.namespace.
	Namespace string
	// Names, when set, restricts the result to these clusters (in the repo or on the server).
	Names []string
	// Selector, when set, restricts it to the clusters whose labels it matches: the repo's labels,
	// or for a cluster not in the repo its Cluster object's labels.
	Selector labels.Selector
	// Revision is the repo commit (full hash) a reconciled cluster was released from; "" never
	// reconciles.
	Revision string
	// Server is copied into the result.
	Server string
}

// Read reads the selected clusters of f and their objects on the API server behind client and
// joins them. It makes one list per kind (paged by PageSize) and one get of the chart's source,
// whatever the number of clusters; it never writes.
func Read(ctx context.Context, client dynamic.Interface, f *fleet.Fleet, o Options) (*ClusterStatusList, error) {
	ns := o.Namespace
	if ns == "" {
		ns = f.Config.Defaults.Namespace
	}
	repo, err := readRepo(f, o)
	if err != nil {
		return nil, err
	}
	srv, err := readServer(ctx, client, ns, f.Config.Chart.SourceRef)
	if err != nil {
		return nil, err
	}
	list := &ClusterStatusList{APIVersion: fleet.InfoAPIVersion, Kind: Kind, Server: o.Server, Namespace: ns,
		Revision: o.Revision, Source: srv.source, Items: []ClusterStatus{}, Warnings: srv.warnings}
	inRepo := map[string]bool{}
	for _, c := range repo.clusters {
		inRepo[c.Name] = true
		list.Items = append(list.Items, srv.join(c, repo.listed[c.Name], o.Revision))
	}
	chartPath := config.RepoPath(f.Config.Chart.Path)
	for _, name := range srv.orphans(inRepo, chartPath) {
		if len(o.Names) > 0 && !slices.Contains(o.Names, name) {
			continue
		}
		st := srv.join(repoCluster{Name: name}, false, o.Revision)
		st.Presence = NotInRepo
		st.Drift = []Drift{}
		if c := srv.clusters[name]; c != nil {
			st.Labels = userLabels(c.GetLabels())
		}
		if o.Selector != nil && !o.Selector.Matches(labels.Set(st.Labels)) {
			continue
		}
		list.Items = append(list.Items, st)
	}
	sort.Slice(list.Items, func(i, j int) bool { return list.Items[i].Name < list.Items[j].Name })
	return list, nil
}

// repoCluster is one selected cluster of the repo: its summary, or the error reading it.
type repoCluster struct {
	Name    string
	Summary *fleet.Summary
}

type repoState struct {
	clusters []repoCluster
	listed   map[string]bool
}

// readRepo picks the repo's clusters: every folder, the named ones, and of those the ones the
// selector matches. With a selector, a folder that cannot be read is an error (it cannot be told
// whether it matches); without one it is an item with Error set.
func readRepo(f *fleet.Fleet, o Options) (repoState, error) {
	var st repoState
	listed, err := f.ListedClusters()
	if err != nil {
		return st, err
	}
	st.listed = listed
	folders, err := f.ClusterFolders()
	if err != nil {
		return st, fmt.Errorf("%s: %w", f.ClustersDir(), err)
	}
	if len(o.Names) > 0 {
		folders = slices.DeleteFunc(folders, func(n string) bool { return !slices.Contains(o.Names, n) })
	}
	for _, s := range f.Summaries(folders) {
		if o.Selector != nil && !o.Selector.Empty() {
			if s.Err != "" {
				return st, fmt.Errorf("cluster %s cannot be read, so the selector cannot tell whether it matches: %s", s.Name, s.Err)
			}
			if !o.Selector.Matches(labels.Set(s.Values.Labels)) {
				continue
			}
		}
		st.clusters = append(st.clusters, repoCluster{Name: s.Name, Summary: &s})
	}
	return st, nil
}

// server is what the API server holds, indexed by cluster name.
type server struct {
	helmReleases  map[string]*unstructured.Unstructured
	helmCharts    map[string]*unstructured.Unstructured // by namespace/name
	clusters      map[string]*unstructured.Unstructured
	clusterAPI    string // apiVersion the Clusters were read at
	controlPlanes map[string]*unstructured.Unstructured
	infraClusters map[string]*unstructured.Unstructured
	infraKnown    bool                                    // the AzureASOManagedClusters could be listed
	pools         map[string][]*unstructured.Unstructured // by spec.clusterName
	source        *Source
	warnings      []string
}

// readServer lists every kind in the namespace (the chart's HelmCharts in the source's namespace)
// at once.
func readServer(ctx context.Context, client dynamic.Interface, ns string, src config.SourceRef) (*server, error) {
	s := &server{clusterAPI: Clusters.GroupVersion().String()}
	type result struct {
		items   []unstructured.Unstructured
		version string
		warning string
		err     error
	}
	jobs := []struct {
		gvr      schema.GroupVersionResource
		ns       string
		fallback bool
		optional bool
	}{
		{HelmReleases, ns, false, false},
		{HelmCharts, src.Namespace, false, true},
		{Clusters, ns, true, false},
		{MachinePools, ns, true, false},
		{ControlPlanes, ns, false, false},
		{InfraClusters, ns, false, true},
	}
	results := make([]result, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() {
			r := &results[i]
			r.items, r.version, r.warning, r.err = listKind(ctx, client, j.gvr, j.ns, j.fallback, j.optional)
		})
	}
	var srcResult *Source
	var srcWarning string
	var srcErr error
	wg.Go(func() { srcResult, srcWarning, srcErr = readSource(ctx, client, src) })
	wg.Wait()
	var errs []error
	for _, r := range results {
		if r.err != nil {
			errs = append(errs, r.err)
		}
		if r.warning != "" {
			s.warnings = append(s.warnings, r.warning)
		}
	}
	if srcErr != nil {
		errs = append(errs, srcErr)
	}
	if len(errs) > 0 {
		return nil, &ServerError{Err: errs[0]} // the same cause (an unreachable server) fails every request
	}
	if srcWarning != "" {
		s.warnings = append(s.warnings, srcWarning)
	}
	sort.Strings(s.warnings)
	s.source = srcResult
	s.helmReleases = byName(results[0].items)
	s.helmCharts = map[string]*unstructured.Unstructured{}
	for i := range results[1].items {
		o := &results[1].items[i]
		s.helmCharts[o.GetNamespace()+"/"+o.GetName()] = o
	}
	s.clusters = byName(results[2].items)
	if v := results[2].version; v != "" {
		s.clusterAPI = Clusters.Group + "/" + v
	}
	s.controlPlanes = byName(results[4].items)
	s.infraClusters = byName(results[5].items)
	s.infraKnown = results[5].version != ""
	s.pools = map[string][]*unstructured.Unstructured{}
	for i := range results[3].items {
		o := &results[3].items[i]
		c, _, _ := unstructured.NestedString(o.Object, "spec", "clusterName")
		s.pools[c] = append(s.pools[c], o)
	}
	return s, nil
}

func byName(items []unstructured.Unstructured) map[string]*unstructured.Unstructured {
	m := make(map[string]*unstructured.Unstructured, len(items))
	for i := range items {
		m[items[i].GetName()] = &items[i]
	}
	return m
}

// listKind lists every object of gvr in ns, page by page. A kind the server does not serve is a
// warning and no objects; with fallback it is first tried at Cluster API's v1beta1. A list the
// server forbids is an error unless optional.
func listKind(ctx context.Context, client dynamic.Interface, gvr schema.GroupVersionResource, ns string, fallback, optional bool) (items []unstructured.Unstructured, version, warning string, err error) {
	items, err = listAll(ctx, client.Resource(gvr).Namespace(ns))
	if apierrors.IsNotFound(err) && fallback {
		old := gvr
		old.Version = capiFallback
		if items, err = listAll(ctx, client.Resource(old).Namespace(ns)); err == nil {
			return items, capiFallback, "", nil
		}
	}
	switch {
	case err == nil:
		return items, gvr.Version, "", nil
	case apierrors.IsNotFound(err):
		return nil, "", fmt.Sprintf("%s: not served by the API server (is its CRD installed?)", resourceName(gvr, fallback)), nil
	case apierrors.IsForbidden(err) && optional:
		return nil, "", fmt.Sprintf("%s in namespace %s: list forbidden, so that part is missing", resourceName(gvr, false), ns), nil
	case apierrors.IsForbidden(err):
		return nil, "", "", fmt.Errorf("listing %s in namespace %s: status needs get and list on it: %w", resourceName(gvr, false), ns, err)
	}
	return nil, "", "", err
}

func resourceName(gvr schema.GroupVersionResource, fallback bool) string {
	s := gvr.Resource + "." + gvr.Group + "/" + gvr.Version
	if fallback {
		s += " (nor " + capiFallback + ")"
	}
	return s
}

func listAll(ctx context.Context, ri dynamic.ResourceInterface) ([]unstructured.Unstructured, error) {
	var out []unstructured.Unstructured
	opts := metav1.ListOptions{Limit: PageSize}
	for {
		l, err := ri.List(ctx, opts)
		if err != nil {
			return nil, err
		}
		out = append(out, l.Items...)
		if l.GetContinue() == "" {
			return out, nil
		}
		opts.Continue = l.GetContinue()
	}
}

// readSource gets the chart's Flux source; one the server does not have, or does not let us read,
// is a warning.
func readSource(ctx context.Context, client dynamic.Interface, ref config.SourceRef) (*Source, string, error) {
	gvr, ok := sourceResources[ref.Kind]
	if !ok {
		return nil, "", nil
	}
	o, err := client.Resource(gvr).Namespace(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil, fmt.Sprintf("the chart's source %s %s/%s is not on the server", ref.Kind, ref.Namespace, ref.Name), nil
	case apierrors.IsForbidden(err):
		return nil, fmt.Sprintf("the chart's source %s %s/%s: get forbidden", ref.Kind, ref.Namespace, ref.Name), nil
	case err != nil:
		return nil, "", err
	}
	s := &Source{Kind: ref.Kind, Name: ref.Name, Namespace: ref.Namespace}
	s.Revision, _, _ = unstructured.NestedString(o.Object, "status", "artifact", "revision")
	if c, ok := findCondition(conditions(o, "status", "conditions"), "Ready"); ok {
		s.Ready = &c
	}
	return s, "", nil
}

// orphans are the clusters the server has objects of (a HelmRelease of the cluster chart, a CAPI
// Cluster, MachinePools) with no folder in the repo, sorted.
func (s *server) orphans(inRepo map[string]bool, chartPath string) []string {
	seen := map[string]bool{}
	add := func(name string) {
		if name != "" && !inRepo[name] {
			seen[name] = true
		}
	}
	for name, hr := range s.helmReleases {
		if p, _, _ := unstructured.NestedString(hr.Object, "spec", "chart", "spec", "chart"); config.RepoPath(p) == chartPath {
			add(name)
		}
	}
	for name := range s.clusters {
		add(name)
	}
	for name := range s.pools {
		add(name)
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// join builds one cluster's status from its objects, and its drift when the repo has it.
func (s *server) join(rc repoCluster, listed bool, revision string) ClusterStatus {
	name := rc.Name
	st := ClusterStatus{Name: name, Presence: NotApplied, Listed: listed, NodePools: []PoolStatus{}, Drift: []Drift{}}
	hr, cl, cp := s.helmReleases[name], s.clusters[name], s.controlPlanes[name]
	pools := s.pools[name]
	if hr != nil || cl != nil || cp != nil || s.infraClusters[name] != nil || len(pools) > 0 {
		st.Presence = Applied
	}
	if hr != nil {
		st.HelmRelease = s.helmRelease(hr)
	}
	if cl != nil {
		st.Cluster = &CAPIClusterStatus{APIVersion: s.clusterAPI}
		st.Cluster.Phase, _, _ = unstructured.NestedString(cl.Object, "status", "phase")
		st.Cluster.Conditions = clusterConditions(cl)
	}
	if cp != nil {
		st.ControlPlane = &ControlPlaneStatus{}
		st.ControlPlane.Version, _, _ = unstructured.NestedString(cp.Object, "spec", "version")
		st.ControlPlane.StatusVersion, _, _ = unstructured.NestedString(cp.Object, "status", "version")
		st.ControlPlane.Ready, _, _ = unstructured.NestedBool(cp.Object, "status", "ready")
		st.ControlPlane.Initialized, _, _ = unstructured.NestedBool(cp.Object, "status", "initialized")
	}
	for _, mp := range pools {
		st.NodePools = append(st.NodePools, poolStatus(name, mp))
	}
	sort.Slice(st.NodePools, func(i, j int) bool { return st.NodePools[i].Name < st.NodePools[j].Name })

	// Ready: the release is Ready for its current generation and the Cluster Available.
	if h := st.HelmRelease; h != nil && h.Ready.Status == string(metav1.ConditionTrue) && h.Observed && st.Cluster != nil {
		if c, ok := st.Cluster.Health(); ok && c.Status == string(metav1.ConditionTrue) {
			st.Ready = true
			st.ReadySince = latest(h.Ready.LastTransitionTime, c.LastTransitionTime)
		}
	}
	if h := st.HelmRelease; h != nil && h.Observed && h.Commit != "" && revision != "" && strings.HasPrefix(revision, h.Commit) {
		st.Reconciled = true
	}
	if rc.Summary != nil {
		if rc.Summary.Err != "" {
			st.Error = rc.Summary.Err
		} else {
			c := rc.Summary.Cluster()
			st.Labels = c.Labels
			if st.Presence == Applied {
				st.Drift = drift(c, objects{helmRelease: hr, cluster: cl, controlPlane: cp, infraCluster: s.infraClusters[name],
					pools: pools, infraKnown: s.infraKnown})
			}
		}
	}
	return st
}

func (s *server) helmRelease(hr *unstructured.Unstructured) *HelmReleaseStatus {
	h := &HelmReleaseStatus{Ready: Condition{Type: "Ready", Status: string(metav1.ConditionUnknown)}}
	if c, ok := findCondition(conditions(hr, "status", "conditions"), "Ready"); ok {
		h.Ready = c
	}
	g, _, _ := unstructured.NestedInt64(hr.Object, "status", "observedGeneration")
	h.Observed = g > 0 && g == hr.GetGeneration()
	h.LastAttemptedRevision, _, _ = unstructured.NestedString(hr.Object, "status", "lastAttemptedRevision")
	h.ChartVersion, h.LastDeployed = deployedRelease(hr)
	h.Commit = chartCommit(h.ChartVersion)
	h.HelmChart, _, _ = unstructured.NestedString(hr.Object, "status", "helmChart")
	if hc := s.helmCharts[h.HelmChart]; hc != nil {
		h.SourceRevision, _, _ = unstructured.NestedString(hc.Object, "status", "observedSourceArtifactRevision")
	}
	return h
}

// deployedRelease is the chart version and the deploy time of the newest release in
// status.history whose status is deployed (the release running now; a newer failed one is not).
func deployedRelease(hr *unstructured.Unstructured) (string, time.Time) {
	hist, _, _ := unstructured.NestedSlice(hr.Object, "status", "history")
	best, bestV, at := "", int64(-1), time.Time{}
	for _, h := range hist {
		m, ok := h.(map[string]any)
		if !ok || m["status"] != "deployed" {
			continue
		}
		v, _, _ := unstructured.NestedInt64(m, "version")
		if cv, _ := m["chartVersion"].(string); v > bestV {
			best, bestV, at = cv, v, time.Time{}
			if ts, _ := m["lastDeployed"].(string); ts != "" {
				at, _ = time.Parse(time.RFC3339, ts)
			}
		}
	}
	return best, at
}

// chartCommit is the commit in a chart version's build metadata: source-controller builds a chart
// from a GitRepository with reconcileStrategy Revision as <version>+<first 12 hex of the commit>
// (followed by .<generation> when the HelmChart has valuesFiles).
func chartCommit(v string) string {
	_, meta, ok := strings.Cut(v, "+")
	if !ok {
		return ""
	}
	meta, _, _ = strings.Cut(meta, ".")
	if len(meta) != 12 || strings.Trim(meta, "0123456789abcdef") != "" {
		return ""
	}
	return meta
}

// clusterConditions are the Cluster's conditions in the v1beta2 style: status.conditions at
// v1beta2; at v1beta1 status.v1beta2.conditions when CAPI writes them (v1.9 and later), else the
// v1beta1 status.conditions.
func clusterConditions(cl *unstructured.Unstructured) []Condition {
	if strings.HasSuffix(cl.GetAPIVersion(), "/"+capiFallback) {
		if c := conditions(cl, "status", "v1beta2", "conditions"); len(c) > 0 {
			return c
		}
	}
	return conditions(cl, "status", "conditions")
}

// clusterHealth is the condition that says whether a Cluster is healthy: Available (v1beta2), or
// Ready where there is no Available.
func clusterHealth(conds []Condition) (Condition, bool) {
	if c, ok := findCondition(conds, "Available"); ok {
		return c, true
	}
	return findCondition(conds, "Ready")
}

func poolStatus(cluster string, mp *unstructured.Unstructured) PoolStatus {
	p := PoolStatus{Object: mp.GetName(), Name: strings.TrimPrefix(mp.GetName(), cluster+"-")}
	if r, ok, _ := unstructured.NestedInt64(mp.Object, "spec", "replicas"); ok {
		p.Replicas = &r
	}
	p.Autoscale = bounds(mp)
	p.StatusReplicas, _, _ = unstructured.NestedInt64(mp.Object, "status", "replicas")
	p.ReadyReplicas, _, _ = unstructured.NestedInt64(mp.Object, "status", "readyReplicas")
	p.Version, _, _ = unstructured.NestedString(mp.Object, "spec", "template", "spec", "version")
	p.Phase, _, _ = unstructured.NestedString(mp.Object, "status", "phase")
	vs, _, _ := unstructured.NestedSlice(mp.Object, "status", "versions")
	for _, v := range vs {
		if m, ok := v.(map[string]any); ok {
			if s, _ := m["version"].(string); s != "" {
				p.StatusVersions = append(p.StatusVersions, s)
			}
		}
	}
	return p
}

// bounds reads the autoscaler's annotations; nil when neither is set.
func bounds(mp *unstructured.Unstructured) *Bounds {
	a := mp.GetAnnotations()
	lo, okLo := a[autoscaleMinAnnot]
	hi, okHi := a[autoscaleMaxAnnot]
	if !okLo && !okHi {
		return nil
	}
	b := &Bounds{}
	b.Min, _ = strconv.ParseInt(lo, 10, 64)
	b.Max, _ = strconv.ParseInt(hi, 10, 64)
	return b
}

func conditions(o *unstructured.Unstructured, path ...string) []Condition {
	raw, _, _ := unstructured.NestedSlice(o.Object, path...)
	var out []Condition
	for _, r := range raw {
		m, ok := r.(map[string]any)
		if !ok {
			continue
		}
		c := Condition{}
		c.Type, _ = m["type"].(string)
		c.Status, _ = m["status"].(string)
		c.Reason, _ = m["reason"].(string)
		c.Message, _ = m["message"].(string)
		if ts, ok := m["lastTransitionTime"].(string); ok {
			c.LastTransitionTime, _ = time.Parse(time.RFC3339, ts)
		}
		if c.Type != "" {
			out = append(out, c)
		}
	}
	return out
}

func findCondition(conds []Condition, typ string) (Condition, bool) {
	for _, c := range conds {
		if c.Type == typ {
			return c, true
		}
	}
	return Condition{}, false
}

func latest(ts ...time.Time) time.Time {
	var t time.Time
	for _, x := range ts {
		if x.After(t) {
			t = x
		}
	}
	return t
}

// userLabels drops the labels the chart, Flux and Cluster API set, leaving the cluster's own.
func userLabels(in map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range in {
		if !systemLabel(k) {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func systemLabel(k string) bool {
	if slices.Contains(spec.ChartLabels, k) {
		return true
	}
	prefix, _, ok := strings.Cut(k, "/")
	if !ok {
		return false
	}
	for _, d := range systemLabelDomains {
		if prefix == d || strings.HasSuffix(prefix, "."+d) {
			return true
		}
	}
	return false
}

// ServerError is a request to the API server that failed: an answer of the server (APIAnswer), or
// no answer at all (an unreachable server, a TLS or credentials problem).
type ServerError struct{ Err error }

func (e *ServerError) Error() string { return e.Err.Error() }
func (e *ServerError) Unwrap() error { return e.Err }

// APIAnswer reports whether the server answered (with an error status), as opposed to not being
// reached.
func (e *ServerError) APIAnswer() bool {
	var st apierrors.APIStatus
	return errors.As(e.Err, &st)
}
