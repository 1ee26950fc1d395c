package gitrepo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/hash"
)

// This file holds a decoder and an encoder for git index files of versions 2
// and 3 that produce and consume go-git's index types exactly as go-git's own
// codec (plumbing/format/index) does, field for field and byte for byte, but
// without its per-field reflection: a 40,000-entry index is parsed from one
// in-memory copy of the file with a handful of allocations, and written as
// one buffer.
//
// Whatever is unusual is left to go-git itself, so that its result (or its
// error, exactly) is what the caller gets: index version 4 (path prefix
// compression) and unsupported versions, any malformed file, and an EOIE
// extension whose size is not git's 24 bytes. The decoder mirrors go-git's
// decoder in what it keeps (TREE into Index.Cache, REUC into
// Index.ResolveUndo, EOIE into Index.EndOfIndexEntry), skips (any other
// extension whose signature starts with 'A'..'Z': UNTR, FSMN, IEOT, ...) and
// rejects (an extension starting with anything else, e.g. the split index's
// "link" or the sparse index's "sdir": index.ErrUnknownExtension), and in
// verifying the trailing checksum with go-git's hash (SHA-1 with collision
// detection).
//
// One deliberate difference: go-git assigns the object names of a REUC entry
// to its stages in map iteration order, that is at random when an entry has
// more than one stage; this decoder assigns them in stage order, as git
// writes them (tests compare REUC entries up to that permutation).

const (
	idxHeaderLen    = 12 // "DIRC", version, entry count
	idxEntryFixed   = 62 // stat data, object name and flags of an entry
	idxMinEntry     = 64 // the fixed part, no name, padding to 8 bytes
	idxHashLen      = hash.Size
	idxExtHeader    = 8 // signature and size of an extension
	idxNameMask     = 0xfff
	idxExtended     = 0x4000
	idxIntentToAdd  = 1 << 13
	idxSkipWorktree = 1 << 14
	idxEOIESize     = 4 + idxHashLen
)

var (
	// errIndexFallback: the fast codec does not handle this input; go-git's
	// decoder or encoder does.
	errIndexFallback = errors.New("gitrepo: index: left to go-git")
	// errIndexMalformed: go-git's decoder rejects this input too (it is run
	// to give its own error).
	errIndexMalformed = errors.New("gitrepo: index: malformed")
)

// decodeIndex decodes an index file as index.NewDecoder(...).Decode does
// into a new Index. atEnd reports whether the file ends with its verified
// checksum (the last 20 bytes are the hash of all the others), which the
// memoization of readIndex relies on.
func decodeIndex(data []byte) (idx *index.Index, atEnd bool, err error) {
	idx, end, err := decodeIndexFast(data)
	if err == nil {
		return idx, end == len(data), nil
	}
	idx = &index.Index{}
	if err := index.NewDecoder(bytes.NewReader(data)).Decode(idx); err != nil {
		return nil, false, err
	}
	return idx, checksumAtEnd(data), nil
}

// checksumAtEnd reports whether the last 20 bytes of data are the hash of
// the bytes before them.
func checksumAtEnd(data []byte) bool {
	if len(data) < idxHeaderLen+idxHashLen {
		return false
	}
	n := len(data) - idxHashLen
	h := hash.New(hash.CryptoType)
	h.Write(data[:n])
	return bytes.Equal(h.Sum(nil), data[n:])
}

// decodeIndexFast decodes a version 2 or 3 index. It returns the offset
// just past the checksum, errIndexFallback for what it leaves to go-git, and
// errIndexMalformed (or an error of the extension parsers) for what go-git's
// decoder rejects as well.
func decodeIndexFast(data []byte) (*index.Index, int, error) {
	if len(data) < idxHeaderLen+idxHashLen {
		return nil, 0, errIndexMalformed // no room for a checksum
	}
	if string(data[:4]) != "DIRC" {
		return nil, 0, errIndexMalformed
	}
	version := binary.BigEndian.Uint32(data[4:])
	if version != 2 && version != 3 {
		return nil, 0, errIndexFallback
	}
	count := uint64(binary.BigEndian.Uint32(data[8:]))
	if count*idxMinEntry > uint64(len(data)-idxHeaderLen-idxHashLen) {
		return nil, 0, errIndexMalformed // cannot hold that many entries
	}
	idx := &index.Index{Version: version}
	p := idxHeaderLen
	if count > 0 {
		n := int(count)
		values := make([]index.Entry, n)
		idx.Entries = make([]*index.Entry, n)
		// The names are collected into one buffer and sliced from one
		// string afterwards; ends[i] is where name i ends.
		names := make([]byte, 0, len(data)-p-n*idxEntryFixed)
		ends := make([]int, n)
		for i := range values {
			e := &values[i]
			idx.Entries[i] = e
			if len(data)-p < idxEntryFixed {
				return nil, 0, errIndexMalformed
			}
			b := data[p : p+idxEntryFixed]
			sec, nsec := binary.BigEndian.Uint32(b[0:]), binary.BigEndian.Uint32(b[4:])
			msec, mnsec := binary.BigEndian.Uint32(b[8:]), binary.BigEndian.Uint32(b[12:])
			if sec != 0 || nsec != 0 {
				e.CreatedAt = time.Unix(int64(sec), int64(nsec))
			}
			if msec != 0 || mnsec != 0 {
				e.ModifiedAt = time.Unix(int64(msec), int64(mnsec))
			}
			e.Dev = binary.BigEndian.Uint32(b[16:])
			e.Inode = binary.BigEndian.Uint32(b[20:])
			e.Mode = filemode.FileMode(binary.BigEndian.Uint32(b[24:]))
			e.UID = binary.BigEndian.Uint32(b[28:])
			e.GID = binary.BigEndian.Uint32(b[32:])
			e.Size = binary.BigEndian.Uint32(b[36:])
			copy(e.Hash[:], b[40:60])
			flags := binary.BigEndian.Uint16(b[60:])
			e.Stage = index.Stage(flags>>12) & 0x3
			p += idxEntryFixed
			read := idxEntryFixed
			// Like go-git, the extended flags are read whenever the flag
			// says so, whatever the version.
			if flags&idxExtended != 0 {
				if len(data)-p < 2 {
					return nil, 0, errIndexMalformed
				}
				ext := binary.BigEndian.Uint16(data[p:])
				e.IntentToAdd = ext&idxIntentToAdd != 0
				e.SkipWorktree = ext&idxSkipWorktree != 0
				p += 2
				read += 2
			}
			var name []byte
			consumed := 0
			if l := int(flags & idxNameMask); l == idxNameMask {
				// A name of 0xFFF bytes or more: up to its NUL.
				j := bytes.IndexByte(data[p:], 0)
				if j < 0 {
					return nil, 0, errIndexMalformed
				}
				name, consumed = data[p:p+j], j+1
			} else {
				if len(data)-p < l {
					return nil, 0, errIndexMalformed
				}
				name, consumed = data[p:p+l], l
			}
			p += consumed
			names = append(names, name...)
			ends[i] = len(names)
			// Padding to a multiple of 8 (1 to 8 NULs, of which a long
			// name's NUL is the first); its bytes are not checked.
			pad := 8 - (read+len(name))%8 - (consumed - len(name))
			if pad > 0 {
				if len(data)-p < pad {
					return nil, 0, errIndexMalformed
				}
				p += pad
			}
		}
		all := string(names)
		start := 0
		for i := range values {
			values[i].Name = all[start:ends[i]]
			start = ends[i]
		}
	}

	// Extensions: go-git takes what follows the entries for one as long as
	// at least a signature, a size and a checksum are left.
	for len(data)-p >= idxExtHeader+idxHashLen {
		sig := data[p : p+4]
		size := uint64(binary.BigEndian.Uint32(data[p+4:]))
		p += idxExtHeader
		if size > uint64(len(data)-p) {
			// go-git reads the extension to the end of the file and then
			// finds no checksum.
			return nil, 0, errIndexMalformed
		}
		body := data[p : p+int(size)]
		switch string(sig) {
		case "TREE":
			t, err := decodeTreeExtension(body)
			if err != nil {
				return nil, 0, err
			}
			idx.Cache = t
		case "REUC":
			ru, err := decodeResolveUndoExtension(body)
			if err != nil {
				return nil, 0, err
			}
			idx.ResolveUndo = ru
		case "EOIE":
			if size != idxEOIESize {
				// go-git then consumes a number of bytes that depends on
				// its read buffers: left to it.
				return nil, 0, errIndexFallback
			}
			eoie := &index.EndOfIndexEntry{Offset: binary.BigEndian.Uint32(body)}
			copy(eoie.Hash[:], body[4:])
			idx.EndOfIndexEntry = eoie
		default:
			if sig[0] < 'A' || sig[0] > 'Z' {
				return nil, 0, errIndexMalformed // index.ErrUnknownExtension
			}
			// An optional extension: skipped.
		}
		p += int(size)
	}

	// The checksum; go-git ignores what may follow it (fewer than 8 bytes).
	if len(data)-p < idxHashLen {
		return nil, 0, errIndexMalformed
	}
	h := hash.New(hash.CryptoType)
	h.Write(data[:p])
	var sum [idxHashLen]byte
	if !bytes.Equal(h.Sum(sum[:0]), data[p:p+idxHashLen]) {
		return nil, 0, errIndexMalformed // index.ErrInvalidChecksum
	}
	return idx, p + idxHashLen, nil
}

// cut returns the bytes of b before the first sep and those after it; ok is
// false when b holds no sep (go-git's reader then reports io.EOF).
func cut(b []byte, sep byte) (before, after []byte, ok bool) {
	i := bytes.IndexByte(b, sep)
	if i < 0 {
		return nil, b, false
	}
	return b[:i], b[i+1:], true
}

// decodeTreeExtension parses a TREE extension's body as go-git does: an
// entry cut short by the end of the body ends the list without an error,
// except inside an object name; invalidated entries (negative entry count)
// are left out.
func decodeTreeExtension(b []byte) (*index.Tree, error) {
	t := &index.Tree{}
	for {
		path, rest, ok := cut(b, 0)
		if !ok {
			return t, nil
		}
		countText, rest, ok := cut(rest, ' ')
		if !ok {
			return t, nil
		}
		count, err := strconv.Atoi(string(countText))
		if err != nil {
			return nil, err
		}
		treesText, rest, ok := cut(rest, '\n')
		if !ok {
			return t, nil
		}
		trees, err := strconv.Atoi(string(treesText))
		if err != nil {
			return nil, err
		}
		b = rest
		if count < 0 {
			continue
		}
		if len(b) == 0 {
			return t, nil
		}
		if len(b) < idxHashLen {
			return nil, io.ErrUnexpectedEOF
		}
		e := index.TreeEntry{Path: string(path), Entries: count, Trees: trees}
		copy(e.Hash[:], b)
		b = b[idxHashLen:]
		t.Entries = append(t.Entries, e)
	}
}

// decodeResolveUndoExtension parses a REUC extension's body as go-git does:
// an entry cut short by the end of the body ends the list without an error,
// except inside an object name. The object names go to the stages whose
// mode is not 0, in stage order.
func decodeResolveUndoExtension(b []byte) (*index.ResolveUndo, error) {
	ru := &index.ResolveUndo{}
	for {
		path, rest, ok := cut(b, 0)
		if !ok {
			return ru, nil
		}
		e := index.ResolveUndoEntry{Path: string(path), Stages: make(map[index.Stage]plumbing.Hash)}
		var stages [3]index.Stage
		n := 0
		for s := index.Stage(1); s <= 3; s++ {
			var modeText []byte
			if modeText, rest, ok = cut(rest, 0); !ok {
				return ru, nil
			}
			mode, err := strconv.ParseInt(string(modeText), 8, 64)
			if err != nil {
				return nil, err
			}
			if mode != 0 {
				e.Stages[s] = plumbing.ZeroHash
				stages[n] = s
				n++
			}
		}
		for _, s := range stages[:n] {
			if len(rest) == 0 {
				return ru, nil
			}
			if len(rest) < idxHashLen {
				return nil, io.ErrUnexpectedEOF
			}
			var h plumbing.Hash
			copy(h[:], rest)
			e.Stages[s] = h
			rest = rest[idxHashLen:]
		}
		b = rest
		ru.Entries = append(ru.Entries, e)
	}
}

// encodeIndex writes idx as index.NewEncoder(w).Encode(idx) does, byte for
// byte: the header, the entries sorted by name (idx.Entries is sorted in
// place, with the same sort), and the checksum; like go-git it writes no
// extension (Cache, ResolveUndo and EndOfIndexEntry are not written). Other
// versions than 2 and 3, and entries go-git refuses (negative timestamps),
// are left to go-git's encoder, so its output and error are what w gets.
func encodeIndex(w io.Writer, idx *index.Index) error {
	if idx.Version != 2 && idx.Version != 3 {
		return index.NewEncoder(w).Encode(idx)
	}
	size := idxHeaderLen + idxHashLen
	sorted := true
	for i, e := range idx.Entries {
		if !validIndexTime(e.CreatedAt) || !validIndexTime(e.ModifiedAt) {
			return index.NewEncoder(w).Encode(idx)
		}
		l := idxEntryFixed + len(e.Name)
		if e.IntentToAdd || e.SkipWorktree {
			l += 2
		}
		size += l + 8 - l%8
		if i > 0 && idx.Entries[i-1].Name >= e.Name {
			sorted = false
		}
	}
	// Strictly increasing names have one sorted order; otherwise go-git's
	// (unstable) sort decides where entries of the same name go.
	if !sorted {
		sort.Sort(entriesByName(idx.Entries))
	}

	buf := make([]byte, 0, size)
	buf = append(buf, "DIRC"...)
	buf = binary.BigEndian.AppendUint32(buf, idx.Version)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(idx.Entries)))
	for _, e := range idx.Entries {
		sec, nsec := indexTime(e.CreatedAt)
		msec, mnsec := indexTime(e.ModifiedAt)
		buf = binary.BigEndian.AppendUint32(buf, sec)
		buf = binary.BigEndian.AppendUint32(buf, nsec)
		buf = binary.BigEndian.AppendUint32(buf, msec)
		buf = binary.BigEndian.AppendUint32(buf, mnsec)
		buf = binary.BigEndian.AppendUint32(buf, e.Dev)
		buf = binary.BigEndian.AppendUint32(buf, e.Inode)
		buf = binary.BigEndian.AppendUint32(buf, uint32(e.Mode))
		buf = binary.BigEndian.AppendUint32(buf, e.UID)
		buf = binary.BigEndian.AppendUint32(buf, e.GID)
		buf = binary.BigEndian.AppendUint32(buf, e.Size)
		buf = append(buf, e.Hash[:]...)
		flags := uint16(e.Stage&0x3) << 12
		if l := len(e.Name); l < idxNameMask {
			flags |= uint16(l)
		} else {
			flags |= idxNameMask
		}
		l := idxEntryFixed + len(e.Name)
		if e.IntentToAdd || e.SkipWorktree {
			var ext uint16
			if e.IntentToAdd {
				ext |= idxIntentToAdd
			}
			if e.SkipWorktree {
				ext |= idxSkipWorktree
			}
			buf = binary.BigEndian.AppendUint16(buf, flags|idxExtended)
			buf = binary.BigEndian.AppendUint16(buf, ext)
			l += 2
		} else {
			buf = binary.BigEndian.AppendUint16(buf, flags)
		}
		buf = append(buf, e.Name...)
		var zeros [8]byte
		buf = append(buf, zeros[:8-l%8]...)
	}
	h := hash.New(hash.CryptoType)
	h.Write(buf)
	buf = h.Sum(buf)
	_, err := w.Write(buf)
	return err
}

// validIndexTime reports whether go-git's encoder accepts t.
func validIndexTime(t time.Time) bool {
	return t.IsZero() || (t.Unix() >= 0 && t.UnixNano() >= 0)
}

// indexTime is how go-git's encoder records a (valid) time.
func indexTime(t time.Time) (sec, nsec uint32) {
	if t.IsZero() {
		return 0, 0
	}
	return uint32(t.Unix()), uint32(t.Nanosecond())
}

// entriesByName sorts as go-git's encoder does (the same sort.Interface
// behaviour gives the same order, also for entries of the same name).
type entriesByName []*index.Entry

func (l entriesByName) Len() int           { return len(l) }
func (l entriesByName) Swap(i, j int)      { l[i], l[j] = l[j], l[i] }
func (l entriesByName) Less(i, j int) bool { return l[i].Name < l[j].Name }
