//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"
)

const fluxNamespace = "flux-system"

// Resources the test reads.
var (
	gvrCRD            = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	gvrNamespace      = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	gvrSecret         = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	gvrConfigMap      = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	gvrGitRepository  = schema.GroupVersionResource{Group: "source.toolkit.fluxcd.io", Version: "v1", Resource: "gitrepositories"}
	gvrHelmRepository = schema.GroupVersionResource{Group: "source.toolkit.fluxcd.io", Version: "v1", Resource: "helmrepositories"}
	gvrHelmChart      = schema.GroupVersionResource{Group: "source.toolkit.fluxcd.io", Version: "v1", Resource: "helmcharts"}
	gvrKustomization  = schema.GroupVersionResource{Group: "kustomize.toolkit.fluxcd.io", Version: "v1", Resource: "kustomizations"}
	gvrHelmRelease    = schema.GroupVersionResource{Group: "helm.toolkit.fluxcd.io", Version: "v2", Resource: "helmreleases"}
	gvrArtifactGen    = schema.GroupVersionResource{Group: "source.extensions.fluxcd.io", Version: "v1beta1", Resource: "artifactgenerators"}
	gvrExternalArt    = schema.GroupVersionResource{Group: "source.toolkit.fluxcd.io", Version: "v1", Resource: "externalartifacts"}
	gvrCluster        = schema.GroupVersionResource{Group: "cluster.x-k8s.io", Version: "v1beta2", Resource: "clusters"}
	gvrMachinePool    = schema.GroupVersionResource{Group: "cluster.x-k8s.io", Version: "v1beta2", Resource: "machinepools"}
	gvrASOCluster     = schema.GroupVersionResource{Group: "infrastructure.cluster.x-k8s.io", Version: "v1beta1", Resource: "azureasomanagedclusters"}
	gvrASOControl     = schema.GroupVersionResource{Group: "infrastructure.cluster.x-k8s.io", Version: "v1beta1", Resource: "azureasomanagedcontrolplanes"}
	gvrASOMachinePool = schema.GroupVersionResource{Group: "infrastructure.cluster.x-k8s.io", Version: "v1beta1", Resource: "azureasomanagedmachinepools"}
)

// readCRDs reads every CRD in dirs (*.yaml, multi-document) and strips its
// conversion webhook: no webhook server runs here, so every served version is
// converted by apiVersion only (strategy None).
func readCRDs(dirs ...string) ([]*unstructured.Unstructured, error) {
	var crds []*unstructured.Unstructured
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil {
			return nil, err
		}
		slices.Sort(files)
		for _, f := range files {
			objs, err := readObjects(f)
			if err != nil {
				return nil, err
			}
			for _, o := range objs {
				if o.GetKind() != "CustomResourceDefinition" {
					continue
				}
				unstructured.RemoveNestedField(o.Object, "spec", "conversion")
				_ = unstructured.SetNestedField(o.Object, "None", "spec", "conversion", "strategy")
				unstructured.RemoveNestedField(o.Object, "status")
				crds = append(crds, o)
			}
		}
	}
	if len(crds) == 0 {
		return nil, fmt.Errorf("no CRDs in %s", strings.Join(dirs, ", "))
	}
	return crds, nil
}

func readObjects(path string) ([]*unstructured.Unstructured, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
	var objs []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(m) == 0 {
			continue
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
}

// installCRDs applies the CRDs server-side and waits until every one is Established.
func installCRDs(ctx context.Context, c *kubeCluster, crds []*unstructured.Unstructured) error {
	for _, crd := range crds {
		if err := apply(ctx, c.dyn, gvrCRD, crd); err != nil {
			return fmt.Errorf("applying CRD %s on %s: %w", crd.GetName(), c.name, err)
		}
	}
	for _, crd := range crds {
		err := poll(ctx, 60*time.Second, func(ctx context.Context) (bool, string, error) {
			got, err := c.dyn.Resource(gvrCRD).Get(ctx, crd.GetName(), metav1.GetOptions{})
			if err != nil {
				return false, err.Error(), nil
			}
			st, _, msg := condition(got, "Established")
			return st == "True", msg, nil
		})
		if err != nil {
			return fmt.Errorf("CRD %s not Established on %s: %w", crd.GetName(), c.name, err)
		}
	}
	return nil
}

// apply is a forced server-side apply of obj by the field manager "fleetctl-e2e".
func apply(ctx context.Context, dyn dynamic.Interface, gvr schema.GroupVersionResource, obj *unstructured.Unstructured) error {
	b, err := obj.MarshalJSON()
	if err != nil {
		return err
	}
	var ri dynamic.ResourceInterface = dyn.Resource(gvr)
	if ns := obj.GetNamespace(); ns != "" {
		ri = dyn.Resource(gvr).Namespace(ns)
	}
	_, err = ri.Patch(ctx, obj.GetName(), types.ApplyPatchType, b, metav1.PatchOptions{FieldManager: "fleetctl-e2e", Force: new(true)})
	return err
}

// applyYAML applies one YAML document.
func applyYAML(ctx context.Context, dyn dynamic.Interface, gvr schema.GroupVersionResource, doc string) error {
	var m map[string]any
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		return err
	}
	return apply(ctx, dyn, gvr, &unstructured.Unstructured{Object: m})
}

func get(ctx context.Context, dyn dynamic.Interface, gvr schema.GroupVersionResource, ns, name string) (*unstructured.Unstructured, error) {
	if ns == "" {
		return dyn.Resource(gvr).Get(ctx, name, metav1.GetOptions{})
	}
	return dyn.Resource(gvr).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
}

// condition returns status, reason and message of the condition typ of obj.
func condition(obj *unstructured.Unstructured, typ string) (status, reason, message string) {
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok || m["type"] != typ {
			continue
		}
		s, _ := m["status"].(string)
		r, _ := m["reason"].(string)
		msg, _ := m["message"].(string)
		return s, r, msg
	}
	return "Unknown", "", "no " + typ + " condition yet"
}

// poll calls check every 250ms until it reports done, returns an error, or
// timeout passes; the error then carries the last state check reported.
func poll(ctx context.Context, timeout time.Duration, check func(context.Context) (done bool, state string, err error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	state := ""
	for {
		done, s, err := check(ctx)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		state = s
		select {
		case <-ctx.Done():
			return fmt.Errorf("still not there after %s; last state: %s", timeout, state)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func isNotFound(err error) bool { return apierrors.IsNotFound(err) }

// str reads a string field, "" when absent.
func str(obj *unstructured.Unstructured, fields ...string) string {
	s, _, _ := unstructured.NestedFieldNoCopy(obj.Object, fields...)
	if s == nil {
		return ""
	}
	return fmt.Sprint(s)
}
