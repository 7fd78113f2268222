"""Values of copy, backup and restore: one neutral Python form per portable type, checked at every step.

Neutral forms: text, enum, character(n), tsvector and uuid as str (uuid canonical), boolean as bool,
integers as int, floats as float, numeric as Decimal, date/time/timestamp as naive date/time/datetime,
timestamptz as an aware UTC datetime, json and jsonb as their JSON *text* (json keeps its exact text,
jsonb PostgreSQL's canonical text; JSON ``null`` is the text ``null``, never SQL NULL), bytes as bytes,
arrays as lists of those (None for a NULL element).

This module holds the checks of a value against its column (SQLite enforces no type, an archive can be
damaged) and the conversion of whole rows; schemactl.datastorage holds how each engine and the archive
store a value.  A function raises BadValue with what is wrong and the way out; :func:`converter` adds the
table, row and column.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import re
import struct
import uuid as uuidlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from .errors import SchemactlError
from .manifest.model import Manifest, Table
from .typedconst import uuid_text
from .typekeys import pg_type
from .types import INT_RANGES, TIME_UNITS

UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
_WIDE = decimal.Context(prec=2100)           # numeric(p,s) holds up to 1000 digits on each side


class BadValue(ValueError):
    """What is wrong with one value and how to fix it (the caller names table, row and column)."""


class Unreadable(str):
    """A PostgreSQL date/time value Python cannot hold (infinity, BC, year 10000+, 24:00:00), as its text."""


class Undecodable(bytes):
    """SQLite text that is not valid UTF-8, as its bytes."""


def decode_sqlite_text(raw: bytes):
    """sqlite3 text_factory: invalid UTF-8 becomes a value the column's check refuses by row, not a traceback."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return Undecodable(raw)


@dataclass(frozen=True)
class Col:
    name: str
    kind: str                # literal kind: "int32", "char(3)", "text[]" (written in archives)
    base: str                # element literal kind without parameter: "char", "int32", "json"
    type: str                # registry row: "real", "double", "varchar", ...
    spelled: str             # manifest spelling of the element type: "varchar(20)"
    array: bool
    args: tuple = ()
    members: tuple = ()      # enum values
    own: frozenset = frozenset()   # engines where the column has its own type (postgres_type/sqlite_type;
    #                                copy moves a PostgreSQL one as it is, a SQLite one is a spelling)
    pg_own: str = ""         # that PostgreSQL type as format_type() spells it ('"char"', 'inet[]'), or ""
    loose: bool = False      # the source column has another type than the manifest's: its values are checked
    required: bool = False   # NOT NULL (or in the primary key): a NULL is refused, never left to the engine (a
    #                          SQLite INTEGER PRIMARY KEY would give it a new rowid)
    lite_spelled: str = ""   # the column's SQLite declared type ("DECIMAL(10,2)"), whose affinity converts what is
    #                          written there (the target's schema check holds it to the manifest's)


def columns(m: Manifest, t: Table) -> list[Col]:
    from .render.ddl import Renderer
    lite = Renderer(m, "sqlite")
    out = []
    key = set(t.primary_key.columns) if t.primary_key else set()
    for c in t.data_columns:
        ref = c.type
        base = "enum" if ref.enum else ref.element.row.value
        kind = base + (f"({ref.args[0]})" if base == "char" else "") + ("[]" if ref.array else "")
        members = next((e.values for e in m.enums if e.name == ref.enum), ()) if ref.enum else ()
        pg_own = dict(c.engine_types).get("postgres")
        out.append(Col(c.name, kind, base, ref.name, ref.element.spelled(), ref.array, ref.args, members,
                       frozenset(engine for engine, _ in c.engine_types), pg_type(pg_own) if pg_own else "",
                       required=not c.nullable or c.name in key, lite_spelled=lite.column_type(t, c)))
    return out


def show(v, limit: int = 60) -> str:
    """A value for a message: short, and never a 4 MB blob."""
    if isinstance(v, Unreadable):
        text = repr(str(v))
    elif isinstance(v, Undecodable):
        text = "bytes " + bytes(v[:24]).hex() + ("…" if len(v) > 24 else "")
    elif isinstance(v, Decimal):
        text = str(v)          # the number, not Decimal('…')
    else:
        text = repr(v)
    return text if len(text) <= limit else text[:limit] + "…"


def _describe(v) -> str:
    if isinstance(v, Undecodable):
        return "text that is not valid UTF-8"
    if isinstance(v, (bytes, bytearray, memoryview)):
        return f"a BLOB of {len(v)} bytes"
    if isinstance(v, bool):
        return f"the boolean {v}"
    if isinstance(v, (int, float)):
        return f"the number {v!r}"
    if isinstance(v, str):
        return f"the text {show(v)}"
    return f"{type(v).__name__} {show(v)}"


SOURCE_FIX = "correct it at the source"


def _must(v, types, what: str):
    types = types if isinstance(types, tuple) else (types,)
    if isinstance(v, bool) and bool not in types or not isinstance(v, types) or isinstance(v, Undecodable):
        raise BadValue(f"holds {_describe(v)}, not {what}; {SOURCE_FIX}")
    return v


# ---------------------------------------------------------------- checks of a value against its column

def _text(col: Col) -> Callable:
    limit = col.args[0] if col.type == "varchar" else None

    def check(v):
        if type(v) is not str:
            _must(v, str, "text")
        if limit is not None and len(v) > limit:
            raise BadValue(f"has {len(v)} characters, more than {col.spelled} holds; shorten it at the source or "
                           "widen the column")
        return v
    return check


def _char(col: Col) -> Callable:
    n = col.args[0]

    def pad(v):
        _must(v, str, "text")
        if len(v) > n:
            raise BadValue(f"has {len(v)} characters, more than character({n}) holds; PostgreSQL would refuse it "
                           "or cut its trailing blanks; shorten it at the source")
        return v.ljust(n)
    return pad


def _enum(col: Col) -> Callable:
    def check(v):
        _must(v, str, "text")
        if col.members and v not in col.members:
            raise BadValue(f"{show(v)} is not a value of enum {col.spelled} ({', '.join(col.members)}); "
                           f"{SOURCE_FIX}")
        return v
    return check


def _int(col: Col) -> Callable:
    lo, hi = INT_RANGES[col.base]

    def check(v):
        if type(v) is not int:
            _must(v, int, "a whole number")
        if not lo <= v <= hi:
            raise BadValue(f"{v} is out of range for {col.spelled} ({lo}..{hi}); {SOURCE_FIX} or widen the column")
        return v
    return check


# ASCII digits only: \d (and Decimal) would read Arabic-Indic '١٢' as 12
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|NaN")


def _numeric(col: Col) -> Callable:
    p, s = col.args
    step = Decimal(1).scaleb(-s)

    def check(v):
        if isinstance(v, Decimal):
            d = v
        else:
            if not isinstance(v, str) or not _NUMBER.fullmatch(v):
                raise BadValue(f"holds {_describe(v)}, not a decimal number; {SOURCE_FIX}")
            d = Decimal(v)
        if d.is_nan():
            return Decimal("NaN")
        if not d.is_finite():
            raise BadValue(f"{col.spelled} cannot hold infinity; {SOURCE_FIX}")
        if _WIDE.quantize(d, step) != d:
            raise BadValue(f"{show(v)} has more than {s} decimal places, which {col.spelled} would round; "
                           f"{SOURCE_FIX} or widen the column")
        if d and d.adjusted() + 1 > p - s:
            raise BadValue(f"{show(v)} does not fit {col.spelled}; {SOURCE_FIX} or widen the column")
        return d
    return check


def _uuid(col: Col) -> Callable:
    def check(v):
        _must(v, str, "a UUID")
        try:
            return uuid_text(v)   # as PostgreSQL's uuid reads it
        except ValueError:
            raise BadValue(f"{show(v)} is not a UUID; {SOURCE_FIX}") from None
    return check


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def _json(col: Col) -> Callable:
    def check(v):
        _must(v, str, "JSON text")
        try:
            # numbers are not converted: an integer of over 4,300 digits is JSON too (Python's int() refuses it)
            json.loads(v, parse_constant=_reject_constant, parse_int=len, parse_float=len)
        except (ValueError, RecursionError) as exc:
            raise BadValue(f"{show(v)} is not valid JSON ({exc}); {SOURCE_FIX}") from None
        return v
    return check


# A fraction of a second with a non-zero digit after the sixth (a zero tail, "…123456000", is exact).
_BEYOND_MICROSECONDS = re.compile(r"[.,]\d{6}\d*[1-9]")


# The spellings of a date, time or timestamp both engines read (SQLite's date and time functions, PostgreSQL's
# input): Python's fromisoformat reads more, and reads some of it as another value than either engine would (a
# week date "2024-W01-1", "20240101" as the time 20:24:01.01, "2024-01-01+01:00" as one o'clock), differently
# from one Python version to the next.  Text in no such form is refused, never converted.
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIME = r"[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?"
_ZONE = r"(?:Z|[+-][0-9]{2}:[0-9]{2})?"
ISO_FORMS = {
    dt.date.fromisoformat: re.compile(_DATE),
    dt.time.fromisoformat: re.compile(_TIME + _ZONE),
    dt.datetime.fromisoformat: re.compile(f"{_DATE}(?:[T ]{_TIME}{_ZONE})?"),
}


def _iso(parse: Callable, what: str, aware: bool | None) -> Callable:
    """ISO text -> date/time/datetime; aware: True needs an offset, False refuses one, None assumes UTC."""
    form = ISO_FORMS[parse]

    def check(col):
        def f(v):
            _must(v, str, what)
            try:
                if not form.fullmatch(v):
                    raise ValueError(v)
                x = parse(v)
            except ValueError:
                raise BadValue(f"{show(v)} is not {what}; {SOURCE_FIX}") from None
            finer = _BEYOND_MICROSECONDS.search(v)
            if finer:   # Python's parser drops the digits past the sixth: the value would change silently
                raise BadValue(f"{show(v)} has a fraction of a second finer than a microsecond, which neither "
                               f"engine holds (the digits after the sixth would be lost); {SOURCE_FIX}")
            zone = getattr(x, "tzinfo", None)
            if aware is False and zone is not None:
                raise BadValue(f"{show(v)} has a time zone offset, which {col.spelled} does not hold (its meaning "
                               f"would change); {SOURCE_FIX}")
            if aware and zone is None:
                raise BadValue(f"{show(v)} has no time zone offset; the archive is not schemactl's")
            if aware is not False:
                return (x if zone else x.replace(tzinfo=UTC)).astimezone(UTC)
            return x
        return f
    return check


def _bool_int(col):
    def f(v):
        if isinstance(v, int) and v in (0, 1):
            return bool(v)
        raise BadValue(f"holds {_describe(v)}, not 0 or 1 (boolean); {SOURCE_FIX}")
    return f


def real_range(col: Col) -> Callable:
    """A manifest ``real`` holds a 4-byte float on both engines: a finite value beyond its range is refused on
    either (SQLite's REAL would keep 1e39 that PostgreSQL refuses).  Exactness is PostgreSQL's writer's check."""
    if col.type != "real":
        return lambda v: v

    def f(v):
        if math.isfinite(v):
            try:   # rounded to 4 bytes (Python may give infinity rather than raise)
                beyond = math.isinf(struct.unpack("f", struct.pack("f", v))[0])
            except OverflowError:
                beyond = True
            if beyond:
                raise BadValue(f"{v!r} is beyond the range of a 4-byte real (about ±3.4e38), which {col.spelled} "
                               f"holds on both engines; declare the column double, or {SOURCE_FIX}")
        return v
    return f


def _float(col):
    in_range = real_range(col)
    return lambda v: in_range(float(_must(v, (int, float), "a number")))


def _bytes(col):
    def f(v):
        if type(v) is not bytes:
            raise BadValue(f"holds {_describe(v)}, not bytes; {SOURCE_FIX}")
        return v
    return f


def _sqlite_instant(storage: str) -> Callable:
    """SQLite timestamptz: integers in the storage's units (ms, s), or ISO text (UTC when it has no offset)."""
    micros = 1_000_000 // TIME_UNITS.get(storage, 1000)     # exact integer arithmetic, no float
    iso = _iso(dt.datetime.fromisoformat, "a timestamp (YYYY-MM-DD HH:MM:SS, UTC unless it ends in +HH:MM or Z)",
               None)

    def make(col):
        text = iso(col)

        def f(v):
            if isinstance(v, int) and not isinstance(v, bool):
                try:
                    return EPOCH + dt.timedelta(microseconds=v * micros)
                except OverflowError:
                    raise BadValue(f"{v} is outside years 1 to 9999 in {storage} units; {SOURCE_FIX}") from None
            return text(v)
        return f
    return make


COMMON = {
    "text": _text, "tsvector": _text, "char": _char, "enum": _enum, "uuid": _uuid, "json": _json,
    "int16": _int, "int32": _int, "int64": _int, "numeric": _numeric,
    "date": _iso(dt.date.fromisoformat, "a date (YYYY-MM-DD)", False),
    "time": _iso(dt.time.fromisoformat, "a time of day (HH:MM:SS)", False),
    "timestamp": _iso(dt.datetime.fromisoformat, "a timestamp (YYYY-MM-DD HH:MM:SS)", False),
}


def _sqlite_numeric(col):
    """SQLite numeric: its text; an integer too, which is the same number (a column spelled with NUMERIC
    affinity, DECIMAL(10,2) as Rails writes it, stores '3.00' as the integer 3); and a REAL, which such a column
    makes of '12.50' or '12.34', as the shortest decimal text that reads back as the same REAL (Python's repr,
    12.5 and 12.34: the decimal written, where the REAL's exact binary value, 12.339999999999999857…, is no
    decimal anyone wrote).  That text is checked as any other: one with more decimal places than the column's
    scale (0.1 + 0.2 is 0.30000000000000004) or beyond its precision is refused with its row, never rounded."""
    check = _numeric(col)

    def f(v):
        if type(v) is float:
            text = repr(v)
            try:
                return check(Decimal(text))
            except BadValue as exc:
                raise BadValue(f"holds the REAL {text} (SQLite keeps a number written to a column of NUMERIC "
                               f"affinity, such as DECIMAL(10,2), as a REAL; its shortest decimal text is read): "
                               f"{exc}") from None
        return check(Decimal(v) if type(v) is int else v)
    return f


def _sqlite_read(m: Manifest) -> dict:
    return {**COMMON, "boolean": _bool_int, "float": _float, "bytes": _bytes, "numeric": _sqlite_numeric,
            "timestamptz": _sqlite_instant(m.time_storage)}


def row_key(t: Table, cols: list[Col]) -> Callable:
    """(values, number) -> "row id=3" (or "row 17" in read order when the table has no primary key)."""
    names = [c.name for c in cols]
    keys = [names.index(k) for k in (t.primary_key.columns if t.primary_key else ()) if k in names]

    def label(values, number: int) -> str:
        if not keys:
            return f"row {number}"
        try:
            if any(values[i] is None for i in keys):   # "id=None" names no row
                return f"row {number}"
            shown = ", ".join(f"{names[i]}={_key_text(values[i])}" for i in keys)
        except IndexError:
            return f"row {number}"
        return f"row {shown}" if len(keys) == 1 else f"row ({shown})"
    return label


def _key_text(v) -> str:
    """A key value as SQL would show it: numbers bare, text quoted, others in their text form."""
    if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
        return str(v)
    if isinstance(v, (uuidlib.UUID, dt.date, dt.time)):
        v = v.isoformat() if not isinstance(v, uuidlib.UUID) else str(v)
    return show(v, 40)


def converter(t: Table, cols: list[Col], fns: list, after: str = "nothing was written") -> Callable:
    """(values, number, prefix) -> converted tuple; a bad value is a SchemactlError naming table, row and column
    (the row's label is made only then)."""
    label = row_key(t, cols)
    width = len(cols)
    active = [(i, f, col) for i, (f, col) in enumerate(zip(fns, cols)) if f is not None]
    required = [(i, col) for i, col in enumerate(cols) if col.required]
    count = [0]

    def fail(values, number, prefix, what) -> SchemactlError:
        where = f"{prefix}table {t.name}, {label(values, count[0] if number is None else number)}"
        return SchemactlError(f"{where}{what}; {after}")

    def row(values, number: int | None = None, prefix: str = ""):
        count[0] += 1
        if len(values) != width:
            raise fail(values, number, prefix, f": {len(values)} values for {width} columns")
        for i, col in required:
            if values[i] is None:
                raise fail(values, number, prefix, f", column {col.name}: is NULL, which the column does not hold "
                                                   f"(NOT NULL); {SOURCE_FIX}")
        if not active:
            return tuple(values)
        out = list(values)
        for i, f, col in active:
            v = out[i]
            if v is None:
                continue
            try:
                out[i] = f(v)
            except BadValue as exc:
                raise fail(values, number, prefix, f", column {col.name}: {exc}") from None
            except (ValueError, TypeError, OverflowError, ArithmeticError) as exc:
                raise fail(values, number, prefix, f", column {col.name}: cannot use {show(v)} as {col.kind} "
                                                   f"({exc}); {SOURCE_FIX}") from None
        return tuple(out)
    return row
