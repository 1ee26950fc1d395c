package yamledit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
	"golang.org/x/tools/txtar"
)

// The golden tests in testdata/edit/*.txtar hold an input file, the edits
// to make (one per line in the "ops" section) and the wanted result (or an
// "error: ..." line). The archive's comment may hold "flags:" with crlf
// (the input's line breaks are CRLF), noeol (the input has no final line
// break) and bom (the input starts with a byte order mark); the input and
// want sections are stored without them.
//
// Ops:
//
//	doc N                             edit document N from now on
//	set PATH VALUE [str|int]          SetScalar; VALUE may be Go-quoted
//	node PATH [after=KEY] [flow] YAML SetNode with the rest of the line as
//	                                  the value (styles dropped unless flow),
//	                                  or @NAME for the archive's section NAME
//	delete PATH                       DeleteKey
//	unchanged                         the previous op must report changed=false
//
// PATH is dot-separated, or a JSON array of keys.

type goldenFlags struct{ crlf, noeol, bom bool }

func (f goldenFlags) apply(s []byte) []byte {
	if f.crlf {
		s = bytes.ReplaceAll(s, []byte("\n"), []byte("\r\n"))
	}
	if f.noeol {
		s = bytes.TrimSuffix(bytes.TrimSuffix(s, []byte("\n")), []byte("\r"))
	}
	if f.bom {
		s = append([]byte("\ufeff"), s...)
	}
	return s
}

// undo turns an output back into the stored form, checking that it kept
// the input's line breaks, final line break and byte order mark.
func (f goldenFlags) undo(s []byte) ([]byte, error) {
	if f.bom {
		if !bytes.HasPrefix(s, []byte("\ufeff")) {
			return nil, errors.New("the byte order mark is gone")
		}
		s = s[3:]
	}
	if f.crlf {
		if bytes.Count(s, []byte("\n")) != bytes.Count(s, []byte("\r\n")) {
			return nil, fmt.Errorf("mixed line breaks in %q", s)
		}
		s = bytes.ReplaceAll(s, []byte("\r\n"), []byte("\n"))
	}
	if f.noeol {
		if bytes.HasSuffix(s, []byte("\n")) {
			return nil, errors.New("a final line break was added")
		}
		s = append(s, '\n')
	}
	return s, nil
}

func parsePath(s string) ([]string, error) {
	if strings.HasPrefix(s, "[") {
		var p []string
		err := json.Unmarshal([]byte(s), &p)
		return p, err
	}
	return strings.Split(s, "."), nil
}

// nextField splits off the first field of s, which may be Go-quoted.
func nextField(s string) (field, rest string, err error) {
	s = strings.TrimLeft(s, " ")
	if strings.HasPrefix(s, `"`) {
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			return "", "", err
		}
		v, _ := strconv.Unquote(q)
		return v, s[len(q):], nil
	}
	if strings.HasPrefix(s, "[") {
		if i := strings.Index(s, "]"); i >= 0 {
			return s[:i+1], s[i+1:], nil
		}
	}
	field, rest, _ = strings.Cut(s, " ")
	return field, rest, nil
}

func dropStyles(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style = 0
	}
	for _, c := range n.Content {
		dropStyles(c)
	}
}

func parseValue(t testing.TB, ar *txtar.Archive, text string, keepStyle bool) *yaml.Node {
	t.Helper()
	if name, ok := strings.CutPrefix(text, "@"); ok {
		text = ""
		for _, f := range ar.Files {
			if f.Name == name {
				text = string(f.Data)
			}
		}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil || len(doc.Content) != 1 {
		t.Fatalf("value %q: %v", text, err)
	}
	n := doc.Content[0]
	if !keepStyle {
		dropStyles(n)
	}
	return n
}

// runGoldenOps applies the ops to src; it stops at the first error.
func runGoldenOps(t *testing.T, ar *txtar.Archive, src []byte, ops string) ([]byte, error) {
	doc := 0
	changed := true
	for _, line := range strings.Split(ops, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		verb, rest, _ := strings.Cut(line, " ")
		if verb == "unchanged" {
			if changed {
				t.Errorf("%s: the previous op reported a change", line)
			}
			continue
		}
		if verb == "doc" {
			var err error
			if doc, err = strconv.Atoi(rest); err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			continue
		}
		ps, rest, err := nextField(rest)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		path, err := parsePath(ps)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		var out []byte
		switch verb {
		case "set":
			value, rest, ferr := nextField(rest)
			if ferr != nil {
				t.Fatalf("%s: %v", line, ferr)
			}
			kind := Str
			switch strings.TrimSpace(rest) {
			case "", "str":
			case "int":
				kind = Int
			default:
				t.Fatalf("%s: bad kind", line)
			}
			out, changed, err = SetScalar(src, doc, path, value, kind)
		case "node":
			after, flow := "", false
			for {
				f, r, _ := nextField(rest)
				if a, ok := strings.CutPrefix(f, "after="); ok {
					after, rest = a, r
				} else if f == "flow" {
					flow, rest = true, r
				} else {
					break
				}
			}
			out, changed, err = SetNode(src, doc, path, parseValue(t, ar, strings.TrimSpace(rest), flow), after)
		case "delete":
			out, changed, err = DeleteKey(src, doc, path)
		default:
			t.Fatalf("unknown op %q", line)
		}
		if err != nil {
			return nil, err
		}
		if !changed && !bytes.Equal(out, src) {
			t.Errorf("%s: changed=false but the output differs", line)
		}
		// The same edit again changes nothing.
		var again []byte
		var changedAgain bool
		switch verb {
		case "set":
			value, rest, _ := nextField(rest)
			kind := Str
			if strings.TrimSpace(rest) == "int" {
				kind = Int
			}
			again, changedAgain, err = SetScalar(out, doc, path, value, kind)
		case "delete":
			again, changedAgain, err = DeleteKey(out, doc, path)
		default:
			again = out
		}
		if err != nil || changedAgain || !bytes.Equal(again, out) {
			t.Errorf("%s: repeating it: changed=%v err=%v", line, changedAgain, err)
		}
		src = out
	}
	return src, nil
}

func TestEditGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "edit", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			sections := map[string]*txtar.File{}
			for i := range ar.Files {
				sections[ar.Files[i].Name] = &ar.Files[i]
			}
			if sections["input"] == nil || sections["ops"] == nil {
				t.Fatal("missing input or ops section")
			}
			var flags goldenFlags
			for _, l := range strings.Split(string(ar.Comment), "\n") {
				if f, ok := strings.CutPrefix(l, "flags:"); ok {
					for _, w := range strings.Fields(f) {
						switch w {
						case "crlf":
							flags.crlf = true
						case "noeol":
							flags.noeol = true
						case "bom":
							flags.bom = true
						default:
							t.Fatalf("unknown flag %q", w)
						}
					}
				}
			}
			src := flags.apply(sections["input"].Data)
			orig := bytes.Clone(src)
			out, err := runGoldenOps(t, ar, src, string(sections["ops"].Data))
			if !bytes.Equal(src, orig) {
				t.Fatal("input was modified")
			}
			var got []byte
			if err != nil {
				if strings.Contains(err.Error(), "internal error") || strings.Contains(err.Error(), "\n") {
					t.Errorf("error: %v", err)
				}
				got = []byte("error: " + err.Error() + "\n")
			} else {
				if _, perr := decodeAll(out); perr != nil {
					t.Fatalf("output does not parse: %v\n%s", perr, out)
				}
				if got, err = flags.undo(out); err != nil {
					t.Fatalf("%v:\n%q", err, out)
				}
			}
			if *update {
				if sections["want"] == nil {
					ar.Files = append(ar.Files, txtar.File{Name: "want"})
					sections["want"] = &ar.Files[len(ar.Files)-1]
				}
				sections["want"].Data = got
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if sections["want"] == nil {
				t.Fatal("no want section (run with -update)")
			}
			if want := sections["want"].Data; !bytes.Equal(got, want) {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
