#!/usr/bin/env bash
# Installs everything schemactl and its test suite need on a fresh machine:
#   - PostgreSQL server binaries (initdb, postgres), from the system's packages when missing;
#   - the schemactl package itself (editable) with its test extras;
#   - the pinned Node tool chain (npm ci), when package.json is present.
#   - cargo and Debian's Rust crates (rusqlite, tokio-postgres, tokio) for the Rust runtime's offline tests;
#   - Graphviz (`dot`), the renderer of `schemactl erd --format svg|png` and of its tests.
#   - the sqlite3 and psql command-line tools, the plain-file migration runners the README documents.
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

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
missing=()
have_pg_server || missing+=(postgresql)
[ -f package.json ] && ! command -v npm >/dev/null 2>&1 && missing+=(nodejs npm)
# better-sqlite3 (TypeScript runtime tests) compiles its native addon here: Node's headers and a C++ tool chain.
[ -f package.json ] && [ ! -f /usr/include/node/node_api.h ] && missing+=(libnode-dev)
[ -f package.json ] && ! command -v g++ >/dev/null 2>&1 && missing+=(g++ make)
# The Rust runtime's tests build offline against Debian's packaged crates (/usr/share/cargo/registry).
command -v cargo >/dev/null 2>&1 || missing+=(cargo)
# `schemactl erd --format svg|png` draws with Graphviz when Mermaid's CLI is absent; its tests need `dot`.
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
# The plain-file migration runners the README documents, run by their tests.
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
for pkg in librust-rusqlite-dev librust-tokio-postgres-dev librust-tokio-dev libsqlite3-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install: installing ${missing[*]} with apt-get"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# A distribution's own Python may refuse installs outside a virtualenv (PEP 668); this is a
# development and CI setup, so allow it there.
PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'

# No prebuilt binaries offline: build better-sqlite3 from source against the installed Node's headers.
export npm_config_build_from_source=true npm_config_nodedir=/usr
if [ -f package.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "install: done"
