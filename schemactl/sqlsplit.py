"""Splitting PostgreSQL-style SQL scripts into statements (standard library only).

Aware of single- and double-quoted text, E'…' escape strings, -- and (nested) /* */ comments and $tag$
bodies (functions), as PostgreSQL's own lexer reads them, so a ';' inside any of them does not end a
statement and a ';' outside all of them always does, but for the body of a CREATE FUNCTION|PROCEDURE
written BEGIN ATOMIC … END, whose statements end with ';' (read as PostgreSQL's grammar reads it: _Routine).
With
``dialect="sqlite"`` a ';' ends a statement only where SQLite's own tokenizer
(``sqlite3.complete_statement``) says the statement is complete, so
``CREATE TRIGGER … BEGIN …; …; END;`` stays one statement.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from .typekeys import TAG_CHAR, WORD_CHAR, WORD_START


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
    routine = None if lite else _Routine()
    while i < n:
        if not special.match(text, i):   # nothing to track up to the next quote, comment, '$' or ';'
            m = special.search(text, i)
            end = m.start() if m else n
            if routine is not None and routine.read(text, i, end):
                routine = None   # not a routine, or its body closed: no more to read
            i = end
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
        elif ch == ";" and routine is not None and routine.depth:
            i += 1   # inside CREATE FUNCTION … BEGIN ATOMIC … END
        elif ch == ";":
            _add(out, text, start, i + 1, lines, not lite)
            start = i = i + 1
            routine = None if lite else _Routine()
        else:
            i += 1
    _add(out, text, start, n, lines, not lite)
    return out


# PostgreSQL's lexer (scan.l): a dollar-quote tag starts with a letter or _ and goes on with digits too; an
# identifier goes on with letters, digits, _ and $ (any non-ASCII character counts as a letter): the classes of
# typekeys, shared with the runtime's tokenizer.
_DOLLAR = re.compile(rf"\$(?:{WORD_START}{TAG_CHAR}*)?\$")
_IDENT_CHAR = re.compile(WORD_CHAR)


class _Routine:
    """A SQL-standard routine body, CREATE [OR REPLACE] FUNCTION|PROCEDURE … BEGIN ATOMIC …; …; END (pg_dump
    prints them so since PostgreSQL 14), read as PostgreSQL's grammar reads it: the first BEGIN ATOMIC outside
    parentheses opens the body (there is no other), CASE inside it opens an expression that END closes, the END
    that closes the body ends it, and a ';' inside the body does not end the statement.  CASE and END are
    reserved words, so no column or alias is taken for one; words are read outside quotes, comments and $tag$
    bodies only, and a word that goes on an identifier (a$begin) is none."""

    __slots__ = ("words", "routine", "paren", "depth", "begin")

    def __init__(self):
        self.words: tuple[str, ...] = ()
        self.routine = self.begin = False
        self.paren = self.depth = 0

    def read(self, text: str, i: int, end: int) -> bool:
        """Read the words and parentheses of text[i:end]; True when nothing further can matter."""
        if not self.words and _NO_ROUTINE.match(text, i, end):   # most statements: CREATE TABLE, ALTER, …
            return True
        for m in _WORD_OR_PAREN.finditer(text, i, end):
            word = m.group().lower()
            if word == "(":
                self.paren += 1
            elif word == ")":
                self.paren = max(self.paren - 1, 0)
            elif not self.routine:   # its leading words: CREATE [OR REPLACE] FUNCTION|PROCEDURE, or not a routine
                self.words += (word,)
                if self.words in _ROUTINE_HEADS:
                    self.routine = True
                elif self.words not in _ROUTINE_STARTS:
                    return True
            elif self.paren:
                self.begin = False
            elif not self.depth:   # the head: the body opens at BEGIN ATOMIC
                if self.begin and word == "atomic":
                    self.depth = 1
                self.begin = word == "begin"
            elif word == "case":
                self.depth += 1
            elif word == "end":
                self.depth -= 1
                if not self.depth:   # the body is closed: the statement ends at the next ';'
                    return True
        return False


_ROUTINE_HEADS = {("create", "function"), ("create", "procedure"), ("create", "or", "replace", "function"),
                  ("create", "or", "replace", "procedure")}
# leading words that are no routine's, read at once (CREATE TABLE …, ALTER …, INSERT …)
_NO_ROUTINE = re.compile(r"\s*(?:(?!create\b)[a-z_]|create\s+(?!or\b|function\b|procedure\b)[a-z_])", re.I)
_ROUTINE_STARTS = {head[:n] for head in _ROUTINE_HEADS for n in range(1, len(head))}


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
_WORD_OR_PAREN = re.compile(rf"(?<!{WORD_CHAR}){WORD_START}{WORD_CHAR}*|[()]")
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
