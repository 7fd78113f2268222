"""Every kind of change, migrated on populated databases on both engines:
rows survive, foreign keys hold, and the result equals the new manifest."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest

from schemactl.diff import diff
from schemactl.expect import expect
from schemactl.introspect import introspect
from schemactl.manifest.load import load_text
from schemactl.runtime import MigrationError, migrate
from tests.migrations.chain_support import BASE, SEED_ROWS, Chain

ITEMS = "      status: {type: status, nullable: false, default: new}\n"

# kind -> (manifest v2 as an edit of BASE, tables whose rows must all survive)
CHANGES = {
    "create table": (lambda s: s + "  tags:\n    columns:\n      id: {type: integer, primary_key: true}\n"
                                   "      label: text\n", ["owners", "items", "extra"]),
    "drop table": (lambda s: s[:s.index("  extra:")], ["owners", "items"]),
    "rename table": (lambda s: s.replace("  extra:\n", "  extras:\n    renamed_from: extra\n"),
                     ["owners", "items", "extras"]),
    # a parent's primary key is dropped and added under its new name: its children's foreign keys first
    "rename parent table": (lambda s: s.replace("  owners:\n", "  people:\n    renamed_from: owners\n")
                            .replace("table: owners,", "table: people,"), ["people", "items", "extra"]),
    "add column": (lambda s: s.replace(ITEMS, ITEMS + "      color: {type: text, default: red}\n"),
                   ["owners", "items", "extra"]),
    # the chain carries a new column's comment as the fresh DDL does (diff compares comments, SC209)
    "add column with a comment": (lambda s: s.replace(ITEMS, ITEMS + "      color: {type: text, comment: \"it's red\"}\n"),
                                  ["owners", "items", "extra"]),
    "set comments": (lambda s: s.replace("  extra:\n    columns:\n", "  extra:\n    comment: spare rows\n    columns:\n")
                     .replace("qty: {type: integer, default: 0}", "qty: {type: integer, default: 0, comment: how many}"),
                     ["owners", "items", "extra"]),
    "add not null column with default": (
        lambda s: s.replace(ITEMS, ITEMS + "      rank: {type: integer, nullable: false, default: 3}\n"),
        ["owners", "items", "extra"]),
    "drop column": (lambda s: s.replace("      note: text\n", ""), ["owners", "items", "extra"]),
    "rename column": (lambda s: s.replace("      note: text\n", "      remark: {type: text, renamed_from: note}\n"),
                      ["owners", "items", "extra"]),
    "widen type": (lambda s: s.replace("qty: {type: integer", "qty: {type: bigint"), ["owners", "items", "extra"]),
    "narrow type": (lambda s: s.replace("title: {type: varchar(50)", "title: {type: varchar(20)"),
                    ["owners", "items", "extra"]),
    "set not null": (lambda s: s.replace("      note: text\n", "      note: {type: text, nullable: false, "
                                                                "default: ''}\n"), ["owners", "items", "extra"]),
    "drop not null": (lambda s: s.replace("title: {type: varchar(50), nullable: false}", "title: varchar(50)"),
                      ["owners", "items", "extra"]),
    "change default": (lambda s: s.replace("default: 0}", "default: 5}"), ["owners", "items", "extra"]),
    "add index": (lambda s: s.replace("      - {name: items_title_idx, columns: [title]}\n",
                                      "      - {name: items_title_idx, columns: [title]}\n"
                                      "      - {name: items_qty_idx, columns: [{column: qty, order: desc}]}\n"),
                  ["owners", "items", "extra"]),
    "drop index": (lambda s: s.replace("    indexes:\n      - {name: items_title_idx, columns: [title]}\n", ""),
                   ["owners", "items", "extra"]),
    "change foreign key action": (lambda s: s.replace("on_delete: cascade", "on_delete: set null"),
                                  ["owners", "items", "extra"]),
    "drop foreign key": (lambda s: s.replace(
        "owner_id: {type: integer, references: {table: owners, column: id, on_delete: cascade}}",
        "owner_id: integer"), ["owners", "items", "extra"]),
    "add check": (lambda s: s.replace('      - {name: items_qty_check, expr: "qty >= 0"}\n',
                                      '      - {name: items_qty_check, expr: "qty >= 0"}\n'
                                      '      - {name: items_note_check, expr: "length(note) < 100"}\n'),
                  ["owners", "items", "extra"]),
    "drop check": (lambda s: s.replace('    checks:\n      - {name: items_qty_check, expr: "qty >= 0"}\n', ""),
                   ["owners", "items", "extra"]),
    "add enum value": (lambda s: s.replace("[new, done]", "[new, done, archived]"), ["owners", "items", "extra"]),
    "add view": (lambda s: s + 'views:\n  titles: {sql: "SELECT id, title FROM items WHERE qty > 0"}\n',
                 ["owners", "items", "extra"]),
    "add unique": (lambda s: s.replace("  extra:\n", "    unique: [[title]]\n  extra:\n"),
                   ["owners", "items", "extra"]),
    # PostgreSQL: ADD VALUE 'a' BEFORE 'b' named a value added after it
    "add enum values at the front": (lambda s: s.replace("[new, done]", "[archived, hidden, new, done]"),
                                     ["owners", "items", "extra"]),
    # PostgreSQL: DROP TABLE owners; DROP TABLE items; failed (items' foreign key depends on owners)
    "drop a parent and its child": (lambda s: s[:s.index("  owners:")] + s[s.index("  extra:"):], ["extra"]),
    # PostgreSQL: the old default ('new'::status) has no cast to the new enum, nor has status to status2
    "move a column to another enum": (lambda s: s.replace("enums: {status: [new, done]}",
                                                          "enums: {status: [new, done], status2: [new, done, gone]}")
                                      .replace("status: {type: status,", "status: {type: status2,"),
                                      ["owners", "items", "extra"]),
    # PostgreSQL: the default '0' (text) cannot be cast to integer automatically; false to 0 planned no default
    "change the type of a column with a default": (
        lambda s: s.replace("code: {type: text, default: '0'}", "code: {type: integer, default: 0}")
        .replace("flag: {type: boolean, default: false}", "flag: {type: integer, default: 0}"),
        ["owners", "items", "extra"]),
    # PostgreSQL re-reads the CHECKs and index expressions over a column whose type changes: text -> enum failed
    # (operator does not exist: status <> text); they are dropped and made again around the change
    "text column becomes an enum under a check and a partial index": (
        lambda s: s.replace("stage: {type: text, nullable: false, default: new}",
                            "stage: {type: status, nullable: false, default: new}"),
        ["owners", "items", "extra"]),
    "enum column becomes text under a check and a partial index": (
        lambda s: s.replace("status: {type: status, nullable: false, default: new}",
                            "status: {type: text, nullable: false, default: new}"),
        ["owners", "items", "extra"]),
    # a referenced key and the key that references it widen together; the cascade stays
    "widen a referenced key": (
        lambda s: s.replace("      id: {type: integer, primary_key: true}\n      name:",
                            "      id: {type: bigint, primary_key: true}\n      name:")
        .replace("owner_id: {type: integer,", "owner_id: {type: bigint,"),
        ["owners", "items", "extra"]),
    # PostgreSQL: the foreign key stood between the two ALTER TYPEs (key columns "owner_id" and "id" are of
    # incompatible types: integer and text); dropped first, added back
    "a referenced key and its reference become text": (
        lambda s: s.replace("      id: {type: integer, primary_key: true}\n      name:",
                            "      id: {type: text, primary_key: true}\n      name:")
        .replace("owner_id: {type: integer,", "owner_id: {type: text,"),
        ["owners", "items", "extra"]),
    # PostgreSQL: DROP CONSTRAINT owners_pkey failed, items' foreign key depends on its index
    "rename a referenced primary key": (lambda s: s.replace(
        "  owners:\n    columns:\n      id: {type: integer, primary_key: true}\n",
        "  owners:\n    primary_key: {name: owners_key, columns: [id]}\n    columns:\n      id: {type: integer}\n"),
        ["owners", "items", "extra"]),
}

# changes whose first manifest is not BASE: kind -> manifest v1 as an edit of BASE
_STAGED = lambda s: s.replace(   # noqa: E731 - a text column read by a CHECK and a partial index
    "      note: text\n", "      note: text\n      stage: {type: text, nullable: false, default: new}\n").replace(
    '      - {name: items_qty_check, expr: "qty >= 0"}\n',
    '      - {name: items_qty_check, expr: "qty >= 0"}\n      - {name: items_stage_check, expr: "stage <> \'done\' OR qty > 0"}\n'
    '      - {name: items_status_check, expr: "status <> \'done\' OR qty > 0"}\n').replace(
    "      - {name: items_title_idx, columns: [title]}\n",
    "      - {name: items_title_idx, columns: [title]}\n      - {name: items_new_idx, columns: [id], where: \"stage = 'new'\"}\n"
    "      - {name: items_open_idx, columns: [id], where: \"status = 'new'\"}\n")
BEFORE = {
    "text column becomes an enum under a check and a partial index": _STAGED,
    "enum column becomes text under a check and a partial index": _STAGED,
    "change the type of a column with a default": lambda s: s.replace(
        "      note: text\n", "      note: text\n      code: {type: text, default: '0'}\n"
                               "      flag: {type: boolean, default: false}\n"),
}


def _count(conn, table) -> int:
    cur = conn.cursor()
    cur.execute(f"SELECT count(*) FROM {table}")
    return cur.fetchone()[0]


def _seed(conn):
    cur = conn.cursor()
    for stmt in SEED_ROWS:
        cur.execute(stmt)
    conn.commit()


def test_matrix_covers_every_planned_operation_kind(tmp_path):
    kinds = set()
    for i, (kind, (change, _)) in enumerate(CHANGES.items()):
        chain = Chain(tmp_path / f"p{i}")   # a fresh chain per change
        first = BEFORE.get(kind, lambda s: s)(BASE)
        chain.release(first, "init")
        _, planned = chain.release(change(first), "change")
        kinds |= {op.kind for op in planned.ops}
    assert kinds >= {"create_table", "drop_table", "rename_table", "add_column", "drop_column", "rename_column",
                     "alter_type", "set_not_null", "drop_not_null", "set_default", "add_index", "drop_index",
                     "add_foreign_key", "drop_foreign_key", "add_check", "drop_check", "add_enum_value",
                     "add_unique", "set_comment"}


def _migrated(conn, engine, tmp_path, change, keep, first=BASE):
    chain = Chain(tmp_path)
    m1, _ = chain.release(first, "init")
    migrate(conn, chain.bundle(m1))
    _seed(conn)
    before = {t: _count(conn, t) for t in ("owners", "items", "extra")}
    conn.commit()
    m2, _ = chain.release(change(first), "change")
    assert migrate(conn, chain.bundle(m2)) == [2]
    for t in keep:
        assert _count(conn, t) == before[{"extras": "extra", "people": "owners"}.get(t, t)], t
    conn.commit()
    return m2


@pytest.mark.parametrize("kind", CHANGES, ids=list(CHANGES))
def test_sqlite_populated_migration(kind, tmp_path):
    change, keep = CHANGES[kind]
    conn = sqlite3.connect(str(tmp_path / "db.sqlite"))
    m2 = _migrated(conn, "sqlite", tmp_path, change, keep, BEFORE.get(kind, lambda s: s)(BASE))
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert [str(f) for f in diff(expect(m2, "sqlite"), introspect(conn, "sqlite"))] == []
    conn.close()


@pytest.mark.parametrize("kind", CHANGES, ids=list(CHANGES))
def test_postgres_populated_migration(kind, tmp_path, pg):
    change, keep = CHANGES[kind]
    m2 = _migrated(pg, "postgres", tmp_path, change, keep, BEFORE.get(kind, lambda s: s)(BASE))
    assert [str(f) for f in diff(expect(m2, "postgres"), introspect(pg, "postgres"))] == []


def _snapshot(conn):
    from schemactl.introspect import introspect as read
    engine = "sqlite" if isinstance(conn, sqlite3.Connection) else "postgres"
    cur = conn.cursor()
    cur.execute("SELECT id, title, qty FROM items ORDER BY id")
    rows = cur.fetchall()
    cur.execute("SELECT version, hash, checksum FROM schema_version ORDER BY version")
    versions = cur.fetchall()
    return read(conn, engine), rows, versions


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_failing_migration_leaves_the_database_exactly_as_it_was(engine, tmp_path, request):
    conn = sqlite3.connect(str(tmp_path / "db.sqlite")) if engine == "sqlite" else request.getfixturevalue("pg")
    chain = Chain(tmp_path)
    m1, _ = chain.release(BASE, "init")
    migrate(conn, chain.bundle(m1))
    _seed(conn)
    cur = conn.cursor()
    cur.execute("UPDATE items SET title = 'same'")  # the next migration's unique constraint will fail midway
    conn.commit()
    before = _snapshot(conn)
    conn.commit()
    text = BASE.replace(ITEMS, ITEMS + "      color: {type: text, default: red}\n").replace(
        "  extra:\n", "    unique: [[title]]\n  extra:\n")
    m2, planned = chain.release(text, "breaks")
    assert len(planned.ops) >= 2
    with pytest.raises(MigrationError):
        migrate(conn, chain.bundle(m2))
    assert _snapshot(conn) == before


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_views_survive_a_table_rebuild(engine, tmp_path, request):
    """A view over a table that the next migration rebuilds (SQLite) or retypes (PostgreSQL)."""
    conn = sqlite3.connect(str(tmp_path / "db.sqlite")) if engine == "sqlite" else request.getfixturevalue("pg")
    with_view = BASE + 'views:\n  titles: {sql: "SELECT id, title FROM items"}\n'
    chain = Chain(tmp_path)
    m1, _ = chain.release(with_view, "init")
    migrate(conn, chain.bundle(m1))
    _seed(conn)
    m2, _ = chain.release(with_view.replace("title: {type: varchar(50)", "title: {type: varchar(80)"), "wider")
    assert migrate(conn, chain.bundle(m2)) == [2]
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM titles")
    assert cur.fetchone()[0] == 3
    assert [str(f) for f in diff(expect(m2, engine), introspect(conn, engine))] == []


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
@pytest.mark.parametrize("default,filled", [("'none'", "none"), ("0", 0)])
def test_not_null_with_a_default_fills_the_rows_that_hold_null(engine, default, filled, tmp_path, request):
    """A column made NOT NULL with a default: the rows holding NULL get the default (as a row inserted
    without a value would), on both engines, so the migration applies to a populated database."""
    conn = sqlite3.connect(str(tmp_path / "db.sqlite")) if engine == "sqlite" else request.getfixturevalue("pg")
    column, kind = ("note", "text") if filled == "none" else ("qty", "integer")
    chain = Chain(tmp_path)
    m1, _ = chain.release(BASE, "init")
    migrate(conn, chain.bundle(m1))
    _seed(conn)
    cur = conn.cursor()
    cur.execute(f"UPDATE items SET {column} = NULL WHERE id = 2")
    conn.commit()
    text = BASE.replace("      note: text\n", f"      note: {{type: text, nullable: false, default: {default}}}\n") \
        if column == "note" else BASE.replace("qty: {type: integer, default: 0}",
                                              f"qty: {{type: integer, nullable: false, default: {default}}}")
    m2, planned = chain.release(text, "not_null", allow_destructive=False)
    assert any(op.describe().endswith("(rows holding NULL get its default)") for op in planned.ops)
    assert migrate(conn, chain.bundle(m2)) == [2]
    cur = conn.cursor()
    cur.execute(f"SELECT id, {column} FROM items ORDER BY id")
    got = cur.fetchall()
    assert [r[0] for r in got] == [1, 2, 3] and got[1][1] == filled and None not in [r[1] for r in got]
    conn.commit()
    assert [str(f) for f in diff(expect(m2, engine), introspect(conn, engine))] == []


@pytest.mark.parametrize("edit,value,refused", [
    (("title: {type: varchar(50)", "title: {type: varchar(5)"), ("title", "'a long title'"), "too long"),
    (("qty: {type: integer, default: 0}", "qty: {type: integer, default: 0}\n      price: \"numeric(10,2)\""),
     None, None),
])
def test_postgres_narrowing_never_changes_a_value_silently(edit, value, refused, tmp_path, pg):
    """--allow-destructive accepts a narrower type; a value it cannot hold fails the migration (rolled
    back, named) instead of being cut (varchar) or rounded (numeric) on PostgreSQL while SQLite keeps it."""
    chain = Chain(tmp_path)
    if value is None:   # numeric(10,2) -> numeric(6,1): 12.34 would round to 12.3
        base = BASE.replace(*edit)
        m1, _ = chain.release(base, "init")
        migrate(pg, chain.bundle(m1))
        _seed(pg)
        pg.execute("UPDATE items SET price = 12.30 WHERE id = 1")
        pg.execute("UPDATE items SET price = 12.34 WHERE id = 2")
        m2, _ = chain.release(base.replace('price: "numeric(10,2)"', 'price: "numeric(6,1)"'), "narrow")
        with pytest.raises(MigrationError, match="fits_scale_1"):
            migrate(pg, chain.bundle(m2))
        assert pg.execute("SELECT price FROM items WHERE id = 2").fetchone()[0] == Decimal("12.34")
        pg.execute("UPDATE items SET price = 12.3 WHERE id = 2")
        assert migrate(pg, chain.bundle(m2)) == [2]
        assert pg.execute("SELECT price FROM items ORDER BY id").fetchall()[:2] == [(Decimal("12.3"),),
                                                                                   (Decimal("12.3"),)]
        return
    m1, _ = chain.release(BASE, "init")
    migrate(pg, chain.bundle(m1))
    _seed(pg)
    pg.execute(f"UPDATE items SET {value[0]} = {value[1]} WHERE id = 1")
    m2, _ = chain.release(BASE.replace(*edit), "narrow")
    with pytest.raises(MigrationError, match=refused):
        migrate(pg, chain.bundle(m2))
    assert pg.execute("SELECT title FROM items WHERE id = 1").fetchone()[0] == "a long title"


@pytest.mark.parametrize("before,after", [("timestamp", "timestamptz"), ("timestamptz", "timestamp"),
                                          ("date", "timestamp"), ("text", "date")])
def test_a_type_change_that_changes_sqlite_storage_is_refused_with_the_way_to_do_it(before, after, tmp_path):
    """SQLite keeps dates and instants in forms of their own (ISO text, Unix milliseconds); a rebuild copies
    values as they are while PostgreSQL converts them, so the two engines would hold different values
    (an ISO text left in a Unix-milliseconds column sorts above every number)."""
    from schemactl.errors import SchemactlError
    chain = Chain(tmp_path)
    base = BASE.replace("      note: text\n", f"      note: {before}\n")
    chain.release(base, "init")
    with pytest.raises(SchemactlError, match=rf"column items.note: {before} -> {after} changes how SQLite stores "
                                             r"the values .*add a column of the new type"):
        chain.release(base.replace(f"      note: {before}\n", f"      note: {after}\n"), "retype")
    assert len(list((tmp_path / "generated" / "chain" / "migrations" / "sqlite").glob("*.sql"))) == 1


def test_a_change_of_the_sqlite_timestamptz_convention_is_refused_where_a_table_holds_instants(tmp_path):
    """sqlite: {timestamptz: integer_ms} -> iso_text planned a rebuild that copied the milliseconds as they were:
    old rows held '1796217657198' beside new ISO text, ORDER BY wrong, and every verify passed."""
    from schemactl.errors import SchemactlError
    chain = Chain(tmp_path)
    base = BASE.replace("      note: text\n", "      note: text\n      at: timestamptz\n")
    chain.release(base + "sqlite: {timestamptz: integer_ms}\n", "init")
    with pytest.raises(SchemactlError, match=r"sqlite: timestamptz: integer_ms -> iso_text changes how SQLite stores "
                                             r"the values of items.at .*keep sqlite: \{timestamptz: integer_ms\}"):
        chain.release(base + "sqlite: {timestamptz: iso_text}\n", "iso")
    assert len(list((tmp_path / "generated" / "chain" / "migrations" / "sqlite").glob("*.sql"))) == 1
    # a chain whose tables hold no timestamptz column takes the new convention (nothing is stored in it)
    other = Chain(tmp_path / "other")
    other.release(BASE + "sqlite: {timestamptz: integer_ms}\n", "init")
    other.release(BASE + "sqlite: {timestamptz: iso_text}\n", "iso")


def test_moving_a_chain_to_another_postgresql_schema_is_refused(tmp_path):
    """postgres: {schema: app} added to a manifest with a chain wrote an empty migration (no SET SCHEMA) whose
    record went to app.schema_version: every database at the old version started the chain again."""
    from schemactl.errors import SchemactlError
    chain = Chain(tmp_path)
    chain.release(BASE, "init")
    with pytest.raises(SchemactlError, match=r"chain: postgres: schema the default \(search_path\) -> app moves the "
                                             r"chain's tables .*leave postgres: schema out"):
        chain.release(BASE + "postgres: {schema: app}\n", "mv")
    assert len(list((tmp_path / "generated" / "chain" / "migrations" / "postgres").glob("*.sql"))) == 1


def test_a_column_added_with_a_comment_has_it_on_postgresql(tmp_path, pg):
    """The chain wrote ALTER TABLE … ADD COLUMN without the column's COMMENT ON (the fresh DDL has it): a
    database built by migrations lacked the comment."""
    change, keep = CHANGES["add column with a comment"]
    _migrated(pg, "postgres", tmp_path, change, keep)
    assert pg.execute("SELECT col_description('items'::regclass, attnum) FROM pg_attribute "
                      "WHERE attrelid = 'items'::regclass AND attname = 'color'").fetchone() == ("it's red",)


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_an_identity_added_to_a_populated_key_numbers_on_after_its_rows(engine, tmp_path, request):
    """PostgreSQL's ADD GENERATED … AS IDENTITY starts at 1: the next insert hit the key of row 1."""
    change = lambda s: s.replace("  extra:\n    columns:\n      id: {type: integer, primary_key: true}\n",  # noqa: E731
                                 "  extra:\n    columns:\n      id: {type: integer, primary_key: true, identity: true}\n")
    conn = request.getfixturevalue("pg") if engine == "postgres" else sqlite3.connect(str(tmp_path / "db.sqlite"))
    _migrated(conn, engine, tmp_path, change, ["owners", "items", "extra"])
    cur = conn.cursor()
    cur.execute("INSERT INTO extra DEFAULT VALUES")
    cur.execute("SELECT max(id) FROM extra")
    assert cur.fetchone()[0] == 8   # after the seeded row 7


def test_a_default_of_another_type_is_a_changed_default():
    """false and 0 (True and 1) are equal to Python: migrate plan listed no default change from boolean false
    to integer 0."""
    from schemactl.manifest.load import load_text
    from schemactl.migrations.plan import plan
    one = BASE.replace("      note: text\n", "      note: text\n      flag: {type: boolean, default: false}\n")
    two = one.replace("flag: {type: boolean, default: false}", "flag: {type: integer, default: 0}")
    kinds = [op.kind for op in plan(load_text(one, "m.yaml"), load_text(two, "m.yaml"))]
    assert kinds == ["alter_type", "set_default"]


def _score_retyped(engine, before, after, values, tmp_path, request):
    """(connection, chain, second release): items.score of type ``before`` holding ``values`` (SQL literals,
    one row each), then released again as ``after``."""
    conn = sqlite3.connect(str(tmp_path / "db.sqlite")) if engine == "sqlite" else request.getfixturevalue("pg")
    chain = Chain(tmp_path)
    base = BASE.replace("      note: text\n", f"      note: text\n      score: {{type: {before}}}\n")
    m1, _ = chain.release(base, "init")
    migrate(conn, chain.bundle(m1))
    _seed(conn)
    for i, v in enumerate(values, 1):
        conn.execute(f"UPDATE items SET score = {v} WHERE id = {i}")
    conn.commit()
    m2, _ = chain.release(base.replace(f"score: {{type: {before}}}", f"score: {{type: {after}}}"), "retyped")
    return conn, chain, m2


def _refused(conn, chain, m2, match: str) -> None:
    """The second release fails with ``match`` and leaves the database at version 1."""
    with pytest.raises(MigrationError, match=match):
        migrate(conn, chain.bundle(m2))
    conn.rollback()
    assert conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 1


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
@pytest.mark.parametrize("before,values,fits", [
    ("double", ["123.456", "1.5"], False),                  # PostgreSQL's cast rounded it; SQLite kept '123.456'
    ("double", ["123.45", "0.30000000000000004", "2"], True),   # 15 digits, as both engines read a double
    ('"numeric(10,4)"', ["'1.2345'"], False),                # SQLite kept the four digits
    ('"numeric(10,4)"', ["'1.2000'", "'-3.5'"], True),
    ("text", ["'9.999'"], False),
    ("double", ["1e15", "1e20", "-0.5"], True),                # SQLite writes a large double as '1.0e+15'
    ("text", ["'1e5'", "'1.5e-1'", "'12.50 '"], True),       # exponents and blanks, as PostgreSQL reads them
    ("text", ["'1.2345e1'"], False),                      # 12.345
])
def test_a_column_made_numeric_never_rounds_on_one_engine_only(engine, before, values, fits, tmp_path, request):
    """double -> numeric(6,2) stored 123.46 on PostgreSQL and the text '123.456' on SQLite (whose numeric never
    rounds), so the two databases held different values from then on.  A value the new scale cannot hold now
    fails the migration on both engines, under one constraint name; values that fit arrive alike."""
    conn, chain, m2 = _score_retyped(engine, before, '"numeric(30,2)"', values, tmp_path, request)
    if not fits:
        return _refused(conn, chain, m2, "items_score_fits_scale_2")
    assert migrate(conn, chain.bundle(m2)) == [2]
    got = [Decimal(str(r[0])) for r in conn.execute("SELECT score FROM items WHERE score IS NOT NULL ORDER BY id")]
    assert got == [Decimal(v.strip("' ")).quantize(Decimal("0.01")) if v != "0.30000000000000004" else Decimal("0.30")
                   for v in values]



@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
@pytest.mark.parametrize("before,after,values,fits", [
    ("double", "integer", ["2.5", "7"], False),              # PostgreSQL's cast stored 2; SQLite kept 2.5
    ("real", "bigint", ["1.25"], False),
    ('"numeric(10,2)"', "smallint", ["'4.50'", "'-1.00'"], False),   # numeric rounds half away from zero: 5
    ("double", "integer", ["2", "-7", "1e6"], True),
    ('"numeric(10,2)"', "bigint", ["'4.00'", "'-5'"], True),
])
def test_a_column_made_an_integer_never_rounds_on_one_engine_only(engine, before, after, values, fits, tmp_path,
                                                                  request):
    """double -> integer stored 2 on PostgreSQL (its cast rounds) and 2.5 on SQLite (an INTEGER column keeps a
    REAL it cannot hold exactly), and every verify passed: the two databases held different values from then
    on.  A value with fractional digits now fails the migration on both engines, under one constraint name;
    whole values arrive alike, as integers."""
    conn, chain, m2 = _score_retyped(engine, before, after, values, tmp_path, request)
    if not fits:
        return _refused(conn, chain, m2, "items_score_fits_scale_0")
    assert migrate(conn, chain.bundle(m2)) == [2]
    got = conn.execute("SELECT score FROM items WHERE score IS NOT NULL ORDER BY id").fetchall()
    assert [r[0] for r in got] == [int(Decimal(v.strip("'"))) for v in values]
    assert all(type(r[0]) is int for r in got)
    assert [str(f) for f in diff(expect(m2, engine), introspect(conn, engine))] == []


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
@pytest.mark.parametrize("before,after,values,kept", [
    ("text", "varchar(5)", ["'a long title'"], None),
    ('"varchar(50)"', "varchar(5)", ["'abcdef'"], None),
    ('"character(10)"', '"character(5)"', ["'abcdefg   '"], None),   # PostgreSQL's explicit cast cut it: 'abcde'
    ("integer", "varchar(3)", ["12345"], None),                     # likewise: '123'
    ("text", "varchar(5)", ["'abc     '", "'abcde'"], ["abc  ", "abcde"]),   # blanks beyond 5 are cut on both
    ('"character(10)"', '"character(5)"', ["'ab        '"], ["ab   "]),
    ("integer", "varchar(3)", ["123", "-12"], ["123", "-12"]),
])
def test_a_shorter_string_type_never_cuts_a_value_on_one_engine_only(engine, before, after, values, kept, tmp_path,
                                                                    request):
    """text -> varchar(5) failed on PostgreSQL (a value too long) and passed on SQLite, which kept the long text in
    the rebuilt table; character(10) -> character(5) and integer -> varchar(3) were written with PostgreSQL's
    explicit cast, which cut 'abcdefg' to 'abcde' and 12345 to '123' while SQLite kept them.  A value longer
    than the new length (before its trailing blanks) now fails the migration on both engines; blanks beyond it
    are cut on both, as PostgreSQL's assignment does."""
    conn = sqlite3.connect(str(tmp_path / "db.sqlite")) if engine == "sqlite" else request.getfixturevalue("pg")
    chain = Chain(tmp_path)
    base = BASE.replace("      note: text\n", f"      note: text\n      code: {{type: {before}}}\n")
    m1, _ = chain.release(base, "init")
    migrate(conn, chain.bundle(m1))
    _seed(conn)
    for i, v in enumerate(values, 1):
        conn.execute(f"UPDATE items SET code = {v} WHERE id = {i}")
    conn.commit()
    m2, _ = chain.release(base.replace(f"code: {{type: {before}}}", f"code: {{type: {after}}}"), "shorter")
    length = after.strip('"').split("(")[1].rstrip(")")
    if kept is None:
        refused = "value too long for type" if engine == "postgres" else f"items_code_fits_length_{length}"
        with pytest.raises(MigrationError, match=refused):
            migrate(conn, chain.bundle(m2))
        conn.rollback()
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 1
        return
    assert migrate(conn, chain.bundle(m2)) == [2]
    got = conn.execute("SELECT code FROM items WHERE code IS NOT NULL ORDER BY id").fetchall()
    assert [r[0] for r in got] == kept
    assert [str(f) for f in diff(expect(m2, engine), introspect(conn, engine))] == []

@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
@pytest.mark.parametrize("before,after,values,refused", [
    ("bigint", "integer", ["5000000000"], "fits_integer"),        # SQLite's INTEGER kept 5000000000
    ("integer", "smallint", ["-40000"], "fits_smallint"),
    ("text", "integer", ["'12'", "'abc'"], "fits_integer"),       # SQLite's INTEGER kept the text 'abc'
    ("double", "bigint", ["1e20"], "fits_bigint"),
    ('"numeric(12,2)"', '"numeric(6,2)"', ["'123456.78'"], "fits_precision_6"),   # SQLite kept the text
    ("double", '"numeric(6,2)"', ["1e6"], "fits_precision_6"),
    ("bigint", "integer", ["7", "-2147483648", "2147483647"], None),
    ("text", "integer", ["' 12'", "'-3'"], None),
    ('"numeric(12,2)"', '"numeric(6,2)"', ["'9999.99'", "'-12.5'"], None),
])
def test_a_narrower_type_refuses_on_both_engines_what_it_cannot_hold(engine, before, after, values, refused,
                                                                     tmp_path, request):
    """bigint -> integer, text -> integer and numeric(12,2) -> numeric(6,2) failed on PostgreSQL for a value the new
    type cannot hold (its cast refuses it) and passed on SQLite, whose rebuilt table kept 5000000000, 'abc' or
    '123456.78' as they were: the engines' chains diverged, and SQLite's database then held what no PostgreSQL
    column can.  Such a value now fails the migration on both engines (SQLite: a constraint named for the column);
    values that fit arrive alike."""
    conn, chain, m2 = _score_retyped(engine, before, after, values, tmp_path, request)
    if refused is not None:
        return _refused(conn, chain, m2, "out of range|invalid input syntax|numeric field overflow"
                        if engine == "postgres" else f"items_score_{refused}")
    assert migrate(conn, chain.bundle(m2)) == [2]
    got = [r[0] for r in conn.execute("SELECT score FROM items WHERE score IS NOT NULL ORDER BY id").fetchall()]
    want = [int(v.strip("' ")) if after in ("integer", "bigint") else Decimal(v.strip("'")) for v in values]
    assert [Decimal(str(g)) for g in got] == want
    assert [str(f) for f in diff(expect(m2, engine), introspect(conn, engine))] == []


RENAMED = """\
format: 1
name: chain
version: 1
tables:
  flows:
    columns:
      id: {type: integer, primary_key: true}
      title: {type: text, unique: true, check: "length(title) > 0"}
    indexes:
      - columns: [title, id]
  steps:
    columns:
      id: {type: integer, primary_key: true}
      flow_id: {type: integer, references: {table: flows, column: id}}
"""


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_a_renamed_table_renames_its_keys_checks_and_indexes(engine, tmp_path, request):
    """renamed_from: flows planned 'change primary key', drop and add of every unique key, check, index and of
    the foreign keys that reference the table (their names follow the table's): PostgreSQL rebuilt each index and
    checked every row under the table's lock.  They are renamed now; the database reads as one built fresh."""
    conn = sqlite3.connect(str(tmp_path / "db.sqlite")) if engine == "sqlite" else request.getfixturevalue("pg")
    chain = Chain(tmp_path)
    m1, _ = chain.release(RENAMED, "init")
    migrate(conn, chain.bundle(m1))
    conn.execute("INSERT INTO flows (id, title) VALUES (1, 'a'), (2, 'b')")
    conn.execute("INSERT INTO steps (id, flow_id) VALUES (10, 1), (11, 2)")
    conn.commit()
    renamed = RENAMED.replace("  flows:\n", "  workflows:\n    renamed_from: flows\n") \
        .replace("table: flows", "table: workflows").replace("title: {type: text", "label: {type: text, "
                                                                                     "renamed_from: title") \
        .replace("length(title)", "length(label)").replace("[title, id]", "[label, id]")
    m2, planned = chain.release(renamed, "rename")
    assert [op.describe() for op in planned.ops] == [
        "rename table flows to workflows", "rename column workflows.title to label",
        "rename constraint flows_pkey to workflows_pkey on workflows",
        "rename constraint flows_title_key to workflows_label_key on workflows",
        "drop check flows_title_check on workflows", "add check workflows_label_check on workflows",
        "rename index flows_title_id_idx to workflows_label_id_idx on workflows"]
    pg_sql = (chain.out / "migrations" / "postgres" / "0002_rename.sql").read_text()
    assert "DROP CONSTRAINT flows_pkey" not in pg_sql and "steps_flow_id_fkey" not in pg_sql
    assert migrate(conn, chain.bundle(m2)) == [2]
    conn.commit()
    assert [str(f) for f in diff(expect(m2, engine), introspect(conn, engine))] == []
    cur = conn.cursor()
    cur.execute("SELECT s.id, w.label FROM steps s JOIN workflows w ON w.id = s.flow_id ORDER BY s.id")
    assert cur.fetchall() == [(10, "a"), (11, "b")]


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
@pytest.mark.parametrize("change", ["new column hinted from a kept one", "two columns swap names"])
def test_a_rename_hint_the_plan_does_not_follow_renames_no_key_or_index(engine, change, tmp_path, request):
    """The renames of keys and indexes followed every renamed_from:, also one the plan does not make (the old
    column is still there): an index was renamed onto the wrong column on PostgreSQL, and SQLite's migration
    failed ("no such column")."""
    conn = sqlite3.connect(str(tmp_path / "db.sqlite")) if engine == "sqlite" else request.getfixturevalue("pg")
    base = ("format: 1\nname: chain\nversion: 1\ntables:\n  t:\n    columns:\n      id: {type: integer, "
            "primary_key: true}\n      x: {type: integer, unique: true}\n      y: integer\n    indexes:\n"
            "      - columns: [y]\n")
    chain = Chain(tmp_path)
    m1, _ = chain.release(base, "init")
    migrate(conn, chain.bundle(m1))
    conn.execute("INSERT INTO t (id, x, y) VALUES (1, 10, 20)")
    conn.commit()
    if change == "new column hinted from a kept one":
        after = base.replace("      y: integer\n", "      y: integer\n      z: {type: integer, renamed_from: y}\n") \
            .replace("[y]", "[z]")
    else:
        after = base.replace("      x: {type: integer, unique: true}\n      y: integer\n",
                             "      x: {type: integer, renamed_from: y}\n"
                             "      y: {type: integer, unique: true, renamed_from: x}\n")
    m2, planned = chain.release(after, "change")
    assert not any(op.kind in ("rename_constraint", "rename_index") for op in planned.ops), planned.ops
    assert migrate(conn, chain.bundle(m2)) == [2]
    conn.commit()
    assert [str(f) for f in diff(expect(m2, engine), introspect(conn, engine))] == []


def test_a_chain_released_before_a_new_refusal_still_continues(tmp_path, monkeypatch):
    """A later schemactl refuses more (round() of a double, say, which PostgreSQL has no form of): the chain's
    snapshot, released when it was taken, was then 'not a valid manifest', and every later migration of the
    chain was refused.  The snapshot is read without the engines' verdicts; the manifest itself still gets them."""
    from schemactl.manifest import enginecheck
    from schemactl.migrations.files import chain_problems
    from schemactl.errors import ManifestInvalid
    text = BASE.replace("      note: text\n", "      note: text\n      w: double\n") \
        .replace('      - {name: items_qty_check, expr: "qty >= 0"}\n',
                 '      - {name: items_qty_check, expr: "qty >= 0"}\n      - {name: w_check, expr: "round(w, 2) >= 0"}\n')
    chain = Chain(tmp_path)
    with monkeypatch.context() as mp:   # as an earlier schemactl took it
        mp.setattr(enginecheck, "check", lambda m, problems: None)
        m1, _ = chain.release(text, "init")
    with pytest.raises(ManifestInvalid):   # today's verdict on the manifest itself
        load_text(text, "m.yaml")
    fixed = text.replace("round(w, 2)", "round(CAST(w AS NUMERIC), 2)")
    m2, planned = chain.release(fixed, "fix_check")
    assert [op.kind for op in planned.ops] == ["drop_check", "add_check"]
    assert chain_problems(chain.out, m2, str) == []


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_a_column_renamed_under_a_generated_column_is_renamed(engine, tmp_path, request):
    """A generated column's expression changed only by the column renamed in the same edit: RENAME COLUMN
    rewrites it on both engines (the plan called it 'change how people.low is generated' and refused:
    'PostgreSQL 15 cannot change how a column is generated in place')."""
    conn = sqlite3.connect(str(tmp_path / "db.sqlite")) if engine == "sqlite" else request.getfixturevalue("pg")
    v1 = ("format: 1\nname: chain\nversion: 1\ntables:\n  people:\n    columns:\n"
          "      id: {type: integer, primary_key: true}\n      first: {type: text, nullable: false}\n"
          "      low: {type: text, generated: {expr: \"lower(first)\", stored: true}}\n")
    chain = Chain(tmp_path)
    m1, _ = chain.release(v1, "init")
    migrate(conn, chain.bundle(m1))
    cur = conn.cursor()
    cur.execute("INSERT INTO people (id, first) VALUES (1, 'Ann'), (2, 'Ö')")
    conn.commit()
    m2, planned = chain.release(v1.replace("first: {type: text, nullable: false}",
                                           "given: {type: text, nullable: false, renamed_from: first}")
                                .replace("lower(first)", "lower(given)"), "rename", allow_destructive=False)
    assert [op.kind for op in planned.ops] == ["rename_column"]
    assert migrate(conn, chain.bundle(m2)) == [2]
    cur = conn.cursor()
    cur.execute("SELECT id, given, low, low = lower(given) FROM people ORDER BY id")
    assert [row[:2] + row[3:] for row in cur.fetchall()] == [(1, "Ann", True), (2, "Ö", True)]
    assert [str(f) for f in diff(expect(m2, engine), introspect(conn, engine))] == []
