//go:build e2e

package e2e

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"
)

// report collects what the run prints at the end: every step with its
// result and duration, and the defect table.
var report = &summary{}

type summary struct {
	mu      sync.Mutex
	steps   []stepResult
	defects []defectRow
}

type stepResult struct {
	name, status string
	dur          time.Duration
}

// defectRow is one line of the defect table.
type defectRow struct {
	defect, corpus, validate, engine string
}

func (s *summary) add(name, status string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.steps = append(s.steps, stepResult{name, status, d})
}

func (s *summary) addDefect(r defectRow) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.defects = append(s.defects, r)
}

func (s *summary) print(w io.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintln(w, "\n== e2e steps")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range s.steps {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", r.name, r.status, r.dur.Round(100*time.Millisecond))
	}
	tw.Flush()
	if len(s.defects) == 0 {
		return
	}
	fmt.Fprintln(w, "\n== defects: fleetctl validate vs the real engine")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  defect\tcorpus case\tfleetctl validate\treal engine")
	for _, r := range s.defects {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", r.defect, r.corpus, r.validate, r.engine)
	}
	tw.Flush()
}

// step runs one scenario step as a subtest, printing its start, result and
// duration as they happen and recording them for the summary.
func step(t *testing.T, name string, fn func(t *testing.T)) bool {
	t.Helper()
	return t.Run(name, func(t *testing.T) {
		start := time.Now()
		fmt.Printf("=== step %s\n", name)
		defer func() {
			status := "PASS"
			switch {
			case t.Failed():
				status = "FAIL"
			case t.Skipped():
				status = "SKIP"
			}
			report.add(name, status, time.Since(start))
			fmt.Printf("--- step %s: %s (%s)\n", name, status, since(start))
		}()
		fn(t)
	})
}

// short trims a controller message to one line of at most n characters.
func short(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n-3] + "..."
	}
	return s
}
