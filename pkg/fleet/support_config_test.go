package fleet

import (
	"strings"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/config"
)

// The support section of .fleetctl.yaml is written when set and reads back as the configuration
// (configFile refuses a rendering that does not).
func TestSkeletonWritesSupport(t *testing.T) {
	cfg := config.Default()
	cfg.Support = config.Support{VersionsFile: "windows.yaml", VMSizes: []string{"Standard_L8s_v3", "Standard_L16s_v3"}}
	f, err := New(t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	files, err := f.SkeletonFiles()
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		if file.Path != config.FileName {
			continue
		}
		if s := string(file.Content); !strings.Contains(s, "\nsupport:\n  versionsFile: windows.yaml\n  vmSizes: [Standard_L8s_v3, Standard_L16s_v3]\n") {
			t.Fatalf("support section missing:\n%s", s)
		}
		return
	}
	t.Fatal("no .fleetctl.yaml")
}
