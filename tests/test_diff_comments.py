"""`schemactl diff` compares comments on PostgreSQL (SC209): the manifest's `comment:` is rendered as COMMENT
ON and import keeps it, but a comment changed or added in the database was no difference (one the database
lacks is none: older chains did not carry it).  SQLite keeps no
comments: a manifest's comment is no difference there."""

from __future__ import annotations

import sqlite3

from schemactl import render
from schemactl.manifest.load import load_file
from tests.conftest import RESET_SQL, cli

MANIFEST = """\
format: 1
name: app
version: 1
tables:
  t:
    comment: the table
    columns:
      id: {type: bigint, primary_key: true}
      note: {type: text, comment: "it's a note"}
      other: {type: text}
"""


def test_a_comment_changed_added_or_dropped_in_postgresql_is_a_difference(tmp_path, pg, pg_test_db):
    path = tmp_path / "app.yaml"
    path.write_text(MANIFEST)
    assert cli("hash", "--write", path).exit_code == 0
    pg.execute(RESET_SQL)
    pg.execute(render.ddl(load_file(path), "postgres"))
    clean = cli("diff", path, "--db", pg_test_db)
    assert clean.exit_code == 0, clean.output
    pg.execute("COMMENT ON COLUMN t.note IS 'changed'; COMMENT ON COLUMN t.other IS 'new'; COMMENT ON TABLE t IS NULL")
    found = cli("diff", path, "--db", pg_test_db)
    assert found.exit_code == 1
    lines = [x for x in found.output.splitlines() if "SC209" in x]
    # the table's dropped comment is no finding: a chain written before the column's COMMENT ON was carried
    # built databases without one, and no migration can add it (see diff._comment_differs)
    assert lines == [f'{path}:10:13: SC209 [postgres] column "t.note" has another comment',
                     f'{path}:11:14: SC209 [postgres] column "t.other" has another comment'], found.output
    assert "expected: it's a note" in found.output and "actual:   changed" in found.output


def test_sqlite_keeps_no_comments_and_so_differs_in_none(tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text(MANIFEST)
    assert cli("hash", "--write", path).exit_code == 0
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.executescript(render.ddl(load_file(path), "sqlite"))
    conn.close()
    result = cli("diff", path, "--db", f"sqlite:///{db}")
    assert result.exit_code == 0, result.output


def test_an_empty_comment_is_no_comment_as_postgresql_keeps_it(tmp_path, pg, pg_test_db):
    """COMMENT ON … IS '' removes the comment: a manifest's comment: "" is no difference from none."""
    path = tmp_path / "app.yaml"
    path.write_text(MANIFEST.replace("comment: the table", 'comment: ""'))
    assert cli("hash", "--write", path).exit_code == 0
    pg.execute(RESET_SQL)
    pg.execute(render.ddl(load_file(path), "postgres"))
    result = cli("diff", path, "--db", pg_test_db)
    assert result.exit_code == 0, result.output
