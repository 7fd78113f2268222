"""import --ddl --schema app where PostgreSQL refused every table of app: the error said only that the DDL
creates no table there ("schemas with tables: none"), though the file plainly creates them; the refusals, which
say why, were dropped with the summary.  Now the error names each refused CREATE TABLE at its line, with
PostgreSQL's word."""

from __future__ import annotations

from tests.conftest import cli


def test_the_refused_tables_are_named_when_the_schema_ends_up_empty(pg_server, tmp_path):
    (tmp_path / "schema.sql").write_text(
        "CREATE SCHEMA app;\n"
        "CREATE TABLE app.t (id integer PRIMARY KEY, c public.missing_type);\n"
        "CREATE TABLE app.u (id integer PRIMARY KEY, t_id integer REFERENCES app.t (id));\n")
    result = cli("import", "--ddl", "schema.sql", "--dialect", "postgres", "--schema", "app", "--postgres", "url",
                 "--postgres-url", pg_server.url(), "-o", "app.yaml", cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert "--schema app: the DDL creates no table in PostgreSQL schema 'app' (schemas with tables: none); " \
           "nothing was written: name one of those, or make PostgreSQL take the tables it rejected:" in result.output
    assert 'schema.sql:2: CREATE TABLE app.t (id integer PRIMARY KEY, c public.missing_type);: postgres rejected ' \
           'it: type "public.missing_type" does not exist' in result.output, result.output
    assert 'schema.sql:3: CREATE TABLE app.u' in result.output and "Traceback" not in result.output
    assert not (tmp_path / "app.yaml").exists()
