package fsview

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// A view may know git object ids without reading content (gitrepo.Snapshot does, from its trees);
// these interfaces let callers ask.
type (
	// BlobIDer tells the git blob id of a file.
	BlobIDer interface {
		BlobID(name string) (string, bool)
	}
	// TreeIDer tells the git tree id of a folder.
	TreeIDer interface {
		TreeID(name string) (string, bool)
	}
	// StatBlobIDer tells the git blob id of a file given what a listing of its folder already
	// said about it (saving a stat per file).
	StatBlobIDer interface {
		StatBlobID(name string, info fs.FileInfo) (string, bool)
	}
)

// HashBlob returns the git blob id of content (what `git hash-object` prints).
func HashBlob(content []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(content))
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}

// BlobID returns the git blob id of the file at name: from the view when it knows it, else by
// reading and hashing the file. ok is false when there is no regular file there.
func BlobID(fsys fs.FS, name string) (string, bool) {
	if b, ok := fsys.(BlobIDer); ok {
		return b.BlobID(name)
	}
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return "", false
	}
	return HashBlob(data), true
}

// TreeID returns the git tree id of the folder at name (the id `git write-tree` would give it, for
// files of mode 100644/100755; symbolic links and other special files count as regular files):
// from the view when it knows it, else computed from the folder's files. Two views agree on a
// folder's id exactly when its content is the same, so the id is a content key. ok is false when
// there is no folder there.
func TreeID(fsys fs.FS, name string) (string, bool) {
	if t, ok := fsys.(TreeIDer); ok {
		return t.TreeID(name)
	}
	return computeTreeID(fsys, name)
}

func computeTreeID(fsys fs.FS, name string) (string, bool) {
	es, err := fs.ReadDir(fsys, name)
	if err != nil {
		return "", false
	}
	type ent struct {
		name, mode string
		id         []byte
	}
	ents := make([]ent, 0, len(es))
	for _, e := range es {
		p := join(name, e.Name())
		var id, mode string
		var ok bool
		if e.IsDir() {
			id, ok = TreeID(fsys, p)
			mode = "40000"
		} else {
			fi, err := e.Info()
			if err != nil {
				return "", false
			}
			if sb, isSB := fsys.(StatBlobIDer); isSB {
				id, ok = sb.StatBlobID(p, fi)
			} else {
				id, ok = BlobID(fsys, p)
			}
			mode = "100644"
			if fi.Mode()&0o111 != 0 {
				mode = "100755"
			}
		}
		if !ok {
			return "", false
		}
		raw, err := hex.DecodeString(id)
		if err != nil {
			return "", false
		}
		if e.IsDir() && id == emptyTreeID {
			continue // git keeps no empty folders
		}
		ents = append(ents, ent{name: e.Name(), mode: mode, id: raw})
	}
	// git orders entries as if folder names ended in "/".
	key := func(e ent) string {
		if e.mode == "40000" {
			return e.name + "/"
		}
		return e.name
	}
	slices.SortFunc(ents, func(a, b ent) int { return strings.Compare(key(a), key(b)) })
	var body []byte
	for _, e := range ents {
		body = append(body, e.mode...)
		body = append(body, ' ')
		body = append(body, e.name...)
		body = append(body, 0)
		body = append(body, e.id...)
	}
	h := sha1.New()
	fmt.Fprintf(h, "tree %d\x00", len(body))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil)), true
}

// emptyTreeID is the id of the tree with no entries.
const emptyTreeID = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
