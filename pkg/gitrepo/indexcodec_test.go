package gitrepo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/hash"
)

// ---- helpers: go-git's codec, comparisons, raw index files ----

func goGitDecode(data []byte) (*index.Index, error) {
	idx := &index.Index{}
	if err := index.NewDecoder(bytes.NewReader(data)).Decode(idx); err != nil {
		return nil, err
	}
	return idx, nil
}

func goGitEncode(idx *index.Index) ([]byte, error) {
	var b bytes.Buffer
	err := index.NewEncoder(&b).Encode(idx)
	return b.Bytes(), err
}

func ourEncode(idx *index.Index) ([]byte, error) {
	var b bytes.Buffer
	err := encodeIndex(&b, idx)
	return b.Bytes(), err
}

// indexDiff describes how got differs from want ("" when they are equal),
// comparing with reflect.DeepEqual except for the object names of REUC
// entries: go-git gives them to the stages in map iteration order (at
// random), so want's may be any permutation of got's.
func indexDiff(want, got *index.Index) string {
	if (want == nil) != (got == nil) {
		return fmt.Sprintf("want %v, got %v", want, got)
	}
	if want == nil {
		return ""
	}
	w, g := *want, *got
	w.ResolveUndo, g.ResolveUndo = nil, nil
	if !reflect.DeepEqual(w, g) {
		if w.Version != g.Version || len(w.Entries) != len(g.Entries) {
			return fmt.Sprintf("version/entries: want %d/%d, got %d/%d", w.Version, len(w.Entries), g.Version, len(g.Entries))
		}
		for i := range w.Entries {
			if !reflect.DeepEqual(w.Entries[i], g.Entries[i]) {
				return fmt.Sprintf("entry %d:\nwant %#v\ngot  %#v", i, *w.Entries[i], *g.Entries[i])
			}
		}
		if (w.Entries == nil) != (g.Entries == nil) {
			return fmt.Sprintf("Entries nil: want %v, got %v", w.Entries == nil, g.Entries == nil)
		}
		return fmt.Sprintf("want %#v %#v %#v\ngot  %#v %#v %#v", w.Cache, w.EndOfIndexEntry, w.ModTime, g.Cache, g.EndOfIndexEntry, g.ModTime)
	}
	wr, gr := want.ResolveUndo, got.ResolveUndo
	if (wr == nil) != (gr == nil) {
		return fmt.Sprintf("ResolveUndo: want %v, got %v", wr, gr)
	}
	if wr == nil {
		return ""
	}
	if len(wr.Entries) != len(gr.Entries) || (wr.Entries == nil) != (gr.Entries == nil) {
		return fmt.Sprintf("ResolveUndo: want %d entries, got %d", len(wr.Entries), len(gr.Entries))
	}
	for i, we := range wr.Entries {
		ge := gr.Entries[i]
		var wk, gk []index.Stage
		var wh, gh []string
		for s, h := range we.Stages {
			wk, wh = append(wk, s), append(wh, h.String())
		}
		for s, h := range ge.Stages {
			gk, gh = append(gk, s), append(gh, h.String())
		}
		slices.Sort(wk)
		slices.Sort(gk)
		slices.Sort(wh)
		slices.Sort(gh)
		if we.Path != ge.Path || !slices.Equal(wk, gk) || !slices.Equal(wh, gh) || (we.Stages == nil) != (ge.Stages == nil) {
			return fmt.Sprintf("ResolveUndo entry %d: want %v, got %v", i, we, ge)
		}
	}
	return ""
}

// sumIndex appends the checksum go-git computes to b.
func sumIndex(b []byte) []byte {
	h := hash.New(hash.CryptoType)
	h.Write(b)
	return h.Sum(slices.Clip(b))
}

// rawEntry is an index entry as bytes go; name length and extended flag
// are filled in unless rawFlags.
type rawEntry struct {
	ctime, ctimeNsec, mtime, mtimeNsec uint32
	dev, ino, mode, uid, gid, size     uint32
	hash                               byte // every byte of the object name
	flags                              uint16
	hasExt                             bool
	ext                                uint16
	name                               string
	rawFlags                           bool
	pad                                []byte // nil: NULs up to a multiple of 8
}

// rawIndex returns the header and entries of an index file, without
// checksum; count < 0 means len(entries).
func rawIndex(version uint32, count int64, entries ...rawEntry) []byte {
	if count < 0 {
		count = int64(len(entries))
	}
	b := []byte("DIRC")
	b = binary.BigEndian.AppendUint32(b, version)
	b = binary.BigEndian.AppendUint32(b, uint32(count))
	for _, e := range entries {
		for _, v := range []uint32{e.ctime, e.ctimeNsec, e.mtime, e.mtimeNsec, e.dev, e.ino, e.mode, e.uid, e.gid, e.size} {
			b = binary.BigEndian.AppendUint32(b, v)
		}
		b = append(b, bytes.Repeat([]byte{e.hash}, 20)...)
		flags := e.flags
		if !e.rawFlags {
			flags = flags&^0xfff | uint16(min(len(e.name), 0xfff))
			if e.hasExt {
				flags |= 0x4000
			}
		}
		b = binary.BigEndian.AppendUint16(b, flags)
		l := 62 + len(e.name)
		if flags&0x4000 != 0 {
			b = binary.BigEndian.AppendUint16(b, e.ext)
			l += 2
		}
		b = append(b, e.name...)
		if e.pad != nil {
			b = append(b, e.pad...)
		} else {
			b = append(b, make([]byte, 8-l%8)...)
		}
	}
	return b
}

// ext returns an extension: signature, size and body.
func ext(sig string, body string) []byte {
	b := []byte(sig)
	b = binary.BigEndian.AppendUint32(b, uint32(len(body)))
	return append(b, body...)
}

// extSized is ext with a size that does not match the body.
func extSized(sig string, size uint32, body string) []byte {
	b := []byte(sig)
	b = binary.BigEndian.AppendUint32(b, size)
	return append(b, body...)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// h20 is a 20-byte object name of one repeated byte, as a string.
func h20(c byte) string { return strings.Repeat(string(c), 20) }

// Decode outcomes: what decodeIndexFast does with an input.
const (
	wantFast     = "fast"     // decoded by the fast decoder
	wantFallback = "fallback" // left to go-git's decoder, which succeeds
	wantFail     = "fail"     // both fail
)

// checkDecode decodes data with go-git and with ours and compares results
// and errors; it checks which way decodeIndexFast took against want ("" for
// don't care), and that both encoders write the same bytes for what was
// decoded.
func checkDecode(t *testing.T, data []byte, want string) *index.Index {
	t.Helper()
	ref, refErr := goGitDecode(data)
	fast, _, fastErr := decodeIndexFast(data)
	got, _, gotErr := decodeIndex(data)

	switch {
	case fastErr == nil:
		if refErr != nil {
			t.Fatalf("fast decoder accepts what go-git rejects (%v)", refErr)
		}
		if d := indexDiff(ref, fast); d != "" {
			t.Fatalf("fast decoder differs from go-git: %s", d)
		}
	case errors.Is(fastErr, errIndexFallback):
	default:
		if refErr == nil {
			t.Fatalf("fast decoder rejects (%v) what go-git accepts", fastErr)
		}
	}
	if want != "" {
		var way string
		switch {
		case fastErr == nil:
			way = wantFast
		case errors.Is(fastErr, errIndexFallback) && refErr == nil:
			way = wantFallback
		default:
			way = wantFail
		}
		if way != want {
			t.Errorf("decoded: %s (fast: %v, go-git: %v), want %s", way, fastErr, refErr, want)
		}
	}
	if (refErr == nil) != (gotErr == nil) || (refErr != nil && refErr.Error() != gotErr.Error()) {
		t.Fatalf("decodeIndex error %v, go-git's %v", gotErr, refErr)
	}
	if d := indexDiff(ref, got); d != "" {
		t.Fatalf("decodeIndex differs from go-git: %s", d)
	}
	if ref != nil {
		checkEncode(t, ref)
	}
	return got
}

// checkEncode encodes copies of idx with go-git and with ours and compares
// the bytes, the errors and the entry order left behind.
func checkEncode(t *testing.T, idx *index.Index) {
	t.Helper()
	a, b := cloneIndex(idx), cloneIndex(idx)
	want, wantErr := goGitEncode(a)
	got, gotErr := ourEncode(b)
	if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
		t.Fatalf("encodeIndex error %v, go-git's %v", gotErr, wantErr)
	}
	if !bytes.Equal(want, got) {
		t.Fatalf("encodeIndex wrote %d bytes, go-git %d; first difference at %d", len(got), len(want), firstDiff(want, got))
	}
	if !reflect.DeepEqual(a.Entries, b.Entries) {
		t.Fatalf("entries left in another order than go-git's")
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// ---- synthetic inputs ----

type indexInput struct {
	name string
	data []byte
	want string
}

// syntheticIndexes are hand-made index files covering the format's corners
// and go-git's ways with them; they also seed FuzzIndexDecode.
func syntheticIndexes() []indexInput {
	file := rawEntry{ctime: 1700000000, ctimeNsec: 1, mtime: 1700000001, mtimeNsec: 999999999,
		dev: 2049, ino: 12345, mode: 0o100644, uid: 1000, gid: 100, size: 42, hash: 0xab, name: "a/b.txt"}
	named := func(e rawEntry, name string) rawEntry { e.name = name; return e }
	with := func(e rawEntry, f func(*rawEntry)) rawEntry { f(&e); return e }
	two := rawIndex(2, -1, file, named(file, "c.txt"))
	// good returns a valid index file: two entries, then extensions.
	good := func(version uint32, exts ...[]byte) []byte {
		b := rawIndex(version, -1, file, named(file, "c.txt"))
		return sumIndex(cat(append([][]byte{b}, exts...)...))
	}
	tree := "\x003 1\n" + h20(1) + "a\x001 0\n" + h20(2)
	reuc := "a.txt\x00100644\x00100644\x00100755\x00" + h20(1) + h20(2) + h20(3) +
		"b.txt\x000\x00100644\x00100644\x00" + h20(4) + h20(5)

	var in []indexInput
	add := func(name string, data []byte, want string) { in = append(in, indexInput{name, data, want}) }
	add("empty-v2", sumIndex(rawIndex(2, 0)), wantFast)
	add("empty-v3", sumIndex(rawIndex(3, 0)), wantFast)
	add("two-entries", good(2), wantFast)
	add("v3-extended-flags", sumIndex(rawIndex(3, -1,
		with(file, func(e *rawEntry) { e.hasExt, e.ext = true, 1<<13 }),
		with(named(file, "b"), func(e *rawEntry) { e.hasExt, e.ext = true, 1<<14 }),
		with(named(file, "c"), func(e *rawEntry) { e.hasExt, e.ext = true, 0xffff }),
		with(named(file, "d"), func(e *rawEntry) { e.hasExt, e.ext = true, 0 }))), wantFast)
	add("v2-extended-flags", sumIndex(rawIndex(2, -1, with(file, func(e *rawEntry) { e.hasExt, e.ext = true, 3<<13 }))), wantFast)
	add("assume-valid-and-stages", sumIndex(rawIndex(2, -1,
		with(file, func(e *rawEntry) { e.flags = 0x8000 }),
		with(named(file, "s"), func(e *rawEntry) { e.flags = 1 << 12 }),
		with(named(file, "s"), func(e *rawEntry) { e.flags = 2 << 12 }),
		with(named(file, "s"), func(e *rawEntry) { e.flags = 3 << 12 }))), wantFast)
	add("zero-times", sumIndex(rawIndex(2, -1,
		with(file, func(e *rawEntry) { e.ctime, e.ctimeNsec, e.mtime, e.mtimeNsec = 0, 0, 0, 0 }),
		with(named(file, "b"), func(e *rawEntry) { e.ctime, e.ctimeNsec, e.mtime, e.mtimeNsec = 0, 7, 5, 0 }),
		with(named(file, "c"), func(e *rawEntry) { e.ctimeNsec, e.mtimeNsec = 3e9, 0xffffffff }),
		with(named(file, "d"), func(e *rawEntry) { e.ctime, e.mtime = 0xffffffff, 0x80000000 }))), wantFast)
	add("odd-modes", sumIndex(rawIndex(2, -1,
		with(file, func(e *rawEntry) { e.mode = 0o120000 }),
		with(named(file, "b"), func(e *rawEntry) { e.mode = 0o160000 }),
		with(named(file, "c"), func(e *rawEntry) { e.mode = 0xffffffff }))), wantFast)
	for _, n := range []int{0, 1, 2, 9, 10, 4094, 4095, 4096, 5000} {
		add(fmt.Sprintf("name-%d", n), sumIndex(rawIndex(3, -1, named(file, strings.Repeat("n", n)))), wantFast)
		add(fmt.Sprintf("name-%d-extended", n), sumIndex(rawIndex(3, -1,
			with(named(file, strings.Repeat("x", n)), func(e *rawEntry) { e.hasExt, e.ext = true, 1<<14 }))), wantFast)
	}
	add("long-flag-short-name", sumIndex(rawIndex(2, -1, with(file, func(e *rawEntry) {
		e.flags, e.rawFlags = 0xfff, true
	}))), wantFast)
	add("long-flag-no-nul", rawIndex(2, -1, with(file, func(e *rawEntry) {
		e.flags, e.rawFlags, e.pad = 0xfff, true, []byte{}
	})), wantFail)
	add("nul-in-name", sumIndex(rawIndex(2, -1, named(file, "a\x00b"))), wantFast)
	add("junk-padding", sumIndex(rawIndex(2, -1, with(file, func(e *rawEntry) { e.pad = []byte("ju!") }))), wantFast)
	add("junk-long-name-padding", sumIndex(rawIndex(2, -1, with(named(file, strings.Repeat("l", 5000)), func(e *rawEntry) {
		e.pad = []byte("\x00!") // 62+5000 bytes: 2 to pad, the NUL first
	}))), wantFast)
	add("short-padding", sumIndex(rawIndex(2, -1, with(file, func(e *rawEntry) { e.pad = []byte{0} }))), wantFail)
	add("unsorted", sumIndex(rawIndex(2, -1, named(file, "z"), named(file, "a"), named(file, "z"))), wantFast)
	add("more-count", sumIndex(rawIndex(2, 3, file, named(file, "c.txt"))), wantFail)
	add("huge-count", sumIndex(rawIndex(2, 0xffffffff, file)), wantFail)
	add("less-count", sumIndex(rawIndex(2, 1, file, named(file, "c.txt"))), "")
	add("bad-signature", sumIndex(append([]byte("DIRX"), two[4:]...)), wantFail)
	for _, v := range []uint32{0, 1, 5, 0xffffffff} {
		add(fmt.Sprintf("version-%d", v), sumIndex(rawIndex(v, -1, file)), wantFail)
	}
	add("v4-empty", sumIndex(rawIndex(4, 0)), wantFallback)
	add("bad-checksum", append(two, make([]byte, 20)...), wantFail)
	add("no-checksum", two, wantFail)
	add("short", []byte("DIRC\x00\x00\x00\x02"), wantFail)
	add("nothing", nil, wantFail)
	for n := 1; n <= 9; n++ {
		add(fmt.Sprintf("trailing-%d", n), append(good(2), bytes.Repeat([]byte{'Z'}, n)...), "")
	}
	add("trailing-zero-ext", append(good(2), make([]byte, 8)...), wantFail)

	add("tree", good(2, ext("TREE", tree)), wantFast)
	add("tree-empty", good(2, ext("TREE", "")), wantFast)
	add("tree-twice", good(2, ext("TREE", tree), ext("TREE", "x\x001 0\n"+h20(9))), wantFast)
	add("tree-invalidated", good(2, ext("TREE", "\x00-1 1\na\x00-1 0\nb\x002 0\n"+h20(7))), wantFast)
	add("tree-signed", good(2, ext("TREE", "\x00+2 -0\n"+h20(7))), wantFast)
	for i, body := range []string{"p", "p\x00", "p\x001", "p\x001 ", "p\x001 0", "p\x001 0\n", "p\x00-1 0\n"} {
		add(fmt.Sprintf("tree-cut-%d", i), good(2, ext("TREE", body)), wantFast)
	}
	add("tree-cut-hash", good(2, ext("TREE", "p\x001 0\n"+h20(1)[:7])), wantFail)
	add("tree-bad-count", good(2, ext("TREE", "p\x00x 0\n"+h20(1))), wantFail)
	add("tree-bad-trees", good(2, ext("TREE", "p\x001 0x\n"+h20(1))), wantFail)
	add("tree-huge-count", good(2, ext("TREE", "p\x0099999999999999999999 0\n"+h20(1))), wantFail)
	add("tree-space-in-path", good(2, ext("TREE", "a b\x001 0\n"+h20(1))), wantFast)

	add("reuc", good(3, ext("REUC", reuc)), wantFast)
	add("reuc-empty", good(2, ext("REUC", "")), wantFast)
	add("reuc-no-stages", good(2, ext("REUC", "x\x000\x000\x000\x00")), wantFast)
	for i, body := range []string{"x", "x\x00", "x\x00100644", "x\x00100644\x00", "x\x00100644\x000\x00100644\x00",
		"x\x00100644\x000\x00100644\x00" + h20(1)} {
		add(fmt.Sprintf("reuc-cut-%d", i), good(2, ext("REUC", body)), wantFast)
	}
	add("reuc-cut-hash", good(2, ext("REUC", "x\x00100644\x000\x000\x00"+h20(1)[:5])), wantFail)
	add("reuc-bad-mode", good(2, ext("REUC", "x\x00100648\x000\x000\x00"+h20(1))), wantFail)
	add("reuc-signed-mode", good(2, ext("REUC", "x\x00-7\x00+0\x000\x00"+h20(1))), wantFast)

	eoie := "\x00\x00\x01\x00" + h20(5)
	add("eoie", good(2, ext("TREE", tree), ext("EOIE", eoie)), wantFast)
	add("eoie-long", good(2, ext("EOIE", eoie+"more")), wantFallback)
	add("eoie-short", good(2, ext("EOIE", eoie[:10])), wantFail)
	add("optional-exts", good(3, ext("UNTR", "whatever\x00"), ext("FSMN", "x"), ext("IEOT", ""), ext("ZZZZ", strings.Repeat("z", 5000))), wantFast)
	for _, sig := range []string{"link", "sdir", "1abc", "@ZZZ", "[ZZZ"} {
		add("ext-"+sig, good(2, ext(sig, "data")), wantFail)
	}
	add("ext-overrun", good(2, extSized("ZZZZ", 1000, "short")), wantFail)
	add("ext-overrun-tree", good(2, extSized("TREE", 1<<31, "")), wantFail)
	add("ext-into-checksum", sumIndex(cat(two, extSized("ZZZZ", 20, ""))), wantFail)
	return in
}

func TestIndexDecodeSynthetic(t *testing.T) {
	for _, c := range syntheticIndexes() {
		t.Run(c.name, func(t *testing.T) {
			checkDecode(t, c.data, c.want)
		})
	}
}

// TestIndexDecodeTruncated cuts and flips bytes of an index with every kind
// of part.
func TestIndexDecodeTruncated(t *testing.T) {
	var full []byte
	for _, c := range syntheticIndexes() {
		if c.name == "eoie" {
			full = c.data
		}
	}
	for n := range len(full) {
		checkDecode(t, full[:n], wantFail)
	}
	for i := range len(full) - 20 {
		b := slices.Clone(full)
		b[i] ^= 0x40
		checkDecode(t, sumIndex(b[:len(b)-20]), "")
	}
}

// TestIndexEncode compares what go-git's encoder and ours write for indexes
// go-git's decoder cannot produce.
func TestIndexEncode(t *testing.T) {
	when := time.Date(2024, 5, 1, 12, 0, 0, 123456789, time.UTC)
	entry := func(name string, stage index.Stage, h byte) *index.Entry {
		return &index.Entry{Name: name, Stage: stage, Hash: plumbing.Hash(bytes.Repeat([]byte{h}, 20)), Mode: filemode.Regular,
			CreatedAt: when, ModifiedAt: when.Add(time.Second), Dev: 1, Inode: 2, UID: 3, GID: 4, Size: 5}
	}
	// Many entries of few names in scrambled order: the sort decides where
	// entries of one name go.
	var dups []*index.Entry
	for i := range 200 {
		dups = append(dups, entry(fmt.Sprintf("f%d", (i*7)%13), index.Stage(i%4), byte(i)))
	}
	var unsorted []*index.Entry
	for i := range 100 {
		unsorted = append(unsorted, entry(fmt.Sprintf("g%03d", (i*37)%100), 0, byte(i)))
	}
	cases := []struct {
		name string
		idx  *index.Index
	}{
		{"empty-v2", &index.Index{Version: 2}},
		{"empty-v3-non-nil", &index.Index{Version: 3, Entries: []*index.Entry{}}},
		{"one", &index.Index{Version: 2, Entries: []*index.Entry{entry("a", 0, 1)}}},
		{"unsorted", &index.Index{Version: 2, Entries: unsorted}},
		{"same-names", &index.Index{Version: 2, Entries: dups}},
		{"flags-v2", &index.Index{Version: 2, Entries: []*index.Entry{
			{Name: "ita", IntentToAdd: true}, {Name: "sw", SkipWorktree: true}, {Name: "both", IntentToAdd: true, SkipWorktree: true}}}},
		{"flags-v3", &index.Index{Version: 3, Entries: []*index.Entry{
			{Name: "ita", IntentToAdd: true}, {Name: "sw", SkipWorktree: true, Stage: 2}}}},
		{"stages-out-of-range", &index.Index{Version: 2, Entries: []*index.Entry{
			{Name: "a", Stage: 5}, {Name: "b", Stage: -1}, {Name: "c", Stage: 1 << 20}}}},
		{"times", &index.Index{Version: 2, Entries: []*index.Entry{
			{Name: "zero"},
			{Name: "epoch", CreatedAt: time.Unix(0, 0), ModifiedAt: time.Unix(0, 1)},
			{Name: "local", CreatedAt: time.Unix(1700000000, 5), ModifiedAt: time.Unix(1700000000, 5).In(time.FixedZone("x", 3600))},
			{Name: "2106", CreatedAt: time.Date(2106, 3, 1, 0, 0, 0, 0, time.UTC)},
			{Name: "2200", ModifiedAt: time.Date(2200, 1, 1, 0, 0, 0, 999, time.UTC)},
			{Name: "2300", ModifiedAt: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)}}}},
		{"negative-ctime", &index.Index{Version: 2, Entries: []*index.Entry{
			entry("a", 0, 1), {Name: "b", CreatedAt: time.Unix(-1, 0)}, entry("c", 0, 2)}}},
		{"negative-mtime", &index.Index{Version: 3, Entries: []*index.Entry{
			{Name: "b", ModifiedAt: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)}, entry("a", 0, 1)}}},
		{"long-names", &index.Index{Version: 3, Entries: []*index.Entry{
			entry(strings.Repeat("a", 4094), 0, 1), entry(strings.Repeat("b", 4095), 0, 2),
			entry(strings.Repeat("c", 4096), 0, 3), {Name: strings.Repeat("d", 6000), SkipWorktree: true}}}},
		{"modes", &index.Index{Version: 2, Entries: []*index.Entry{
			{Name: "l", Mode: filemode.Symlink}, {Name: "s", Mode: filemode.Submodule}, {Name: "x", Mode: filemode.Executable}, {Name: "w", Mode: 0xffffffff}}}},
		{"extensions-not-written", &index.Index{Version: 2, Entries: []*index.Entry{entry("a", 0, 1)},
			Cache:           &index.Tree{Entries: []index.TreeEntry{{Path: "", Entries: 1}}},
			ResolveUndo:     &index.ResolveUndo{Entries: []index.ResolveUndoEntry{{Path: "a", Stages: map[index.Stage]plumbing.Hash{1: {}}}}},
			EndOfIndexEntry: &index.EndOfIndexEntry{Offset: 9}, ModTime: when}},
		{"version-0-empty", &index.Index{Version: 0}},
		{"version-1", &index.Index{Version: 1, Entries: []*index.Entry{entry("a", 0, 1)}}},
		{"version-4", &index.Index{Version: 4, Entries: []*index.Entry{entry("dir/a", 0, 1), entry("dir/b", 0, 2), entry("e", 0, 3)}}},
		{"version-5", &index.Index{Version: 5, Entries: []*index.Entry{entry("a", 0, 1)}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkEncode(t, c.idx)
			data, err := goGitEncode(cloneIndex(c.idx))
			if err == nil && c.idx.Version >= 2 && c.idx.Version <= 4 {
				checkDecode(t, data, "")
			}
		})
	}
}

// FuzzIndexDecode checks on any input that the decoders agree: both fail or
// both give the same index (and both encoders then write the same bytes).
func FuzzIndexDecode(f *testing.F) {
	for _, c := range syntheticIndexes() {
		f.Add(c.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data, "")
		// The same with a valid checksum, to get past it.
		if len(data) >= 20 {
			checkDecode(t, sumIndex(slices.Clone(data[:len(data)-20])), "")
		}
	})
}

// ---- indexes written by the git command ----

// gitIndexCase makes a repository with the git command; the index it
// leaves is what is compared.
type gitIndexCase struct {
	name  string
	setup func(t *testing.T, dir string)
	want  string // wantFast, wantFallback or wantFail
	// has lists strings the index file must contain (extension
	// signatures), so that the case tests what it is meant to.
	has   []string
	check func(t *testing.T, dir string, idx *index.Index)
}

func gitCommitFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		writeFile(t, dir, p, c)
	}
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "commit", "-q", "-m", "files")
}

// gitConflict leaves a merge with conflicts: a.txt in stages 1-3 (both
// changed), b.txt in 1 and 2 (deleted by them), d.txt in 2 and 3 (added by
// both).
func gitConflict(t *testing.T, dir string) {
	t.Helper()
	gitCommitFiles(t, dir, map[string]string{"a.txt": "base\n", "b.txt": "base\n", "c.txt": "base\n"})
	gitRun(t, dir, "checkout", "-q", "-b", "other")
	writeFile(t, dir, "a.txt", "other\n")
	writeFile(t, dir, "d.txt", "other d\n")
	gitRun(t, dir, "rm", "-q", "b.txt")
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "commit", "-q", "-m", "other")
	gitRun(t, dir, "checkout", "-q", "main")
	writeFile(t, dir, "a.txt", "main\n")
	writeFile(t, dir, "b.txt", "main\n")
	writeFileMode(t, dir, "d.txt", "main d\n", 0o755)
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "commit", "-q", "-m", "main")
	if out, err := gitTry(dir, "merge", "-q", "other"); err == nil {
		t.Fatalf("merge did not conflict: %s", out)
	}
}

func gitIndexCases() []gitIndexCase {
	clusters := map[string]string{}
	for i := range 30 {
		for _, f := range []string{"cluster.yaml", "values.yaml"} {
			clusters[fmt.Sprintf("capi/clusters/c%04d/%s", i, f)] = fmt.Sprintf("n: %d\n", i)
		}
	}
	return []gitIndexCase{
		{name: "files", want: wantFast, setup: func(t *testing.T, dir string) {
			gitCommitFiles(t, dir, clusters)
		}},
		{name: "empty", want: wantFast, setup: func(t *testing.T, dir string) {
			writeFile(t, dir, "a", "a")
			gitRun(t, dir, "add", "a")
			gitRun(t, dir, "rm", "-q", "--cached", "a")
		}, check: func(t *testing.T, dir string, idx *index.Index) {
			if idx.Entries != nil {
				t.Errorf("Entries = %#v, want nil", idx.Entries)
			}
		}},
		{name: "executable-symlink-submodule", want: wantFast, setup: func(t *testing.T, dir string) {
			writeFileMode(t, dir, "bin/run.sh", "#!/bin/sh\n", 0o755)
			writeFile(t, dir, "plain", "x")
			if err := os.Symlink("plain", filepath.Join(dir, "link")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("../nowhere/at/all", filepath.Join(dir, "bin", "dangling")); err != nil {
				t.Fatal(err)
			}
			gitRun(t, dir, "add", "-A")
			gitRun(t, dir, "commit", "-q", "-m", "x")
			head := gitRun(t, dir, "rev-parse", "HEAD")
			gitRun(t, dir, "update-index", "--add", "--cacheinfo", "160000,"+head+",vendor/sub")
		}, check: func(t *testing.T, dir string, idx *index.Index) {
			modes := map[string]filemode.FileMode{}
			for _, e := range idx.Entries {
				modes[e.Name] = e.Mode
			}
			want := map[string]filemode.FileMode{"bin/run.sh": filemode.Executable, "bin/dangling": filemode.Symlink,
				"plain": filemode.Regular, "link": filemode.Symlink, "vendor/sub": filemode.Submodule}
			if !reflect.DeepEqual(modes, want) {
				t.Errorf("modes = %v, want %v", modes, want)
			}
		}},
		{name: "intent-to-add-skip-worktree-assume-unchanged", want: wantFast, setup: func(t *testing.T, dir string) {
			gitCommitFiles(t, dir, map[string]string{"a": "a", "b": "b", "c": "c"})
			writeFile(t, dir, "new", "new")
			gitRun(t, dir, "add", "-N", "new")
			gitRun(t, dir, "update-index", "--skip-worktree", "b")
			gitRun(t, dir, "update-index", "--assume-unchanged", "c")
		}, check: func(t *testing.T, dir string, idx *index.Index) {
			if idx.Version != 3 {
				t.Errorf("version %d, want 3", idx.Version)
			}
			var ita, sw []string
			for _, e := range idx.Entries {
				if e.IntentToAdd {
					ita = append(ita, e.Name)
				}
				if e.SkipWorktree {
					sw = append(sw, e.Name)
				}
			}
			if !slices.Equal(ita, []string{"new"}) || !slices.Equal(sw, []string{"b"}) {
				t.Errorf("intent-to-add %v, skip-worktree %v", ita, sw)
			}
		}},
		{name: "long-names", want: wantFast, setup: func(t *testing.T, dir string) {
			blob := gitRun(t, dir, "hash-object", "-w", "--stdin")
			for _, n := range []int{4094, 4095, 4096, 4097, 5000, 9000} {
				// Components of at most 200 bytes; only the index holds
				// such paths (the file system would refuse them).
				c := string(rune('a' + n%26))
				k := (n - 1) / 200
				p := strings.Repeat(strings.Repeat(c, 199)+"/", k) + strings.Repeat(c, n-200*k)
				gitRun(t, dir, "update-index", "--add", "--cacheinfo", "100644,"+blob+","+p)
			}
		}, check: func(t *testing.T, dir string, idx *index.Index) {
			long := 0
			for _, e := range idx.Entries {
				if len(e.Name) >= 0xfff {
					long++
				}
			}
			if long < 5 {
				t.Errorf("%d names of 0xFFF bytes or more, want 5", long)
			}
		}},
		{name: "unmerged", want: wantFast, setup: gitConflict, check: func(t *testing.T, dir string, idx *index.Index) {
			var got []string
			for _, e := range idx.Entries {
				got = append(got, fmt.Sprintf("%s:%d", e.Name, e.Stage))
			}
			want := []string{"a.txt:1", "a.txt:2", "a.txt:3", "b.txt:1", "b.txt:2", "c.txt:0", "d.txt:2", "d.txt:3"}
			if !slices.Equal(got, want) {
				t.Errorf("stages %v, want %v", got, want)
			}
		}},
		{name: "resolve-undo", want: wantFast, has: []string{"REUC"}, setup: func(t *testing.T, dir string) {
			gitConflict(t, dir)
			writeFile(t, dir, "a.txt", "resolved\n")
			gitRun(t, dir, "add", "a.txt", "d.txt")
			gitRun(t, dir, "rm", "-q", "b.txt")
		}, check: func(t *testing.T, dir string, idx *index.Index) {
			// Ours gives each stage its own object name, as git does.
			var got []string
			for _, e := range idx.ResolveUndo.Entries {
				for s := index.Stage(1); s <= 3; s++ {
					if h, ok := e.Stages[s]; ok {
						got = append(got, fmt.Sprintf("%s %d\t%s", h, s, e.Path))
					}
				}
			}
			var want []string
			for _, l := range lines(gitRun(t, dir, "ls-files", "--resolve-undo")) {
				want = append(want, l[strings.IndexByte(l, ' ')+1:]) // drop the mode
			}
			if !slices.Equal(got, want) {
				t.Errorf("REUC\n%s\nwant (git ls-files --resolve-undo)\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}},
		{name: "tree-extension", want: wantFast, has: []string{"TREE"}, setup: func(t *testing.T, dir string) {
			gitCommitFiles(t, dir, clusters)
			gitRun(t, dir, "write-tree")
		}, check: func(t *testing.T, dir string, idx *index.Index) {
			if idx.Cache == nil || len(idx.Cache.Entries) != 33 || idx.Cache.Entries[0].Hash.String() != gitRun(t, dir, "write-tree") {
				t.Errorf("Cache = %+v", idx.Cache)
			}
		}},
		{name: "tree-extension-invalidated", want: wantFast, has: []string{"TREE"}, setup: func(t *testing.T, dir string) {
			gitCommitFiles(t, dir, clusters)
			writeFile(t, dir, "capi/clusters/c0003/values.yaml", "changed\n")
			gitRun(t, dir, "add", "capi/clusters/c0003/values.yaml")
		}, check: func(t *testing.T, dir string, idx *index.Index) {
			if idx.Cache == nil || len(idx.Cache.Entries) != 33-4 {
				t.Errorf("Cache = %+v, want the 29 valid trees", idx.Cache)
			}
		}},
		{name: "version-3-asked", want: wantFast, setup: func(t *testing.T, dir string) {
			gitCommitFiles(t, dir, clusters)
			gitRun(t, dir, "update-index", "--index-version", "3")
		}, check: func(t *testing.T, dir string, idx *index.Index) {
			if idx.Version != 2 {
				t.Errorf("version %d, want 2 (git writes 3 only for extended flags)", idx.Version)
			}
		}},
		{name: "version-3-from-4", want: wantFast, setup: func(t *testing.T, dir string) {
			gitCommitFiles(t, dir, clusters)
			gitRun(t, dir, "update-index", "--index-version", "4")
			gitRun(t, dir, "update-index", "--skip-worktree", "capi/clusters/c0002/values.yaml")
			gitRun(t, dir, "update-index", "--index-version", "3")
		}, check: func(t *testing.T, dir string, idx *index.Index) {
			if idx.Version != 3 {
				t.Errorf("version %d", idx.Version)
			}
		}},
		{name: "version-4", want: wantFallback, setup: func(t *testing.T, dir string) {
			gitCommitFiles(t, dir, clusters)
			gitRun(t, dir, "update-index", "--index-version", "4")
		}, check: func(t *testing.T, dir string, idx *index.Index) {
			if idx.Version != 4 || len(idx.Entries) != 60 {
				t.Errorf("version %d, %d entries", idx.Version, len(idx.Entries))
			}
		}},
		{name: "untracked-cache", want: wantFast, has: []string{"UNTR"}, setup: func(t *testing.T, dir string) {
			gitCommitFiles(t, dir, clusters)
			writeFile(t, dir, "untracked/file", "u")
			gitRun(t, dir, "config", "core.untrackedCache", "true")
			gitRun(t, dir, "update-index", "--force-untracked-cache")
			gitRun(t, dir, "status", "--porcelain")
		}},
		{name: "end-of-index-entry", want: wantFast, has: []string{"EOIE"}, setup: func(t *testing.T, dir string) {
			gitCommitFiles(t, dir, clusters)
			gitRun(t, dir, "-c", "index.threads=2", "-c", "index.recordEndOfIndexEntries=true", "-c", "index.recordOffsetTable=true",
				"update-index", "--force-write-index")
		}, check: func(t *testing.T, dir string, idx *index.Index) {
			if idx.EndOfIndexEntry == nil {
				t.Error("no EndOfIndexEntry")
			}
		}},
		{name: "split-index", want: wantFail, has: []string{"link"}, setup: func(t *testing.T, dir string) {
			gitCommitFiles(t, dir, clusters)
			gitRun(t, dir, "update-index", "--split-index")
		}},
		{name: "sparse-index", want: wantFail, has: []string{"sdir"}, setup: func(t *testing.T, dir string) {
			gitCommitFiles(t, dir, clusters)
			gitRun(t, dir, "sparse-checkout", "init", "--cone", "--sparse-index")
			gitRun(t, dir, "sparse-checkout", "set", "capi/clusters/c0001")
		}},
		{name: "written-by-gitrepo", want: wantFast, setup: func(t *testing.T, dir string) {
			gitCommitFiles(t, dir, clusters)
			r, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			r.getenv = hermeticEnv(map[string]string{"HOME": t.TempDir(), "GIT_CONFIG_NOSYSTEM": "1"})
			writeFile(t, dir, "capi/clusters/c0001/values.yaml", "changed\n")
			writeFile(t, dir, "capi/clusters/new/values.yaml", "new\n")
			writeFile(t, dir, "new", "not committed\n")
			gitRun(t, dir, "add", "-N", "new")
			if _, err := r.Commit("", []string{"capi"}, "change", testAuthor, testCommitter); err != nil {
				t.Fatal(err)
			}
			if out := gitRun(t, dir, "status", "--porcelain"); out != " A new" {
				t.Errorf("git status after Commit: %q", out)
			}
			fsck(t, dir)
		}},
	}
}

// TestIndexCodecGit compares the decoders, and the encoders, on indexes
// written by the git command, and reads them through Repo.readIndex, twice.
func TestIndexCodecGit(t *testing.T) {
	requireGit(t)
	for _, c := range gitIndexCases() {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			gitRun(t, dir, "init", "-q", "-b", "main")
			c.setup(t, dir)
			path := filepath.Join(dir, ".git", "index")
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range c.has {
				if !bytes.Contains(data, []byte(s)) {
					t.Fatalf("the index has no %q (git %s)", s, gitRun(t, dir, "version"))
				}
			}
			idx := checkDecode(t, data, c.want)
			if c.check != nil && idx != nil {
				c.check(t, dir, idx)
			}

			r, err := Open(dir)
			if err != nil {
				// go-git opens no repository with extensions.worktreeConfig
				// (sparse-checkout sets it); readIndex needs only the git
				// directory.
				t.Logf("Open: %v", err)
				r = &Repo{root: dir, gitDir: filepath.Join(dir, ".git"), getenv: hermeticEnv(nil)}
			}
			ref, refErr := goGitDecode(data)
			for i := range 2 {
				got, err := r.readIndex()
				if refErr != nil {
					if err == nil || !errors.Is(err, refErr) {
						t.Fatalf("read %d: readIndex error %v, want go-git's %v", i, err, refErr)
					}
					continue
				}
				if err != nil {
					t.Fatalf("read %d: %v", i, err)
				}
				fi, _ := os.Stat(path)
				ref.ModTime = fi.ModTime()
				if d := indexDiff(ref, got); d != "" {
					t.Fatalf("read %d: %s", i, d)
				}
			}
			if c.name == "split-index" {
				_, err := r.readIndex()
				if !errors.Is(err, index.ErrUnknownExtension) {
					t.Errorf("split index: %v, want index.ErrUnknownExtension", err)
				}
			}
		})
	}
}
