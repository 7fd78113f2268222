"""Signals that end `parity` on a PostgreSQL server schemactl did not start (--postgres-url): only
schemactl itself can drop its scratch database there, so SIGHUP (a terminal closed) and SIGTERM (a CI job
cancelled) are handled like Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import psycopg
import pytest

from tests.conftest import ROOT


def _databases(pg_server) -> set[str]:
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        return {r[0] for r in conn.execute("SELECT datname FROM pg_database")}


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM], ids=["sighup", "sigterm"])
def test_parity_on_a_url_server_hung_up_drops_its_scratch_database(pg_server, sig):
    """On a server schemactl did not start, only schemactl itself can clean up: a terminal hang-up or a CI
    cancel must still drop the scratch database it made."""
    before = _databases(pg_server)
    proc = subprocess.Popen([sys.executable, "-m", "schemactl", "parity", "--postgres-url", pg_server.url()],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if any(name.startswith("schemactl_scratch_") for name in _databases(pg_server) - before):
            break
        time.sleep(0.005)
    assert proc.poll() is None, "parity finished before it could be interrupted"
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, (proc.returncode, err.decode())
    assert b"Traceback" not in err, err.decode()
    assert _databases(pg_server) - before == set(), "scratch database left on the server"
