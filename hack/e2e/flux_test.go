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

// startFlux runs source-, kustomize- and helm-controller against the
// management cluster, as `flux install` would, but as plain processes.
func (e *environment) startFlux(ctx context.Context) error {
	env := []string{"KUBECONFIG=" + e.mgmt.kubeconfigPath, "RUNTIME_NAMESPACE=" + fluxNamespace}
	storage := filepath.Join(e.work, "source-controller-storage")
	if err := os.MkdirAll(storage, 0o755); err != nil { // source-controller exits at once without it
		return err
	}
	ports, err := freePorts(7)
	if err != nil {
		return err
	}
	storageAddr := "127.0.0.1:" + strconv.Itoa(ports[6])
	controllers := []struct {
		name  string
		extra []string
	}{
		{"source-controller", []string{"--storage-path=" + storage, "--storage-addr=" + storageAddr, "--storage-adv-addr=" + storageAddr}},
		{"kustomize-controller", []string{"--requeue-dependency=5s"}},
		{"helm-controller", []string{"--requeue-dependency=5s"}},
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
