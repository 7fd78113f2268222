"""An INSTEAD OF trigger on a SQLite view (an updatable view of an app database): import left it out without
a word (its 'table' is a view, so the trigger was skipped after mapping) and diff showed it as 'after insert on
v', a trigger of another timing.  Import now lists it as not mapped, and introspection reads INSTEAD OF."""

from __future__ import annotations

import sqlite3

from schemactl.introspect import sqlite_ddl
from tests.conftest import cli

DDL = """
CREATE TABLE kid (id INTEGER PRIMARY KEY, pid INTEGER);
CREATE VIEW v AS SELECT pid, count(*) AS cnt FROM kid GROUP BY pid;
CREATE TRIGGER v_ins INSTEAD OF INSERT ON v BEGIN INSERT INTO kid (pid) VALUES (NEW.pid); END;
CREATE TRIGGER kid_ai AFTER INSERT ON kid BEGIN UPDATE kid SET pid = 0 WHERE id = NEW.id AND pid IS NULL; END;
"""


def test_an_instead_of_trigger_on_a_view_is_listed_not_dropped(tmp_path):
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.executescript(DDL)
    conn.close()
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", f"sqlite:///{db}", "-o", out)
    assert result.exit_code == 0, result.output
    assert 'import: not mapped: trigger "v_ins" on table "v": fires INSTEAD OF INSERT on view v, and a manifest ' \
           "trigger fires on a table; keep it in the application's migrations" in result.output
    assert "1 not mapped" in result.output
    found = cli("diff", out, "--db", f"sqlite:///{db}")
    assert found.exit_code == 1, found.output
    assert 'SC372 [sqlite] trigger "v_ins" is not in the manifest' in found.output
    assert "actual:   instead of insert on v" in found.output
    assert "kid_ai" not in found.output


def test_trigger_timing_is_read_from_the_head_of_the_statement():
    assert sqlite_ddl.trigger_parts("CREATE TRIGGER t INSTEAD OF UPDATE ON v BEGIN SELECT 1; END")[0] == "instead of"
    assert sqlite_ddl.trigger_parts("CREATE TRIGGER t BEFORE DELETE ON x BEGIN SELECT 1; END")[0] == "before"
    assert sqlite_ddl.trigger_parts("CREATE TRIGGER t DELETE ON x BEGIN SELECT 'BEFORE'; END")[0] == "after"
    assert sqlite_ddl.trigger_parts('CREATE TRIGGER "before" AFTER DELETE ON x BEGIN SELECT 1; END')[0] == "after"
