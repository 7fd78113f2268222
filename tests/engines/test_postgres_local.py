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


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _gone(pid: int, base: Path, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while (_alive(pid) or base.exists()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _alive(pid) and not base.exists()


def test_start_query_stop_leaves_nothing_behind():
    with LocalPostgres() as pg:
        base, pid, watchdog = pg.base, pg.pid, pg.watchdog.pid
        with psycopg.connect(pg.conninfo(), autocommit=True) as conn:
            assert conn.execute("SELECT 1 + 1").fetchone() == (2,)
            assert conn.execute("SHOW fsync").fetchone() == ("off",)
        assert _alive(pid) and _alive(watchdog)
    # stop() waits for the watchdog, which reaps the server and removes the directory before it exits
    assert not _alive(pid) and not _alive(watchdog)
    assert not base.exists()


def test_server_settings_suit_large_ddl_and_throwaway_data():
    with LocalPostgres() as pg, psycopg.connect(pg.conninfo(), autocommit=True) as conn:
        show = {k: conn.execute(f"SHOW {k}").fetchone()[0] for k in (
            "max_locks_per_transaction", "fsync", "synchronous_commit", "full_page_writes", "autovacuum",
            "wal_level")}
    assert int(show.pop("max_locks_per_transaction")) >= 1024
    assert show == {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "autovacuum": "off",
                    "wal_level": "minimal"}


def test_server_is_stopped_when_the_block_raises():
    with pytest.raises(RuntimeError):
        with LocalPostgres() as pg:
            base, pid = pg.base, pg.pid
            raise RuntimeError("boom")
    assert not base.exists()
    assert not _alive(pid)


def test_runs_as_the_postgres_account_when_root():
    with LocalPostgres() as pg:
        uid = os.stat(f"/proc/{pg.pid}").st_uid
        assert uid == postgres_local.run_as().uid != 0


def test_template_is_cached_and_reused():
    bins = postgres_local.find_binaries()
    who = postgres_local.run_as()
    first = postgres_local.template(bins, who)
    assert (first / "PG_VERSION").is_file()
    stamp = (first / "PG_VERSION").stat().st_mtime_ns
    assert postgres_local.template(bins, who) == first
    assert (first / "PG_VERSION").stat().st_mtime_ns == stamp


_HOLD = (
    "import sys, time\n"
    "from schemactl.engines.postgres_local import LocalPostgres\n"
    "with LocalPostgres() as pg:\n"
    "    print(pg.base, pg.pid, pg.watchdog.pid, flush=True)\n"
    "    time.sleep(60)\n"
)


def _holding_server():
    """A Python process holding a running LocalPostgres: (process, server directory, postmaster pid, watchdog pid)."""
    proc = subprocess.Popen([sys.executable, "-c", _HOLD], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=str(Path(__file__).resolve().parents[2]))
    base, pid, watchdog = proc.stdout.readline().split()
    assert Path(base).exists() and _alive(int(pid))
    return proc, Path(base), int(pid), int(watchdog)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL, signal.SIGHUP], ids=["ctrl-c", "sigkill", "sighup"])
def test_server_dies_with_the_process_that_started_it(sig):
    """Ctrl-C runs the with block's clean-up; SIGKILL and an unhandled SIGHUP end the Python process at
    once, and the watchdog (end-of-file on its lifeline) stops the server and removes its directory."""
    proc, base, pid, watchdog = _holding_server()
    proc.send_signal(sig)
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()
    assert _gone(pid, base), f"postgres {pid} or {base} left behind after signal {sig.name}"
    assert _gone(watchdog, base)


def test_server_stops_when_its_watchdog_is_killed():
    """The kernel's parent-death signal: no server outlives both schemactl and its watchdog."""
    if not sys.platform.startswith("linux"):
        pytest.skip("parent-death signals are Linux only")
    proc, base, pid, watchdog = _holding_server()
    try:
        os.kill(watchdog, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(pid), "postgres still running after its watchdog was killed"
    finally:
        proc.send_signal(signal.SIGINT)   # its stop() removes the directory the watchdog could not
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    assert _gone(pid, base)


def test_missing_binaries_are_reported_with_the_fix(monkeypatch, tmp_path):
    monkeypatch.setattr(postgres_local, "_candidates", lambda: [tmp_path])
    with pytest.raises(postgres_local.EngineUnavailable) as info:
        postgres_local.find_binaries()
    assert "apt-get install postgresql" in str(info.value)
    assert str(tmp_path) in str(info.value)


def test_directory_left_when_everything_was_killed_is_swept_by_the_next_start():
    """A container or cgroup stop kills schemactl and the watchdog at once: the server stops (parent-death
    signal) but its directory stays, until the next start removes it -- and only that one: the directory of
    a server that still runs is left alone."""
    if not sys.platform.startswith("linux"):
        pytest.skip("parent-death signals are Linux only")
    killed, killed_base, killed_pid, killed_watchdog = _holding_server()
    live, live_base, live_pid, _ = _holding_server()
    try:
        os.kill(killed.pid, signal.SIGKILL)
        os.kill(killed_watchdog, signal.SIGKILL)
        killed.communicate(timeout=30)
        deadline = time.monotonic() + 10
        while _alive(killed_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(killed_pid)
        assert killed_base.exists()   # nobody was left to remove it
        with LocalPostgres() as pg:
            assert pg.base != killed_base
        assert not killed_base.exists()
        assert live_base.exists() and _alive(live_pid)
    finally:
        live.send_signal(signal.SIGINT)
        live.communicate(timeout=30)
    assert _gone(live_pid, live_base)


def _leftover(run_dir: Path, name: str) -> Path:
    """A server directory as a killed schemactl leaves it: its lock file, its data, no server."""
    base = run_dir / name
    (base / "data").mkdir(parents=True)
    (base / postgres_local.LOCK_FILE).write_text("")
    return base


def test_a_sweep_at_the_same_moment_as_another_still_removes_the_leftover(monkeypatch, tmp_path):
    """Every start sweeps, and parallel starts sweep at the same moment: one sweeper's look at a leftover
    must not read as "its watchdog runs" to the other (the leftover stayed until some later start)."""
    import fcntl
    monkeypatch.setenv("SCHEMACTL_RUN_DIR", str(tmp_path))
    base = _leftover(tmp_path, "schemactl-pg-left")
    other_sweeper = os.open(base / postgres_local.LOCK_FILE, os.O_RDONLY)
    try:
        fcntl.flock(other_sweeper, fcntl.LOCK_SH | fcntl.LOCK_NB)
        assert postgres_local.sweep(postgres_local.run_as()) == [base]
    finally:
        os.close(other_sweeper)
    assert not base.exists()


def test_a_sweep_leaves_a_directory_whose_watchdog_holds_its_lock(monkeypatch, tmp_path):
    import fcntl
    monkeypatch.setenv("SCHEMACTL_RUN_DIR", str(tmp_path))
    base = _leftover(tmp_path, "schemactl-pg-held")
    watchdog = os.open(base / postgres_local.LOCK_FILE, os.O_RDONLY)
    try:
        fcntl.flock(watchdog, fcntl.LOCK_EX)
        assert postgres_local.sweep(postgres_local.run_as()) == []
        assert base.exists()
    finally:
        os.close(watchdog)
    assert postgres_local.sweep(postgres_local.run_as()) == [base]


def test_the_lock_file_appears_already_locked():
    """Made under another name and renamed once locked: between its creation and its lock, a sweep
    would have found it unlocked and removed the directory of a server being started."""
    import fcntl
    with LocalPostgres() as pg:
        assert sorted(p.name for p in pg.base.iterdir() if p.name.startswith(postgres_local.LOCK_FILE)) == [
            postgres_local.LOCK_FILE]
        fd = os.open(pg.base / postgres_local.LOCK_FILE, os.O_RDONLY)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        finally:
            os.close(fd)


def _blocked_signals(pid: int) -> int:
    """The signal mask of process ``pid`` (SigBlk in /proc/PID/status), as a bit set."""
    line = next(l for l in Path(f"/proc/{pid}/status").read_text().splitlines() if l.startswith("SigBlk:"))
    return int(line.split()[1], 16)


def test_the_watchdog_holds_no_signals():
    """The watchdog is started while schemactl holds SIGINT/SIGTERM/SIGHUP back (between the directory and
    its watchdog), and a new process inherits the mask: it must clear it, or stop()'s SIGTERM never arrives.
    (The server it starts inherits the cleared mask; PostgreSQL then blocks and unblocks signals itself.)"""
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc")
    with LocalPostgres() as pg:
        assert _blocked_signals(pg.watchdog.pid) == 0


def test_stop_ends_the_watchdog_while_another_process_holds_the_lifeline():
    """A process forked while the lifeline was open (and not yet exec'd, or never) keeps its pipe open, so the
    watchdog sees no end-of-file: stop()'s SIGTERM must end it, at once rather than after stop()'s 20 s wait."""
    with LocalPostgres() as pg:
        base, pid = pg.base, pg.pid
        holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], pass_fds=(pg._lifeline,))
        try:
            started = time.monotonic()
            pg.stop()
            took = time.monotonic() - started
        finally:
            holder.kill()
            holder.wait()
    assert took < 10, f"stop() took {took:.1f} s"
    assert _gone(pid, base)


def test_meanwhile_runs_once_while_the_server_boots():
    """Work handed to start() runs after the server was asked for and before its start is waited for."""
    seen = []

    def meanwhile():
        seen.append((pg.pid, pg.base is not None and pg.base.exists()))

    pg = LocalPostgres(meanwhile=meanwhile)
    with pg:
        assert pg.pid is not None
    assert seen == [(None, True)]   # the directory made, the server's pid not yet reported


_PSYCOPG_WHILE_BOOTING = """\
import sys
from schemactl.engines import postgres_local, providers
real = postgres_local.LocalPostgres._wait_ready
def wait_ready(self, data):
    print("psycopg imported before the server was ready:", "psycopg" in sys.modules, flush=True)
    return real(self, data)
postgres_local.LocalPostgres._wait_ready = wait_ready
with providers.early_postgres(("postgres",), "local") as starting:
    starting.result()
"""


def test_early_start_imports_psycopg_while_the_server_boots():
    """The start's thread imports psycopg (a tenth of a second of Python) while it waits for the server
    rather than after: parity's PostgreSQL side begins that much sooner."""
    res = subprocess.run([sys.executable, "-c", _PSYCOPG_WHILE_BOOTING], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert "psycopg imported before the server was ready: True" in res.stdout, res.stdout + res.stderr


def _counting_runs(monkeypatch) -> list:
    runs = []
    real = subprocess.run

    def run(args, *a, **k):
        runs.append([Path(args[0]).name, *args[1:]])
        return real(args, *a, **k)
    monkeypatch.setattr(postgres_local.subprocess, "run", run)
    return runs


def _server_binary(bindir: Path, version: str) -> None:
    """A postgres that answers --version as the real one does (this test is about asking, not the server)."""
    (bindir / "postgres").write_text(f"#!/bin/sh\necho 'postgres (PostgreSQL) {version}'\n")
    (bindir / "postgres").chmod(0o755)


def test_the_server_version_is_asked_once_per_binary(monkeypatch, tmp_path):
    """`postgres --version` runs once; later starts read it from the user's cache until the binary changes."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "initdb").write_text("")
    _server_binary(bindir, "15.3")
    monkeypatch.setenv("SCHEMACTL_PG_BINDIR", str(bindir))
    runs = _counting_runs(monkeypatch)
    assert postgres_local.find_binaries() == postgres_local.Binaries(bindir, "15.3")
    assert runs == [["postgres", "--version"]]   # and no pg_config: the first directory did
    assert postgres_local.find_binaries().version == "15.3"
    assert len(runs) == 1
    _server_binary(bindir, "16.10")              # upgraded in place: asked again
    assert postgres_local.find_binaries().version == "16.10"
    assert len(runs) == 2
    memo, = (m for m in (tmp_path / "cache" / "schemactl" / "pg-version").iterdir() if m.read_text() == "16.10")
    memo.write_text("16; rm -rf /")              # a damaged memo is not believed
    assert postgres_local.find_binaries().version == "16.10"
    assert len(runs) == 3 and memo.read_text() == "16.10"
    monkeypatch.setenv("SCHEMACTL_NO_CACHE", "1")
    assert postgres_local.find_binaries().version == "16.10"
    assert len(runs) == 4
