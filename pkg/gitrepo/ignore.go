package gitrepo

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
)

// ignorer answers "is this untracked path ignored?" from the global excludes
// file, .git/info/exclude and the .gitignore files of the directories leading
// to the path. It reads a directory's .gitignore only when a path below it is
// asked about, so it never walks the whole working tree.
type ignorer struct {
	r        *Repo
	base     []gitignore.Pattern
	patterns map[string][]gitignore.Pattern // dir -> patterns in force inside it
	dirs     map[string]bool                // dir -> ignored
}

func (r *Repo) newIgnorer(cfg *gitConfig, env configEnv) (*ignorer, error) {
	ig := &ignorer{
		r:        r,
		patterns: map[string][]gitignore.Pattern{},
		dirs:     map[string]bool{},
	}
	excludes, ok := cfg.get("core", "", "excludesfile")
	if ok {
		excludes = expandHome(env, excludes)
	} else if xdg := env.getenv("XDG_CONFIG_HOME"); xdg != "" {
		excludes = filepath.Join(xdg, "git", "ignore")
	} else if h := env.home(); h != "" {
		excludes = filepath.Join(h, ".config", "git", "ignore")
	}
	for _, f := range []string{excludes, filepath.Join(r.gitDir, "info", "exclude")} {
		if f == "" {
			continue
		}
		ps, err := readIgnoreFile(f, nil)
		if err != nil {
			return nil, err
		}
		ig.base = append(ig.base, ps...)
	}
	return ig, nil
}

// readIgnoreFile parses one ignore file whose patterns apply below domain.
func readIgnoreFile(file string, domain []string) ([]gitignore.Pattern, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || isNotDir(err) {
			return nil, nil
		}
		return nil, err
	}
	var ps []gitignore.Pattern
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), len(data)+1)
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		ps = append(ps, gitignore.ParsePattern(line, domain))
	}
	return ps, sc.Err()
}

func isNotDir(err error) bool { return errors.Is(err, syscall.ENOTDIR) }

// patternsIn returns the patterns that apply to entries of dir ("" for the
// top level), most general first.
func (ig *ignorer) patternsIn(dir string) ([]gitignore.Pattern, error) {
	if ps, ok := ig.patterns[dir]; ok {
		return ps, nil
	}
	var inherited []gitignore.Pattern
	var domain []string
	if dir == "" {
		inherited = ig.base
	} else {
		var err error
		if inherited, err = ig.patternsIn(parentDir(dir)); err != nil {
			return nil, err
		}
		domain = strings.Split(dir, "/")
	}
	own, err := readIgnoreFile(filepath.Join(ig.r.osPath(dir), ".gitignore"), domain)
	if err != nil {
		return nil, err
	}
	ps := inherited
	if len(own) > 0 {
		ps = append(append(make([]gitignore.Pattern, 0, len(inherited)+len(own)), inherited...), own...)
	}
	ig.patterns[dir] = ps
	return ps, nil
}

// match reports whether p itself matches an ignore pattern, not looking at
// its parent directories.
func (ig *ignorer) match(p string, isDir bool) (bool, error) {
	ps, err := ig.patternsIn(parentDir(p))
	if err != nil || len(ps) == 0 {
		return false, err
	}
	return gitignore.NewMatcher(ps).Match(strings.Split(p, "/"), isDir), nil
}

// dirIgnored reports whether directory dir or one of its parents is ignored;
// as in git, nothing below an ignored directory can be re-included.
func (ig *ignorer) dirIgnored(dir string) (bool, error) {
	if dir == "" {
		return false, nil
	}
	if v, ok := ig.dirs[dir]; ok {
		return v, nil
	}
	v, err := ig.dirIgnored(parentDir(dir))
	if err == nil && !v {
		v, err = ig.match(dir, true)
	}
	if err != nil {
		return false, err
	}
	ig.dirs[dir] = v
	return v, nil
}

// ignored reports whether the untracked path p (a directory when isDir) is
// ignored.
func (ig *ignorer) ignored(p string, isDir bool) (bool, error) {
	if isDir {
		return ig.dirIgnored(p)
	}
	if v, err := ig.dirIgnored(parentDir(p)); err != nil || v {
		return v, err
	}
	return ig.match(p, false)
}
