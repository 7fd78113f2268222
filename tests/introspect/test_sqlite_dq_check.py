"""SQLite reads a double-quoted word that names no column as a string: CHECK (kind IN ("a", "b")) admits 'a'
and 'b'.  Import writes the check with strings (listed); diff of the database it came from then reported the
imported check missing (SC331) and the database's undeclared (SC332)."""

from __future__ import annotations

import sqlite3

from tests.conftest import cli


def test_a_check_with_double_quoted_strings_diffs_clean_after_import(tmp_path):
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.executescript("CREATE TABLE t (id INTEGER PRIMARY KEY, kind TEXT CHECK (kind IN (\"a\", \"b\")), "
                       "n TEXT CHECK (\"n\" <> \"x\"));")
    conn.execute("INSERT INTO t VALUES (1, 'a', 'y')")
    conn.close()
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", f"sqlite:///{db}", "-o", out)
    assert result.exit_code == 0, result.output
    assert "kind IN ('a', 'b')" in out.read_text()
    found = cli("diff", out, "--db", f"sqlite:///{db}")
    assert found.exit_code == 0, found.output


def test_an_index_where_and_a_generated_column_with_double_quoted_strings_diff_clean_after_import(tmp_path):
    """The same for a partial index's WHERE and a generated column's expression (import wrote them with
    strings; diff reported SC345 "another WHERE" and SC208 "generated differently")."""
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.executescript("CREATE TABLE t (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, "
                       "label TEXT GENERATED ALWAYS AS (kind || \"-x\") VIRTUAL, "
                       "tag TEXT GENERATED ALWAYS AS (\"kind\" || 'y') STORED);"
                       "CREATE INDEX t_a ON t (id) WHERE kind = \"a\";")
    conn.execute("INSERT INTO t (id, kind) VALUES (1, 'a')")
    conn.close()
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", f"sqlite:///{db}", "-o", out)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "kind = 'a'" in text and "kind || '-x'" in text
    found = cli("diff", out, "--db", f"sqlite:///{db}")
    assert found.exit_code == 0, found.output
