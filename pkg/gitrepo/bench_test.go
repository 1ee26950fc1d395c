package gitrepo

import (
	"fmt"
	"testing"
)

// largeRepo makes a repository with 3,000 committed files spread over 60
// directories of 50 files each, plus one uncommitted edit.
func largeRepo(b *testing.B) *Repo {
	r := newRepo(b)
	root := r.Root()
	for i := range 3000 {
		writeFile(b, root, fmt.Sprintf("clusters/c%02d/app%04d.yaml", i%60, i), fmt.Sprintf("app: %d\n", i))
	}
	if _, err := r.Commit("", []string{"clusters"}, "3000 files", testAuthor, testCommitter); err != nil {
		b.Fatal(err)
	}
	writeFile(b, root, "clusters/c00/app0000.yaml", "locally edited, not committed\n")
	return r
}

// BenchmarkCommitLargeRepo measures committing 3 new files to a new branch
// in a repository with 3,000 committed files. Only the index (which git too
// rewrites whole) grows with the repository; no file outside the committed
// paths is read or hashed, and unchanged subtrees are reused by hash.
func BenchmarkCommitLargeRepo(b *testing.B) {
	r := largeRepo(b)
	root := r.Root()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := fmt.Sprintf("new/n%06d", i)
		paths := make([]string, 3)
		for j := range paths {
			paths[j] = fmt.Sprintf("%s/f%d.yaml", dir, j)
			writeFile(b, root, paths[j], fmt.Sprintf("n: %d-%d\n", i, j))
		}
		b.StartTimer()
		if _, err := r.Commit(fmt.Sprintf("bench/%06d", i), paths, "Add files", testAuthor, testCommitter); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	fsck(b, root)
	if out := gitRun(b, root, "status", "--porcelain"); out != " M clusters/c00/app0000.yaml" {
		b.Errorf("status after benchmark = %q", out)
	}
}

// BenchmarkDirtyLargeRepo measures Dirty on two directories (100 files) of
// the same 3,000-file repository.
func BenchmarkDirtyLargeRepo(b *testing.B) {
	r := largeRepo(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := r.Dirty([]string{"clusters/c00", "clusters/c01"})
		if err != nil || len(got) != 1 {
			b.Fatalf("Dirty = %v, %v", got, err)
		}
	}
}
