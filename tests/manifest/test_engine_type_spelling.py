"""A column's own type spelling (sqlite_type, postgres_type) may quote a name, but only as a whole name:
the DDL it is written into still holds exactly the manifest's table and columns."""

from __future__ import annotations

import sqlite3

from schemactl import render
from schemactl.manifest.load import load_text

MANIFEST = """\
format: 1
name: quotes
version: 1
tables:
  t:
    columns:
      id: {type: integer, primary_key: true}
      a: {type: text, sqlite_type: 'TEXT "x y"'}
      b: {type: text, postgres_type: 'public."My Type"'}
"""


def test_a_quoted_name_in_a_type_spelling_stays_inside_the_column():
    m = load_text(MANIFEST, "quotes.yaml")
    db = sqlite3.connect(":memory:")
    db.executescript(render.ddl(m, "sqlite"))
    assert [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["t"]
    assert [(r[1], r[2]) for r in db.execute("PRAGMA table_info(t)")] == \
        [("id", "INTEGER"), ("a", 'TEXT "x y"'), ("b", "TEXT")]
    assert '    b public."My Type",\n' in render.ddl(m, "postgres")
