"""The few expression shapes that need no parser: rendered here exactly as sqlglot renders them.

Most expressions in a manifest are a column compared with a literal (``state <> 'closed'``,
``length(name) > 0``, ``deleted_at IS NULL``).  Parsing them with sqlglot costs its import (0.1-0.2 s
per process) and a parse each; this module answers them with one regular expression.  It accepts only

    operand                       operand OP operand            column IS [NOT] NULL

where an operand is a plain lower-case column name, a number, a string without quotes, backslashes or
control characters, TRUE/FALSE, or ``length|lower|upper|abs(column)``, and OP a comparison.  Anything
else (and every word sqlglot reads as anything but a column name: ``DECLINE``) returns None, and the
caller parses with sqlglot.  tests/test_sqlfast.py proves, against the installed sqlglot, that
whatever this module accepts renders and names its columns exactly as the sqlglot path does, for every
keyword and function name sqlglot knows, in the portable, PostgreSQL and SQLite readings.
"""

from __future__ import annotations

import re

from .naming import needs_quotes

_IDENT = r"[a-z_][a-z0-9_]*"
_OPERAND = (r"(?:(?P<{n}f>[A-Za-z]+)\s*\(\s*(?P<{n}a>" + _IDENT + r")\s*\)"
            r"|(?P<{n}s>'[^'\\\x00-\x1f\x7f]*')"
            r"|(?P<{n}n>-?[0-9]+(?:\.[0-9]+)?)"
            r"|(?P<{n}w>[A-Za-z_][A-Za-z0-9_]*))")
_OPS = {"=": "=", "==": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_SHAPE = re.compile(r"\s*" + _OPERAND.format(n="l")
                    + r"(?:\s*(?P<op><>|!=|<=|>=|==|=|<|>)\s*" + _OPERAND.format(n="r")
                    + r"|(?P<isnull>\s+(?i:IS)\s+(?P<isnot>(?i:NOT)\s+)?(?i:NULL)))?\s*")
_COLUMN = re.compile(_IDENT)
_FUNCTIONS = {"length": "LENGTH", "lower": "LOWER", "upper": "UPPER", "abs": "ABS"}
_BOOLEANS = {"true": "TRUE", "false": "FALSE"}

# Words sqlglot reads as something other than a plain column name (a keyword, a function without
# parentheses, a literal), or as one it would quote differently; written out from sqlglot 30's tables and
# checked against the installed sqlglot by tests/test_sqlfast.py (30.31 reads savepoint and release as
# statements; the other statement words of PostgreSQL are declined with them).
DECLINE = frozenset("""
all alter analyze and any as attach begin between cache call case comment commit connect_by_root copy create
cross current_catalog current_date current_schema current_time current_timestamp current_user declare delete
desc describe detach distinct do drop else end except exec execute explain false fetch for from glob grant
having if ilike inner insert intersect into join kill lateral like load localtime localtimestamp lock merge
not notnull null on only optimize or outer partitioned_by pivot pragma prepare qualify refresh regexp reindex
rename replace reset returning revoke rlike rollback select session_user set show straight_join table
tablesample then true truncate uncache union unpivot update use using vacuum variadic when where with xor
abort checkpoint cluster deallocate discard listen notify release savepoint start unlisten
""".split())


def _operand(m, side: str):
    """(SQL, column read at the top level, column read inside a function call) or None."""
    fn, arg = m.group(side + "f"), m.group(side + "a")
    if fn is not None:
        name = _FUNCTIONS.get(fn.lower())
        if name is None or not _column_ok(arg):
            return None
        return f"{name}({_quoted(arg)})", None, arg
    text = m.group(side + "s") or m.group(side + "n")
    if text is not None:
        return text, None, None
    word = m.group(side + "w")
    if word.lower() in _BOOLEANS:
        return _BOOLEANS[word.lower()], None, None
    if not _column_ok(word):
        return None
    return _quoted(word), word, None


def _column_ok(word: str) -> bool:
    return _COLUMN.fullmatch(word) is not None and word not in DECLINE


def _quoted(word: str) -> str:
    return f'"{word}"' if needs_quotes(word) else word


# sqlglot keeps PostgreSQL's own ``x IS NOT NULL``; the portable and SQLite readings become ``NOT x IS NULL``.
_IS_NOT_NULL = {None: "NOT {} IS NULL", "postgres": "{} IS NOT NULL", "sqlite": "NOT {} IS NULL"}


def render(text: str, read: str | None = None) -> tuple[str, tuple[str, ...]] | None:
    """(SQL as sqlglot writes it, read in ``read``'s dialect (None: portable), for the engine(s) of that
    reading, and the columns read in sqlglot's order), or None."""
    m = _SHAPE.fullmatch(text)
    if m is None:
        return None
    left = _operand(m, "l")
    if left is None:
        return None
    if m.group("op") is not None:
        right = _operand(m, "r")
        if right is None:
            return None
        sql = f"{left[0]} {_OPS[m.group('op')]} {right[0]}"
        found = (left[1], right[1], left[2], right[2])    # breadth first: operands, then inside calls
    elif m.group("isnull") is not None:
        if left[1] is None:      # only a column IS [NOT] NULL
            return None
        sql = _IS_NOT_NULL[read].format(left[0]) if m.group("isnot") else f"{left[0]} IS NULL"
        found = (left[1],)
    else:
        sql, found = left[0], (left[1], left[2])
    return sql, tuple(dict.fromkeys(c for c in found if c is not None))


# -- structural keys (schemactl.normalize.expr_key) of the plain shapes, without sqlglot
#
# The catalogs of both engines give these back: SQLite as written (``LENGTH(name) > 0``), PostgreSQL
# in its own words (``(length((name)::text) > 0)``, ``(state <> 'closed'::state)``, ``(x = ANY
# (ARRAY['a'::text, 'b'::text]))``).  key() reads
#
#     operand [OP operand | IS [NOT] NULL | IN (literal, ...) | = ANY (ARRAY[literal, ...])]
#
# where an operand is a column (plain or double-quoted), a number, a string without quotes,
# backslashes or control characters, or length|lower|upper|abs(operand), each in any parentheses and
# with ::type casts; it returns the tuple normalize._key builds from sqlglot's tree, or None for
# anything else (then normalize parses with sqlglot).  tests/test_sqlfast.py holds the two together.

_KEY_TOKEN = re.compile(r"""\s*(?:
    (?P<s>'[^'\\\x00-\x1f\x7f]*')
  | (?P<q>"[^"\x00-\x1f\x7f]+")
  | (?P<n>[0-9]+(?:\.[0-9]+)?(?![0-9A-Za-z_.]))
  | (?P<w>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<p>::|<>|!=|<=|>=|[=<>(),\[\]-])
)""", re.X)
_KEY_OPS = {"=": "eq", "<>": "neq", "!=": "neq", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
_KEY_FUNCTIONS = frozenset(_FUNCTIONS)
_KEY_DECLINE = DECLINE | {"values"}     # "(values" starts a VALUES list for sqlglot
_NULL = ("null", ())


def _key_decimal(text: str) -> str:
    from .normalize import _decimal as exact
    return exact(text)


class _Declined(Exception):
    pass


class _Reader:
    def __init__(self, text: str):
        self.toks: list[tuple[str, str]] = []
        pos, end = 0, len(text)
        while True:
            m = _KEY_TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                if text[pos:].strip():
                    raise _Declined
                break
            self.toks.append((m.lastgroup, m.group(m.lastgroup)))
            pos = m.end()
            if pos >= end:
                break
        self.i = 0

    def peek(self, ahead: int = 0) -> tuple[str, str]:
        j = self.i + ahead
        return self.toks[j] if j < len(self.toks) else ("", "")

    def take(self, text: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if not tok[0] or (text is not None and tok[1].upper() != text):
            raise _Declined
        self.i += 1
        return tok

    def word(self, upper: str) -> bool:
        kind, text = self.peek()
        return kind == "w" and text.upper() == upper


def key(text: str, engine: str):
    """normalize._key of sqlglot's reading of ``text`` in ``engine``'s dialect, or None when the shape is
    not one of the plain ones above (casts and ``= ANY (ARRAY[...])`` are read for PostgreSQL only)."""
    try:
        r = _Reader(text)
        r.pg = engine == "postgres"
        out = _key_expression(r)
        if r.i != len(r.toks):
            return None
        return out
    except (_Declined, IndexError):
        return None


def _key_expression(r: _Reader):
    """An expression in any number of parentheses (sqlglot's Paren nodes leave no trace in the key)."""
    depth = 0
    while r.peek()[1] == "(" and not _key_operand_in_parens(r, depth):
        r.take()
        depth += 1
    left = _key_operand(r)
    kind, text = r.peek()
    if kind == "p" and text in _KEY_OPS:
        r.take()
        if text == "=" and r.pg and r.word("ANY"):
            out = in_key(left, _key_any_array(r))
        else:
            right = _key_operand(r)
            out = (_KEY_OPS[text], (("expression", right), ("this", left)))
    elif r.word("IS"):
        r.take()
        negate = r.word("NOT")
        if negate:
            r.take()
        r.take("NULL")
        out = ("isnot", left, _NULL) if negate else ("is", (("expression", _NULL), ("this", left)))
    elif r.word("IN"):
        r.take()
        r.take("(")
        out = in_key(left, _key_literals(r, ")"))
    else:
        out = left
    for _ in range(depth):
        r.take(")")
    return out


def in_key(left, items: tuple):
    """The key of ``left IN (items)``: with one item, ``left = item``'s (PostgreSQL stores IN ('a') so)."""
    return (_KEY_OPS["="], (("expression", items[0]), ("this", left))) if len(items) == 1 else ("in", left, items)


def _key_operand_in_parens(r: _Reader, depth: int) -> bool:
    """Is the parenthesis at the reader an operand's own (``(name)::text``, ``(0)::numeric``) rather than
    the whole expression's?  Looks for its closing parenthesis followed by a cast."""
    level = 0
    for j in range(r.i, len(r.toks)):
        t = r.toks[j][1]
        if r.toks[j][0] != "p":
            continue
        if t in ("(", "["):
            level += 1
        elif t in (")", "]"):
            level -= 1
            if level == 0:
                return j + 1 < len(r.toks) and r.toks[j + 1][1] == "::"
    return False


# Types whose constants normalize keys by their value (an interval's parts, a date/time as PostgreSQL shows it,
# a uuid in lower case, a boolean's truth: typedconst), not by their text
_VALUE_KEYED = frozenset({"interval", "date", "time", "timetz", "timestamp", "timestamptz", "uuid", "boolean",
                          "bool"})


def _key_cast(r: _Reader) -> None:
    """Skip ``::type`` casts (one word, or a double-quoted name)."""
    while r.peek()[1] == "::":
        if not r.pg:
            raise _Declined
        r.take()
        kind, _ = r.take()
        if kind not in ("w", "q"):
            raise _Declined
        if r.peek()[1] in ("(", "[", "."):     # varchar(20), text[], schema.type: sqlglot decides
            raise _Declined


def _key_operand(r: _Reader):
    kind, text = r.peek()
    if text == "(":
        r.take()
        inner = _key_operand(r)
        r.take(")")
        if inner[0] == "str" and r.peek()[1] == "::":   # ('0')::integer: a constant's cast, sqlglot decides
            raise _Declined
        _key_cast(r)
        return inner
    if kind == "s":
        r.take()
        body = text[1:-1]
        if r.peek()[1] == "::":
            try:   # a number in quotes cast to a numeric type is a number: sqlglot's tree decides
                float(body)
                raise _Declined
            except ValueError:
                pass
            if r.pg and r.peek(1)[1].lower() in _VALUE_KEYED:   # normalize keys such a constant by its value
                raise _Declined
            _key_cast(r)
        return ("str", body)
    if kind == "n" or text == "-":
        return _key_number(r)
    if kind == "q":
        r.take()
        _key_cast(r)
        return ("col", ("id", text[1:-1] if r.pg else text[1:-1].lower()))   # SQLite: any case, quoted or not
    if kind == "w":
        r.take()
        low = text.lower()
        if r.peek()[1] == "(":
            if low not in _KEY_FUNCTIONS:
                raise _Declined
            r.take()
            arg = _key_operand(r)
            r.take(")")
            _key_cast(r)
            return (low, (("this", arg),))
        if low in _KEY_DECLINE or low in _BOOLEANS or _COLUMN.fullmatch(low) is None:
            raise _Declined
        _key_cast(r)
        return ("col", ("id", low))
    raise _Declined


def _key_number(r: _Reader):
    sign = ""
    if r.peek()[1] == "-":
        r.take()
        sign = "-"
    kind, text = r.take()
    if kind != "n" or (sign and r.peek()[1] == "::"):   # -5::integer: which binds first is sqlglot's to say
        raise _Declined
    if not sign:
        _key_cast(r)
    return ("num", _key_decimal(sign + text))


def _key_literal(r: _Reader):
    kind, text = r.peek()
    if kind == "s" or kind == "n" or text == "-" or (text == "(" and r.peek(1)[0] in ("s", "n")):
        out = _key_operand(r)
        if out[0] not in ("str", "num"):
            raise _Declined
        return out
    raise _Declined


def _key_any_array(r: _Reader) -> tuple:
    """``ANY (ARRAY[literal, ...])`` after ``=``: the IN list PostgreSQL writes back."""
    r.take("ANY")
    r.take("(")
    r.take("ARRAY")
    r.take("[")
    items = _key_literals(r, "]")
    r.take(")")
    return items


def _key_literals(r: _Reader, close: str) -> tuple:
    """``literal, ...`` up to and including ``close``."""
    items = [_key_literal(r)]
    while r.peek()[1] == ",":
        r.take()
        items.append(_key_literal(r))
    r.take(close)
    return tuple(items)
