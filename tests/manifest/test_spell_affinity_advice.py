"""The affinity warning of a sqlite.spell (or an import's): it warned of TEXT for timestamp, date and time,
whose values schemactl writes as ISO text that TEXT keeps as it is (every SQLite app database with
created_at TEXT DEFAULT CURRENT_TIMESTAMP got it on import), and advised "NUMERIC(10,10) TEXT" for
NUMERIC(p,s), a type name SQLite refuses (the (p, s) comes last)."""

from __future__ import annotations

import sqlite3

import pytest

from schemactl.manifest.load import load_text
from schemactl.typekeys import sqlite_affinity

HEAD = "format: 1\nname: s\nversion: 1\ntables:\n  t:\n    columns:\n      id: {type: integer, primary_key: true}\n"


def _warnings(spell: str) -> list[str]:
    return [w.message for w in load_text(HEAD + f"sqlite:\n  spell: {spell}\n", "m.yaml").warnings
            if "affinity" in w.message]


@pytest.mark.parametrize("spell", ["{timestamp: TEXT}", "{date: VARCHAR(10)}", "{time: TEXT}"])
def test_text_for_a_date_or_time_is_not_warned_about(spell):
    assert _warnings(spell) == []


def test_the_advised_name_is_one_sqlite_accepts_with_the_affinity_it_names():
    (got,) = _warnings('{numeric: "NUMERIC({precision},{scale})"}')
    advised = got.split('e.g. "', 1)[1].split('"', 1)[0]
    assert advised == "TEXT NUMERIC({precision},{scale})"   # a spelling, as sqlite.spell holds it
    advised = advised.format(precision=10, scale=2)
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE TABLE x (v {advised})")
    db.execute("INSERT INTO x VALUES ('1.50')")
    assert db.execute("SELECT v, typeof(v) FROM x").fetchone() == ("1.50", "text")
    assert sqlite_affinity(advised) == "TEXT"


def test_text_for_an_integer_storage_says_what_text_does():
    (got,) = _warnings("{timestamptz: TEXT}")
    assert "a number such as 123 would become the text '123'" in got
