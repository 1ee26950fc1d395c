// Package render turns file templates and data into files, without touching the disk. Templates come
// from the embedded set (templates/) overlaid by an optional per-repo folder, so an organisation can
// change conventions without a fork. Every value a template prints is a YAML-safe scalar, and every
// rendered file is parsed again before it is returned, so no value can inject keys or documents.
package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"text/template"

	"go.yaml.in/yaml/v3"

	"github.com/fleetctl/fleetctl/pkg/yamlscalar"
)

// File is one rendered file: a repo-relative slash path and its bytes.
type File struct {
	Path    string
	Content []byte
}

// Scalar is a string that prints itself as a YAML scalar: plain when that reads back as the same
// string, double-quoted otherwise. Template data holds Scalars, never raw strings, so `{{ .Name }}`
// is safe by construction.
type Scalar string

// String returns the YAML form of the scalar.
func (s Scalar) String() string { return Quote(string(s)) }

// Quote returns s as a single-line YAML scalar that reads back as exactly s wherever a template puts
// it: plain when it is a word that is a string in every context and every YAML version
// (yamlscalar.Word), double-quoted with escapes otherwise. Invalid UTF-8 becomes U+FFFD.
func Quote(s string) string { return yamlscalar.Quote(s) }

// Int is an integer value for templates.
type Int int

func (i Int) String() string { return strconv.Itoa(int(i)) }

// Engine renders named templates from a file system.
type Engine struct {
	fsys  fs.FS
	cache map[string]*template.Template
}

// New returns an engine reading templates from base, with files in override (may be nil) taking
// precedence file by file.
func New(base, override fs.FS) *Engine {
	var f fs.FS = base
	if override != nil {
		f = overlay{top: override, bottom: base}
	}
	return &Engine{fsys: f, cache: map[string]*template.Template{}}
}

var funcs = template.FuncMap{
	// quote forces a value through Quote, for templates that build strings themselves.
	"quote": func(v any) string { return Quote(fmt.Sprint(v)) },
	// indent prefixes every line but the first with n spaces.
	"indent": func(n int, s string) string {
		return strings.ReplaceAll(s, "\n", "\n"+strings.Repeat(" ", n))
	},
}

func (e *Engine) template(name string) (*template.Template, error) {
	if t, ok := e.cache[name]; ok {
		return t, nil
	}
	src, err := fs.ReadFile(e.fsys, name)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	t, err := template.New(name).Option("missingkey=error").Funcs(funcs).Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	e.cache[name] = t
	return t, nil
}

// Render executes template name with data and checks the result is well-formed YAML with exactly
// docs documents (docs <= 0 skips the count check, for non-YAML files).
func (e *Engine) Render(name string, data any, docs int) ([]byte, error) {
	t, err := e.template(name)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	out := buf.Bytes()
	if docs > 0 {
		if err := CheckYAML(out, docs); err != nil {
			return nil, fmt.Errorf("template %s rendered invalid YAML: %w", name, err)
		}
	}
	return out, nil
}

// CheckYAML parses every document of b, rejecting syntax errors, duplicate keys and a document count
// other than want.
func CheckYAML(b []byte, want int) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	n := 0
	for {
		var doc any // decoding into Go values (not yaml.Node) is what reports duplicate keys
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		n++
	}
	if n != want {
		return fmt.Errorf("%d YAML documents, want %d", n, want)
	}
	return nil
}

// overlay is an fs.FS that serves a file from top when it exists there, else from bottom.
type overlay struct{ top, bottom fs.FS }

func (o overlay) Open(name string) (fs.File, error) {
	f, err := o.top.Open(name)
	if err == nil {
		return f, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return o.bottom.Open(name)
}
