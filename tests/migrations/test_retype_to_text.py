"""An integer column (smallint, integer, bigint) becoming text, or a varchar(n) long enough for its type's longest
value, keeps every value: each integer has one decimal text, and both engines write it alike (PostgreSQL's
``USING col::text``, SQLite's rebuild copying an INTEGER into a TEXT column).  `migrate new` plans it without
--allow-destructive, and the populated rows read back as the same strings on both engines."""

from __future__ import annotations


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
    ("integer", "text", [-(2 ** 31), 2 ** 31 - 1, 0]),
    ("smallint", "text", [-(2 ** 15), 2 ** 15 - 1, 7]),
    ("bigint", "text", [-(2 ** 63), 2 ** 63 - 1, -1]),
    ("smallint", '"varchar(6)"', [-(2 ** 15), 2 ** 15 - 1, 0]),
    ("integer", '"varchar(11)"', [-(2 ** 31), 2 ** 31 - 1, 42]),
    ("bigint", '"varchar(20)"', [-(2 ** 63), 2 ** 63 - 1, 5]),
    ("integer", '"varchar(50)"', [-(2 ** 31), 12, 2 ** 31 - 1]),
]




@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("before,after,values", KEPT)
def test_an_integer_becoming_text_keeps_every_value_on_both_engines(engine, before, after, values, tmp_path, request):
    """integer -> text was planned as destructive ("may not hold every value") and refused without
    --allow-destructive, and had no down migration.  Planned now as keeping every value; applied to populated rows
    (the type's extremes and a NULL), each engine holds the integer's decimal text, as a string."""
    conn, chain = _populated(engine, before, values, tmp_path, request)
    m2, planned = chain.release(_base(before).replace(f"score: {{type: {before}}}", f"score: {{type: {after}}}"),
                                "retype", allow_destructive=False)
    assert migrate(conn, chain.bundle(m2)) == [2]
    conn.commit()
    got = [tuple(r) for r in conn.execute("SELECT id, score FROM items ORDER BY id")]
    assert got == [*((i, str(v)) for i, v in enumerate(values, 1)), (4, None)]
    if engine == "sqlite":   # stored as text, not an INTEGER kept in a TEXT column
        assert {r[0] for r in conn.execute("SELECT typeof(score) FROM items WHERE score IS NOT NULL")} == {"text"}
    assert [str(f) for f in diff(expect(m2, engine), introspect(conn, engine))] == []


@pytest.mark.parametrize("before,after", [("smallint", "varchar(5)"), ("integer", "varchar(10)"),
                                          ("bigint", "varchar(19)"), ("integer", "character(11)")])
def test_a_varchar_too_short_for_the_longest_integer_stays_destructive(before, after, tmp_path):
    """varchar(n) shorter than the type's longest text (its minimum with the sign) may refuse a value, and
    character(n) pads each: still destructive, refused without --allow-destructive."""
    chain = Chain(tmp_path)
    chain.release(_base(before), "init")
    with pytest.raises(SchemactlError, match=rf"(?s)refusing destructive operations.*{before} -> {after.replace('(', '[(]').replace(')', '[)]')}"):
        chain.release(_base(before).replace(f"score: {{type: {before}}}", f'score: {{type: "{after}"}}'),
                      "retype", allow_destructive=False)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_varchar_too_short_refuses_the_longest_integer_on_both_engines(engine, tmp_path, request):
    """The destructive case is what the plan says: integer -> varchar(10) fails on -2147483648, on both engines."""
    conn, chain = _populated(engine, "integer", [-(2 ** 31)], tmp_path, request)
    m2, _ = chain.release(_base("integer").replace("score: {type: integer}", 'score: {type: "varchar(10)"}'),
                          "retype")
    with pytest.raises(MigrationError, match="items_score_fits_length_10|too long"):
        migrate(conn, chain.bundle(m2))
    conn.rollback()
