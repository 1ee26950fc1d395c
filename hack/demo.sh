#!/usr/bin/env bash
# make demo: the main job on a throwaway fleet repo. Needs only the fleetctl binary (no git required,
# fleetctl uses its own git implementation); shows the result with git when it is installed.
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
dir=$(mktemp -d "${TMPDIR:-/tmp}/fleetctl-demo.XXXXXX")
export GIT_AUTHOR_NAME="${GIT_AUTHOR_NAME:-Fleet Demo}" GIT_AUTHOR_EMAIL="${GIT_AUTHOR_EMAIL:-demo@example.com}"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
cd "$dir"
step fleetctl init fleet --location eastus
"$bin" init fleet --location eastus
cd fleet
step fleetctl cluster add atlantic-aks
"$bin" cluster add atlantic-aks
step "tree (files in the repo)"
find . -path ./.git -prune -o -type f -print | sed 's|^\./||' | sort
step cat capi/clusters/atlantic-aks/values.yaml
cat capi/clusters/atlantic-aks/values.yaml
if command -v git >/dev/null 2>&1; then
  step git log --stat --format=fuller
  git log --stat --format=fuller
  step git branch
  git branch
else
  echo "(git is not installed: skipping git log)"
fi
printf '\nThe demo fleet repo is at %s\n' "$dir/fleet"
