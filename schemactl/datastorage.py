"""How each engine and the archive hold a value of a portable type: the tables of functions that turn an
engine's value, or an archive's JSON, into the neutral form of schemactl.datavalues and back.

A table maps a literal kind to a factory (column -> function of one value, or None when the value passes
as it is).  ``function`` picks one column's function for a step: read, write, archive or unarchive.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
import re
import struct
from decimal import Decimal
from typing import Callable

from .datavalues import (COMMON, EPOCH, SOURCE_FIX, UTC, BadValue, Col, Unreadable, _char, _describe, _float, _iso,
                         _must, _reject_constant, _sqlite_read, real_range, show)
from .literals import iso_utc
from .naming import quote
from .manifest.model import Manifest
from .typekeys import sqlite_affinity
from .types import INT_RANGES, TIME_UNITS

# ---------------------------------------------------------------- PostgreSQL

def _pg_checked(f: Callable | None = None) -> Callable:
    def make(col):
        def g(v):
            if isinstance(v, Unreadable):
                raise BadValue(f"PostgreSQL's {col.spelled} value {show(v)} is outside what copy and backup carry "
                               "(years 1 to 9999, no infinity, no 24:00:00); change it at the source")
            return v if f is None else f(v)
        return g
    return make


def _neutral(types: tuple, what: str, zone: bool | None = None) -> Callable:
    """A value of a PostgreSQL column whose type differs from the manifest's (an import's approximation such
    as citext or a domain): it must already be of the neutral type; zone: True needs one, False refuses one."""
    def make(col):
        unreadable = _pg_checked()(col)

        def f(v):
            v = unreadable(v)
            if type(v) not in types:
                raise BadValue(f"holds {_describe(v)}, not {what} ({col.spelled}); {SOURCE_FIX}")
            if zone is not None and (getattr(v, "tzinfo", None) is not None) != zone:
                raise BadValue(f"{v.isoformat()} {'has no' if zone else 'has a'} time zone, unlike {col.spelled}; "
                               f"{SOURCE_FIX}")
            return bytes(v) if isinstance(v, memoryview) else v.astimezone(UTC) if zone else v
        return f
    return make


def _whole(v):
    """A whole number of another integer-valued type (numeric(p,0), a domain) as an int; others as they are."""
    return int(v) if isinstance(v, Decimal) and v.is_finite() and v == v.to_integral_value() else v


def _widened(check: Callable, widen: Callable) -> Callable:
    return lambda col: (lambda v, c=check(col): c(widen(v)))


NEUTRAL = {
    **COMMON, "boolean": _neutral((bool,), "true or false"), "float": _float,
    **{k: _widened(COMMON[k], _whole) for k in ("int16", "int32", "int64")},
    "uuid": _widened(COMMON["uuid"], str), "enum": _widened(COMMON["enum"], str),
    "numeric": _widened(COMMON["numeric"], lambda v: Decimal(v) if type(v) is int else v),
    "date": _neutral((dt.date,), "a date"), "time": _neutral((dt.time,), "a time of day", False),
    "timestamp": _neutral((dt.datetime,), "a timestamp", False),
    "timestamptz": _neutral((dt.datetime,), "an instant", True), "bytes": _neutral((bytes, memoryview), "bytes"),
}

def _pg_kept(f: Callable | None = None, keep: tuple | None = None) -> Callable:
    """A PostgreSQL date/time value Python cannot hold stays PostgreSQL's text (Unreadable), which only a
    PostgreSQL target takes; keep: the only such texts carried (others refused here)."""
    def make(col):
        refuse = _pg_checked()(col)

        def g(v):
            if isinstance(v, Unreadable):
                return v if keep is None or v in keep else refuse(v)
            return v if f is None else f(v)
        return g
    return make


def _not_postgres(make: Callable) -> Callable:
    """A writer for SQLite or an archive: PostgreSQL's infinity, BC dates or 24:00:00 are refused there."""
    def wrap(col):
        inner = make(col)

        def f(v):
            if isinstance(v, Unreadable):
                raise BadValue(f"PostgreSQL's {col.spelled} value {show(v)} is outside what SQLite and archives "
                               "hold (years 1 to 9999, no infinity, no 24:00:00); change it at the source, or copy "
                               "to PostgreSQL")
            return inner(v)
        return f
    return wrap


def _as_text(col):
    return lambda v: str(v) if isinstance(v, Unreadable) else v


# (A timestamptz is selected AT TIME ZONE 'UTC': its text is UTC, so only +-infinity carries unambiguously.)
PG_READ = {
    "uuid": lambda col: str, "bytes": lambda col: bytes, "enum": lambda col: str, "char": _char,
    "date": _pg_kept(), "time": _pg_kept(), "timestamp": _pg_kept(),
    "timestamptz": _pg_kept(lambda v: v.replace(tzinfo=UTC)),   # its text names its offset (read in UTC)
}


def _float4(x: float) -> float:
    """What PostgreSQL's real gives back for x (its shortest text, read as a double)."""
    y = struct.unpack("f", struct.pack("f", x))[0]
    for digits in range(1, 10):
        text = f"{y:.{digits}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == y:
            return float(text)
    return y


def _pg_real(col):
    if col.type != "real":
        return None

    def f(v):
        if math.isfinite(v):
            try:
                exact = _float4(v) == v
            except OverflowError:
                exact = False
            if not exact:
                raise BadValue(f"{v!r} does not fit PostgreSQL's 4-byte real exactly; declare the column double, "
                               "or round the value at the source")
        return v
    return f


def _no_nul(make: Callable | None = None) -> Callable:
    def wrap(col):
        inner = make(col) if make else None

        def f(v):
            if "\x00" in v:
                raise BadValue("holds a NUL character, which PostgreSQL text cannot hold; remove it at the source")
            return inner(v) if inner else v
        return f
    return wrap


PG_WRITE = {"text": _no_nul(), "tsvector": _no_nul(), "enum": _no_nul(), "json": _no_nul(), "char": _no_nul(_char),
            "float": _pg_real, "date": _as_text, "time": _as_text, "timestamp": _as_text, "timestamptz": _as_text}


# ---------------------------------------------------------------- SQLite

def _sqlite_float(col):
    def f(v):
        if v != v:
            raise BadValue("NaN cannot be stored in SQLite (it would become NULL); set it to NULL at the source "
                           "if that is meant, or copy to PostgreSQL")
        if v == 0 and math.copysign(1.0, v) < 0:
            raise BadValue("-0.0 cannot be stored in SQLite (it would become 0.0); set it to 0 at the source "
                           "if that is meant, or copy to PostgreSQL")
        return v
    return f


# A SQLite column of NUMERIC, INTEGER or REAL affinity makes a number of the decimal text written to it: the
# whole numbers it keeps as integers (64 bits; REAL affinity none), every other number a REAL (8 bytes).  TEXT and
# BLOB keep the text.
_WHOLE_KEPT = {"NUMERIC": INT_RANGES["int64"], "INTEGER": INT_RANGES["int64"], "REAL": None}


def _sqlite_decimal(col):
    """numeric: its exact text, which a column of TEXT (or BLOB) affinity keeps.  One spelled with NUMERIC,
    INTEGER or REAL affinity (DECIMAL(10,2), as import keeps it) stores '12.50' as the REAL 12.5 and '3.00' as the integer 3, the value
    written (copy reads them back as 12.50 and 3.00, datavalues._sqlite_numeric), but '12345678.123456789' as the
    REAL 12345678.12345679 and '99999999999999999.99' as the integer 100000000000000000, other values.  Such a
    column is given the number itself, which it keeps as it is, where that number is the decimal (a whole number
    in 64 bits, or a REAL whose shortest text reads as the decimal: Python's correctly rounded float, not SQLite's
    reading of text); any other value is refused, never rounded."""
    affinity = sqlite_affinity(col.lite_spelled or "TEXT")
    if affinity not in _WHOLE_KEPT:
        return lambda v: format(v, "f")
    whole = _WHOLE_KEPT[affinity]

    def f(v):
        if not v.is_finite():               # 'NaN' is text to every affinity
            return format(v, "f")
        if whole and whole[0] <= v <= whole[1] and v == v.to_integral_value():
            return int(v)
        x = float(v)
        if Decimal(repr(x)) == v:
            return x
        raise BadValue(f"{v} would be held as the REAL {x!r} by SQLite, as the column's declared type "
                       f"{col.lite_spelled} (of {affinity} affinity) makes a number of it (a REAL keeps 15 to 17 "
                       "significant digits); spell the column with TEXT affinity (its sqlite_type, e.g. TEXT), "
                       "which keeps the decimal's text, or round the value at the source")
    return f


def _sqlite_instant_writer(storage: str) -> Callable:
    unit = dt.timedelta(microseconds=1_000_000 // TIME_UNITS.get(storage, 1))
    name = {"integer_ms": "milliseconds", "integer_s": "seconds"}.get(storage)
    # the finer storages a schema without a migration chain yet may choose instead
    finer = " or ".join(s for s in ("integer_ms", "iso_text") if TIME_UNITS.get(s, 10 ** 6) > TIME_UNITS[storage]) \
        if name else ""

    def make(col):
        if name is None:
            return lambda v: iso_utc(v)

        def f(v):
            count, rest = divmod(v - EPOCH, unit)
            if rest:   # PostgreSQL's now() (a DEFAULT now()) gives microseconds
                raise BadValue(f"{v.isoformat()} has a fraction of a {name[:-1]}, which SQLite's {storage} storage "
                               f"(Unix {name}) cannot hold (PostgreSQL's now() gives microseconds); round the "
                               f"values at the source (PostgreSQL: UPDATE … SET {quote(col.name)} = "
                               f"date_trunc('{name}', {quote(col.name)})), or, before the schema has a migration "
                               f"chain, choose sqlite.timestamptz: {finer}")
            return count
        return f
    return make


def _sqlite_write(m: Manifest) -> dict:
    return _sqlite_writers(m.time_storage)


def sqlite_stored(kind: str, storage: str) -> Callable:
    """How SQLite holds a Python value of ``kind`` (a date, time, datetime) under the timestamptz ``storage``:
    the writer copy and restore use, so a constant compared with such a column can be written the same way."""
    return _sqlite_writers(storage)[kind](None)


def _sqlite_writers(storage: str) -> dict:
    return {
        "boolean": lambda col: int, "numeric": _sqlite_decimal, "float": _sqlite_float,
        "date": _not_postgres(lambda col: dt.date.isoformat), "time": _not_postgres(lambda col: dt.time.isoformat),
        "timestamp": _not_postgres(lambda col: lambda v: v.isoformat(sep=" ")), "char": _char,
        "timestamptz": _not_postgres(_sqlite_instant_writer(storage)),
    }


# ---------------------------------------------------------------- archives (JSON values)

_SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _archived_float(col):
    in_range = real_range(col)

    def f(v):
        if isinstance(v, str) and v in _SPECIAL:
            return _SPECIAL[v]
        return in_range(float(_must(v, (int, float), "a number")))
    return f


def _archive_float(col):
    return lambda v: v if math.isfinite(v) else "NaN" if v != v else "Infinity" if v > 0 else "-Infinity"


def _archived_bool(col):
    return lambda v: _must(v, bool, "true or false")


def _b64(col):
    def f(v):
        _must(v, str, "base64 text")
        try:
            return base64.b64decode(v, validate=True)
        except (binascii.Error, ValueError):
            raise BadValue(f"{show(v)} is not base64; {SOURCE_FIX}") from None
    return f


ARCHIVE = {
    "numeric": lambda col: lambda v: format(v, "f"), "bytes": lambda col: lambda v: base64.b64encode(v).decode(),
    "date": _not_postgres(lambda col: dt.date.isoformat), "time": _not_postgres(lambda col: dt.time.isoformat),
    "timestamp": _not_postgres(lambda col: dt.datetime.isoformat),
    "timestamptz": _not_postgres(lambda col: dt.datetime.isoformat), "float": _archive_float,
}
UNARCHIVE = {
    **COMMON, "boolean": _archived_bool, "float": _archived_float, "bytes": _b64,
    "timestamptz": _iso(dt.datetime.fromisoformat, "a timestamp with its offset (YYYY-MM-DD HH:MM:SS+HH:MM)", True),
}
# schemactl-backup/1 held json as parsed values (its numbers as floats, JSON null as NULL): read as text.
UNARCHIVE_V1 = {**UNARCHIVE, "json": lambda col: lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":"))}

# Elements of a SQLite array (a JSON array): their archive form, but floats as JSON numbers only.
SQLITE_ELEMENT_OUT = {**ARCHIVE, "float": lambda col: None}
SQLITE_ELEMENT_IN = {**UNARCHIVE, "float": _float}


# ---------------------------------------------------------------- arrays

def _each(f: Callable | None) -> Callable:
    def g(v):
        if not isinstance(v, list):
            raise BadValue(f"holds {_describe(v)}, not an array; {SOURCE_FIX}")
        out = []
        for i, x in enumerate(v, start=1):
            if isinstance(x, list):   # PostgreSQL's {{a,b},{c,d}} (refused at read), or an archive's nested list
                raise BadValue(f"element {i} is itself an array: copy, backup and restore carry arrays of one "
                               f"dimension; {SOURCE_FIX}")
            try:
                out.append(x if x is None or f is None else f(x))
            except BadValue as exc:
                raise BadValue(f"element {i}: {exc}") from None
        return out
    return g


def _raw_elements(text: str) -> list:
    """The exact text of each element of a JSON array (None for null): json elements keep their text."""
    decoder, ws = json.JSONDecoder(), re.compile(r"[ \t\n\r]*")
    i = ws.match(text, 0).end()
    if text[i:i + 1] != "[":
        raise ValueError("not a JSON array")
    out, i = [], ws.match(text, i + 1).end()
    if text[i:i + 1] == "]":
        return out if not text[i + 1:].strip(" \t\n\r") else _raise("text after the array")
    while True:
        _, end = decoder.raw_decode(text, i)
        raw = text[i:end]
        out.append(None if raw == "null" else raw)
        i = ws.match(text, end).end()
        if text[i:i + 1] == "]":
            return out if not text[i + 1:].strip(" \t\n\r") else _raise("text after the array")
        if text[i:i + 1] != ",":
            raise ValueError("expected , or ]")
        i = ws.match(text, i + 1).end()


def _raise(message):
    raise ValueError(message)


def _sqlite_array_in(col: Col, element: Callable | None) -> Callable:
    def f(v):
        _must(v, str, "a JSON array (text)")
        try:
            items = _raw_elements(v) if col.base == "json" else json.loads(v, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            raise BadValue(f"{show(v)} is not a JSON array ({exc}); {SOURCE_FIX}") from None
        if not isinstance(items, list):
            raise BadValue(f"{show(v)} is not a JSON array; {SOURCE_FIX}")
        return _each(element)(items)
    return f


def _sqlite_array_out(col: Col, element: Callable | None) -> Callable:
    each = _each(element)

    def f(v):
        items = each(v)
        if col.base == "json":
            for i, x in enumerate(items, start=1):
                if x is not None and x.strip(" \t\n\r") == "null":
                    raise BadValue(f"element {i} is JSON null, which a SQLite JSON array cannot tell from a NULL "
                                   "element; copy to PostgreSQL, or replace it at the source")
                if x is not None and x != x.strip(" \t\n\r"):
                    raise BadValue(f"element {i} has blanks around its JSON text, which a SQLite JSON array "
                                   "reads as the array's own; copy to PostgreSQL, or trim it at the source")
            return "[" + ",".join("null" if x is None else x for x in items) + "]"
        try:
            return json.dumps(items, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except ValueError:
            raise BadValue("holds NaN or infinity, which a JSON array on SQLite cannot; copy to PostgreSQL, or "
                           "replace it at the source") from None
    return f


# ---------------------------------------------------------------- columns in a PostgreSQL type of their own

# Such a value travels as PostgreSQL's text of it (datacopy._pg_select), which the type's input reads back as
# the same value.  Text from SQLite or an archive may be text the type's input reads as another value without
# an error: such types have a check here, keyed by format_type()'s name of the element type, which refuses
# what would not come back as written.

_PG_HIGH_BYTE = re.compile(r"\\[23][0-7]{2}")      # charout's \ooo of a byte above 127


def _pg_byte(col: Col) -> Callable:
    """PostgreSQL's single-byte "char": its input keeps the first byte of any longer text ('ab' is 'a', 'é' the
    byte \\303) and reads \\ooo as a byte; what it holds exactly is what its output spells: one ASCII character,
    \\ooo for a byte above 127, or '' (the byte 0)."""
    def f(v):
        _must(v, str, "text")
        if v == "" or len(v) == 1 and "\x00" < v < "\x80" or _PG_HIGH_BYTE.fullmatch(v):
            return v
        raise BadValue(f"{show(v)} does not fit {col.pg_own}, PostgreSQL's single byte, which holds one ASCII "
                       "character, \\ooo for a byte above 127, or the empty value: PostgreSQL would keep another "
                       "value (the first byte of a longer text); shorten it at the source, or declare the column's "
                       "postgres_type text or character(n)")
    return f


PG_OWN_WRITE = {'"char"': _pg_byte}

_PG_WS = " \t\n\r\v\f"


def pg_array_items(text: str) -> list:
    """The elements of PostgreSQL's text of a one-dimensional array ('{a,"b c",NULL,"\\\\303"}'), as its
    input reads them (None for NULL); ValueError for any other form (dimensions, nesting, bad quoting)."""
    s = text.strip(_PG_WS)
    if len(s) < 2 or s[0] != "{" or s[-1] != "}":
        raise ValueError("not an array's text {…}")
    body, items, i = s[1:-1], [], 0
    if not body.strip(_PG_WS):
        return items
    n = len(body)
    while True:
        while i < n and body[i] in _PG_WS:
            i += 1
        buf: list = []
        if i < n and body[i] == '"':
            i += 1
            while i < n and body[i] != '"':
                if body[i] == "\\":
                    i += 1
                    if i == n:
                        break
                buf.append(body[i])
                i += 1
            if i >= n:
                raise ValueError("a quoted element is not closed")
            i += 1
            while i < n and body[i] in _PG_WS:
                i += 1
            items.append("".join(buf))
        else:
            keep, plain = 0, True
            while i < n and body[i] != ",":
                ch = body[i]
                if ch in '{}"':
                    raise ValueError("not one dimension, or a quote inside an element")
                if ch == "\\":
                    if i + 1 == n:
                        raise ValueError("a backslash at the end")
                    buf.append(body[i + 1])
                    keep, plain, i = len(buf), False, i + 2
                    continue
                buf.append(ch)
                if ch not in _PG_WS:
                    keep = len(buf)
                i += 1
            word = "".join(buf[:keep])
            if not word:
                raise ValueError("an empty element")
            items.append(None if plain and word.upper() == "NULL" else word)
        if i >= n:
            return items
        if body[i] != ",":
            raise ValueError("expected , between elements")
        i += 1


def _pg_array_text(col: Col, element: Callable) -> Callable:
    """A portable text column holding PostgreSQL's text of an array of its own type: each element checked."""
    def f(v):
        _must(v, str, "text")
        try:
            items = pg_array_items(v)
        except ValueError as exc:
            raise BadValue(f"{show(v)} is not the text of a one-dimensional {col.pg_own} array ({exc}), whose "
                           f"elements could be checked; {SOURCE_FIX}") from None
        _each(element)(items)
        return v
    return f


def _pg_own_writer(col: Col) -> Callable | None:
    found = re.fullmatch(r"(.*?)((?:\[[0-9]*\])*)", col.pg_own)
    make = PG_OWN_WRITE.get(found.group(1))
    if make is None:
        return None
    if col.array:                     # a portable array: a list of element texts
        return _each(make(col))
    return _pg_array_text(col, make(col)) if found.group(2) else make(col)


# ---------------------------------------------------------------- per column

def _table(step: str, engine: str | None, m: Manifest, fmt: int, loose: bool = False) -> dict:
    if step == "read":
        return _sqlite_read(m) if engine == "sqlite" else NEUTRAL if loose else PG_READ
    if step == "write":
        return _sqlite_write(m) if engine == "sqlite" else PG_WRITE
    if step == "archive":
        return ARCHIVE
    return UNARCHIVE_V1 if fmt == 1 else UNARCHIVE


def _one(table: dict, col: Col) -> Callable | None:
    make = table.get(col.base)
    return make(col) if make else None


# The engines whose own column types (postgres_type) move as the driver gives them; SQLite's sqlite_type is only
# another spelling of the portable type, whose values are read and written as that type's.
OWN_TYPE_AS_GIVEN = frozenset({"postgres"})


def function(step: str, engine: str | None, m: Manifest, col: Col, fmt: int = 2) -> Callable | None:
    """The function of one column for a step: read/write (engine value <-> neutral), archive/unarchive.
    A column in a PostgreSQL type of its own moves there as the driver gives it (no portable form to check), but
    for a type whose input would read written text as another value ("char"): PG_OWN_WRITE.  A column's own
    SQLite spelling (sqlite_type: DATETIME, DECIMAL(10,2), INT8, as import writes one where a type's columns
    are spelled unalike) is the portable type's as sqlite.spell is: its values are read, checked and written
    as the portable type's (passed as the driver gave them, SQLite's '…+02:00' lost its offset in PostgreSQL's
    timestamp, a Decimal could not be bound, and backup refused every timestamp)."""
    if engine in OWN_TYPE_AS_GIVEN and engine in col.own:
        return _pg_own_writer(col) if step == "write" else None
    table = _table(step, engine, m, fmt, col.loose)
    if not col.array:
        return _one(table, col)
    if engine == "sqlite" and step == "read":
        return _sqlite_array_in(col, _one(SQLITE_ELEMENT_IN, col))
    if engine == "sqlite" and step == "write":
        return _sqlite_array_out(col, _one(SQLITE_ELEMENT_OUT, col))
    return _each(_one(table, col))
