//go:build e2e

package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fleetctl/fleetctl/hack/e2e/internal/bins"
)

var (
	flagCache    = flag.String("e2e.cache", bins.DefaultCache(), "folder for built engine binaries (outside the clone)")
	flagFleetctl = flag.String("e2e.fleetctl", "", "fleetctl binary to test (default: build ../.. into the work dir)")
	flagKeep     = flag.Bool("e2e.keep", false, "keep the work dir and logs even when every test passes")
)

// env is the running engine, shared by every step.
var env *environment

type environment struct {
	work, logs string
	procs      procGroup
	comps      map[string]*proc // by component name, for failure messages
	bins       *bins.Set
	mgmt       *kubeCluster // management cluster: Flux + CAPI/CAPZ CRDs
	workload   *kubeCluster // stands in for the AKS cluster behind <name>-kubeconfig
	git        *gitServer
	fleet      *fleetRepo

	// The Gitea forge, started by the first step that needs it (requireForge).
	forge     *forge
	forgeErr  error
	forgeOnce sync.Once

	stopOnce sync.Once
}

func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.list"); f != nil && f.Value.String() != "" {
		os.Exit(m.Run()) // listing needs no engine
	}
	start := time.Now()
	env = &environment{comps: map[string]*proc{}}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sigs
		fmt.Printf("\n%s: stopping every component; logs kept in %s\n", s, env.logs)
		env.stop()
		os.Exit(130)
	}()

	code := 1
	if err := env.start(); err != nil {
		fmt.Printf("--- step 0-bring-up: FAIL (%s)\n%v\n", since(start), err)
		report.add("0-bring-up", "FAIL", time.Since(start))
	} else {
		report.add("0-bring-up", "PASS", time.Since(start))
		fmt.Printf("--- step 0-bring-up: PASS (%s)\n", since(start))
		code = m.Run()
	}
	env.stop()
	report.print(os.Stdout)
	switch {
	case env.work == "":
	case code != 0 || *flagKeep:
		fmt.Printf("work dir and component logs kept in %s (logs: %s)\n", env.work, env.logs)
	default:
		os.RemoveAll(env.work)
	}
	fmt.Printf("e2e total %s\n", since(start))
	os.Exit(code)
}

// start builds (or finds) the binaries and brings up both API servers, the
// Flux controllers and the git server.
func (e *environment) start() error {
	ctx := context.Background()
	var err error
	if e.work, err = os.MkdirTemp("", "fleetctl-e2e-"); err != nil {
		return err
	}
	e.logs = filepath.Join(e.work, "logs")
	if err := os.MkdirAll(e.logs, 0o755); err != nil {
		return err
	}
	fmt.Printf("=== step 0-bring-up (work dir %s)\n", e.work)

	phase := timer("binaries (cache " + *flagCache + ")")
	if e.bins, err = bins.Ensure(bins.Options{BuildDir: "build", CacheDir: *flagCache, Log: os.Stdout}); err != nil {
		return err
	}
	fleetctl := *flagFleetctl
	if fleetctl != "" {
		if fleetctl, err = filepath.Abs(fleetctl); err != nil {
			return err
		}
	} else {
		fleetctl = filepath.Join(e.work, "fleetctl")
		cmd := exec.Command("go", "build", "-o", fleetctl, "./cmd/fleetctl")
		cmd.Dir = filepath.Join("..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("building fleetctl from %s: %w\n%s", cmd.Dir, err, out)
		}
	}
	phase()

	phase = timer("management cluster: etcd, kube-apiserver, kube-controller-manager")
	if e.mgmt, err = e.startKubeCluster(ctx, "mgmt", true); err != nil {
		return err
	}
	phase()
	phase = timer("workload cluster: etcd, kube-apiserver")
	if e.workload, err = e.startKubeCluster(ctx, "workload", false); err != nil {
		return err
	}
	phase()

	phase = timer("CRDs: Flux, CAPI, CAPZ (conversion webhooks stripped)")
	crds, err := readCRDs(append(append([]string{}, e.bins.FluxCRD...), e.bins.CAPICRD...)...)
	if err != nil {
		return err
	}
	if err := installCRDs(ctx, e.mgmt, crds); err != nil {
		return err
	}
	fmt.Printf("    %d CRDs Established\n", len(crds))
	phase()

	phase = timer("Flux controllers")
	if err := e.startFlux(ctx); err != nil {
		return err
	}
	phase()

	gitRoot := filepath.Join(e.work, "git")
	if err := os.MkdirAll(gitRoot, 0o755); err != nil {
		return err
	}
	if e.git, err = startGitServer(gitRoot, filepath.Join(e.logs, "git-http.log")); err != nil {
		return err
	}
	e.fleet = &fleetRepo{dir: filepath.Join(e.work, "fleet"), bin: fleetctl}
	return nil
}

func (e *environment) stop() {
	e.stopOnce.Do(func() {
		e.procs.stopAll()
		e.git.close()
	})
}

// run starts a component and registers it for teardown and failure messages.
func (e *environment) run(name, bin string, args, extraEnv []string) (*proc, error) {
	p, err := startProc(e.logs, name, bin, args, extraEnv)
	if err != nil {
		return nil, err
	}
	e.procs.add(p)
	e.comps[name] = p
	return p, nil
}

// logOf names a component's log for failure messages.
func (e *environment) logOf(names ...string) string {
	var parts []string
	for _, n := range names {
		if p, ok := e.comps[n]; ok {
			parts = append(parts, p.describe())
		} else {
			parts = append(parts, n+": log "+filepath.Join(e.logs, n+".log"))
		}
	}
	return "\n  " + strings.Join(parts, "\n  ")
}

// timer prints a phase and, when the returned func is called, its duration.
func timer(what string) func() {
	start := time.Now()
	return func() { fmt.Printf("    %-70s %s\n", what, since(start)) }
}

func since(t time.Time) string { return time.Since(t).Round(100 * time.Millisecond).String() }
