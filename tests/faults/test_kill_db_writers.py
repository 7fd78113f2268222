"""copy, restore and migrate apply killed (SIGKILL) or interrupted (SIGINT) at points spread over
their run leave the target all-or-nothing: a copy or restore commits every row or none, a migration
is applied whole or not at all, and the next run finishes the job."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import time

import pytest

from tests.conftest import cli

MANIFEST = """\
format: 1
name: bulk
version: 1
tables:
  parents:
    columns:
      id: {type: bigint, primary_key: true}
      name: {type: text, nullable: false}
  kids:
    columns:
      id: {type: bigint, primary_key: true}
      parent_id: {type: bigint, nullable: false, references: parents.id}
      note: text
"""
ROWS = 20_000
FRACTIONS = (0.3, 0.6)   # of an uninterrupted run's time, measured first
EXE = shutil.which("schemactl")
pytestmark = pytest.mark.skipif(EXE is None, reason="the schemactl command is not installed")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("bulk")
    (root / "m.yaml").write_text(MANIFEST)
    assert cli("generate", "m.yaml", "-o", "out", cwd=root).exit_code == 0
    src = sqlite3.connect(root / "src.db")
    src.executescript((root / "out" / "bulk" / "sqlite.sql").read_text())
    src.executemany("INSERT INTO parents VALUES (?, ?)", ((i, f"p{i}") for i in range(ROWS)))
    src.executemany("INSERT INTO kids VALUES (?, ?, ?)", ((i, i, "x" * 40) for i in range(ROWS)))
    src.commit()
    src.close()
    assert cli("backup", "--manifest", "m.yaml", "--db", f"sqlite:///{root}/src.db", "-o", "a.gz",
               cwd=root).exit_code == 0
    return root


def _empty_target(root, path):
    conn = sqlite3.connect(path)
    conn.executescript((root / "out" / "bulk" / "sqlite.sql").read_text())
    conn.close()


def _counts(path):
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("parents", "kids"))
    finally:
        conn.close()


def _timed(args, cwd) -> float:
    started = time.monotonic()
    done = subprocess.run([EXE, *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return time.monotonic() - started


def _interrupt(args, cwd, delay, sig):
    proc = subprocess.Popen([EXE, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(delay)
    proc.send_signal(sig)
    proc.communicate(timeout=60)
    return proc.returncode


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["sigkill", "sigint"])
@pytest.mark.parametrize("command", ["copy", "restore"])
def test_copy_and_restore_are_all_or_nothing(project, tmp_path, command, sig):
    def args(target):
        return (["copy", "--manifest", "m.yaml", "--from", f"sqlite:///{project}/src.db", "--to", f"sqlite:///{target}"]
                if command == "copy" else ["restore", "a.gz", "--manifest", "m.yaml", "--db", f"sqlite:///{target}"])
    _empty_target(project, tmp_path / "full.db")
    full = _timed(args(tmp_path / "full.db"), project)
    outcomes = set()
    for fraction in FRACTIONS:
        delay = full * fraction
        target = tmp_path / f"t{fraction}.db"
        _empty_target(project, target)
        code = _interrupt(args(target), project, delay, sig)
        counts = _counts(target)
        assert counts in ((0, 0), (ROWS, ROWS)), f"{command} stopped at {delay} s left {counts}"
        assert code != 0 or counts == (ROWS, ROWS), (delay, code, counts)   # a finished run may still be hit
        outcomes.add(counts)
        if counts == (0, 0):       # the next run does the whole job
            finished = subprocess.run([EXE, *args(target)], cwd=project, capture_output=True, text=True)
            assert finished.returncode == 0, finished.stderr
            assert _counts(target) == (ROWS, ROWS)
    assert (0, 0) in outcomes, "no interruption landed while the command ran; raise ROWS"


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["sigkill", "sigint"])
def test_migrate_apply_applies_each_migration_whole(project, tmp_path, sig):
    work = tmp_path / "chain"
    (work / "manifests").mkdir(parents=True)
    manifest = work / "manifests" / "bulk.yaml"
    manifest.write_text(MANIFEST)
    assert cli("migrate", "new", "manifests/bulk.yaml", "--name", "init", cwd=work).exit_code == 0
    # 0002 rebuilds both tables on SQLite (a NOT NULL with default on a referenced table, a CHECK).
    manifest.write_text(MANIFEST.replace("      name: {type: text, nullable: false}",
                                         "      name: {type: text, nullable: false, check: \"length(name) > 0\"}"))
    assert cli("generate", "--migration", "check_name", cwd=work).exit_code == 0
    def fresh(name):
        db = tmp_path / name
        shutil.copy(project / "src.db", db)          # rows, no schema_version: baseline at 1 first
        assert cli("migrate", "baseline", "manifests/bulk.yaml", "--db", f"sqlite:///{db}", "--version", "1",
                   cwd=work).exit_code == 0
        return db
    full = _timed(["migrate", "apply", "manifests/bulk.yaml", "--db", f"sqlite:///{fresh('full.db')}"], work)
    for fraction in FRACTIONS:
        delay = full * fraction
        db = fresh(f"m{fraction}.db")
        _interrupt(["migrate", "apply", "manifests/bulk.yaml", "--db", f"sqlite:///{db}"], work, delay, sig)
        conn = sqlite3.connect(db)
        versions = [v for (v,) in conn.execute("SELECT version FROM schema_version ORDER BY version")]
        has_check = "length(name)" in conn.execute("SELECT sql FROM sqlite_schema WHERE name = 'parents'").fetchone()[0].lower()
        conn.close()
        assert versions in ([1], [1, 2]) and has_check == (versions == [1, 2]), (delay, versions, has_check)
        assert _counts(db) == (ROWS, ROWS)
        again = cli("migrate", "apply", "manifests/bulk.yaml", "--db", f"sqlite:///{db}", cwd=work)
        assert again.exit_code == 0
        assert cli("diff", "manifests/bulk.yaml", "--db", f"sqlite:///{db}", cwd=work).exit_code == 0
        assert _counts(db) == (ROWS, ROWS)
