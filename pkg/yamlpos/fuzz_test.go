package yamlpos

import (
	"bytes"
	"errors"
	"testing"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

func addSeeds(f *testing.F, add func(src []byte, path string)) {
	for _, tc := range lookupCases {
		add([]byte(tc.src), tc.path)
	}
	for _, tc := range syntaxCases {
		add([]byte(tc.src), "a")
	}
	add([]byte(dupSrc), "list[0].x")
	add([]byte(anchorSrc), "pools.work.vmSize")
}

// fileLines returns the lines of src as Lookup counts them, without their line breaks.
func fileLines(src []byte) [][]byte {
	lines := bytes.Split(src, []byte{'\n'})
	if len(lines) > 1 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// checkPos fails unless line:col is a position of src: a line of the file, and a column at most
// one past the line's last character.
func checkPos(t *testing.T, what string, src []byte, line, col int) {
	t.Helper()
	lines := fileLines(src)
	if line < 1 || line > len(lines) {
		t.Fatalf("%s: line %d outside the file's %d lines", what, line, len(lines))
	}
	text := lines[line-1]
	if line < len(lines) || bytes.HasSuffix(src, []byte{'\n'}) {
		text = bytes.TrimSuffix(text, []byte{'\r'}) // "\r\n" is one line break; a lone "\r" is a character
	}
	if n := utf8.RuneCount(text); col < 1 || col > n+1 {
		t.Fatalf("%s: column %d outside line %d (%d characters)", what, col, line, n)
	}
}

func FuzzLookup(f *testing.F) {
	addSeeds(f, func(src []byte, path string) { f.Add(src, path, 0) })
	f.Fuzz(func(t *testing.T, src []byte, path string, doc int) {
		ix, err := Parse(src)
		if err != nil {
			return
		}
		for _, d := range []int{doc, -1, ix.Documents(), 0, 1, 2} {
			line, col, exact := ix.Lookup(d, path)
			if d < 0 || d >= ix.Documents() {
				if line != 0 || col != 0 || exact {
					t.Fatalf("Lookup(%d) outside %d documents = %d:%d %v", d, ix.Documents(), line, col, exact)
				}
				continue
			}
			checkPos(t, "Lookup("+path+")", src, line, col)
		}
		// Every key and item written in the file can be found by the path built for it, at its
		// own position.
		budget := 200
		for d := range min(ix.Documents(), 4) {
			if root := ix.docs[d].root; root != nil {
				roundTrip(t, ix, d, root, "", &budget)
			}
		}
		ix.ObjectAt("", "", "")
	})
}

func roundTrip(t *testing.T, ix *Index, doc int, n *yaml.Node, path string, budget *int) {
	if *budget--; *budget < 0 {
		return
	}
	check := func(p string, at *yaml.Node) {
		line, col, exact := ix.Lookup(doc, p)
		wl, wc := ix.pos(&ix.docs[doc], at)
		if !exact || line != wl || col != wc {
			t.Fatalf("Lookup(%d, %q) = %d:%d %v, want %d:%d true", doc, p, line, col, exact, wl, wc)
		}
	}
	switch n.Kind {
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := AppendIndex(path, i)
			check(p, c)
			roundTrip(t, ix, doc, c, p, budget)
		}
	case yaml.MappingNode:
		last := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if name, ok := keyName(n.Content[i]); ok {
				last[name] = i
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			name, ok := keyName(n.Content[i])
			if !ok || last[name] != i {
				continue
			}
			p := AppendKey(path, name)
			check(p, n.Content[i])
			roundTrip(t, ix, doc, n.Content[i+1], p, budget)
		}
	}
}

func FuzzParse(f *testing.F) {
	addSeeds(f, func(src []byte, _ string) { f.Add(src) })
	f.Fuzz(func(t *testing.T, src []byte) {
		ix, err := Parse(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v, want a *SyntaxError", err, err)
			}
			if se.Line != 0 {
				checkPos(t, "syntax error", src, se.Line, max(se.Column, 1))
			}
			return
		}
		// Documents are numbered as the Kubernetes reader splits the file, unless YAML reads a
		// part as several documents.
		if n, ok := kubernetesDocuments(src); ok && n != ix.Documents() {
			parts := 0
			for _, p := range splitParts(src) {
				roots, _ := decode(p.text)
				parts += max(len(roots), 1)
			}
			if parts == ix.Documents() && n != parts && !multiDoc(src) {
				t.Fatalf("%d documents, the Kubernetes reader reads %d", ix.Documents(), n)
			}
		}
		for _, d := range ix.DuplicateKeys() {
			checkPos(t, "duplicate "+d.Path, src, d.Line, d.Column)
			if d.FirstLine < 1 || d.FirstLine > d.Line {
				t.Fatalf("duplicate %s on line %d first on line %d", d.Path, d.Line, d.FirstLine)
			}
		}
	})
}

// multiDoc reports whether some part of src holds more than one YAML document.
func multiDoc(src []byte) bool {
	for _, p := range splitParts(src) {
		if roots, _ := decode(p.text); len(roots) > 1 {
			return true
		}
	}
	return false
}
