"""Two real PostgreSQL databases (source and target of PostgreSQL -> PostgreSQL) and SQLite files, each
emptied before a test; helpers that fill a source with SQL literals and read a table as neutral values."""

from __future__ import annotations

import math

import psycopg
import pytest

from schemactl import datacopy, render
from schemactl.engines import sqlite as sqlite_engine
from tests.conftest import RESET_SQL


@pytest.fixture(scope="session")
def pg_second_db(pg_server):
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS schemactl_tests_second")
        admin.execute("CREATE DATABASE schemactl_tests_second")
    return pg_server.conninfo("schemactl_tests_second")


class Engines:
    """Fresh databases of one manifest: ``db("postgres")``, ``db("postgres", second=True)``, ``db("sqlite")``."""

    def __init__(self, m, pg_test_db, pg_second_db, tmp_path):
        self.m, self.tmp, self.open = m, tmp_path, []
        self.conninfo = {False: pg_test_db, True: pg_second_db}
        self.n = 0

    def db(self, engine: str, second: bool = False, schema: bool = True):
        if engine == "postgres":
            conn = psycopg.connect(self.conninfo[second], autocommit=True)
            conn.execute(RESET_SQL)
            if schema:
                conn.execute(render.ddl(self.m, "postgres"))
        else:
            self.n += 1
            conn = sqlite_engine.connect(str(self.tmp / f"db{self.n}.db"))
            if schema:
                sqlite_engine.apply(conn, render.ddl(self.m, "sqlite"))
            conn.commit()
        self.open.append(conn)
        return conn

    def close(self):
        for c in self.open:
            c.close()


def rows(m, conn, engine, table=None):
    t = m.table(table) if table else m.tables[0]
    return [r for batch in datacopy.read_table(conn, engine, m, t) for r in batch]


def count(conn, table: str) -> int:
    return conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


def same(a, b) -> bool:
    """Equal values, with NaN equal to itself and -0.0 apart from 0.0 (what "unchanged" means here)."""
    if isinstance(a, float) and isinstance(b, float):
        return (a != a and b != b) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if type(a) is not type(b):
        return False
    try:
        return a == b or (a != a and b != b)
    except TypeError:
        return False
