"""Reading what SQLite's PRAGMAs do not tell from the stored CREATE statements:
constraint names, CHECK expressions, AUTOINCREMENT, index predicates and
expression columns.  A small tokenizer that knows SQLite's quoting and
comments, and splits at top-level commas; nothing here executes SQL.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_TOKEN = re.compile(r"""
    (?P<ws>\s+|--[^\n]*|/\*.*?\*/)
  | (?P<str>'(?:[^']|'')*')
  | (?P<qid>"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\])
  | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
  | (?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)
  | (?P<op>[(),;]|\|\||<=|>=|<>|!=|==|<<|>>|.)
""", re.S | re.X)


class Tok:
    """One token: its kind (ws is dropped), text and span in the statement.  A plain slotted class
    made once per token (a frozen dataclass cost more than the tokenizing itself); never changed."""

    __slots__ = ("kind", "text", "start", "end", "upper")

    def __init__(self, kind: str, text: str, start: int, end: int):
        self.kind, self.text, self.start, self.end = kind, text, start, end
        self.upper = text.upper() if kind == "word" else ""     # keywords are compared upper-cased

    def __repr__(self) -> str:
        return f"Tok({self.kind!r}, {self.text!r}, {self.start}, {self.end})"

    @property
    def ident(self) -> str:
        """The identifier this token names (quotes removed)."""
        if self.kind == "qid":
            body, q = self.text[1:-1], self.text[0]
            return body if q == "[" else body.replace(q * 2, q)
        if self.kind == "str":
            return self.text[1:-1].replace("''", "'")
        return self.text


def tokens(sql: str) -> tuple[Tok, ...]:
    """The tokens of ``sql`` without white space and comments (a table's statement is read more than
    once: kept per text)."""
    return _tokens(sql)


@functools.lru_cache(maxsize=4096)
def _tokens(sql: str) -> tuple[Tok, ...]:
    return tuple(Tok(m.lastgroup, m.group(), *m.span()) for m in _TOKEN.finditer(sql) if m.lastgroup != "ws")


def split_top(toks: list[Tok]) -> list[list[Tok]]:
    """Split at commas outside parentheses."""
    parts, cur, depth = [], [], 0
    for t in toks:
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        if t.text == "," and depth == 0:
            parts.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        parts.append(cur)
    return parts


def paren_body(toks: list[Tok], open_index: int) -> tuple[list[Tok], int]:
    """Tokens inside the parenthesis opening at ``open_index``, and the index after it closes."""
    depth = 0
    for i in range(open_index, len(toks)):
        if toks[i].text == "(":
            depth += 1
        elif toks[i].text == ")":
            depth -= 1
            if depth == 0:
                return toks[open_index + 1:i], i + 1
    return toks[open_index + 1:], len(toks)


def text_of(sql: str, toks: list[Tok]) -> str:
    return sql[toks[0].start:toks[-1].end] if toks else ""


@dataclass(frozen=True)
class Clause:
    kind: str                    # "primary key" | "unique" | "check" | "foreign key"
    name: str | None
    columns: tuple[str, ...] = ()
    expr: str = ""               # for checks
    deferred: bool = False       # foreign keys: DEFERRABLE INITIALLY DEFERRED


@dataclass(frozen=True)
class TableDDL:
    clauses: tuple[Clause, ...]
    autoincrement: bool
    generated: tuple[tuple[str, str], ...] = ()    # (column, expression) of GENERATED ALWAYS AS (...) columns
    collations: tuple[tuple[str, str], ...] = ()   # (column, collation) of a column declared with COLLATE


def parse_table(sql: str) -> TableDDL:
    toks = tokens(sql)
    start = next((i for i, t in enumerate(toks) if t.text == "("), None)
    if start is None:
        return TableDDL((), False)
    body, _ = paren_body(toks, start)
    clauses: list[Clause] = []
    generated: list[tuple[str, str]] = []
    collations: list[tuple[str, str]] = []
    autoinc = False
    for part in split_top(body):
        if not part:
            continue
        if part[0].upper in ("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"):
            clauses += _constraints(sql, part, column=None)
        else:
            column = part[0].ident
            autoinc = autoinc or any(t.upper == "AUTOINCREMENT" for t in part)
            clauses += _constraints(sql, part[1:], column=column)
            depth = 0
            for i, t in enumerate(part[1:-1], start=1):   # the column's own COLLATE (not one inside a CHECK)
                depth += (t.text == "(") - (t.text == ")")
                if depth == 0 and t.upper == "COLLATE":
                    collations.append((column, part[i + 1].ident))
            at = next((i for i in range(1, len(part) - 1) if part[i].upper == "AS" and part[i + 1].text == "("),
                      None)
            if at is not None:   # [GENERATED ALWAYS] AS (expr) [STORED | VIRTUAL]
                expr, _ = paren_body(part, at + 1)
                generated.append((column, text_of(sql, expr)))
    return TableDDL(tuple(clauses), autoinc, tuple(generated), tuple(collations))


def _names_in(toks: list[Tok]) -> tuple[str, ...]:
    return tuple(p[0].ident for p in split_top(toks) if p)


# Words that start the next clause of a column or table definition (where a REFERENCES clause ends).
_CLAUSE_START = ("CONSTRAINT", "CHECK", "PRIMARY", "UNIQUE", "FOREIGN", "REFERENCES", "DEFAULT", "COLLATE",
                 "GENERATED", "AS")


def _initially_deferred(words: list[str]) -> bool:
    """DEFERRABLE INITIALLY DEFERRED in a REFERENCES clause (NOT DEFERRABLE … is immediate)."""
    for k in range(len(words) - 2):
        if words[k:k + 3] == ["DEFERRABLE", "INITIALLY", "DEFERRED"]:
            return not (k and words[k - 1] == "NOT")
    return False


def _constraints(sql: str, toks: list[Tok], column: str | None) -> list[Clause]:
    """Named or unnamed constraint clauses in a column definition or a table constraint."""
    out, name, i = [], None, 0
    while i < len(toks):
        word = toks[i].upper
        if word == "CONSTRAINT" and i + 1 < len(toks):
            name = toks[i + 1].ident
            i += 2
            continue
        if word == "CHECK" and i + 1 < len(toks) and toks[i + 1].text == "(":
            inner, i = paren_body(toks, i + 1)
            out.append(Clause("check", name, (), text_of(sql, inner)))
            name = None
            continue
        if word in ("PRIMARY", "UNIQUE"):   # PRIMARY KEY [(cols)] / UNIQUE [(cols)]
            j = i + (2 if word == "PRIMARY" else 1)
            cols = (column,) if column else ()
            if j < len(toks) and toks[j].text == "(":
                inner, j = paren_body(toks, j)
                cols = _names_in(inner)
            out.append(Clause("primary key" if word == "PRIMARY" else "unique", name, cols))
            name, i = None, j
            continue
        if word in ("FOREIGN", "REFERENCES"):
            j = i + 2 if word == "FOREIGN" else i
            cols = (column,) if column else ()
            if word == "FOREIGN" and j < len(toks) and toks[j].text == "(":
                inner, j = paren_body(toks, j)
                cols = _names_in(inner)
            end = next((k for k in range(j + 1, len(toks)) if toks[k].upper in _CLAUSE_START), len(toks))
            out.append(Clause("foreign key", name, cols, deferred=_initially_deferred([t.upper for t in toks[j + 1:end]])))
            name = None
            i = j + 1
            continue
        i += 1
    return out


def index_parts(sql: str) -> tuple[list[str], str | None]:
    """Key texts of CREATE INDEX ... ON t (key, ...) and its WHERE predicate (or None)."""
    toks = tokens(sql)
    on = next((i for i, t in enumerate(toks) if t.upper == "ON"), None)
    if on is None:
        return [], None
    open_i = next((i for i in range(on, len(toks)) if toks[i].text == "("), None)
    if open_i is None:
        return [], None
    inner, after = paren_body(toks, open_i)
    keys = [text_of(sql, p) for p in split_top(inner) if p]
    rest = toks[after:]
    if rest and rest[0].upper == "WHERE":
        pred = [t for t in rest[1:] if t.text != ";"]
        return keys, text_of(sql, pred)
    return keys, None


def strip_order(key: str) -> tuple[str, bool]:
    """'"a" DESC' -> ('a', True): index key text to (name or expression, descending)."""
    toks = tokens(key)
    desc = False
    while toks and toks[-1].upper in ("ASC", "DESC"):
        desc = desc or toks[-1].upper == "DESC"
        toks = toks[:-1]
    while len(toks) >= 2 and toks[-2].upper == "COLLATE" and toks[-1].upper in ("BINARY", '"BINARY"'):
        toks = toks[:-2]   # the default; any other collation is part of the key (e COLLATE NOCASE)
    if len(toks) == 1 and toks[0].kind in ("word", "qid"):
        return toks[0].ident, desc
    return text_of(key, toks), desc


def view_body(sql: str) -> str:
    """The SELECT of a stored CREATE VIEW statement (text after its first top-level AS)."""
    toks = tokens(sql)
    depth = 0
    for i, t in enumerate(toks):
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        elif depth == 0 and t.upper == "AS" and i + 1 < len(toks):
            return sql[toks[i + 1].start:].strip().rstrip(";").strip()
    return sql


def view_column_list(sql: str) -> bool:
    """Does a stored CREATE VIEW statement name its columns (CREATE VIEW v (x, y) AS …) before its SELECT?"""
    for t in tokens(sql):
        if t.text == "(":
            return True
        if t.upper == "AS":
            return False
    return False


def fts5_args(sql: str) -> list[str] | None:
    """Arguments of CREATE VIRTUAL TABLE … USING fts5(…), identifiers unquoted; None for other modules."""
    toks = tokens(sql)
    using = next((i for i, t in enumerate(toks) if t.upper == "USING"), None)
    if using is None or using + 2 >= len(toks) or toks[using + 1].upper != "FTS5":
        return None
    inner, _ = paren_body(toks, using + 2)
    out = []
    for part in split_top(inner):
        if len(part) == 1:
            out.append(part[0].ident)
        else:
            out.append("".join(t.text for t in part))
    return out


def trigger_parts(sql: str) -> tuple[str, str, str]:
    """(timing: before, after or instead of; event; body statements) of a stored CREATE TRIGGER statement."""
    toks = tokens(sql)
    words = [t.upper for t in toks]
    head = words[:next((i for i, w in enumerate(words) if w == "ON"), 8)]
    timing = "instead of" if "INSTEAD" in head else "before" if "BEFORE" in head else "after"
    event = next((w.lower() for w in words if w in ("INSERT", "UPDATE", "DELETE")), "")
    begin = next((i for i, t in enumerate(toks) if t.upper == "BEGIN"), None)
    end = max((i for i, t in enumerate(toks) if t.upper == "END"), default=len(toks))
    body = sql[toks[begin + 1].start:toks[end].start] if begin is not None and begin + 1 < end else ""
    return timing, event, body.strip()
