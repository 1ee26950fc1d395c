package chart

import (
	"errors"
	"strings"
	"testing"

	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
)

type badValueCase struct {
	name   string
	mutate func(v map[string]any)
	// path and message fragment of the violation expected
	path, msg string
}

func pool(v map[string]any, name string) map[string]any {
	pools := v["nodePools"].(map[string]any)
	p, ok := pools[name].(map[string]any)
	if !ok {
		p = map[string]any{}
		pools[name] = p
	}
	return p
}

// badValueCases each break one rule of values.schema.json, starting from
// testdata/minimal.values.yaml. (min <= max for autoscale cannot be said in
// JSON Schema; fleetctl's validator checks it.)
func badValueCases() []badValueCase {
	return []badValueCase{
		{"name not a DNS label", func(v map[string]any) { v["name"] = "Atlantic_AKS" }, "name", "does not match pattern"},
		{"name too long", func(v map[string]any) { v["name"] = strings.Repeat("a", 64) }, "name", "maxLength"},
		{"name contains microsoft", func(v map[string]any) { v["name"] = "microsoft-aks" }, "name", "must not contain 'microsoft'"},
		{"name contains windows", func(v map[string]any) { v["name"] = "aks-windows" }, "name", "must not contain 'windows'"},
		{"name too long for a DNS prefix", func(v map[string]any) { v["name"] = strings.Repeat("a", 55) }, "name", "used as DNS prefix"},
		{"missing name", func(v map[string]any) { delete(v, "name") }, "name", "required"},
		{"bad dnsPrefix", func(v map[string]any) { v["dnsPrefix"] = "-bad" }, "dnsPrefix", "does not match pattern"},
		{"version without v", func(v map[string]any) { v["kubernetesVersion"] = "1.37.2" }, "kubernetesVersion", "does not match pattern"},
		{"version without patch", func(v map[string]any) { v["kubernetesVersion"] = "v1.37" }, "kubernetesVersion", "does not match pattern"},
		{"bad skuTier", func(v map[string]any) { v["skuTier"] = "Gold" }, "skuTier", "value must be one of"},
		{"bad network plugin", func(v map[string]any) { v["network"] = map[string]any{"plugin": "flannel"} }, "network.plugin", "value must be one of"},
		{"bad network policy", func(v map[string]any) { v["network"] = map[string]any{"policy": "weave"} }, "network.policy", "value must be one of"},
		{"bad outboundType", func(v map[string]any) { v["network"] = map[string]any{"outboundType": "nat"} }, "network.outboundType", "value must be one of"},
		{"bad service CIDR", func(v map[string]any) { v["network"] = map[string]any{"serviceCidr": "10.0.0.0/33"} }, "network.serviceCidr", "does not match pattern"},
		{"bad DNS service IP", func(v map[string]any) { v["network"] = map[string]any{"dnsServiceIP": "10.0.0"} }, "network.dnsServiceIP", "does not match pattern"},
		{"bad flux interval", func(v map[string]any) { v["flux"] = map[string]any{"interval": "ten minutes"} }, "flux.interval", "does not match pattern"},
		{"bad flux source kind", func(v map[string]any) {
			v["flux"] = map[string]any{"sourceRef": map[string]any{"kind": "HelmRepository"}}
		}, "flux.sourceRef.kind", "value must be one of"},
		{"unknown top-level key", func(v map[string]any) { v["clusterResourceGroup"] = "legacy" }, "clusterResourceGroup", "unknown key"},
		{"unknown pool key", func(v map[string]any) { pool(v, "system")["replicas"] = 3 }, "nodePools.system.replicas", "unknown key"},
		{"bad pool name", func(v map[string]any) { pool(v, "Work_1")["mode"] = "User" }, "nodePools.Work_1", "invalid key: must match ^[a-z][a-z0-9]{0,11}$"},
		{"pool name too long", func(v map[string]any) { pool(v, "abcdefghijklm")["mode"] = "User" }, "nodePools.abcdefghijklm", "invalid key"},
		{"Windows pool name over 6 chars", func(v map[string]any) {
			p := pool(v, "windows1")
			p["mode"], p["vmSize"], p["osType"], p["count"] = "User", "Standard_D4s_v5", "Windows", 1
		}, "nodePools.windows1", "Windows pool name has at most 6 characters"},
		{"System pool Windows", func(v map[string]any) { pool(v, "system")["osType"] = "Windows" }, "nodePools.system.osType", "System pool must run Linux"},
		{"System pool count 0", func(v map[string]any) { pool(v, "system")["count"] = 0 }, "nodePools.system.count", "System pool needs 1 to 1000 nodes"},
		{"System pool autoscale min 0", func(v map[string]any) {
			p := pool(v, "system")
			delete(p, "count")
			p["autoscale"] = map[string]any{"min": 0, "max": 3}
		}, "nodePools.system.autoscale.min", "System pool needs at least 1 node"},
		{"count over 1000", func(v map[string]any) { pool(v, "system")["count"] = 1001 }, "nodePools.system.count", "maximum"},
		{"negative User count", func(v map[string]any) {
			p := pool(v, "work")
			p["mode"], p["vmSize"], p["count"] = "User", "Standard_D4s_v5", -1
		}, "nodePools.work.count", "minimum"},
		{"autoscale max over 1000", func(v map[string]any) {
			p := pool(v, "system")
			delete(p, "count")
			p["autoscale"] = map[string]any{"min": 1, "max": 1001}
		}, "nodePools.system.autoscale.max", "maximum"},
		{"count with autoscale", func(v map[string]any) { pool(v, "system")["autoscale"] = map[string]any{"min": 1, "max": 3} }, "nodePools.system", "count must be left out when autoscale is set"},
		{"neither count nor autoscale", func(v map[string]any) { delete(pool(v, "system"), "count") }, "nodePools.system.count", "required"},
		{"maxPods 300", func(v map[string]any) { pool(v, "system")["maxPods"] = 300 }, "nodePools.system.maxPods", "maximum: got 300, want 250"},
		{"maxPods 5", func(v map[string]any) { pool(v, "system")["maxPods"] = 5 }, "nodePools.system.maxPods", "minimum"},
		{"bad mode", func(v map[string]any) { pool(v, "system")["mode"] = "system" }, "nodePools.system.mode", "value must be one of"},
		{"bad osDiskType", func(v map[string]any) { pool(v, "system")["osDiskType"] = "Premium" }, "nodePools.system.osDiskType", "value must be one of"},
		{"bad zone", func(v map[string]any) { pool(v, "system")["zones"] = []any{"4"} }, "nodePools.system.zones[0]", "value must be one of"},
		{"numeric zone out of range", func(v map[string]any) { pool(v, "system")["zones"] = []any{1, 4} }, "nodePools.system.zones[1]", "value must be one of"},
		{"bad vmSize", func(v map[string]any) { pool(v, "system")["vmSize"] = "D4s_v5" }, "nodePools.system.vmSize", "does not match pattern"},
		{"no System pool", func(v map[string]any) { pool(v, "system")["mode"] = "User" }, "nodePools", "at least one pool must have mode System"},
		{"no pools at all", func(v map[string]any) { v["nodePools"] = map[string]any{} }, "nodePools", "at least one pool must have mode System"},
		{"empty credentials secret", func(v map[string]any) { v["credentials"] = map[string]any{"secretName": ""} }, "credentials.secretName", "minLength"},
		{"bad auto-upgrade channel", func(v map[string]any) { v["autoUpgradeChannel"] = "weekly" }, "autoUpgradeChannel", "value must be one of"},
		{"bad node OS channel", func(v map[string]any) { v["nodeOSUpgradeChannel"] = "nodeimage" }, "nodeOSUpgradeChannel", "value must be one of"},
		{"bad support plan", func(v map[string]any) { v["supportPlan"] = "LTS" }, "supportPlan", "value must be one of"},
		{"unknown maintenance window", func(v map[string]any) {
			v["maintenanceWindows"] = map[string]any{"weekly": map[string]any{"dayOfWeek": "Sunday", "startTime": "02:00", "durationHours": 4}}
		}, "maintenanceWindows.weekly", "unknown key"},
		{"managed window too short", func(v map[string]any) {
			v["maintenanceWindows"] = map[string]any{"aksManagedAutoUpgradeSchedule": map[string]any{"dayOfWeek": "Sunday", "startTime": "02:00", "durationHours": 2}}
		}, "maintenanceWindows.aksManagedAutoUpgradeSchedule.durationHours", "minimum"},
		{"default window off the hour", func(v map[string]any) {
			v["maintenanceWindows"] = map[string]any{"default": map[string]any{"dayOfWeek": "Sunday", "startTime": "02:30", "durationHours": 2}}
		}, "maintenanceWindows.default.startTime", "whole UTC hour"},
		{"window bad day", func(v map[string]any) {
			v["maintenanceWindows"] = map[string]any{"aksManagedNodeOSUpgradeSchedule": map[string]any{"dayOfWeek": "sunday", "startTime": "02:00", "durationHours": 4}}
		}, "maintenanceWindows.aksManagedNodeOSUpgradeSchedule.dayOfWeek", "value must be one of"},
		{"bad max surge", func(v map[string]any) { pool(v, "system")["maxSurge"] = "0%" }, "nodePools.system.maxSurge", "does not match pattern"},
		{"unquoted max surge", func(v map[string]any) { pool(v, "system")["maxSurge"] = 2 }, "nodePools.system.maxSurge", "string"},
		{"bad node label value", func(v map[string]any) { pool(v, "system")["nodeLabels"] = map[string]any{"team": "a b"} }, "nodePools.system.nodeLabels.team", "does not match pattern"},
		{"chart's own cluster label", func(v map[string]any) { v["labels"] = map[string]any{"helm.sh/chart": "x"} }, `labels["helm.sh/chart"]`, "set by the cluster chart"},
		{"cluster api cluster label", func(v map[string]any) { v["labels"] = map[string]any{"topology.cluster.x-k8s.io/owned": ""} }, `labels["topology.cluster.x-k8s.io/owned"]`, "Cluster API reserves"},
		{"bad cluster label value", func(v map[string]any) { v["labels"] = map[string]any{"ring": "can ary"} }, "labels.ring", "does not match pattern"},
		{"bad node taint", func(v map[string]any) { pool(v, "system")["nodeTaints"] = []any{"gpu=true:Never"} }, "nodePools.system.nodeTaints[0]", "does not match pattern"},
	}
}

func TestSchemaRejectsBadValues(t *testing.T) {
	c := loadChart(t)
	for _, tc := range badValueCases() {
		t.Run(tc.name, func(t *testing.T) {
			values := readValues(t, "minimal.values.yaml")
			tc.mutate(values)
			objs, err := c.Render(values, testRelease, testNamespace)
			if err == nil {
				t.Fatalf("accepted; rendered %d objects", len(objs))
			}
			var se *SchemaError
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v, want *SchemaError", err, err)
			}
			found := false
			for _, v := range se.Violations {
				if v.Path == tc.path && strings.Contains(v.Message, tc.msg) {
					found = true
					if v.Rule == "" {
						t.Errorf("violation %v names no schema rule", v)
					}
				}
			}
			if !found {
				t.Errorf("no violation at %q containing %q in:\n%v", tc.path, tc.msg, err)
			}
			if !strings.Contains(err.Error(), tc.path+": ") {
				t.Errorf("message does not name %q:\n%v", tc.path, err)
			}
			if err := c.Validate(values); err == nil {
				t.Error("Validate accepts what Render rejects")
			}
		})
	}
}

func TestSchemaErrorListsEveryViolationOnePerLine(t *testing.T) {
	c := loadChart(t)
	values := readValues(t, "minimal.values.yaml")
	values["name"] = "Bad_Name"
	values["kubernetesVersion"] = "1.37"
	pool(values, "system")["maxPods"] = 300
	err := c.Validate(values)
	var se *SchemaError
	if !errors.As(err, &se) {
		t.Fatalf("Validate: %v", err)
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 1+len(se.Violations) {
		t.Errorf("%d lines for %d violations:\n%v", len(lines), len(se.Violations), err)
	}
	for _, p := range []string{"name", "kubernetesVersion", "nodePools.system.maxPods"} {
		if !strings.Contains(err.Error(), "\n  "+p+": ") {
			t.Errorf("no line for %s:\n%v", p, err)
		}
	}
}

func TestSchemaAcceptsValidVariants(t *testing.T) {
	c := loadChart(t)
	cases := map[string]func(v map[string]any){
		"63-char name with dnsPrefix": func(v map[string]any) {
			v["name"] = strings.Repeat("a", 63)
			v["dnsPrefix"] = "short"
		},
		"Windows pool of 6 chars": func(v map[string]any) {
			p := pool(v, "win123")
			p["mode"], p["vmSize"], p["osType"], p["count"] = "User", "Standard_D4s_v5", "Windows", 0
		},
		"12-char Linux pool": func(v map[string]any) {
			p := pool(v, "abcdefghijkl")
			p["mode"], p["vmSize"], p["osType"], p["count"] = "User", "Standard_D4s_v5", "Linux", 0
		},
		"User pool autoscale from 0": func(v map[string]any) {
			p := pool(v, "batch")
			p["mode"], p["vmSize"], p["autoscale"] = "User", "Standard_D4s_v5", map[string]any{"min": 0, "max": 1000}
		},
		"System count 1000": func(v map[string]any) { pool(v, "system")["count"] = 1000 },
		"unquoted zones":    func(v map[string]any) { pool(v, "system")["zones"] = []any{1, 2, 3} },
		"every enum": func(v map[string]any) {
			v["skuTier"] = "Premium"
			v["network"] = map[string]any{"plugin": "none", "policy": "cilium", "outboundType": "userDefinedRouting"}
			p := pool(v, "system")
			p["osDiskType"], p["maxPods"], p["osDiskSizeGB"], p["zones"] = "Ephemeral", 250, 2048, []any{"1", "2", "3"}
		},
		"every lifecycle field": func(v map[string]any) {
			v["autoUpgradeChannel"], v["nodeOSUpgradeChannel"] = "node-image", "NodeImage"
			v["skuTier"], v["supportPlan"] = "Premium", "AKSLongTermSupport"
			v["maintenanceWindows"] = map[string]any{
				"default":                         map[string]any{"dayOfWeek": "Saturday", "startTime": "23:00", "durationHours": 24},
				"aksManagedAutoUpgradeSchedule":   map[string]any{"dayOfWeek": "Sunday", "startTime": "02:30", "durationHours": 4, "utcOffset": "-05:00"},
				"aksManagedNodeOSUpgradeSchedule": map[string]any{"dayOfWeek": "Monday", "startTime": "00:00", "durationHours": 24, "utcOffset": ""},
			}
			p := pool(v, "system")
			p["maxSurge"], p["nodeLabels"], p["nodeTaints"] = "100%", map[string]any{"example.com/team": "", "tier": "gold"}, []any{"CriticalAddonsOnly=true:NoSchedule", "gpu:NoExecute"}
		},
		"OCI source without namespace": func(v map[string]any) {
			v["flux"] = map[string]any{"sourceRef": map[string]any{"kind": "OCIRepository", "name": "fleet", "namespace": nil}, "interval": "1h30m"}
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			values := readValues(t, "minimal.values.yaml")
			mutate(values)
			if err := c.Validate(values); err != nil {
				t.Errorf("rejected:\n%v", err)
			}
		})
	}
}

// Schemas are read as Helm v4 reads them: without $schema as draft 2020-12,
// and checked against their draft's metaschema with the validator Helm pins.
func TestSchemaCompiledAsHelmDoes(t *testing.T) {
	cases := []struct {
		name, schema string
		values       map[string]any
		// what Helm v4 (and so fleetctl) does: refuse the schema, or reject the values
		badSchema, badValues bool
	}{
		{"no $schema reads 2020-12 prefixItems", `{"properties":{"pair":{"prefixItems":[{"type":"string"}]}}}`,
			map[string]any{"pair": []any{1}}, false, true},
		{"no $schema reads 2020-12 dependentRequired", `{"dependentRequired":{"a":["b"]}}`,
			map[string]any{"a": 1}, false, true},
		{"draft-07 ignores prefixItems", `{"$schema":"http://json-schema.org/draft-07/schema#","properties":{"pair":{"prefixItems":[{"type":"string"}]}}}`,
			map[string]any{"pair": []any{1}}, false, false},
		// draft-07's metaschema wants enum items unique, and the validator
		// compares a number with a string that spells it as equal when the
		// number comes second (helm-controller refused the chart for that);
		// 2020-12's metaschema has no such rule.
		{"draft-07 enum with a string then the same number", `{"$schema":"http://json-schema.org/draft-07/schema#","properties":{"z":{"enum":["1",1]}}}`,
			map[string]any{"z": 1}, true, false},
		{"draft-07 enum with a number then the same string", `{"$schema":"http://json-schema.org/draft-07/schema#","properties":{"z":{"enum":[1,"1"]}}}`,
			map[string]any{"z": 2}, false, true},
		{"2020-12 enum with a string then the same number", `{"properties":{"z":{"enum":["1",1]}}}`,
			map[string]any{"z": "1"}, false, false},
		{"type not a type", `{"type":"map"}`, map[string]any{}, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			herr := chartutil.ValidateAgainstSingleSchema(tc.values, []byte(tc.schema))
			s, cerr := compileSchema([]byte(tc.schema))
			if (cerr != nil) != tc.badSchema {
				t.Fatalf("compile: %v, want an error: %v", cerr, tc.badSchema)
			}
			if tc.badSchema {
				if herr == nil || !strings.Contains(herr.Error(), "metaschema") {
					t.Errorf("Helm does not refuse the schema: %v", herr)
				}
				return
			}
			verr := s.validate(tc.values)
			if (verr != nil) != tc.badValues {
				t.Errorf("validate: %v, want an error: %v", verr, tc.badValues)
			}
			if (herr != nil) != tc.badValues {
				t.Errorf("Helm: %v, want an error: %v", herr, tc.badValues)
			}
		})
	}
}
