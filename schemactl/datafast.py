"""SQLite -> PostgreSQL copy without per-value Python work: SQLite itself checks each row and spells it as
a line of PostgreSQL's COPY text format.

One SELECT per table yields, for every row, either its COPY line or NULL, and the row's rowid.  The line
is made (one printf per row) only when every value is in a plain form whose meaning in PostgreSQL is
exactly what the neutral path (schemactl.datavalues and datastorage: read from SQLite, check, write to
PostgreSQL) would send: an integer in range, text without NUL, backslash, tab or line break, a numeric
already spelled at its column's scale, an instant as whole milliseconds or seconds in years 1000 to 9999, ...
Any other row -- a value of another type, out of range, spelled differently, not valid UTF-8 -- is read
again by its rowid and goes through the neutral path unchanged, so it is carried or refused exactly as
before (same value, same message).  A column type without such a plain form (float, json, date/time,
arrays, a column in an engine's own type) leaves the whole table to the neutral path.

Python's work per row is collecting the line; per batch, one join, one UTF-8 check and one NUL check.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Callable, Iterator

from . import datastorage as ds, datavalues as dv
from .manifest.model import Manifest, Table
from .naming import quote
from ._copyhelper import BATCH, DONE, FRAME, LEFT_OUT, MAX_FRAME, REFUSED, batch_ok
from .types import INT_RANGES, TIME_UNITS

TAB = "\t"
NULL = r"\N"
# Text that COPY's text format carries as it is: no backslash, tab, line feed or carriage return (the
# NUL check is separate: GLOB stops at a NUL).
_PLAIN = "NOT GLOB '*[\\\t\n\r]*'"
_ROWID = ("rowid", "_rowid_", "oid")


_SQLITE_INTEGERS = (-(1 << 63), (1 << 63) - 1)   # SQLite's INTEGER is a signed 64-bit integer


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# SQLite's date arithmetic (computeYMD) truncates a negative intermediate toward zero before year 400:
# 0300-03-01 comes out as 0300-02-29.  Instants from year 1000 on are spelled exactly (checked day by day up
# to 9999 by tests/datacopy/test_fast.py); earlier ones take the neutral path.
FIRST_FAST_INSTANT = dt.datetime(1000, 1, 1, tzinfo=dv.UTC)


def _instant_bounds(micros: int) -> tuple[int, int]:
    """The integers (in units of ``micros`` microseconds) whose instant SQLite spells exactly and the
    neutral path takes (EPOCH + timedelta; after year 9999 it refuses them)."""
    lo = FIRST_FAST_INSTANT - dv.EPOCH
    hi = dt.datetime.max.replace(tzinfo=dv.UTC) - dv.EPOCH
    unit = dt.timedelta(microseconds=micros)
    return -(-lo // unit), hi // unit


def _text_ok(x: str, plain: bool) -> str:
    return f"typeof({x}) = 'text' AND instr({x}, char(0)) = 0" + (f" AND {x} COLLATE BINARY {_PLAIN}" if plain else "")


def _column(m: Manifest, col: dv.Col, plain: bool = True) -> tuple[str, str, list[str]] | None:
    """(condition, printf conversion, its arguments) of a non-NULL value of ``col``, or None when the
    column type has no plain form here.  The condition holds only for values the neutral path takes
    unchanged; the conversion spells them as PostgreSQL reads the same value.  ``plain=False``: a text
    value's tab, line break, carriage return or backslash is left to grouped_batches, which counts them
    in the batch's lines."""
    x = quote(col.name)
    base = col.base
    if col.array or col.own or col.loose:
        return None
    if base in INT_RANGES:
        lo, hi = INT_RANGES[base]
        if (lo, hi) == _SQLITE_INTEGERS:        # every integer SQLite holds
            return f"typeof({x}) = 'integer'", "%d", [x]
        return f"typeof({x}) = 'integer' AND {x} BETWEEN {lo} AND {hi}", "%d", [x]
    if base == "boolean":                      # 0/1; PostgreSQL reads '0' and '1' as false and true
        return f"typeof({x}) = 'integer' AND {x} BETWEEN 0 AND 1", "%d", [x]
    if base in ("text", "tsvector"):
        cond = _text_ok(x, plain)
        if col.type == "varchar":
            cond += f" AND length({x}) <= {int(col.args[0])}"
        return cond, "%s", [x]
    if base == "char":                         # PostgreSQL pads to character(n) as the neutral path does
        return f"{_text_ok(x, plain)} AND length({x}) <= {int(col.args[0])}", "%s", [x]
    if base == "enum":
        if not col.members or any(re.search(r"[\x00\\\t\n\r]", v) for v in col.members):
            return None
        members = ", ".join(_lit(v) for v in col.members)
        return f"typeof({x}) = 'text' AND {x} COLLATE BINARY IN ({members})", "%s", [x]
    if base == "uuid":                         # canonical (lower-case, hyphenated): what str(UUID(v)) gives
        h = "[0-9a-f]"
        shape = "-".join(h * k for k in (8, 4, 4, 4, 12))
        return (f"typeof({x}) = 'text' AND instr({x}, char(0)) = 0 AND {x} COLLATE BINARY GLOB '{shape}'", "%s",
                [x])
    if base == "bytes":
        return f"typeof({x}) = 'blob'", "\\\\x%s", [f"hex({x})"]
    if base == "numeric":
        if len(col.args) != 2:
            return None
        p, s = (int(a) for a in col.args)
        if not 0 <= s <= p or s > _NUMERIC_DIGITS:
            return None
        return f"typeof({x}) = 'text' AND {numeric_spelled(x, p, s)}", "%s", [x]
    if base == "timestamptz" and m.time_storage in TIME_UNITS:
        per_second = TIME_UNITS[m.time_storage]
        lo, hi = _instant_bounds(1_000_000 // per_second)
        cond = f"typeof({x}) = 'integer' AND {x} BETWEEN {lo} AND {hi}"
        if per_second == 1:
            return cond, "%s+00", [f"datetime({x}, 'unixepoch')"]
        below = f"({x} % {per_second} < 0)"      # SQLite's / and % truncate toward zero: floor them
        digits = len(str(per_second)) - 1
        return (cond, f"%s.%0{digits}d+00",
                [f"datetime({x} / {per_second} - {below}, 'unixepoch')", f"{x} % {per_second} + {per_second} * {below}"])
    return None


# The longest integer part numeric_spelled's SQL spells out (a longer value takes the neutral path), and the
# largest scale it takes (a larger one leaves the table to the neutral path): the SQL grows with both.
_NUMERIC_DIGITS = 30


def numeric_spelled(x: str, p: int, s: int) -> str:
    """SQL true when the text ``x`` is a numeric(p,s) value spelled as PostgreSQL and Decimal spell it:
    -?(0|[1-9][0-9]*) with at most p - s digits (one 0 where p = s), then . and exactly s digits; no -0, no
    leading zero, no blank, no exponent, no NUL.  One GLOB, chosen by the text's length in bytes: every
    pattern matches exactly that many characters, and GLOB stops at a NUL, so a value holding one (whose
    bytes are more than the characters GLOB sees) matches none."""
    frac = "." + "[0-9]" * s if s else ""
    tail = s + 1 if s else 0
    most = min(max(p - s, 1), _NUMERIC_DIGITS)

    def digits(n: int) -> str:
        if n == 1:
            return "[0-9]" if p > s else "0"
        return "[1-9]" + "[0-9]" * (n - 1)

    zero = "-0" + ("." + "0" * s if s else "")
    whens = []
    for n in range(1, most + 2):       # n: the characters before the fraction, a sign among them
        alts = [f"{x} GLOB '{digits(n)}{frac}'"] if n <= most else []
        if n >= 2:
            alts.append(f"({x} GLOB '-{digits(n - 1)}{frac}'" + (
                f" AND {x} <> '{zero}' COLLATE BINARY)" if n == 2 else ")"))
        whens.append(f"WHEN {n + tail} THEN {' OR '.join(alts)}")
    return f"CASE length(CAST({x} AS BLOB)) {' '.join(whens)} ELSE 0 END"


class Plan:
    """The fast SELECT of one table, and the reading of one row again by its rowid.  ``grouped``: for a
    table ordered by one column, the same lines joined by SQLite itself, a batch per query (see
    grouped_batches)."""

    def __init__(self, select: str, again: str, grouped: "Grouped | None" = None):
        self.select, self.again, self.grouped = select, again, grouped


class Grouped:
    """The queries of grouped_batches.  ``batch[bounds]`` and ``rows[bounds]``, where ``bounds`` says which
    of a lower and an upper bound the query takes ("10": lower only, ...): the next batch of joined lines
    (rowids greater than the lower bound, up to the upper bound), and the same rows a line per row (for a
    batch whose joined lines do not pass).  ``count``: the table's row count; ``step``: the rowid of the row
    a given number of rows on in rowid order (the segments' bounds); ``tabs``: the tabs of a line.  Rowid
    order is the order the table's rows are stored in: SQLite reads them without a look-up per row (key
    order went through the key's index, about 7% more of the query's time)."""

    def __init__(self, batch: dict, rows: dict, count: str, step: dict, tabs: int):
        self.batch, self.rows, self.count, self.step, self.tabs = batch, rows, count, step, tabs


def _bounds_of(last, hi) -> str:
    return f"{int(last is not None)}{int(hi is not None)}"


class Redo(Exception):
    """grouped_batches cannot vouch for the rows it sent (they are not the table's row count): the table is
    copied again a line per row."""


def plan(m: Manifest, t: Table, cols: list[dv.Col], name: str, order: str) -> Plan | None:
    """The table's fast SELECT, or None when a column has no plain form (or the table has no rowid)."""
    if t.without_rowid or not cols:
        return None
    taken = {c.name.lower() for c in cols}
    rowid = next((r for r in _ROWID if r not in taken), None)
    if rowid is None:
        return None
    keys = set(t.primary_key.columns) if t.primary_key else set()
    nullable = {c.name for c in t.data_columns if c.nullable and c.name not in keys}
    conds, loose, fmts, args, marks = [], [], [], [], []
    for col in cols:
        spec, unchecked = _column(m, col), _column(m, col, plain=False)
        if spec is None:
            return None
        (cond, fmt, fargs), lcond = spec, unchecked[0]
        x = quote(col.name)
        if col.name in nullable:      # NULL travels as COPY's \N
            value = fargs[0] if fmt in ("%d", "%s") else f"printf({_lit(fmt)}, {', '.join(fargs)})"
            cond, lcond, fmt, fargs = (f"{x} IS NULL OR {cond}", f"{x} IS NULL OR {lcond}", "%s",
                                       [f"CASE WHEN {x} IS NULL THEN {_lit(NULL)} ELSE {value} END"])
            marks.append(f"({x} IS NULL)")
        if col.base == "bytes":       # \\x
            marks.append(f"2 * ({x} IS NOT NULL)")
        conds.append(cond)
        loose.append(lcond)
        fmts.append(fmt)
        args.extend(fargs)
    line = f"printf({_lit(TAB.join(fmts))}, {', '.join(args)})"
    case = f"CASE WHEN {' AND '.join(f'({c})' for c in conds)} THEN {line} END"
    # The backslashes of a line whose text values hold none: \N of a NULL, \\x of bytes.
    marked = " + ".join(marks) or "0"
    select = f"SELECT {case}, {rowid} FROM {name} ORDER BY {order}"
    again = f"SELECT {', '.join(quote(c.name) for c in cols)} FROM {name} WHERE {rowid} = ?"
    grouped = None
    if t.primary_key and len(t.primary_key.columns) == 1 and order == quote(t.primary_key.columns[0]):
        key = rowid
        lower = f"{rowid} > ?"
        upper = f"{rowid} <= ?"
        where = {f"{int(lo)}{int(hi)}": "".join(
            ["WHERE " if lo or hi else "", lower if lo else "", " AND " if lo and hi else "", upper if hi else "",
             " " if lo or hi else ""]) for lo in (0, 1) for hi in (0, 1)}
        rows = f"SELECT {case}, {rowid} FROM {name} {{}}ORDER BY {rowid} LIMIT ?"
        # max(k) makes r the batch's last rowid (SQLite's bare column of max()).
        # Text values are not looked at for tabs, line breaks and backslashes here: grouped_batches counts
        # those of the whole batch (a batch with one too many is read again a line per row, checked).  A row
        # left out is the line LEFT_OUT (not NULL, which group_concat would skip: a count of the lines would
        # be an aggregate more per row), which batch_ok finds in the batch.
        cheap = f"CASE WHEN {' AND '.join(f'({c})' for c in loose)} THEN {line} ELSE char({ord(LEFT_OUT)}) END"
        # A table whose lines mark no backslash leaves the sum out (0): an aggregate less per row.
        marks_of, mark = ("total(e)", f", {marked} AS e") if marks else ("0", "")
        batch = (f"SELECT group_concat(l, char(10)), count(*), max(k), r, {marks_of} FROM (SELECT "
                 f"{cheap} AS l, {key} AS k, {rowid} AS r{mark} FROM {name} {{}}ORDER BY {rowid} LIMIT ?)")
        step = {f"{int(lo)}0": f"SELECT {rowid} FROM {name} {where[f'{int(lo)}0']}ORDER BY {rowid} LIMIT 1 OFFSET ?"
                for lo in (0, 1)}
        grouped = Grouped({b: batch.format(w) for b, w in where.items()}, {b: rows.format(w) for b, w in where.items()},
                          f"SELECT count(*) FROM {name}", step, len(cols) - 1)
    return Plan(select, again, grouped)


def batches(conn, p: Plan, batch: int, slow: Callable[[list, list], list[bytes]]) -> Iterator[tuple[bytes, int]]:
    """(COPY text of a batch of rows, its row count), in the table's order.  ``slow(raw rows, their row
    numbers)`` -> their COPY lines through the neutral path; a row the fast SELECT left out is read again
    by its rowid for it."""
    old = conn.text_factory
    n = 0
    try:
        conn.text_factory = bytes
        cur = conn.cursor()
        cur.execute(p.select)
        while True:
            rows = cur.fetchmany(batch)
            if not rows:
                break
            lines = [r[0] for r in rows]
            try:
                blob = b"\n".join(lines)
                if b"\x00" in blob:
                    raise ValueError
                blob.decode("utf-8")
            except (TypeError, ValueError):     # a row left out (None), a NUL, text that is not UTF-8
                blob = _mixed(conn, p, rows, lines, n, slow, dv.decode_sqlite_text)
                conn.text_factory = bytes
            yield blob + b"\n", len(rows)
            n += len(rows)
        cur.close()
    finally:
        conn.text_factory = old


def grouped_batches(conn, p: Plan, batch: int, slow: Callable[[list, list], list[bytes]],
                    reader: "SecondReader | None" = None, ahead: "Ahead | None" = None,
                    table: str | None = None) -> Iterator[tuple[bytes, int]]:
    """What batches yields, with the lines of a batch joined by SQLite (group_concat): no Python object per
    row.  A batch is the next ``batch`` rows in rowid order after the last batch's last rowid (the rows go
    to PostgreSQL in the order SQLite stores them; the line-per-row path, batches(), sends them in key
    order); when it holds a row the line leaves out (or a NUL, or text that is not UTF-8) it is read again a
    line per row and goes through _mixed.  At the end the rows sent must be the table's row count, else
    Redo.

    ``reader``: ``conn`` is schemactl's own read-only connection to that file, in a read transaction of the
    copy's own.  A table of PARALLEL_FROM_ROWS rows or more is then read in segments, every other one by a
    second process (schemactl._copyhelper) while this one reads the rest, where that is safe: see _helper.

    ``ahead``: the copy's Ahead; when it chose this table (``table``) with this plan, its thread has been
    reading the segments this process reads (the even ones) since before the target was opened: they are
    taken from it as it sends them, and read here from where it stopped short."""
    g = p.grouped
    old = conn.text_factory
    n = 0
    helper = None
    early = ahead.of(table, p, batch) if ahead is not None and table is not None else None
    chosen = early is not None
    try:
        conn.text_factory = bytes
        total = conn.execute(g.count).fetchone()[0]
        segments = [(None, None)]
        if early is not None and early.total != total:    # not the rows it read: read here
            ahead.stop()
            early = None
        if early is not None:
            segments = early.segments
            if reader is not None and len(segments) > 1:
                helper = _helper_of(reader, g, batch, segments)
        elif reader is not None and total >= PARALLEL_FROM_ROWS:
            helper, segments = _helper(conn, p, batch, total, reader)
        for j, (lo, hi) in enumerate(segments):
            if early is not None and early.reads(j):
                if j % 2 and helper is not None:   # the thread took the second reader's last segments over
                    helper.stop()
                    helper = None
                # the thread's batches as they come; where it stopped short (or never came), the rest is read here
                done, lo, rows = yield from early.segment(j, lo)
                n += rows
                if done:
                    continue
            elif helper is not None and j % 2:
                # the helper's batches as they come; where it stops short, the rest of the segment is read here
                sent = helper.segment()
                for blob, rows, _ in sent:
                    yield blob, rows
                    n += rows
                if sent.complete or (sent and sent[-1][2] is None):   # (no last key: where the segment ends)
                    continue
                lo = sent[-1][2] if sent else lo
            for blob, rows in _segment(conn, p, batch, slow, lo, hi, n):
                yield blob, rows
                n += rows
        if n != total:
            raise Redo
    finally:
        conn.text_factory = old
        if helper is not None:
            helper.stop()
        if chosen:
            ahead.stop()


def _segment(conn, p: Plan, batch: int, slow, lo, hi, n: int) -> Iterator[tuple[bytes, int]]:
    """The batches of the rows with rowids after ``lo`` up to ``hi`` (None: from the first, to the last);
    ``n``: the rows sent before them."""
    g = p.grouped
    last = lo
    while True:
        bounds = _bounds_of(last, hi)
        args = tuple(x for x in (last, hi) if x is not None) + (batch,)
        blob, rows, _, last, marks = conn.execute(g.batch[bounds], args).fetchone()
        if not rows:
            return
        # Every tab, line feed and backslash where the lines put one (so no text value holds one).
        if not batch_ok(blob, rows, marks, g.tabs):
            # a row left out, a NUL, a text value to escape, text that is not UTF-8
            got = conn.execute(g.rows[bounds], args).fetchall()
            if len(got) != rows:
                raise Redo
            blob = _mixed(conn, p, got, [r[0] for r in got], n, slow, dv.decode_sqlite_text)
            conn.text_factory = bytes
        yield blob + b"\n", rows
        n += rows
        if rows < batch or last is None:
            return


# ---------------------------------------------------------------- a second reader for large tables

PARALLEL_FROM_ROWS = 200_000     # below this, starting the helper costs more than it saves
SEGMENT_BYTES = 8 << 20          # about this much of the file per segment (the helper holds one in memory) ...
SEGMENT_ROWS = (1_000, 50_000)   # ... within these row counts
SILENCE_S = 120.0                # a helper that sends nothing for this long is given up (its segments read here)
_HELPER = Path(__file__).with_name("_copyhelper.py")


class SecondReader:
    """A SQLite source file a second process may read: its path and its identity (device, inode) as schemactl
    opened it.  Only for a connection schemactl opened itself, read-only, on a plain file (see of_file): a
    caller's connection may see what another cannot (a temporary table of the same name, rows in memory, a
    file opened without locks)."""

    def __init__(self, path: str, identity: tuple[int, int]):
        self.path, self.identity = path, identity

    @classmethod
    def of_file(cls, path: str, before) -> "SecondReader | None":
        """``before``: os.stat(path) taken before the connection was opened; None when the file changed
        meanwhile (renamed over, replaced) or cannot be looked at."""
        import os
        try:
            after = os.stat(path)
        except OSError:
            return None
        if before is None or (before.st_dev, before.st_ino) != (after.st_dev, after.st_ino):
            return None
        return cls(os.path.abspath(path), (after.st_dev, after.st_ino))

    def uri(self) -> str:
        from .dburl import sqlite_uri
        return sqlite_uri(self.path, "ro")


def helper_usable(conn) -> bool:
    """A second reader can run: a POSIX system (its pipe is waited on with select, which takes only sockets on
    Windows), two cores or more (this process may use), a Python to start (not a frozen application), not
    SCHEMACTL_NO_FORK=1, and a rollback journal (in WAL mode a second connection may read a later snapshot:
    only a rollback journal keeps writers from committing while the copy's read transaction holds its
    shared lock)."""
    import os
    import sys
    from .cores import second_process_allowed
    if os.name != "posix" or not second_process_allowed() or getattr(sys, "frozen", False) \
            or not sys.executable or not _HELPER.is_file():
        return False
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    return (mode.decode() if isinstance(mode, bytes) else str(mode)).lower() != "wal"


def _segment_rows(conn, total: int) -> int:
    """Rows per segment: SEGMENT_BYTES of the database file's bytes per row (all tables': an upper bound)."""
    size = conn.execute("PRAGMA page_count").fetchone()[0] * conn.execute("PRAGMA page_size").fetchone()[0]
    lo, hi = SEGMENT_ROWS
    return max(lo, min(hi, SEGMENT_BYTES * total // max(size, 1)))


def _helper(conn, p: Plan, batch: int, total: int, reader: SecondReader) -> tuple["_Helper | None", list[tuple]]:
    """(the second reader, the segments: (lower rowid, upper rowid)), or (None, one segment) where there is
    none (see helper_usable) or it cannot start."""
    if not helper_usable(conn):
        return None, [(None, None)]
    segments = _cuts(conn, p.grouped, total)
    return (_helper_of(reader, p.grouped, batch, segments) if len(segments) > 1 else None), segments


def _cuts(conn, g: Grouped, total: int) -> list[tuple]:
    """The segments of a table of ``total`` rows: (lower rowid, upper rowid), None at the ends."""
    size = _segment_rows(conn, total)
    cuts: list = []
    while len(cuts) < total // size:
        args = (cuts[-1], size - 1) if cuts else (size - 1,)
        found = conn.execute(g.step["10" if cuts else "00"], args).fetchone()
        if found is None or found[0] is None:
            break
        cuts.append(found[0])
    return list(zip([None, *cuts], [*cuts, None]))


def _helper_of(reader: SecondReader, g: Grouped, batch: int, segments: list[tuple]) -> "_Helper | None":
    """The second reader of the odd segments, or None when it cannot start."""
    try:
        return _Helper(reader, g, batch, segments[1::2])
    except OSError:
        return None


class _Sent(list):
    """A segment's batches as the helper sent them: (COPY text, rows, rowid of a row with the batch's last
    key); ``complete``: it sent the whole segment (else the rest is read from after the last batch)."""
    complete = False


class _Helper:
    """The running second reader: its segments' batches, in order, as it sends them."""

    def __init__(self, reader: SecondReader, g: Grouped, batch: int, segments: list[tuple]):
        import json
        import os
        import subprocess
        import sys
        self.proc = subprocess.Popen([sys.executable, "-I", "-S", str(_HELPER)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.alive = True
        self.left = len(segments)     # segments it has still to send
        self.fd = self.proc.stdout.fileno()
        if sys.platform.startswith("linux"):
            try:
                import fcntl
                fcntl.fcntl(self.fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)   # room for a batch or two
            except OSError:
                pass
        job = {"uri": reader.uri(), "path": reader.path, "file": list(reader.identity), "queries": g.batch,
               "batch": batch, "tabs": g.tabs, "segments": segments}
        try:
            self.proc.stdin.write(json.dumps(job).encode("utf-8", "surrogatepass"))
            self.proc.stdin.close()
        except (OSError, ValueError):
            self.stop()
        self._os = os

    def _read(self, size: int) -> bytes:
        import select
        out = bytearray()
        while len(out) < size:
            ready, _, _ = select.select([self.fd], [], [], SILENCE_S)
            if not ready:
                raise EOFError("the helper fell silent")
            chunk = self._os.read(self.fd, min(size - len(out), 1 << 20))
            if not chunk:
                raise EOFError("the helper ended")
            out += chunk
        return bytes(out)

    def segment(self) -> _Sent:
        """The next segment's batches, as far as the helper sent them (all, with ``complete``; none when it
        refused the segment -- a line to check value by value -- or failed; after a failure it is asked for
        nothing more)."""
        out = _Sent()
        if not self.alive:
            return out
        try:
            while True:
                kind, rows, length, has_last, last = FRAME.unpack(self._read(FRAME.size))
                if kind in (DONE, REFUSED) and rows == length == 0:
                    self.left -= 1
                    out.complete = kind == DONE
                    return out
                if kind != BATCH or not 0 < rows <= length <= MAX_FRAME:
                    raise ValueError("not a frame")
                out.append((self._read(length), rows, last if has_last else None))
        except (OSError, EOFError, ValueError, OverflowError, MemoryError):
            self.stop()
            return out

    def stop(self) -> None:
        """Waits for it to end when it has sent everything (briefly), else ends it."""
        import subprocess
        if self.alive and self.left == 0:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.alive = False
        if self.proc.poll() is None:
            self.proc.kill()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        self.proc.wait()


AHEAD_BYTES = 32 << 20    # COPY text the thread holds at most beyond the segment the copy is taking


class _Part:
    """One segment's batches as the thread sends them: items ((COPY text, rows, rowid of a row with the last
    key), size), then ``end``: True (all of it) or False (stopped short: the copy reads on from the last batch
    sent)."""

    def __init__(self):
        import collections
        self.items: collections.deque = collections.deque()
        self.end: bool | None = None


class Ahead:
    """The copy's first large table (PARALLEL_FROM_ROWS rows or more, with joined batches) read by a thread of
    this process from before the target is opened: psycopg's import, the connection and both schema checks
    leave a core idle, and SQLite reads without holding Python's lock.  The thread reads the segments this
    process would read (the even ones; the second reader, _copyhelper, reads the odd ones once the copy
    reaches the table), then, while the second reader is still at work, takes its last segments over, from
    the end back, as far as the copy has not yet asked the second reader for them (the copy then ends the
    second reader: it has nothing left to send that is needed).  One thread: two connections reading at once
    in one process wait on each other (SQLite's own locks), two processes do not.

    The thread reads on a read-only connection of its own to the file the copy has open, whose read
    transaction began while the copy's held the shared lock (rollback journal only, as for _copyhelper: no
    writer commits in between), so it reads the same rows.  Its batches wait in memory: beyond the segment
    the copy is taking, AHEAD_BYTES at most.  It stops a segment at the first batch batch_ok does not vouch for
    (the copy reads that segment on from there, checking values as it always does) and goes on with the next;
    at an error or a stop it ends, and the copy reads whatever it did not send.  Whatever becomes of it, the
    rows copied are the same."""

    def __init__(self, reader: SecondReader, tables, plan_of: Callable, batch: int):
        import threading
        self.table = self.plan = self.total = self.segments = None
        self.batch = batch
        self.parts: dict[int, _Part] = {}   # segment -> what the thread sent of it, until the copy took it
        self.stolen: set[int] = set()       # odd segments the thread took over from the second reader
        self.floor = -1                     # the copy asked the second reader for the segments up to this one
        self.taking = 0                     # the segment the copy takes now
        self.held = 0
        self.stopping = False
        self.alive = True
        self.cond = threading.Condition()
        self.ready = threading.Event()
        self.conn = None
        self.thread = threading.Thread(target=self._run, args=(reader, list(tables), plan_of), daemon=True,
                                       name="schemactl-ahead")
        self.thread.start()

    @classmethod
    def start(cls, conn, reader: SecondReader, tables, plan_of: Callable, batch: int) -> "Ahead | None":
        """A thread reading ahead, or None where a second reader may not (helper_usable).  ``conn``: the
        copy's own connection, in its read transaction, which takes the shared lock here (before the
        thread's reading begins); ``tables``: (table, its name as SQLite SQL) in the copy's order;
        ``plan_of(table)``: the copy's Plan of it."""
        if not helper_usable(conn):
            return None
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return cls(reader, tables, plan_of, batch)

    def _run(self, reader: SecondReader, tables, plan_of) -> None:
        import os
        import sqlite3
        mine: list[_Part] = []     # the segment the thread reads now
        try:
            self.conn = conn = sqlite3.connect(reader.uri(), uri=True, timeout=0, isolation_level=None,
                                               check_same_thread=False)
            conn.text_factory = bytes
            conn.execute("BEGIN")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()   # the shared lock, to the end
            now = os.stat(reader.path)
            if (now.st_dev, now.st_ino) != reader.identity:
                return                     # not the file the copy reads
            for t, name in tables:    # counted first: a plan is made for a large table only
                if self.stopping:
                    return
                total = conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
                p = plan_of(t) if total >= PARALLEL_FROM_ROWS else None
                if p is not None and p.grouped is not None:
                    break
            else:
                return
            self.segments = _cuts(conn, p.grouped, total)
            self.table, self.plan, self.total = t.name, p, total
            self.ready.set()
            for j in range(0, len(self.segments), 2):
                if not self._segment(conn, p.grouped, j, mine):
                    return
            last_odd = len(self.segments) - 1 - (len(self.segments) % 2)
            for j in range(last_odd, 0, -2):     # the second reader's last segments, from the end back
                with self.cond:
                    if j <= self.floor or self.stopping:
                        return
                    self.stolen.add(j)
                if not self._segment(conn, p.grouped, j, mine):
                    return
        except Exception:   # noqa: BLE001 -- whatever stops the thread, the copy reads on itself
            pass
        finally:
            self.ready.set()
            with self.cond:
                for part in mine:
                    if part.end is None:
                        part.end = False   # stopped short: the copy reads on from its last batch
                self.alive = False
                self.cond.notify_all()
            if self.conn is not None:
                self.conn.close()

    def _segment(self, conn, g: Grouped, j: int, mine: list) -> bool:
        """Reads segment ``j`` into its part; False when stopped."""
        with self.cond:
            part = self.parts[j] = _Part()
            mine[:] = [part]
            self.cond.notify_all()
        batch = self.batch
        lo, hi = self.segments[j]
        last, complete = lo, True
        while True:
            args = tuple(x for x in (last, hi) if x is not None) + (batch,)
            blob, rows, _, last, marks = conn.execute(g.batch[_bounds_of(last, hi)], args).fetchone()
            if not rows:
                break
            if not batch_ok(blob, rows, marks, g.tabs):
                complete = False        # the copy reads this segment on from the last batch sent
                break
            if not self._send(j, part, (blob + b"\n", rows, last), len(blob)):
                return False
            if rows < batch or last is None:
                break
        with self.cond:
            part.end = complete
            self.cond.notify_all()
        return True

    def _send(self, j: int, part: _Part, item: tuple, size: int) -> bool:
        with self.cond:
            # the segment the copy takes now always has room: it waits for nothing else
            while not self.stopping and j != self.taking and self.held and self.held + size > AHEAD_BYTES:
                self.cond.wait()
            if self.stopping:
                return False
            part.items.append((item, size))
            self.held += size
            self.cond.notify_all()
            return True

    def of(self, table: str, p: Plan, batch: int) -> "Ahead | None":
        """This, when the thread reads ``table`` with the same queries; None otherwise (it goes on)."""
        self.ready.wait()
        if self.segments is None or self.table != table or batch != self.batch \
                or self.plan.grouped.batch != p.grouped.batch:
            return None
        return self

    def reads(self, j: int) -> bool:
        """Whether segment ``j`` is the thread's (an even one, or an odd one it took over); an odd one it did
        not take is the second reader's from now on."""
        if j % 2 == 0:
            return True
        with self.cond:
            if j in self.stolen:
                return True
            self.floor = max(self.floor, j)
            return False

    def segment(self, j: int, lo):
        """Yields the batches of segment ``j`` as the thread sends them; returns (complete, the rowid to read on
        from, rows sent).  A segment the thread never came to (it ended) is (False, ``lo``, 0)."""
        sent = 0
        with self.cond:
            self.taking = j
            self.cond.notify_all()
            while j not in self.parts and self.alive:
                self.cond.wait()
            part = self.parts.get(j)
        if part is None:
            return False, lo, 0
        while True:
            with self.cond:
                while not part.items and part.end is None:
                    self.cond.wait()
                if part.items:
                    item, size = part.items.popleft()
                    self.held -= size
                    self.cond.notify_all()
                else:
                    del self.parts[j]
                    return part.end is True, lo, sent
            blob, rows, lo = item
            sent += rows
            yield blob, rows

    def stop(self) -> None:
        """Ends the thread (at once: a query under way is interrupted) and drops what it read."""
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
        conn = self.conn
        if conn is not None and self.thread.is_alive():
            try:
                conn.interrupt()
            except Exception:   # noqa: BLE001 -- closed meanwhile
                pass
        self.thread.join()
        with self.cond:
            self.parts.clear()
            self.held = 0


def _fast_line(line) -> bool:
    if type(line) is not bytes or b"\x00" in line:
        return False
    try:
        line.decode("utf-8")
    except ValueError:
        return False
    return True


def _mixed(conn, p: Plan, rows, lines, n: int, slow, factory) -> bytes:
    """A batch where some rows take the neutral path: their raw values are read again by rowid (text as
    read_table reads it: ``factory``)."""
    conn.text_factory = factory
    keep = [_fast_line(line) for line in lines]
    todo = [(i, conn.execute(p.again, (r[1],)).fetchone()) for i, (r, ok) in enumerate(zip(rows, keep)) if not ok]
    done = iter(slow([raw for _, raw in todo], [n + i + 1 for i, _ in todo]))
    return b"\n".join(line if ok else next(done) for line, ok in zip(lines, keep))
