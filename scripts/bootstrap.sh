#!/usr/bin/env bash
# Create or reuse .venv with stkg installed; `bootstrap.sh dev` adds the test tools and the
# Cypher lint's npm packages. Re-installs only when pyproject.toml or the lock file changed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
extra="${1:-}"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "stkg: creating .venv" >&2
  "$python" -m venv .venv
fi
stamp=".venv/.stkg-installed${extra:+-$extra}"
want="$(cat pyproject.toml | sha256sum | cut -d' ' -f1)"
# A current dev install includes everything the plain one needs.
if [ -z "$extra" ] && [ -f .venv/.stkg-installed-dev ] && [ "$(cat .venv/.stkg-installed-dev)" = "$want" ]; then
  stamp=".venv/.stkg-installed-dev"
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "stkg: installing Python packages into .venv (first run takes a few minutes)" >&2
  .venv/bin/python -m pip install --quiet --upgrade pip >&2
  if [ "$extra" = dev ]; then
    .venv/bin/python -m pip install --quiet -e ".[dev]" >&2
  else
    .venv/bin/python -m pip install --quiet -e . >&2
  fi
  echo "$want" > "$stamp"
fi
if [ "$extra" = dev ]; then
  lock="tools/cypher-lint/package-lock.json"
  lstamp="tools/cypher-lint/node_modules/.stkg-installed"
  lwant="$(sha256sum "$lock" | cut -d' ' -f1)"
  if [ ! -f "$lstamp" ] || [ "$(cat "$lstamp")" != "$lwant" ]; then
    echo "stkg: installing the Cypher lint (npm ci)" >&2
    (cd tools/cypher-lint && npm ci --no-audit --no-fund --loglevel=error >&2)
    echo "$lwant" > "$lstamp"
  fi
  # axe-core, which the browser tests inject into every page (accessibility, checked offline).
  alock="tools/axe/package-lock.json"
  astamp="tools/axe/node_modules/.stkg-installed"
  awant="$(sha256sum "$alock" | cut -d' ' -f1)"
  if [ ! -f "$astamp" ] || [ "$(cat "$astamp")" != "$awant" ]; then
    echo "stkg: installing axe-core (npm ci)" >&2
    (cd tools/axe && npm ci --no-audit --no-fund --loglevel=error >&2)
    echo "$awant" > "$astamp"
  fi
fi
