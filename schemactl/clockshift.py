"""A PostgreSQL default that reads the clock and shifts it (``now() + interval '1 day'``,
``CURRENT_DATE + 7``), as SQLite date modifiers on the column's own SQLite storage.

sqlglot's reading of such a default is text arithmetic on SQLite (``CURRENT_TIMESTAMP + CAST('1 day' AS
INTERVAL)`` is the year plus one, stored in a Unix-milliseconds column), so an import writes SQLite's own date
function with the interval as modifiers instead (``julianday('now', '+1 days')``), or, when the expression
has another shape, says the default cannot be carried (see ``clock_default``).
"""

from __future__ import annotations

import re

from . import literals
from .naming import sql_string

# The clock readers of PostgreSQL (sqlglot node names and function names) -> the SQLite modifiers that start
# from the same instant.  CURRENT_DATE is the start of today.
_CLOCKS = {"currenttimestamp": ("now",), "localtimestamp": ("now",), "currentdate": ("now", "start of day"),
           "currenttime": ("now",), "localtime": ("now",)}
_CLOCK_FUNCTIONS = {"now", "statement_timestamp", "transaction_timestamp", "clock_timestamp"}

# One part of PostgreSQL's interval text (IntervalStyle postgres, as the catalog prints it, or as written):
# "N unit" or a signed time of day "[-]HH:MM[:SS[.f]]".
_PART = re.compile(r"\s*(?:(?P<n>[+-]?\d+(?:\.\d+)?)\s*(?P<unit>[a-z]+)|(?P<sign>[+-]?)(?P<h>\d+):(?P<m>\d{2})"
                   r"(?::(?P<s>\d{2}(?:\.\d+)?))?)\s*", re.I)
_UNITS = {  # unit -> (months, days, seconds) per one
    "year": (12, 0, 0), "years": (12, 0, 0), "mon": (1, 0, 0), "mons": (1, 0, 0), "month": (1, 0, 0),
    "months": (1, 0, 0), "week": (0, 7, 0), "weeks": (0, 7, 0), "day": (0, 1, 0), "days": (0, 1, 0),
    "hour": (0, 0, 3600), "hours": (0, 0, 3600), "min": (0, 0, 60), "mins": (0, 0, 60), "minute": (0, 0, 60),
    "minutes": (0, 0, 60), "sec": (0, 0, 1), "secs": (0, 0, 1), "second": (0, 0, 1), "seconds": (0, 0, 1),
}


def interval_parts(text: str) -> tuple[int, int, float] | None:
    """(months, days, seconds) of an interval's text, or None for a text this reading does not know."""
    months = days = 0
    seconds = 0.0
    pos, text = 0, text.strip()
    if not text:
        return None
    while pos < len(text):
        m = _PART.match(text, pos)
        if not m or m.end() == pos:
            return None
        pos = m.end()
        if m.group("unit"):
            per = _UNITS.get(m.group("unit").lower())
            n = float(m.group("n"))
            if per is None or (per[2] == 0 and n != int(n)):
                return None   # a fractional month or day: PostgreSQL spreads it over smaller units
            months, days, seconds = months + int(n) * per[0], days + int(n) * per[1], seconds + n * per[2]
        else:
            clock = int(m.group("h")) * 3600 + int(m.group("m")) * 60 + float(m.group("s") or 0)
            seconds += -clock if m.group("sign") == "-" else clock
    return months, days, seconds


def interval_of(node) -> tuple[int, int, float] | None:
    """(months, days, seconds) of an interval constant in sqlglot's tree: PostgreSQL's '1 day'::interval (as its
    catalog shows one) or INTERVAL '1' DAY / INTERVAL '1 day' (as written, and as sqlglot writes it); None for
    anything else."""
    import sqlglot.expressions as exp
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Cast) and node.to.is_type("interval"):
        inner = node.this
        while isinstance(inner, exp.Paren):
            inner = inner.this
        return interval_parts(inner.this) if isinstance(inner, exp.Literal) and inner.is_string else None
    if isinstance(node, exp.Interval) and isinstance(node.this, exp.Literal):
        unit = node.args.get("unit")
        return interval_parts(f"{node.this.this} {unit.name if unit is not None else ''}")
    return None


def _modifiers(months: int, days: int, seconds: float, sign: int) -> list[str]:
    # PostgreSQL adds an interval's months, then its days, then its time: SQLite's modifiers in that order
    out = []
    for n, unit in ((months * sign, "months"), (days * sign, "days")):
        if n:
            out.append(f"{n:+d} {unit}")
    if seconds:
        s = seconds * sign
        out.append(f"{int(s):+d} seconds" if s == int(s) else f"{s:+.6f}".rstrip("0") + " seconds")
    return out


def _clock(node) -> tuple[str, ...] | None:
    import sqlglot.expressions as exp
    name = type(node).__name__.lower()
    if name in _CLOCKS:
        return _CLOCKS[name]
    if isinstance(node, exp.Anonymous) and str(node.this).lower() in _CLOCK_FUNCTIONS and not node.expressions:
        return ("now",)
    return None


def reads_clock(tree) -> bool:
    return any(_clock(n) is not None for n in tree.walk())


def shifted(tree) -> tuple[tuple[str, ...], str] | None:
    """(SQLite modifiers, base clock node name) of `clock`, `clock ± interval 'text'` or `CURRENT_DATE ± n`."""
    import sqlglot.expressions as exp
    while isinstance(tree, exp.Paren):
        tree = tree.this
    base = _clock(tree)
    if base is not None:
        return base, type(tree).__name__.lower()
    if not isinstance(tree, (exp.Add, exp.Sub)):
        return None
    left, right = tree.this, tree.expression
    while isinstance(left, exp.Paren):
        left = left.this
    base = _clock(left)
    if base is None:
        return None
    sign = -1 if isinstance(tree, exp.Sub) else 1
    parts = interval_of(right)
    if parts is None and isinstance(left, exp.CurrentDate) and isinstance(right, exp.Literal) \
            and not right.is_string and re.fullmatch(r"\d+", str(right.this)):
        parts = (0, int(right.this), 0.0)   # date + integer: days
    if parts is None:
        return None
    return base + tuple(_modifiers(*parts, sign)), type(left).__name__.lower()


def time_types(kind: str | None = None) -> tuple:
    """sqlglot's data types of a literal kind of time (timestamp, timestamptz, time), or of every one."""
    import sqlglot.expressions as exp
    Type = exp.DataType.Type
    stamps, times = (Type.TIMESTAMP, Type.TIMESTAMPTZ), (Type.TIME, Type.TIMETZ)
    return {"timestamp": stamps, "timestamptz": stamps, "time": times, None: stamps + times}.get(kind, ())


def rounded_clock(tree):
    """(node, digits) of the first clock read with a precision in ``tree`` (CURRENT_TIMESTAMP(3), LOCALTIME(0), or
    a clock cast to a time type with one: CURRENT_TIMESTAMP::timestamp(0), now()::timestamptz(3)), or None.
    PostgreSQL rounds the clock to the digits; SQLite has no precision (sqlglot writes the bare clock)."""
    import sqlglot.expressions as exp
    for node in tree.walk():
        if isinstance(node, exp.Cast) and node.to.this in time_types() and node.to.expressions and \
                reads_clock(node.this):
            digits = node.to.expressions[0].this
        elif _clock(node) is not None:
            digits = node.args.get("this")
        else:
            continue
        if isinstance(digits, exp.Literal) and not digits.is_string and str(digits.this).isdigit():
            return node, int(digits.this)
    return None


def _clock_rounded(tree, kind: str):
    """The clock inside a cast to the column's own kind of time, as PostgreSQL shows a rounded clock
    ((now())::timestamp(0) without time zone): SQLite reads the clock alike (the rounding is listed by import)."""
    import sqlglot.expressions as exp
    same = time_types(kind)
    node = tree
    while isinstance(node, exp.Paren) or isinstance(node, exp.Cast) and node.to.this in same:
        node = node.this
    return node


def clock_default(sql: str, kind: str, time_storage: str) -> tuple[str | None, bool]:
    """(SQLite's default for a PostgreSQL default on a column of literal ``kind``, whether it reads the clock).

    The SQLite text is None where the default reads the clock in a shape this reading does not carry (or on a
    column kind that has no SQLite date function); (None, False) where it does not read the clock at all."""
    import sqlglot
    try:
        tree = sqlglot.parse_one(sql, read="postgres")
    except Exception:  # sqlglot's parser raises several types; not readable is not a clock default
        return None, False
    if not reads_clock(tree):
        return None, False
    found = shifted(_clock_rounded(tree, kind))
    if found is None:
        return None, True
    modifiers, base = found
    if base in ("currenttime", "localtime") and kind != "time":
        return None, True   # a time of day on a date or timestamp column
    template = literals.CLOCK_SQLITE.get(kind)
    if isinstance(template, dict):
        template = template.get(time_storage)
    if template is None:
        return None, True
    return template.format(args=", ".join(sql_string(m) for m in modifiers)), True
