package gitrepo

import (
	"bytes"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"sync"

	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// readIndex keeps, per Repo, the index it last decoded, and hands out copies
// of it for as long as the index file is provably the same one:
//
//   - the same file (os.SameFile: device and inode), with the same size,
//     mode, mtime (nanoseconds) and, where the platform has them, device,
//     inode and ctime (nanoseconds) as when it was decoded, and
//   - the same last 20 bytes, which for a memoized index are its verified
//     checksum, the SHA-1 of all the bytes before it: two writes within the
//     timestamp granularity that keep the size, and even an inode number
//     reused by the next lock file, still differ there unless the contents
//     are the same.
//
// An index is memoized only when its checksum ends the file and its stat
// data did not change while it was read. indexLock.commit, this package's
// only writer of the index, also drops the memo.

// indexSysKey is what the platform tells of a file beyond fs.FileInfo.
type indexSysKey struct {
	dev, ino uint64
	ctime    int64 // nanoseconds since the epoch
}

// indexFileKey is the stat data an index file is memoized under.
type indexFileKey struct {
	size            int64
	mode            fs.FileMode
	mtimeSec, mtime int64 // seconds, nanoseconds within the second
	sys             indexSysKey
}

func indexFileKeyOf(fi fs.FileInfo) indexFileKey {
	mt := fi.ModTime()
	return indexFileKey{size: fi.Size(), mode: fi.Mode(), mtimeSec: mt.Unix(), mtime: int64(mt.Nanosecond()), sys: indexSysKeyOf(fi)}
}

type indexMemo struct {
	path string      // the index file, as opened
	fi   fs.FileInfo // for os.SameFile
	key  indexFileKey
	tail [idxHashLen]byte // the file's last bytes: its checksum
	idx  *index.Index     // never handed out: readers get copies
}

// indexMemoSlot is a Repo's memo of its index.
type indexMemoSlot struct {
	mu sync.Mutex
	m  *indexMemo
}

func (r *Repo) indexMemo() *indexMemo {
	r.memo.mu.Lock()
	defer r.memo.mu.Unlock()
	return r.memo.m
}

// setIndexMemo sets (or, with m nil, drops) the memo of r.
func (r *Repo) setIndexMemo(m *indexMemo) {
	r.memo.mu.Lock()
	defer r.memo.mu.Unlock()
	r.memo.m = m
}

// loadIndex reads and decodes the open index file f, or copies the memoized
// index when f is the file it was decoded from.
func (r *Repo) loadIndex(f *os.File) (*index.Index, error) {
	fi, err := f.Stat()
	if err != nil {
		data, err := io.ReadAll(f)
		if err != nil {
			return nil, err
		}
		idx, _, err := decodeIndex(data)
		return idx, err
	}
	key := indexFileKeyOf(fi)
	if m := r.indexMemo(); m != nil && m.path == f.Name() && m.key == key && os.SameFile(m.fi, fi) {
		var tail [idxHashLen]byte
		if _, err := f.ReadAt(tail[:], fi.Size()-idxHashLen); err == nil && tail == m.tail {
			idx := cloneIndex(m.idx)
			idx.ModTime = fi.ModTime()
			return idx, nil
		}
	}

	var buf bytes.Buffer
	buf.Grow(int(fi.Size()) + bytes.MinRead) // room to see EOF without growing
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	idx, atEnd, err := decodeIndex(data)
	if err != nil {
		r.setIndexMemo(nil)
		return nil, err
	}
	idx.ModTime = fi.ModTime()
	if atEnd && int64(len(data)) == fi.Size() {
		if fi2, err := f.Stat(); err == nil && indexFileKeyOf(fi2) == key {
			m := &indexMemo{path: f.Name(), fi: fi, key: key, idx: idx}
			copy(m.tail[:], data[len(data)-idxHashLen:])
			r.setIndexMemo(m)
			return cloneIndex(idx), nil
		}
	}
	r.setIndexMemo(nil)
	return idx, nil
}

// cloneIndex returns a deep copy of idx: its entries, cached trees and
// resolve-undo records can be changed without changing idx. (The package's
// callers replace entries rather than change them, but a copy of the values
// costs little next to decoding and keeps the memo safe whatever a caller
// does; the strings are shared, being immutable.)
func cloneIndex(idx *index.Index) *index.Index {
	c := *idx
	if idx.Entries != nil {
		values := make([]index.Entry, len(idx.Entries))
		c.Entries = make([]*index.Entry, len(idx.Entries))
		for i, e := range idx.Entries {
			values[i] = *e
			c.Entries[i] = &values[i]
		}
	}
	if idx.Cache != nil {
		c.Cache = &index.Tree{Entries: slices.Clone(idx.Cache.Entries)}
	}
	if idx.ResolveUndo != nil {
		ru := &index.ResolveUndo{Entries: slices.Clone(idx.ResolveUndo.Entries)}
		for i := range ru.Entries {
			ru.Entries[i].Stages = maps.Clone(ru.Entries[i].Stages)
		}
		c.ResolveUndo = ru
	}
	if idx.EndOfIndexEntry != nil {
		eoie := *idx.EndOfIndexEntry
		c.EndOfIndexEntry = &eoie
	}
	return &c
}
