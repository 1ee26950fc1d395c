// Command e2e-build builds (or finds in the cache) every binary the e2e test runs
// and prints where they are. `make e2e` runs it before the test so that the
// long cold build is reported on its own.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/fleetctl/fleetctl/hack/e2e/internal/bins"
)

func main() {
	cache := flag.String("cache", bins.DefaultCache(), "folder for built binaries (outside the clone)")
	buildDir := flag.String("build-dir", "build", "folder with the wrapper modules")
	flag.Parse()
	start := time.Now()
	fmt.Printf("e2e binaries: cache %s\n", *cache)
	if _, err := bins.Ensure(bins.Options{BuildDir: *buildDir, CacheDir: *cache, Log: os.Stdout}); err != nil {
		fmt.Fprintln(os.Stderr, "e2e-build:", err)
		os.Exit(1)
	}
	fmt.Printf("e2e binaries ready in %.1fs\n", time.Since(start).Seconds())
}
