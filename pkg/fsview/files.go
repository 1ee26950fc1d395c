package fsview

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
)

// File returns an open fs.File holding data, described by info: what a view hands out for a file
// it holds in memory.
func File(data []byte, info fs.FileInfo) fs.File {
	return &memFile{Reader: bytes.NewReader(data), info: info}
}

type memFile struct {
	*bytes.Reader
	info fs.FileInfo
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Close() error               { return nil }

// Dir returns an open directory (fs.ReadDirFile) named name, described by info, whose entries
// readDir lists when they are first asked for.
func Dir(name string, info fs.FileInfo, readDir func() ([]fs.DirEntry, error)) fs.ReadDirFile {
	return &dirFile{name: name, info: info, list: readDir}
}

type dirFile struct {
	name    string
	info    fs.FileInfo
	list    func() ([]fs.DirEntry, error)
	entries []fs.DirEntry
	read    bool
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Close() error               { return nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: errors.New("is a directory")}
}

// ReadDir returns the next n entries (all that are left for n <= 0), as fs.ReadDirFile says.
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	if !d.read {
		es, err := d.list()
		if err != nil {
			return nil, err
		}
		d.entries, d.read = es, true
	}
	if n <= 0 {
		out := d.entries
		d.entries = nil
		return out, nil
	}
	if len(d.entries) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(d.entries))
	out := d.entries[:n]
	d.entries = d.entries[n:]
	return out, nil
}
