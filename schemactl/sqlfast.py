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
# checked against the installed sqlglot by tests/test_sqlfast.py.
DECLINE = frozenset("""
all alter analyze and any as attach begin between cache call case comment commit connect_by_root copy create
cross current_catalog current_date current_schema current_time current_timestamp current_user declare delete
desc describe detach distinct do drop else end except exec execute explain false fetch for from glob grant
having if ilike inner insert intersect into join kill lateral like load localtime localtimestamp lock merge
not notnull null on only optimize or outer partitioned_by pivot pragma prepare qualify refresh regexp reindex
rename replace reset returning revoke rlike rollback select session_user set show straight_join table
tablesample then true truncate uncache union unpivot update use using vacuum variadic when where with xor
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
