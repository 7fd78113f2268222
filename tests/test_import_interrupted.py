"""A CI job cancelled (SIGTERM) or a terminal closed (SIGHUP) while `import` applies DDL on the user's own
PostgreSQL server (--postgres-url): the scratch database and the role made for it are dropped on the way
out, as for Ctrl-C; nothing is left on the server and nothing is written."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import psycopg
import pytest

DDL = "\n".join(f"CREATE TABLE t{i} (id integer PRIMARY KEY, a text NOT NULL, b integer UNIQUE);" for i in range(4000))


def _names(server) -> tuple[set, set]:
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        return ({r[0] for r in conn.execute("SELECT datname FROM pg_database")},
                {r[0] for r in conn.execute("SELECT rolname FROM pg_roles")})


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=["sigterm", "sighup", "ctrl-c"])
def test_an_interrupted_import_leaves_nothing_on_the_server(tmp_path, pg_server, sig):
    (tmp_path / "big.sql").write_text(DDL)
    before = _names(pg_server)
    proc = subprocess.Popen([sys.executable, "-m", "schemactl", "import", "--ddl", "big.sql", "--dialect", "postgres",
                             "--postgres", "url", "--postgres-url", pg_server.url(), "-o", "m.yaml"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not (_names(pg_server)[0] - before[0]) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "the import ended before it could be interrupted"
        time.sleep(0.3)   # within the DDL, not in the database's making
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 128 + sig, err.decode()
    assert b"Traceback" not in err, err.decode()
    assert _names(pg_server) == before
    assert not (tmp_path / "m.yaml").exists()
