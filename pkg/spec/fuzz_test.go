package spec

import (
	"strings"
	"testing"
)

// FuzzParseNodePool: any input either parses to a pool with a name, or errors with one line; never a
// panic. A parsed pool then validates without panicking.
func FuzzParseNodePool(f *testing.F) {
	for _, s := range []string{
		"name=system,mode=System,vm-size=Standard_D4s_v5,count=3",
		"name=work,mode=User,vm-size=Standard_D8s_v5,min=1,max=10,zones=1,2,3",
		"name=w,os=Windows,max-pods=30,os-disk-type=Ephemeral,os-disk-size-gb=64",
		"", ",", "=", "name=", "zones=,,", "count=-1", "name=a,min=99999999999999999999",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseNodePool(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") && !strings.Contains(s, "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		if p.Name == "" {
			t.Fatal("parsed pool without a name")
		}
		_ = p.Validate("cluster")
	})
}

// FuzzValidateName: the rule accepts only DNS-1123 labels without reserved words.
func FuzzValidateName(f *testing.F) {
	for _, s := range []string{"atlantic-aks", "a", "-a", "a-", "A", "microsoft", strings.Repeat("a", 64), "a.b", "ä"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateName(s)
		if err != nil {
			return
		}
		if len(s) == 0 || len(s) > 63 || strings.ContainsAny(s, "._ /") || s != strings.ToLower(s) ||
			strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") || strings.Contains(s, "windows") {
			t.Fatalf("accepted invalid name %q", s)
		}
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				t.Fatalf("accepted invalid character in %q", s)
			}
		}
	})
}

// FuzzDecodeValues: the values loader never panics; what it accepts re-encodes and decodes to the
// same values, and overlaying it on a cluster never panics either.
func FuzzDecodeValues(f *testing.F) {
	for _, s := range []string{
		"name: a\nnodePools:\n  system: {mode: System, vmSize: Standard_D4s_v5, count: 3}\n",
		"network: {plugin: azure, serviceCidr: 10.0.0.0/16}\n",
		"nodePools:\n  w:\n    autoscale: {min: 1, max: 2}\n    zones: [1, 2]\n",
		"", "~", "[]", "a: b", "nodePools: {x: null}", "name: [", "name: a\nname: b\n", "flux: {sourceRef: {}}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := DecodeValues("values.yaml", data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		c := Cluster{}
		c.Overlay(v)
		_ = c.Validate()
	})
}
