package fsview

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// Kustomize returns a read-only kustomize file system over fsys: kustomize sees the view's root as
// "/", so a folder is built with krusty's Run(Kustomize(view), "/capi/clusters/x"), and every error
// it reports carries repo paths, never a path of the machine.
func Kustomize(fsys fs.FS) filesys.FileSystem { return kfs{fsys} }

type kfs struct{ fs fs.FS }

var errReadOnly = errors.New("read-only view")

// rel turns a kustomize path (absolute from the view's root, or relative to it) into an fs.FS name.
func rel(p string) string {
	p = path.Clean("/" + filepath.ToSlash(p))
	if p == "/" {
		return "."
	}
	return strings.TrimPrefix(p, "/")
}

func abs(name string) string {
	if name == "." {
		return "/"
	}
	return "/" + name
}

func (k kfs) Create(p string) (filesys.File, error) {
	return nil, &fs.PathError{Op: "create", Path: p, Err: errReadOnly}
}
func (k kfs) Mkdir(p string) error     { return &fs.PathError{Op: "mkdir", Path: p, Err: errReadOnly} }
func (k kfs) MkdirAll(p string) error  { return &fs.PathError{Op: "mkdir", Path: p, Err: errReadOnly} }
func (k kfs) RemoveAll(p string) error { return &fs.PathError{Op: "remove", Path: p, Err: errReadOnly} }
func (k kfs) WriteFile(p string, _ []byte) error {
	return &fs.PathError{Op: "write", Path: p, Err: errReadOnly}
}

func (k kfs) Open(p string) (filesys.File, error) {
	f, err := k.fs.Open(rel(p))
	if err != nil {
		return nil, err
	}
	return kfile{f}, nil
}

type kfile struct{ fs.File }

func (f kfile) Write([]byte) (int, error)  { return 0, errReadOnly }
func (f kfile) Stat() (os.FileInfo, error) { return f.File.Stat() }

func (k kfs) IsDir(p string) bool {
	fi, err := fs.Stat(k.fs, rel(p))
	return err == nil && fi.IsDir()
}

func (k kfs) Exists(p string) bool {
	_, err := fs.Stat(k.fs, rel(p))
	return err == nil
}

func (k kfs) ReadDir(p string) ([]string, error) {
	es, err := fs.ReadDir(k.fs, rel(p))
	if err != nil {
		return nil, err
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Name()
	}
	return out, nil
}

func (k kfs) ReadFile(p string) ([]byte, error) { return fs.ReadFile(k.fs, rel(p)) }

// CleanedAbs splits a path into its folder and file name, as kustomize's own file systems do.
func (k kfs) CleanedAbs(p string) (filesys.ConfirmedDir, string, error) {
	name := rel(p)
	fi, err := fs.Stat(k.fs, name)
	if err != nil {
		return "", "", err
	}
	if fi.IsDir() {
		return filesys.ConfirmedDir(abs(name)), "", nil
	}
	return filesys.ConfirmedDir(abs(path.Dir(name))), path.Base(name), nil
}

// Glob matches files (not folders) against pattern, hidden files only when the pattern asks.
func (k kfs) Glob(pattern string) ([]string, error) {
	pattern = filepath.ToSlash(pattern)
	var out []string
	err := k.Walk("/", func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() {
			return nil
		}
		ok, err := path.Match(pattern, p)
		if err != nil {
			return err
		}
		if ok {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !filesys.IsHiddenFilePath(pattern) {
		out = filesys.RemoveHiddenFiles(out)
	}
	return out, nil
}

func (k kfs) Walk(p string, fn filepath.WalkFunc) error {
	return fs.WalkDir(k.fs, rel(p), func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return fn(abs(name), nil, err)
		}
		info, err := d.Info()
		if err != nil {
			return fn(abs(name), nil, err)
		}
		return fn(abs(name), info, nil)
	})
}

// viewPathRE matches a path from the view's root "/" where an error message names a file.
var viewPathRE = regexp.MustCompile(`(^|[\s'"=(\[])/([A-Za-z0-9_.-])`)

// RepoPaths rewrites the paths kustomize names in a message, which are absolute from the view's
// root ("/capi/..."), into repo paths ("capi/...").
func RepoPaths(msg string) string { return viewPathRE.ReplaceAllString(msg, "$1$2") }
