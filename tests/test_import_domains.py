"""Domains of the same name in several PostgreSQL schemas: import reads a column as exactly the domain its type
names (qualified, or bare: the one visible under the catalog reader's search_path), rewrites a cast to a domain
to that domain's base type, and lists the imported schema's own domains and those its columns use, each once,
named with its schema when it is not the imported one.

The import matched domains by bare name across all schemas: a column of other.qty read as public.qty's base
type and CHECK, a cast '7'::other.qty in a CHECK became a cast to public.qty's base, and "domain qty" was listed
once per schema holding one (also for schemas the import never reads)."""

from __future__ import annotations

from schemactl.manifest.load import load_file
from tests.conftest import cli

DOMAINS = """
CREATE SCHEMA other;
CREATE SCHEMA app;
CREATE DOMAIN public.qty AS integer CHECK (VALUE >= 0);
CREATE DOMAIN other.qty AS numeric(10,2) CHECK (VALUE < 100);
CREATE DOMAIN app.qty AS text CHECK (VALUE <> '');
CREATE DOMAIN other.price AS numeric(12,2);
CREATE DOMAIN other.unused AS integer;
CREATE DOMAIN public.stamp AS timestamp(3) with time zone CHECK (VALUE > '2000-01-01');
"""


def _columns(output: str) -> dict[str, str]:
    """import's approximately-lines of columns, by column name."""
    return {line.split('column "')[1].split('"')[0]: line for line in output.splitlines()
            if line.startswith("import: approximately: ") and 'column "' in line}


def _domains(output: str) -> list[str]:
    """The domains import lists as not mapped, in its order."""
    return [line.split('domain "')[1].split('"')[0] for line in output.splitlines()
            if line.startswith("import: not mapped: ") and 'domain "' in line]


def test_a_column_of_another_schemas_domain_reads_as_that_domain(pg, pg_server, tmp_path):
    pg.execute(DOMAINS + """
CREATE TABLE public.t (id integer PRIMARY KEY, a qty, b other.qty,
    c numeric(10,2) DEFAULT '5.5'::other.qty CONSTRAINT t_c_check CHECK (c <> '7'::other.qty),
    d integer DEFAULT '3'::qty, e stamp);
""")
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out)
    assert result.exit_code == 0, result.output
    lines = _columns(result.output)
    assert "qty -> integer (domain qty over integer; its CHECK ((VALUE >= 0)) is not kept" in lines["a"], lines
    assert "other.qty -> numeric(10,2) (domain other.qty over numeric(10,2); its CHECK ((VALUE < (100)::numeric)) " \
        "is not kept" in lines["b"], lines
    # a domain over a type the import rounds (timestamp(3)) is named with what it does not keep, too
    assert "stamp -> timestamptz (PostgreSQL rounded the values to 3 fractional digits; timestamptz keeps " \
        "microseconds; domain stamp over timestamp(3) with time zone; its CHECK" in lines["e"], lines
    assert _domains(result.output) == ["qty", "stamp", "other.qty"], result.output   # each once; unused: not at all
    t = load_file(out).table("t")
    assert t.column("a").type.spelled() == "integer" and t.column("b").type.spelled() == "numeric(10,2)"
    check = next(ck for ck in t.checks if ck.name == "t_c_check")
    shown = dict(check.expr.sql)["postgres"]
    assert "AS DECIMAL(10, 2)" in shown and "INT" not in shown, shown   # other.qty's base type, not public.qty's
    assert t.column("d").default.value == 3


def test_import_of_a_named_schema_reads_its_own_domain_and_lists_those_its_columns_use(pg, pg_server, tmp_path):
    """--schema app: format_type spells app's own domain app.qty (app is not on the reader's path), which the
    catalog shows as qty, like public.qty; each column is read as the domain it was declared with."""
    pg.execute(DOMAINS + """
CREATE TABLE app.t (id integer PRIMARY KEY, a app.qty, b public.qty, c other.qty,
    d text DEFAULT 'x'::app.qty, e integer DEFAULT '4'::public.qty,
    f numeric(12,2) DEFAULT '1'::other.price CONSTRAINT t_f_check CHECK (f <> '7'::other.qty));
""")
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "--schema", "app", "-o", out)
    assert result.exit_code == 0, result.output
    lines = _columns(result.output)
    assert "qty -> text (domain qty over text; its CHECK ((VALUE <> ''::text)) is not kept" in lines["a"], lines
    assert "public.qty -> integer (domain public.qty over integer; its CHECK ((VALUE >= 0))" in lines["b"], lines
    assert "other.qty -> numeric(10,2) (domain other.qty over numeric(10,2)" in lines["c"], lines
    # app's own domain, then the others its columns (types, defaults, checks) use; never other.unused
    assert _domains(result.output) == ["qty", "other.price", "other.qty", "public.qty"], result.output
    t = load_file(out).table("t")
    assert [t.column(c).type.spelled() for c in "abcdef"] == ["text", "integer", "numeric(10,2)", "text",
                                                              "integer", "numeric(12,2)"]
    assert t.column("d").default.value == "x" and t.column("e").default.value == 4
    check = next(ck for ck in t.checks if ck.name == "t_f_check")
    shown = dict(check.expr.sql)["postgres"]
    assert "AS DECIMAL(10, 2)" in shown and "TEXT" not in shown.upper(), shown


def test_domains_of_a_ddl_file_are_placed_at_their_own_statements(pg_server, tmp_path):
    ddl = DOMAINS + "CREATE TABLE app.t (id integer PRIMARY KEY, a app.qty, b public.qty, c other.qty);\n"
    src = tmp_path / "schema.sql"
    src.write_text(ddl)
    result = cli("import", "--ddl", "schema.sql", "--dialect", "postgres", "--schema", "app", "--postgres-url",
                 pg_server.url(), "-o", "app.yaml", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    listed = [line for line in result.output.splitlines() if line.startswith("import: not mapped: ") and "domain" in line]
    assert [line.split(": domains")[0] for line in listed] == [
        'import: not mapped: schema.sql:6: domain "qty"', 'import: not mapped: schema.sql:5: domain "other.qty"',
        'import: not mapped: schema.sql:4: domain "public.qty"'], result.output


def test_an_array_of_a_domain_reads_as_an_array_of_its_base_type_and_builds(pg, pg_server, tmp_path):
    """The manifest has no domains: a column of qty[] kept postgres_type 'qty[]', naming a type the generated DDL
    never creates (PostgreSQL refused it: type "qty[]" does not exist).  It reads as its base type's array, as
    a column of qty reads as the base type, whichever schema holds the domain."""
    from schemactl.parity import parity
    pg.execute(DOMAINS + """
CREATE TABLE app.t (id integer PRIMARY KEY, a app.qty[] NOT NULL, b public.qty[], c other.qty[], d app.qty);
""")
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "--schema", "app", "-o", out)
    assert result.exit_code == 0, result.output
    lines = _columns(result.output)
    assert "qty[] -> text[] (domain qty over text; its CHECK ((VALUE <> ''::text)) is not kept" in lines["a"], lines
    assert "public.qty[] -> integer[] (domain public.qty over integer" in lines["b"], lines
    assert "other.qty[] -> numeric(10,2)[] (domain other.qty over numeric(10,2)" in lines["c"], lines
    m = load_file(out)
    t = m.table("t")
    assert [t.column(c).type.spelled() for c in "abcd"] == ["text[]", "integer[]", "numeric(10,2)[]", "text"]
    assert all(t.column(c).engine_types == () for c in "abcd")   # no postgres_type kept
    assert [f for target in parity([m], ("postgres", "sqlite"), "url", pg_server.url()) for f in target.findings] == []


def test_a_domain_over_the_schemas_own_enum_reads_as_that_enum(pg, pg_server, tmp_path):
    """A column of a domain over an enum of the schema read as text with postgres_type: the enum ("which has no
    portable type"): SQLite lost the enum's CHECK of the members, though the manifest holds the enum."""
    pg.execute("""CREATE TYPE "Color" AS ENUM ('red', 'green');
                  CREATE DOMAIN hue AS "Color" DEFAULT 'red';
                  CREATE TABLE paints (id integer PRIMARY KEY, h hue);""")
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out)
    assert result.exit_code == 0, result.output
    assert _columns(result.output)["h"].endswith('column "h": hue -> Color (domain hue over "Color"; its DEFAULT '
                                                  "'red'::\"Color\" is not kept: the column has no default (give it "
                                                  "one))"), result.output
    m = load_file(out)
    assert m.table("paints").column("h").type.enum == "Color"
    res = cli("parity", out, "--postgres", "url", "--postgres-url", pg_server.url("postgres"))
    assert res.exit_code == 0, res.output
