"""The postgres: side of a {postgres:, sqlite:} expression is judged by the rules the portable text's constants
are (schemactl.typedconst): a text, character, uuid, json, boolean or enum column compared with a number, a
constant that is no member of an enum, no uuid or no boolean, all of which PostgreSQL refuses to create.

Before: ``schemactl import --db sqlite:///x.db`` of ``price TEXT CHECK (price >= 0)`` (a schemactl-made SQLite
database's numeric column is TEXT) wrote ``expr: {sqlite: price >= 0, postgres: price >= 0}``, reported "5
objects mapped exactly", validate and check said ok, and parity stopped at PostgreSQL's "operator does not
exist: text >= integer" (exit 2).  A portable ``check: "price >= 0"`` on a text column was refused; the same
text as the postgres: side was not."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from schemactl import render
from schemactl.errors import ManifestInvalid
from schemactl.manifest.load import load_file, load_text
from tests.conftest import RESET_SQL, cli, findings

COLUMNS = """\
format: 1
name: e
version: 1
enums:
  level: [low, medium, high]
tables:
  t:
    columns:
      id: {type: integer, primary_key: true}
      note: text
      code: {type: varchar(5)}
      ch: {type: character(3)}
      u: {type: uuid}
      j: {type: json}
      jb: {type: jsonb}
      active: {type: boolean}
      lv: {type: level}
      n: {type: text, postgres_type: integer}
      d: {type: date}
"""
# The columns as PostgreSQL creates them (the same names and types)
PG_TABLE = ("CREATE TYPE level AS ENUM ('low', 'medium', 'high'); CREATE TABLE t (id integer PRIMARY KEY, "
            "note text, code varchar(5), ch character(3), u uuid, j json, jb jsonb, active boolean, lv level, "
            "n integer, d date)")

REFUSED = [
    ("note >= 0", "note is text, compared with the number 0, which has no operator on PostgreSQL: write '0' "
                  "(text), or declare note a number type if it holds numbers"),
    ("code IN ('a', 2)", "code is text, compared with the number 2"),
    ("ch > -1", "ch is char, compared with the number 1"),
    ("u <> 5", "u is uuid, compared with the number 5, which has no operator on PostgreSQL: write a uuid in quotes"),
    ("j = 5", "j is json, compared with the number 5"),
    ("jb = 5", "jb is json, compared with the number 5"),
    ("active = 1", "active is boolean, compared with the number 1, which has no operator on PostgreSQL: write TRUE"),
    ("lv = 2", "lv is an enum (low, medium, high), compared with the number 2"),
    ("lv >= 'urgent'", "'urgent' is not a member of the enum (low, medium, high), an error on PostgreSQL"),
    ("u <> 'nope'", "'nope' is not a uuid, an error on PostgreSQL"),
    ("active = 'maybe'", "'maybe' is not a boolean, an error on PostgreSQL"),
]
# What PostgreSQL creates: not refused (a column of postgres_type: integer, a date PostgreSQL reads, a cast)
TAKEN = ["n > 0", "d > 'today'", "CAST(note AS integer) > 0", "note > '0'", "length(note) > 0",
         "lv >= 'medium'", "u <> 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", "active = 't'", "(j ->> 'k')::numeric > 0"]


def _per_engine(pg: str, sqlite: str = "id > 0") -> str:
    return COLUMNS + f'    checks:\n    - expr: {{postgres: "{pg}", sqlite: "{sqlite}"}}\n'


@pytest.mark.parametrize("expr, message", REFUSED)
def test_the_postgres_side_is_refused_where_postgresql_refuses_it(expr, message, pg):
    with pytest.raises(ManifestInvalid) as info:
        load_text(_per_engine(expr), "m.yaml")
    got = [str(d) for d in info.value.diagnostics]
    # at the postgres: text itself (where its value starts), with the fix
    assert len(got) == 1 and got[0].startswith('m.yaml:21:24: error: table "t": check "t_') and \
        f": postgres: {message}" in got[0], got
    pg.execute(PG_TABLE)
    with pytest.raises((psycopg.errors.UndefinedFunction, psycopg.errors.InvalidTextRepresentation)):
        pg.execute(f"ALTER TABLE t ADD CHECK ({expr})")   # and PostgreSQL does refuse it


@pytest.mark.parametrize("expr", TAKEN)
def test_what_postgresql_creates_passes(expr, pg):
    m = load_text(_per_engine(expr), "m.yaml")
    pg.execute(RESET_SQL)
    pg.execute(render.ddl(m, "postgres"))


def test_the_portable_text_refuses_a_uuid_json_or_enum_compared_with_a_number(pg):
    """The rule is one (typedconst), for the portable text as for the postgres: side."""
    for expr, message in (("u <> 5", "u is uuid, compared with the number 5"),
                          ("j = 5", "j is json, compared with the number 5"),
                          ("lv IN ('low', 2)", "lv is an enum (low, medium, high), compared with the number 2")):
        with pytest.raises(ManifestInvalid) as info:
            load_text(COLUMNS + f'    checks:\n    - expr: "{expr}"\n', "m.yaml")
        assert any(message in str(d) for d in info.value.diagnostics), expr


@pytest.mark.parametrize("place, text, at", [
    ("column check", '      x: {type: text, check: {postgres: "x > 0", sqlite: "x > 0"}}\n', "20:41"),
    ("index where", '    indexes:\n    - columns: [id]\n      where: {postgres: "note = 3", sqlite: "note = 3"}\n',
     "22:25"),
    ("index expression", '    indexes:\n    - columns: [{expr: {postgres: "(code > 1)", sqlite: "(code > 1)"}}]\n',
     "21:35"),
    ("generated", '      g:\n        type: boolean\n        generated: {expr: {postgres: "code = 1", sqlite: '
                  '"code = 1"}}\n', "22:38"),
])
def test_each_place_of_an_expression_is_judged(place, text, at):
    with pytest.raises(ManifestInvalid) as info:
        load_text(COLUMNS + text, "m.yaml")
    got = [str(d) for d in info.value.diagnostics]
    assert len(got) == 1 and got[0].startswith(f"m.yaml:{at}: error: ") and "compared with the number" in got[0] \
        and "which has no operator on PostgreSQL" in got[0], (place, got)


def test_cli_validate_exits_2_with_the_place_and_the_fix(tmp_path):
    (tmp_path / "m.yaml").write_text(_per_engine("note >= 0", "note >= 0"))
    result = cli("validate", str(tmp_path / "m.yaml"))
    assert result.exit_code == 2, result.output
    assert "m.yaml:21:24: error: " in result.output and "write '0' (text)" in result.output
    assert "Traceback" not in result.output


def _import(tmp_path, ddl: str):
    db = tmp_path / "src.db"
    conn = sqlite3.connect(db)
    conn.executescript(ddl)
    conn.close()
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", f"sqlite:///{db}", "-o", str(out))
    assert result.exit_code == 0, result.output
    return out, result.output


def test_import_keeps_a_text_compared_with_a_number_on_sqlite_and_says_so(tmp_path, pg):
    """The new user's database: the CHECK stays SQLite's (listed as approximate), the manifest builds on
    PostgreSQL, and parity's gate (no differences on either engine) passes."""
    out, said = _import(tmp_path, "CREATE TABLE p (id INTEGER PRIMARY KEY, price TEXT NOT NULL CHECK (price >= 0));")
    assert "4 objects mapped exactly, 1 approximately, 0 not mapped" in said, said
    assert "approximately: table \"p\", check 1: kept for sqlite only: " in said and \
        "price is text, compared with the number 0" in said, said
    text = out.read_text()
    assert "expr: {sqlite: price >= 0}" in text and "postgres: price >= 0" not in text, text
    m = load_file(out)
    pg.execute(RESET_SQL)
    pg.execute(render.ddl(m, "postgres"))
    assert findings(m, pg, "postgres") == []
    lite = sqlite3.connect(":memory:")
    lite.executescript(render.ddl(m, "sqlite"))
    with pytest.raises(sqlite3.IntegrityError):   # SQLite keeps its CHECK
        lite.execute("INSERT INTO p (id, price) VALUES (1, '-5')")


def test_import_of_a_schemactl_made_database_of_a_numeric_check_is_honest(tmp_path, pg):
    """numeric(10,2) with check "price >= 0" is TEXT on SQLite: the import reads a text column (what the
    catalog says) and keeps the CHECK on SQLite, listed, instead of a PostgreSQL CHECK that cannot be built."""
    made = load_text("format: 1\nname: app\nversion: 1\ntables:\n  p:\n    columns:\n      id: {type: bigint, "
                     "primary_key: true}\n      price: {type: \"numeric(10,2)\", nullable: false, check: "
                     "\"price >= 0\"}\n", "made.yaml")
    out, said = _import(tmp_path, render.ddl(made, "sqlite"))
    assert "1 approximately" in said and "declare price a number type if it holds numbers" in said, said
    m = load_file(out)
    pg.execute(RESET_SQL)
    pg.execute(render.ddl(m, "postgres"))   # (before: operator does not exist: text >= integer)
    assert findings(m, pg, "postgres") == []


def test_import_of_an_index_and_a_generated_column_comparing_text_with_a_number(tmp_path, pg):
    out, said = _import(tmp_path, "CREATE TABLE p (id INTEGER PRIMARY KEY, price TEXT, code TEXT, "
                                  "free INTEGER GENERATED ALWAYS AS (price = 0) VIRTUAL);"
                                  "CREATE INDEX p_cheap ON p(id) WHERE price < 10; CREATE INDEX p_code ON p((code > 5));")
    assert 'not mapped: table "p", column "free": generated: postgres: price is text' in said, said
    assert said.count("kept for sqlite only") == 2, said
    m = load_file(out)
    assert {ix.name: ix.engines for t in m.tables for ix in t.indexes} == {"p_cheap": ("sqlite",),
                                                                          "p_code": ("sqlite",)}
    pg.execute(RESET_SQL)
    pg.execute(render.ddl(m, "postgres"))
    assert findings(m, pg, "postgres") == []
