"""The local-binaries PostgreSQL provider: real servers, nothing left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from schemactl.engines import postgres_local
from schemactl.engines.postgres_local import LocalPostgres


def _postgres_pids() -> set[int]:
    out = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True).stdout
    return {int(p) for p in out.split()}


def _our_tempdirs() -> set[str]:
    return {p for p in os.listdir(postgres_local.run_dir()) if p.startswith(("schemactl-pg-", "schemactl-initdb-"))}


def test_start_query_stop_leaves_nothing_behind():
    pids, dirs = _postgres_pids(), _our_tempdirs()
    with LocalPostgres() as pg:
        base = pg.base
        with psycopg.connect(pg.conninfo(), autocommit=True) as conn:
            assert conn.execute("SELECT 1 + 1").fetchone() == (2,)
            assert conn.execute("SHOW fsync").fetchone() == ("off",)
        assert _postgres_pids() - pids
    assert not base.exists()
    assert not _postgres_pids() - pids
    assert not _our_tempdirs() - dirs


def test_server_is_stopped_when_the_block_raises():
    pids = _postgres_pids()
    with pytest.raises(RuntimeError):
        with LocalPostgres() as pg:
            base = pg.base
            raise RuntimeError("boom")
    assert not base.exists()
    assert not _postgres_pids() - pids


@pytest.mark.skipif(os.geteuid() != 0, reason="privilege drop only happens when run as root")
def test_runs_as_the_postgres_account_when_root():
    with LocalPostgres() as pg:
        pid = pg.proc.pid
        uid = os.stat(f"/proc/{pid}").st_uid
        assert uid == postgres_local.run_as().uid != 0


def test_template_is_cached_and_reused():
    bins = postgres_local.find_binaries()
    who = postgres_local.run_as()
    first = postgres_local.template(bins, who)
    assert (first / "PG_VERSION").is_file()
    stamp = (first / "PG_VERSION").stat().st_mtime_ns
    assert postgres_local.template(bins, who) == first
    assert (first / "PG_VERSION").stat().st_mtime_ns == stamp


def test_ctrl_c_stops_the_server_and_removes_its_directory(tmp_path):
    script = tmp_path / "hold.py"
    script.write_text(
        "import sys, time\n"
        "from schemactl.engines.postgres_local import LocalPostgres\n"
        "with LocalPostgres() as pg:\n"
        "    print(pg.base, pg.proc.pid, flush=True)\n"
        "    time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=str(Path(__file__).resolve().parents[2]))
    base, pid = proc.stdout.readline().split()
    assert Path(base).exists()
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{pid}").exists(), "postgres still running after Ctrl-C"
    assert not Path(base).exists(), "server directory left behind after Ctrl-C"


def test_missing_binaries_are_reported_with_the_fix(monkeypatch, tmp_path):
    monkeypatch.setattr(postgres_local, "_candidates", lambda: [tmp_path])
    with pytest.raises(postgres_local.EngineUnavailable) as info:
        postgres_local.find_binaries()
    assert "apt-get install postgresql" in str(info.value)
    assert str(tmp_path) in str(info.value)
