package gitrepo

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// benchIndex40k returns the index of a fleet repository of 10,000 clusters
// of 4 files (40,000 entries) with stat data as git records it, and the
// TREE extension git adds after a commit (10,003 trees), as a file.
func benchIndex40k(b *testing.B) []byte {
	b.Helper()
	idx := &index.Index{Version: 2}
	base := time.Unix(1714560000, 0)
	var tree bytes.Buffer
	h := func(i int) plumbing.Hash { return plumbing.ComputeHash(plumbing.BlobObject, fmt.Appendf(nil, "%d", i)) }
	hs := func(i int) []byte { x := h(i); return x[:] }
	fmt.Fprintf(&tree, "\x0040000 1\n%s", hs(-1)) // root
	fmt.Fprintf(&tree, "capi\x0040000 1\n%s", hs(-2))
	fmt.Fprintf(&tree, "clusters\x0040000 10000\n%s", hs(-3))
	for c := range 10000 {
		name := fmt.Sprintf("c%04d-aks", c)
		fmt.Fprintf(&tree, "%s\x004 0\n%s", name, hs(-4-c))
		for j, f := range []string{"cluster.yaml", "flux.yaml", "kustomization.yaml", "values.yaml"} {
			n := c*4 + j
			t := base.Add(time.Duration(n) * 1234567)
			idx.Entries = append(idx.Entries, &index.Entry{
				Name: "capi/clusters/" + name + "/" + f, Hash: h(n), Mode: filemode.Regular,
				CreatedAt: t, ModifiedAt: t, Dev: 2049, Inode: uint32(1000000 + n), UID: 1000, GID: 1000, Size: uint32(100 + n%300),
			})
		}
	}
	data, err := goGitEncode(idx)
	if err != nil {
		b.Fatal(err)
	}
	return sumIndex(cat(data[:len(data)-20], ext("TREE", tree.String())))
}

func BenchmarkIndexDecode40k(b *testing.B) {
	data := benchIndex40k(b)
	b.Logf("index file: %d bytes", len(data))
	b.Run("go-git", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := goGitDecode(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gitrepo", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, _, err := decodeIndex(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkIndexEncode40k(b *testing.B) {
	idx, err := goGitDecode(benchIndex40k(b))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		encode func(io.Writer, *index.Index) error
	}{
		{"go-git", func(w io.Writer, idx *index.Index) error { return index.NewEncoder(w).Encode(idx) }},
		{"gitrepo", encodeIndex},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.encode(io.Discard, idx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReadIndex40k measures Repo.readIndex on the 40,000-entry index
// file: decoding it (go-git's decoder, as before, and ours), and reading it
// again unchanged (the memo: a stat, 20 bytes read and a copy).
func BenchmarkReadIndex40k(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index"), benchIndex40k(b), 0o644); err != nil {
		b.Fatal(err)
	}
	r := &Repo{gitDir: dir}
	b.Run("go-git-decoder", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f, err := os.Open(filepath.Join(dir, "index"))
			if err != nil {
				b.Fatal(err)
			}
			idx := &index.Index{}
			if err := index.NewDecoder(f).Decode(idx); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})
	b.Run("first-read", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r.setIndexMemo(nil)
			if _, err := r.readIndex(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("memoized", func(b *testing.B) {
		if _, err := r.readIndex(); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.readIndex(); err != nil {
				b.Fatal(err)
			}
		}
		if memoOf(r) == nil {
			b.Fatal("not memoized")
		}
	})
}
