package engine

import (
	"bufio"
	"io"
	"log"
	"os"
	"strings"
	"sync"

	"github.com/fleetctl/fleetctl/pkg/validate"
)

// kustomize prints its deprecation warnings straight to os.Stderr, and Helm's chart code logs
// through the standard logger; neither may reach the user raw. While any run is in progress both
// go into a pipe: kustomize's warnings are dropped (the graph reports each deprecated field as
// kustomize/deprecated, with its file and line), and every other line becomes a tool/message note.
var toolOutput struct {
	mu     sync.Mutex
	runs   int
	stderr *os.File
	w      *os.File
	done   chan struct{}
	lines  []string
}

// captureToolOutput starts the capture (or joins the one in progress) and returns the function
// that ends this run's part of it, with the notes of what the tools printed.
func captureToolOutput() func() []validate.Finding {
	t := &toolOutput
	t.mu.Lock()
	defer t.mu.Unlock()
	t.runs++
	if t.runs == 1 {
		r, w, err := os.Pipe()
		if err != nil {
			t.runs--
			return func() []validate.Finding { return nil }
		}
		t.stderr, t.w, t.done, t.lines = os.Stderr, w, make(chan struct{}), nil
		os.Stderr = w
		log.SetOutput(w)
		go func(done chan struct{}) {
			defer close(done)
			sc := bufio.NewScanner(r)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				t.mu.Lock()
				t.lines = append(t.lines, sc.Text())
				t.mu.Unlock()
			}
			_, _ = io.Copy(io.Discard, r)
			r.Close()
		}(t.done)
	}
	var once sync.Once
	return func() []validate.Finding {
		var lines []string
		once.Do(func() {
			t.mu.Lock()
			t.runs--
			if t.runs > 0 {
				t.mu.Unlock()
				return
			}
			os.Stderr = t.stderr
			log.SetOutput(t.stderr)
			w, done := t.w, t.done
			t.mu.Unlock()
			w.Close()
			<-done
			t.mu.Lock()
			lines, t.lines = t.lines, nil
			t.mu.Unlock()
		})
		return toolNotes(lines)
	}
}

func toolNotes(lines []string) []validate.Finding {
	var out []validate.Finding
	seen := map[string]bool{}
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "# Warning:") || seen[l] {
			continue
		}
		seen[l] = true
		out = append(out, validate.Finding{Severity: validate.Info, Rule: validate.RuleToolMessage, Message: l,
			Fix: "nothing to do unless the message says so"})
	}
	return out
}
