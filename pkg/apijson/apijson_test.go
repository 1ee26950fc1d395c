package apijson

import (
	"reflect"
	"testing"
)

// seeds covers the YAML the decoders treat specially: YAML 1.1 booleans, numbers of every size and
// form, non-string keys, anchors and merge keys, binary and timestamps, empty and odd documents.
var seeds = []string{
	"",
	"---\n",
	"# only a comment\n",
	"null\n",
	"a: 1\n",
	"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  k: v\n",
	"a: yes\nb: no\nc: on\nd: off\ne: y\nf: True\ng: NO\n",
	"i: 9223372036854775807\nj: -9223372036854775808\nk: 18446744073709551615\nl: 9007199254740993\n",
	"f: 1.0\ng: 3.5\nh: 1e21\ni: -0.0\nj: 1.5e-7\nk: .inf\n",
	"n: .nan\n",
	"o: 0x1F\np: 0o17\nq: 017\nr: 1_000\ns: +12\n",
	"1: one\n2.5: x\ntrue: t\n",
	"'1': a\n1: b\n",
	"a: 1\na: 2\n",
	"~: nullkey\n",
	"base: &b {x: 1, y: [1, 2]}\nderived:\n  <<: *b\n  z: 3\n",
	"bin: !!binary aGVsbG8=\n",
	"bad: !!binary //79\n",
	"t: 2001-12-14t21:59:43.10-05:00\nd: 2002-12-14\n",
	"list: []\nmap: {}\nnested: [[], {}, [null, ~]]\n",
	"- a\n- b\n",
	"just a string\n",
	"42\n",
	"a: 1\n---\nb: 2\n",
	"a: [1, 2\n",
	"a: b: c\n",
	"\"\\xff\": 1\ns: \"\\xfe\\x00\"\n",
	"str: \"\\u00e9t\\u00e9 <&>\"\nquoted: '123'\nempty: ''\n",
	"k: |\n  multi\n  line\nf: >\n  folded\n  text\n",
	"a: &a [1, *a]\n",
	"? [1, 2]\n: complex key\n",
}

// checkSame asserts DecodeObject and Normalize agree with the library round trips on doc: the
// same value, or an error from both.
func checkSame(t *testing.T, doc []byte) {
	t.Helper()
	want, wantErr := decodeRoundTrip(doc)
	got, direct := decodeDirect(doc)
	if !direct {
		// DecodeObject hands the document to the library itself, whose result for keys that collide
		// once stringified ('1' and 1) is not even stable from one call to the next.
		return
	}
	if wantErr != nil {
		t.Fatalf("%q: decoded directly to %#v, the library fails: %v", doc, got, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %#v\nwant %#v", doc, got, want)
	}
	wantN, wantErr := normalizeRoundTrip(want)
	gotN, gotErr := Normalize(got)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("%q: normalize error %v, library's %v", doc, gotErr, wantErr)
	}
	if wantErr == nil && !reflect.DeepEqual(gotN, wantN) {
		t.Fatalf("%q normalized:\n got %#v\nwant %#v", doc, gotN, wantN)
	}
}

func TestDecodeObjectMatchesLibrary(t *testing.T) {
	for _, s := range seeds {
		checkSame(t, []byte(s))
	}
	// The point of the package: an ordinary object is decoded without the round trip.
	for _, s := range []string{seeds[5], seeds[6], seeds[7], "f: 1.0\ng: -0.0\n", "base: &b {x: 1}\nd:\n  <<: *b\n", "list: []\nmap: {}\n"} {
		if _, ok := decodeDirect([]byte(s)); !ok {
			t.Errorf("%q takes the library's round trip", s)
		}
	}
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   map[string]any
	}{
		{"nil", nil},
		{"empty", map[string]any{}},
		{"numbers", map[string]any{"a": float64(3), "b": 3.5, "c": 1e21, "d": 1e20, "e": -0.0, "f": 9.3e18, "g": int(7), "h": int64(-7)}},
		{"nested", map[string]any{"m": map[string]any{"l": []any{float64(1), "x", nil, true, map[string]any{}}}, "nilmap": map[string]any(nil), "nilslice": []any(nil)}},
		{"other types take the round trip", map[string]any{"s": []string{"a"}, "m": map[string]string{"k": "v"}, "u": uint64(1 << 63), "i32": int32(5)}},
		{"invalid utf-8", map[string]any{"k": "\xff"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, wantErr := normalizeRoundTrip(tc.in)
			got, gotErr := Normalize(tc.in)
			if (wantErr == nil) != (gotErr == nil) || !reflect.DeepEqual(got, want) {
				t.Fatalf("got %#v (%v), want %#v (%v)", got, gotErr, want, wantErr)
			}
		})
	}
	in := map[string]any{"a": float64(1)}
	if _, err := Normalize(in); err != nil || in["a"] != float64(1) {
		t.Fatalf("Normalize changed its input: %#v", in)
	}
}

func FuzzDecodeObject(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkSame(t, doc)
	})
}
