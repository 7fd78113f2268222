"""A SQLite trigger's tbl_name is spelled as its CREATE TRIGGER wrote it: ON users of a table created as Users.
Import skipped the trigger without a word (its table was not among the manifest's: '0 not mapped') and diff
reported it as not in the manifest.  The trigger is now read on the table SQLite fires it on; a trigger on a
table the manifest does not hold is listed."""

from __future__ import annotations

import sqlite3

from schemactl.introspect import introspect
from schemactl.manifest.load import load_file
from tests.conftest import cli


def test_a_trigger_naming_its_table_in_another_case_is_imported(tmp_path):
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.executescript("CREATE TABLE Users (id INTEGER PRIMARY KEY, n INTEGER DEFAULT 0);"
                       "CREATE TRIGGER users_ai AFTER INSERT ON users BEGIN UPDATE users SET n = 1 WHERE id = NEW.id; "
                       "END;")
    assert [(t.name, t.table) for t in introspect(conn, "sqlite").triggers] == [("users_ai", "Users")]
    conn.close()
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", f"sqlite:///{db}", "-o", out)
    assert result.exit_code == 0, result.output
    assert [(t.name, t.table) for t in load_file(out).triggers] == [("users_ai", "Users")]
    found = cli("diff", out, "--db", f"sqlite:///{db}")
    assert found.exit_code == 0, found.output
