"""PostgreSQL functions as the manifest holds them: one CREATE FUNCTION statement, checked, never run.

The statement is split with the project's own dollar-quote-aware splitter (``sqlsplit``): exactly one
statement, whose leading words are ``CREATE [OR REPLACE] FUNCTION <name>(``, in a trusted language
(plpgsql or sql) with a $-quoted body.  A manifest can so never carry a second statement.  Rendering
writes ``CREATE FUNCTION <qualified name>`` followed by the rest of the statement as written.
"""

from __future__ import annotations

import re

from .sqlsplit import split_sql

LANGUAGES = ("plpgsql", "sql")
_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
_HEAD = re.compile(rf"^CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+((?:{_IDENT}\s*\.\s*)?{_IDENT})\s*(?=\()", re.I)
_DOLLAR = re.compile(r"\$([A-Za-z_]*)\$")
_LANGUAGE = re.compile(r"\bLANGUAGE\s+'?([A-Za-z_]\w*)'?", re.I)


class FunctionError(ValueError):
    """Message is user-facing."""


def _ident(raw: str) -> str:
    raw = raw.strip()
    return raw[1:-1].replace('""', '"') if raw.startswith('"') else raw.lower()


def parse(name: str, text: str, schema: str | None = None) -> tuple[str, str, str]:
    """(definition after the name, language, body) of ``text``, which must create function ``name``."""
    stmts = split_sql(text, "postgres")
    if len(stmts) != 1:
        raise FunctionError(f"holds {len(stmts)} statements; write exactly one CREATE FUNCTION statement")
    stmt = stmts[0].text.rstrip().rstrip(";").rstrip()
    m = _HEAD.match(stmt)
    if m is None:
        raise FunctionError(f'"{" ".join(stmt.split()[:4])}…" is not CREATE FUNCTION {name}(…)')
    parts = [_ident(p) for p in re.findall(_IDENT, m.group(1))]
    if parts[-1] != name or (len(parts) == 2 and parts[0] != (schema or "public")):
        raise FunctionError(f'creates function "{".".join(parts)}", not "{name}"')
    rest = stmt[m.end():]
    d = _DOLLAR.search(rest)
    end = rest.find(d.group(0), d.end()) if d else -1
    if d is None or end < 0:
        raise FunctionError("write the body $-quoted: AS $$ … $$")
    body = rest[d.end():end]
    outside = rest[:d.start()] + " " + rest[end + len(d.group(0)):]
    lang = _LANGUAGE.search(outside)
    if lang is None or lang.group(1).lower() not in LANGUAGES:
        said = lang.group(1) if lang else "none"
        raise FunctionError(f"language {said}: only LANGUAGE plpgsql and LANGUAGE sql functions are supported")
    return rest, lang.group(1).lower(), body


def body_key(language: str, body: str) -> str:
    """How a function is compared: its language and whitespace-normalised body."""
    return f"{language}: {' '.join(body.split())}"
