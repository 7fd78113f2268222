"""SQLite through the standard library."""

from __future__ import annotations

import sqlite3


def connect(path: str = ":memory:") -> sqlite3.Connection:
    """A connection with foreign keys enforced, in autocommit mode."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def apply(conn: sqlite3.Connection, ddl: str) -> None:
    """Run a DDL script in one transaction (all statements or none)."""
    conn.execute("BEGIN")
    try:
        for stmt in split(ddl):
            conn.execute(stmt)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:   # a signal can land after COMMIT: then there is nothing to roll back
            conn.execute("ROLLBACK")
        raise


def split(script: str) -> list[str]:
    """The complete statements of a script, in order (uses SQLite's own tokenizer rule)."""
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            stmt = current.strip()
            if stmt and not all(l.strip().startswith("--") or not l.strip() for l in stmt.splitlines()):
                out.append(stmt)
            current = ""
    if current.strip() and not all(l.strip().startswith("--") or not l.strip() for l in current.splitlines()):
        raise ValueError(f"incomplete statement at end of script: {current.strip()[:80]}")
    return out
