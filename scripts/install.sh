#!/usr/bin/env bash
# Installs everything schemactl and its test suite need on a fresh machine:
#   - PostgreSQL server binaries (initdb, postgres), from the system's packages when missing;
#   - the schemactl package itself (editable) with its test extras;
#   - the pinned Node tool chain (npm ci), when package.json is present.
set -euo pipefail
cd "$(dirname "$0")/.."

have_pg_server() {
  command -v postgres >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1 && return 0
  if command -v pg_config >/dev/null 2>&1; then
    local bindir; bindir=$(pg_config --bindir 2>/dev/null || true)
    [ -n "$bindir" ] && [ -x "$bindir/initdb" ] && [ -x "$bindir/postgres" ] && return 0
  fi
  compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null 2>&1
}

if ! have_pg_server; then
  echo "install: PostgreSQL server binaries not found; installing them with apt-get"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
fi

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'

if [ -f package.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "install: done"
