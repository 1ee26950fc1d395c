//go:build e2e

package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// kubeCluster is one etcd plus one kube-apiserver (and optionally
// kube-controller-manager) on loopback ports.
type kubeCluster struct {
	name           string
	url            string
	kubeconfig     []byte // admin kubeconfig (client certificate, embedded)
	kubeconfigPath string
	rest           *rest.Config
	dyn            dynamic.Interface
	cs             kubernetes.Interface
}

// startKubeCluster starts etcd and kube-apiserver (and kube-controller-manager
// when withKCM) for cluster name, each logging to logDir/<name>-<component>.log.
func (e *environment) startKubeCluster(ctx context.Context, name string, withKCM bool) (*kubeCluster, error) {
	dir := filepath.Join(e.work, name)
	bin := e.bins.Bin
	ports, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	etcdClient, etcdPeer, apiPort, kcmPort := ports[0], ports[1], ports[2], ports[3]

	etcdURL := "http://127.0.0.1:" + strconv.Itoa(etcdClient)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(etcdPeer)
	etcd, err := e.run(name+"-etcd", bin["etcd"], []string{
		"--name=" + name,
		"--data-dir=" + filepath.Join(dir, "etcd"),
		"--listen-client-urls=" + etcdURL,
		"--advertise-client-urls=" + etcdURL,
		"--listen-peer-urls=" + peerURL,
		"--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=" + name + "=" + peerURL,
		"--unsafe-no-fsync", // a throwaway store
		"--log-level=warn",
	}, nil)
	if err != nil {
		return nil, err
	}
	if err := etcd.waitUp(ctx, 30*time.Second, httpOK(http.DefaultClient, etcdURL+"/health")); err != nil {
		return nil, err
	}

	certs, err := newPKI(filepath.Join(dir, "pki"))
	if err != nil {
		return nil, err
	}
	c := &kubeCluster{name: name, url: "https://127.0.0.1:" + strconv.Itoa(apiPort)}
	api, err := e.run(name+"-kube-apiserver", bin["kube-apiserver"], []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(apiPort),
		"--cert-dir=" + filepath.Join(dir, "apiserver-certs"),
		"--tls-cert-file=" + certs.serverCert,
		"--tls-private-key-file=" + certs.serverKey,
		"--client-ca-file=" + certs.caFile,
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file=" + certs.saPub,
		"--service-account-signing-key-file=" + certs.saKey,
		"--service-cluster-ip-range=10.96.0.0/16",
		"--authorization-mode=RBAC",
		// No controller-manager mints service-account tokens here.
		"--disable-admission-plugins=ServiceAccount",
		"--allow-privileged=true",
		"--profiling=false",
		"--v=1",
	}, nil)
	if err != nil {
		return nil, err
	}
	if c.kubeconfig, err = adminKubeconfig(c.url, certs); err != nil {
		return nil, err
	}
	c.kubeconfigPath = filepath.Join(dir, "admin.kubeconfig")
	if err := os.WriteFile(c.kubeconfigPath, c.kubeconfig, 0o600); err != nil {
		return nil, err
	}
	if c.rest, err = clientcmd.RESTConfigFromKubeConfig(c.kubeconfig); err != nil {
		return nil, err
	}
	c.rest.QPS, c.rest.Burst = 100, 200
	if c.dyn, err = dynamic.NewForConfig(c.rest); err != nil {
		return nil, err
	}
	if c.cs, err = kubernetes.NewForConfig(c.rest); err != nil {
		return nil, err
	}
	readyz := func(ctx context.Context) error {
		body, err := c.cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err != nil {
			return fmt.Errorf("%v: %s", err, body)
		}
		return nil
	}
	if err := api.waitUp(ctx, 90*time.Second, readyz); err != nil {
		return nil, err
	}
	if !withKCM {
		return c, nil
	}
	kcm, err := e.run(name+"-kube-controller-manager", bin["kube-controller-manager"], []string{
		"--kubeconfig=" + c.kubeconfigPath,
		"--authentication-kubeconfig=" + c.kubeconfigPath,
		"--authorization-kubeconfig=" + c.kubeconfigPath,
		// Namespace deletion and owner-reference garbage collection; nothing else.
		"--controllers=namespace,garbagecollector",
		"--leader-elect=false",
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(kcmPort),
		"--cert-dir=" + filepath.Join(dir, "kcm-certs"),
		"--use-service-account-credentials=false",
		"--v=1",
	}, nil)
	if err != nil {
		return nil, err
	}
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	if err := kcm.waitUp(ctx, 60*time.Second, httpOK(insecure, "https://127.0.0.1:"+strconv.Itoa(kcmPort)+"/healthz")); err != nil {
		return nil, err
	}
	return c, nil
}

func adminKubeconfig(server string, certs *pki) ([]byte, error) {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["e2e"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: certs.caCert}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: certs.adminCert, ClientKeyData: certs.adminKey}
	cfg.Contexts["e2e"] = &clientcmdapi.Context{Cluster: "e2e", AuthInfo: "admin"}
	cfg.CurrentContext = "e2e"
	return clientcmd.Write(*cfg)
}

// httpOK is a readiness check: GET url answers 200.
func httpOK(client *http.Client, url string) func(context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return nil
	}
}
