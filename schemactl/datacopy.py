"""Moving rows between engines through the portable types: copy, backup, restore.

Every value goes through a neutral Python form chosen by its column's literal
kind (the type registry's ``value``): exact decimals as Decimal, instants as
aware UTC datetimes, JSON as parsed values, bytes as bytes.  ``READ`` turns
what an engine returns into that form, ``WRITE`` turns it into what the engine
stores, and ``ARCHIVE``/``UNARCHIVE`` into JSON for backups.  All three are
tables of small functions, one row per kind.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterator

from .render.ddl import Renderer, schema_of
from .errors import SchemactlError
from .literals import iso_utc
from .manifest.hashing import schema_hash
from .manifest.model import Manifest, Table
from .types import TIME_UNITS, element_kind
from .naming import quote

UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
BATCH = 5000
ARCHIVE_FORMAT = "schemactl-backup/1"


def _kind(m: Manifest, t: Table, col: str) -> str:
    """The column's literal kind; a kind whose values depend on a parameter carries it (``char(3)``), an
    array's ends in ``[]`` (``char(3)[]``, ``int32[]``)."""
    ref = t.column(col).type
    kind = "enum" if ref.enum else ref.element.row.value
    if f"{kind}(n)" in PARAMETERISED:
        kind += f"({ref.args[0]})"
    return kind + ("[]" if ref.array else "")


def _pad(n: int) -> Callable:
    """character(n): PostgreSQL pads with blanks to n; the same text everywhere, a longer value refused."""
    def pad(v: str) -> str:
        if len(v) > n:
            raise SchemactlError(f"value {v!r} has {len(v)} characters, more than character({n}) holds; "
                                 "PostgreSQL would refuse it or cut its trailing blanks")
        return v.ljust(n)
    return pad


# Kinds whose functions take the kind's parameter: "char(n)" -> n -> function (in every table below).
PARAMETERISED = {"char(n)": _pad}


def _units_to_dt(storage: str) -> Callable:
    """A SQLite timestamptz reader: integers in the storage's units (ms, s), or ISO text."""
    micros = 1_000_000 // TIME_UNITS.get(storage, 1000)     # exact integer arithmetic, no float
    return lambda v: EPOCH + dt.timedelta(microseconds=int(v) * micros) if isinstance(v, int) else _iso_to_dt(v)


def _iso_to_dt(v: str) -> dt.datetime:
    t = dt.datetime.fromisoformat(v)
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(UTC)


# engine value -> neutral (None stays None)
READ: dict[str, dict[str, Callable]] = {
    "sqlite": {
        "boolean": bool, "numeric": lambda v: Decimal(str(v)), "json": json.loads, "bytes": bytes,
        "date": dt.date.fromisoformat, "time": dt.time.fromisoformat, "timestamp": dt.datetime.fromisoformat,
        "timestamptz": _units_to_dt("integer_ms"),
        "uuid": lambda v: str(v).lower(), **PARAMETERISED,
    },
    "postgres": {
        "uuid": str, "bytes": bytes, "timestamptz": lambda v: v.astimezone(UTC), "enum": str,
    },
}


# engine -> manifest -> its readers (SQLite reads instants in the manifest's timestamptz storage)
READERS = {
    "sqlite": lambda m: {**READ["sqlite"], "timestamptz": _units_to_dt(m.time_storage)},
    "postgres": lambda m: READ["postgres"],
}


def _readers(m: Manifest, engine: str) -> dict[str, Callable]:
    """engine value -> neutral, for this manifest."""
    return READERS[engine](m)


def _sqlite_timestamptz(m: Manifest):
    if m.time_storage == "integer_s":   # whole seconds only: a finer value is refused, never truncated
        return _whole_seconds
    if m.time_storage == "integer_ms":
        return lambda v: (v - EPOCH) // dt.timedelta(milliseconds=1)
    return lambda v: iso_utc(v.astimezone(UTC))


def _whole_seconds(v: dt.datetime) -> int:
    seconds, rest = divmod(v - EPOCH, dt.timedelta(seconds=1))
    if rest:
        raise SchemactlError(f"timestamptz value {v.isoformat()} has a fraction of a second, which SQLite's "
                             "integer_s storage (Unix seconds) cannot hold; use sqlite.timestamptz: integer_ms "
                             "or iso_text, or round the values at the source")
    return seconds


def _sqlite_writers(m: Manifest) -> dict[str, Callable]:
    return {
        "boolean": int, "numeric": lambda v: format(v, "f"),
        "json": lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":")),
        "date": dt.date.isoformat, "time": dt.time.isoformat,
        "timestamp": lambda v: v.isoformat(sep=" "), "timestamptz": _sqlite_timestamptz(m), **PARAMETERISED,
    }


def _postgres_writers(m: Manifest) -> dict[str, Callable]:
    from psycopg.types.json import Jsonb   # psycopg adapts every other neutral value itself
    return {"json": Jsonb, **PARAMETERISED}


WRITERS = {"sqlite": _sqlite_writers, "postgres": _postgres_writers}


def _writers(m: Manifest, engine: str) -> dict[str, Callable]:
    """neutral -> what the engine stores."""
    return WRITERS[engine](m)


# neutral <-> JSON for archives
ARCHIVE: dict[str, Callable] = {
    "numeric": lambda v: format(v, "f"), "bytes": lambda v: base64.b64encode(v).decode(),
    "date": dt.date.isoformat, "time": dt.time.isoformat, "timestamp": dt.datetime.isoformat,
    "timestamptz": lambda v: v.isoformat(), **PARAMETERISED,
}
UNARCHIVE: dict[str, Callable] = {
    "numeric": Decimal, "bytes": base64.b64decode, "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat, "timestamp": dt.datetime.fromisoformat, "timestamptz": _iso_to_dt,
    **PARAMETERISED,
}


def _each(f: Callable | None) -> Callable:
    """A function of one value applied to every element of a list (NULL elements stay None)."""
    return lambda v: [x if x is None or f is None else f(x) for x in v]


def _json_array(v: list) -> str:
    try:
        return json.dumps(v, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:
        raise SchemactlError(f"array {v!r} holds NaN or infinity, which a JSON array on SQLite cannot") from None


def _pg_json_element(v):
    from psycopg.types.json import Json   # one element of a json[]/jsonb[] (a list stays one value)
    return Json(v)


# Arrays: (what, engine) -> the element kind's function of that table -> the array's function.  SQLite holds
# a JSON array of the elements in their archive (JSON) form; PostgreSQL arrays are Python lists both ways.
ARRAYS: dict[tuple[str, str | None], Callable] = {
    ("read", "sqlite"): lambda elem, m: lambda v: _each(_fn(UNARCHIVE, elem))(json.loads(v)),
    ("write", "sqlite"): lambda elem, m: lambda v: _json_array(_each(_fn(ARCHIVE, elem))(v)),
    ("read", "postgres"): lambda elem, m: _each(_fn(_readers(m, "postgres"), elem)),
    ("write", "postgres"): lambda elem, m: _each(_pg_json_element if elem == "json" else
                                                 _fn(_writers(m, "postgres"), elem)),
    ("archive", None): lambda elem, m: _each(_fn(ARCHIVE, elem)),
    ("unarchive", None): lambda elem, m: _each(_fn(UNARCHIVE, elem)),
}


def _fn(table: dict, kind: str) -> Callable | None:
    """The table's function for a kind without array (``char(3)`` takes its parameter)."""
    base, _, arg = kind.partition("(")
    if arg and f"{base}(n)" in table:
        return table[f"{base}(n)"](int(arg.rstrip(")")))
    return table.get(kind)


def _pick(table: dict, kind: str, what: str, engine: str | None, m: Manifest | None = None) -> Callable | None:
    """The function for a column of this kind: the table's own, or for an array the element's, per element."""
    elem = element_kind(kind)
    return _fn(table, kind) if elem is None else ARRAYS[(what, engine)](elem, m)


def _convert(fns: list) -> Callable:
    def row(values):
        return tuple(v if v is None or f is None else f(v) for f, v in zip(fns, values))
    return row


# ---------------------------------------------------------------- reading and writing

def read_table(conn, engine: str, m: Manifest, t: Table, batch: int = BATCH) -> Iterator[list[tuple]]:
    cols = [c.name for c in t.data_columns]
    readers = _readers(m, engine)
    convert = _convert([_pick(readers, _kind(m, t, c), "read", engine, m) for c in cols])
    order = ", ".join(quote(c) for c in (t.primary_key.columns if t.primary_key else cols[:1]))
    name = Renderer(m, engine).q(t.name)
    cur = conn.cursor()
    cur.execute(f"SELECT {', '.join(quote(c) for c in cols)} FROM {name} ORDER BY {order}")
    while True:
        rows = cur.fetchmany(batch)
        if not rows:
            break
        yield [convert(r) for r in rows]
    cur.close()


def _write_copy(conn, name: str, col_list: str, n_cols: int, rows: list) -> None:
    """PostgreSQL: one COPY … FROM STDIN per batch (far faster than INSERTs)."""
    with conn.cursor().copy(f"COPY {name} ({col_list}) FROM STDIN") as cp:
        for r in rows:
            cp.write_row(r)


def _write_insert(conn, name: str, col_list: str, n_cols: int, rows: list) -> None:
    conn.executemany(f"INSERT INTO {name} ({col_list}) VALUES ({', '.join('?' * n_cols)})", rows)


WRITE_BATCH = {"postgres": _write_copy, "sqlite": _write_insert}


def write_table(conn, engine: str, m: Manifest, t: Table, batches, progress=None) -> int:
    cols = [c.name for c in t.data_columns]
    writers = _writers(m, engine)
    convert = _convert([_pick(writers, _kind(m, t, c), "write", engine, m) for c in cols])
    col_list = ", ".join(quote(c) for c in cols)
    name = Renderer(m, engine).q(t.name)
    n = 0
    for rows in batches:
        WRITE_BATCH[engine](conn, name, col_list, len(cols), [convert(r) for r in rows])
        n += len(rows)
        if progress:
            progress(t.name, n)
    return n


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


def _sqlite_begin(conn) -> None:
    conn.isolation_level = None
    conn.execute("PRAGMA foreign_keys = ON")         # enforced (outside the transaction: a no-op inside)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("PRAGMA defer_foreign_keys = ON")   # checked at COMMIT, so tables load in any order


def _sqlite_end(conn, ok: bool) -> None:
    if not ok:
        conn.execute("ROLLBACK")
        return
    broken = conn.execute("PRAGMA foreign_key_check").fetchall()
    if broken:   # orphan rows: refused whole, never committed
        conn.execute("ROLLBACK")
        raise SchemactlError(f"{len(broken)} row(s) would violate foreign keys (first: table {broken[0][0]}, rowid "
                             f"{broken[0][1]}, referencing {broken[0][2]}); nothing was written")
    conn.execute("COMMIT")


def _dbapi_end(conn, ok: bool) -> None:
    conn.commit() if ok else conn.rollback()


# How a target transaction starts and ends (psycopg opens one implicitly).
BEGIN = {"sqlite": _sqlite_begin, "postgres": lambda conn: None}
END = {"sqlite": _sqlite_end, "postgres": _dbapi_end}


class Target:
    """One transaction on the target database: all rows or none."""

    def __init__(self, conn, engine: str):
        self.conn, self.engine = conn, engine

    def __enter__(self):
        BEGIN[self.engine](self.conn)
        return self

    def __exit__(self, kind, exc, tb):
        END[self.engine](self.conn, kind is None)
        return False


def check_target(conn, engine: str, m: Manifest) -> None:
    """Refuse to write into a schema that differs from the manifest (the parity gate's diff)."""
    from .diff import diff
    from .expect import expect
    from .introspect import introspect
    findings = diff(expect(m, engine), introspect(conn, engine, schema_of(m, engine)))
    conn.rollback()  # end the read transaction psycopg opened (a no-op on sqlite3)
    if findings:
        listed = "\n  ".join(f"{f.code} {f.message}" for f in findings[:20])
        err = SchemactlError(f"the target schema differs from the manifest; nothing was written:\n  {listed}")
        err.exit_code = 1
        raise err


def copy(m: Manifest, src, src_engine: str, dst, dst_engine: str, progress=None) -> dict[str, int]:
    check_target(dst, dst_engine, m)
    counts = {}
    with Target(dst, dst_engine):
        for t in m.tables:
            counts[t.name] = write_table(dst, dst_engine, m, t, read_table(src, src_engine, m, t), progress)
        reset_identities(dst, m, dst_engine)
    return counts


# ---------------------------------------------------------------- backup and restore

def backup(m: Manifest, conn, engine: str, path: Path) -> dict[str, int]:
    """Write a gzip JSON Lines archive atomically: a header, then per table a line naming it and its rows."""
    counts = {}
    fd, tmp = tempfile.mkstemp(prefix=f".{Path(path).name}.", dir=str(Path(path).resolve().parent))
    try:
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            def line(obj):
                gz.write((json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode())
            line({"format": ARCHIVE_FORMAT, "schema": m.name, "hash": schema_hash(m),
                  "tables": [t.name for t in m.tables]})
            for t in m.tables:
                kinds = [_kind(m, t, c.name) for c in t.data_columns]
                encode = _convert([_pick(ARCHIVE, k, "archive", None) for k in kinds])
                line({"table": t.name, "columns": [c.name for c in t.data_columns], "kinds": kinds})
                n = 0
                for rows in read_table(conn, engine, m, t):
                    for r in rows:
                        line(encode(r))
                    n += len(rows)
                counts[t.name] = n
            line({"end": True, "rows": counts})
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return counts


def _archive_lines(path: Path) -> Iterator[object]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for number, text in enumerate(fh, start=1):
                try:
                    yield json.loads(text)
                except ValueError:
                    raise SchemactlError(f"{path}: line {number} is not JSON; the archive is damaged") from None
    except (OSError, EOFError, UnicodeDecodeError) as exc:   # gzip.BadGzipFile (a bad CRC too) is an OSError
        raise SchemactlError(f"{path}: cannot read the archive ({exc}); it is damaged or not a backup") from None


def restore(path: Path, m: Manifest, conn, engine: str, force: bool = False) -> dict[str, int]:
    """Restore an archive into an empty database of the manifest's schema, all or nothing."""
    lines = _archive_lines(path)
    header = next(lines, None)
    if not isinstance(header, dict) or header.get("format") != ARCHIVE_FORMAT:
        raise SchemactlError(f"{path}: not a schemactl backup (format {ARCHIVE_FORMAT})")
    want = schema_hash(m)
    if header.get("hash") != want and not force:
        raise SchemactlError(f"{path}: archive was taken from schema {header.get('schema')} {header.get('hash')}, "
                             f"the target manifest is {want}; pass --force to restore anyway")
    check_target(conn, engine, m)
    counts: dict[str, int] = {}
    state = {"table": None, "rows": [], "decode": None}

    def flush():
        t = state["table"]
        if t is not None:
            added = write_table(conn, engine, m, t, [state["rows"]]) if state["rows"] else 0
            counts[t.name] = counts.get(t.name, 0) + added
        state["rows"] = []

    with Target(conn, engine):
        for obj in lines:
            if isinstance(obj, dict) and "table" in obj:
                flush()
                t = m.table(obj["table"])
                if t is None or obj["columns"] != [c.name for c in t.data_columns]:
                    raise SchemactlError(f"{path}: table {obj['table']} does not match the manifest")
                state["table"], state["decode"] = t, _convert([_pick(UNARCHIVE, k, "unarchive", None)
                                                             for k in obj["kinds"]])
            elif isinstance(obj, dict) and obj.get("end"):
                flush()
                if obj.get("rows") != counts:
                    raise SchemactlError(f"{path}: row counts do not match the archive's footer; it is damaged")
                # Read to the end before committing: gzip checks its CRC and length only there, and nothing
                # (rows, a second member, garbage) may follow the footer.
                if next(lines, None) is not None:
                    raise SchemactlError(f"{path}: content after the footer; the archive is damaged")
                reset_identities(conn, m, engine)
                return counts
            elif isinstance(obj, list) and state["table"] is not None:
                state["rows"].append(state["decode"](obj))
                if len(state["rows"]) >= BATCH:
                    flush()
            else:
                raise SchemactlError(f"{path}: unexpected content; the archive is damaged")
        raise SchemactlError(f"{path}: the archive ends early (no footer); it is damaged")
