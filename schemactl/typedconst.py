"""A constant compared with a column, written on SQLite as that column holds its values.

PostgreSQL reads the constant of ``at > '2020-01-01T00:00:00Z'`` (or its catalog's ``'2020-01-01 00:00:00+00'::
timestamp with time zone``) as a value of the column's type.  SQLite compares what the column stores:

- Unix milliseconds in the ``integer_ms`` storage of ``timestamptz`` (every text sorts after every number
  there, so such a CHECK fails every row), ISO-8601 text for the other date/time kinds, where a constant
  spelled otherwise (``T`` for a space, an offset, fewer fraction digits) compares character by character;
- a uuid in lower case (PostgreSQL reads ``'A0EE…'`` as the uuid SQLite holds as ``'a0ee…'``);
- a boolean as 1 or 0 (``active = 'true'`` compares the integer with text there: never equal);
- an enum as its text, which orders alphabetically where PostgreSQL orders by the declaration: ``level >=
  'medium'`` is, on SQLite, ``level IN ('medium', 'high')``.

So the SQLite form of such a comparison holds the constant as copy and restore write the column's values
(``datastorage.sqlite_stored``), an enum's order as the members it admits, and a constant that is no value
of the column's type is refused (PostgreSQL refuses it too).  ``typed_key`` reads the PostgreSQL form as its
catalog shows it (the constant cast to the column's type), for parity.

``reads_otherwise`` names what SQLite has no form of at all (an interval, a cast to a date/time type, the
clock), for an import to keep such an expression on PostgreSQL only.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid as uuidlib

# PostgreSQL's boolean input: these words and every unique prefix of them, in any case, blanks around
_BOOLEAN_WORDS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False,
                  "0": False}


def _boolean(text: str) -> bool:
    word = text.strip().lower()
    found = {v for w, v in _BOOLEAN_WORDS.items() if word and w.startswith(word)}
    if len(found) != 1:
        raise ValueError
    return found.pop()


# A UUID as PostgreSQL's uuid type reads one: 32 hex digits, a hyphen allowed after any group of four, the
# whole in braces or not (uuid.UUID also takes a urn: prefix, and int() a sign, underscores and blanks)
_UUID_TEXT = re.compile(r"(\{)?[0-9a-fA-F]{4}(?:-?[0-9a-fA-F]{4}){7}(?(1)\})")


def uuid_text(text: str) -> str:
    """The canonical (lower-case, hyphenated) form of a uuid's text as PostgreSQL reads it; ValueError for a
    text PostgreSQL's uuid refuses."""
    if not _UUID_TEXT.fullmatch(text):
        raise ValueError(f"{text!r} is not a uuid")
    return str(uuidlib.UUID(text.strip("{}").replace("-", "")))


# The manifest's kinds whose constants are written as the column holds values -> how a constant's text is
# read, and whether it must name its offset (None: no offset either way)
_READ = {
    "date": (dt.date.fromisoformat, None),
    "time": (dt.time.fromisoformat, False),
    "timestamp": (dt.datetime.fromisoformat, False),
    "timestamptz": (dt.datetime.fromisoformat, True),
    "uuid": (uuid_text, None),
    "boolean": (_boolean, None),
}
TIMED = ("date", "time", "timestamp", "timestamptz")
COMPARED = tuple(_READ)
# The types PostgreSQL shows a constant cast to, per kind (the catalog's spelling)
PG_TYPES = {"date": "date", "time": "time without time zone", "timestamp": "timestamp without time zone",
            "timestamptz": "timestamp with time zone", "uuid": "uuid", "boolean": "boolean"}


# Kinds PostgreSQL compares with no number (text = 5, a boolean = 1, a uuid = 5, json = 5: no such operator; an
# enum's neither), with what to write instead ({n}: the number, {col}: the column)
_NO_NUMBER = {"text": "write '{n}' (text), or declare {col} a number type if it holds numbers (numeric(p,s) is TEXT "
                      "on SQLite)",
              "char": "write '{n}' (text)", "boolean": "write TRUE or FALSE",
              "uuid": "write a uuid in quotes", "json": "compare a value read out of the document, cast to a number "
                                                        "(({col} ->> 'key')::numeric)"}
_NO_NUMBER_ENUM = "write one of its members in quotes"


def kinds_of(columns, enums: dict[str, tuple[str, ...]]) -> dict[str, str | tuple[str, ...]]:
    """{column: its kind} of the columns whose compared constants are written as they hold values (or that
    no number is compared with); an enum column's kind is its members, in order."""
    out: dict[str, str | tuple[str, ...]] = {}
    for c in columns:
        if c.type.enum and not c.type.array and c.type.enum in enums:
            out[c.name] = enums[c.type.enum]
        elif c.type.kind in _READ or c.type.kind in _NO_NUMBER:
            out[c.name] = c.type.kind
    return out


_STRING = re.compile(r"'((?:[^']|'')*)'")
_ORDERING = re.compile(r"<(?!>)|(?<!<)>|\bbetween\b", re.I)   # < > <= >= BETWEEN, not <>


def may_change(text: str, kinds) -> bool:
    """Whether ``stored`` may find something in a portable text comparing columns of ``kinds`` ((name, kind)
    pairs): False is certain, so the common text is not parsed (nor sqlglot imported) for nothing."""
    strings = [s.replace("''", "'") for s in _STRING.findall(text)]
    for name, kind in kinds:
        if isinstance(kind, tuple):   # an enum: ordered, or a constant to check is a member
            if _ORDERING.search(text) or any(s not in kind for s in strings):
                return True
        elif kind in _READ and strings:
            return True
        if isinstance(kind, tuple) or kind in _NO_NUMBER:   # a number beside the column, across a comparison (or
            col = r'"?' + re.escape(name) + r'"?'               # in its IN list)
            if re.search(rf"(?<![\w.]){col}\s*(?:=|<>|!=|<=|>=|<|>)\s*[-+(\s]*\d|\d[\s)]*(?:=|<>|!=|<=|>=|<|>)\s*"
                         rf"{col}(?![\w.])|(?<![\w.]){col}\s+(?:not\s+)?in\s*\([^)]*\d", text, re.I):
                return True
    return False


def _numbers_refused(tree, kinds: dict) -> None:
    """ValueError for a text, boolean, uuid, json or enum column compared with a number, which PostgreSQL refuses
    to create."""
    exp, _, comparisons = _sqlglot()
    for node in tree.find_all(*comparisons, exp.In):
        sides = [(node.this, x) for x in node.expressions] if isinstance(node, exp.In) else \
            [(node.this, node.expression), (node.expression, node.this)]
        for col, other in sides:
            name = _column(col, kinds)
            other = _bare(other)
            if isinstance(other, exp.Neg):
                other = _bare(other.this)
            if name is None or not isinstance(other, exp.Literal) or other.is_string:
                continue
            kind = kinds[name]
            if isinstance(kind, tuple):
                raise ValueError(f"{name} is an enum ({', '.join(kind)}), compared with the number {other.this}, which "
                                 f"has no operator on PostgreSQL: {_NO_NUMBER_ENUM}")
            if kind in _NO_NUMBER:
                raise ValueError(f"{name} is {kind}, compared with the number {other.this}, which has no operator "
                                 f"on PostgreSQL: {_NO_NUMBER[kind].format(n=other.this, col=name)}")


@functools.cache
def _sqlglot():
    """(sqlglot's expressions, the types a catalog casts constants to, its comparisons): imported when an
    expression is read, not when a manifest without such constants loads."""
    from sqlglot import exp
    t = exp.DataType.Type
    return exp, {t.DATE, t.TIME, t.TIMETZ, t.TIMESTAMP, t.TIMESTAMPTZ, t.TIMESTAMPLTZ, t.INTERVAL, t.UUID,
                 t.BOOLEAN, t.USERDEFINED}, (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ,
                                             exp.NullSafeNEQ)


def _bare(node):
    exp = _sqlglot()[0]
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _constant(node) -> str | None:
    """The text of a string constant, bare or cast to a type (as PostgreSQL's catalog shows one)."""
    exp, cast_types, _ = _sqlglot()
    node = _bare(node)
    if isinstance(node, exp.Cast) and node.to.this in cast_types:
        node = _bare(node.this)
    return node.this if isinstance(node, exp.Literal) and node.is_string else None


def _column(node, kinds: dict) -> str | None:
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
        raise ValueError(f"'{text}' is not a {kind}" + (" SQLite can hold (ISO-8601, years 1 to 9999)"
                                                         if kind in TIMED else "")) from None
    zone = getattr(value, "tzinfo", None) is not None
    if aware is True and not zone:
        raise ValueError(f"'{text}' names no offset, so PostgreSQL reads it in the session's time zone: give "
                         f"the timestamptz constant its offset ('{value.isoformat(sep=' ')}Z' for UTC)")
    if aware is False and zone:
        raise ValueError(f"'{text}' names an offset, which a {kind} does not hold")
    return value


def _stored_sql(text: str, kind: str, storage: str):
    exp = _sqlglot()[0]
    value = _value(text, kind)
    if kind in TIMED:
        from .datastorage import sqlite_stored
        value = sqlite_stored(kind, storage)(value)
    elif kind == "boolean":
        value = int(value)
    return exp.Literal.number(value) if isinstance(value, int) else exp.Literal.string(value)


def _pairs(node, kinds: dict):
    """(column, constant node) of a comparison between a column of ``kinds`` and constants."""
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


# An enum ordered against a member: the members admitted, by their position against the member's
_ORDERS = {"GT": lambda i, j: i > j, "GTE": lambda i, j: i >= j, "LT": lambda i, j: i < j,
           "LTE": lambda i, j: i <= j}
_FLIPPED = {"GT": "LT", "GTE": "LTE", "LT": "GT", "LTE": "GTE"}


def _member(text: str, members: tuple[str, ...]) -> int:
    if text not in members:
        raise ValueError(f"'{text}' is not a member of the enum ({', '.join(members)})")
    return members.index(text)


def _enum_orders(tree, kinds: dict):
    """(``tree`` with each comparison that orders an enum column against members as the members it admits,
    whether there was one): in place, but for a comparison that is the whole tree."""
    exp = _sqlglot()[0]
    changed = False
    for node in list(tree.find_all(exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between)):
        if isinstance(node, exp.Between):
            name = _column(node.this, kinds)
            if name is None or not isinstance(kinds[name], tuple) or any(
                    _constant(node.args.get(k)) is None for k in ("low", "high")):
                continue
            members = kinds[name]
            low, high = (_member(_constant(node.args[k]), members) for k in ("low", "high"))
            admitted = [m for i, m in enumerate(members) if low <= i <= high]
            column = node.this
        else:
            for col, other, op in ((node.this, node.expression, type(node).__name__),
                                   (node.expression, node.this, _FLIPPED[type(node).__name__])):
                name = _column(col, kinds)
                if name is not None and isinstance(kinds[name], tuple) and _constant(other) is not None:
                    members = kinds[name]
                    j = _member(_constant(other), members)
                    admitted = [m for i, m in enumerate(members) if _ORDERS[op](i, j)]
                    column = col
                    break
            else:
                continue
        column = column.copy()
        # none admitted: false, or NULL for a NULL (as the comparison itself)
        new = exp.In(this=column, expressions=[exp.Literal.string(m) for m in admitted]) if admitted else \
            exp.NEQ(this=column, expression=column.copy())
        tree = new if node is tree else tree
        node.replace(new)
        changed = True
    return tree, changed


def stored(tree, kinds: dict, storage: str):
    """(``tree`` with each constant a comparison sets against a column of ``kinds`` (name -> kind, or an
    enum's members) as SQLite holds that column's values, and each ordering of an enum column as the members
    it admits; whether something changed).  In place, but for a comparison that is the whole tree; ValueError
    (saying why) for a constant that is no value of the column's type."""
    exp, _, comparisons = _sqlglot()
    _numbers_refused(tree, kinds)
    tree, changed = _enum_orders(tree, kinds)
    pairs = [pair for node in list(tree.find_all(*comparisons, exp.Between, exp.In)) for pair in _pairs(node, kinds)]
    for name, other in pairs:
        if isinstance(kinds[name], tuple):
            _member(_constant(other), kinds[name])   # equality: the text itself, once it is a member
            continue
        if kinds[name] not in _READ:   # text: as written
            continue
        other.replace(_stored_sql(_constant(other), kinds[name], storage))
        changed = True
    return tree, changed


def postgres_refusal(sql: str, kinds: tuple) -> str | None:
    """Why PostgreSQL refuses ``sql``, an expression written for PostgreSQL alone (the postgres: side of a
    {postgres:, sqlite:} map), for what ``stored`` refuses of a text for both engines because PostgreSQL refuses
    it: a number compared with a column of ``kinds`` ((name, kind) pairs) that PostgreSQL compares with no number
    (text, character, a boolean, a uuid, json, an enum), and a constant that is no member of an enum, no uuid or
    no boolean as PostgreSQL reads one; None.  (A date/time constant is not judged: PostgreSQL reads forms
    Python's ISO reading does not, 'today' or 'Jan 1 2020'.)"""
    judged = tuple((n, k) for n, k in kinds if isinstance(k, tuple) or k not in TIMED)
    if not judged or not may_change(sql, judged):
        return None
    return _postgres_refusal(sql, judged)


@functools.lru_cache(maxsize=4096)
def _postgres_refusal(sql: str, judged: tuple) -> str | None:
    from .sqlexpr import parse_one
    exp, _, comparisons = _sqlglot()
    try:
        tree = parse_one(sql, "postgres")
    except ValueError:   # (sqlexpr.ExprError) not read here: the manifest's own reading says why
        return None
    kinds = dict(judged)
    try:
        _numbers_refused(tree, kinds)
    except ValueError as exc:
        return str(exc)
    try:
        for node in tree.find_all(*comparisons, exp.Between, exp.In):
            for name, other in _pairs(node, kinds):
                if isinstance(kinds[name], tuple):
                    _member(_constant(other), kinds[name])
                elif kinds[name] in _READ:
                    _value(_constant(other), kinds[name])
    except ValueError as exc:
        return f"{exc}, an error on PostgreSQL, which reads the constant as a value of the column's type"
    return None


def booleans_for_postgres(tree, kinds: dict):
    """(``tree``, a SQLite expression, with each 1 or 0 compared with a boolean column of ``kinds`` as TRUE or
    FALSE, which PostgreSQL compares a boolean with (it has no boolean = integer); whether one was).  In place;
    ValueError for another number, which no boolean equals."""
    exp = _sqlglot()[0]
    changed = False
    for node in list(tree.find_all(exp.EQ, exp.NEQ, exp.In)):
        sides = [(node.this, x) for x in node.expressions] if isinstance(node, exp.In) else \
            [(node.this, node.expression), (node.expression, node.this)]
        for col, other in sides:
            name = _column(col, kinds)
            number = _bare(other)
            if name is None or kinds[name] != "boolean" or not isinstance(number, exp.Literal) or number.is_string:
                continue
            if number.this not in ("0", "1"):
                raise ValueError(f"{name} is boolean, compared with {number.this}, which no boolean is (PostgreSQL's "
                                 "are true and false, SQLite's 1 and 0)")
            number.replace(exp.Boolean(this=number.this == "1"))
            changed = True
    return tree, changed


def pg_shown(text: str, kind: str) -> str:
    """A date/time constant's text as PostgreSQL's catalog shows it (DateStyle ISO, TimeZone UTC: the settings
    the catalog is read in), so that '2020-01-01T00:00:00Z' and '2020-01-01 00:00:00+00' key alike; a uuid in
    lower case; ValueError for a text Python does not read (infinity, a BC date)."""
    value = _READ[kind][0](text.strip())
    if kind == "uuid":
        return value
    if kind == "date":
        return value.isoformat()
    if kind == "timestamptz":
        value = (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)
    shown = value.replace(tzinfo=None).isoformat(**({} if kind == "time" else {"sep": " "}),
                                                 timespec="microseconds" if value.microsecond else "seconds")
    return shown.rstrip("0") + ("+00" if kind == "timestamptz" else "") if value.microsecond else \
        shown + ("+00" if kind == "timestamptz" else "")


def boolean_of(text: str) -> bool:
    """PostgreSQL's reading of a boolean's text ('t', 'yes', 'off'); ValueError for another text."""
    return _boolean(text)


def kind_of_cast(node) -> str | None:
    """The kind a cast of a constant is to ('…'::timestamp with time zone, '…'::uuid), or None."""
    exp = _sqlglot()[0]
    t = exp.DataType.Type
    to = node.to.this if isinstance(node, exp.Cast) else None
    return {t.DATE: "date", t.TIME: "time", t.TIMESTAMP: "timestamp", t.TIMESTAMPTZ: "timestamptz",
            t.UUID: "uuid", t.BOOLEAN: "boolean"}.get(to)


def typed_key(sql: str, kinds: dict) -> str | None:
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
    # a constant cast to another type than the column's keeps that type (timestamptz > '2020-01-01'::date
    # compares with a date: the catalog shows '2020-01-01'::date, not an instant)
    pairs = [(name, other) for node in list(tree.find_all(*comparisons, exp.Between, exp.In))
             for name, other in _pairs(node, kinds) if kinds[name] in PG_TYPES
             and not _cast_to_another(other, PG_TYPES[kinds[name]])]
    if not pairs:
        return None
    for name, other in pairs:
        other.replace(exp.cast(exp.Literal.string(_constant(other)), PG_TYPES[kinds[name]], dialect="postgres"))
    return tree_key(tree)


def _cast_to_another(node, pg_type: str) -> bool:
    """Whether the constant ``node`` is cast to a type other than ``pg_type`` ('…'::date beside a timestamptz)."""
    exp = _sqlglot()[0]
    node = _bare(node)
    return isinstance(node, exp.Cast) and node.to.this != exp.DataType.build(pg_type, dialect="postgres").this


def reads_otherwise(tree) -> str | None:
    """What of a PostgreSQL expression SQLite would read otherwise (after ``stored``): the clock (which a CHECK
    may not read there), an interval or a cast to a date/time type (SQLite reads the text as a number by the
    type name's affinity); None when there is nothing of that."""
    from .clockshift import reads_clock
    exp = _sqlglot()[0]
    t = exp.DataType.Type
    timed = {t.DATE, t.TIME, t.TIMETZ, t.TIMESTAMP, t.TIMESTAMPTZ, t.TIMESTAMPLTZ, t.INTERVAL}
    if reads_clock(tree):
        return ("it reads the clock: SQLite's CURRENT_TIMESTAMP is text, not the column's storage, and its date "
                "functions may not be used in a CHECK or an index")
    for node in tree.walk():
        if isinstance(node, exp.Interval) or isinstance(node, exp.Cast) and node.to.this in timed:
            return (f"{node.sql(dialect='postgres')}: SQLite has no {node.to.sql(dialect='postgres')} type and "
                    "reads it as a number") if isinstance(node, exp.Cast) else \
                f"{node.sql(dialect='postgres')}: SQLite has no interval type"
    return None
