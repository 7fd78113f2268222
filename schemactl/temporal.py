"""A date/time constant compared with a date/time column, written on SQLite as that column holds its values.

PostgreSQL reads ``at > '2020-01-01T00:00:00Z'`` (or its catalog's ``'2020-01-01 00:00:00+00'::timestamp with
time zone``) as a value of the column's type.  SQLite compares what the column stores: Unix milliseconds in
the ``integer_ms`` storage of ``timestamptz`` (every text sorts after every number there, so such a CHECK fails
every row), ISO-8601 text elsewhere, where a constant spelled otherwise (``T`` for a space, an offset, fewer
fraction digits) compares character by character.  So the SQLite form of such a comparison holds the constant
as copy and restore write that column's values (``datastorage.sqlite_stored``).

``reads_otherwise`` names what SQLite has no form of at all (an interval, a cast to a date/time type, the
clock), for an import to keep such an expression on PostgreSQL only.
"""

from __future__ import annotations

import datetime as dt
import functools

# The manifest's date/time kinds -> how a constant's text is read (and whether it must name its offset)
_READ = {
    "date": (dt.date.fromisoformat, None),
    "time": (dt.time.fromisoformat, False),
    "timestamp": (dt.datetime.fromisoformat, False),
    "timestamptz": (dt.datetime.fromisoformat, True),
}
TIMED = tuple(_READ)



@functools.cache
def _sqlglot():
    """(sqlglot's expressions, its date/time types, its comparisons): imported when an expression is read, not
    when a manifest without date/time constants loads."""
    from sqlglot import exp
    t = exp.DataType.Type
    return exp, {t.DATE, t.TIME, t.TIMETZ, t.TIMESTAMP, t.TIMESTAMPTZ, t.TIMESTAMPLTZ, t.INTERVAL}, (
        exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ)


def _bare(node):
    exp = _sqlglot()[0]
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _constant(node) -> str | None:
    """The text of a string constant, bare or cast to a date/time type (as PostgreSQL's catalog shows one)."""
    exp, timed_types, _ = _sqlglot()
    node = _bare(node)
    if isinstance(node, exp.Cast) and node.to.this in timed_types:
        node = _bare(node.this)
    return node.this if isinstance(node, exp.Literal) and node.is_string else None


def _column(node, kinds: dict[str, str]) -> str | None:
    exp = _sqlglot()[0]
    node = _bare(node)
    if not isinstance(node, exp.Column) or node.table:
        return None
    found = {k.lower(): k for k in kinds}.get(node.name.lower())   # SQLite and unquoted names: either case
    return found if node.name in kinds or found is not None and not node.this.quoted else None


def _value(text: str, kind: str):
    read, aware = _READ[kind]
    try:
        value = read(text.strip())
    except ValueError:
        raise ValueError(f"'{text}' is not a {kind} SQLite can hold (ISO-8601, years 1 to 9999)") from None
    zone = getattr(value, "tzinfo", None) is not None
    if aware is True and not zone:
        raise ValueError(f"'{text}' names no offset, so PostgreSQL reads it in the session's time zone: give "
                         f"the timestamptz constant its offset ('{value.isoformat(sep=' ')}Z' for UTC)")
    if aware is False and zone:
        raise ValueError(f"'{text}' names an offset, which a {kind} does not hold")
    return value


def _stored_sql(text: str, kind: str, storage: str) -> exp.Expression:
    from .datastorage import sqlite_stored
    exp = _sqlglot()[0]
    stored = sqlite_stored(kind, storage)(_value(text, kind))
    return exp.Literal.number(stored) if isinstance(stored, int) else exp.Literal.string(stored)


def _pairs(node, kinds: dict[str, str]):
    """(column, constant node) of a comparison between a date/time column and constants."""
    exp, _, comparisons = _sqlglot()
    if isinstance(node, comparisons):
        for col, other in ((node.this, node.expression), (node.expression, node.this)):
            name = _column(col, kinds)
            if name is not None:
                yield from ((name, x) for x in (other,) if _constant(x) is not None)
    elif isinstance(node, (exp.Between, exp.In)):
        name = _column(node.this, kinds)
        others = (node.args.get("low"), node.args.get("high")) if isinstance(node, exp.Between) else node.expressions
        if name is not None:
            yield from ((name, x) for x in others if x is not None and _constant(x) is not None)


def stored(tree: exp.Expression, kinds: dict[str, str], storage: str) -> bool:
    """Write, in ``tree`` (in place), each constant a comparison sets against a column of ``kinds`` (name ->
    date/time kind) as SQLite holds that column's values.  True when one was; ValueError (saying why) for a
    constant that is no such value."""
    exp, _, comparisons = _sqlglot()
    pairs = [pair for node in list(tree.find_all(*comparisons, exp.Between, exp.In)) for pair in _pairs(node, kinds)]
    for name, other in pairs:
        other.replace(_stored_sql(_constant(other), kinds[name], storage))
    return bool(pairs)


# The manifest's date/time kinds as the types PostgreSQL shows their constants cast to (and back)
PG_TYPES = {"date": "date", "time": "time without time zone", "timestamp": "timestamp without time zone",
            "timestamptz": "timestamp with time zone"}


def kind_of_cast(node) -> str | None:
    """The date/time kind a cast of a constant is to ('…'::timestamp with time zone), or None."""
    exp = _sqlglot()[0]
    t = exp.DataType.Type
    to = node.to.this if isinstance(node, exp.Cast) else None
    return {t.DATE: "date", t.TIME: "time", t.TIMESTAMP: "timestamp", t.TIMESTAMPTZ: "timestamptz"}.get(to)


def pg_shown(text: str, kind: str) -> str:
    """A date/time constant's text as PostgreSQL's catalog shows it (DateStyle ISO, TimeZone UTC: the settings
    the catalog is read in), so that '2020-01-01T00:00:00Z' and '2020-01-01 00:00:00+00' key alike; ValueError
    for a text Python does not read (infinity, a BC date)."""
    value = _READ[kind][0](text.strip())
    if kind == "date":
        return value.isoformat()
    if kind == "timestamptz":
        value = (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)
    shown = value.replace(tzinfo=None).isoformat(**({} if kind == "time" else {"sep": " "}),
                                                 timespec="microseconds" if value.microsecond else "seconds")
    return shown.rstrip("0") + ("+00" if kind == "timestamptz" else "") if value.microsecond else \
        shown + ("+00" if kind == "timestamptz" else "")


def typed_key(sql: str, kinds: dict[str, str]) -> str | None:
    """PostgreSQL's reading of ``sql`` as normalize keys it, with each constant it compares with a column of
    ``kinds`` cast to that column's type, as PostgreSQL's catalog shows it ('…'::timestamp with time zone);
    None when there is none (then the plain key is the key)."""
    import sqlglot
    from .normalize import tree_key
    try:
        tree = sqlglot.parse_one(sql, read="postgres")
    except Exception:  # noqa: BLE001 -- not read: the plain key (raw text) is the key
        return None
    exp, _, comparisons = _sqlglot()
    pairs = [pair for node in list(tree.find_all(*comparisons, exp.Between, exp.In)) for pair in _pairs(node, kinds)]
    if not pairs:
        return None
    for name, other in pairs:
        other.replace(exp.cast(exp.Literal.string(_constant(other)), PG_TYPES[kinds[name]], dialect="postgres"))
    return tree_key(tree)


def reads_otherwise(tree: exp.Expression) -> str | None:
    """What of a PostgreSQL expression SQLite would read otherwise (after ``stored``): an interval, a cast to
    a date/time type (SQLite reads the text as a number by the type name's affinity) or the clock (which a
    CHECK may not read there); None when there is nothing of that."""
    from .clockshift import reads_clock
    exp, timed_types, _ = _sqlglot()
    if reads_clock(tree):
        return ("it reads the clock: SQLite's CURRENT_TIMESTAMP is text, not the column's storage, and its date "
                "functions may not be used in a CHECK or an index")
    for node in tree.walk():
        if isinstance(node, exp.Interval) or isinstance(node, exp.Cast) and node.to.this in timed_types:
            return (f"{node.sql(dialect='postgres')}: SQLite has no {node.to.sql(dialect='postgres')} type and "
                    "reads it as a number") if isinstance(node, exp.Cast) else \
                f"{node.sql(dialect='postgres')}: SQLite has no interval type"
    return None
