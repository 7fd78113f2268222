"""Issue 14 part 5: manifests the engines accept.  `validate` refuses what an engine would reject, with
file:line:col and the fix; the list of PostgreSQL's functions is the real server's."""

from __future__ import annotations

import json
import time

import psycopg
import pytest

from schemactl import render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.errors import ManifestInvalid
from schemactl.manifest import enginecheck
from schemactl.manifest.load import load_file, load_text
from tests.conftest import ROOT, cli

HEAD = "format: 1\nname: e\nversion: 1\ntables:\n  t:\n    columns:\n      id: {type: integer, primary_key: true}\n"


def _errors(text: str) -> list[str]:
    with pytest.raises(ManifestInvalid) as info:
        load_text(text, "m.yaml")
    return [str(d) for d in info.value.diagnostics]


def test_a_function_postgres_lacks_is_refused_with_its_place_and_the_fix():
    got = _errors(HEAD + '      at: {type: bigint, default: {sql: {postgres: "unixepoch()", sqlite: "unixepoch()"}}}\n')
    assert got == ['m.yaml:8:35: error: table "t", column "at": default: PostgreSQL has no function unixepoch(); '
                   'give each engine its own form: {postgres: "…", sqlite: "…"}']


def test_a_function_sqlite_lacks_is_refused_by_sqlite_itself():
    got = _errors(HEAD + "      a: text\n    checks:\n      - {name: t_a, expr: {postgres: \"a ~ 'x'\", "
                         "sqlite: \"a REGEXP 'x'\"}}\n    indexes:\n      - {columns: [a], where: \"julianday(a) > 0\"}\n")
    assert got == ['m.yaml:10:9: error: table "t": check "t_a": SQLite rejects it (no such function: REGEXP); give '
                   'each engine its own form: {postgres: "…", sqlite: "…"}',
                   'm.yaml:12:31: error: table "t": index "t_a_idx" where: PostgreSQL has no function julianday(); '
                   'give each engine its own form: {postgres: "…", sqlite: "…"}']


def test_a_default_postgres_cannot_assign_is_refused():
    got = _errors(HEAD + '      n: {type: integer, default: {sql: {postgres: "false", sqlite: "0"}}}\n')
    assert got == ['m.yaml:8:35: error: table "t", column "n": default FALSE does not fit type integer on '
                   "PostgreSQL; write a literal of the column's type (e.g. 0 for false on an integer)"]


def test_a_view_needs_sql_for_both_engines():
    got = _errors(HEAD + 'views:\n  v: {sql: {postgres: "SELECT id FROM t"}}\n')
    assert got == ['m.yaml:9:12: error: view "v" has no SQL for sqlite; write it once, or give each engine its own '
                   'form: {postgres: "…", sqlite: "…"}']


def test_what_both_engines_have_passes_and_applies(pg):
    text = HEAD + ('      a: {type: text, check: "length(a) > 0"}\n'
                   '      d: {type: text, default: {sql: {postgres: "md5(\'x\')", sqlite: "hex(randomblob(2))"}}}\n'
                   '      c: {type: bigint, default: {sql: {postgres: "CAST(FLOOR(EXTRACT(EPOCH FROM now())) AS '
                   'BIGINT)", sqlite: "unixepoch()"}}}\n'
                   '    indexes:\n      - {columns: [a], where: "lower(a) <> \'x\'"}\n'
                   'views:\n  v: {sql: "SELECT id, upper(coalesce(a, \'\')) AS u FROM t"}\n')
    m = load_text(text, "m.yaml")
    sqlite_engine.apply(sqlite_engine.connect(":memory:"), render.ddl(m, "sqlite"))
    pg.execute(render.ddl(m, "postgres"))


def test_every_shipped_manifest_and_golden_case_passes_in_milliseconds():
    paths = sorted((ROOT / "manifests").glob("*.yaml")) + sorted((ROOT / "tests/cases").glob("*/manifest.yaml"))
    models = [load_file(p) for p in paths]

    class Refuse:
        def add(self, path, message, severity="error", **kw):
            if severity == "error":
                raise AssertionError(message)
    enginecheck.pg_functions()
    start = time.perf_counter()
    for m in models:
        enginecheck.check(m, Refuse())
    assert time.perf_counter() - start < 0.25     # measured: about 10 ms for all of them


def test_postgres_function_list_is_the_servers(pg):
    shipped = json.loads((ROOT / "schemactl/manifest/pg_functions.json").read_text())
    from scripts.pg_functions import QUERY
    live = [r[0] for r in pg.execute(QUERY)]
    assert set(shipped["functions"]) == set(live), "run python3 scripts/pg_functions.py and commit the result"


def test_a_fk_between_comparable_types_is_a_warning_and_applies_on_both(pg, tmp_path):
    path = tmp_path / "fk.yaml"
    path.write_text("format: 1\nname: fk\nversion: 1\ntables:\n  items:\n    columns:\n"
                    "      code: {type: varchar(64), primary_key: true}\n      n: {type: integer, unique: true}\n"
                    "  refs:\n    columns:\n      id: {type: integer, primary_key: true}\n"
                    "      code: {type: varchar(128), references: items.code}\n"
                    "      t: {type: text, references: items.code}\n      n: {type: bigint, references: items.n}\n")
    result = cli("validate", path)
    assert result.exit_code == 0, result.output
    assert result.output.count(": warning: ") == 3
    assert f'{path.name}:12:46: warning: table "refs": foreign key "refs_code_fkey": column "code" is varchar(128) ' \
           'but "items.code" is varchar(64)' in result.output.replace(str(path), path.name)
    m = load_file(path)
    sqlite_engine.apply(sqlite_engine.connect(":memory:"), render.ddl(m, "sqlite"))
    pg.execute(render.ddl(m, "postgres"))
    for ts in ("schema.pg.ts", "schema.sqlite.ts"):
        assert "refs" in render.render_file(m, ts)


def test_a_view_may_read_a_view_declared_after_it(pg, sqlite_db):
    """Views are checked (and created) in the order they read each other, not the manifest's order."""
    m = load_text(HEAD + "      a: text\nviews:\n  late: {sql: \"SELECT id, a FROM early WHERE a <> ''\"}\n"
                         "  early: {sql: \"SELECT id, a FROM t\"}\n")
    sqlite_engine.apply(sqlite_db, render.ddl(m, "sqlite"))
    pg.execute(render.ddl(m, "postgres"))
    assert sqlite_db.execute("SELECT count(*) FROM late").fetchone() == (0,)


def test_sqlite_settings_are_checked_by_sqlite_itself():
    got = _errors(HEAD + "sqlite:\n  spell: {json: JSON COLLATE NOCASE, numeric: \"DECIMAL({precision}, {scale})\"}\n"
                         "  pragmas: {busy_timout: 5000, journal_mode: WAL}\n")
    assert [g for g in got if ": warning:" not in g] == [
        'm.yaml:9:17: error: sqlite.spell: "JSON COLLATE NOCASE" for json is not a type name only (SQLite reads the '
        'type as "JSON" and the rest as constraints, which come from the manifest); give the type name only, '
        'e.g. "JSON"',
        'm.yaml:10:13: error: sqlite.pragmas: SQLite has no pragma "busy_timout" (did you mean "busy_timeout"?); '
        "correct or remove it"]


@pytest.mark.parametrize("type_,pg_default,fits", [
    ("smallint", "40000", "32767"), ("integer", "-2147483649", "-2147483648"), ("real", "1e39", "3.4e38"),
    ("real", "1e-50", "1e-45"), ("double", "1e400", "1e300"), ('"numeric(3,1)"', "1234.5", "12.5"),
], ids=["smallint", "integer", "real-overflow", "real-underflow", "double", "numeric"])
def test_a_number_default_beyond_its_type_is_refused(pg, type_, pg_default, fits):
    """PostgreSQL creates such a table and refuses every insert relying on the default; SQLite accepts them."""
    column = "      v: {type: %s, default: {sql: {postgres: \"%s\", sqlite: \"0\"}}}\n"
    bad = HEAD + column % (type_, pg_default)
    pg_type = {"double": "double precision"}.get(type_, type_.strip('"'))
    pg.execute(f"CREATE TABLE probe (v {pg_type} DEFAULT {pg_default})")
    with pytest.raises(psycopg.DataError):
        pg.execute("INSERT INTO probe DEFAULT VALUES")
    got = _errors(bad)
    assert len(got) == 1 and f'column "v": default {pg_default} does not fit on PostgreSQL: ' in got[0], got
    m = load_text(HEAD + column % (type_, fits))          # the edge itself is fine on both engines
    pg.execute("DROP TABLE probe")
    pg.execute(render.ddl(m, "postgres"))
    pg.execute("INSERT INTO t (id) VALUES (1)")


def test_a_view_reading_a_missing_column_on_postgres_only_is_refused(pg):
    text = HEAD + ("      name: text\nviews:\n  v: {sql: {postgres: \"SELECT id, nmae FROM t WHERE name ~ 'x'\", "
                   "sqlite: \"SELECT id, name FROM t\"}}\n")
    pg.execute("CREATE TABLE t (id integer PRIMARY KEY, name text)")
    with pytest.raises(psycopg.errors.UndefinedColumn):           # PostgreSQL refuses it ...
        pg.execute("CREATE VIEW v AS SELECT id, nmae FROM t WHERE name ~ 'x'")
    assert _errors(text) == ['m.yaml:10:12: error: view "v" reads missing column "nmae" on PostgreSQL (did you '
                             'mean "name"?); the tables it reads (t) have no such column: correct the view']
    load_text(text.replace("nmae", "name"))                       # ... and the corrected form passes



def test_a_view_reading_mixed_case_columns_resolves_them(pg):
    """The manifest's names are not folded: a view reading "userId" (Drizzle's camel-case keys) reads that
    column, as on PostgreSQL; it was refused as reading a missing column."""
    text = HEAD + ('      userId: text\nviews:\n  v: {sql: {postgres: "SELECT t.\\"userId\\" FROM t WHERE t.\\"userId\\" ~ \'x\'", '
                   'sqlite: "SELECT t.\\"userId\\" FROM t"}}\n')
    pg.execute('CREATE TABLE t (id integer PRIMARY KEY, "userId" text)')
    pg.execute('CREATE VIEW v AS SELECT t."userId" FROM t WHERE t."userId" ~ \'x\'')
    m = load_text(text)
    assert m.views[0].query.on("postgres") == 'SELECT t."userId" FROM t WHERE t."userId" ~ \'x\''
    assert _errors(text.replace('t.\\"userId\\" ~', 't.\\"userid\\" ~'))[0].startswith(
        'm.yaml:10:12: error: view "v" reads missing column "userid" on PostgreSQL (did you mean "userId"?)')


DECLARED = """\
format: 1
name: fchk
version: 1
tables:
  items:
    columns:
      code: {type: text, primary_key: true}
    checks:
      - name: code_ok
        expr: {postgres: "is_code(code)", sqlite: "length(code) > 0"}
functions:
  is_code:
    postgres: "CREATE FUNCTION is_code(c text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT c ~ '^[A-Z]+$' $$"
"""


def test_a_check_may_call_a_function_the_manifest_declares(pg):
    m = load_text(DECLARED)
    with pg.transaction():
        pg.execute(render.ddl(m, "postgres"))
    pg.execute("INSERT INTO items VALUES ('ABC')")
    with pytest.raises(psycopg.errors.CheckViolation):
        pg.execute("INSERT INTO items VALUES ('abc')")
    with pytest.raises(ManifestInvalid, match="PostgreSQL has no function is_code"):
        load_text(DECLARED.replace("  is_code:\n", "  other:\n").replace("FUNCTION is_code", "FUNCTION other"))


def test_the_expressions_of_a_table_compiled_together_still_each_report_alone():
    """One statement compiles a table's expressions; a failure is then located expression by expression."""
    text = (HEAD + "      a: text\n      b: integer\n    checks:\n      - {name: ok1, expr: \"length(a) > 0\"}\n"
            "      - {name: bad, expr: {postgres: \"b > 0\", sqlite: \"nope(b) > 0\"}}\n"
            "      - {name: ok2, expr: \"b <> 2\"}\n"
            "    indexes:\n      - {columns: [a], where: {postgres: \"a <> 'x'\", sqlite: \"nada(a) > 0\"}}\n")
    assert _errors(text) == [
        'm.yaml:12:9: error: table "t": check "bad": SQLite rejects it (no such function: NOPE); give each engine '
        'its own form: {postgres: "…", sqlite: "…"}',
        'm.yaml:15:31: error: table "t": index "t_a_idx" where: SQLite rejects it (no such function: NADA); give '
        'each engine its own form: {postgres: "…", sqlite: "…"}']
    load_text(text.replace("nope(b)", "abs(b)").replace("nada(a)", "length(a)"), "m.yaml")


def test_clock_keywords_with_a_precision_are_no_unknown_functions(pg):
    """CURRENT_TIME(0), LOCALTIME(0), LOCALTIMESTAMP(0): SQL keywords with a precision, not functions
    (they were refused as 'PostgreSQL has no function current_time()', and an import listed them so)."""
    text = HEAD + ('      a: {type: time, default: {sql: {postgres: "CURRENT_TIME(0)", sqlite: "time(\'now\')"}}}\n'
                   '      b: {type: timestamp, default: {sql: {postgres: "LOCALTIMESTAMP(0)", '
                   'sqlite: "datetime(\'now\')"}}}\n'
                   '      c: {type: time, default: {sql: {postgres: "LOCALTIME(0)", sqlite: "time(\'now\')"}}}\n')
    m = load_text(text, "m.yaml")
    pg.execute(render.ddl(m, "postgres"))
    pg.execute("INSERT INTO t (id) VALUES (1)")
    assert pg.execute("SELECT a IS NOT NULL AND b IS NOT NULL AND c IS NOT NULL FROM t").fetchone() == (True,)


@pytest.mark.parametrize("spell, warned", [
    ("{json: JSON}", "json"), ("{text: STRING}", "text"), ('{numeric: "DECIMAL({precision}, {scale})"}', "numeric"),
    ("{json: JSON TEXT}", None), ("{timestamp: DATETIME, boolean: BOOLEAN, double: FLOAT8, bytes: BYTEA}", None),
])
def test_a_spelling_whose_affinity_converts_values_is_warned_about(spell, warned):
    """README's own example, {json: JSON}, has NUMERIC affinity: the JSON document 1.50 was stored as 1.5."""
    m = load_text(HEAD + f"sqlite:\n  spell: {spell}\n", "m.yaml")
    got = [w.message for w in m.warnings if "affinity" in w.message]
    assert got == ([] if warned is None else [got[0]]) and (warned is None or f" for {warned}: SQLite gives " in got[0])
    if warned == "json":   # and what it warns of is so
        import sqlite3
        db = sqlite3.connect(":memory:")
        db.execute("CREATE TABLE t (j JSON)")
        db.execute("INSERT INTO t VALUES ('1.50')")
        assert db.execute("SELECT j, typeof(j) FROM t").fetchone() == (1.5, "real")


FLOATS = HEAD + ("      d: double\n      r: real\n      n: numeric(10,2)\n      i: integer\n      t: text\n"
                 "    checks:\n      - {name: k, expr: %s}\n")
FLOAT_CASES = [
    "round(d, 2) > 0", "round(r, 2) > 0", "d %% 2 = 0", "mod(d, 2) = 0", "(i + d) %% 2 = 0",
    "round(d * 1.5, 2) > 0", "round(abs(d), 2) > 0", "round(coalesce(d, 0), 2) > 0", "round(-d, 2) > 0",
    "round(CASE WHEN i > 0 THEN d ELSE 0 END, 2) > 0", "round(greatest(d, 1), 2) > 0", "round(CAST(i AS REAL), 2) > 0",
    "log(d, 2) > 0", "log(2, d) > 0", "log10(d) > 0",
    # accepted by PostgreSQL: integers and numeric, a float without decimals, and what sqlglot casts itself
    "round(d) > 0", "round(n, 2) > 0", "round(i, 2) > 0", "i %% 2 = 0", "n %% 2 = 0", "mod(i, 2) = 0", "log(d) > 0",
    "round(i * 1.5, 2) > 0", "round(CAST(d AS NUMERIC), 2) > 0", "round(i / 2, 2) > 0", "round(1.5e3, 2) > 0",
    "round(sqrt(i), 2) > 0", "round(random(), 2) > 0", "round(sqrt(n), 2) > 0", "round(length(t) / 2.0, 1) > 0",
    "log(n, 2) > 0",
]


@pytest.mark.parametrize("expr", FLOAT_CASES)
def test_validate_refuses_float_arithmetic_exactly_where_postgresql_does(expr, pg, monkeypatch):
    """round(price, 2) on a double precision column: validate passed it, SQLite computed it, and PostgreSQL
    refused the CREATE TABLE at parity (no round(double precision, integer)).  Validate now refuses it, and
    only it: the verdict is the real server's on the DDL schemactl generates."""
    text = FLOATS % json.dumps(expr.replace("%%", "%"))
    try:
        load_text(text, "m.yaml")
        said = None
    except ManifestInvalid as exc:
        said = " ".join(str(d) for d in exc.diagnostics)
    monkeypatch.setattr(enginecheck, "pg_float_refusal", lambda sql, table: None)
    ddl = render.ddl(load_text(text, "m.yaml"), "postgres")
    try:
        pg.execute(ddl)
        refused = None
    except psycopg.Error as exc:
        refused = str(exc).splitlines()[0]
    assert (said is not None) == (refused is not None), (said, refused)
    if said:
        assert "m.yaml:14:9: error: " in said and "for double precision or real" in said and "NUMERIC" in said


def test_the_float_refusal_names_the_fix():
    got = _errors(FLOATS % '"round(d, 2) > 0"')
    assert got == ['m.yaml:14:9: error: table "t": check "k": PostgreSQL has no round() with decimals for double '
                   'precision or real (ROUND(d, 2)): cast the value to NUMERIC first, e.g. ROUND(CAST(d AS '
                   'NUMERIC), 2), or give each engine its own form: {postgres: "…", sqlite: "…"}']
    # PostgreSQL's own form is read so too (SQLite's trunc() has no decimals: the portable text is refused)
    got = _errors(FLOATS % '{postgres: "trunc(d, 1) > 0", sqlite: "d > 0"}')
    assert len(got) == 1 and "PostgreSQL has no trunc() with decimals for double precision or real" in got[0]


def test_a_trigger_body_calling_a_function_postgresql_lacks_is_refused():
    """A SQLite file's trigger (UPDATE p SET ts = unixepoch() …) imported into both engines' body: validate and
    parity passed (the function is created, its body is only run later), and every insert failed on PostgreSQL."""
    text = (HEAD + "      ts: bigint\n  audit:\n    columns:\n      id: {type: integer, primary_key: true}\n"
            "      op: text\ntriggers:\n  t_touch:\n    table: t\n    timing: after\n    on: insert\n"
            '    do: ["UPDATE t SET ts = unixepoch() WHERE id = NEW.id", "INSERT INTO audit (id, op) VALUES '
            "(NEW.id, 'x')\"]\n")
    assert _errors(text) == ['m.yaml:18:9: error: trigger "t_touch": PostgreSQL has no function unixepoch(); give '
                             'each engine its own form: {postgres: "…", sqlite: "…"}']
    fine = text.replace("unixepoch()", "0")   # a table before "(" (INSERT INTO audit (…)) is no call
    load_text(fine, "m.yaml")


def test_a_portable_modulo_of_a_numeric_value_is_warned_about(pg):
    """CHECK (y % 2 = 0) on numeric(10,2): validate, generate and parity passed, and the engines disagreed on
    4.5 (PostgreSQL refused the row, SQLite took 4.5 as 4).  A warning now says so; integers are not warned of."""
    text = HEAD + '      y: {type: "numeric(10,2)", check: "y % 2 = 0"}\n      i: {type: integer, check: "i % 2 = 0"}\n'
    m = load_text(text, "m.yaml")
    said = [str(w) for w in m.warnings]
    assert said == ['m.yaml:8:41: warning: table "t": check "t_y_check": % of a numeric value keeps its fraction on '
                    "PostgreSQL and drops it on SQLite (y % 2: 4.5 % 2 is 0.5 there and 0 here); write {postgres: …, "
                    "sqlite: …} where that matters"]
    pg.execute(render.ddl(m, "postgres"))
    with pytest.raises(psycopg.errors.CheckViolation):
        pg.execute("INSERT INTO t (id, y) VALUES (1, 4.5)")
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
    lite.execute("INSERT INTO t (id, y) VALUES (1, '4.50')")   # as it is stored there: taken


def test_a_spelling_with_placeholders_is_named_as_written():
    """Import of a SQLite NUMERIC(10,2) column writes spell: {numeric: "NUMERIC({precision},{scale})"}; its warning
    named NUMERIC(10,10) (the placeholders filled with 10 to read the spelling) and advised "TEXT NUMERIC(10,10)",
    a precision the column never had."""
    m = load_text(HEAD + 'sqlite:\n  spell: {numeric: "NUMERIC({precision},{scale})"}\n', "m.yaml")
    got, = [w.message for w in m.warnings if "affinity" in w.message]
    assert "SQLite gives NUMERIC({precision},{scale}) NUMERIC affinity" in got
    assert 'e.g. "TEXT NUMERIC({precision},{scale})" or "TEXT"' in got and "(10,10)" not in got
