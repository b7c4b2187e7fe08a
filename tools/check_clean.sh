#!/usr/bin/env bash
# Fail when nbdev_export or nbdev_clean would change tracked files: the package must be exactly what the notebooks
# export, and notebooks must be stored clean.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin
before=$( (git status --porcelain; git diff) | sha256sum)
"$BIN/nbdev_export" && "$BIN/nbdev_clean" || { echo "nbdev_export/nbdev_clean failed"; exit 1; }
after=$( (git status --porcelain; git diff) | sha256sum)
if [ "$before" != "$after" ]; then
  echo "nbdev_export / nbdev_clean changed files (commit their result):"
  git --no-pager diff --stat
  exit 1
fi
echo "nbdev_export and nbdev_clean leave the tree unchanged"
"$BIN/python" tools/sync_readme.py --check || exit 1
