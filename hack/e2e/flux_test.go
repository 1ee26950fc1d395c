//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// startFlux runs source-, kustomize- and helm-controller and source-watcher
// against the management cluster, as `flux install` would, but as plain
// processes. kustomize- and helm-controller get the ExternalArtifact feature
// gate, which Flux 2.9 leaves off and source-watcher's artifacts need.
func (e *environment) startFlux(ctx context.Context) error {
	env := []string{"KUBECONFIG=" + e.mgmt.kubeconfigPath, "RUNTIME_NAMESPACE=" + fluxNamespace}
	storage := filepath.Join(e.work, "source-controller-storage")
	watcherStorage := filepath.Join(e.work, "source-watcher-storage")
	for _, d := range []string{storage, watcherStorage} {
		if err := os.MkdirAll(d, 0o755); err != nil { // the source controllers exit at once without it
			return err
		}
	}
	ports, err := freePorts(10)
	if err != nil {
		return err
	}
	storageAddr := "127.0.0.1:" + strconv.Itoa(ports[8])
	watcherAddr := "127.0.0.1:" + strconv.Itoa(ports[9])
	controllers := []struct {
		name  string
		extra []string
	}{
		{"source-controller", []string{"--storage-path=" + storage, "--storage-addr=" + storageAddr, "--storage-adv-addr=" + storageAddr}},
		{"source-watcher", []string{"--storage-path=" + watcherStorage, "--storage-addr=" + watcherAddr, "--storage-adv-addr=" + watcherAddr, "--requeue-dependency=5s"}},
		{"kustomize-controller", []string{"--requeue-dependency=5s", "--feature-gates=ExternalArtifact=true"}},
		{"helm-controller", []string{"--requeue-dependency=5s", "--feature-gates=ExternalArtifact=true"}},
	}
	for i, c := range controllers {
		metrics, health := "127.0.0.1:"+strconv.Itoa(ports[2*i]), "127.0.0.1:"+strconv.Itoa(ports[2*i+1])
		args := append([]string{
			"--enable-leader-election=false",
			"--watch-all-namespaces=true",
			"--metrics-addr=" + metrics,
			"--health-addr=" + health,
			"--log-level=debug",
			"--log-encoding=console",
		}, c.extra...)
		p, err := e.run(c.name, e.bins.Bin[c.name], args, env)
		if err != nil {
			return err
		}
		if err := p.waitUp(ctx, 60*time.Second, httpOK(http.DefaultClient, "http://"+health+"/readyz")); err != nil {
			return err
		}
	}
	return nil
}
