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
    split = split_body(rest)
    if split is None:
        raise FunctionError("write the body $-quoted: AS $$ … $$")
    body, outside = split
    lang = _LANGUAGE.search(outside)
    if lang is None or lang.group(1).lower() not in LANGUAGES:
        said = lang.group(1) if lang else "none"
        raise FunctionError(f"language {said}: only LANGUAGE plpgsql and LANGUAGE sql functions are supported")
    return rest, lang.group(1).lower(), body


def split_body(rest: str) -> tuple[str, str] | None:
    """(the $-quoted body, the rest of the statement without it) of a CREATE FUNCTION after its name."""
    d = _DOLLAR.search(rest)
    end = rest.find(d.group(0), d.end()) if d else -1
    if d is None or end < 0:
        return None
    return rest[d.end():end], rest[:d.start()] + " " + rest[end + len(d.group(0)):]


# The clauses of CREATE FUNCTION that end a SET clause's value.
_CLAUSE = (r"SET|RESET|SECURITY|EXTERNAL|LANGUAGE|AS|IMMUTABLE|STABLE|VOLATILE|STRICT|CALLED|RETURNS|COST|ROWS|"
           r"PARALLEL|LEAKPROOF|NOT|SUPPORT|WINDOW|TRANSFORM")
_DEFINER = re.compile(r"\bSECURITY\s+DEFINER\b", re.I)
_SET = re.compile(rf"\bSET\s+([A-Za-z_][\w.]*)\s*(?:=|\bTO\b)\s*(.*?)(?=\s+(?:{_CLAUSE})\b|\s*;?\s*$)", re.I | re.S)
_BLANKS_AND_QUOTES = re.compile(r"[\s'\"]")


def settings_key(definer: bool, config) -> tuple[str, ...]:
    """How a function's SECURITY DEFINER and SET clauses are compared: "security definer" and each setting as
    "set name=value", the value without blanks and quotes (PostgreSQL keeps SET search_path TO 'a', 'b' as
    search_path=a, b)."""
    sets = sorted(f"set {name.lower()}={_BLANKS_AND_QUOTES.sub('', value)}"
                  for name, value in (c.split("=", 1) for c in config or ()))
    return (("security definer",) if definer else ()) + tuple(sets)


def settings(definition: str) -> tuple[str, ...]:
    """settings_key of a CREATE FUNCTION statement after its name, as PostgreSQL keeps its clauses (prosecdef,
    proconfig); a SET … TO DEFAULT sets nothing."""
    split = split_body(definition)
    outside = split[1] if split else definition
    config = [f"{name}={value}" for name, value in _SET.findall(outside) if value.strip().upper() != "DEFAULT"]
    return settings_key(bool(_DEFINER.search(outside)), config)


# schemactl's trigger function: BEGIN, its statements, RETURN x; END
_TRIGGER_BODY = re.compile(r"\s*BEGIN\b(.*?)\bRETURN\b([^;]*);\s*END\s*;?\s*", re.S | re.I)


def trigger_body(body: str) -> tuple[str, str | None]:
    """(statements, returned expression) of a trigger function's body as schemactl writes it; a body of
    another form (a DECLARE, an EXCEPTION block, statements after the RETURN) is all statements, returning None."""
    m = _TRIGGER_BODY.fullmatch(body)
    return (m.group(1).strip(), m.group(2).strip()) if m else (body.strip(), None)


def body_key(language: str, body: str) -> str:
    """How a function is compared: its language and whitespace-normalised body."""
    return f"{language}: {' '.join(body.split())}"
