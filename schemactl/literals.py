"""Default values: checking a literal against its type and spelling it per engine.

Two tables of data drive this: ``LITERAL_KINDS`` (how a YAML value is checked
and normalised for each literal kind of the type registry) and
``LITERAL_SQL`` (how the normalised value is written on each engine).
``FUNCTIONS`` holds the portable default functions (``now``, ``uuid``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import struct
import uuid as uuidlib
from decimal import Context, Decimal, InvalidOperation

from .naming import sql_string
from .types import INT_RANGES, TIME_UNITS, TypeRef


class LiteralError(ValueError):
    """Message is user-facing."""


def _show(v) -> str:
    """A value as the manifest's author wrote it (JSON-like, not Python repr)."""
    try:
        return json.dumps(v, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(v)


def _text(v, ref: TypeRef):
    if not isinstance(v, str):
        raise LiteralError(f"expected a string, got {_show(v)}")
    if "\x00" in v:
        raise LiteralError("strings must not contain NUL characters")
    length = ref.params.get("length")
    if length is not None and len(v) > length:
        raise LiteralError(f"{len(v)} characters do not fit {ref.spelled()}")
    return v


def _int(kind):
    lo, hi = INT_RANGES[kind]

    def check(v, ref):
        if isinstance(v, bool) or not isinstance(v, int):
            raise LiteralError(f"expected a whole number, got {_show(v)}")
        if not lo <= v <= hi:
            raise LiteralError(f"{v} is out of range for {ref.spelled()} ({lo}..{hi})")
        return v
    return check


# A number as YAML 1.2 (its core schema, as editors show it) reads one: 1.5e3, 1e3 and 2E10 among them, which
# YAML 1.1 (PyYAML's rules, which read the manifest) reads as text: its exponent comes after a point, with a sign
_YAML12_NUMBER = re.compile(r"([-+]?)([0-9]*)(?:\.([0-9]*))?(?:([eE])([-+]?)([0-9]+))?")


def _yaml11_text(v: str) -> str | None:
    """Why ``v``, a text where a number is expected, is text and how to write the number, where YAML 1.2 reads
    it as a number and YAML 1.1 as text (1.5e3: write 1.5e+3 or 1500.0); None otherwise (a quoted 1500.0)."""
    m = _YAML12_NUMBER.fullmatch(v)
    if not m or not (m[2] or m[3]) or not m[4] or float(v) in (float("inf"), float("-inf")):
        return None   # (without an exponent YAML 1.1 reads a number as YAML 1.2; 1e999 is no double either way)
    import yaml
    try:
        if not isinstance(yaml.safe_load(v), str):   # a number in YAML 1.1 too: it was quoted
            return None
    except yaml.YAMLError:
        return None
    sign, whole, frac, e, esign, exp = m.groups()
    spellings = [f"{sign}{whole or '0'}.{frac or '0'}{e}{esign or '+'}{exp}"]
    d = Decimal(v)
    if -8 <= d.adjusted() <= 20:   # written out (1e300's 301 digits are no help, 1e999999999's no text at all)
        plain = format(d, "f")
        spellings.append(plain if "." in plain else plain + ".0")
    return (f"YAML 1.1, by whose rules the manifest is read, reads {v} as text (a number's exponent only after a "
            f"decimal point and with its sign); write {' or '.join(spellings)}")


def _float(v, ref):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        why = _yaml11_text(v) if isinstance(v, str) else None
        raise LiteralError(f"expected a number, got {_show(v)}" + (f": {why}" if why else ""))
    try:
        f = float(v)
    except OverflowError:
        raise LiteralError(f"a {len(str(abs(v)))}-digit number is out of range for {ref.spelled()}") from None
    if f != f or f in (float("inf"), float("-inf")):
        raise LiteralError("NaN and infinity are not portable defaults")
    if ref.name == "real":       # PostgreSQL's real is 4 bytes: it refuses what a float32 cannot hold
        try:
            narrowed = struct.unpack("<f", struct.pack("<f", f))[0]
        except OverflowError:
            narrowed = None
        if narrowed is None or (narrowed == 0 and f != 0):
            raise LiteralError(f"{_show(v)} is out of range for real (4-byte float: magnitude up to "
                               "3.4028235e+38, down to 1e-45); use double")
    return f


def _numeric(v, ref):
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise LiteralError(f"expected a decimal number, got {_show(v)}")
    try:
        d = Decimal(str(v))
    except InvalidOperation:
        raise LiteralError(f"{_show(v)} is not a decimal number") from None
    if not d.is_finite():
        raise LiteralError("NaN and infinity are not portable defaults")
    p, s = ref.args
    if d.as_tuple().exponent < -s:
        raise LiteralError(f"{v} has more than {s} decimal places for {ref.spelled()}")
    if d != 0 and d.adjusted() + 1 > p - s:
        raise LiteralError(f"{v} does not fit {ref.spelled()}")
    # in a context as wide as the type: the default one (28 digits) refused numeric(40,0)'s 40 (InvalidOperation)
    return format(d.quantize(Decimal(1).scaleb(-s), context=Context(prec=max(p, 28))), "f")


def _bool(v, ref):
    if not isinstance(v, bool):
        raise LiteralError(f"expected true or false, got {_show(v)}")
    return v


def _uuid(v, ref):
    try:
        return str(uuidlib.UUID(str(v)))
    except ValueError:
        raise LiteralError(f"{_show(v)} is not a UUID") from None


def _date(v, ref):
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return v.isoformat()
    try:
        return dt.date.fromisoformat(str(v)).isoformat()
    except ValueError:
        raise LiteralError(f"{_show(v)} is not a date (YYYY-MM-DD)") from None


def _time(v, ref):
    if isinstance(v, int) and not isinstance(v, bool):
        raise LiteralError(f"{_show(v)} is not a time of day (HH:MM:SS); quote it")
    try:
        return dt.time.fromisoformat(str(v)).isoformat()
    except ValueError:
        raise LiteralError(f"{_show(v)} is not a time of day (HH:MM:SS)") from None


def _datetime(v, aware: bool):
    if isinstance(v, dt.datetime):
        parsed = v
    elif isinstance(v, str):
        try:
            parsed = dt.datetime.fromisoformat(v)
        except ValueError:
            raise LiteralError(f"{_show(v)} is not an ISO-8601 timestamp") from None
    else:
        raise LiteralError(f"{_show(v)} is not an ISO-8601 timestamp")
    if aware and parsed.tzinfo is None:
        raise LiteralError(f"{_show(v)} has no time zone; write e.g. 2024-01-01T00:00:00Z")
    if not aware and parsed.tzinfo is not None:
        raise LiteralError(f"{_show(v)} has a time zone; timestamp holds none (use timestamptz)")
    return parsed


def _timestamp(v, ref):
    return _datetime(v, False).isoformat(sep=" ", timespec="microseconds").rstrip("0").rstrip(".")


def _timestamptz(v, ref):
    return _datetime(v, True).astimezone(dt.timezone.utc)


def _json(v, ref):
    try:
        return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        raise LiteralError(f"{_show(v)} cannot be written as JSON") from None


def _bytes(v, ref):
    raise LiteralError("bytes columns take no literal default; use {sql: {postgres: ..., sqlite: ...}}")


def _char(v, ref):
    """character(n): PostgreSQL pads with blanks to n, so the default is the padded value on both engines."""
    return _text(v, ref).ljust(ref.params["length"])


def _tsvector(v, ref):
    raise LiteralError("tsvector columns take no literal default; use {sql: {postgres: ..., sqlite: ...}}")


# Element kinds whose normalised literal is already its JSON form (the SQLite array holds it as is);
# an array of another kind takes only [] as a literal default.
JSON_LITERAL_ELEMENTS = frozenset({"text", "char", "uuid", "boolean", "int16", "int32", "int64", "float", "numeric",
                                   "date", "time"})


def _array(v, ref):
    if not isinstance(v, list):
        raise LiteralError(f"expected a list for {ref.spelled()}, got {_show(v)}")
    elem = ref.element
    if v and elem.kind not in JSON_LITERAL_ELEMENTS:
        raise LiteralError(f"{ref.spelled()} takes only [] as a literal default; use {{sql: {{postgres: ..., "
                           "sqlite: ...}} for others")
    out = []
    for i, x in enumerate(v):
        try:
            out.append(None if x is None else LITERAL_KINDS[elem.kind](x, elem))
        except LiteralError as exc:
            raise LiteralError(f"element {i + 1}: {exc}") from None
    return out


def _enum(members):
    def check(v, ref):
        if not isinstance(v, str):
            raise LiteralError(f"expected a member of enum {ref.enum}, got {_show(v)}")
        if v not in members:
            raise LiteralError(f'"{v}" is not a member of enum {ref.enum} ({", ".join(members)})')
        return v
    return check


LITERAL_KINDS = {
    "text": _text, "uuid": _uuid, "boolean": _bool, "int16": _int("int16"), "int32": _int("int32"),
    "int64": _int("int64"), "float": _float, "numeric": _numeric, "date": _date, "time": _time,
    "timestamp": _timestamp, "timestamptz": _timestamptz, "json": _json, "bytes": _bytes,
    "char": _char, "tsvector": _tsvector,
}


def check_literal(value, ref: TypeRef, enum_members: tuple[str, ...] = ()):
    """Normalised literal value, or LiteralError."""
    checker = _array if ref.array else _enum(enum_members) if ref.enum else LITERAL_KINDS[ref.row.value]
    return checker(value, ref)


def iso_utc(t: dt.datetime, fraction_digits: int = 6) -> str:
    """An instant as ISO-8601 UTC text with a four-digit year (strftime's %Y writes year 1 as "1", which
    PostgreSQL reads as 2001 and fromisoformat refuses)."""
    t = t.astimezone(dt.timezone.utc) if t.tzinfo else t
    fraction = f"{t.microsecond:06d}"[:fraction_digits]
    return (f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
            f".{fraction}Z")


def _iso_z(t: dt.datetime) -> str:
    return iso_utc(t, 3)


def _epoch(t: dt.datetime, storage: str) -> str:
    """An instant in an integer storage's units (Unix ms or s)."""
    return str((t - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)) //
               dt.timedelta(microseconds=1_000_000 // TIME_UNITS[storage]))


# How a normalised literal is spelled: kind -> engine -> function(value, time_storage).
_quoted = {"postgres": lambda v, ts: sql_string(v), "sqlite": lambda v, ts: sql_string(v)}
_bare = {"postgres": lambda v, ts: str(v), "sqlite": lambda v, ts: str(v)}
def _pg_element(v) -> str:
    """One element of a PostgreSQL array literal: NULL, or double-quoted with \\ and \" escaped."""
    if v is None:
        return "NULL"
    text = ("true" if v else "false") if isinstance(v, bool) else str(v)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# Arrays: PostgreSQL's array literal '{"a","b"}', SQLite a JSON array (elements in their JSON form).
_array_sql = {
    "postgres": lambda v, ts: sql_string("{" + ",".join(_pg_element(x) for x in v) + "}"),
    "sqlite": lambda v, ts: sql_string(json.dumps(v, ensure_ascii=False, separators=(",", ":"))),
}
LITERAL_SQL = {
    "text": _quoted, "char": _quoted, "uuid": _quoted, "date": _quoted, "time": _quoted, "timestamp": _quoted,
    "json": _quoted, "enum": _quoted,
    "boolean": {"postgres": lambda v, ts: "true" if v else "false", "sqlite": lambda v, ts: "1" if v else "0"},
    "int16": _bare, "int32": _bare, "int64": _bare, "float": _bare,
    "numeric": {"postgres": lambda v, ts: v, "sqlite": lambda v, ts: sql_string(v)},
    "timestamptz": {
        "postgres": lambda v, ts: sql_string(_iso_z(v)),
        "sqlite": lambda v, ts: _epoch(v, ts) if ts in TIME_UNITS else sql_string(_iso_z(v)),
    },
}


def literal_sql(value, ref: TypeRef, engine: str, time_storage: str) -> str:
    kind = "enum" if ref.enum else ref.row.value
    return (_array_sql if ref.array else LITERAL_SQL[kind])[engine](value, time_storage)


# SQLite has no UUID function: a random version-4 UUID from randomblob().
_SQLITE_UUID4 = (
    "lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || "
    "substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || "
    "substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))"
)

# Portable default functions: fn -> literal kind -> engine -> SQL (or per time storage).
FUNCTIONS = {
    "now": {
        "timestamptz": {
            "postgres": "now()",
            "sqlite": {
                "integer_ms": "CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)",
                "iso_text": "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
                "integer_s": "CAST(strftime('%s', 'now') AS INTEGER)",
            },
        },
        "timestamp": {"postgres": "CURRENT_TIMESTAMP", "sqlite": "CURRENT_TIMESTAMP"},
        "date": {"postgres": "CURRENT_DATE", "sqlite": "CURRENT_DATE"},
        "time": {"postgres": "LOCALTIME", "sqlite": "CURRENT_TIME"},
    },
    "uuid": {"uuid": {"postgres": "gen_random_uuid()", "sqlite": _SQLITE_UUID4}},
}

# SQLite's reading of the clock shifted by date modifiers, per literal kind (and time storage): {args} is
# 'now' and the modifiers ('now', '+1 days').  schemactl.clockshift writes an imported PostgreSQL default
# such as now() + interval '1 day' with it; the timestamptz forms are FUNCTIONS' now() with the modifiers.
CLOCK_SQLITE = {
    "timestamptz": {storage: sql.replace("'now'", "{args}")
                    for storage, sql in FUNCTIONS["now"]["timestamptz"]["sqlite"].items()},
    "timestamp": "datetime({args})", "date": "date({args})", "time": "time({args})",
}

# Other spellings of a portable function's value that an import reads as that function:
# fn -> literal kind -> engine -> SQL.  (PostgreSQL stores now() on a date column as written; the column
# keeps the date of now(), which is CURRENT_DATE.)
FUNCTION_ALIASES = {
    "now": {
        "date": {"postgres": ("now()", "CURRENT_TIMESTAMP", "LOCALTIMESTAMP", "transaction_timestamp()"),
                 "sqlite": ("date('now')",)},
        "timestamp": {"postgres": ("now()", "LOCALTIMESTAMP", "transaction_timestamp()"),
                      "sqlite": ("datetime('now')",)},
        "timestamptz": {"postgres": ("CURRENT_TIMESTAMP", "transaction_timestamp()")},
        "time": {"postgres": ("CURRENT_TIME",), "sqlite": ("time('now')",)},
    },
    # uuid-ossp's random (version 4) UUID, in the schema the extension was created in (public, Supabase's
    # extensions): what gen_random_uuid() gives
    "uuid": {
        "uuid": {"postgres": ("uuid_generate_v4()", "public.uuid_generate_v4()", "extensions.uuid_generate_v4()")},
    },
}

# Defaults one engine writes with a function the other does not have, and what means the same there:
# ({engine: SQL, ...}, note).  An import gives each engine its own form instead of copying one.
EQUIVALENT_DEFAULTS = (
    ({"sqlite": "unixepoch()", "postgres": "CAST(FLOOR(EXTRACT(EPOCH FROM now())) AS BIGINT)"},
     "SQLite's unixepoch(): Unix seconds from now() on PostgreSQL"),
    ({"sqlite": "unixepoch('now')", "postgres": "CAST(FLOOR(EXTRACT(EPOCH FROM now())) AS BIGINT)"},
     "SQLite's unixepoch('now'): Unix seconds from now() on PostgreSQL"),
    ({"sqlite": "CAST(strftime('%s', 'now') AS INTEGER)", "postgres": "CAST(FLOOR(EXTRACT(EPOCH FROM now())) AS BIGINT)"},
     "Unix seconds from strftime('%s'): from now() on PostgreSQL"),
    ({"sqlite": FUNCTIONS["now"]["timestamptz"]["sqlite"]["integer_ms"],
      "postgres": "CAST(ROUND(EXTRACT(EPOCH FROM now()) * 1000) AS BIGINT)"},
     "Unix milliseconds (schemactl's SQLite now()) on a column that is not timestamptz: from now() on PostgreSQL"),
    ({"sqlite": "datetime('now')", "postgres": "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"},
     "SQLite's datetime('now') text: the same text from now() on PostgreSQL"),
    ({"sqlite": "CURRENT_TIMESTAMP", "postgres": "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"},
     "SQLite's CURRENT_TIMESTAMP text: the same text from now() on PostgreSQL"),
)

_KEYWORD = re.compile(r"^[A-Z_]+$")


def function_sql(fn: str, ref: TypeRef, engine: str, time_storage: str) -> str:
    spelled = FUNCTIONS[fn][ref.row.value][engine]
    return spelled if isinstance(spelled, str) else spelled[time_storage]


def is_bare_keyword(sql: str) -> bool:
    """CURRENT_TIMESTAMP and friends need no parentheses in a SQLite DEFAULT."""
    return bool(_KEYWORD.match(sql))
