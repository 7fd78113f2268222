"""Moving rows between engines through the portable types: copy, backup, restore.

Every value goes through a neutral Python form chosen by its column's portable type
(schemactl.datavalues): read from the source, checked, written to the target or an archive.  A value
the target cannot hold exactly is refused before anything is committed, naming its table, row and column.
Source and target are compared with the manifest first, and copy and restore fill empty tables only.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import sqlite3
import tempfile
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Iterator

from . import datastorage as ds, datavalues as dv
from .datatarget import Target, engine_errors, first_line, check_schema
from .render.ddl import Renderer
from .errors import SchemactlError
from .manifest.hashing import schema_hash
from .manifest.model import Manifest, Table
from .naming import quote

BATCH = 5000
ARCHIVE_FORMAT = "schemactl-backup/2"
READABLE_FORMATS = {"schemactl-backup/1": 1, ARCHIVE_FORMAT: 2}   # /1 kept json as parsed values


# ---------------------------------------------------------------- reading

def _pg_select(col: dv.Col) -> str:
    """PostgreSQL: json as its text (psycopg would parse numbers as floats and JSON null as NULL),
    instants in UTC (no session time zone can push year 9999 past Python's range)."""
    c = quote(col.name)
    if "postgres" in col.own or col.loose and col.base != "json":
        return c
    if col.base == "json":
        return f"{c}::text[]" if col.array else f"{c}::text"
    if col.base == "timestamptz":
        if col.array:
            return (f"CASE WHEN {c} IS NULL THEN NULL ELSE ARRAY(SELECT x AT TIME ZONE 'UTC' FROM unnest({c}) "
                    f"WITH ORDINALITY AS u(x, n) ORDER BY n) END")
        return f"{c} AT TIME ZONE 'UTC'"
    return c


def _lenient_loaders(cur) -> None:
    """Dates and times Python cannot hold (infinity, BC, year 10000+, 24:00:00) arrive as their text, so the
    column's check names the row instead of psycopg failing the whole fetch."""
    import psycopg
    from psycopg.types import datetime as pdt

    def lenient(base):
        def load(self, data):
            try:
                return base.load(self, data)
            except psycopg.DataError:
                return dv.Unreadable(bytes(data).decode())
        return type(f"Lenient{base.__name__}", (base,), {"load": load})
    for name, base in (("date", pdt.DateLoader), ("time", pdt.TimeLoader), ("timestamp", pdt.TimestampLoader)):
        cur.adapters.register_loader(name, lenient(base))


def read_table(conn, engine: str, m: Manifest, t: Table, batch: int = BATCH,
               loose: frozenset = frozenset()) -> Iterator[list[tuple]]:
    """The table's rows in key order, in batches of neutral values; a value that does not fit its column is
    a SchemactlError naming the row.  ``loose``: (table, column) pairs whose source type differs from the
    manifest's (check_schema's), read as they are and checked against the manifest's type."""
    cols = [replace(c, loose=(t.name, c.name) in loose) for c in dv.columns(m, t)]
    convert = dv.converter(t, cols, [ds.function("read", engine, m, c) for c in cols])
    order = ", ".join(quote(c) for c in (t.primary_key.columns if t.primary_key else [cols[0].name]))
    name = Renderer(m, engine).q(t.name)
    select = ", ".join(_pg_select(c) if engine == "postgres" else quote(c.name) for c in cols)
    errors = engine_errors()
    old_factory = getattr(conn, "text_factory", None)
    try:
        if engine == "sqlite":
            conn.text_factory = dv.decode_sqlite_text
        cur = conn.cursor()
        if engine == "postgres":
            _lenient_loaders(cur)
        cur.execute(f"SELECT {select} FROM {name} ORDER BY {order}")
        while True:
            rows = cur.fetchmany(batch)
            if not rows:
                break
            yield [convert(r) for r in rows]
        cur.close()
    except errors as exc:
        raise SchemactlError(f"cannot read table {t.name} of the source: {first_line(exc)}; nothing was "
                             "written") from None
    finally:
        if engine == "sqlite":
            conn.text_factory = old_factory


# ---------------------------------------------------------------- writing

_COPY_LINE = re.compile(r"\bline (\d+)")


def _write_copy(conn, name: str, col_list: str, n_cols: int, rows: list) -> None:
    """PostgreSQL: one COPY … FROM STDIN per batch (far faster than INSERTs)."""
    with conn.cursor().copy(f"COPY {name} ({col_list}) FROM STDIN") as cp:
        for r in rows:
            cp.write_row(r)


def _pg_failed_row(conn, exc, rows: list) -> int | None:
    found = _COPY_LINE.search(getattr(getattr(exc, "diag", None), "context", None) or "")
    return int(found.group(1)) - 1 if found and 0 < int(found.group(1)) <= len(rows) else None


def _write_insert(conn, name: str, col_list: str, n_cols: int, rows: list) -> None:
    conn.executemany(f"INSERT INTO {name} ({col_list}) VALUES ({', '.join('?' * n_cols)})", rows)


def _sqlite_failed_row(conn, name: str, col_list: str, n_cols: int, rows: list) -> int | None:
    """The first row of a refused batch the engine refuses on its own (the batch is undone first)."""
    conn.execute("ROLLBACK TO batch")
    for i, r in enumerate(rows):
        try:
            _write_insert(conn, name, col_list, n_cols, [r])
        except sqlite3.Error:
            return i
    return None


WRITE_BATCH = {"postgres": _write_copy, "sqlite": _write_insert}


def write_table(conn, engine: str, m: Manifest, t: Table, batches, progress=None) -> int:
    cols = dv.columns(m, t)
    convert = dv.converter(t, cols, [ds.function("write", engine, m, c) for c in cols])
    label = dv.row_key(t, cols)
    col_list = ", ".join(quote(c.name) for c in cols)
    name = Renderer(m, engine).q(t.name)
    n = 0
    for rows in batches:
        stored = [convert(r, n + i + 1) for i, r in enumerate(rows)]
        try:
            if engine == "sqlite":
                _sqlite_batch_checked(conn, name, col_list, len(cols), stored)
            else:
                WRITE_BATCH[engine](conn, name, col_list, len(cols), stored)
        except engine_errors() as exc:
            at = _pg_failed_row(conn, exc, stored) if engine == "postgres" else getattr(exc, "row", None)
            where = f", {label(rows[at], n + at + 1)}" if at is not None else ""
            fix = "correct the value at the source" if _refuses_a_value(exc) else "check the target database"
            raise SchemactlError(f"the target refused table {t.name}{where}: {first_line(exc)}; nothing was "
                                 f"written; {fix}") from None
        n += len(rows)
        if progress:
            progress(t.name, n)
    return n


def _refuses_a_value(exc) -> bool:
    """A constraint or a value the engine would not take (not a locked, read-only or full database)."""
    if isinstance(exc, sqlite3.IntegrityError):
        return True
    sqlstate = getattr(getattr(exc, "diag", None), "sqlstate", None) or ""
    return sqlstate[:2] in ("22", "23")       # data exception, integrity constraint violation


def _sqlite_batch_checked(conn, name, col_list, n_cols, rows) -> None:
    conn.execute("SAVEPOINT batch")
    try:
        _write_insert(conn, name, col_list, n_cols, rows)
    except sqlite3.Error as exc:
        exc.row = _sqlite_failed_row(conn, name, col_list, n_cols, rows)
        raise
    conn.execute("RELEASE batch")


def reset_identities(conn, m: Manifest, engine: str = "postgres") -> None:
    """After COPY, PostgreSQL identity sequences continue after the highest copied value
    (SQLite's AUTOINCREMENT follows the rows by itself)."""
    if not IDENTITY_SEQUENCES[engine]:
        return
    cur = conn.cursor()
    for t in m.tables:
        for c in t.columns:
            if c.identity:
                name = Renderer(m, engine).q(t.name)
                cur.execute(f"SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE(max({quote(c.name)}), 1), "
                            f"max({quote(c.name)}) IS NOT NULL) FROM {name}", (name, c.name))
            elif c.default is not None and c.default.kind == "nextval":   # a declared (ascending) sequence
                seq = next((s for s in m.sequences if s.name == c.default.value), None)
                if seq is not None and seq.increment > 0:
                    r = Renderer(m, engine)
                    cur.execute(f"SELECT setval(%s::regclass, max({quote(c.name)})) FROM {r.q(t.name)} "
                                f"HAVING max({quote(c.name)}) >= %s", (r.q(seq.name), seq.start or seq.min_value or 1))


IDENTITY_SEQUENCES = {"postgres": True, "sqlite": False}


@contextlib.contextmanager
def snapshot(conn, engine: str):
    """Read every table of a SQLite source in one read transaction: rows written meanwhile are all in the
    copy or none (PostgreSQL: the command line reads in one REPEATABLE READ transaction)."""
    began = engine == "sqlite" and not conn.in_transaction
    if began:
        try:
            conn.execute("BEGIN")
        except sqlite3.Error as exc:
            raise SchemactlError(f"cannot read the source: {first_line(exc)}; nothing was written") from None
    try:
        yield
    finally:
        if began and conn.in_transaction:
            conn.execute("ROLLBACK")


def copy(m: Manifest, src, src_engine: str, dst, dst_engine: str, progress=None,
         replace: bool = False) -> dict[str, int]:
    loose = check_schema(src, src_engine, m, "source")
    check_schema(dst, dst_engine, m, "target")
    counts = {}
    with snapshot(src, src_engine), Target(dst, dst_engine, m, replace):
        for t in m.tables:
            counts[t.name] = write_table(dst, dst_engine, m, t, read_table(src, src_engine, m, t, loose=loose),
                                         progress)
        reset_identities(dst, m, dst_engine)
    return counts


# ---------------------------------------------------------------- backup and restore

def backup(m: Manifest, conn, engine: str, path: Path, progress=None) -> dict[str, int]:
    """Write a gzip JSON Lines archive atomically: a header, then per table a line naming it and its rows."""
    loose = check_schema(conn, engine, m, "source")
    counts = {}
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{Path(path).name}.", dir=str(Path(path).resolve().parent))
    except OSError as exc:
        raise SchemactlError(f"cannot write {path}: {exc.strerror or exc}; choose a writable directory") from None
    try:
        with os.fdopen(fd, "wb") as raw, snapshot(conn, engine), gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            def line(obj):
                gz.write((json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
                          + "\n").encode())
            line({"format": ARCHIVE_FORMAT, "schema": m.name, "hash": schema_hash(m),
                  "tables": [t.name for t in m.tables]})
            for t in m.tables:
                cols = dv.columns(m, t)
                encode = dv.converter(t, cols, [ds.function("archive", None, m, c) for c in cols],
                                      after="no archive was written")
                line({"table": t.name, "columns": [c.name for c in cols], "kinds": [c.kind for c in cols]})
                n = 0
                for rows in read_table(conn, engine, m, t, loose=loose):
                    for r in rows:
                        line(list(encode(r)))
                    n += len(rows)
                    if progress:
                        progress(t.name, n)
                counts[t.name] = n
            line({"end": True, "rows": counts})
        os.replace(tmp, path)
    except OSError as exc:
        raise SchemactlError(f"cannot write {path}: {exc.strerror or exc}; no archive was written") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return counts


def _archive_lines(path: Path) -> Iterator[tuple[int, object]]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for number, text in enumerate(fh, start=1):
                try:
                    yield number, json.loads(text)
                except ValueError:
                    raise SchemactlError(f"{path}: line {number} is not JSON; the archive is damaged") from None
    except (OSError, EOFError, UnicodeDecodeError, zlib.error) as exc:   # gzip.BadGzipFile (bad CRC) is an OSError;
        # a damaged deflate stream is zlib.error
        raise SchemactlError(f"{path}: cannot read the archive ({exc}); it is damaged or not a backup") from None


def _damaged(path, number, what) -> SchemactlError:
    return SchemactlError(f"{path}: line {number}: {what}; the archive is damaged, nothing was written")


def restore(path: Path, m: Manifest, conn, engine: str, force: bool = False,
            replace: bool = False, progress=None) -> dict[str, int]:
    """Restore an archive into an empty database of the manifest's schema, all or nothing."""
    lines = _archive_lines(path)
    _, header = next(lines, (0, None))
    fmt = READABLE_FORMATS.get(header.get("format")) if isinstance(header, dict) else None
    if fmt is None:
        raise SchemactlError(f"{path}: not a schemactl backup (format {ARCHIVE_FORMAT})")
    want = schema_hash(m)
    if header.get("hash") != want and not force:
        raise SchemactlError(f"{path}: archive was taken from schema {header.get('schema')} {header.get('hash')}, "
                             f"the target manifest is {want}; pass --force to restore anyway")
    check_schema(conn, engine, m, "target")
    counts: dict[str, int] = {}
    state = {"table": None, "rows": [], "decode": None}

    def flush():
        t = state["table"]
        if t is not None:
            added = write_table(conn, engine, m, t, [state["rows"]]) if state["rows"] else 0
            counts[t.name] = counts.get(t.name, 0) + added
            if progress:
                progress(t.name, counts[t.name])
        state["rows"] = []

    with Target(conn, engine, m, replace):
        for number, obj in lines:
            if isinstance(obj, dict) and "table" in obj:
                flush()
                state["table"], state["decode"] = _table_start(path, number, obj, m, fmt)
            elif isinstance(obj, dict) and obj.get("end"):
                flush()
                if obj.get("rows") != counts:
                    raise _damaged(path, number, "row counts do not match the archive's footer")
                # Read to the end before committing: gzip checks its CRC and length only there, and nothing
                # (rows, a second member, garbage) may follow the footer.
                extra = next(lines, None)
                if extra is not None:
                    raise _damaged(path, extra[0], "content after the footer")
                reset_identities(conn, m, engine)
                return counts
            elif isinstance(obj, list) and state["table"] is not None:
                state["rows"].append(state["decode"](obj, number))
                if len(state["rows"]) >= BATCH:
                    flush()
            else:
                raise _damaged(path, number, "unexpected content")
        raise SchemactlError(f"{path}: the archive ends early (no footer); it is damaged, nothing was written")


def _table_start(path, number: int, obj: dict, m: Manifest, fmt: int):
    """The manifest's table an archive's table line names, and the decoder of its rows (line number -> row)."""
    t = m.table(obj["table"]) if isinstance(obj["table"], str) else None
    cols = dv.columns(m, t) if t is not None else []
    if t is None or obj.get("columns") != [c.name for c in cols]:
        raise SchemactlError(f"{path}: table {obj['table']} does not match the manifest (its columns differ); "
                             "restore with the manifest the archive was taken with")
    kinds = obj.get("kinds")
    if kinds != [c.kind for c in cols]:
        raise SchemactlError(f"{path}: line {number}: the column types of table {t.name} in the archive ({kinds}) "
                             "differ from the manifest's; restore with the manifest the archive was taken with")
    decode = dv.converter(t, cols, [ds.function("unarchive", None, m, c, fmt) for c in cols],
                          after="the archive is damaged, nothing was written")
    return t, lambda values, line: decode(values, None, f"{path}: line {line}: ")
