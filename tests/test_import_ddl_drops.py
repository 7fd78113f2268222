"""A DDL file of migrations, run in order, drops what it created earlier (DROP TABLE tmp, DROP INDEX old_idx):
import --ddl never ran the DROPs ("not a schema statement schemactl maps") and wrote a manifest holding the
dropped table and index, counted exact, which diff of the database the file built then reported (SC101,
SC341).  Now a DROP of a schema object is applied to the scratch database as the CREATEs and ALTERs are."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.conftest import cli

PG = """CREATE TABLE users (id integer PRIMARY KEY, nm text, old_col integer);
CREATE TABLE tmp_t (id integer);
ALTER TABLE users RENAME COLUMN nm TO name;
ALTER TABLE users DROP COLUMN old_col;
CREATE INDEX users_name ON users (name);
DROP INDEX users_name;
CREATE INDEX users_name_idx ON users (name);
DROP TABLE tmp_t;
CREATE VIEW v AS SELECT id FROM users;
DROP VIEW IF EXISTS v;
CREATE TYPE mood AS ENUM ('ok');
DROP TYPE mood;
"""
SQLITE = """CREATE TABLE users (id INTEGER PRIMARY KEY, nm TEXT);
CREATE TABLE tmp_t (id INTEGER);
CREATE INDEX users_nm ON users (nm);
DROP INDEX users_nm;
DROP TABLE IF EXISTS tmp_t;
CREATE VIEW v AS SELECT id FROM users;
DROP VIEW v;
"""


@pytest.mark.parametrize("dialect", ["postgres", "sqlite"])
def test_a_files_drops_are_applied(pg, pg_server, tmp_path, dialect):
    (tmp_path / "schema.sql").write_text(PG if dialect == "postgres" else SQLITE)
    extra = ("--postgres", "url", "--postgres-url", pg_server.url()) if dialect == "postgres" else ()
    result = cli("import", "--ddl", "schema.sql", "--dialect", dialect, *extra, "-o", "app.yaml", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "DROP" not in result.output and "import: not mapped" not in result.output, result.output
    doc = yaml.safe_load((tmp_path / "app.yaml").read_text())
    assert set(doc["tables"]) == {"users"} and "views" not in doc and "enums" not in doc
    assert [i["name"] for i in doc["tables"]["users"].get("indexes", ())] == (
        ["users_name_idx"] if dialect == "postgres" else [])
    if dialect == "postgres":   # the manifest is the schema the file builds
        pg.execute(PG)
        res = cli("diff", tmp_path / "app.yaml", "--db", pg_server.url("schemactl_tests"), "--format", "json")
        assert json.loads(res.output)["findings"] == [], res.output
