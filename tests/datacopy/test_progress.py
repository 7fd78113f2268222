"""backup, restore and copy show per-table progress on a terminal (a pseudo-terminal here) and nothing
when stderr is not one."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess

import pytest

from tests.conftest import on_terminal
from tests.datacopy.test_truncate import TEXT, _db

EXE = shutil.which("schemactl")
pytestmark = pytest.mark.skipif(EXE is None, reason="the schemactl command is not installed")


def _on_terminal(args, cwd) -> tuple[int, str]:
    code, _, shown = on_terminal(args, cwd)
    return code, shown


def test_progress_on_a_terminal_only(tmp_path):
    (tmp_path / "m.yaml").write_text(TEXT)
    assert subprocess.run([EXE, "generate", "m.yaml", "-o", "out"], cwd=tmp_path, capture_output=True).returncode == 0
    src = _db(tmp_path, "src.db", ["INSERT INTO parents VALUES (1, 'a'), (2, 'b')", "INSERT INTO kids VALUES (1, 1, 0.5)"])
    code, shown = _on_terminal(["backup", "--manifest", "m.yaml", "--db", f"sqlite:///{src}", "-o", "a.gz"], tmp_path)
    assert code == 0 and "parents: 2 rows" in shown and "kids: 1 rows" in shown
    dst = _db(tmp_path, "dst.db", [])
    code, shown = _on_terminal(["restore", "a.gz", "--manifest", "m.yaml", "--db", f"sqlite:///{dst}"], tmp_path)
    assert code == 0 and "parents: 2 rows" in shown
    quiet = subprocess.run([EXE, "restore", "a.gz", "--manifest", "m.yaml", "--db", f"sqlite:///{dst}", "--truncate"],
                           cwd=tmp_path, capture_output=True, text=True)
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert sqlite3.connect(dst).execute("SELECT count(*) FROM parents").fetchone() == (2,)
