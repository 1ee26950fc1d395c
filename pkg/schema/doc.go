// Package schema validates Kubernetes objects offline against the CustomResourceDefinitions of
// Cluster API, the Azure provider (CAPZ), Flux and Azure Service Operator, the way the API server
// validates a create.
//
// The CRDs come from an embedded bundle (bundle/*.json, one file per pinned module version, written
// by hack/genschemas: `go generate ./pkg/schema/`, and hack/asoschemas) and, optionally, from a
// folder of CRD files (Set.AddDir, the --schema-dir option). The bundle holds the provider modules at
// more than one version (the current and the previous provider set); For picks one version of each,
// as a fleet's .fleetctl.yaml providers pin them, and Default the newest of each. A Set answers Lookup(apiVersion, kind) with a status and,
// for served versions, a Validator. Validators are built on first use and shared, read-only, by
// every Set made by Default, so they are safe for concurrent use.
//
// A Validator runs the apiextensions-apiserver's own code in the order the server does for a
// create: strict decoding (pruning reports unknown fields, embedded ObjectMeta is coerced),
// defaulting, dropping status, then the OpenAPI schema validator, ObjectMeta rules, embedded
// resources, list-type invariants and the x-kubernetes-validations CEL rules with the server's
// cost limits.
package schema

//go:generate go run ../../hack/genschemas -out bundle
