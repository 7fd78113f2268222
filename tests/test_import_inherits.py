"""A table that INHERITS another was imported as a table standing alone, counted exact, and diff of the database
against that manifest said nothing: a query of the parent reads the child's rows there, not in what the
manifest builds.  Now import lists it as approximate and diff reports it (SC105), as UNLOGGED is; a partition,
which is also in pg_inherits, stays listed as a partition."""

from __future__ import annotations

import json

from tests.conftest import cli


def test_inherits_is_listed_by_import_and_reported_by_diff(pg, pg_server, tmp_path):
    pg.execute("""CREATE SCHEMA other; CREATE TABLE other.audit (at timestamptz);
                  CREATE TABLE base (id integer PRIMARY KEY, kind text CHECK (kind <> ''));
                  CREATE TABLE sub (extra text) INHERITS (base, other.audit);
                  CREATE TABLE parts (id integer, k integer) PARTITION BY RANGE (k);
                  CREATE TABLE parts_1 PARTITION OF parts FOR VALUES FROM (0) TO (10);""")
    out = tmp_path / "app.yaml"
    url = pg_server.url("schemactl_tests")
    result = cli("import", "--db", url, "-o", out)
    assert result.exit_code == 0, result.output
    why = ("INHERITS (base, other.audit) left out: the manifest's table stands alone (a query of the parent no "
           "longer reads its rows; the columns and CHECKs it inherited are its own)")
    assert f'approximately: table "sub": {why}' in result.output, result.output
    assert "INHERITS (parts)" not in result.output and 'table "parts_1": partition of "parts"' in result.output
    res = cli("diff", out, "--db", url, "--format", "json")
    found = [(f["code"], f["actual"]) for f in json.loads(res.output)["findings"]]
    assert ("SC105", why) in found, found
    assert res.exit_code == 1
