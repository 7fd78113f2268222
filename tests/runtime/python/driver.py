"""The Python runtime behind the matrix's driver contract (tests/runtime/README.md):

    python3 driver.py <bundle.json> migrate|verify|verify-deep sqlite <file> | postgres <conninfo>
    python3 driver.py <bundle.json> verify-deep-in-transaction|verify-deep-in-failed-transaction|verify-deep-session-path
        postgres <conninfo>
    python3 driver.py <bundle.json> verify-in-transaction sqlite <file> | postgres <conninfo>
    python3 driver.py <bundle.json> migrate-in-transaction sqlite <file> | postgres <conninfo>
    python3 driver.py <bundle.json> migrate-in-failed-transaction postgres <conninfo>
    python3 driver.py <bundle.json> migrate-in-read-transaction|verify-in-read-transaction postgres <conninfo>

    python3 driver.py <bundle.json> migrate|verify|verify-deep|verify-deep-in-transaction postgres <conninfo>
        plain-without-status

plain-without-status: an autocommit psycopg connection behind a DB-API wrapper that does not tell its transaction
status (as pg8000 does not), whose other way to tell is taken then.
prints one JSON line: {"ok": true, "applied": [...]} or {"ok": false, "error": ..., "message": ..., "differences": [...]}.
verify-deep-in-transaction runs deep verify inside a transaction the driver has open (verify-deep-in-failed-transaction:
one that has failed, which verify must leave failed and open), verify-deep-session-path
after `SET search_path = other, public` for the session; verify-in-transaction runs (shallow) verify inside a
transaction the driver has open and has written in, then reads its work and commits it. Each fails (exit 1) when
verify left a trace (the caller's work gone, its transaction failed or ended, a search_path other than the
session's, a probe object, a transaction left open). migrate-in-transaction calls migrate inside a transaction
the driver has opened (BEGIN on a session with none open, as a service does) and has created a marker table in
(migrate-in-failed-transaction: one that has then failed); it fails unless that transaction is still open (and
failed) afterwards, and after the driver's ROLLBACK the database holds exactly the tables it held before.
migrate-in-read-transaction and verify-in-read-transaction call migrate or (shallow) verify inside a transaction the
driver has opened and has only read in; each fails unless that transaction is still open and usable afterwards.
"""

from __future__ import annotations

import json
import sqlite3
import sys

SESSION_PATH = "other, public"


class _WithoutStatus:
    """A DB-API connection that does not tell its transaction status: everything but psycopg's ``info``."""

    def __init__(self, conn):
        object.__setattr__(self, "_conn", conn)

    def __getattr__(self, name: str):
        if name in ("info", "get_transaction_status"):
            raise AttributeError(name)
        return getattr(self._conn, name)

    def __setattr__(self, name: str, value) -> None:
        setattr(self._conn, name, value)


def _in_transaction(conn, bundle: dict, verify) -> None:
    """Deep verify inside a transaction the caller has open: it stays open, its work and path as they were."""
    if conn.autocommit:   # a session of its own transactions: the service's own BEGIN opens one
        conn.execute("BEGIN")
    conn.execute("CREATE TEMP TABLE caller_work (x integer)")
    conn.execute("INSERT INTO caller_work VALUES (1)")
    path = conn.execute("SELECT current_setting('search_path')").fetchone()[0]
    try:
        verify(conn, bundle, deep=True)
    finally:
        after = conn.execute("SELECT (SELECT count(*) FROM caller_work)::int, "
                             "to_regclass('pg_temp.schemactl_probe') IS NULL, current_setting('search_path')"
                             ).fetchone()
        if after != (1, True, path):
            raise AssertionError(f"verify disturbed the caller's transaction: {after}")
        conn.rollback()


def _in_failed_transaction(conn, bundle: dict, verify) -> None:
    """Deep verify inside a transaction of the caller's that has failed: verify raises, and the transaction
    is left as it was (failed, still open: ended by the caller's ROLLBACK)."""
    import psycopg
    try:
        conn.execute("SELECT 1 / 0")
    except psycopg.errors.DivisionByZero:
        pass
    try:
        verify(conn, bundle, deep=True)
    finally:
        if conn.info.transaction_status != conn.info.transaction_status.INERROR:
            raise AssertionError(f"verify ended the caller's failed transaction: {conn.info.transaction_status}")
        conn.rollback()


def _in_open_transaction(conn, engine: str, bundle: dict, verify) -> None:
    """Verify inside a transaction the caller has open and has written in, whatever verify finds (a database
    never migrated: its read of the version table fails): the transaction is still usable afterwards (its work
    is read back) and the caller commits it."""
    if engine == "sqlite":
        conn.isolation_level = None   # the driver's own BEGIN and COMMIT, as a service's
        conn.execute("BEGIN")
    conn.execute("CREATE TEMP TABLE caller_work (x integer)")
    conn.execute("INSERT INTO caller_work VALUES (1)")
    try:
        verify(conn, bundle)
    finally:
        try:
            during = conn.execute("SELECT count(*) FROM caller_work").fetchone()[0]
        except Exception as exc:   # PostgreSQL: current transaction is aborted
            during = f"refused ({exc})"
        if engine == "sqlite":
            still_open = conn.in_transaction
        else:
            still_open = conn.info.transaction_status == conn.info.transaction_status.INTRANS
        if (during, still_open) != (1, True):
            raise AssertionError(f"verify spoiled the caller's transaction: its work read {during}, "
                                 f"still open: {still_open}")
        if engine == "sqlite":
            conn.execute("COMMIT")
        else:
            conn.commit()
        after = conn.execute("SELECT count(*) FROM caller_work").fetchone()[0]
        if after != 1:
            raise AssertionError(f"the caller's work was not committed after verify: {after} row(s)")


def _tables(conn, engine: str) -> list:
    if engine == "sqlite":
        return conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()
    return conn.execute(
        "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1").fetchall()


def _migrate_in_transaction(conn, engine: str, bundle: dict, migrate, failed: bool = False) -> list[int]:
    """migrate() inside a transaction the caller has opened and created a marker table in (``failed``: one that
    has then failed, PostgreSQL): the transaction is still the caller's afterwards (open, failed if it was), and
    after its ROLLBACK the database has exactly the tables it had before (the marker gone, nothing migrated)."""
    if engine == "sqlite":
        conn.isolation_level = None   # the driver's own BEGIN and ROLLBACK, as a service's
    else:
        conn.autocommit = True        # a session with no transaction open, and the service's own BEGIN
    before = _tables(conn, engine)
    conn.execute("BEGIN")
    conn.execute("CREATE TABLE schemactl_marker (x integer)")
    if failed:
        import psycopg
        try:
            conn.execute("SELECT 1 / 0")
        except psycopg.errors.DivisionByZero:
            pass
    try:
        return migrate(conn, bundle)
    finally:
        if engine == "sqlite":
            kept = conn.in_transaction
        else:
            status = conn.info.transaction_status
            kept = status == (status.INERROR if failed else status.INTRANS)
        try:
            conn.execute("ROLLBACK")
        except sqlite3.OperationalError:   # no transaction left to roll back
            pass
        after = _tables(conn, engine)
        if not kept or after != before:
            raise AssertionError(f"migrate spoiled the caller's transaction: still the caller's: {kept}; tables "
                                 f"before {before}, after the caller's ROLLBACK {after}")


def _in_read_transaction(conn, bundle: dict, call) -> object:
    """migrate() or verify() (shallow) inside a transaction the caller has opened and has only read in (no
    transaction id assigned): it is left open and usable (the caller's next statement runs in it, and its ROLLBACK
    takes that statement's table away)."""
    conn.autocommit = True   # a session with no transaction open, and the service's own BEGIN
    conn.execute("BEGIN")
    conn.execute("SELECT count(*) FROM pg_catalog.pg_class").fetchone()
    try:
        return call(conn, bundle)
    finally:
        try:
            conn.execute("CREATE TEMP TABLE caller_after (x integer)")
            usable = "usable"
        except Exception as exc:   # current transaction is aborted
            usable = f"refused ({exc})"
        conn.execute("ROLLBACK")
        gone = conn.execute("SELECT to_regclass('pg_temp.caller_after') IS NULL").fetchone()[0]
        if (usable, gone) != ("usable", True):
            raise AssertionError(f"the caller's read-only transaction was spoiled: its next statement "
                                 f"{usable}, still open: {gone}")


def _session_path(conn, bundle: dict, verify) -> None:
    """Deep verify on a session (autocommit) whose own search_path is SESSION_PATH: the path stays the
    session's, and no transaction is left open."""
    conn.autocommit = True
    conn.execute(f"SET search_path = {SESSION_PATH}")
    try:
        verify(conn, bundle, deep=True)
    finally:
        after = (conn.execute("SELECT current_setting('search_path')").fetchone()[0], conn.info.transaction_status)
        if after != (SESSION_PATH, conn.info.transaction_status.IDLE):
            raise AssertionError(f"verify changed the session: {after}")


def main(argv: list[str]) -> int:
    bundle_path, command, engine, target, via = [*argv, "plain"][:5]
    from schemactl.runtime import MigrationError, SchemaMismatch, migrate, verify
    with open(bundle_path, encoding="utf-8") as fh:
        bundle = json.load(fh)
    if engine == "sqlite":
        conn = sqlite3.connect(target)
    else:
        import psycopg
        conn = psycopg.connect(target, autocommit=via == "plain-without-status")
        if via == "plain-without-status":
            conn = _WithoutStatus(conn)
    try:
        if command == "migrate":
            out = {"ok": True, "applied": migrate(conn, bundle)}
        elif command == "verify-deep-in-transaction":
            _in_transaction(conn, bundle, verify)
            out = {"ok": True}
        elif command == "verify-deep-session-path":
            _session_path(conn, bundle, verify)
            out = {"ok": True}
        elif command == "verify-in-transaction":
            _in_open_transaction(conn, engine, bundle, verify)
            out = {"ok": True}
        elif command in ("migrate-in-transaction", "migrate-in-failed-transaction"):
            out = {"ok": True, "applied": _migrate_in_transaction(conn, engine, bundle, migrate,
                                                                  failed=command == "migrate-in-failed-transaction")}
        elif command == "migrate-in-read-transaction":
            out = {"ok": True, "applied": _in_read_transaction(conn, bundle, migrate)}
        elif command == "verify-in-read-transaction":
            _in_read_transaction(conn, bundle, verify)
            out = {"ok": True}
        elif command == "verify-deep-in-failed-transaction":
            _in_failed_transaction(conn, bundle, verify)
            out = {"ok": True}
        else:
            verify(conn, bundle, deep=command == "verify-deep")
            out = {"ok": True}
    except MigrationError as exc:
        out = {"ok": False, "error": "MigrationError", "message": str(exc), "differences": []}
    except SchemaMismatch as exc:
        out = {"ok": False, "error": "SchemaMismatch", "message": str(exc), "differences": exc.differences}
    finally:
        conn.close()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
