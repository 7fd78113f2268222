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
import time
from pathlib import Path

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


# (runtime, how the driver connects): TypeScript also with a pg Client that cannot tell its transaction status
# (node-postgres before client.getTransactionStatus()), whose other way to tell is taken then
RUNTIME_VIAS = [(r, v) for r in RUNTIMES for v in (("plain", "plain-without-status") if r == "typescript" else ("plain",))]


def _run(built, runtime: str, via: str, command: str, target) -> dict:
    driver = built[runtime]
    return driver.run(command, "postgres", str(target), via) if runtime == "typescript" \
        else driver.run(command, "postgres", str(target))


@pytest.mark.parametrize("runtime,via", RUNTIME_VIAS)
def test_migrate_and_verify_refuse_a_callers_failed_transaction_and_leave_it_failed(built, pg, pg_test_db, runtime,
                                                                                   via):
    assert _run(built, runtime, via, "migrate-in-failed-transaction", pg_test_db) == REFUSED, (runtime, via)
    out = _run(built, runtime, via, "verify-deep-in-failed-transaction", pg_test_db)
    assert (out["error"], out["message"]) == (
        "MigrationError", "the connection's transaction has failed; roll it back before verify()"), (runtime, via)
    assert _tables(pg) == []


NO_VERSION_TABLE = {"error": "SchemaMismatch", "differences": ["no schema_version table; run migrate() first"]}


@pytest.mark.parametrize("runtime,via", RUNTIME_VIAS)
def test_a_callers_transaction_that_has_only_read_is_told_from_none(built, pg, pg_test_db, runtime, via):
    """A transaction that has only read has no transaction id (pg_current_xact_id_if_assigned() is NULL): migrate
    still refuses it, and verify still reads in a savepoint inside it (a failed read of a version table that is
    not there leaves it usable); each driver checks that the transaction is open and usable afterwards. The Python
    runtime read without a savepoint on an autocommit session, where the caller's own BEGIN had opened one: the
    failed read aborted the caller's transaction."""
    out = _run(built, runtime, via, "verify-in-read-transaction", pg_test_db)
    assert {k: out.get(k) for k in NO_VERSION_TABLE} == NO_VERSION_TABLE, (runtime, via)
    assert _run(built, runtime, via, "migrate-in-read-transaction", pg_test_db) == REFUSED, (runtime, via)
    assert _tables(pg) == []
    assert _run(built, runtime, via, "migrate", pg_test_db) == {"ok": True, "applied": [1]}, (runtime, via)
    assert _run(built, runtime, via, "verify-in-read-transaction", pg_test_db) == {"ok": True}, (runtime, via)
    assert _run(built, runtime, via, "migrate-in-read-transaction", pg_test_db) == REFUSED, (runtime, via)
    assert _run(built, runtime, via, "verify-deep-in-transaction", pg_test_db) == {"ok": True}, (runtime, via)


def _log_errors_until_marker(log, start: int, pg) -> list[str]:
    """The ERROR lines PostgreSQL wrote to its log since offset ``start``, read once a marker error of the test's
    own has reached it (which proves the log is the server's and is read up to date); the marker left out."""
    import psycopg
    with pytest.raises(psycopg.errors.DivisionByZero):
        pg.execute("SELECT 1 / 0 AS schemactl_log_marker")
    deadline = time.monotonic() + 10
    while True:
        text = log.read_bytes()[start:].decode(errors="replace")
        if "schemactl_log_marker" in text:
            break
        assert time.monotonic() < deadline, f"the marker error never reached {log}:\n{text}"
        time.sleep(0.05)
    lines = text[:text.index("schemactl_log_marker")].splitlines()
    assert lines and "ERROR:  division by zero" in lines[-2], lines[-3:]
    return [line for line in lines[:-2] if "ERROR:" in line or "STATEMENT:" in line]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_verify_and_migrate_outside_a_transaction_leave_no_error_in_the_server_log(built, pg, pg_server, pg_test_db,
                                                                                  runtime):
    """A service calls migrate() and verify() at every start on a session with no transaction open: the runtime's
    question whether the caller has one open must not be a statement the server refuses. TypeScript and Rust tried
    a SAVEPOINT, which PostgreSQL refuses outside a transaction block: one "ERROR: SAVEPOINT can only be used in
    transaction blocks" (25P01) in the server's log per call, two per deep verify. The throwaway server's own log
    is read (log_min_messages and log_min_error_statement are PostgreSQL's defaults: every ERROR is written)."""
    log = Path(pg_server.base) / "server.log"
    start = log.stat().st_size
    vias = {"typescript": ("plain", "pool", "plain-without-status"),
            "python": ("plain", "plain-without-status")}.get(runtime, ("plain",))
    for via in vias:
        kw = {"via": via} if runtime != "rust" else {}
        driver = built[runtime]
        applied = [1] if via == vias[0] else []
        assert driver.run("migrate", "postgres", pg_test_db, **kw) == {"ok": True, "applied": applied}, via
        for command in ("verify", "verify-deep"):
            assert driver.run(command, "postgres", pg_test_db, **kw) == {"ok": True}, (via, command)
        assert driver.run("migrate", "postgres", pg_test_db, **kw) == {"ok": True, "applied": []}, via
    assert _log_errors_until_marker(log, start, pg) == [], runtime


def test_python_deep_verify_without_the_drivers_status_reads_inside_the_callers_transaction(built, pg, pg_test_db):
    """A DB-API driver that does not tell its transaction status (as pg8000 does not), on an autocommit session:
    deep verify tells the caller's own BEGIN from none by the virtual transaction id, reads in a savepoint inside
    it (the caller's work, path and transaction as they were: the driver checks) and in a transaction of its own
    outside one."""
    driver = built["python"]
    assert driver.run("migrate", "postgres", pg_test_db) == {"ok": True, "applied": [1]}
    for command in ("verify-deep-in-transaction", "verify-deep"):
        assert driver.run(command, "postgres", pg_test_db, "plain-without-status") == {"ok": True}, command
