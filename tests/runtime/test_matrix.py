"""Interchangeable runtimes (docs/runtime-protocol.md): on the seed manifests' chains, a database brought
to version 1 by one runtime or runner, populated, then migrated to the last version by another keeps every
row, and every runtime's deep verify accepts the result — on SQLite and on PostgreSQL."""

from __future__ import annotations

import sqlite3
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.migrations.test_runners import sqlx_style
from tests.runtime import seed_chains
from tests.runtime.python import support as python_support
from tests.runtime.rust import support as rust_support
from tests.runtime.typescript import support as typescript_support

RUNTIMES = {"python": python_support, "typescript": typescript_support, "rust": rust_support}
# (who brings the database to version 1, who continues it to the last version): every runtime continues
# another runtime's database and a runner's; each language's own tests cover it continuing itself.
PAIRS = [("python", "typescript"), ("typescript", "rust"), ("rust", "python"),
         ("runner", "python"), ("runner", "typescript"), ("runner", "rust")]


class Runner:
    """A foreign runner that executes the files in order: sqlx's way on SQLite (foreign keys ON, each file
    in its own transaction), psql -1 -f on PostgreSQL."""

    def __init__(self, out_dir: Path):
        self.files = {e: sorted((out_dir / "migrations" / e).glob("*.sql")) for e in ("sqlite", "postgres")}

    def run(self, command: str, engine: str, target: str) -> dict:
        assert command == "migrate"
        for path in self.files[engine]:
            if engine == "sqlite":
                if _sqlite_version(target) < int(path.name[:4]):
                    sqlx_style(target, path)
            elif _pg_version(target) < int(path.name[:4]):
                subprocess.run([shutil.which("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", str(path),
                                target], check=True, capture_output=True, text=True)
        return {"ok": True}


def _sqlite_version(path: str) -> int:
    with sqlite3.connect(path) as c:
        try:
            return c.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
        except sqlite3.OperationalError:
            return 0


def _pg_version(conninfo: str) -> int:
    import psycopg
    with psycopg.connect(conninfo) as c:
        if c.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None:
            return 0
        return c.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


@pytest.fixture(scope="module", params=sorted(seed_chains.SEEDS))
def seed(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(request.param)
    first, last, rows = seed_chains.build(request.param, root)
    drivers = {}
    versions = (("first", first), ("last", last))
    compiled = typescript_support.build_drivers([(out, root / f"typescript-{v}") for v, out in versions])  # one tsc
    for (version, out), ts in zip(versions, compiled):
        for name, support in RUNTIMES.items():
            drivers[name, version] = ts if name == "typescript" else support.build_driver(out, root / f"{name}-{version}")
        drivers["runner", version] = Runner(out)
    return drivers, rows


def _connect(engine: str, target: str):
    if engine == "sqlite":
        return sqlite3.connect(target)
    import psycopg
    return psycopg.connect(target, autocommit=True)


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
@pytest.mark.parametrize("first,then", PAIRS, ids=[f"{a}-then-{b}" for a, b in PAIRS])
def test_one_migrates_another_continues_every_runtime_verifies(seed, engine, first, then, tmp_path, request):
    drivers, rows = seed
    if engine == "sqlite":
        target = str(tmp_path / "app.db")
    else:
        request.getfixturevalue("pg")            # an emptied database
        target = request.getfixturevalue("pg_test_db")
    assert drivers[first, "first"].run("migrate", engine, target)["ok"]
    conn = _connect(engine, target)
    seed_chains.insert(conn, engine, rows)
    before = seed_chains.fingerprint(conn, rows)
    conn.close()
    result = drivers[then, "last"].run("migrate", engine, target)
    assert result["ok"], result
    if then != "runner":
        assert result["applied"] == [2, 3]
    conn = _connect(engine, target)
    assert seed_chains.fingerprint(conn, rows) == before
    conn.close()
    for name in RUNTIMES:
        assert drivers[name, "last"].run("verify-deep", engine, target) == {"ok": True}, name
    if first != "runner":   # the runtime that started the chain accepts how another one continued it
        assert drivers[first, "last"].run("migrate", engine, target) == {"ok": True, "applied": []}
