"""A STRICT table's ANY column keeps each value as given (it has no affinity there, NUMERIC elsewhere).
Import read it as double: the integer 1 then moved as 1.0, and the note said ANY has NUMERIC affinity."""

from __future__ import annotations

import sqlite3

from tests.conftest import cli


def _db(tmp_path, strict: bool):
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, v ANY){' STRICT' if strict else ''}")
    conn.execute("INSERT INTO t VALUES (1, 1)")
    conn.commit()
    conn.close()
    return db


def test_a_strict_tables_any_column_is_read_as_text_and_its_number_refused_not_changed(tmp_path):
    db = _db(tmp_path, strict=True)
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", f"sqlite:///{db}", "-o", out)
    assert result.exit_code == 0, result.output
    assert "v: {type: text, sqlite_type: ANY}" in out.read_text()
    assert "ANY in a STRICT table keeps each value as given" in result.output
    assert cli("diff", out, "--db", f"sqlite:///{db}").exit_code == 0
    backup = cli("backup", "--manifest", out, "--db", f"sqlite:///{db}", "-o", tmp_path / "a.jsonl.gz")
    assert backup.exit_code == 2 and "holds the number 1, not text" in backup.output   # never 1 -> 1.0 or '1'


def test_any_outside_a_strict_table_keeps_its_numeric_reading(tmp_path):
    db = _db(tmp_path, strict=False)
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", f"sqlite:///{db}", "-o", out)
    assert result.exit_code == 0, result.output
    assert "ANY has NUMERIC affinity" in result.output
