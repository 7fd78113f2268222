"""Scratch databases on a shared server: unique names, and only our own are ever dropped."""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict

from schemactl.engines.providers import Server


def _databases(pg_server) -> set[str]:
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        return {r[0] for r in conn.execute("SELECT datname FROM pg_database")}


def test_two_processes_alike_get_separate_scratch_databases(pg_server):
    """Two CI containers sharing one server run schemactl with the same pid: two Server objects in one
    process are the same situation.  Neither may reuse, drop or force-drop the other's database."""
    first, second = Server(pg_server.conninfo(), "url"), Server(pg_server.conninfo(), "url")
    with first.scratch() as a:
        with psycopg.connect(a, autocommit=True) as conn_a:
            conn_a.execute("CREATE TABLE mine (id int)")
            with second.scratch() as b:
                assert conninfo_to_dict(a)["dbname"] != conninfo_to_dict(b)["dbname"]
                with psycopg.connect(b, autocommit=True) as conn_b:
                    assert conn_b.execute("SELECT count(*) FROM pg_class WHERE relname = 'mine'").fetchone() == (0,)
            # the second one is gone, and took nothing of the first with it
            assert conn_a.execute("SELECT count(*) FROM mine").fetchone() == (0,)
    assert conninfo_to_dict(a)["dbname"] not in _databases(pg_server)


def test_scratch_never_drops_a_database_it_did_not_create(pg_server):
    before = _databases(pg_server)
    with Server(pg_server.conninfo(), "url").scratch() as conninfo:
        name = conninfo_to_dict(conninfo)["dbname"]
        assert name.startswith("schemactl_scratch_") and name not in before
        assert len(name) >= len("schemactl_scratch_") + 16    # 64 random bits
    assert _databases(pg_server) == before
