package schema

import (
	"testing"
)

var benchObjects = []struct{ name, file string }{
	{"AzureASOManagedMachinePool", "machinepool-aso.yaml"},
	{"HelmRelease", "helmrelease.yaml"},
	{"Cluster", "cluster.yaml"},
}

// BenchmarkDefault measures parsing the embedded bundle files of the current providers (what
// Default does once per process).
func BenchmarkDefault(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := coldDefault(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFirstValidate measures a cold validation: building the validator (schema conversion,
// structural schema, OpenAPI validator, CEL compilation) and validating one object.
func BenchmarkFirstValidate(b *testing.B) {
	s := defaultSet(b)
	for _, bo := range benchObjects {
		b.Run(bo.name, func(b *testing.B) {
			obj := load(b, bo.file)
			shared := s.Lookup(obj["apiVersion"].(string), obj["kind"].(string)).Validator
			b.ReportAllocs()
			for b.Loop() {
				v := &Validator{gvk: shared.gvk, namespaced: shared.namespaced, served: true, raw: shared.raw}
				if errs := v.Validate(obj); len(errs) > 0 {
					b.Fatal(errs)
				}
			}
		})
	}
}

// BenchmarkValidate measures validating one object with a built validator.
func BenchmarkValidate(b *testing.B) {
	s := defaultSet(b)
	for _, bo := range benchObjects {
		b.Run(bo.name, func(b *testing.B) {
			obj := load(b, bo.file)
			v := s.Lookup(obj["apiVersion"].(string), obj["kind"].(string)).Validator
			if err := v.Prepare(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if errs := v.Validate(obj); len(errs) > 0 {
					b.Fatal(errs)
				}
			}
		})
	}
}
