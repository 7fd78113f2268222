"""Down migrations: the way back from a migration whose operations lose nothing.

`migrate new` writes, beside each migration NNNN_<name>.sql of an engine, down/NNNN_<name>.sql:
the operations from the new schema back to the previous one, planned and rendered by the same
planner as the way up (renames reversed through the hints they came from).  A migration with a
destructive operation (a dropped table or column, a narrowed type, ...) has no way back, since its
data is gone, and the first migration has none either (it would drop everything).  lock.json records
each down file's checksum, so `check` notices an edited one.  `migrate down --to N` runs them newest
first, each in one transaction with the removal of its schema_version row.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from ..errors import SchemactlError
from ..manifest.model import Manifest
from .plan import destructive, plan
from .sql import statements
from ..engines import ENGINES

DOWN_DIR = "down"


def _hinted(before: Manifest, ops) -> Manifest:
    """``before`` with renamed_from hints pointing at the names the way up gave its objects."""
    tables = {op.old: op.table for op in ops if op.kind == "rename_table"}
    columns: dict[str, dict[str, str]] = {}
    for op in ops:
        if op.kind == "rename_column":
            old_table = next((o for o, n in tables.items() if n == op.table), op.table)
            columns.setdefault(old_table, {})[op.old] = op.name
    if not tables and not columns:
        return before
    out = []
    for t in before.tables:
        cols = columns.get(t.name, {})
        t2 = replace(t, columns=tuple(replace(c, renamed_from=cols[c.name]) if c.name in cols else c
                                      for c in t.columns))
        out.append(replace(t2, renamed_from=tables[t.name]) if t.name in tables else t2)
    return replace(before, tables=tuple(out))


def down_bodies(before: Manifest, after: Manifest, up_ops) -> tuple[dict[str, list[str]] | None, str]:
    """(statements per engine that take ``after`` back to ``before``, or None; why there is none)."""
    lost = destructive(up_ops)
    if lost:
        return None, f"not reversible: {lost[0].describe()} ({lost[0].destructive})"
    target = _hinted(before, up_ops)
    back = plan(after, target)
    if not back:
        return None, "nothing to undo"
    try:
        return {e: statements(back, after, target, e) for e in ENGINES}, ""
    except ValueError as exc:
        return None, f"not reversible: {exc}"


def down_path(chain: Path, engine: str, name: str) -> Path:
    return chain / engine / DOWN_DIR / f"{name}.sql"


def down_text(name: str, schema: str, engine: str, previous: int, body: list[str]) -> str:
    header = (f"-- schemactl down migration of {name}, schema \"{schema}\" ({engine}): back to version {previous}.\n"
              "-- Run by `schemactl migrate down` in one transaction. Never edit it.\n")
    from ..render.ddl import strings_on
    return header + "\n" + "\n\n".join(strings_on(engine, body)) + "\n"


# ---------------------------------------------------------------- running them

def run_down(conn, engine: str, bundle: dict, lock: dict, chain: Path, to: int) -> list[str]:
    """Undo every applied migration above version ``to``, newest first; the names undone."""
    from .. import runtime
    from .files import SPLITTERS, sha256
    from .status import status
    steps, _ = status(conn, bundle, engine)
    broken = [s for s in steps if s.state in ("edited", "unknown")]
    if broken:
        raise SchemactlError(f"the database's history does not match this chain ({broken[0].version} "
                             f"{broken[0].state}); see `schemactl migrate status`")
    applied = [s for s in steps if s.state == "applied"]
    current = applied[-1].version if applied else 0
    if not 0 <= to < current:
        raise SchemactlError(f"--to {to}: the database is at version {current}; give a version from 0 (empty) "
                             f"to {current - 1}" if current > 0 else
                             f"--to {to}: the database is at version 0 (no migration applied); nothing to undo")
    entries = {e["version"]: e for e in lock["migrations"]}
    plan_back = []
    for version in range(current, to, -1):
        entry = entries[version]
        recorded = (entry.get("down") or {}).get(engine)
        if not recorded:
            raise SchemactlError(f"migration {entry['name']} has no down migration ({entry.get('down_reason') or 'none written'}); "
                                 f"nothing was undone")
        path = down_path(chain, engine, entry["name"])
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SchemactlError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}; nothing was undone") \
                from None
        if sha256(text.encode("utf-8")) != recorded:
            raise SchemactlError(f"{path} was edited (checksum differs from lock.json); nothing was undone")
        plan_back.append((entry, SPLITTERS[engine](text)))
    table = runtime._version_table(bundle, engine)
    done = []
    for entry, stmts in plan_back:
        UNDO[engine](conn, stmts, table, entry["version"], runtime._lock_key(bundle))
        done.append(entry["name"])
    return done


def _down_sqlite(conn: sqlite3.Connection, stmts: list[str], table: str, version: int, key: int) -> None:
    """One down step on SQLite (``key``, PostgreSQL's advisory lock, is not needed: BEGIN IMMEDIATE locks)."""
    from .. import runtime
    saved = conn.isolation_level
    conn.isolation_level = None
    fk_was = runtime._rows(conn, "PRAGMA foreign_keys")[0][0]
    runtime._exec(conn, "PRAGMA foreign_keys = OFF")     # table rebuilds; checked before the commit
    try:
        runtime._exec(conn, "BEGIN IMMEDIATE")
        try:
            for stmt in stmts:
                runtime._exec(conn, stmt)
            broken = runtime._rows(conn, "PRAGMA foreign_key_check")
            if broken:
                raise SchemactlError(f"undoing version {version} would leave rows violating foreign keys (table "
                                     f"{broken[0][0]}); rolled back")
            runtime._exec(conn, f"DELETE FROM {table} WHERE version = ?", (version,))
            runtime._exec(conn, "COMMIT")
        except BaseException as exc:
            runtime._exec(conn, "ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise SchemactlError(f"undoing version {version} failed and was rolled back: {exc}") from None
            raise
    finally:
        runtime._exec(conn, f"PRAGMA foreign_keys = {'ON' if fk_was else 'OFF'}")
        conn.isolation_level = saved


def _down_postgres(conn, stmts: list[str], table: str, version: int, key: int) -> None:
    import psycopg
    from .. import runtime
    conn.rollback()
    try:
        runtime._exec(conn, "SELECT pg_advisory_xact_lock(%s)", (key,))   # as migrate() holds it
        for stmt in stmts:
            runtime._exec(conn, stmt)
        runtime._exec(conn, f"DELETE FROM {table} WHERE version = %s", (version,))
        conn.commit()
    except psycopg.Error as exc:
        conn.rollback()
        raise SchemactlError(f"undoing version {version} failed and was rolled back: "
                             f"{' '.join(str(exc).split())}") from None


UNDO = {"sqlite": _down_sqlite, "postgres": _down_postgres}   # one down step, per engine
