#!/usr/bin/env bash
# Create (or reuse) the project's virtual environment from requirements.lock, then install this
# checkout in editable mode. VENV picks the folder (default .venv); CI points it at a folder cached
# outside the clone and keyed by the lock file's hash, so a run reinstalls nothing when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
mkdir -p "$(dirname "$VENV")"
exec 9>"$VENV.lockfile"; flock 9          # two CI runs never build the same venv at once
key=$( (cat requirements.lock; "$PY" -c 'import sys; print(sys.version)') | sha256sum | cut -c1-16)
if [ ! -f "$VENV/.installed-$key" ]; then
  echo "venv: creating $VENV (lock $key); the first install downloads about 7 GB" >&2
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install -q -U pip 'setuptools<81' wheel
  "$VENV/bin/pip" install -q -r requirements.lock
  touch "$VENV/.installed-$key"
fi
here=$(pwd -P)
if [ "$(cat "$VENV/.editable" 2>/dev/null)" != "$here" ] || [ setup.py -nt "$VENV/.editable" ] || [ settings.ini -nt "$VENV/.editable" ]; then
  "$VENV/bin/pip" install -q --no-deps --no-build-isolation -e . >&2
  echo "$here" > "$VENV/.editable"
fi
