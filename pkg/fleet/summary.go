package fleet

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/fleetctl/fleetctl/pkg/fsview"
	"github.com/fleetctl/fleetctl/pkg/fsx"
	"github.com/fleetctl/fleetctl/pkg/spec"
)

// Summary is what the fleet-wide rules and `cluster list` need of one cluster: its effective values
// (values.yaml with the HelmRelease's inline values merged over it, as Flux gives them to the chart)
// and where they come from. A change that touches one cluster reads the others' summaries, so they
// are kept in a cache keyed by content.
type Summary struct {
	Name string
	Dir  string
	// Values are the effective values; empty when Err is set.
	Values spec.Values
	// Files are the repo-relative files the values come from, highest precedence first.
	Files []string
	// Err says why the folder cannot be read as a cluster ("" when it can).
	Err string
}

// Cluster returns the summary's cluster model.
func (s Summary) Cluster() spec.Cluster {
	var c spec.Cluster
	c.Overlay(s.Values)
	if c.Name == "" {
		c.Name = s.Name
	}
	return c
}

// SummaryCache keeps summaries by content key. Implementations are safe for concurrent use.
type SummaryCache interface {
	Get(key string) (Summary, bool)
	Put(key string, s Summary)
}

// summaryVersion changes whenever what LoadCluster makes of a folder changes, so that summaries of
// an older fleetctl are never trusted.
const summaryVersion = 2

// Summary reads cluster name's folder, through the cache when the fleet has one: the key is the
// folder's git tree id (fsview.TreeID), so a cached summary is never stale: any change to any file
// of the folder gives another key.
func (f *Fleet) Summary(name string) Summary {
	dir := f.ClusterDir(name)
	key := ""
	if f.Cache != nil {
		if id, ok := fsview.TreeID(f.FS, dir); ok {
			key = fmt.Sprintf("v%d %s %s", summaryVersion, name, id)
			if s, ok := f.Cache.Get(key); ok {
				return s
			}
		}
	}
	s := Summary{Name: name, Dir: dir}
	src, err := f.LoadCluster(name)
	if err != nil {
		s.Err = err.Error()
	} else {
		s.Values, s.Files = src.Values, src.Files()
	}
	if key != "" {
		f.Cache.Put(key, s)
	}
	return s
}

// Summaries reads the summaries of the named clusters, as many at a time as there are CPUs.
func (f *Fleet) Summaries(names []string) []Summary {
	out := make([]Summary, len(names))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = f.Summary(names[i])
			}
		}()
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// FileCache is a SummaryCache kept in one file (under the repository's git folder), read when first
// used and written back by Save when it learnt something new. Only entries used since it was
// opened, plus as many others as there are used ones, are written back, so it follows the repo
// without growing without bound. A file it cannot read is ignored (and replaced on Save).
type FileCache struct {
	path string

	once    sync.Once
	mu      sync.Mutex
	entries map[string]Summary
	used    map[string]bool
	dirty   bool
}

// OpenFileCache returns the cache kept at file (which need not exist yet).
func OpenFileCache(file string) *FileCache {
	return &FileCache{path: file, used: map[string]bool{}}
}

type cacheFile struct {
	Version int
	Entries map[string]Summary
}

func (c *FileCache) load() {
	c.once.Do(func() {
		c.entries = map[string]Summary{}
		data, err := os.ReadFile(c.path)
		if err != nil {
			return
		}
		var cf cacheFile
		if gob.NewDecoder(bytes.NewReader(data)).Decode(&cf) == nil && cf.Version == summaryVersion && cf.Entries != nil {
			c.entries = cf.Entries
		}
	})
}

// Get returns the summary stored under key.
func (c *FileCache) Get(key string) (Summary, bool) {
	c.load()
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.entries[key]
	if ok {
		c.used[key] = true
	}
	return s, ok
}

// Put stores a summary under key.
func (c *FileCache) Put(key string, s Summary) {
	c.load()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[key] = s
	c.used[key] = true
	c.dirty = true
}

// Save writes the cache back when it changed: to a temporary file renamed over the old one, so a
// reader never sees half a file. Errors are returned for the caller to ignore or report: the cache
// only ever saves time.
func (c *FileCache) Save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty {
		return nil
	}
	keep := map[string]Summary{}
	spare := len(c.used)
	for k, s := range c.entries {
		switch {
		case c.used[k]:
			keep[k] = s
		case spare > 0:
			keep[k] = s
			spare--
		}
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(cacheFile{Version: summaryVersion, Entries: keep}); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return err
	}
	if err := fsx.WriteFile(c.path, buf.Bytes(), 0o644); err != nil {
		return err
	}
	c.dirty = false
	return nil
}
