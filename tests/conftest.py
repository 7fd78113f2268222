"""Shared fixtures: real engines (one throwaway PostgreSQL per test session,
a fresh database per test; SQLite files in tmp_path) and the golden flag."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite expected files of golden tests from the current output")


@pytest.fixture(scope="session")
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture(scope="session")
def pg_server():
    """One real PostgreSQL for the whole session, from the local server binaries."""
    from schemactl.engines.postgres_local import LocalPostgres
    with LocalPostgres() as server:
        yield server


_db_numbers = itertools.count(1)


@pytest.fixture
def pg(pg_server):
    """A psycopg connection (autocommit) to a brand-new database; dropped afterwards."""
    import psycopg
    name = f"t{next(_db_numbers)}"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    conn = psycopg.connect(pg_server.conninfo(name), autocommit=True)
    try:
        yield conn
    finally:
        conn.close()
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def sqlite_db(tmp_path):
    from schemactl.engines.sqlite import connect
    conn = connect(str(tmp_path / "test.db"))
    try:
        yield conn
    finally:
        conn.close()


def golden(path: Path, actual: str, update: bool) -> None:
    """Compare ``actual`` with the file at ``path`` (or rewrite it with --update-golden)."""
    if update or not path.exists():
        if not update:
            pytest.fail(f"{path} does not exist; run pytest --update-golden and review the diff")
        path.write_text(actual, encoding="utf-8", newline="")
        return
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path} differs from the rendered output; run pytest --update-golden and review"
