// Command fleetctl makes every change to a GitOps fleet of AKS clusters a correct, small, reviewable
// pull request.
package main

import (
	"os"

	"github.com/fleetctl/fleetctl/pkg/cli"
)

func main() { os.Exit(cli.Main()) }
