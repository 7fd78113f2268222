"""Where a database stands on its migration chain: `migrate status`, `migrate apply --dry-run` and
`migrate baseline` (adopting a database that already has the schema, as Flyway's baseline or
Alembic's stamp do)."""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import SchemactlError
from .. import runtime


@dataclass(frozen=True)
class Step:
    version: int
    name: str
    state: str          # applied | pending | edited | unknown


def _history(conn, bundle: dict, engine: str) -> list[tuple] | None:
    """The database's (version, hash, checksum) rows; None without a version table."""
    table = runtime._version_table(bundle, engine)
    try:
        rows = runtime._rows(conn, f"SELECT version, hash, checksum FROM {table} ORDER BY version")
    except Exception as exc:   # noqa: BLE001 - each driver names a missing table differently
        if engine == "postgres":
            conn.rollback()
        if _no_such_table(exc):
            return None
        raise SchemactlError(f"cannot read the database's migration history: {' '.join(str(exc).split())}; "
                             "is it the database you meant?") from None
    if engine == "postgres":
        conn.rollback()
    return rows


def _no_such_table(exc: Exception) -> bool:
    """The error a driver raises for a table that does not exist (and nothing else: a damaged or
    locked database is not "never migrated")."""
    return getattr(exc, "sqlstate", None) == "42P01" or (
        isinstance(exc, sqlite3.OperationalError) and str(exc).startswith("no such table"))


def status(conn, bundle: dict, engine: str) -> tuple[list[Step], bool]:
    """Every migration of the chain and every history row the chain does not know, with its state;
    and whether the database has a version table at all."""
    migrations = bundle["engines"][engine]["migrations"]
    rows = _history(conn, bundle, engine)
    applied = {version: (digest, checksum) for version, digest, checksum in rows or []}
    steps = []
    for m in migrations:
        if m["version"] not in applied:
            steps.append(Step(m["version"], m["name"], "pending"))
        elif applied[m["version"]][1] != m["checksum"] or applied[m["version"]][0] != m["hash"]:
            steps.append(Step(m["version"], m["name"], "edited"))
        else:
            steps.append(Step(m["version"], m["name"], "applied"))
    known = {m["version"] for m in migrations}
    steps += [Step(v, "(not in this build)", "unknown") for v in sorted(applied) if v not in known]
    return steps, rows is not None


def _reference(bundle: dict, engine: str, version: int, schema: str | None, provider: str, url: str | None,
               roles=()):
    """The catalog a database has after the chain's first ``version`` migrations, built on a
    throwaway database of the same engine."""
    from ..introspect import introspect
    cut = dict(bundle, engines={e: dict(v, migrations=v["migrations"][:version]) for e, v in bundle["engines"].items()})
    if engine == "sqlite":
        with tempfile.TemporaryDirectory(prefix="schemactl-baseline-") as d:
            conn = sqlite3.connect(str(Path(d) / "reference.db"))
            try:
                runtime.migrate(conn, cut)
                conn.execute(f"DROP TABLE {runtime._version_table(bundle, engine)}")   # not part of the schema
                return introspect(conn, "sqlite", schema)
            finally:
                conn.close()
    import psycopg
    from ..engines.providers import postgres
    with postgres(provider, url) as server, server.scratch(roles) as conninfo, psycopg.connect(conninfo) as conn:
        runtime.migrate(conn, cut)
        conn.execute(f"DROP TABLE {runtime._version_table(bundle, engine)}")
        found = introspect(conn, "postgres", schema)
        conn.rollback()
        return found


def baseline(conn, bundle: dict, engine: str, manifest, version: int, latest: int, provider: str = "auto",
             url: str | None = None) -> list:
    """Record ``conn`` as being at ``version`` when its schema is exactly that version's: returns the
    findings that refuse it (nothing is written then), or [] after recording the history."""
    from ..diff import diff
    from ..introspect import introspect
    from ..render.ddl import schema_of
    steps, has_table = status(conn, bundle, engine)
    if any(s.state != "pending" for s in steps):
        done = max(s.version for s in steps if s.state != "pending")
        raise SchemactlError(f"the database already has a migration history (version {done}); baseline is for a "
                             "database without one: use `schemactl migrate status` and `migrate apply`")
    schema = schema_of(manifest, engine)
    actual = introspect(conn, engine, schema)
    if engine == "postgres":
        conn.rollback()
    if version == latest:
        from ..expect import expect
        findings = diff(expect(manifest, engine), actual)
    else:
        findings = diff(_reference(bundle, engine, version, schema, provider, url, manifest.pg_roles), actual)
    if findings:
        return findings
    # The chain's first `version` migrations, recorded without running their statements: the runtime's
    # own path (version table, locks, record statements), so the history is the one `migrate` writes.
    recorded = dict(bundle, engines={e: dict(v, migrations=[dict(m, statements=[]) for m in v["migrations"][:version]])
                                     for e, v in bundle["engines"].items()})
    runtime.migrate(conn, recorded)
    return []
