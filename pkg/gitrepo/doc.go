// Package gitrepo is the small slice of git that fleetctl needs to turn files
// it has written into a fleet repository into a commit on a new branch, ready
// for a pull request.
//
// It is built on go-git and never runs the git command. Unlike go-git's
// Worktree.Status and Worktree.Commit it only ever looks at the paths it is
// given: HEAD tree entries, index entries and working tree files below those
// paths are compared and updated, and the rest of the repository (which may
// hold thousands of files) is neither hashed nor walked. Unchanged subtrees of
// HEAD are reused by hash when the commit's tree is built.
//
// Paths passed to this package are repository-relative and slash-separated
// ("clusters/prod/app.yaml", "clusters/prod"); a directory path stands for
// every file below it, and "" or "." stands for the whole repository.
//
// Not supported, by design or for now: content filters and line-ending
// conversion (files are committed byte for byte), hooks, commit signing,
// reflogs, sparse indexes and split indexes (reading one fails with an
// error), and repositories whose object format is SHA-256.
package gitrepo
