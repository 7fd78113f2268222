"""`schemactl init`: a new project that passes `check` from its first commit.

It writes a starter manifest (with its hash), the configuration, the manifest JSON Schema where
the manifest's ``$schema`` comment points, a pre-commit configuration, a GitHub Actions workflow
(check, then parity with annotations) and the generated files, all at once or not at all, and it
never overwrites a file.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from . import __version__
from .errors import SchemactlError

SCHEMA_FILE = "manifest.schema.json"

_MANIFEST = """\
# yaml-language-server: $schema=../{schema_file}
# The schema contract for PostgreSQL and SQLite.  After an edit, run `schemactl generate`.
format: 1
name: {name}
version: 1
hash: {hash}

tables:
  users:
    comment: People who sign in.
    columns:
      id: {{type: bigint, primary_key: true, identity: true}}
      email: {{type: varchar(320), nullable: false, unique: true}}
      display_name: text
      created_at: {{type: timestamptz, nullable: false, default: {{fn: now}}}}
"""

_CONFIG = """\
# schemactl configuration (the same keys also work as [tool.schemactl] in pyproject.toml).
manifests = ["manifests/*.yaml"]   # globs, relative to this file
output = "generated"               # generated files go to generated/<schema-name>/
"""

_PRE_COMMIT = """\
# The drift check before every commit: a stale hash, generated file or migration chain blocks it.
repos:
  - repo: local
    hooks:
      - id: schemactl-check
        name: schemactl check
        entry: schemactl check
        language: system
        pass_filenames: false
        always_run: true
"""

_WORKFLOW = """\
# Schema gate: generated files current (check), then both real engines against the manifests (parity).
name: schemactl
on: [push, pull_request]
jobs:
  schema:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: PostgreSQL server binaries (parity starts a throwaway server from them)
        run: sudo apt-get update -qq && sudo apt-get install -y -qq postgresql
      - name: Install schemactl
        # From your team's source of schemactl {version} (a wheel in your artifact store, or
        # "schemactl @ git+https://<host>/<org>/schemactl@<tag>"), set as the repository variable SCHEMACTL_SOURCE;
        # not `pip install schemactl`: on PyPI that name is another project's
        run: |
          test -n "$SCHEMACTL_SOURCE" || {{ echo "::error::set the repository variable SCHEMACTL_SOURCE to where your team installs schemactl from"; exit 1; }}
          pip install "$SCHEMACTL_SOURCE"
        env:
          SCHEMACTL_SOURCE: ${{{{ vars.SCHEMACTL_SOURCE }}}}
      - name: Drift check
        run: schemactl check
      - name: Parity on PostgreSQL and SQLite
        run: schemactl parity --format github
"""


def starter(name: str) -> str:
    """The starter manifest `init --name <name>` writes, its hash filled in."""
    from .manifest.hashing import schema_hash
    from .manifest.load import load_text
    draft = _MANIFEST.format(schema_file=SCHEMA_FILE, name=name, hash="sha256:" + "0" * 64)
    return draft.replace("hash: sha256:" + "0" * 64, f"hash: {schema_hash(load_text(draft))}")


def project_files(root: Path, name: str) -> dict[Path, str]:
    """Every file `init` writes, with its content."""
    from .manifest.load import json_schema, load_text
    from .project import Project, planned_files

    manifest_text = starter(name)
    manifest_path = root / "manifests" / f"{name}.yaml"
    model = replace(load_text(manifest_text), source=f"manifests/{name}.yaml")
    files = {
        manifest_path: manifest_text,
        root / "schemactl.toml": _CONFIG,
        root / SCHEMA_FILE: json.dumps(json_schema(), indent=2) + "\n",
        root / ".pre-commit-config.yaml": _PRE_COMMIT,
        root / ".github" / "workflows" / "schemactl.yml": _WORKFLOW.format(version=__version__),
    }
    files.update(planned_files(Project(root=root, config_file=root / "schemactl.toml"), model))
    return files


def refuse_existing(root: Path, files: dict[Path, str]) -> None:
    pyproject = root / "pyproject.toml"
    taken = sorted(p.relative_to(root).as_posix() for p in files if p.exists())
    if pyproject.is_file() and "[tool.schemactl]" in pyproject.read_text("utf-8", errors="replace"):
        taken.insert(0, "pyproject.toml ([tool.schemactl])")
    if taken:
        raise SchemactlError(f"{root}: already has {', '.join(taken)}; init never overwrites: move them away "
                             "or run init in an empty directory; nothing was written")
