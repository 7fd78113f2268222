"""Splitting PostgreSQL-style SQL scripts into statements (standard library only).

Aware of single- and double-quoted text, E'…' escape strings, -- and (nested) /* */ comments and $tag$
bodies (functions), as PostgreSQL's own lexer reads them, so a ';' inside any of them does not end a
statement and a ';' outside all of them always does.  With
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
            i = _comment_end(text, i, nested=not lite)
        elif lite and ch == "[":
            j = text.find("]", i + 1)
            i = n if j < 0 else j + 1
        elif ch in quotes:
            # PostgreSQL's E'…' (escape string): a backslash escapes the next character, \' among them
            escapes = not lite and ch == "'" and i > 0 and text[i - 1] in "eE" and \
                (i < 2 or not _IDENT_CHAR.match(text, i - 2))
            j = i + 1
            while j < n:
                if escapes and text[j] == "\\":
                    j += 2
                elif text[j] == ch and text[j + 1:j + 2] == ch:
                    j += 2
                elif text[j] == ch:
                    break
                else:
                    j += 1
            i = j + 1
        elif ch == "$" and not lite:
            # a $tag$ opens a body only where an identifier does not go on ("a$q$" is one identifier)
            m = _DOLLAR.match(text, i) if i == 0 or not _IDENT_CHAR.match(text, i - 1) else None
            if m:
                j = text.find(m.group(), i + len(m.group()))
                i = n if j < 0 else j + len(m.group())
            else:
                i += 1
        elif ch == ";" and lite and not sqlite3.complete_statement(text[start:i + 1]):
            i += 1   # inside CREATE TRIGGER … BEGIN … END
        elif ch == ";":
            _add(out, text, start, i + 1, lines, not lite)
            start = i = i + 1
        else:
            i += 1
    _add(out, text, start, n, lines, not lite)
    return out


# PostgreSQL's lexer (scan.l): a dollar-quote tag starts with a letter or _ and goes on with digits too; an
# identifier goes on with letters, digits, _ and $ (any non-ASCII character counts as a letter)
_DOLLAR = re.compile(r"\$(?:[A-Za-z_\u0080-\U0010ffff][A-Za-z0-9_\u0080-\U0010ffff]*)?\$")
_IDENT_CHAR = re.compile(r"[A-Za-z0-9_$\u0080-\U0010ffff]")


def _comment_end(text: str, i: int, nested: bool) -> int:
    """Where the /* comment at ``i`` ends.  PostgreSQL's comments nest (/* /* */ */ is one comment);
    SQLite's end at the first */."""
    if not nested:
        j = text.find("*/", i + 2)
        return len(text) if j < 0 else j + 2
    depth = 0
    for m in _COMMENT_MARK.finditer(text, i):
        depth += 1 if m.group() == "/*" else -1
        if depth == 0:
            return m.end()
    return len(text)


_COMMENT_MARK = re.compile(r"/\*|\*/")
_SPECIAL = re.compile(r"--|/\*|['\"$;]")
_SPECIAL_LITE = re.compile(r"--|/\*|['\"`\[;]")


def _add(out: list, text: str, start: int, end: int, lines: list, nested: bool) -> None:
    chunk = text[start:end]
    skipped = 0
    while True:   # the comments before the statement (its line is its first word's)
        skipped = re.match(r"\s*", chunk[skipped:]).end() + skipped
        if chunk.startswith("--", skipped):
            nl = chunk.find("\n", skipped)
            skipped = len(chunk) if nl < 0 else nl + 1
        elif chunk.startswith("/*", skipped):
            skipped = _comment_end(chunk, skipped, nested)
        else:
            break
    body = chunk[skipped:].strip()
    if body and body != ";":
        lines[1] += text.count("\n", lines[0], start + skipped)
        lines[0] = start + skipped
        out.append(Statement(lines[1], body))
