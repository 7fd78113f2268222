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
import queue
import re
import sqlite3
import threading
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Iterator

from . import datafast, datastorage as ds, datavalues as dv
from .datatarget import Target, engine_errors, first_line, check_schema, pg_read_path_transaction
from .render.ddl import Renderer
from .errors import SchemactlError
from .manifest.hashing import schema_hash
from .manifest.model import Manifest, Table
from .naming import quote
from .output import atomic_write_all

BATCH = 5000
ARCHIVE_FORMAT = "schemactl-backup/2"
READABLE_FORMATS = {"schemactl-backup/1": 1, ARCHIVE_FORMAT: 2}   # /1 kept json as parsed values


# ---------------------------------------------------------------- reading

def _pg_select(col: dv.Col) -> str:
    """PostgreSQL: json as its text (psycopg would parse numbers as floats and JSON null as NULL),
    instants in UTC (no session time zone can push year 9999 past Python's range).  A text column kept in a
    PostgreSQL type of its own (interval, inet, an array of enums: `postgres_type`) is read as that type's
    output text, which its input function reads back as the same value: psycopg would give a timedelta or
    an ipaddress, which SQLite's text column cannot hold."""
    c = quote(col.name)
    if "postgres" in col.own:
        return _pg_output_text(c, col.array) if col.base == "text" else c
    if col.loose and col.base != "json":
        return c
    if col.base == "json":
        return f"{c}::text[]" if col.array else f"{c}::text"
    if col.base == "timestamptz":
        if col.array:
            return (f"CASE WHEN {c} IS NULL THEN NULL ELSE ARRAY(SELECT x AT TIME ZONE 'UTC' FROM unnest({c}) "
                    f"WITH ORDINALITY AS u(x, n) ORDER BY n) END")
        return f"{c} AT TIME ZONE 'UTC'"
    return c


def _pg_output_text(c: str, array: bool) -> str:
    """A value as its type's output function spells it (format's %s; a cast to text may differ: inet's
    shows the mask, boolean's says true), NULL kept; of an array column, each element's."""
    if not array:
        return f"CASE WHEN {c} IS NULL THEN NULL ELSE format('%s', {c}) END"
    return (f"CASE WHEN {c} IS NULL THEN NULL ELSE ARRAY(SELECT CASE WHEN x IS NULL THEN NULL ELSE "
            f"format('%s', x) END FROM unnest({c}) WITH ORDINALITY AS u(x, n) ORDER BY n) END")


def _refuse_shifted_arrays(conn, m: Manifest, t: Table, cols: list) -> None:
    """An array of more than one dimension ('{{a,b},{c,d}}'), or whose indexes do not start at 1
    ('[0:1]={a,b}'): copy, backup and restore carry arrays of one dimension (psycopg's nested lists would be
    written as nested JSON on SQLite, or flattened by the text form of an own type), and an array's elements,
    not where they start, so tags[0] would read another element: refused with its row rather than changed."""
    key = list(t.primary_key.columns) if t.primary_key else []
    table = Renderer(m, "postgres").q(t.name)
    for c in (c for c in cols if c.array):
        col = quote(c.name)
        cur = conn.cursor()
        cur.execute(f"SELECT array_dims({col}), array_ndims({col}){''.join(', ' + quote(k) for k in key)} "
                    f"FROM {table} WHERE array_dims({col}) !~ '^\\[1:[0-9]+\\]$' LIMIT 1")
        found = cur.fetchone()
        if found is not None:
            row = ", ".join(f"{k}={v!r}" for k, v in zip(key, found[2:])) or "(a row)"
            where = f"table {t.name}, row {row}, column {c.name}"
            if found[1] > 1:
                raise SchemactlError(f"{where}: the array has {found[1]} dimensions ({found[0]}); copy, backup "
                                     "and restore carry arrays of one dimension (the manifest's array type): "
                                     "flatten it or move it to another column at the source, or keep it on "
                                     "PostgreSQL; nothing was written")
            raise SchemactlError(f"{where}: the array's indexes are {found[0]}, "
                                 "not from 1; copy and backup carry an array's elements, not where its indexes "
                                 f"start: renumber it at the source (UPDATE … SET {c.name} = array(SELECT unnest("
                                 f"{c.name}))), or keep it on PostgreSQL; nothing was written")


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


def read_table(conn, engine: str, m: Manifest, t: Table, batch: int | None = None,
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
        if engine == "postgres":
            _refuse_shifted_arrays(conn, m, t, cols)
        if engine == "sqlite":
            conn.text_factory = dv.decode_sqlite_text
        cur = conn.cursor()
        if engine == "postgres":
            _lenient_loaders(cur)
        cur.execute(f"SELECT {select} FROM {name} ORDER BY {order}")
        while True:
            rows = cur.fetchmany(batch or BATCH)
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
_CHUNK = 64 * 1024


def _pg_failed_line(exc) -> int | None:
    """The line of a COPY that PostgreSQL refused (1 for the first row), from the error's context."""
    found = _COPY_LINE.search(getattr(getattr(exc, "diag", None), "context", None) or "")
    return int(found.group(1)) if found and int(found.group(1)) > 0 else None


def _nth_row(batches, number: int):
    """Row ``number`` (1 for the first) of an iterable of batches, or None."""
    seen = 0
    for rows in batches:
        if seen + len(rows) >= number:
            return rows[number - seen - 1]
        seen += len(rows)
    return None


class _QueuedWriter:
    """Sends COPY data on a thread of its own, so reading and converting rows overlaps with PostgreSQL's
    COPY (a bounded queue: a few MB in flight)."""

    def __init__(self, cursor, depth: int = 64):
        from psycopg.copy import LibpqWriter
        self.libpq = LibpqWriter(cursor)
        self.queue: queue.Queue = queue.Queue(maxsize=depth)
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def _work(self) -> None:
        try:
            while (data := self.queue.get()) is not None:
                self.libpq.write(data)
        except BaseException as exc:     # handed to the reading thread at its next write or at finish
            self.error = exc
            while self.queue.get() is not None:
                pass

    def write(self, data) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._work, name="schemactl-copy", daemon=True)
            self.thread.start()
        if self.error is not None:
            raise self.error
        self.queue.put(data)

    def finish(self, exc: BaseException | None = None) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            self.thread = None
        if self.error is not None and exc is None:
            raise self.error
        self.libpq.finish(exc)


def _copy_in(conn, name: str, col_list: str, feed, progress, table: str) -> int:
    """PostgreSQL: one COPY … FROM STDIN for the whole table, fed as it is read.  ``feed`` yields
    (COPY text, row count) or (None, neutral rows); returns the row count."""
    cur = conn.cursor()
    n = 0
    with cur.copy(f"COPY {name} ({col_list}) FROM STDIN", writer=_QueuedWriter(cur)) as cp:
        for data, rows in feed:
            if data is None:
                for r in rows:
                    cp.write_row(r)
                n += len(rows)
            else:
                view = memoryview(data)
                for i in range(0, len(view), _CHUNK):
                    cp.write(view[i:i + _CHUNK])
                n += rows
            if progress:
                progress(table, n)
    return n


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


def _refused(t: Table, exc, where: str, m: Manifest | None = None, origin: str = "the source") -> SchemactlError:
    fix = f"correct the value in {origin}" if _refuses_a_value(exc) else "check the target database"
    cycle = _undeferred_cycle(m, t.name) if m is not None and _sqlstate(exc) == "23503" else None
    if cycle:   # no order of the tables loads them: not the source's values
        fix = (f"tables {' -> '.join(cycle)} reference each other with foreign keys that are not deferrable, which "
               "PostgreSQL checks as each row arrives, so no order loads them: declare one of them deferrable: true "
               "(copy defers what is deferrable)")
    return SchemactlError(f"the target refused table {t.name}{where}{_refused_at(exc)}: {first_line(exc)}; nothing "
                          f"was written; {fix}")


_COPY_COLUMN = re.compile(r"^COPY [^,]+, line \d+, column (.+?): ", re.M)


def _refused_at(exc) -> str:
    """Where in the row PostgreSQL refused it: the column its COPY was reading (the error's context), or the
    constraint and its key (a foreign key's: Key (p)=(5) is not present in table "p")."""
    diag = getattr(exc, "diag", None)
    if diag is None:
        return ""
    found = _COPY_COLUMN.search(diag.context or "")
    column = diag.column_name or (found.group(1) if found else None)
    if column:
        return f", column {column}"
    if diag.constraint_name:
        detail = (diag.message_detail or "").rstrip(".")
        return f", constraint {diag.constraint_name}" + (f" ({detail})" if detail else "")
    return ""


def _sqlstate(exc) -> str:
    return getattr(getattr(exc, "diag", None), "sqlstate", None) or ""


def _undeferred_cycle(m: Manifest, start: str) -> list[str] | None:
    """A cycle of foreign keys that are not deferrable through table ``start`` (start, …, start), or None."""
    edges = {t.name: sorted({f.ref_table for f in t.foreign_keys if not f.deferrable and f.ref_table != t.name})
             for t in m.tables}
    path, seen = [start], set()

    def walk(name):
        for nxt in edges.get(name, ()):
            if nxt == start:
                return path + [start]
            if nxt not in seen:
                seen.add(nxt)
                path.append(nxt)
                found = walk(nxt)
                if found:
                    return found
                path.pop()
        return None
    return walk(start)


def write_table(conn, engine: str, m: Manifest, t: Table, batches, progress=None, again=None,
                origin: str = "the source", at=None) -> int:
    """Write batches of neutral rows to the target; a refused row is named by its key.  PostgreSQL learns
    which row it refused only at the end of the table's COPY: ``again()`` gives the batches once more
    to find it (by default ``batches`` itself, when it is a list).  ``origin``: where a refused value is to be
    corrected ("the source", "the archive"); ``at(n)``: where the table's n-th row is written there ("x.gz: line
    12: "), put before a refusal of a value the target cannot hold."""
    cols = dv.columns(m, t)
    convert = dv.converter(t, cols, [ds.function("write", engine, m, c) for c in cols])
    if at is not None:
        convert = _placed(convert, at)
    label = dv.row_key(t, cols)
    col_list = ", ".join(quote(c.name) for c in cols)
    name = Renderer(m, engine).q(t.name)
    if engine == "postgres":
        def feed():
            done = 0
            for rows in batches:
                yield None, [convert(r, done + i + 1) for i, r in enumerate(rows)]
                done += len(rows)
        try:
            return _copy_in(conn, name, col_list, feed(), progress, t.name)
        except engine_errors() as exc:
            line = _pg_failed_line(exc)
            source = again() if again is not None else batches if isinstance(batches, list) else None
            row = _nth_row(source, line) if line is not None and source is not None else None
            raise _refused(t, exc, f", {label(row, line)}" if row is not None else "", m, origin) from None
    n = 0
    for rows in batches:
        stored = [convert(r, n + i + 1) for i, r in enumerate(rows)]
        try:
            _sqlite_batch_checked(conn, name, col_list, len(cols), stored)
        except engine_errors() as exc:
            at = getattr(exc, "row", None)
            raise _refused(t, exc, f", {label(rows[at], n + at + 1)}" if at is not None else "", m,
                           origin) from None
        n += len(rows)
        if progress:
            progress(t.name, n)
    return n


def _placed(convert, at):
    """``convert``, whose refusal of the n-th row begins with ``at(n)``."""
    def f(row, n):
        try:
            return convert(row, n)
        except SchemactlError as exc:
            placed = SchemactlError(at(n) + str(exc))
            placed.exit_code = exc.exit_code
            raise placed from None
    return f


# COPY's text format of a value psycopg dumped (what Copy.write_row sends).
_COPY_ESCAPE = re.compile(rb"[\b\t\n\v\f\r\\]")
_COPY_ESCAPES = {b"\b": rb"\b", b"\t": rb"\t", b"\n": rb"\n", b"\v": rb"\v", b"\f": rb"\f", b"\r": rb"\r",
                 b"\\": b"\\\\"}


def _copy_text(tx, row: tuple) -> bytes:
    from psycopg.adapt import PyFormat
    return b"\t".join(rb"\N" if b is None else _COPY_ESCAPE.sub(lambda f: _COPY_ESCAPES[f.group(0)], bytes(b))
                      for b in tx.dump_sequence(row, [PyFormat.TEXT] * len(row)))


def _fast_plan(m: Manifest, t: Table) -> "datafast.Plan | None":
    """The table's datafast plan, or None when a column has no fast form."""
    cols = dv.columns(m, t)
    order = ", ".join(quote(c) for c in (t.primary_key.columns if t.primary_key else [cols[0].name]))
    return datafast.plan(m, t, cols, Renderer(m, "sqlite").q(t.name), order)


def _copy_fast(src, dst, m: Manifest, t: Table, progress, reader=None, ahead=None) -> int | None:
    """SQLite -> PostgreSQL through COPY lines SQLite spells itself (schemactl.datafast); None when the
    table has a column without that fast form (it then takes the neutral path).  ``reader``: a
    datafast.SecondReader of ``src``, which is in the copy's own read transaction (a large table may then be
    read by two processes: datafast._helper); ``ahead``: the copy's datafast.Ahead, if it reads ahead."""
    from psycopg.adapt import Transformer
    cols = dv.columns(m, t)
    p = _fast_plan(m, t)
    if p is None:
        return None
    read = dv.converter(t, cols, [ds.function("read", "sqlite", m, c) for c in cols])
    write = dv.converter(t, cols, [ds.function("write", "postgres", m, c) for c in cols])
    tx = Transformer(dst)

    def slow(raw: list, numbers: list) -> list[bytes]:
        """Rows in the neutral path: all read (and checked) first, then written, as read_table and
        write_table do with a batch."""
        neutral = [read(r, k) for r, k in zip(raw, numbers)]
        return [_copy_text(tx, write(r, k)) for r, k in zip(neutral, numbers)]

    label = dv.row_key(t, cols)
    name = Renderer(m, "postgres").q(t.name)
    col_list = ", ".join(quote(c.name) for c in cols)
    errors = engine_errors()
    if p.grouped is not None:
        # SQLite joins the lines of a batch itself.  Anything but success (a refusal, a source error, rows sent
        # that are not the table's count) is undone to the savepoint and the table is copied again a line per
        # row below, which names the refused row as it always did.
        feed = datafast.grouped_batches(src, p, BATCH, slow, reader, ahead, t.name)
        try:
            with dst.transaction():
                return _copy_in(dst, name, col_list, feed, progress, t.name)
        except (datafast.Redo, SchemactlError, *errors):
            pass
        finally:
            feed.close()     # its connection settings are back before the table is read again
    try:
        return _copy_in(dst, name, col_list, datafast.batches(src, p, BATCH, slow), progress, t.name)
    except sqlite3.Error as exc:
        raise SchemactlError(f"cannot read table {t.name} of the source: {first_line(exc)}; nothing was "
                             "written") from None
    except errors as exc:
        line = _pg_failed_line(exc)
        row = _nth_row(read_table(src, "sqlite", m, t), line) if line is not None else None
        raise _refused(t, exc, f", {label(row, line)}" if row is not None else "", m) from None


def _refuses_a_value(exc) -> bool:
    """A constraint or a value the engine would not take (not a locked, read-only or full database)."""
    if isinstance(exc, sqlite3.IntegrityError):
        return True
    return _sqlstate(exc)[:2] in ("22", "23")       # data exception, integrity constraint violation


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
    (SQLite's AUTOINCREMENT follows the rows by itself).  A declared sequence several columns draw from
    continues after the highest of them all; a sequence whose columns hold nothing at or above its
    minimum (no rows, or ids of 0 and below, which BY DEFAULT identities allow) is left where it is."""
    if not IDENTITY_SEQUENCES[engine]:
        return
    r = Renderer(m, engine)
    users: dict[tuple, list[tuple[str, str]]] = {}   # (its regclass as SQL, its parameters) -> (table, column)
    for t in m.tables:
        for c in t.columns:
            if c.identity:
                users[("pg_get_serial_sequence(%s, %s)", (r.q(t.name), c.name))] = [(t.name, c.name)]
            elif c.default is not None and c.default.kind == "nextval":   # a declared (ascending) sequence
                seq = next((s for s in m.sequences if s.name == c.default.value), None)
                if seq is not None and seq.increment > 0:
                    users.setdefault(("%s", (r.q(seq.name),)), []).append((t.name, c.name))
    cur = conn.cursor()
    for (sequence, params), columns in users.items():
        highest = " UNION ALL ".join(f"SELECT max({quote(c)}) FROM {r.q(t)}" for t, c in columns)
        cur.execute(f"SELECT setval(q.seqrelid, top.m) FROM pg_sequence q, (SELECT max(x) AS m FROM ({highest}) "
                    f"AS u(x)) AS top WHERE q.seqrelid = ({sequence})::regclass AND top.m >= q.seqmin", params)


IDENTITY_SEQUENCES = {"postgres": True, "sqlite": False}


def snapshot(conn, engine: str):
    """Read every table of a source in one read transaction: rows written meanwhile are all in the copy or none
    (SQLite: BEGIN where the caller has none open; PostgreSQL: a transaction or savepoint under the schema
    check's search_path, the command line's in REPEATABLE READ).  Yields whether the transaction is this one's
    own (not a caller's, which may hold changes no other connection sees): a second reader may then share it."""
    return _SNAPSHOTS[engine](conn)


@contextlib.contextmanager
def _sqlite_reading(conn):
    began = not conn.in_transaction
    if began:
        try:
            conn.execute("BEGIN")
        except sqlite3.Error as exc:
            raise SchemactlError(f"cannot read the source: {first_line(exc)}; nothing was written") from None
    try:
        yield began
    finally:
        if began and conn.in_transaction:
            conn.execute("ROLLBACK")


@contextlib.contextmanager
def _pg_reading(conn):
    """A PostgreSQL source read in a transaction (a savepoint in a caller's) under the search_path its schema
    was checked with (introspect.postgres.READ_PATH): a caller's session whose path puts another schema first
    read that schema's same-named tables.  Rolled back at the end: the reading changed nothing, and the
    caller's own path comes back with it.  No second reader shares it (yields False)."""
    try:
        tx, _ = pg_read_path_transaction(conn, force_rollback=True)
    except engine_errors() as exc:
        raise SchemactlError(f"cannot read the source: {first_line(exc)}; nothing was written") from None
    try:
        yield False
    finally:
        tx.__exit__(None, None, None)


_SNAPSHOTS = {"sqlite": _sqlite_reading, "postgres": _pg_reading}


class Reading:
    """A copy's read snapshot of its source (see snapshot): ``own``, whether the transaction is the copy's
    own; ``ahead``: the datafast.Ahead reading the first large table meanwhile, or None."""

    def __init__(self, own: bool, ahead: "datafast.Ahead | None" = None):
        self.own, self.ahead = own, ahead


@contextlib.contextmanager
def reading(m: Manifest, src, src_engine: str, reader=None, to_postgres: bool = False) -> Iterator[Reading]:
    """The copy's read snapshot of ``src``, begun now, before the target is opened (cli copy); copy() reads in
    it when given it.  With ``reader`` (a datafast.SecondReader: a SQLite file schemactl opened itself) and a
    PostgreSQL target (``to_postgres``), the first large table's reading begins at once (datafast.Ahead),
    using the core that opening the target leaves idle."""
    with snapshot(src, src_engine) as own:
        ahead = None
        if own and reader is not None and to_postgres and src_engine == "sqlite":
            r = Renderer(m, "sqlite")
            ahead = datafast.Ahead.start(src, reader, [(t, r.q(t.name)) for t in m.tables],
                                         lambda t: _fast_plan(m, t), BATCH)
        try:
            yield Reading(own, ahead)
        finally:
            if ahead is not None:
                ahead.stop()


@contextlib.contextmanager
def _reading_now(src, src_engine: str) -> Iterator[Reading]:
    with snapshot(src, src_engine) as own:
        yield Reading(own)


def copy(m: Manifest, src, src_engine: str, dst, dst_engine: str, progress=None,
         replace: bool = False, reader=None, source: Reading | None = None) -> dict[str, int]:
    """Every table's rows from ``src`` to ``dst`` (see the README).  ``reader``: a datafast.SecondReader for a
    SQLite ``src`` that schemactl opened itself (cli copy), letting a second process read large tables.
    ``source``: the read snapshot reading() began (else one is begun here, after the schema checks)."""
    loose = check_schema(src, src_engine, m, "source")
    check_schema(dst, dst_engine, m, "target")
    counts = {}
    with (contextlib.nullcontext(source) if source is not None else _reading_now(src, src_engine)) as rd, \
            Target(dst, dst_engine, m, replace):
        for t in m.tables:
            fast = _copy_fast(src, dst, m, t, progress, reader if rd.own else None, rd.ahead) \
                if (src_engine, dst_engine) == ("sqlite", "postgres") else None
            if fast is None:
                fast = write_table(dst, dst_engine, m, t, read_table(src, src_engine, m, t, loose=loose), progress,
                                   again=lambda t=t: read_table(src, src_engine, m, t, loose=loose))
            counts[t.name] = fast
        reset_identities(dst, m, dst_engine)
    return counts


# ---------------------------------------------------------------- backup and restore

def backup(m: Manifest, conn, engine: str, path: Path, progress=None) -> dict[str, int]:
    """Write a gzip JSON Lines archive atomically: a header, then per table a line naming it and its rows."""
    loose = check_schema(conn, engine, m, "source")
    counts = {}

    def write(raw) -> None:
        with snapshot(conn, engine), gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
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

    if not Path(path).resolve().parent.is_dir():   # a mistyped directory is not made
        raise SchemactlError(f"cannot write {path}: its directory does not exist; no archive was written")
    try:   # as generate writes its files: journaled, flushed to disk, all or nothing (also when killed)
        atomic_write_all({Path(path): write})
    except OSError as exc:
        raise SchemactlError(f"cannot write {path}: {exc.strerror or exc}; no archive was written") from None
    return counts


def _archive_lines(path: Path) -> Iterator[tuple[int, object]]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for number, text in enumerate(fh, start=1):
                try:
                    value = json.loads(text, parse_constant=_not_json, parse_float=_finite)
                    if _SURROGATE_ESCAPE.search(text):
                        _no_lone_surrogate(value)
                except (ValueError, RecursionError) as exc:
                    why = f" ({exc})" if isinstance(exc, _NotInArchive) else ""
                    raise SchemactlError(f"{path}: line {number} is not JSON{why}; the archive is damaged") from None
                yield number, value
    except (OSError, EOFError, UnicodeDecodeError, zlib.error) as exc:   # gzip.BadGzipFile (bad CRC) is an OSError;
        # a damaged deflate stream is zlib.error
        raise SchemactlError(f"{path}: cannot read the archive ({exc}); it is damaged or not a backup") from None


class _NotInArchive(ValueError):
    """A line JSON's grammar allows but no backup writes."""


def _not_json(name: str):
    raise _NotInArchive(f"{name} is not a JSON number; backup writes non-finite floats as strings")


def _finite(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise _NotInArchive(f"{text} is beyond a double's range")
    return value


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _no_lone_surrogate(value) -> None:
    """A \\uD800-\\uDFFF escape not in a pair: text no engine can store (UTF-8 has no such character)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _NotInArchive("a \\u escape of half a surrogate pair, which is no character") from None
    elif isinstance(value, list):
        for v in value:
            _no_lone_surrogate(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            _no_lone_surrogate(k)
            _no_lone_surrogate(v)


def _damaged(path, number, what) -> SchemactlError:
    return SchemactlError(f"{path}: line {number}: {what}; the archive is damaged, nothing was written")


class _Lookahead:
    """An iterator with one item of lookahead (``peek``)."""

    def __init__(self, items):
        self.items, self.ahead = iter(items), []

    def __iter__(self):
        return self

    def __next__(self):
        return self.ahead.pop() if self.ahead else next(self.items)

    def peek(self):
        if not self.ahead:
            try:
                self.ahead.append(next(self.items))
            except StopIteration:
                return None
        return self.ahead[-1]


def _section_batches(lines, decode) -> Iterator[list[tuple]]:
    """The rows of one table's section (the row lines up to the next line that is not a row), decoded, in
    batches; the line after them stays in ``lines``."""
    rows: list = []
    while (ahead := lines.peek()) is not None and isinstance(ahead[1], list):
        number, values = next(lines)
        rows.append(decode(values, number))
        if len(rows) >= BATCH:
            yield rows
            rows = []
    if rows:
        yield rows


def _section_again(path: Path, start: int, decode):
    """The rows of the section whose table line is ``start``, read from the archive once more (to name the
    row PostgreSQL refused in the table's COPY)."""
    def again():
        lines = _Lookahead(_archive_lines(path))
        for number, _ in lines:
            if number == start:
                break
        return _section_batches(lines, decode)
    return again


def restore(path: Path, m: Manifest, conn, engine: str, force: bool = False,
            replace: bool = False, progress=None) -> dict[str, int]:
    """Restore an archive into an empty database of the manifest's schema, all or nothing."""
    lines = _Lookahead(_archive_lines(path))
    _, header = next(lines, (0, None))
    fmt = READABLE_FORMATS.get(header.get("format")) if isinstance(header, dict) and \
        isinstance(header.get("format"), str) else None
    if fmt is None:
        raise SchemactlError(f"{path}: not a schemactl backup (format {ARCHIVE_FORMAT})")
    want = schema_hash(m)
    if header.get("hash") != want and not force:
        raise SchemactlError(f"{path}: archive was taken from schema {_as_read(header.get('schema'))} "
                             f"{_as_read(header.get('hash'))}, "
                             f"the target manifest is {want}; pass --force to restore anyway")
    listed = header.get("tables")
    if not (isinstance(listed, list) and listed and all(isinstance(x, str) for x in listed)):
        raise _damaged(path, 1, "the header lists no tables")
    # Every table of the manifest, each once: a table left out would stay empty (or, with --truncate, be emptied)
    # while the restore reports success.
    missing = [t.name for t in m.tables if t.name not in listed]
    if missing or len(set(listed)) != len(listed):
        what = (f"it holds no table {', '.join(missing)} of the manifest" if missing else
                "its header lists a table twice")
        raise SchemactlError(f"{path}: line 1: {what}; the archive is damaged or was taken with another manifest, "
                             "nothing was written: restore with the manifest the archive was taken with")
    check_schema(conn, engine, m, "target")
    counts: dict[str, int] = {}

    with Target(conn, engine, m, replace):
        for number, obj in lines:
            if isinstance(obj, dict) and "table" in obj:
                t, decode = _table_start(path, number, obj, m, fmt)
                if t.name in counts:
                    raise _damaged(path, number, f"a second section of table {t.name}")
                # one write per table, as copy does: PostgreSQL checks a foreign key of a COPY at its end, so a
                # row may reference one further on in the table (a batch's COPY alone would refuse it)
                counts[t.name] = write_table(conn, engine, m, t, _section_batches(lines, decode), progress,
                                             again=_section_again(path, number, decode), origin="the archive",
                                             at=lambda n, start=number: f"{path}: line {start + n}: ")
            elif isinstance(obj, dict) and obj.get("end"):
                rows = obj.get("rows")
                if not isinstance(rows, dict) or any(type(v) is not int for v in rows.values()) or rows != counts:
                    raise _damaged(path, number, "row counts do not match the archive's footer")
                if sorted(counts) != sorted(listed):
                    raise _damaged(path, number, f"the archive holds tables {', '.join(sorted(counts)) or 'none'}, "
                                                 f"its header lists {', '.join(map(_as_read, sorted(listed)))}")
                # Read to the end before committing: gzip checks its CRC and length only there, and nothing
                # (rows, a second member, garbage) may follow the footer.
                extra = next(lines, None)
                if extra is not None:
                    raise _damaged(path, extra[0], "content after the footer")
                reset_identities(conn, m, engine)
                return counts
            else:
                raise _damaged(path, number, "unexpected content")
        raise SchemactlError(f"{path}: the archive ends early (no footer); it is damaged, nothing was written")


def _as_read(v) -> str:
    """A text of an archive's header in a message: as it is when printable, else quoted with its line breaks and
    control characters escaped (a hostile archive's "schema" broke the one-line message, or sent a terminal its
    escape sequences)."""
    return v if isinstance(v, str) and v.isprintable() else dv.show(v)


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
