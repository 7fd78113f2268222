"""A SQLite column declared TIMESTAMPTZ holds whatever the application wrote, often ISO text; the manifest's
timestamptz is held in its sqlite.timestamptz storage (Unix milliseconds unless set), so copy back into a
database built from the generated DDL turned '2024-01-01T10:00:00Z' into 1704103200000 while import counted
the column exact.  Import now lists the reading with the setting that keeps text."""

from __future__ import annotations

import sqlite3

from tests.conftest import cli


def test_a_declared_timestamptz_is_listed_with_its_storage(tmp_path):
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.executescript("CREATE TABLE a (id INTEGER PRIMARY KEY, at TIMESTAMPTZ);"
                       "INSERT INTO a VALUES (1, '2024-01-01T10:00:00Z');")
    conn.close()
    result = cli("import", "--db", f"sqlite:///{db}", "-o", tmp_path / "app.yaml")
    assert result.exit_code == 0, result.output
    assert 'import: approximately: table "a", column "at": TIMESTAMPTZ -> timestamptz (SQLite holds the ' \
           "manifest's timestamptz values in its sqlite.timestamptz storage, Unix milliseconds unless set; copy " \
           "reads ISO text too and writes that storage: set sqlite.timestamptz: iso_text if the values are text)" \
           in result.output
