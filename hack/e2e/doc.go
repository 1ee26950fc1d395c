// Package e2e is fleetctl's real-engine end-to-end test: etcd, kube-apiserver,
// kube-controller-manager and the Flux controllers, all built from the Go
// module proxy and run as plain processes on 127.0.0.1, reconcile a fleet repo
// that fleetctl writes and that is served over smart HTTP. The test files need
// the build tag e2e: run it with `make e2e` (see docs/e2e.md).
package e2e
