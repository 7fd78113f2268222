"""An integer column (smallint, integer, bigint) becoming numeric(p,0) (or numeric(p,s)) with p - s at least as many
digits as the type's extremes (smallint 5, integer 10, bigint 19) keeps every value: each integer is an exact
numeric of that many digits on both engines (PostgreSQL's ``USING col::numeric(p,s)``, SQLite's rebuild writing
its decimal text).  `migrate new` planned it as destructive ("may not hold every value"), refused it without
--allow-destructive and wrote no down migration; it is planned now as keeping every value."""

from __future__ import annotations

from decimal import Decimal

import pytest

from schemactl.diff import diff
from schemactl.errors import SchemactlError
from schemactl.expect import expect
from schemactl.introspect import introspect
from schemactl.runtime import MigrationError, migrate
from tests.migrations.chain_support import Chain, scored_base as _base, scored_rows as _populated

ENGINES = ["sqlite", "postgres"]

# (old type, new type, the values of that type the rows hold: each type's extremes)
KEPT = [
    ("smallint", '"numeric(5,0)"', [-(2 ** 15), 2 ** 15 - 1, 0]),
    ("integer", '"numeric(10,0)"', [-(2 ** 31), 2 ** 31 - 1, 7]),
    ("bigint", '"numeric(19,0)"', [-(2 ** 63), 2 ** 63 - 1, -1]),
    ("integer", '"numeric(12,2)"', [-(2 ** 31), 2 ** 31 - 1, 42]),
    ("bigint", '"numeric(30,0)"', [-(2 ** 63), 2 ** 63 - 1, 5]),
]




def _scores(conn) -> list:
    return [(i, None if v is None else Decimal(str(v))) for i, v in conn.execute("SELECT id, score FROM items ORDER BY id")]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("before,after,values", KEPT)
def test_an_integer_becoming_a_wide_numeric_keeps_every_value_on_both_engines(engine, before, after, values,
                                                                              tmp_path, request):
    """Planned without --allow-destructive; applied to populated rows (the type's extremes and a NULL), each engine
    holds the same number, diff-clean (down and up again: tests/migrations/test_down.py, integer_to_numeric)."""
    conn, chain = _populated(engine, before, values, tmp_path, request)
    m2, planned = chain.release(_base(before).replace(f"score: {{type: {before}}}", f"score: {{type: {after}}}"),
                                "retype", allow_destructive=False)
    assert migrate(conn, chain.bundle(m2)) == [2]
    conn.commit()
    want = [*((i, Decimal(v)) for i, v in enumerate(values, 1)), (4, None)]
    assert _scores(conn) == want
    if engine == "sqlite":   # numeric is decimal text on SQLite
        assert {r[0] for r in conn.execute("SELECT typeof(score) FROM items WHERE score IS NOT NULL")} == {"text"}
    assert [str(f) for f in diff(expect(m2, engine), introspect(conn, engine))] == []



@pytest.mark.parametrize("before,after", [("smallint", "numeric(4,0)"), ("integer", "numeric(9,0)"),
                                          ("bigint", "numeric(18,0)"), ("integer", "numeric(10,1)")])
def test_a_numeric_too_narrow_for_the_type_stays_destructive(before, after, tmp_path):
    chain = Chain(tmp_path)
    chain.release(_base(before), "init")
    with pytest.raises(SchemactlError, match=r"(?s)refusing destructive operations.*may not hold every value"):
        chain.release(_base(before).replace(f"score: {{type: {before}}}", f'score: {{type: "{after}"}}'),
                      "retype", allow_destructive=False)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_numeric_too_narrow_refuses_the_extreme_on_both_engines(engine, tmp_path, request):
    """The destructive case is what the plan says: integer -> numeric(9,0) fails on 2147483647, on both engines."""
    conn, chain = _populated(engine, "integer", [2 ** 31 - 1], tmp_path, request)
    m2, _ = chain.release(_base("integer").replace("score: {type: integer}", 'score: {type: "numeric(9,0)"}'),
                          "retype")
    with pytest.raises(MigrationError):
        migrate(conn, chain.bundle(m2))
    conn.rollback()
