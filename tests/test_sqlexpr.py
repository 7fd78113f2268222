"""schemactl.sqlexpr: a portable expression means on SQLite what it means on PostgreSQL.

LIKE: SQLite's ignores the case of ASCII letters and has no escape character of its own; PostgreSQL's compares
case and takes a backslash as the escape.  CHECK (name LIKE 'a%') let 'Apple' in on SQLite only, a partial
unique index on it covered other rows, and '100\\%' matched nothing there."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from schemactl import render, sqlexpr
from schemactl.engines import sqlite as sqlite_engine
from schemactl.manifest.load import load_text
from tests.conftest import findings

LIKES = load_text(r"""
format: 1
name: likes
version: 1
tables:
  t:
    columns:
      id: {type: integer, primary_key: true}
      name: {type: text, check: "name LIKE 'a%'"}
      label: {type: text, check: "label LIKE '100\\%' OR label NOT LIKE '1!_%' ESCAPE '!'"}
      code: {type: text, check: "code LIKE 'x*?[_'"}
    indexes:
      - {name: t_a_key, columns: [code], unique: true, where: "name LIKE 'ab%'"}
""", "likes.yaml")


@pytest.mark.parametrize("row, accepted", [
    ((1, "apple", None, None), True), ((2, "Apple", None, None), False),
    ((3, None, "100%", None), True), ((4, None, "1000", None), True), ((5, None, "1_x", None), False),
    ((6, None, "12x", None), True),
    ((7, None, None, "x*?[1"), True), ((8, None, None, "xa?[1"), False), ((9, None, None, "x*?[12"), False),
])
def test_like_accepts_the_same_rows_on_both_engines(row, accepted, pg):
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(LIKES, "sqlite"))
    pg.execute(render.ddl(LIKES, "postgres"))
    for conn, ph, errors in ((lite, "?", sqlite3.IntegrityError), (pg, "%s", psycopg.errors.CheckViolation)):
        try:
            conn.execute(f"INSERT INTO t VALUES ({ph}, {ph}, {ph}, {ph})", row)
            got = True
        except errors:
            got = False
        assert got == accepted, conn


def test_a_partial_index_on_like_covers_the_same_rows(pg):
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(LIKES, "sqlite"))
    pg.execute(render.ddl(LIKES, "postgres"))
    for conn, ph in ((lite, "?"), (pg, "%s")):
        conn.execute(f"INSERT INTO t (id, name, code) VALUES ({ph}, {ph}, {ph})", (1, "abc", "x*?[1"))
        conn.execute(f"INSERT INTO t (id, name, code) VALUES ({ph}, {ph}, {ph})", (2, "aBc", "x*?[1"))  # not covered
    assert findings(LIKES, pg, "postgres") == []
    assert findings(LIKES, lite, "sqlite") == []


@pytest.mark.parametrize("text, sqlite", [
    ("name LIKE 'a%'", "name GLOB 'a*'"),
    ("x NOT LIKE 'a_b'", "NOT x GLOB 'a?b'"),
    ("x LIKE y || '%'", "x LIKE y || '%'"),              # no constant pattern: as written
])
def test_portable_like_is_glob_on_sqlite_and_an_engines_own_text_is_its_own(text, sqlite):
    assert sqlexpr.build(text).on("sqlite") == sqlite
    assert "GLOB" not in sqlexpr.build({"postgres": text, "sqlite": text}).on("sqlite")


def test_json_operators_apply_to_jsonb_on_postgresql(pg):
    """->> was rendered json_extract_path_text(), which takes json alone: PostgreSQL refused the table."""
    m = load_text("""\
format: 1
name: j
version: 1
tables:
  events:
    columns:
      id: {type: integer, primary_key: true}
      payload: {type: jsonb, check: "payload ->> 'kind' <> 'bad'"}
      doc: {type: json, check: "doc -> 'a' ->> 'b' <> 'bad'"}
    indexes:
      - {name: events_kind_idx, columns: [id], where: "payload ->> 'kind' = 'click'"}
""", "j.yaml")
    pg.execute(render.ddl(m, "postgres"))
    pg.execute("""INSERT INTO events VALUES (1, '{"kind": "click"}', '{"a": {"b": "ok"}}')""")
    with pytest.raises(psycopg.errors.CheckViolation):
        pg.execute("""INSERT INTO events VALUES (2, '{"kind": "bad"}', NULL)""")
    assert findings(m, pg, "postgres") == []
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
    with pytest.raises(sqlite3.IntegrityError):
        lite.execute("""INSERT INTO events VALUES (2, '{"kind": "bad"}', NULL)""")
    assert findings(m, lite, "sqlite") == []


@pytest.mark.parametrize("text, warned", [
    ("CAST(p AS REAL) <= 0.1", "REAL is 4 bytes on PostgreSQL"),
    ("CAST(p AS NUMERIC(5, 2)) > 0", "rounds to its scale on PostgreSQL"),
    ("CAST(p AS VARCHAR(3)) <> 'abc'", "a length cuts the text on PostgreSQL"),
    ("CAST(p AS BOOLEAN)", "SQLite casts to INTEGER"),
    ("CAST(p AS INTEGER) > 0", "a fraction is rounded on PostgreSQL and cut on SQLite"),
    ("CAST(p AS DOUBLE PRECISION) <= 0.1", None),
    ("CAST(p AS NUMERIC) > 0", None),
    ("CAST(p AS TEXT) <> ''", None),
])
def test_a_portable_cast_the_engines_carry_out_otherwise_is_warned_about(text, warned, pg):
    """CAST(price AS REAL) <= 0.1 refused 0.10 on PostgreSQL (float4) and let it in on SQLite."""
    m = load_text(f'format: 1\nname: c\nversion: 1\ntables:\n  t:\n    columns:\n      id: {{type: integer, '
                  f'primary_key: true}}\n      p: {{type: text, check: "{text}"}}\n', "c.yaml")
    said = [w.message for w in m.warnings if "write {postgres: …, sqlite: …}" in w.message]
    assert ([] if warned is None else [True]) == [warned in s for s in said]
    if warned and "4 bytes" in warned:   # and it is so
        assert pg.execute("SELECT CAST('0.10' AS REAL) <= 0.1").fetchone() == (False,)
        assert sqlite3.connect(":memory:").execute("SELECT CAST('0.10' AS REAL) <= 0.1").fetchone() == (1,)


def test_a_portable_part_an_engine_has_no_form_for_is_refused_not_dropped():
    """trunc(amount, 1) was written for SQLite as trunc(amount) (sqlglot warned on stderr only): another CHECK."""
    with pytest.raises(sqlexpr.ExprError) as info:
        sqlexpr.build("trunc(amount, 1) > 0")
    assert str(info.value) == ("SQLite has no form of it as written (Argument 'decimals' is not supported for "
                               "expression 'Trunc' when targeting SQLite); give each engine its own form: "
                               '{postgres: "…", sqlite: "…"}')
    per_engine = sqlexpr.build({"postgres": "trunc(amount, 1) > 0", "sqlite": "amount > 0"})
    assert per_engine.on("postgres") == "TRUNC(amount, 1) > 0"
    assert sqlexpr.build("trunc(amount) > 0").on("sqlite") == "TRUNC(amount) > 0"
