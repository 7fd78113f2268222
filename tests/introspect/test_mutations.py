"""Detection: each kind of tampering with a live database, after a clean apply,
is reported with the right code on each engine."""

from __future__ import annotations

import sqlite3

import pytest

from schemactl import render
from schemactl.diff import diff
from schemactl.engines import sqlite as sqlite_engine
from schemactl.expect import expect
from schemactl.introspect import introspect
from schemactl.manifest.load import load_text

MANIFEST = load_text("""\
format: 1
name: mutations
version: 1
enums:
  state: [open, closed]
tables:
  owners:
    columns:
      id: {type: integer, primary_key: true}
  tags:
    columns:
      id: {type: integer, primary_key: true}
  items:
    columns:
      id: {type: integer, primary_key: true}
      owner_id: {type: integer, nullable: true, references: {table: owners, column: id, on_delete: cascade}}
      name: {type: text, nullable: false}
      note: text
      spare: text
      qty: {type: integer, nullable: false, default: 1, check: "qty >= 0"}
      state: {type: state, nullable: false, default: open}
    search: {columns: [name, note]}
    indexes:
      - {name: items_name_idx, columns: [name]}
      - {name: items_owner_recent_idx, columns: [owner_id, {column: id, order: desc}]}
      - {name: items_open_idx, columns: [name], where: "note IS NOT NULL"}
views:
  big_items: {sql: "SELECT id, name FROM items WHERE qty > 10"}
triggers:
  owners_touch:
    table: owners
    timing: after
    on: update
    do: ["UPDATE items SET qty = qty WHERE owner_id = NEW.id"]
""")

# kind -> (code on postgres, postgres SQL, code on sqlite, sqlite change)
# A sqlite change is SQL to run, or ("rewrite", table, old, new): an edit of the stored
# CREATE statement through PRAGMA writable_schema, for what SQLite cannot ALTER.
MUTATIONS = {
    "drop column": ("SC201", "ALTER TABLE items DROP COLUMN spare", "SC201", "ALTER TABLE items DROP COLUMN spare"),
    "add column": ("SC202", "ALTER TABLE items ADD COLUMN extra text", "SC202",
                   "ALTER TABLE items ADD COLUMN extra TEXT"),
    "change type": ("SC203", "ALTER TABLE items ALTER COLUMN note TYPE varchar(10)", "SC203",
                    ("rewrite", "items", "note TEXT", "note VARCHAR(10)")),
    "drop not null": ("SC204", "ALTER TABLE items ALTER COLUMN name DROP NOT NULL", "SC204",
                      ("rewrite", "items", "name TEXT NOT NULL", "name TEXT")),
    "add not null": ("SC204", "ALTER TABLE items ALTER COLUMN note SET NOT NULL", "SC204",
                     ("rewrite", "items", "note TEXT,", "note TEXT NOT NULL,")),
    "change default": ("SC205", "ALTER TABLE items ALTER COLUMN qty SET DEFAULT 5", "SC205",
                       ("rewrite", "items", "DEFAULT 1", "DEFAULT 5")),
    "drop index": ("SC341", "DROP INDEX items_name_idx", "SC341", "DROP INDEX items_name_idx"),
    "index columns": ("SC343", "DROP INDEX items_name_idx; CREATE INDEX items_name_idx ON items (note)", "SC343",
                      "DROP INDEX items_name_idx; CREATE INDEX items_name_idx ON items (note)"),
    "index order": ("SC343", "DROP INDEX items_owner_recent_idx; CREATE INDEX items_owner_recent_idx ON items "
                             "(owner_id, id)", "SC343",
                    "DROP INDEX items_owner_recent_idx; CREATE INDEX items_owner_recent_idx ON items (owner_id, id)"),
    "index uniqueness": ("SC344", "DROP INDEX items_name_idx; CREATE UNIQUE INDEX items_name_idx ON items (name)",
                         "SC344", "DROP INDEX items_name_idx; CREATE UNIQUE INDEX items_name_idx ON items (name)"),
    "index predicate": ("SC345", "DROP INDEX items_open_idx; CREATE INDEX items_open_idx ON items (name) "
                                 "WHERE note IS NULL", "SC345",
                        "DROP INDEX items_open_idx; CREATE INDEX items_open_idx ON items (name) WHERE note IS NULL"),
    "extra index": ("SC342", "CREATE INDEX items_note_idx ON items (note)", "SC342",
                    "CREATE INDEX items_note_idx ON items (note)"),
    "drop foreign key": ("SC321", "ALTER TABLE items DROP CONSTRAINT items_owner_id_fkey", "SC321",
                         ("rewrite", "items", ",\n    CONSTRAINT items_owner_id_fkey FOREIGN KEY (owner_id) "
                                             "REFERENCES owners (id) ON DELETE CASCADE", "")),
    "foreign key action": ("SC323", "ALTER TABLE items DROP CONSTRAINT items_owner_id_fkey; ALTER TABLE items ADD "
                                    "CONSTRAINT items_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES owners (id) "
                                    "ON DELETE SET NULL", "SC323",
                           ("rewrite", "items", "ON DELETE CASCADE", "ON DELETE SET NULL")),
    "drop check": ("SC331", "ALTER TABLE items DROP CONSTRAINT items_qty_check", "SC331",
                   ("rewrite", "items", ",\n    CONSTRAINT items_qty_check CHECK (qty >= 0)", "")),
    "alter check": ("SC333", "ALTER TABLE items DROP CONSTRAINT items_qty_check; ALTER TABLE items ADD CONSTRAINT "
                             "items_qty_check CHECK (qty > 0)", "SC333",
                    ("rewrite", "items", "CHECK (qty >= 0)", "CHECK (qty > 0)")),
    "extra table": ("SC102", "CREATE TABLE extra (id integer)", "SC102", "CREATE TABLE extra (id INTEGER)"),
    "missing table": ("SC101", "DROP TABLE tags", "SC101", "DROP TABLE tags"),
    "enum member": ("SC403", "ALTER TYPE state ADD VALUE 'archived'", "SC333",
                    ("rewrite", "items", "'closed'))", "'closed', 'archived'))")),
    "drop view": ("SC351", "DROP VIEW big_items", "SC351", "DROP VIEW big_items"),
    "extra view": ("SC352", "CREATE VIEW other AS SELECT id FROM owners", "SC352",
                   "CREATE VIEW other AS SELECT id FROM owners"),
    "view definition": ("SC354", "CREATE OR REPLACE VIEW big_items AS SELECT id, name FROM items WHERE qty > 99",
                        "SC354", "DROP VIEW big_items; CREATE VIEW big_items AS SELECT id, name FROM items WHERE qty > 99"),
    "view columns": (("SC353", "SC354"), "DROP VIEW big_items; CREATE VIEW big_items AS SELECT id, name AS label FROM items "
                              "WHERE qty > 10",
                     ("SC353", "SC354"), "DROP VIEW big_items; CREATE VIEW big_items AS SELECT id, name AS label FROM items "
                              "WHERE qty > 10"),
    "search dropped or unsynced": ("SC361", "DROP INDEX items_search", "SC363", "DROP TRIGGER items_search_au"),
    "drop trigger": ("SC371", "DROP TRIGGER owners_touch ON owners", "SC371", "DROP TRIGGER owners_touch"),
    "trigger timing": ("SC373", "DROP TRIGGER owners_touch ON owners; CREATE TRIGGER owners_touch BEFORE UPDATE ON "
                                "owners FOR EACH ROW EXECUTE FUNCTION owners_touch_fn()", "SC373",
                       "DROP TRIGGER owners_touch; CREATE TRIGGER owners_touch BEFORE UPDATE ON owners BEGIN "
                       "UPDATE items SET qty = qty WHERE owner_id = NEW.id; END"),
    "extra check": ("SC332", "ALTER TABLE items ADD CONSTRAINT extra_check CHECK (id > 0)", "SC332",
                    ("rewrite", "items", "\n)", ",\n    CHECK (id > 0)\n)")),
}


def test_there_are_at_least_15_mutation_kinds():
    assert len(MUTATIONS) >= 15


def _codes(findings):
    return sorted({f.code for f in findings})


def _want(code) -> list[str]:
    """A renamed view column changes both its columns and its SELECT: some mutations carry two codes."""
    return sorted(code) if isinstance(code, tuple) else [code]


def test_clean_apply_has_no_findings_on_either_engine(pg, sqlite_db):
    pg.execute(render.ddl(MANIFEST, "postgres"))
    sqlite_engine.apply(sqlite_db, render.ddl(MANIFEST, "sqlite"))
    assert diff(expect(MANIFEST, "postgres"), introspect(pg, "postgres")) == []
    assert diff(expect(MANIFEST, "sqlite"), introspect(sqlite_db, "sqlite")) == []


@pytest.mark.parametrize("kind", MUTATIONS, ids=list(MUTATIONS))
def test_postgres_mutation_is_detected(kind, pg):
    code, sql, _, _ = MUTATIONS[kind]
    pg.execute(render.ddl(MANIFEST, "postgres"))
    pg.execute(sql)
    assert _codes(diff(expect(MANIFEST, "postgres"), introspect(pg, "postgres"))) == _want(code)


@pytest.mark.parametrize("kind", MUTATIONS, ids=list(MUTATIONS))
def test_sqlite_mutation_is_detected(kind, tmp_path):
    _, _, code, change = MUTATIONS[kind]
    path = str(tmp_path / "db.sqlite")
    conn = sqlite_engine.connect(path)
    sqlite_engine.apply(conn, render.ddl(MANIFEST, "sqlite"))
    if isinstance(change, tuple):
        _, table, old, new = change
        sql = conn.execute("SELECT sql FROM sqlite_schema WHERE name = ?", (table,)).fetchone()[0]
        assert old in sql, f"fixture out of date: {old!r} not in {sql!r}"
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute("UPDATE sqlite_schema SET sql = ? WHERE name = ?", (sql.replace(old, new, 1), table))
        conn.execute("PRAGMA writable_schema = OFF")
    else:
        conn.executescript(change)
    conn.close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert _codes(diff(expect(MANIFEST, "sqlite"), introspect(conn, "sqlite"))) == _want(code)
    finally:
        conn.close()


CASTS = load_text("""\
format: 1
name: casts
version: 1
tables:
  t:
    columns:
      id: {type: integer, primary_key: true}
      code: {type: text, check: "CAST(code AS INTEGER) > 0"}
      active: {type: boolean, default: true}
      n: {type: integer, default: 1}
""", "casts.yaml")


@pytest.mark.parametrize("old, new, code", [
    ("CHECK (CAST(code AS INTEGER) > 0)", "CHECK (code > 0)", "SC333"),        # text > 0: always true
    ("CHECK (CAST(code AS INTEGER) > 0)", "CHECK (CAST(code AS REAL) > 0)", "SC333"),   # '0.5' goes in
    ("CHECK (CAST(code AS INTEGER) > 0)", "CHECK (CAST(code AS INT) > 0)", None),       # the same affinity
    ("DEFAULT 1", "DEFAULT 'true'", "SC205"),     # the text 'true', stored as it is
    ("DEFAULT 1", "DEFAULT '1'", None),           # an INTEGER column stores the number 1
])
def test_sqlite_casts_and_text_defaults_are_what_sqlite_stores(tmp_path, old, new, code):
    """Casts were dropped from every key (PostgreSQL adds its own), so a SQLite CHECK that lost its cast was
    "no differences"; DEFAULT 'true' keyed as 1 though SQLite stores the text."""
    ddl = render.ddl(CASTS, "sqlite")
    assert old in ddl
    conn = sqlite3.connect(tmp_path / "db.sqlite")
    sqlite_engine.apply(conn, ddl.replace(old, new, 1))
    assert [f.code for f in diff(expect(CASTS, "sqlite"), introspect(conn, "sqlite"))] == ([code] if code else [])
