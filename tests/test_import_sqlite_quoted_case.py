"""SQLite matches names in any ASCII case, quoted or not.  The manifest's SQLite text of a trigger on columns
named Id, Price is rendered with quotes (WHERE "Id" = NEW."Id"), and the comparison kept a quoted name's case
where it folded an unquoted one: diff of the very database the manifest was imported from reported SC373
'trigger differs' (and a CHECK written "Price" > 0 against Price > 0 differed alike)."""

from __future__ import annotations

import sqlite3

from schemactl.normalize import expr_key, statements_key
from tests.conftest import cli


def test_quoted_and_bare_names_are_one_on_sqlite():
    assert expr_key('"Price" > 0', "sqlite") == expr_key("Price > 0", "sqlite") == expr_key("price > 0", "sqlite")
    assert statements_key('UPDATE Users SET n = 1 WHERE "Id" = NEW."Id"', "sqlite") == \
        statements_key("UPDATE Users SET n = 1 WHERE Id = NEW.Id;", "sqlite")
    assert expr_key('"Price" > 0', "postgres") != expr_key("Price > 0", "postgres")   # PostgreSQL folds bare only


def test_a_trigger_on_mixed_case_columns_diffs_clean_after_import(tmp_path):
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.executescript("CREATE TABLE Users (Id INTEGER PRIMARY KEY, Price REAL CHECK (\"Price\" >= 0), n INTEGER);"
                       "CREATE TRIGGER users_ai AFTER INSERT ON Users BEGIN UPDATE Users SET n = 1 WHERE Id = NEW.Id; "
                       "END;")
    conn.close()
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", f"sqlite:///{db}", "-o", out)
    assert result.exit_code == 0, result.output
    found = cli("diff", out, "--db", f"sqlite:///{db}")
    assert found.exit_code == 0, found.output
