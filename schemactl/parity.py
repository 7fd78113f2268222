"""The parity gate: build both engines from the generated DDL, read them back,
and compare each with what the manifest implies; and ``diff`` of an existing
database against a manifest."""

from __future__ import annotations

import contextlib
import re
import sqlite3
import tempfile
import time
from pathlib import Path

from . import render
from .diff import diff
from .engines import ENGINE_NAMES
from .engines import sqlite as sqlite_engine
from .render.ddl import schema_of
from .errors import SchemactlError
from .dburl import parse_url, redact_url  # noqa: F401 - URL rules and secrets' scrubbing live in dburl
from .dburl import connect_url, sqlite_read_only_uri  # noqa: F401 - and opening a URL's database
from .expect import expect
from .introspect import introspect
from .manifest.model import Manifest
from .report import Target
from .engines import ENGINES
from .engines.providers import early_postgres  # noqa: F401 - where parity's callers have found it


def _objects(m: Manifest, engine: str) -> list[str]:
    out = [t.name for t in m.tables]
    if engine == "postgres":
        out += [f"enum {e.name}" for e in m.enums]
    return out


def target(m: Manifest, engine: str, conn) -> Target:
    actual = introspect(conn, engine, schema_of(m, engine))
    return Target(m, engine, diff((_expectations or expect)(m, engine), actual), _objects(m, engine))


class _Expectations:
    """expect(m, engine), made once during a parity run by whichever thread asks first: the main thread makes
    PostgreSQL's once SQLite's work is done, while the PostgreSQL thread still waits on the server and its
    DDL (a tenth of the PostgreSQL side's time for 100 tables), and that thread then finds it made."""

    def __init__(self):
        import threading
        self._lock = threading.Lock()
        self._made: dict = {}

    def __call__(self, m: Manifest, engine: str):
        from concurrent.futures import Future
        with self._lock:
            entry = self._made.get((id(m), engine))
            mine = entry is None
            if mine:   # (the manifest is kept with it: its id stays its own while the entry lives)
                entry = self._made[(id(m), engine)] = (m, Future())
        if mine:
            try:
                entry[1].set_result(expect(m, engine))
            except BaseException as exc:
                entry[1].set_exception(exc)
        return entry[1].result()


_expectations: _Expectations | None = None


def sqlite_target(m: Manifest) -> Target:
    with tempfile.TemporaryDirectory(prefix="schemactl-sqlite-") as d:
        conn = sqlite_engine.connect(str(Path(d) / f"{m.name}.db"))
        try:
            ddl = render.ddl(m, "sqlite")
            try:
                sqlite_engine.apply(conn, ddl)
            except sqlite3.Error as exc:
                raise _rejected(m, "sqlite", ddl, exc, lambda stmt: conn.execute(stmt), conn.execute) from None
            return target(m, "sqlite", conn)
        finally:
            conn.close()


def postgres_target(m: Manifest, server, ddl: str | None = None) -> Target:
    import psycopg
    ddl = ddl if ddl is not None else render.ddl(m, "postgres")
    with server.scratch(m.pg_roles) as conninfo, psycopg.connect(conninfo, autocommit=True) as conn:
        try:
            with conn.transaction():
                conn.execute(ddl)
        except psycopg.Error as exc:
            raise _rejected(m, "postgres", ddl, exc, lambda stmt: conn.execute(stmt), conn.execute) from None
        return target(m, "postgres", conn)



_OBJECT = re.compile(
    r"""\s*(?:CREATE|ALTER|COMMENT\s+ON|DROP)\s+(?:OR\s+REPLACE\s+)?(?:UNIQUE\s+)?(?:VIRTUAL\s+)?(?:CONSTRAINT\s+)?
        (?P<kind>TABLE|INDEX|VIEW|TYPE|TRIGGER|FUNCTION|SEQUENCE|POLICY|EXTENSION|SCHEMA|DOMAIN|COLUMN)\s+
        (?:IF\s+NOT\s+EXISTS\s+)?(?P<name>(?:"(?:[^"]|"")*"|[\w$]+)(?:\.(?:"(?:[^"]|"")*"|[\w$]+))*)""",
    re.I | re.X)


def _object_of(statement: str) -> str:
    """What a DDL statement makes, e.g. 'function "bump"', for messages."""
    found = _OBJECT.match(statement)
    if not found:
        flat = " ".join(statement.split())
        return f"statement `{flat[:60]}{'…' if len(flat) > 60 else ''}`"
    name = found["name"]
    if not name.startswith('"'):
        name = f'"{name}"'
    return f"{found['kind'].lower()} {name}"


def _engine_message(exc: Exception) -> str:
    """The engine's own words, on one line: PostgreSQL's primary message and hint, SQLite's message."""
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None)
    text = f"{primary} ({diag.message_hint})" if primary and diag.message_hint else primary or str(exc)
    return " ".join(text.split())


def _rejected(m: Manifest, engine: str, ddl: str, exc: Exception, execute, run_sql) -> SchemactlError:
    """The one-line error for generated DDL an engine refused: the manifest, the object, the engine's message.

    The DDL ran in one transaction, which was rolled back; it is replayed statement by statement in a new
    one (rolled back too) to name the statement the engine refuses."""
    from .sqlsplit import split_sql
    message, obj, where = _engine_message(exc), "", ""
    try:
        run_sql("BEGIN")
        try:
            for stmt in split_sql(ddl, engine):
                try:
                    execute(stmt.text)
                except Exception as again:   # noqa: BLE001 - the engine's own error, whatever its class
                    message, obj = _engine_message(again) or message, _object_of(stmt.text)
                    where = f" at {obj} (line {stmt.line} of {engine}.sql)"
                    break
        finally:
            run_sql("ROLLBACK")
    except Exception:   # noqa: BLE001 - the connection is unusable: report the first message alone
        pass
    name = ENGINE_NAMES[engine]
    if getattr(exc, "sqlstate", None) == "53200":   # out of shared memory: the lock table, not the manifest
        return SchemactlError(
            f"{m.source}: the PostgreSQL server ran out of lock space applying the generated DDL{where} "
            f"({message}); the whole schema is built in one transaction: raise max_locks_per_transaction on that "
            "server, or use --postgres local (its throwaway server is set up for thousands of tables)")
    return SchemactlError(
        f"{m.source}: {name} rejected the generated DDL{where}: {message}; the manifest cannot be built on {name} "
        f"as written: change {obj + ' in ' if obj else ''}{m.source} (if it is valid {name} DDL, report the "
        "statement to schemactl)")


def chain_targets(m: Manifest, bundle: dict, engines, server) -> list[Target]:
    """Each engine built by applying the whole migration chain from empty (must equal the fresh DDL)."""
    from .runtime import MigrationError, migrate
    out = []
    if "postgres" in engines and server is not None:
        import psycopg
        with server.scratch(m.pg_roles) as conninfo, psycopg.connect(conninfo) as conn:
            try:
                migrate(conn, bundle)
            except MigrationError as exc:
                raise _chain_rejected(m, "postgres", exc) from None
            t = target(m, "postgres", conn)
            conn.rollback()
        out.append(Target(m, "postgres via migrations", t.findings, t.objects))
    if "sqlite" in engines:
        with tempfile.TemporaryDirectory(prefix="schemactl-sqlite-") as d:
            conn = sqlite3.connect(str(Path(d) / "chain.db"))
            try:
                try:
                    migrate(conn, bundle)
                except MigrationError as exc:
                    raise _chain_rejected(m, "sqlite", exc) from None
                t = target(m, "sqlite", conn)
            finally:
                conn.close()
        out.append(Target(m, "sqlite via migrations", t.findings, t.objects))
    return out


def _chain_rejected(m: Manifest, engine: str, exc: Exception) -> SchemactlError:
    return SchemactlError(f"{m.source}: {ENGINE_NAMES[engine]} rejected the migration chain applied from empty: "
                          f"{' '.join(str(exc).split())}; fix or replace that migration (schemactl migrate plan "
                          f"shows what the manifest needs)")


def parity(manifests: list[Manifest], engines=ENGINES, provider: str = "auto", url: str | None = None,
           bundles: dict | None = None, starting=None, progress=None) -> list[Target]:
    """Fresh DDL on each engine, and (where ``bundles``, keyed by (name, features), has the manifest's
    chain) the migration chain.  PostgreSQL runs in a second thread from start to finish (the throwaway
    server's start, its DDL, its catalog read) while SQLite is built and compared in this one: the
    server does its work while Python does SQLite's.  ``starting``: a server start begun earlier by
    early_postgres() (its caller stops the server); otherwise one is begun and stopped here.
    ``progress(line)``, when given, hears of each build as it ends (from either thread)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor
    chains = bundles or {}

    def tell(engine: str, m: Manifest | None, what: str, work, *args):
        started = time.monotonic()
        done = work(*args)
        if progress is not None:
            progress(f"{engine}{', ' + m.name if m is not None else ''}: {what} ({time.monotonic() - started:.2f} s)")
        return done
    lite: dict[int, list[Target]] = {}
    pg: dict[int, list[Target]] = {}
    global _expectations
    with contextlib.ExitStack() as stack:
        _expectations = _Expectations()
        stack.callback(globals().__setitem__, "_expectations", None)   # after the PostgreSQL thread's end
        working = None
        if "postgres" in engines:
            if starting is None:
                starting = stack.enter_context(early_postgres(engines, provider, url))
            # meanwhile: the psycopg import and the first PostgreSQL DDL, then the targets once the server is up
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="schemactl-postgres")
            abandon = threading.Event()      # this thread failed or was interrupted: start nothing more
            stack.callback(pool.shutdown)          # runs before the server is stopped: waits for its work
            stack.callback(abandon.set)
            working = pool.submit(_postgres_targets, manifests, chains, starting, abandon, tell)
        if "sqlite" in engines:
            for i, m in enumerate(manifests):
                lite[i] = [tell("sqlite", m, "built from its DDL and compared", sqlite_target, m)]
                if (m.name, m.features) in chains:
                    lite[i] += tell("sqlite", m, "built by its migration chain and compared", chain_targets, m,
                                    chains[(m.name, m.features)], ("sqlite",), None)
        if working is not None:
            for m in manifests:
                if working.done():
                    break
                _expectations(m, "postgres")
            pg = _result(working)
    targets = []
    for i in range(len(manifests)):   # per manifest: each engine's fresh DDL, then its chain
        fresh = [t for t in (pg.get(i, [])[:1] + lite.get(i, [])[:1])]
        targets += fresh + pg.get(i, [])[1:] + lite.get(i, [])[1:]
    return targets


def _result(future):
    """``future.result()``, waited for in short steps: a signal the kernel hands to another thread does not
    wake a thread blocked on a lock, and its handler (run by this, the main thread) would only run once the
    whole PostgreSQL side had ended."""
    from concurrent.futures import wait
    while not wait([future], timeout=0.25).done:
        pass
    return future.result()


def _postgres_targets(manifests: list[Manifest], chains: dict, starting, abandon, tell) -> dict[int, list[Target]]:
    """Every PostgreSQL target, in the PostgreSQL thread: once the server is up, each manifest's fresh DDL
    and its chain (nothing more is started once ``abandon`` is set)."""
    ddls = {}
    for i, m in enumerate(manifests[:1]):   # the first one's DDL while the server starts
        ddls[i] = render.ddl(m, "postgres")
    # (psycopg only once the start is done: the start's thread imports it, and two threads importing it at
    # once can see it half-initialised)
    server = tell("postgres", None, "server ready", starting.result)
    out: dict[int, list[Target]] = {}
    for i, m in enumerate(manifests):
        if abandon.is_set():
            break
        out[i] = [tell("postgres", m, "built from its DDL and compared", postgres_target, m, server, ddls.pop(i, None))]
        if (m.name, m.features) in chains and not abandon.is_set():
            out[i] += tell("postgres", m, "built by its migration chain and compared", chain_targets, m,
                           chains[(m.name, m.features)], ("postgres",), server)
    return out


# -- diff an existing database

def diff_database(m: Manifest, url: str) -> Target:
    """Read-only comparison of a live database with the manifest."""
    engine, _ = parse_url(url)
    conn = connect_url(url)
    try:
        return target(m, engine, conn)
    finally:
        conn.close()
