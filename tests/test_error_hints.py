"""Errors name the user's own file and the fix (found by a new user's walk through the README)."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

from tests.conftest import cli
from tests.migrations.chain_support import new_project


def test_apply_to_a_database_that_already_holds_the_schema_points_to_baseline(tmp_path):
    root = new_project(tmp_path)
    db = tmp_path / "built.db"
    conn = sqlite3.connect(db)
    conn.executescript((root / "generated" / "chain" / "sqlite.sql").read_text())
    conn.close()
    result = cli("migrate", "apply", "manifests/m.yaml", "--db", f"sqlite:///{db}", cwd=root)
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert "schemactl migrate baseline manifests/m.yaml --db URL" in result.output


@pytest.mark.parametrize("to", ["-1", "5"])
def test_down_to_a_version_outside_the_history_says_which_it_takes(tmp_path, to):
    root = new_project(tmp_path)
    db = tmp_path / "app.db"
    assert cli("migrate", "apply", "manifests/m.yaml", "--db", f"sqlite:///{db}", cwd=root).exit_code == 0
    result = cli("migrate", "down", "manifests/m.yaml", "--db", f"sqlite:///{db}", "--to", to, cwd=root)
    assert result.exit_code == 2
    assert f"--to {to}: the database is at version 1; give a version from 0 (empty) to 0" in result.output


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
def test_an_output_that_cannot_be_written_is_named_not_the_journal(tmp_path):
    ddl = tmp_path / "s.sql"
    ddl.write_text("CREATE TABLE t (id INTEGER PRIMARY KEY);\n")
    target = Path("/proc/schemactl-no-such-dir/x.yaml")
    result = cli("import", "--ddl", ddl, "--dialect", "sqlite", "-o", target)
    assert result.exit_code == 2
    assert str(target) in result.output and "journal" not in result.output, result.output


@pytest.mark.skipif(__import__("shutil").which("schemactl") is None, reason="the schemactl command is not installed")
def test_import_whose_summary_reader_has_gone_still_writes_and_succeeds(tmp_path):
    """`schemactl import … -o x.yaml 2>&1 | head -1`: the manifest is written before the summary is shown,
    and a closed stderr is not a failure (it was exit 1, reserved for findings, and a race could leave the
    manifest unwritten)."""
    import shutil
    import subprocess
    ddl = tmp_path / "s.sql"
    ddl.write_text("CREATE TABLE a (id INTEGER PRIMARY KEY, at DATETIME);\nANALYZE;\n")
    out = tmp_path / "x.yaml"
    proc = subprocess.Popen([shutil.which("schemactl"), "import", "--ddl", str(ddl), "--dialect", "sqlite", "-o",
                             str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path)
    proc.stderr.close()          # the reader goes away before anything is said
    assert proc.wait(timeout=60) == 0
    assert "tables:" in out.read_text()
