"""How engine type spellings are compared (standard library only; used by schemactl.runtime)."""

from __future__ import annotations

import re

_AROUND_PUNCT = re.compile(r"\s*([(),])\s*")


def sqlite_type(spelling: str) -> str:
    """SQLite declared types compare case- and space-insensitively."""
    return _AROUND_PUNCT.sub(r"\1", " ".join(spelling.split())).upper()


def pg_type(spelling: str) -> str:
    """format_type() spellings compare case- and space-insensitively."""
    return " ".join(spelling.split()).lower()
