"""migrate() refuses a connection on which the caller has a transaction open (docs/runtime-protocol.md, section 4),
on PostgreSQL as on SQLite, in every runtime, before it changes anything.

Each migration commits.  The TypeScript and Rust runtimes sent their own BEGIN on the caller's connection:
PostgreSQL only warns about a BEGIN inside a transaction ("there is already a transaction in progress"), so
migrate's COMMIT committed the service's open work with the advisory lock, and the migrations ran after it; the
service's ROLLBACK then found no transaction (its table stayed).  Python refused.  Each driver's
migrate-in-transaction opens a transaction itself (BEGIN on a session with no transaction open, as a service
does), creates a marker table in it and calls migrate(); it then checks that its transaction is still the same and
open, rolls it back, and fails (a crash) unless the database's tables are exactly those it had before (the marker
gone, nothing migrated).  migrate-in-failed-transaction does the same in a transaction that has failed, which must
stay failed and open.  migrate-in-read-transaction and verify-in-read-transaction call migrate() or verify() in a
transaction the driver has opened and has only read in (no transaction id assigned), and fail unless it is still
open and usable afterwards."""

from __future__ import annotations

import os

import pytest

from tests.migrations.chain_support import Chain
from tests.runtime.python import support as python_support
from tests.runtime.rust import support as rust_support
from tests.runtime.typescript import support as typescript_support

M = """\
format: 1
name: intx
version: 1
tables:
  notes:
    columns:
      id: {type: integer, primary_key: true}
      body: text
"""

REFUSED = {"ok": False, "error": "MigrationError", "differences": [],
           "message": "migrate() needs a connection with no open transaction; "
                      "commit or roll back your transaction before migrate()"}

# SCHEMACTL_DEEP_RUNTIMES=typescript leaves the slow Rust build out (as in test_deep_verify)
RUNTIMES = ["python"] + [r for r in os.environ.get("SCHEMACTL_DEEP_RUNTIMES", "typescript,rust").split(",") if r]
BUILDERS = {"python": python_support.build_driver, "typescript": typescript_support.build_driver,
            "rust": rust_support.build_driver}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("migrate_in_transaction")
    chain = Chain(root / "chain")
    chain.release(M, "init")
    return {name: BUILDERS[name](chain.out, root / name) for name in RUNTIMES}


def _tables(pg) -> list[str]:
    return [r[0] for r in pg.execute(
        "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg\\_toast%' ORDER BY 1").fetchall()]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_migrate_refuses_a_callers_open_transaction_and_leaves_it_to_the_caller(built, pg, pg_test_db, tmp_path,
                                                                              runtime):
    driver = built[runtime]
    sqlite_file = tmp_path / "app.db"
    for command, engine, target in (("migrate-in-transaction", "postgres", pg_test_db),
                                    ("migrate-in-failed-transaction", "postgres", pg_test_db),
                                    ("migrate-in-transaction", "sqlite", sqlite_file)):
        assert driver.run(command, engine, str(target)) == REFUSED, (runtime, command, engine)
    assert _tables(pg) == []   # nothing migrated, the marker rolled back (as the driver checked itself)
    # the refusal is not a lock or a state left behind: outside a transaction migrate runs, and inside one it is
    # refused again on a database that has nothing pending
    for engine, target in (("postgres", pg_test_db), ("sqlite", sqlite_file)):
        assert driver.run("migrate", engine, str(target)) == {"ok": True, "applied": [1]}, (runtime, engine)
        assert driver.run("migrate-in-transaction", engine, str(target)) == REFUSED, (runtime, engine)
    assert _tables(pg) == ["public.notes", "public.schema_version"]


NO_VERSION_TABLE = {"error": "SchemaMismatch", "differences": ["no schema_version table; run migrate() first"]}


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_callers_transaction_that_has_only_read_is_told_from_none(built, pg, pg_test_db, runtime):
    """A transaction that has only read has no transaction id (pg_current_xact_id_if_assigned() is NULL): migrate
    still refuses it, and verify still reads in a savepoint inside it (a failed read of a version table that is
    not there leaves it usable); each driver checks that the transaction is open and usable afterwards. The Python
    runtime read without a savepoint on an autocommit session, where the caller's own BEGIN had opened one: the
    failed read aborted the caller's transaction."""
    driver = built[runtime]
    out = driver.run("verify-in-read-transaction", "postgres", pg_test_db)
    assert {k: out.get(k) for k in NO_VERSION_TABLE} == NO_VERSION_TABLE, runtime
    assert driver.run("migrate-in-read-transaction", "postgres", pg_test_db) == REFUSED, runtime
    assert _tables(pg) == []
    assert driver.run("migrate", "postgres", pg_test_db) == {"ok": True, "applied": [1]}, runtime
    assert driver.run("verify-in-read-transaction", "postgres", pg_test_db) == {"ok": True}, runtime
    assert driver.run("migrate-in-read-transaction", "postgres", pg_test_db) == REFUSED, runtime
