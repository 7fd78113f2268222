"""`diff` of a manifest in a schema of its own (postgres.schema: app) where public holds a type of the same name
as one of app (a domain qty in both, the row types of tables app.qty and public.qty): the catalog is read with
public on its path and app's own types without their schema, so a column of public.qty and one of app.qty both
read as "qty", and diff found no difference in a column of the other schema's type.  A public type that app's own
shadows now reads as public.qty (the bare name is app's own, as the manifest's DDL path, app then public, finds it
first); one nothing shadows still reads bare."""

from __future__ import annotations

from tests.conftest import cli

DOMAINS = """\
format: 1
name: app
version: 1
postgres: {schema: app}
tables:
  orders:
    columns:
      id: {type: integer, primary_key: true}
      amount: {type: integer, postgres_type: qty}
      amounts: {type: text, postgres_type: "qty[]"}
"""


def _diff(tmp_path, pg_server, text):
    (tmp_path / "app.yaml").write_text(text)
    return cli("diff", tmp_path / "app.yaml", "--db", pg_server.url("schemactl_tests"))


def test_a_column_of_publics_domain_is_not_the_schemas_own(tmp_path, pg, pg_server):
    pg.execute("CREATE SCHEMA app; CREATE DOMAIN app.qty AS integer CHECK (VALUE >= 0); "
               "CREATE DOMAIN public.qty AS integer")
    pg.execute("CREATE TABLE app.orders (id integer PRIMARY KEY, amount public.qty, amounts public.qty[])")
    result = _diff(tmp_path, pg_server, DOMAINS)
    assert result.exit_code == 1, result.output
    assert result.output.count("has another type") == 2, result.output
    assert 'SC203 [postgres] column "orders.amount" has another type\n    expected: qty\n    actual:   public.qty' \
        in result.output
    assert "expected: qty[]\n    actual:   public.qty[]" in result.output
    pg.execute("ALTER TABLE app.orders ALTER amount TYPE app.qty, ALTER amounts TYPE app.qty[]")
    result = _diff(tmp_path, pg_server, DOMAINS)
    assert result.exit_code == 0, result.output
    # public's qty alone: the bare name finds it, as the DDL's path would
    pg.execute("ALTER TABLE app.orders ALTER amount TYPE public.qty, ALTER amounts TYPE public.qty[]; "
               "DROP DOMAIN app.qty")
    result = _diff(tmp_path, pg_server, DOMAINS)
    assert result.exit_code == 0, result.output


ROW_TYPES = """\
format: 1
name: app
version: 1
postgres: {schema: app}
tables:
  qty:
    columns:
      id: {type: integer, primary_key: true}
  orders:
    columns:
      id: {type: integer, primary_key: true}
      last: {type: text, postgres_type: TYPE}
"""


def test_tables_app_qty_and_public_qty_are_told_apart(tmp_path, pg, pg_server):
    pg.execute("CREATE SCHEMA app; CREATE TABLE app.qty (id integer PRIMARY KEY); "
               "CREATE TABLE public.qty (id integer PRIMARY KEY)")
    pg.execute("CREATE TABLE app.orders (id integer PRIMARY KEY, last public.qty)")
    result = _diff(tmp_path, pg_server, ROW_TYPES.replace("TYPE", "qty"))
    assert result.exit_code == 1, result.output
    assert 'column "orders.last" has another type\n    expected: qty\n    actual:   public.qty' in result.output
    assert result.output.count("SC") == 1, result.output
    result = _diff(tmp_path, pg_server, ROW_TYPES.replace("TYPE", "public.qty"))
    assert result.exit_code == 0, result.output
    pg.execute("ALTER TABLE app.orders ALTER last TYPE app.qty USING NULL")
    result = _diff(tmp_path, pg_server, ROW_TYPES.replace("TYPE", "qty"))
    assert result.exit_code == 0, result.output
    result = _diff(tmp_path, pg_server, ROW_TYPES.replace("TYPE", "public.qty"))
    assert result.exit_code == 1, result.output
    assert "expected: public.qty\n    actual:   qty" in result.output
