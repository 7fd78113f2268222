"""Splitting PostgreSQL-style SQL scripts into statements (standard library only).

Aware of single- and double-quoted text, -- and /* */ comments and $tag$ bodies
(functions), so a ';' inside any of them does not end a statement.  With
``dialect="sqlite"`` a ';' ends a statement only where SQLite's own tokenizer
(``sqlite3.complete_statement``) says the statement is complete, so
``CREATE TRIGGER … BEGIN …; …; END;`` stays one statement.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class Statement:
    line: int
    text: str


def split_sql(text: str, dialect: str = "postgres") -> list[Statement]:
    """Statements of a script with their first line; aware of quotes, comments and $tag$ bodies
    (PostgreSQL) or of trigger bodies, brackets and backticks (SQLite)."""
    lite = dialect == "sqlite"
    quotes = "'\"`" if lite else "'\""
    out, start, i, n = [], 0, 0, len(text)
    lines = [0, 1]   # a position and its line: counted on from there, not from the start each time
    special = _SPECIAL_LITE if lite else _SPECIAL
    while i < n:
        if not special.match(text, i):   # nothing to track up to the next quote, comment, '$' or ';'
            m = special.search(text, i)
            i = m.start() if m else n
            continue
        ch = text[i]
        if text.startswith("--", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif lite and ch == "[":
            j = text.find("]", i + 1)
            i = n if j < 0 else j + 1
        elif ch in quotes:
            j = i + 1
            while j < n:
                if text[j] == ch and text[j + 1:j + 2] == ch:
                    j += 2
                elif text[j] == ch:
                    break
                else:
                    j += 1
            i = j + 1
        elif ch == "$" and not lite:
            m = _DOLLAR.match(text, i)
            if m:
                j = text.find(m.group(), i + len(m.group()))
                i = n if j < 0 else j + len(m.group())
            else:
                i += 1
        elif ch == ";" and lite and not sqlite3.complete_statement(text[start:i + 1]):
            i += 1   # inside CREATE TRIGGER … BEGIN … END
        elif ch == ";":
            _add(out, text, start, i + 1, lines)
            start = i = i + 1
        else:
            i += 1
    _add(out, text, start, n, lines)
    return out


_DOLLAR = re.compile(r"\$[A-Za-z_]*\$")
_SPECIAL = re.compile(r"--|/\*|['\"$;]")
_SPECIAL_LITE = re.compile(r"--|/\*|['\"`\[;]")


def _add(out: list, text: str, start: int, end: int, lines: list) -> None:
    chunk = text[start:end]
    skipped = re.match(r"(\s*(--[^\n]*(\n|$)|/\*.*?\*/))*\s*", chunk, re.S).end()
    body = chunk[skipped:].strip()
    if body and body != ";":
        lines[1] += text.count("\n", lines[0], start + skipped)
        lines[0] = start + skipped
        out.append(Statement(lines[1], body))
