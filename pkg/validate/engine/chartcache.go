package engine

import (
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/Masterminds/semver/v3"
	"sigs.k8s.io/yaml"

	"github.com/fleetctl/fleetctl/pkg/chart"
)

// chartCache finds the charts of chart repositories (HelmRepository, OCIRepository) in a folder the
// user keeps (validate --chart-cache): packaged charts named <chart>-<version>.tgz, as `helm pull`
// writes them and as Helm's repository cache and source-controller's storage hold them, or unpacked
// chart folders (any name) with a Chart.yaml. Nothing is ever fetched.
type chartCache struct {
	fsys fs.FS

	once    sync.Once
	entries map[string][]cacheEntry // by chart name; archives are indexed on lookup
	files   []string                // the .tgz files of the folder
	err     error

	mu     sync.Mutex
	loaded map[string]loadedChart // by entry path
}

type cacheEntry struct {
	path    string // in fsys
	version *semver.Version
	dir     bool
}

type loadedChart struct {
	ch  *chart.Chart
	err error
}

func newChartCache(fsys fs.FS) *chartCache {
	if fsys == nil {
		return nil
	}
	return &chartCache{fsys: fsys, loaded: map[string]loadedChart{}}
}

func (cc *chartCache) scan() {
	cc.entries = map[string][]cacheEntry{}
	des, err := fs.ReadDir(cc.fsys, ".")
	if err != nil {
		cc.err = err
		return
	}
	for _, de := range des {
		name := de.Name()
		switch {
		case de.IsDir():
			data, err := fs.ReadFile(cc.fsys, path.Join(name, "Chart.yaml"))
			if err != nil {
				continue // not a chart folder
			}
			var meta struct{ Name, Version string }
			if yaml.Unmarshal(data, &meta) != nil || meta.Name == "" {
				continue
			}
			v, err := semver.NewVersion(meta.Version)
			if err != nil {
				continue
			}
			cc.entries[meta.Name] = append(cc.entries[meta.Name], cacheEntry{path: name, version: v, dir: true})
		case strings.HasSuffix(name, ".tgz"):
			cc.files = append(cc.files, name)
		}
	}
}

// lookup returns the chart named name whose version is the highest one that constraint allows
// (a semver range as in HelmChart's spec.version; "" is "*", the latest stable version, as Flux
// reads it), with the file it came from. found is false when the folder holds no such chart; err is
// set when the chosen file does not load or holds another chart.
func (cc *chartCache) lookup(name, constraint string) (ch *chart.Chart, file string, found bool, err error) {
	cc.once.Do(cc.scan)
	if cc.err != nil {
		return nil, "", false, cc.err
	}
	if constraint == "" {
		constraint = "*"
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return nil, "", false, fmt.Errorf("version %q is not a semver range: %w", constraint, err)
	}
	candidates := append([]cacheEntry(nil), cc.entries[name]...)
	for _, f := range cc.files {
		rest, ok := strings.CutPrefix(f, name+"-")
		if !ok {
			continue
		}
		if v, err := semver.NewVersion(strings.TrimSuffix(rest, ".tgz")); err == nil {
			candidates = append(candidates, cacheEntry{path: f, version: v})
		}
	}
	var best *cacheEntry
	for i, e := range candidates {
		if c.Check(e.version) && (best == nil || e.version.GreaterThan(best.version)) {
			best = &candidates[i]
		}
	}
	if best == nil {
		return nil, "", false, nil
	}
	ch, err = cc.load(*best)
	if err == nil && (ch.Name() != name || ch.Version() != best.version.Original()) {
		err = fmt.Errorf("it holds chart %s version %s, not %s %s", ch.Name(), ch.Version(), name, best.version.Original())
	}
	return ch, best.path, true, err
}

func (cc *chartCache) load(e cacheEntry) (*chart.Chart, error) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if l, ok := cc.loaded[e.path]; ok {
		return l.ch, l.err
	}
	var l loadedChart
	if e.dir {
		l.ch, l.err = chart.Load(cc.fsys, e.path)
	} else if f, err := cc.fsys.Open(e.path); err != nil {
		l.err = err
	} else {
		l.ch, l.err = chart.LoadArchive(f, e.path)
		f.Close()
	}
	cc.loaded[e.path] = l
	return l.ch, l.err
}

// remoteChart is a chart that a chart repository serves: its name, the version range the
// HelmRelease (or its HelmChart or OCIRepository) asks for, and the source, for messages.
type remoteChart struct{ name, version, from string }

// cachedChart finds rc in --chart-cache. Without the chart, why says what was looked for; file is
// set, with why, when the cache's file for it does not load.
func (c *checker) cachedChart(rc remoteChart) (ch *chart.Chart, file, why string) {
	want := rc.name
	if rc.version != "" {
		want += " " + rc.version
	}
	if c.cache == nil {
		return nil, "", fmt.Sprintf("its chart %s comes from %s; --chart-cache DIR with %s-<version>.tgz renders it", want, rc.from, rc.name)
	}
	ch, file, found, err := c.cache.lookup(rc.name, strings.TrimPrefix(rc.version, "="))
	switch {
	case err != nil && found:
		return nil, file, oneLine(err.Error())
	case err != nil:
		return nil, "", fmt.Sprintf("its chart %s comes from %s; --chart-cache: %s", want, rc.from, oneLine(err.Error()))
	case !found:
		return nil, "", fmt.Sprintf("its chart %s comes from %s, and --chart-cache holds no version of %s that matches", want, rc.from, rc.name)
	}
	return ch, file, ""
}
