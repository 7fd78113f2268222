"""Types whose catalog spelling puts the precision inside the name (time(2) with time zone, or an array of
timestamp(0) with time zone): import wrote them as postgres_type 'time(2) with time zone', a form postgres_type
does not take, and left the column out ("has the wrong form"); an array of timestamp(p) did not read as the
portable array a timestamp(p) column reads as.  Now the array reads as timestamptz[] (listed, as the column's
rounding is), and a time with time zone keeps its precision as timetz(2), the same type by its other name."""

from __future__ import annotations

import json

import yaml

from tests.conftest import cli


def test_time_precisions_keep_their_columns(pg, pg_server, tmp_path):
    pg.execute("""CREATE DOMAIN tz2 AS timetz(2);
                  CREATE TABLE stamps (id integer PRIMARY KEY, a timestamptz(0)[], b timestamp(3)[] DEFAULT '{}',
                                       d timetz(2)[], f timetz(3), g tz2, h tz2[]);""")
    out = tmp_path / "app.yaml"
    url = pg_server.url("schemactl_tests")
    result = cli("import", "--db", url, "-o", out)
    assert result.exit_code == 0, result.output
    assert "wrong form" not in result.output and "not mapped: table" not in result.output, result.output
    assert ('column "a": timestamp(0) with time zone[] -> timestamptz[] (PostgreSQL rounded the values to 0 '
            "fractional digits") in result.output, result.output
    columns = yaml.safe_load(out.read_text())["tables"]["stamps"]["columns"]
    assert {c: (spec["type"], spec.get("postgres_type")) for c, spec in columns.items()} == {
        "id": ("integer", None), "a": ("timestamptz[]", None), "b": ("timestamp[]", None),
        "d": ("text", "timetz(2)[]"), "f": ("text", "timetz(3)"), "g": ("text", "timetz(2)"),
        "h": ("text", "timetz(2)[]")}
    res = cli("diff", out, "--db", url, "--format", "json")
    found = sorted(f["object"] for f in json.loads(res.output)["findings"])
    assert found == ["stamps.a", "stamps.b", "stamps.g", "stamps.h"], res.output   # precision and domains: listed
    res = cli("parity", out, "--postgres", "url", "--postgres-url", pg_server.url("postgres"))
    assert res.exit_code == 0, res.output
